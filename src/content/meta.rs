//! Report metadata: title, date and week, from wherever the author (or
//! Notion) put them. Sources are tried in order and the first one found wins:
//! front matter, Pelican-style header lines, the title line, the file name.
//! Notion's `Created:` line is a last resort, because Notion stamps the
//! export date there, not the week the report is about.

use std::path::Path;
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use regex::Regex;

use super::dates::{find_date, nearest_date};
use crate::diag::{line_of, Diagnostic};

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Meta {
    pub title: Option<String>,
    pub date: Option<NaiveDate>,
    /// Where the date came from, for `check` and for debugging odd archives.
    pub date_from: Option<&'static str>,
    /// The week number the report states (`第16周`, `week = 16`, `2023-w16`).
    pub stated_week: Option<u32>,
    /// A year stated with the week (`2023年第21周`, `2023-w16`).
    pub stated_year: Option<i32>,
    pub tags: Vec<String>,
    pub draft: bool,
    /// Notion's `Created:` property.
    pub created: Option<NaiveDate>,
}

pub struct Extracted {
    pub meta: Meta,
    /// Byte offset in the text where the body starts: front matter, header
    /// lines, the title line and Notion properties are metadata, not body.
    pub body_offset: usize,
    pub diags: Vec<Diagnostic>,
}

// Word boundaries are ASCII ones (`(?-u:\b)`): a Unicode `\b` sends the
// regex engine from its DFA to a slower one on any Chinese title, and
// `周报W16` is week 16 (a Unicode boundary sees none between 报 and W).
// Digits are ASCII (`[0-9]`), the ones `parse` reads: `\d` takes every
// script's digits, which made these patterns slower to compile.
static WEEK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)第\s*([0-9]{1,2})\s*周|(?-u:\b)week\s*([0-9]{1,2})(?-u:\b)|(?-u:\b)[0-9]{4}-?w([0-9]{1,2})(?-u:\b)|(?-u:\b)W([0-9]{1,2})(?-u:\b)")
        .unwrap()
});
static YEAR_OF_WEEK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)([0-9]{4})\s*(?:年\s*第|-?w[0-9])").unwrap());
static RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"[（(]\s*([0-9]{1,2})[./月]([0-9]{1,2})日?\s*[-~～—–至到]+\s*(?:([0-9]{1,2})[./月])?([0-9]{1,2})日?\s*[）)]",
    )
    .unwrap()
});
static HEADER_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^(title|date|week|tags|draft):\s*(.*)$").unwrap());
/// Notion appends a 16–32 character id to exported file names.
static NOTION_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:[ _][0-9a-zA-Z]{16,32})$").unwrap());

/// What a title line says about the report's week and date.
#[derive(Debug, Default, PartialEq)]
pub struct TitleInfo {
    pub week: Option<u32>,
    pub year: Option<i32>,
    pub date: Option<NaiveDate>,
    /// `（5.15-5.19）`: month/day of the range's start and end, year unknown yet.
    pub range: Option<((u32, u32), (u32, u32))>,
    pub bad_date: Option<String>,
}

pub fn parse_title(s: &str) -> TitleInfo {
    let mut info = TitleInfo::default();
    if let Some(c) = WEEK.captures(s) {
        let n = (1..=4).find_map(|i| c.get(i)).map(|m| m.as_str());
        info.week = n
            .and_then(|n| n.parse().ok())
            .filter(|w| (1..=54).contains(w));
    }
    // Two of the patterns need a character most titles and file names lack
    // (`年` or `w` for the year of a week, an opening bracket for a range):
    // looked for first, since a regex search with captures costs a few
    // thousand instructions whether or not it finds anything, and this
    // runs four times a file (0.4% of a 1,000-report build).
    if s.contains(['年', 'w', 'W']) {
        info.year = YEAR_OF_WEEK.captures(s).and_then(|c| c[1].parse().ok());
    }
    match find_date(s) {
        Ok(d) => info.date = d,
        Err(bad) => info.bad_date = Some(bad),
    }
    if !s.contains(['（', '(']) {
        return info;
    }
    if let Some(c) = RANGE.captures(s) {
        let n = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
        let start = (n(1).unwrap_or(0), n(2).unwrap_or(0));
        let end = (n(3).unwrap_or(start.0), n(4).unwrap_or(0));
        info.range = Some((start, end));
    }
    info
}

impl TitleInfo {
    /// The range's last day, in the stated year (or the year of `anchor`).
    fn range_end(&self, anchor: Option<NaiveDate>) -> Option<NaiveDate> {
        let ((sm, _), (em, ed)) = self.range?;
        match self.year {
            Some(y) => {
                let y = if em < sm { y + 1 } else { y };
                NaiveDate::from_ymd_opt(y, em, ed)
            }
            None => nearest_date(anchor?, em, ed),
        }
    }
}

/// The file stem without Notion's id, for titles and daily-note names.
pub fn clean_stem(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    NOTION_ID.replace(&stem, "").trim().to_string()
}

/// A Notion page property, one per line under the title (`Created: …`): a
/// key of at most 31 letters, digits, spaces, `_` or `-` that starts with a
/// letter, then `: ` and a value. Written out rather than as the regex
/// `^\p{L}[\p{L}\p{N} _-]{0,30}: \S`, whose bounded repeat of Unicode
/// classes takes 30 ms to compile: more than reading 1,000 reports.
fn is_property_line(line: &str) -> bool {
    let Some((key, value)) = line.split_once(": ") else {
        return false;
    };
    let mut chars = key.chars();
    chars.next().is_some_and(char::is_alphabetic)
        && key.chars().count() <= 31
        && chars.all(|c| c.is_alphanumeric() || matches!(c, ' ' | '_' | '-'))
        && value.starts_with(|c: char| !c.is_whitespace())
}

pub fn extract(text: &str, path: &Path) -> Extracted {
    let mut meta = Meta::default();
    let mut diags = Vec::new();
    let mut pos = 0;

    if let Some((fm_end, body_start, kind)) = front_matter_bounds(text) {
        let start_line = 2;
        let fm = &text[text.find('\n').map_or(0, |i| i + 1)..fm_end];
        match kind {
            FmKind::Toml => read_toml(fm, start_line, path, &mut meta, &mut diags),
            FmKind::Yaml => read_yaml(fm, start_line, path, &mut meta, &mut diags),
        }
        pos = body_start;
    } else if text.starts_with("+++") || text.starts_with("---\n") && looks_like_yaml_start(text) {
        diags.push(Diagnostic::error(
            path,
            Some(1),
            "front matter is not terminated (no closing `+++`/`---` line); metadata ignored",
        ));
        // The opening line is skipped so the rest renders as the body and no
        // text is lost.
        pos = text.find('\n').map_or(text.len(), |i| i + 1);
    }

    // Pelican-style header lines at the very top of the body.
    let mut header_found = false;
    for (start, line) in lines_from(text, pos) {
        let Some(c) = HEADER_LINE.captures(line) else {
            break;
        };
        header_found = true;
        let value = c[2].trim();
        let line_no = line_of(text, start);
        match c[1].to_ascii_lowercase().as_str() {
            "title" => set_once(&mut meta.title, value.to_string()),
            "date" => set_date(&mut meta, value, "header", path, line_no, &mut diags),
            "week" if meta.stated_week.is_none() => meta.stated_week = value.parse().ok(),
            "tags" if meta.tags.is_empty() => {
                meta.tags = value
                    .split(',')
                    .map(|t| t.trim().to_string())
                    .filter(|t| !t.is_empty())
                    .collect();
            }
            "draft" => meta.draft |= value.eq_ignore_ascii_case("true"),
            _ => {}
        }
        pos = start + line.len() + 1;
    }
    if header_found {
        pos = skip_blank(text, pos.min(text.len()));
    }

    // The title line, then Notion's properties, then Notion's repeated title.
    let mut title_info = TitleInfo::default();
    pos = skip_blank(text, pos);
    if let Some(h1) = h1_at(text, pos) {
        let same = meta.title.as_deref().is_none_or(|t| t == h1.text);
        if same {
            title_info = parse_title(h1.text);
            set_once(&mut meta.title, h1.text.to_string());
            if let Some(bad) = &title_info.bad_date {
                diags.push(Diagnostic::warning(
                    path,
                    Some(line_of(text, pos)),
                    format!("`{bad}` in the title is not a valid date"),
                ));
            }
            pos = skip_blank(text, h1.next);
            while let Some((start, line)) = lines_from(text, pos).next() {
                if !is_property_line(line) {
                    break;
                }
                let (key, value) = line.split_once(": ").unwrap_or((line, ""));
                if key.eq_ignore_ascii_case("created") || key == "创建时间" {
                    if let Ok(Some(d)) = find_date(value) {
                        meta.created = Some(d);
                    }
                }
                pos = skip_blank(text, start + line.len() + 1);
            }
            if let Some(again) = h1_at(text, pos) {
                let info = parse_title(again.text);
                let same_meaning = again.text == h1.text
                    || (info.week == title_info.week
                        && info.date == title_info.date.or(info.date)
                        && (info.week.is_some() || info.date.is_some()));
                if same_meaning {
                    if title_info.date.is_none() {
                        title_info.date = info.date;
                    }
                    pos = skip_blank(text, again.next);
                }
            }
        }
    }

    if meta.stated_week.is_none() {
        meta.stated_week = title_info.week;
    }
    if meta.stated_year.is_none() {
        meta.stated_year = title_info.year.or(title_info.date.map(|d| d.year()));
    }

    let file_name = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let file_info = parse_title(&file_name);
    if meta.stated_week.is_none() {
        meta.stated_week = file_info.week;
        meta.stated_year = meta.stated_year.or(file_info.year);
    }

    if meta.date.is_none() {
        let created_matches_week = match (meta.created, meta.stated_week) {
            (Some(c), Some(w)) => {
                use super::dates::Weeks;
                Weeks::Iso.week_of(c).1 == w || Weeks::Jan1.week_of(c).1 == w
            }
            (Some(_), None) => true,
            _ => false,
        };
        let anchor = meta.created.or(file_info.date);
        let candidates = [
            (title_info.date, "title"),
            (title_info.range_end(anchor), "title"),
            (
                meta.created
                    .filter(|_| created_matches_week && title_info.week.is_some()),
                "created",
            ),
            (file_info.date, "file name"),
            (file_info.range_end(anchor), "file name"),
            (meta.created.filter(|_| created_matches_week), "created"),
        ];
        if let Some((d, from)) = candidates.into_iter().find_map(|(d, f)| d.map(|d| (d, f))) {
            meta.date = Some(d);
            meta.date_from = Some(from);
        }
    }
    if meta.title.is_none() {
        let stem = clean_stem(path);
        meta.title = Some(if stem.is_empty() { file_name } else { stem });
    }

    Extracted {
        meta,
        body_offset: pos.min(text.len()),
        diags,
    }
}

#[derive(Clone, Copy)]
enum FmKind {
    Toml,
    Yaml,
}

/// (end of front matter content, start of body, kind) for a terminated block.
fn front_matter_bounds(text: &str) -> Option<(usize, usize, FmKind)> {
    let (fence, kind) = if text.starts_with("+++\n") || text == "+++" {
        ("+++", FmKind::Toml)
    } else if text.starts_with("---\n") {
        ("---", FmKind::Yaml)
    } else {
        return None;
    };
    let first = text.find('\n')? + 1;
    let mut at = first;
    for line in text[first..].split_inclusive('\n') {
        if line.trim_end() == fence {
            return Some((at, at + line.len(), kind));
        }
        at += line.len();
    }
    None
}

/// `---` is also a Markdown thematic break; only call it front matter when a
/// `key:` line follows, so a report that opens with a rule is not misread.
fn looks_like_yaml_start(text: &str) -> bool {
    text.lines().nth(1).is_some_and(|l| {
        l.split_once(':')
            .is_some_and(|(k, _)| !k.is_empty() && !k.contains(' '))
    })
}

fn read_toml(
    fm: &str,
    first_line: usize,
    path: &Path,
    meta: &mut Meta,
    diags: &mut Vec<Diagnostic>,
) {
    let table: toml::Table = match toml::from_str(fm) {
        Ok(t) => t,
        Err(e) => {
            let line = e.span().map(|s| first_line + line_of(fm, s.start) - 1);
            diags.push(Diagnostic::error(
                path,
                line,
                format!("invalid TOML front matter: {}", e.message()),
            ));
            return;
        }
    };
    let line_of_key = |key: &str| {
        fm.lines()
            .position(|l| l.trim_start().starts_with(key))
            .map(|i| first_line + i)
    };
    if let Some(toml::Value::String(t)) = table.get("title") {
        meta.title = Some(t.clone());
    }
    match table.get("date") {
        Some(toml::Value::Datetime(dt)) => match dt.date {
            Some(d) => match NaiveDate::from_ymd_opt(d.year as i32, d.month as u32, d.day as u32) {
                Some(nd) => {
                    meta.date = Some(nd);
                    meta.date_from = Some("front matter");
                }
                None => diags.push(Diagnostic::error(
                    path,
                    line_of_key("date"),
                    format!("`{dt}` is not a valid date"),
                )),
            },
            None => diags.push(Diagnostic::error(
                path,
                line_of_key("date"),
                "`date` has a time but no date",
            )),
        },
        Some(toml::Value::String(s)) => {
            let line = line_of_key("date").unwrap_or(first_line);
            set_date(meta, s, "front matter", path, line, diags)
        }
        Some(other) => diags.push(Diagnostic::error(
            path,
            line_of_key("date"),
            format!(
                "`date` must be a date or a string, not {}",
                other.type_str()
            ),
        )),
        None => {}
    }
    match table.get("week") {
        Some(toml::Value::Integer(w)) if (1..=54).contains(w) => meta.stated_week = Some(*w as u32),
        Some(other) => diags.push(Diagnostic::warning(
            path,
            line_of_key("week"),
            format!("`week` must be a number from 1 to 54, not `{other}`"),
        )),
        None => {}
    }
    if let Some(toml::Value::Array(tags)) = table.get("tags") {
        meta.tags = tags
            .iter()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect();
    }
    if let Some(toml::Value::Boolean(d)) = table.get("draft") {
        meta.draft = *d;
    }
}

fn read_yaml(
    fm: &str,
    first_line: usize,
    path: &Path,
    meta: &mut Meta,
    diags: &mut Vec<Diagnostic>,
) {
    use serde_norway::Value;
    if fm.trim().is_empty() {
        return;
    }
    let value: Value = match serde_norway::from_str(fm) {
        Ok(v) => v,
        Err(e) => {
            let line = e.location().map(|l| first_line + l.line() - 1);
            // The YAML parser counts lines from the start of the block;
            // shift them so every number in the message is a file line.
            static YAML_LINE: LazyLock<Regex> =
                LazyLock::new(|| Regex::new(r"line (\d+)").unwrap());
            let raw = e.to_string();
            let msg = YAML_LINE.replace_all(&raw, |c: &regex::Captures| {
                format!(
                    "line {}",
                    c[1].parse::<usize>().unwrap_or(0) + first_line - 1
                )
            });
            diags.push(Diagnostic::error(
                path,
                line,
                format!("invalid YAML front matter: {msg}"),
            ));
            return;
        }
    };
    let Value::Mapping(map) = value else {
        diags.push(Diagnostic::error(
            path,
            Some(first_line),
            "YAML front matter must be a mapping of keys to values",
        ));
        return;
    };
    let line_of_key = |key: &str| {
        fm.lines()
            .position(|l| l.starts_with(key))
            .map(|i| first_line + i)
            .unwrap_or(first_line)
    };
    let get = |k: &str| map.get(Value::String(k.to_string()));
    if let Some(t) = get("title") {
        meta.title = scalar(t);
    }
    if let Some(d) = get("date").and_then(scalar) {
        set_date(meta, &d, "front matter", path, line_of_key("date"), diags);
    }
    if let Some(w) = get("week").and_then(scalar) {
        match w.parse::<u32>() {
            Ok(w) if (1..=54).contains(&w) => meta.stated_week = Some(w),
            _ => diags.push(Diagnostic::warning(
                path,
                Some(line_of_key("week")),
                format!("`week` must be a number from 1 to 54, not `{w}`"),
            )),
        }
    }
    if let Some(Value::Sequence(tags)) = get("tags") {
        meta.tags = tags.iter().filter_map(scalar).collect();
    }
    if let Some(Value::Bool(d)) = get("draft") {
        meta.draft = *d;
    }
}

fn scalar(v: &serde_norway::Value) -> Option<String> {
    use serde_norway::Value;
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn set_once(slot: &mut Option<String>, value: String) {
    if slot.is_none() && !value.is_empty() {
        *slot = Some(value);
    }
}

fn set_date(
    meta: &mut Meta,
    value: &str,
    from: &'static str,
    path: &Path,
    line: usize,
    diags: &mut Vec<Diagnostic>,
) {
    if meta.date.is_some() {
        return;
    }
    match find_date(value) {
        Ok(Some(d)) => {
            meta.date = Some(d);
            meta.date_from = Some(from);
        }
        Ok(None) => diags.push(Diagnostic::error(
            path,
            Some(line),
            format!("`{value}` is not a date (expected YYYY-MM-DD)"),
        )),
        Err(bad) => diags.push(Diagnostic::error(
            path,
            Some(line),
            format!("`{bad}` is not a valid date"),
        )),
    }
}

struct H1<'a> {
    text: &'a str,
    next: usize,
}

fn h1_at(text: &str, pos: usize) -> Option<H1<'_>> {
    let (start, line) = lines_from(text, pos).next()?;
    let rest = line
        .strip_prefix("# ")
        .or_else(|| line.strip_prefix("#\t"))?;
    let t = rest.trim().trim_end_matches('#').trim();
    (!t.is_empty()).then_some(H1 {
        text: t,
        next: start + line.len() + 1,
    })
}

/// Lines with their byte offsets, starting at `pos`.
fn lines_from(text: &str, pos: usize) -> impl Iterator<Item = (usize, &str)> {
    let mut at = pos.min(text.len());
    text[at..].split('\n').map(move |l| {
        let start = at;
        at += l.len() + 1;
        (start, l)
    })
}

fn skip_blank(text: &str, pos: usize) -> usize {
    let mut at = pos.min(text.len());
    for line in text[at..].split_inclusive('\n') {
        if !line.trim().is_empty() {
            break;
        }
        at += line.len();
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<NaiveDate> {
        Some(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
    }
    fn ex(text: &str, name: &str) -> Extracted {
        extract(text, Path::new(name))
    }

    #[test]
    fn property_lines() {
        for yes in [
            "Created: 2023年11月29日 20:57",
            "创建时间: 2023/4/1",
            "Last edited_by-x 2: y",
        ] {
            assert!(is_property_line(yes), "{yes}");
        }
        for no in [
            "成功率：",
            "- 入金有效成功率：99.99%",
            "Created:2023",
            "Created:  2023",
            "1 item: x",
            "原因: ",
            "A key that is far too long to be a property: x",
            "# 上周进展",
        ] {
            assert!(!is_property_line(no), "{no}");
        }
    }

    #[test]
    fn notion_title_created_and_repeated_h1_are_metadata() {
        let text = "# 第17周 2023-04-21\n\nCreated: 2023年11月29日 20:57\n\n# 第17周 2023/04/21\n\n# 上周进展\n";
        let e = ex(text, "第17周 2023-04-21.md");
        assert_eq!(e.meta.title.as_deref(), Some("第17周 2023-04-21"));
        assert_eq!(e.meta.date, d("2023-04-21"));
        assert_eq!(e.meta.stated_week, Some(17));
        assert_eq!(e.meta.created, d("2023-11-29"));
        assert_eq!(&text[e.body_offset..], "# 上周进展\n");
    }

    #[test]
    fn slash_date_in_title() {
        let e = ex("# 第19周 2023/05/05\n\nbody\n", "x.md");
        assert_eq!(e.meta.date, d("2023-05-05"));
        assert_eq!(e.meta.stated_week, Some(19));
    }

    #[test]
    fn range_in_title_dates_by_last_day() {
        let e = ex("# 2023年第21周周报（5.15-5.19）\n\nbody\n", "x.md");
        assert_eq!(e.meta.date, d("2023-05-19"));
        assert_eq!(e.meta.stated_week, Some(21));
        assert_eq!(e.meta.stated_year, Some(2023));
        let e = ex("# 2023年第53周周报（12.28-1.3）\n", "x.md");
        assert_eq!(e.meta.date, d("2024-01-03"));
    }

    #[test]
    fn week_only_title_takes_created() {
        let e = ex(
            "# 第50周\n\nCreated: 2023年12月9日 10:00\n\n## 【重点工作】\n",
            "x.md",
        );
        assert_eq!(e.meta.date, d("2023-12-09"));
        assert_eq!(e.meta.date_from, Some("created"));
        assert_eq!(e.meta.stated_week, Some(50));
        assert!(e.meta.created.is_some());
    }

    #[test]
    fn week_numbers_in_titles() {
        for (title, week) in [
            ("第16周 2023-04-14", Some(16)),
            ("第 7 周周报", Some(7)),
            ("Week 23", Some(23)),
            ("weekly report week3", Some(3)),
            ("weekly report", None),
            ("2023-W16", Some(16)),
            ("2023w05 report", Some(5)),
            ("W16 周报", Some(16)),
            ("周报W16", Some(16)),
            ("W16期", Some(16)),
            ("KW16", None),
            ("W160", None),
            ("第60周", None),
            ("周报", None),
        ] {
            assert_eq!(parse_title(title).week, week, "{title}");
        }
    }

    #[test]
    fn year_of_week_and_range_in_titles() {
        // (title, year of the week, range): every spelling the patterns
        // read, and titles without the characters they need.
        for (title, year, range) in [
            ("2023年第16周", Some(2023), None),
            ("2023 年 第 16 周", Some(2023), None),
            ("2023-W16", Some(2023), None),
            ("2023w05 report", Some(2023), None),
            ("第16周（4.10-4.14）", None, Some(((4, 10), (4, 14)))),
            ("第16周 (4/10~14)", None, Some(((4, 10), (4, 14)))),
            (
                "2023年第52周（12月25日至1月1日）",
                Some(2023),
                Some(((12, 25), (1, 1))),
            ),
            ("第16周 2023-04-14", None, None),
            ("第16周 (草稿)", None, None),
            ("周报", None, None),
        ] {
            let info = parse_title(title);
            assert_eq!((info.year, info.range), (year, range), "{title}");
        }
    }

    #[test]
    fn file_name_beats_a_created_stamp_from_another_week() {
        let e = ex(
            "# 第20周\n\nCreated: 2023年11月29日 20:57\n\nbody\n",
            "第20周 2023-05-19.md",
        );
        assert_eq!(e.meta.date, d("2023-05-19"));
        assert_eq!(e.meta.date_from, Some("file name"));
    }

    #[test]
    fn toml_front_matter_wins() {
        let text = "+++\ntitle = \"Weekly\"\ndate = 2023-06-09\nweek = 23\ntags = [\"a\"]\ndraft = true\n+++\n# 第16周 2023-04-14\nbody\n";
        let e = ex(text, "2023-04-14.md");
        assert_eq!(e.meta.title.as_deref(), Some("Weekly"));
        assert_eq!(e.meta.date, d("2023-06-09"));
        assert_eq!(e.meta.stated_week, Some(23));
        assert_eq!(e.meta.tags, vec!["a"]);
        assert!(e.meta.draft);
        // The H1 differs from the front-matter title, so it stays in the body.
        assert!(text[e.body_offset..].starts_with("# 第16周"));
    }

    #[test]
    fn toml_datetime_with_offset_uses_local_date() {
        let e = ex("+++\ndate = 2023-06-09T23:30:00-07:00\n+++\nbody\n", "x.md");
        assert_eq!(e.meta.date, d("2023-06-09"));
        let e = ex(
            "+++\ndate = \"2023-06-10T01:00:00+08:00\"\n+++\nbody\n",
            "x.md",
        );
        assert_eq!(e.meta.date, d("2023-06-10"));
    }

    #[test]
    fn yaml_front_matter() {
        let e = ex(
            "---\ntitle: 周报\ndate: 2023-06-09\nweek: 23\ntags: [x, y]\n---\nbody\n",
            "x.md",
        );
        assert_eq!(e.meta.title.as_deref(), Some("周报"));
        assert_eq!(e.meta.date, d("2023-06-09"));
        assert_eq!(e.meta.tags, vec!["x", "y"]);
        assert!(e.diags.is_empty());
    }

    #[test]
    fn bad_front_matter_is_an_error_with_line() {
        let e = ex("+++\ntitle = \"x\"\ndate = = 3\n+++\nbody\n", "bad.md");
        assert_eq!(e.diags.len(), 1);
        assert_eq!(e.diags[0].line, Some(3));
        let e = ex("---\ntitle: [unclosed\n---\nbody\n", "bad.md");
        assert_eq!(e.diags.len(), 1);
        assert!(e.diags[0].line.is_some());
        let e = ex("+++\ndate = \"2023-13-45\"\n+++\nbody\n", "bad.md");
        assert!(e.diags[0].message.contains("2023-13-45"));
        assert_eq!(e.diags[0].line, Some(2));
    }

    #[test]
    fn unterminated_front_matter() {
        let e = ex("+++\ntitle = \"x\"\nbody\n", "bad.md");
        assert_eq!(e.diags.len(), 1);
        assert!(e.diags[0].message.contains("not terminated"));
    }

    #[test]
    fn pelican_header_lines() {
        let e = ex("Title: 周报\nDate: 2023-04-14\n\n# 第16周\nbody\n", "x.md");
        assert_eq!(e.meta.title.as_deref(), Some("周报"));
        assert_eq!(e.meta.date, d("2023-04-14"));
    }

    #[test]
    fn file_name_date_and_week() {
        let e = ex("body only\n", "2023-04-14.md");
        assert_eq!(e.meta.date, d("2023-04-14"));
        let e = ex("body only\n", "2023-w16.md");
        assert_eq!(e.meta.date, None);
        assert_eq!(e.meta.stated_week, Some(16));
        assert_eq!(e.meta.stated_year, Some(2023));
    }

    #[test]
    fn undated() {
        let e = ex("just text\n", "随笔.md");
        assert_eq!(e.meta.date, None);
        assert_eq!(e.meta.title.as_deref(), Some("随笔"));
    }

    #[test]
    fn notion_id_stripped_from_stem() {
        assert_eq!(
            clean_stem(Path::new("2023-04-17 周一_giZJ51eTPjaQnjBXXqnE59.md")),
            "2023-04-17 周一"
        );
        assert_eq!(
            clean_stem(Path::new("Notes 0123456789abcdef0123456789abcdef.md")),
            "Notes"
        );
    }
}
