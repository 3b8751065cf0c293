//! Themes. The default theme is compiled into the binary, so chronicle
//! builds any folder with no files of its own; a `themes/<name>/` folder on
//! disk replaces it, and a site's own `templates/` folder overrides single
//! templates by name (Hugo's and Zola's lookup order).
//!
//! Tera 2 rather than Tera 1.20 (Zola's): the same template language for
//! pages, and measured on the same archives with byte-identical output, it
//! renders them in well under half the time (Tera 1 allocated on every
//! dotted lookup and converted every context to `serde_json` first), which
//! took a tenth off a whole build. Its components replace Tera 1's macros
//! (`components.html`), and its error reports carry the template and line.
//! Overriding by name needs nothing from the engine: the theme's templates
//! are read first, the site's on top, and Tera gets the merged set.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;
use tera::Tera;

use crate::diag::Diagnostic;

macro_rules! embed {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../themes/default/templates/", $name)))),*]
    };
}

const DEFAULT_TEMPLATES: &[(&str, &str)] = embed!(
    "base.html",
    "components.html",
    "index.html",
    "report.html",
    "daily.html",
    "404.html",
    "metrics.html",
    "metric.html",
    "projects.html",
    "project.html",
    "incidents.html",
    "search.html",
    "feed.xml",
    "sitemap.xml"
);
const DEFAULT_STATIC: &[(&str, &[u8])] = &[
    (
        "style.css",
        include_bytes!("../../themes/default/static/style.css"),
    ),
    (
        "site.js",
        include_bytes!("../../themes/default/static/site.js"),
    ),
    (
        "search.js",
        include_bytes!("../../themes/default/static/search.js"),
    ),
];
const DEFAULT_I18N: &str = include_str!("../../themes/default/i18n.toml");

pub struct Theme {
    pub tera: Tera,
    /// Each template's file, to name it in a rendering error.
    pub paths: BTreeMap<String, PathBuf>,
    /// Files copied under `static/` in the output.
    pub statics: Vec<(PathBuf, Vec<u8>)>,
    /// The theme's strings in the site's language.
    pub strings: toml::Table,
    /// Each template's source, for `names`.
    sources: BTreeMap<String, String>,
}

impl Theme {
    pub fn string(&self, key: &str) -> &str {
        self.strings.get(key).and_then(|v| v.as_str()).unwrap_or("")
    }

    /// Whether template `name` names the variable `var` (as a whole word,
    /// not an attribute such as `t.var`): a context value that costs much
    /// to build is built only for a template that shows it. A template
    /// that passes the variable on to another (a component, an include)
    /// names it too; a mention in a comment only costs the building.
    pub fn names(&self, name: &str, var: &str) -> bool {
        let Some(source) = self.sources.get(name) else {
            return false;
        };
        let word = |c: char| c.is_alphanumeric() || c == '_';
        source.match_indices(var).any(|(i, _)| {
            let before = source[..i].chars().next_back();
            let after = source[i + var.len()..].chars().next();
            !before.is_some_and(|c| word(c) || c == '.') && !after.is_some_and(word)
        })
    }

    /// Whether template `name` is the default theme's own, unchanged: a
    /// list that chronicle can write in Rust with the markup of one of the
    /// default theme's components does so only while that component is the
    /// default theme's, so a site's own never goes unused.
    pub fn is_builtin(&self, name: &str) -> bool {
        let builtin = DEFAULT_TEMPLATES.iter().find(|(n, _)| *n == name);
        builtin.is_some_and(|(_, text)| self.sources.get(name).map(String::as_str) == Some(*text))
    }

    /// Whether template `name` mentions `text` anywhere, attributes
    /// (`mo.entries_html`) included.
    pub fn mentions(&self, name: &str, text: &str) -> bool {
        self.sources.get(name).is_some_and(|s| s.contains(text))
    }

    /// The theme's `date_format`, parsed once for every date it formats
    /// (`load` refused one that does not parse); see `show_date`.
    pub fn date_items(&self) -> Vec<chrono::format::Item<'_>> {
        chrono::format::StrftimeItems::new(self.string("date_format"))
            .parse()
            .unwrap_or_default()
    }
}

/// A date as the theme shows it, from its `Theme::date_items`.
pub fn show_date(items: &[chrono::format::Item], date: chrono::NaiveDate) -> String {
    use chrono::format::{Item, Numeric, Pad};
    use chrono::Datelike;
    // Themes' formats are text and the year, month and day (`%Y年%-m月%-d日`,
    // `%B %-d, %Y` is not): those are written here, digit by digit, as
    // chrono would. Every page shows dates, a project page thousands, and
    // chrono's `Display` was most of the cost of each.
    let mut out = String::with_capacity(24);
    for item in items {
        let (value, width, pad) = match item {
            Item::Literal(s) | Item::Space(s) => {
                out.push_str(s);
                continue;
            }
            Item::OwnedLiteral(s) | Item::OwnedSpace(s) => {
                out.push_str(s);
                continue;
            }
            Item::Numeric(Numeric::Year, pad) if (0..=9999).contains(&date.year()) => {
                (date.year() as u32, 4usize, pad)
            }
            Item::Numeric(Numeric::Month, pad) => (date.month(), 2, pad),
            Item::Numeric(Numeric::Day, pad) => (date.day(), 2, pad),
            _ => return date.format_with_items(items.iter()).to_string(),
        };
        let mut digits = itoa::Buffer::new();
        let digits = digits.format(value);
        let fill = match pad {
            Pad::Zero => '0',
            Pad::Space => ' ',
            Pad::None => '\0',
        };
        if fill != '\0' {
            out.extend(std::iter::repeat_n(
                fill,
                width.saturating_sub(digits.len()),
            ));
        }
        out.push_str(digits);
    }
    out
}

/// Reads every file under `dir` as (relative path, bytes).
fn read_tree(dir: &Path) -> Result<Vec<(PathBuf, Vec<u8>)>, Diagnostic> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
    {
        let entry =
            entry.map_err(|e| Diagnostic::error(dir, None, format!("cannot read theme: {e}")))?;
        if !entry.file_type().is_file()
            || crate::content::is_ignored_name(&entry.file_name().to_string_lossy())
        {
            continue;
        }
        let bytes = std::fs::read(entry.path())
            .map_err(|e| Diagnostic::error(entry.path(), None, format!("cannot read: {e}")))?;
        let rel = entry
            .path()
            .strip_prefix(dir)
            .unwrap_or(entry.path())
            .to_path_buf();
        out.push((rel, bytes));
    }
    Ok(out)
}

/// Tera's message on one line, and its line number.
pub fn tera_error(e: &tera::Error) -> (String, Option<usize>) {
    let (msg, line, _) = tera_error_at(e);
    (msg, line)
}

static TERA_AT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"--> (\S+):(\d+):(\d+)").unwrap());

/// `tera_error`, with the template the error is in when Tera names it
/// (a page's error can be in the template it extends, or in a component).
pub fn tera_error_at(e: &tera::Error) -> (String, Option<usize>, Option<String>) {
    use tera::ErrorKind;
    let (mut text, line, name) = match e.kind() {
        // The report is a multi-line drawing of the source; the message
        // and the line say the same on one line.
        ErrorKind::SyntaxError(r) | ErrorKind::RenderingError(r) => (
            r.message().to_string(),
            Some(r.span().start_line),
            Some(r.filename().to_string()).filter(|f| !f.is_empty()),
        ),
        // Other errors carry the same drawing in their text; its
        // `--> name:line:col` marker says where.
        _ => {
            let text = e.to_string();
            let at = TERA_AT.captures(&text).map(|c| {
                let name = c.get(1).map_or("", |m| m.as_str()).to_string();
                (name, c[2].parse().ok())
            });
            let message = text
                .lines()
                .next()
                .unwrap_or("")
                .trim_start_matches("error: ");
            match at {
                Some((name, line)) => (message.to_string(), line, Some(name)),
                None => (text, None, None),
            }
        }
    };
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        text.push_str(": ");
        text.push_str(&s.to_string());
        src = s.source();
    }
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (one_line, line, name)
}

/// Tera's autoescape and our own markup both go through this, for every
/// piece of text on every page: it copies the runs between special
/// characters whole rather than char by char (the five are ASCII, so a run
/// boundary is never inside a multi-byte character).
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    push_escaped(&mut out, s);
    out
}

/// `escape_html`, appended to `out`.
pub fn push_escaped(out: &mut String, s: &str) {
    escape_runs(s, |part| out.push_str(part));
}

/// `escape_html` as Tera's escape function: straight into the page.
fn escape_html_to(s: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut result = Ok(());
    escape_runs(s, |part| {
        if result.is_ok() {
            result = out.write_all(part.as_bytes());
        }
    });
    result
}

/// Hands `s` to `emit` as runs of plain text and entities.
///
/// The special bytes are found eight at a time (`scan`), with three tests
/// on the word: `<` and `>` differ in one bit, as do `&` and `'`, so
/// setting that bit makes each pair one byte to look for.
fn escape_runs<'s>(s: &'s str, mut emit: impl FnMut(&'s str)) {
    use super::scan::{special_bytes, splat, zero_bytes};
    let entity = |b: u8| match b {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'"' => Some("&quot;"),
        b'\'' => Some("&#39;"),
        _ => None,
    };
    let flags = |w: u64| {
        zero_bytes((w | splat(0x02)) ^ splat(b'>'))
            | zero_bytes((w | splat(0x01)) ^ splat(b'\''))
            | zero_bytes(w ^ splat(b'"'))
    };
    let mut start = 0;
    for j in special_bytes(s.as_bytes(), flags, |b| entity(b).is_some()) {
        emit(&s[start..j]);
        emit(entity(s.as_bytes()[j]).unwrap_or_default());
        start = j + 1;
    }
    emit(&s[start..]);
}

/// Tera's own `safe` copies the string it marks: a report's whole HTML, on
/// every page. A long string is shared (an `Arc`) inside a value, so
/// marking the value itself copies nothing. Anything else is shown as the
/// built-in shows it.
fn register_safe(tera: &mut Tera) {
    tera.register_filter(
        "safe",
        |v: &tera::Value, _: tera::Kwargs, _: &tera::State| -> tera::Value {
            if v.is_string() {
                v.clone().mark_safe()
            } else {
                tera::Value::safe_string(&v.to_string())
            }
        },
    );
}

pub fn load(root: &Path, theme: &str, language: &str) -> Result<Theme, Diagnostic> {
    let theme_dir = root.join("themes").join(theme);
    // name -> (source path for messages, text)
    let mut templates: BTreeMap<String, (PathBuf, String)> = BTreeMap::new();
    let mut statics: BTreeMap<PathBuf, Vec<u8>> = BTreeMap::new();
    let mut i18n_text = DEFAULT_I18N.to_string();

    if theme_dir.is_dir() {
        let tdir = theme_dir.join("templates");
        for (rel, bytes) in read_tree(&tdir)? {
            let path = tdir.join(&rel);
            let text = String::from_utf8(bytes)
                .map_err(|_| Diagnostic::error(&path, None, "template is not UTF-8"))?;
            templates.insert(rel.to_string_lossy().replace('\\', "/"), (path, text));
        }
        statics.extend(read_tree(&theme_dir.join("static"))?);
        if let Ok(t) = std::fs::read_to_string(theme_dir.join("i18n.toml")) {
            i18n_text = t;
        }
    } else if theme == "default" {
        for (name, text) in DEFAULT_TEMPLATES {
            templates.insert(
                name.to_string(),
                (
                    PathBuf::from(format!("<built-in>/templates/{name}")),
                    text.to_string(),
                ),
            );
        }
        statics.extend(
            DEFAULT_STATIC
                .iter()
                .map(|(n, b)| (PathBuf::from(n), b.to_vec())),
        );
    } else {
        return Err(Diagnostic::error(
            &theme_dir,
            None,
            format!("theme `{theme}` not found"),
        ));
    }
    // The default theme's templates back up a partial theme on disk.
    for (name, text) in DEFAULT_TEMPLATES {
        templates.entry(name.to_string()).or_insert_with(|| {
            (
                PathBuf::from(format!("<built-in>/templates/{name}")),
                text.to_string(),
            )
        });
    }

    // So do its static files: a theme made before search.js or site.js
    // existed keeps working.
    for (name, bytes) in DEFAULT_STATIC {
        statics
            .entry(PathBuf::from(name))
            .or_insert_with(|| bytes.to_vec());
    }

    let site_templates = root.join("templates");
    for (rel, bytes) in read_tree(&site_templates)? {
        let path = site_templates.join(&rel);
        let Ok(text) = String::from_utf8(bytes) else {
            return Err(Diagnostic::error(&path, None, "template is not UTF-8"));
        };
        templates.insert(rel.to_string_lossy().replace('\\', "/"), (path, text));
    }
    statics.extend(read_tree(&root.join("static"))?);

    // `.md` templates are scaffolds for `chronicle new`, not pages.
    let pages = templates
        .iter()
        .filter(|(n, _)| n.ends_with(".html") || n.ends_with(".xml"));
    let mut tera = Tera::new();
    register_safe(&mut tera);
    // Before the templates go in: Tera applies it as it adds them.
    tera.autoescape_on(vec![".html", ".xml"]);
    if let Err(e) = tera.add_raw_templates(pages.map(|(n, (_, text))| (n, text))) {
        let (msg, line, name) = tera_error_at(&e);
        let path = name
            .and_then(|n| templates.get(&n))
            .map_or_else(|| root.join("templates"), |(p, _)| p.clone());
        return Err(Diagnostic::error(
            path,
            line,
            format!("template error: {msg}"),
        ));
    }
    // Tera's default also escapes `/`, which turns every relative URL into
    // `..&#x2F;static`; escaping the five HTML-significant characters is safe
    // in text and in quoted attributes.
    tera.set_escape_fn(escape_html_to);

    let i18n: toml::Table = toml::from_str(&i18n_text).map_err(|e| {
        Diagnostic::error(
            theme_dir.join("i18n.toml"),
            None,
            format!("invalid i18n.toml: {}", e.message()),
        )
    })?;
    // A theme's table is laid over the built-in one of the same language,
    // so strings added to chronicle later are never missing from an older
    // theme's i18n.toml.
    let key = if i18n.contains_key(language) {
        language
    } else {
        "en"
    };
    let builtin: toml::Table = toml::from_str(DEFAULT_I18N).unwrap_or_default();
    let strings = match i18n.get(key) {
        Some(toml::Value::Table(t)) => {
            let mut strings = match builtin.get(key).or_else(|| builtin.get("en")) {
                Some(toml::Value::Table(b)) => b.clone(),
                _ => toml::Table::new(),
            };
            strings.extend(t.clone());
            strings
        }
        _ => {
            return Err(Diagnostic::error(
                theme_dir.join("i18n.toml"),
                None,
                format!("no strings for language `{language}`"),
            ))
        }
    };
    // A date format chrono cannot follow would fail on the first date it
    // formats: refused here, naming the key, instead. Every `*_format`
    // string is one (`date_format`, `incident_day_format`…).
    for (key, value) in &strings {
        let (true, Some(format)) = (key.ends_with("_format"), value.as_str()) else {
            continue;
        };
        if chrono::format::StrftimeItems::new(format).parse().is_err() {
            return Err(Diagnostic::error(
                theme_dir.join("i18n.toml"),
                None,
                format!("`{key}` = \"{format}\" is not a date format chrono understands (see chrono's strftime)"),
            ));
        }
    }
    let mut paths = BTreeMap::new();
    let mut sources = BTreeMap::new();
    for (name, (path, text)) in templates {
        sources.insert(name.clone(), text);
        paths.insert(name, path);
    }
    Ok(Theme {
        tera,
        paths,
        statics: statics.into_iter().collect(),
        strings,
        sources,
    })
}

#[cfg(test)]
mod tests {
    use super::{escape_html, register_safe, Tera};

    #[test]
    fn dates_show_as_chrono_formats_them() {
        let formats = [
            "%Y年%-m月%-d日",
            "%Y-%m-%d",
            "%e %m %Y",
            "%d/%m/%Y",
            "%B %-d, %Y",
            "%a %b %e %Y",
            "%-d.%-m.%y",
            "%Y %j",
            "plain",
        ];
        let dates = [
            (2023, 4, 7),
            (1999, 12, 31),
            (5, 1, 1),
            (0, 10, 10),
            (12345, 6, 7),
            (-44, 3, 15),
        ];
        for f in formats {
            let items: Vec<_> = chrono::format::StrftimeItems::new(f).parse().unwrap();
            for (y, m, d) in dates {
                let date = chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
                assert_eq!(
                    super::show_date(&items, date),
                    date.format(f).to_string(),
                    "{f} {date:?}"
                );
            }
        }
    }

    #[test]
    fn escapes_the_five_and_keeps_every_other_character() {
        assert_eq!(
            escape_html("热点<账户> & \"引号\" '单'"),
            "热点&lt;账户&gt; &amp; &quot;引号&quot; &#39;单&#39;"
        );
        assert_eq!(escape_html("<"), "&lt;");
        assert_eq!(escape_html("无需转义"), "无需转义");
        assert_eq!(escape_html(""), "");
    }

    /// Byte by byte, the plain definition the word-at-a-time scan must
    /// agree with.
    fn escaped_slowly(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                '&' => "&amp;".to_string(),
                '<' => "&lt;".to_string(),
                '>' => "&gt;".to_string(),
                '"' => "&quot;".to_string(),
                '\'' => "&#39;".to_string(),
                c => c.to_string(),
            })
            .collect()
    }

    #[test]
    fn every_special_byte_is_found_at_every_offset_of_a_word() {
        // Each special character, and characters a byte or a bit away from
        // them, at every position of texts around Chinese and ASCII.
        let fillers = ["热点账户", "abcdefgh", "进度41%", "a", ""];
        let probes = [
            '&',
            '<',
            '>',
            '"',
            '\'',
            ' ',
            '#',
            '%',
            '(',
            '0',
            '=',
            '?',
            '@',
            '\u{1f}',
            '`',
            '~',
            '热',
            '＜',
            '，',
            '\u{a6}',
            '\u{3e}',
            '\u{1f600}',
        ];
        for filler in fillers {
            let base: String = filler.repeat(3);
            for probe in probes {
                for at in 0..=base.len() {
                    if !base.is_char_boundary(at) {
                        continue;
                    }
                    let mut s = base.clone();
                    s.insert(at, probe);
                    s.push(probe);
                    assert_eq!(escape_html(&s), escaped_slowly(&s), "{s:?}");
                }
            }
        }
        let all: String = (0u8..0x80).map(char::from).collect::<String>() + "汉字ｆｕｌｌ";
        for from in 0..all.len() {
            if all.is_char_boundary(from) {
                assert_eq!(escape_html(&all[from..]), escaped_slowly(&all[from..]));
            }
        }
    }

    #[test]
    fn a_template_names_a_variable_as_a_whole_word_not_as_an_attribute() {
        let dir = tempfile::tempdir().unwrap();
        let templates = dir.path().join("templates");
        std::fs::create_dir(&templates).unwrap();
        std::fs::write(
            templates.join("project.html"),
            "{{ t.updates }}{% for e in my_entries %}{{ e.entries_html }}{% endfor %}{{ <toc entries={entries} /> }}",
        )
        .unwrap();
        let theme = super::load(dir.path(), "default", "zh").unwrap();
        assert!(theme.names("project.html", "entries"));
        assert!(!theme.names("project.html", "entries_html"), "an attribute");
        assert!(!theme.names("project.html", "updates"), "an attribute");
        // The default theme's own templates, where the site has none.
        assert!(theme.names("metric.html", "series"));
        assert!(!theme.names("metric.html", "entries"));
        assert!(!theme.names("nope.html", "page"));
        // `mentions` counts attributes too.
        assert!(theme.mentions("project.html", "entries_html"));
        assert!(!theme.mentions("metric.html", "entries_html"));
        // The site's project.html is its own; the rest are the default's.
        assert!(!theme.is_builtin("project.html"));
        assert!(theme.is_builtin("components.html"));
        assert!(theme.is_builtin("incidents.html"));
        assert!(!theme.is_builtin("nope.html"));
    }

    #[test]
    fn safe_marks_strings_without_escaping_and_shows_the_rest_as_tera_does() {
        const TEMPLATE: &str = "{{ s | safe }}|{{ s }}|{{ n | safe }}|{{ l | safe }}";
        let ours = {
            let mut tera = Tera::new();
            register_safe(&mut tera);
            tera
        };
        let mut ctx = tera::Context::new();
        let long = format!("<p>{}</p>", "热点账户".repeat(20));
        ctx.insert("s", &long);
        ctx.insert("n", &1.5);
        ctx.insert("l", &vec![1, 2]);
        let render = |mut tera: Tera| {
            tera.autoescape_on(vec![".html"]);
            tera.add_raw_template("t.html", TEMPLATE).unwrap();
            tera.render("t.html", &ctx).unwrap()
        };
        let out = render(ours);
        assert_eq!(out, render(Tera::new()));
        assert!(out.starts_with(&format!("{long}|&lt;p&gt;")), "{out}");
        assert!(out.ends_with("|1.5|[1, 2]"), "{out}");
    }
}
