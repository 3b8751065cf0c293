//! JSON strings written a word at a time, for the data files and the
//! search index: 200 MB of JSON at 10,000 reports, most of it report text.
//!
//! serde_json escapes a string one byte at a time, with a table lookup and
//! a branch each; for the Chinese text these files are made of, that was
//! about a twentieth of a build. It has no hook for the string loop, but it
//! hands byte strings (`serialize_bytes`) to its `Formatter`, which our
//! formatters (`data::Records`, `Compact`) write as escaped text. So a long
//! text field is serialised as `Text`, and comes out byte for byte as
//! serde_json writes a `str` (the tests check that at every offset). The
//! same path carries `Raw`, a whole object written beforehand by `Line`.
//!
//! `Text` and `Raw` are only for these formatters: serde_json's own write
//! a byte string as an array of numbers.

use std::io::{self, Write};

use serde::{Serialize, Serializer};

/// A string field written by `write_str` rather than serde_json's loop.
#[derive(Clone, Copy)]
pub struct Text<'a>(pub &'a str);

impl Serialize for Text<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0.as_bytes())
    }
}

/// Like `Text`, for an optional one.
pub fn opt_text(t: &Option<String>) -> Option<Text<'_>> {
    t.as_deref().map(Text)
}

/// Writes `s` (UTF-8, from a `Text`) as a JSON string, escaped exactly as
/// serde_json escapes a `str`: `"`, `\`, the short escapes `\b \t \n \f
/// \r`, and `\u00xx` for the other control characters. The special bytes
/// are found eight at a time (`scan`).
pub fn write_str<W: ?Sized + Write>(w: &mut W, s: &[u8]) -> io::Result<()> {
    use super::scan::{bytes_below, special_bytes, splat, zero_bytes};
    let flags =
        |x: u64| bytes_below(x, 0x20) | zero_bytes(x ^ splat(b'"')) | zero_bytes(x ^ splat(b'\\'));
    w.write_all(b"\"")?;
    let mut start = 0;
    for j in special_bytes(s, flags, needs_escape) {
        w.write_all(&s[start..j])?;
        escape(w, s[j])?;
        start = j + 1;
    }
    w.write_all(&s[start..])?;
    w.write_all(b"\"")
}

/// The bytes a JSON string escapes: control characters, `"` and `\`.
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// The escape of one special byte, as serde_json writes it.
fn escape<W: ?Sized + Write>(w: &mut W, b: u8) -> io::Result<()> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let short: &[u8] = match b {
        b'"' => b"\\\"",
        b'\\' => b"\\\\",
        b'\n' => b"\\n",
        b'\t' => b"\\t",
        b'\r' => b"\\r",
        0x08 => b"\\b",
        0x0C => b"\\f",
        _ => {
            return w.write_all(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xF)],
            ])
        }
    };
    w.write_all(short)
}

/// The first byte of a `Raw` value's bytes: never the first byte of UTF-8
/// text, so a `Text` cannot be mistaken for one.
const RAW: u8 = 0xFF;

/// A JSON object written beforehand by `Line`, which our formatters pass
/// through as it is. serde_json writes a struct field by field, with a
/// formatter call, an escaped key and a write for each piece: for the
/// hundred thousand weekly entries of `projects.json` (10,000 reports) that
/// was most of the file's cost. Like `Text`, it reaches the formatter as a
/// byte string (marked by `RAW`), so only our formatters can write it.
pub struct Raw(Vec<u8>);

impl Serialize for Raw {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

/// A byte string from `Text` or `Raw`, as our formatters write it.
pub fn write_bytes<W: ?Sized + Write>(w: &mut W, value: &[u8]) -> io::Result<()> {
    match value.split_first() {
        Some((&RAW, json)) => w.write_all(json),
        _ => write_str(w, value),
    }
}

/// Builds a `Raw` object field by field, as compact JSON: the same bytes
/// serde_json writes for a struct with these fields, in this order.
pub struct Line {
    buf: Vec<u8>,
    first: bool,
    failed: bool,
}

impl Line {
    /// An empty object, with room for about `capacity` bytes.
    pub fn new(capacity: usize) -> Self {
        let mut buf = Vec::with_capacity(capacity + 2);
        buf.extend_from_slice(&[RAW, b'{']);
        Self {
            buf,
            first: true,
            failed: false,
        }
    }

    /// `"key":`, after a comma unless it is the first. Keys are field
    /// names: nothing in them needs escaping.
    fn key(&mut self, key: &str) {
        debug_assert!(!key.bytes().any(needs_escape));
        if !self.first {
            self.buf.push(b',');
        }
        self.first = false;
        self.buf.push(b'"');
        self.buf.extend_from_slice(key.as_bytes());
        self.buf.extend_from_slice(b"\":");
    }

    /// A string field, written as `Text` is.
    pub fn text(&mut self, key: &str, value: &str) -> &mut Self {
        self.key(key);
        // Into a `Vec`, writing cannot fail.
        let _ = write_str(&mut self.buf, value.as_bytes());
        self
    }

    /// Any other field, serialised as `to_writer` does.
    pub fn value(&mut self, key: &str, value: &impl Serialize) -> &mut Self {
        self.key(key);
        self.failed |= to_writer(&mut self.buf, value).is_err();
        self
    }

    /// The object, or `None` when a field could not be serialised.
    pub fn finish(mut self) -> Option<Raw> {
        self.buf.push(b'}');
        (!self.failed).then_some(Raw(self.buf))
    }
}

/// A list serialised item by item as `F`'s iterator makes them, not
/// built whole first: the views of every project's entries together were
/// 20 MB at 10,000 reports, one project's are a few hundred KB.
pub struct Each<F>(pub F);

impl<F, I> Serialize for Each<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq((self.0)())
    }
}

/// `Each` for a map: the (key, value) pairs of `F`'s iterator, in order.
pub struct EachPair<F>(pub F);

impl<F, I, K, V> Serialize for EachPair<F>
where
    F: Fn() -> I,
    I: Iterator<Item = (K, V)>,
    K: Serialize,
    V: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map((self.0)())
    }
}

/// serde_json's compact output, with `Text` and `Raw` written by
/// `write_bytes`.
pub struct Compact;

impl serde_json::ser::Formatter for Compact {
    fn write_byte_array<W: ?Sized + Write>(&mut self, w: &mut W, value: &[u8]) -> io::Result<()> {
        write_bytes(w, value)
    }
}

/// `value` as compact JSON appended to `out`.
pub fn to_writer(out: &mut Vec<u8>, value: &impl Serialize) -> serde_json::Result<()> {
    value.serialize(&mut serde_json::Serializer::with_formatter(out, Compact))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ours(s: &str) -> String {
        let mut out = Vec::new();
        to_writer(&mut out, &Text(s)).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn text_is_written_as_serde_json_writes_a_str_at_every_offset() {
        let mut specials: Vec<String> = (0u8..0x20).map(|b| char::from(b).to_string()).collect();
        specials.extend(
            [
                "\"", "\\", "/", "\u{7f}", "\u{2028}", "中", "😀", "é", "!", "#", "]", "|",
                "\u{a0}",
            ]
            .map(String::from),
        );
        for special in &specials {
            for before in 0..17 {
                for after in [0, 1, 7, 8, 9] {
                    let s = format!(
                        "{}{special}{}",
                        "周".repeat(before / 3) + &"a".repeat(before % 3),
                        "b".repeat(after)
                    );
                    assert_eq!(ours(&s), serde_json::to_string(&s).unwrap(), "{s:?}");
                }
            }
        }
        let all: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        assert_eq!(ours(&all), serde_json::to_string(&all).unwrap());
        assert_eq!(ours(""), "\"\"");
    }

    #[test]
    fn text_inside_a_structure_is_a_json_string() {
        #[derive(Serialize)]
        struct Row<'a> {
            name: Text<'a>,
            note: Option<Text<'a>>,
            plain: &'a str,
        }
        let row = Row {
            name: Text("进度 \"61%\"\n"),
            note: None,
            plain: "x",
        };
        let mut out = Vec::new();
        to_writer(&mut out, &vec![row]).unwrap();
        let back: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(back[0]["name"], "进度 \"61%\"\n");
        assert_eq!(back[0]["note"], serde_json::Value::Null);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"[{"name":"进度 \"61%\"\n","note":null,"plain":"x"}]"#
        );
    }

    #[test]
    fn a_line_is_what_serde_json_writes_for_the_struct() {
        #[derive(Serialize)]
        struct Record<'a> {
            anchor: &'a str,
            parts: BTreeMap<String, f64>,
            planned: Vec<Text<'a>>,
            progress: Option<f64>,
            ratio: f64,
            slipped: bool,
            text: &'a str,
            week: Option<u32>,
        }
        use std::collections::BTreeMap;
        let parts = BTreeMap::from([("前端".to_string(), 32.0), ("a\"b".to_string(), 0.5)]);
        let text = "进度 \"61%\"\n\u{1}\\ 完成";
        let record = Record {
            anchor: "L23",
            parts: parts.clone(),
            planned: vec![Text("预计3/30上线"), Text("</script>")],
            progress: None,
            ratio: f64::NAN,
            slipped: true,
            text,
            week: Some(7),
        };
        let mut line = Line::new(16);
        line.text("anchor", "L23")
            .value("parts", &parts)
            .value("planned", &[Text("预计3/30上线"), Text("</script>")])
            .value("progress", &None::<f64>)
            .value("ratio", &f64::NAN)
            .value("slipped", &true)
            .text("text", text)
            .value("week", &Some(7u32));
        let mut written = Vec::new();
        to_writer(&mut written, &[line.finish().unwrap()]).unwrap();
        let theirs = format!("[{}]", serde_json::to_string(&record).unwrap().replace(
            // serde_json's own formatter writes `Text` as bytes: the
            // reference spells the list out.
            "[[233,162,132,232,174,161,51,47,51,48,228,184,138,231,186,191],[60,47,115,99,114,105,112,116,62]]",
            r#"["预计3/30上线","</script>"]"#,
        ));
        assert_eq!(String::from_utf8(written).unwrap(), theirs);
        // Nothing is passed through unless a `Line` made it: text keeps
        // its quotes and escapes.
        assert_eq!(ours("\u{7f}"), "\"\u{7f}\"");
    }

    #[test]
    fn a_line_with_a_field_serde_cannot_write_is_none() {
        let mut line = Line::new(0);
        // A map with keys that are not strings: serde_json refuses it.
        line.value("bad", &std::collections::BTreeMap::from([((1, 2), 3)]));
        assert!(line.finish().is_none());
    }
}
