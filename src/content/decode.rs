//! Turning bytes into text. Archives collect files from many editors over
//! years: UTF-8 with and without BOM, UTF-16 from Windows tools, GBK/GB18030
//! from older Chinese software. All are decoded; anything not plain UTF-8 is
//! reported so the author can fix it, and binary files are refused.

use std::borrow::Cow;
use std::sync::Arc;

use encoding_rs::{Encoding, GB18030, UTF_16BE, UTF_16LE};

pub enum Decoded {
    /// The text, in the shared string a document keeps (`Doc::text`).
    Text {
        text: Arc<str>,
        notes: Vec<String>,
    },
    Binary,
}

/// Takes the bytes by value so that text in another encoding is decoded
/// without a copy of its bytes first. Text that needs no change (nearly
/// every file: UTF-8 without a byte-order mark or carriage returns) stays
/// borrowed from `bytes` until its one copy, into the document's shared
/// text; through a `String` first, each file was copied twice (74 MB at
/// 10,000 reports).
pub fn decode(bytes: Vec<u8>) -> Decoded {
    let mut notes = Vec::new();
    let mut text: Cow<str> = if let Some((enc, bom_len)) = Encoding::for_bom(&bytes) {
        if enc == UTF_16LE || enc == UTF_16BE {
            notes.push(format!(
                "decoded from {} (BOM); save it as UTF-8",
                enc.name()
            ));
        } else {
            notes.push("UTF-8 byte-order mark removed".to_string());
        }
        enc.decode_without_bom_handling(&bytes[bom_len..]).0
    } else if let Ok(text) = simdutf8::basic::from_utf8(&bytes) {
        // Checked with SIMD: std's check takes a byte at a time through
        // Chinese text, a few times slower than the copy.
        Cow::Borrowed(text)
    } else {
        match String::from_utf8(bytes) {
            Ok(s) => Cow::Owned(s),
            Err(e) if looks_binary(e.as_bytes()) => return Decoded::Binary,
            Err(e) => {
                let valid_up_to = e.utf8_error().valid_up_to();
                let bytes = e.into_bytes();
                let (cow, had_errors) = GB18030.decode_without_bom_handling(&bytes);
                Cow::Owned(if had_errors {
                    notes.push(format!(
                        "invalid UTF-8 at byte {valid_up_to}; undecodable bytes replaced with U+FFFD"
                    ));
                    String::from_utf8_lossy(&bytes).into_owned()
                } else {
                    notes.push("not UTF-8; decoded as GB18030/GBK; save it as UTF-8".to_string());
                    cow.into_owned()
                })
            }
        }
    };
    if text.contains('\r') {
        notes.push("CRLF line endings normalised to LF".to_string());
        text = Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"));
    }
    if text.contains('\0') {
        return Decoded::Binary;
    }
    Decoded::Text {
        text: Arc::from(&*text),
        notes,
    }
}

/// NUL bytes or a high share of control bytes in the first 8 KiB: what git
/// and ripgrep use to call a file binary.
fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return true;
    }
    let control = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c))
        .count();
    control * 10 > head.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(d: Decoded) -> (String, Vec<String>) {
        match d {
            Decoded::Text { text, notes } => (text.to_string(), notes),
            Decoded::Binary => panic!("binary"),
        }
    }

    #[test]
    fn plain_utf8_has_no_notes() {
        let (t, n) = text(decode("第16周\n".into()));
        assert_eq!(t, "第16周\n");
        assert!(n.is_empty());
    }

    #[test]
    fn gbk_is_decoded_with_a_note() {
        let (bytes, _, _) = GB18030.encode("# 第16周 2023-04-14\n入金有效成功率：99.99%\n");
        let (t, n) = text(decode(bytes.into_owned()));
        assert!(t.contains("入金有效成功率"));
        assert!(n[0].contains("GB18030"));
    }

    #[test]
    fn utf16_with_bom_and_crlf() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "# 周报\r\n正文\r\n".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let (t, n) = text(decode(bytes));
        assert_eq!(t, "# 周报\n正文\n");
        assert_eq!(n.len(), 2);
    }

    #[test]
    fn utf8_bom_removed() {
        let (t, n) = text(decode("\u{feff}# x\n".into()));
        assert_eq!(t, "# x\n");
        assert_eq!(n.len(), 1);
    }

    /// Plain UTF-8 stays borrowed until its one copy: a file with carriage
    /// returns or a NUL must still be normalised or refused.
    #[test]
    fn utf8_with_crlf_or_nul_is_still_normalised_or_refused() {
        let (t, n) = text(decode("# 周报\r\n正文\r".into()));
        assert_eq!(t, "# 周报\n正文\n");
        assert_eq!(n, ["CRLF line endings normalised to LF"]);
        assert!(matches!(decode("# 周报\n\0正文\n".into()), Decoded::Binary));
    }

    #[test]
    fn binary_refused() {
        assert!(matches!(
            decode(vec![0x89, b'P', b'N', b'G', 0, 0, 1, 2]),
            Decoded::Binary
        ));
    }
}
