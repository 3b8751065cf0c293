//! Incidents: each item under an incident heading (生产稳定性事件, 生产事件,
//! 线上问题…) or under a list item or paragraph that acts as one.
//!
//! Authors mark an incident list three ways, all found in real reports:
//!
//! - a heading that names it (`### 【生产事件】`): every item of its lists
//!   (and of its sub-headings' lists) is an incident;
//! - a list item that is only the name (`4. 生产稳定性事件：`): its nested
//!   items if it has any, else the dated items that follow it in the same
//!   list, else — when it is the last item — the next list of the section
//!   (Markdown starts a new list when `1.` is followed by `-`);
//! - a paragraph that is only the name: the next list (or table) after it.
//!
//! One incident is one item. Its first line starts with when it happened
//! (`4/18 9:36`, `5/25 21：42`, `2023-04-18 09:36`, `4月18日`…, the year
//! taken from the report's date, nearest) and says what happened; the cause
//! and the action follow their labels (`原因：`, `处置：`) inline or on the
//! following lines, in either order. A name followed by `无` means none.
//! Tables under an incident heading are read by their column headers.

use rustc_hash::FxHashSet as HashSet;
use std::sync::{Arc, LazyLock, Mutex};

use chrono::NaiveDate;
use regex::Regex;
use serde::Serialize;

use crate::config::IncidentsConfig;
use crate::content::dates::nearest_date;
use crate::extract::text::{ascii_digits, has_ascii_digit, norm, strip_numbering, UNCASED};
use crate::markdown::{Block, Item, Section};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    /// When it happened (year from the report's date, nearest), if written.
    pub date: Option<NaiveDate>,
    /// `HH:MM`, if written.
    pub time: Option<String>,
    pub summary: String,
    pub cause: Option<String>,
    pub action: Option<String>,
    /// The impact, when labelled (`影响：`).
    pub impact: Option<String>,
    /// The whole item text.
    pub text: String,
    pub line: usize,
    /// Anchor of the list item in the report page (`L12`); for an incident
    /// written as a table row or paragraph, the id of its heading.
    pub anchor: String,
}

/// The incidents of one report dated `report_date`, in document order.
pub fn incidents(
    tree: &Section,
    report_date: NaiveDate,
    config: &IncidentsConfig,
) -> Vec<Incident> {
    let mut w = Walker {
        m: Matcher::cached(config),
        date: report_date,
        out: Vec::new(),
        seen: HashSet::default(),
    };
    w.section(tree, false);
    w.out
}

// ---------------------------------------------------------------- labels

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Cause,
    Action,
    Impact,
}

/// The configured words, compiled for one report.
struct Matcher {
    /// Section names, normalised (see `text::norm`).
    sections: Vec<String>,
    /// A searcher for each of them, built once: `str::contains` sets one
    /// up on every call, and nearly every line of a report is checked
    /// against every name (`label_line`).
    finders: Vec<memchr::memmem::Finder<'static>>,
    /// The longest section name, in characters.
    longest: usize,
    /// The first and the last character of each name that a line naming it
    /// must hold as written (`Key`), or `None` when some name has no such
    /// character: most lines name no incident section, and finding that
    /// out this way skips their normalising. Two, because one common
    /// character (`线` of `线上问题` is in every `上线`) lets most lines
    /// through.
    keys: Option<Vec<[Key; 2]>>,
    cause: Option<Regex>,
    action: Option<Regex>,
    impact: Option<Regex>,
}

/// Words that qualify a label without changing it: `根本原因：`,
/// `处置措施：`, `Root cause:`.
const QUAL_PRE: &str = r"(?:根本|直接|主要|初步|可能|故障|问题|事件|事故|临时|应急|紧急|后续|改进|优化|整改|预防|长期|短期|业务|root\s+)?";
const QUAL_SUF: &str = r"(?:分析|措施|方案|方式|情况|结果|过程|定位|s)?";

fn label_regex(labels: &[String]) -> Option<Regex> {
    let mut labels: Vec<&String> = labels.iter().filter(|l| !l.trim().is_empty()).collect();
    if labels.is_empty() {
        return None;
    }
    labels.sort_by_key(|l| std::cmp::Reverse(l.len()));
    let alt = labels
        .iter()
        .map(|l| regex::escape(l.trim()))
        .collect::<Vec<_>>()
        .join("|");
    // `原因：…`, `原因:…`, or bracketed without a colon: `【原因】…`.
    Regex::new(&format!(
        r"(?i)[【\[]\s*{QUAL_PRE}(?:{alt}){QUAL_SUF}\s*[】\]]\s*[:：]?\s*|{QUAL_PRE}(?:{alt}){QUAL_SUF}\s*[:：]\s*"
    ))
    .ok()
}

/// The last config's matcher: every report of a build shares one config,
/// and compiling the label patterns costs more than reading a report.
static CACHE: Mutex<Option<(IncidentsConfig, Arc<Matcher>)>> = Mutex::new(None);

impl Matcher {
    fn cached(c: &IncidentsConfig) -> Arc<Matcher> {
        // Compared by value: a key formatted with `{:?}` for every report
        // was 4% of extraction.
        let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((k, m)) = cache.as_ref() {
            if k == c {
                return Arc::clone(m);
            }
        }
        let m = Arc::new(Matcher::new(c));
        *cache = Some((c.clone(), Arc::clone(&m)));
        m
    }

    fn new(c: &IncidentsConfig) -> Self {
        let sections: Vec<String> = c
            .sections
            .iter()
            .map(|s| norm(s))
            .filter(|s| !s.is_empty())
            .collect();
        Self {
            finders: sections
                .iter()
                .map(|k| memchr::memmem::Finder::new(k.as_bytes()).into_owned())
                .collect(),
            longest: sections
                .iter()
                .map(|k| k.chars().count())
                .max()
                .unwrap_or(0),
            keys: sections
                .iter()
                .map(|k| Some([Key::of(k.chars())?, Key::of(k.chars().rev())?]))
                .collect(),
            sections,
            cause: label_regex(&c.cause_labels),
            action: label_regex(&c.action_labels),
            impact: label_regex(&c.impact_labels),
        }
    }

    fn names_incidents(&self, heading: &str) -> bool {
        self.first_name_in(&norm(heading)).is_some()
    }

    /// The first section name (in the config's order) that `h` contains.
    fn first_name_in(&self, h: &str) -> Option<&str> {
        let i = self
            .finders
            .iter()
            .position(|f| f.find(h.as_bytes()).is_some())?;
        Some(self.sections[i].as_str())
    }

    /// Cause and action labels in `s`, in order, without overlaps:
    /// (start, end of label, kind).
    fn labels_in(&self, s: &str) -> Vec<(usize, usize, Kind)> {
        let mut found = Vec::new();
        for (re, kind) in [
            (&self.cause, Kind::Cause),
            (&self.action, Kind::Action),
            (&self.impact, Kind::Impact),
        ] {
            let Some(re) = re else { continue };
            for m in re.find_iter(s) {
                // An English label must be a word of its own (`because:` is
                // not `cause:`).
                let glued = s[..m.start()]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_ascii_alphanumeric())
                    && s[m.start()..].starts_with(|c: char| c.is_ascii_alphabetic());
                if !glued {
                    found.push((m.start(), m.end(), kind));
                }
            }
        }
        found.sort_by_key(|f| f.0);
        let mut out: Vec<(usize, usize, Kind)> = Vec::new();
        for f in found {
            if out.last().is_none_or(|l| f.0 >= l.1) {
                out.push(f);
            }
        }
        out
    }

    /// Whether a line is just an incident list's name (`4. 生产稳定性事件：`,
    /// `【生产事件】`, `本周线上问题（2起）`) rather than prose that mentions
    /// one. Returns what follows the name on that line and below.
    fn label_line<'t>(&self, text: &'t str) -> Option<&'t str> {
        if self.sections.is_empty() {
            return None;
        }
        let first_end = memchr::memchr(b'\n', text.as_bytes()).unwrap_or(text.len());
        let first = &text[..first_end];
        if !self.could_name(first) {
            return None;
        }
        let stripped = strip_numbering(first);
        // The name runs to the first colon, and is a few words at most:
        // one pass that stops at the colon or once the words are too many,
        // rather than searches for either colon through a long line of
        // Chinese (each stops at every byte that ends a character like it).
        let (mut kept, mut colon) = (0, None);
        for (i, c) in stripped.char_indices() {
            if c == ':' || c == '：' {
                colon = Some((i, c.len_utf8()));
                break;
            }
            if !c.is_whitespace() && !matches!(c, '【' | '】' | '[' | ']' | '「' | '」') {
                kept += 1;
                // Too long to be a name, whatever it is.
                if kept > self.longest + 8 {
                    return None;
                }
            }
        }
        let (head, tail_start) = match colon {
            Some((i, len)) => (&stripped[..i], first_end - (stripped.len() - i - len)),
            None => (stripped, first_end),
        };
        let h = norm(head);
        let k = self.first_name_in(&h)?;
        // A name with a few words around it, not a sentence.
        if h.chars().count() > k.chars().count() + 8 || head.contains(['，', '。', ',']) {
            return None;
        }
        Some(&text[tail_start..])
    }
}

/// A character that `text::norm` keeps as it is or only changes the case
/// of, so a name holding it can only be found in a line holding it too
/// (`Matcher::could_name`).
#[derive(Debug)]
enum Key {
    /// A character of `text::UNCASED`, which `norm` keeps as it is and no
    /// other character lowers to: its UTF-8 bytes.
    Cjk(Box<memchr::memmem::Finder<'static>>),
    /// An ASCII letter or digit, in both cases. Not `i` or `k`: `İ` and
    /// the Kelvin sign lower to them.
    Ascii(u8, u8),
}

impl Key {
    /// The first usable character of a normalised name's `chars`.
    fn of(mut chars: impl Iterator<Item = char>) -> Option<Key> {
        chars.find_map(|c| {
            if UNCASED.contains(&c) {
                let mut buf = [0; 4];
                let bytes = c.encode_utf8(&mut buf).as_bytes();
                Some(Key::Cjk(Box::new(
                    memchr::memmem::Finder::new(bytes).into_owned(),
                )))
            } else if c.is_ascii_alphanumeric() && !matches!(c, 'i' | 'k') {
                let b = c as u8;
                Some(Key::Ascii(b.to_ascii_lowercase(), b.to_ascii_uppercase()))
            } else {
                None
            }
        })
    }

    fn in_text(&self, line: &str) -> bool {
        match self {
            Key::Cjk(f) => f.find(line.as_bytes()).is_some(),
            Key::Ascii(lower, upper) => memchr::memchr2(*lower, *upper, line.as_bytes()).is_some(),
        }
    }
}

impl Matcher {
    /// Whether `line` may name an incident section: false only when it
    /// lacks a character each name needs, so `label_line` gives up before
    /// stripping and normalising the line.
    fn could_name(&self, line: &str) -> bool {
        self.keys
            .as_ref()
            .is_none_or(|keys| keys.iter().any(|[a, b]| a.in_text(line) && b.in_text(line)))
    }

    /// `无`, `暂无`, `本周无生产事件`, `None`: the list is empty.
    fn says_none(&self, s: &str) -> bool {
        // Every way of saying none has 无, 没 or 未 in it, or is an English
        // word in ASCII among spaces, brackets and punctuation: any other
        // line (nearly every incident) is turned away before it is
        // normalised and copied twice.
        let may = s.contains('无')
            || s.contains('没')
            || s.contains('未')
            || s.chars().all(|c| {
                c.is_ascii()
                    || c.is_whitespace()
                    || matches!(
                        c,
                        '【' | '】' | '「' | '」' | '。' | '！' | '；' | '，' | '—'
                    )
            });
        if !may {
            return false;
        }
        let n: String = norm(s)
            .chars()
            .filter(|c| !matches!(c, '。' | '.' | '!' | '！' | '；' | ';' | '，' | ','))
            .collect();
        if matches!(n.as_str(), "none" | "n/a" | "na" | "nil" | "-" | "—" | "/") {
            return true;
        }
        let strip = |s: &str, words: &[&str]| -> Option<String> {
            words
                .iter()
                .find_map(|w| s.strip_prefix(w))
                .map(str::to_string)
        };
        let n = strip(&n, &["本周", "本期", "本月", "暂"]).unwrap_or(n);
        let Some(rest) = strip(&n, &["无", "没有", "未发生", "未出现"]) else {
            return false;
        };
        let rest = strip(&rest, &["任何", "新增", "相关", "重大"]).unwrap_or(rest);
        rest.is_empty()
            || ["事件", "事故", "问题", "故障", "异常"].contains(&rest.as_str())
            || self.sections.contains(&rest)
    }
}

// ---------------------------------------------------------------- dates

/// When an incident happened, read from the start of its first line.
#[derive(Debug, Default, PartialEq)]
struct When {
    date: Option<NaiveDate>,
    time: Option<String>,
    /// Byte length of the date/time prefix in the original line (0 when
    /// the date was found elsewhere in the line, which stays in the summary).
    prefix: usize,
    /// A tag written before the date (`【P2】`), which belongs to the summary.
    tag: Option<String>,
}

// Digits are ASCII (`[0-9]`), the ones `parse` reads: `\d` takes every
// script's digits, which made these patterns several times slower to
// compile (milliseconds each, paid at the start of every build) and to
// run captures with. Full-width digits are made ASCII first (`ascii_digits`).
const D: &str = r"(?:[0-9]{1,2})";
const MONTHS: &str = r"(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)";

/// The month of an English month name's first three letters.
fn month_of(name: &str) -> Option<u32> {
    let n = name.get(..3)?.to_ascii_lowercase();
    let i = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]
    .iter()
    .position(|m| *m == n)?;
    Some(i as u32 + 1)
}

static AT_START: LazyLock<Regex> = LazyLock::new(|| {
    // A severity or status tag may come first (`【P2】`, `[S1]`, `【已恢复】`).
    let prefix = r"^[\s\-–—*•·]*(?P<tag>[【\[](?:[A-Za-z]{1,3}[0-9]{1,2}|[^】\]0-9/:：月]{1,8})[】\]]\s*)?(?:[【\[（(]\s*)?(?:(?:发生)?(?:时间|日期)\s*[:：]\s*)?";
    let date = format!(
        r"(?:(?P<y>[0-9]{{4}})\s*(?:[-/.]|年)\s*(?P<m>{D})\s*(?:[-/.]|月)\s*(?P<d>{D})\s*[日号]?|(?P<m2>{D})\s*(?:/|月)\s*(?P<d2>{D})\s*[日号]?|(?P<m3>{D})[.\-](?P<d3>{D})(?:[日号]|\s|$)|(?P<mon>{MONTHS})[a-z]*\.?\s+(?P<dm>{D})(?:st|nd|rd|th)?,?(?:\s+(?P<ey>[0-9]{{4}}))?|(?P<dd>{D})\s+(?P<mon2>{MONTHS})[a-z]*\.?,?(?:\s+(?P<ey2>[0-9]{{4}}))?)"
    );
    let range = format!(
        r"(?:\s*[~～\-–—至到]\s*(?:[0-9]{{4}}\s*[-/.年]\s*)?(?:{D}\s*[/月]\s*)?{D}\s*[日号]?(?:\s|$))?"
    );
    let weekday = r"(?:\s*[（(]?\s*(?:周|星期|礼拜)[一二三四五六日天七]\s*[）)]?)?";
    let time = format!(
        r"(?:[\s,，]*(?P<ap>上午|早上|早晨|凌晨|中午|下午|傍晚|晚上|晚间|夜间|夜里)?\s*(?P<h>{D})\s*(?:[:：]\s*(?P<mi>[0-9]{{2}})(?:\s*[:：]\s*[0-9]{{2}})?|[点时]\s*(?:(?P<mi2>[0-9]{{1,2}})\s*分?|(?P<half>半))?)(?:\s*(?P<ampm>[aApP][mM]))?(?:\s*[~～\-–—至到]\s*{D}\s*[:：]\s*[0-9]{{2}})?)?"
    );
    let suffix = r"\s*[】\]）)]?\s*[,，:：、]?\s*";
    Regex::new(&format!(
        "{prefix}(?:{date}{range}{weekday}{time}|(?P<only>{D})[:：](?P<omi>[0-9]{{2}})){suffix}"
    ))
    .unwrap()
});

/// A date with a slash or 月 anywhere in a line (`…（4/10 23:09）`), for
/// items that do not start with one.
static ANYWHERE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?:(?P<y>[0-9]{{4}})\s*[-/.年]\s*)?(?P<m>{D})\s*[/月]\s*(?P<d>{D})[日号]?(?:\s*(?P<h>{D})\s*[:：]\s*(?P<mi>[0-9]{{2}}))?"
    ))
    .unwrap()
});

/// Byte offset in `orig` of the char at position `chars` of its normalised copy.
fn byte_at(orig: &str, chars: usize) -> usize {
    orig.char_indices()
        .nth(chars)
        .map_or(orig.len(), |(i, _)| i)
}

fn num(c: &regex::Captures, name: &str) -> Option<u32> {
    c.name(name)?.as_str().parse().ok()
}

fn make_date(year: Option<i32>, month: u32, day: u32, report: NaiveDate) -> Option<NaiveDate> {
    match year {
        Some(y) => NaiveDate::from_ymd_opt(y, month, day),
        None => nearest_date(report, month, day),
    }
}

fn make_time(h: u32, mi: u32, ap: Option<&str>) -> Option<String> {
    let pm = matches!(
        ap,
        Some("下午" | "傍晚" | "晚上" | "晚间" | "夜间" | "夜里")
    ) || ap.is_some_and(|a| a.eq_ignore_ascii_case("pm"));
    let am = matches!(ap, Some("凌晨" | "上午" | "早上" | "早晨"))
        || ap.is_some_and(|a| a.eq_ignore_ascii_case("am"));
    let h = match h {
        h if pm && h < 12 => h + 12,
        12 if am => 0,
        h => h,
    };
    (h <= 23 && mi <= 59).then(|| format!("{h:02}:{mi:02}"))
}

fn parse_when(line: &str, report: NaiveDate) -> When {
    let norm = ascii_digits(line);
    // Every date and time both patterns read has a digit (the day, the
    // hour): a line without one is not searched twice to find none.
    if !has_ascii_digit(&norm) {
        return When::default();
    }
    if let Some(c) = AT_START.captures(&norm) {
        let end = byte_at(
            line,
            norm[..c.get(0).map_or(0, |m| m.end())].chars().count(),
        );
        let tag = c.name("tag").map(|m| m.as_str().trim().to_string());
        let ap = c
            .name("ampm")
            .or(c.name("ap"))
            .map(|m| m.as_str().to_string());
        if let (Some(h), Some(mi)) = (num(&c, "only"), num(&c, "omi")) {
            if let Some(time) = make_time(h, mi, None) {
                return When {
                    date: None,
                    time: Some(time),
                    prefix: end,
                    tag,
                };
            }
        }
        let year = ["y", "ey", "ey2"]
            .iter()
            .find_map(|y| c.name(y)?.as_str().parse().ok());
        let named = [("mon", "dm"), ("mon2", "dd")]
            .iter()
            .find_map(|(m, d)| Some((month_of(c.name(m)?.as_str())?, num(&c, d)?)));
        let md = [("m", "d"), ("m2", "d2"), ("m3", "d3")]
            .iter()
            .find_map(|(m, d)| Some((num(&c, m)?, num(&c, d)?)))
            .or(named);
        if let Some(date) = md.and_then(|(m, d)| make_date(year, m, d, report)) {
            let time = num(&c, "h").and_then(|h| {
                let mi = num(&c, "mi")
                    .or(num(&c, "mi2"))
                    .unwrap_or(if c.name("half").is_some() { 30 } else { 0 });
                make_time(h, mi, ap.as_deref())
            });
            return When {
                date: Some(date),
                time,
                prefix: end,
                tag,
            };
        }
    }
    // No date at the start: one elsewhere in the line still dates it.
    for c in ANYWHERE.captures_iter(&norm) {
        let start = c.get(0).map_or(0, |m| m.start());
        if norm[..start].ends_with(|ch: char| ch.is_ascii_digit()) {
            continue;
        }
        let year = c.name("y").and_then(|m| m.as_str().parse().ok());
        let (Some(m), Some(d)) = (num(&c, "m"), num(&c, "d")) else {
            continue;
        };
        if let Some(date) = make_date(year, m, d, report) {
            let time = num(&c, "h")
                .zip(num(&c, "mi"))
                .and_then(|(h, mi)| make_time(h, mi, None));
            return When {
                date: Some(date),
                time,
                prefix: 0,
                tag: None,
            };
        }
    }
    When::default()
}

fn starts_with_date(text: &str, report: NaiveDate) -> bool {
    let first = text.lines().next().unwrap_or("");
    let w = parse_when(first, report);
    w.prefix > 0 && w.date.is_some()
}

// ---------------------------------------------------------------- one incident

/// A label in front of the summary (`现象：`), which is not part of it.
static SUMMARY_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:现象|问题描述|故障描述|事件描述|故障现象|描述|问题|事件|概述|摘要|summary|issue|what)\s*[:：]\s*").unwrap()
});

/// Lines trimmed, blank lines dropped.
fn tidy(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn trim_part(s: &str) -> String {
    tidy(s)
        .trim_start_matches(|c: char| {
            c.is_whitespace() || matches!(c, ':' | '：' | ',' | '，' | '、' | '-' | '–' | '—')
        })
        .trim_end_matches(|c: char| {
            c.is_whitespace() || matches!(c, ',' | '，' | ';' | '；' | '、' | ':' | '：')
        })
        .to_string()
}

impl Matcher {
    /// Reads one incident out of its text (first line: when and what).
    fn incident(&self, text: &str, line: usize, anchor: &str, report: NaiveDate) -> Incident {
        self.incident_read(text, line, anchor, report, None)
    }

    /// `incident`, given what `parse_when` read from a line already: used
    /// when the tidied text starts with that very line. Reading the date is
    /// the costliest part of an incident, and a list item's first line is
    /// read once to tell whether it is dated.
    fn incident_read(
        &self,
        text: &str,
        line: usize,
        anchor: &str,
        report: NaiveDate,
        read: Option<(&str, When)>,
    ) -> Incident {
        let text = tidy(text);
        let first_end = text.find('\n').unwrap_or(text.len());
        let first = &text[..first_end];
        let when = match read {
            Some((l, when)) if l == first => when,
            _ => parse_when(first, report),
        };
        let body = &text[when.prefix..];
        let labels = self.labels_in(body);
        let pre_end = labels.first().map_or(body.len(), |l| l.0);
        // The summary is the first line's prose; a line of its own when the
        // first line is only the date.
        let summary = body[..pre_end]
            .lines()
            .map(|l| trim_part(SUMMARY_LABEL.find(l).map_or(l, |m| &l[m.end()..])))
            .find(|l| !l.is_empty())
            .unwrap_or_default();
        let summary = match when.tag {
            Some(tag) if tag.ends_with('】') => format!("{tag}{summary}"),
            Some(tag) => format!("{tag} {summary}").trim().to_string(),
            None => summary,
        };
        let (mut cause, mut action, mut impact) = (Vec::new(), Vec::new(), Vec::new());
        for (k, l) in labels.iter().enumerate() {
            let end = labels.get(k + 1).map_or(body.len(), |n| n.0);
            let part = trim_part(&body[l.1..end]);
            if part.is_empty() {
                continue;
            }
            match l.2 {
                Kind::Cause => cause.push(part),
                Kind::Action => action.push(part),
                Kind::Impact => impact.push(part),
            }
        }
        let join = |v: Vec<String>| (!v.is_empty()).then(|| v.join("\n"));
        let impact = join(impact);
        Incident {
            date: when.date,
            time: when.time,
            summary,
            cause: join(cause),
            action: join(action),
            impact,
            text,
            line,
            anchor: anchor.to_string(),
        }
    }

    /// Incidents written one after another in one block of text (a name
    /// item or paragraph followed by lines that start with dates).
    fn split_dated(
        &self,
        text: &str,
        line: usize,
        anchor: &str,
        report: NaiveDate,
    ) -> Vec<Incident> {
        let mut chunks: Vec<String> = Vec::new();
        for l in text.lines() {
            if starts_with_date(l, report) {
                chunks.push(l.to_string());
            } else if let Some(c) = chunks.last_mut() {
                c.push('\n');
                c.push_str(l);
            }
        }
        chunks
            .iter()
            .map(|c| self.incident(c, line, anchor, report))
            .collect()
    }
}

/// An item's text with its nested lists (numbered as written) and tables.
fn flatten(item: &Item) -> String {
    let mut s = item.text.clone();
    for b in &item.children {
        flatten_block(b, &mut s);
    }
    s
}

fn flatten_block(b: &Block, s: &mut String) {
    match b {
        Block::Paragraph { text, .. } => {
            s.push('\n');
            s.push_str(text);
        }
        Block::List { ordered, items } => {
            for (n, it) in items.iter().enumerate() {
                s.push('\n');
                if *ordered {
                    s.push_str(&format!("{}. ", n + 1));
                }
                s.push_str(&flatten(it));
            }
        }
        Block::Table { header, rows, .. } => {
            for r in std::iter::once(header).chain(rows) {
                s.push('\n');
                s.push_str(&r.join(" | "));
            }
        }
    }
}

// ---------------------------------------------------------------- the walk

struct Walker {
    m: Arc<Matcher>,
    date: NaiveDate,
    out: Vec<Incident>,
    /// Anchors of items already taken, so no item is counted twice.
    seen: HashSet<String>,
}

fn has_list(blocks: &[Block]) -> bool {
    blocks.iter().any(|b| matches!(b, Block::List { .. }))
}

impl Walker {
    fn section(&mut self, s: &Section, inside: bool) {
        let inside = inside || (!s.title.is_empty() && self.m.names_incidents(&s.title));
        self.blocks(&s.blocks, inside, &s.id);
        for c in &s.children {
            self.section(c, inside);
        }
    }

    /// `inside`: these blocks are under an incident heading. `anchor` places
    /// incidents that have no anchor of their own (table rows, paragraphs).
    fn blocks(&mut self, blocks: &[Block], inside: bool, anchor: &str) {
        let mut taken: HashSet<usize> = HashSet::default();
        let mut i = 0;
        while i < blocks.len() {
            if taken.contains(&i) {
                i += 1;
                continue;
            }
            match &blocks[i] {
                Block::Paragraph { text, line: pl } => {
                    if let Some(rest) = self.m.label_line(text) {
                        if !self.m.says_none(rest) {
                            let inline = self.m.split_dated(rest, *pl, anchor, self.date);
                            if !inline.is_empty() {
                                self.out.extend(inline);
                            } else if let Some(j) = self.next_block(blocks, i, &taken) {
                                taken.insert(j);
                                self.take_block(&blocks[j], anchor);
                            }
                        }
                    } else if inside && starts_with_date(text, self.date) {
                        // Incidents written as paragraphs: a dated paragraph
                        // and the undated ones after it.
                        let mut t = text.clone();
                        while let Some(Block::Paragraph { text: more, .. }) = blocks.get(i + 1) {
                            if starts_with_date(more, self.date)
                                || self.m.label_line(more).is_some()
                            {
                                break;
                            }
                            t.push('\n');
                            t.push_str(more);
                            i += 1;
                        }
                        let inc = self.m.incident(&t, *pl, anchor, self.date);
                        self.out.push(inc);
                    }
                }
                Block::List { items, .. } if inside => self.incident_items(items),
                Block::List { items, .. } => self.scan_items(items, blocks, i, &mut taken),
                Block::Table { .. } if inside => self.take_block(&blocks[i], anchor),
                Block::Table { .. } => {}
            }
            i += 1;
        }
    }

    /// The list or table that an incident name introduces: the next block,
    /// or the one after a single line of introduction (`本周共两起：`), so a
    /// name followed by prose does not claim some later, unrelated list.
    fn next_block(&self, blocks: &[Block], i: usize, taken: &HashSet<usize>) -> Option<usize> {
        let mut prose = 0;
        for (j, b) in blocks.iter().enumerate().skip(i + 1) {
            match b {
                _ if taken.contains(&j) => {}
                Block::List { .. } | Block::Table { .. } => return Some(j),
                Block::Paragraph { text, .. } if self.m.label_line(text).is_some() => return None,
                Block::Paragraph { .. } if prose == 0 => prose += 1,
                Block::Paragraph { .. } => return None,
            }
        }
        None
    }

    fn take_block(&mut self, b: &Block, anchor: &str) {
        match b {
            Block::List { items, .. } => self.incident_items(items),
            Block::Table { header, rows, line } => self.table(header, rows, anchor, *line),
            Block::Paragraph { .. } => {}
        }
    }

    /// Items of an incident list: each is an incident, except names of
    /// nested incident lists, `无`, and undated groups of dated items
    /// (`支付中台：` with the incidents under it).
    fn incident_items(&mut self, items: &[Item]) {
        for (k, item) in items.iter().enumerate() {
            if self.seen.contains(&item.anchor) {
                continue;
            }
            if self.m.label_line(&item.text).is_some() {
                if self.name_item(items, k) == Found::Nothing {
                    self.name_as_incident(item);
                }
                continue;
            }
            if self.m.says_none(&item.text) {
                continue;
            }
            let first = item.text.lines().next().unwrap_or("");
            let when = parse_when(first, self.date);
            let dated = when.date.is_some();
            let groups_dated = !dated
                && item.children.iter().any(|b| match b {
                    Block::List { items, .. } => {
                        items.iter().any(|it| starts_with_date(&it.text, self.date))
                    }
                    _ => false,
                });
            if groups_dated {
                for b in &item.children {
                    self.take_block(b, &item.anchor);
                }
                continue;
            }
            self.seen.insert(item.anchor.clone());
            let inc = self.m.incident_read(
                &flatten(item),
                item.line,
                &item.anchor,
                self.date,
                Some((first, when)),
            );
            self.out.push(inc);
        }
    }

    /// Items outside any incident heading: look for names of incident
    /// lists, at any depth.
    fn scan_items(
        &mut self,
        items: &[Item],
        blocks: &[Block],
        i: usize,
        taken: &mut HashSet<usize>,
    ) {
        for (k, item) in items.iter().enumerate() {
            if self.seen.contains(&item.anchor) {
                continue;
            }
            if self.m.label_line(&item.text).is_some() {
                let last = k + 1 == items.len();
                if self.name_item(items, k) == Found::Nothing {
                    match self.next_block(blocks, i, taken).filter(|_| last) {
                        Some(j) => {
                            taken.insert(j);
                            self.take_block(&blocks[j], &item.anchor);
                        }
                        None => self.name_as_incident(item),
                    }
                }
            } else {
                self.blocks(&item.children, false, &item.anchor);
            }
        }
    }

    /// A list item that names an incident list (`4. 生产稳定性事件：`):
    /// incidents written on it, under it, or in the dated items after it.
    fn name_item(&mut self, items: &[Item], k: usize) -> Found {
        let item = &items[k];
        self.seen.insert(item.anchor.clone());
        let rest = self.m.label_line(&item.text).unwrap_or("");
        if self.m.says_none(rest) {
            return Found::Empty;
        }
        let inline = self.m.split_dated(rest, item.line, &item.anchor, self.date);
        if !inline.is_empty() {
            self.out.extend(inline);
            return Found::Taken;
        }
        if has_list(&item.children)
            || item
                .children
                .iter()
                .any(|b| matches!(b, Block::Table { .. }))
        {
            for b in &item.children {
                self.take_block(b, &item.anchor);
            }
            return Found::Taken;
        }
        let following: Vec<&Item> = items[k + 1..]
            .iter()
            .take_while(|it| starts_with_date(&it.text, self.date))
            .collect();
        if following.is_empty() {
            return Found::Nothing;
        }
        for it in following {
            self.seen.insert(it.anchor.clone());
            let inc = self
                .m
                .incident(&flatten(it), it.line, &it.anchor, self.date);
            self.out.push(inc);
        }
        Found::Taken
    }

    /// `生产事件：钱包鉴权异常，原因：扫描` — one undated incident written on
    /// the name itself. Only when a cause or action is labelled: an intro
    /// such as `生产事件：本周2起` is not an incident.
    fn name_as_incident(&mut self, item: &Item) {
        let rest = self.m.label_line(&item.text).unwrap_or("");
        if !rest.trim().is_empty() && !self.m.labels_in(rest).is_empty() {
            let inc = self.m.incident(rest, item.line, &item.anchor, self.date);
            self.out.push(inc);
        }
    }

    /// A table of incidents, read by its headers (时间, 原因, 处置…).
    fn table(&mut self, header: &[String], rows: &[Vec<String>], anchor: &str, line: usize) {
        let find = |pred: &dyn Fn(&str) -> bool| header.iter().position(|h| pred(h));
        let has = |h: &str, words: &[&str]| words.iter().any(|w| h.contains(w));
        let when_col = find(&|h| has(&h.to_lowercase(), &["时间", "日期", "time", "date"]));
        let label_col = |re: &Option<Regex>| {
            header.iter().position(|h| {
                let h = h.trim();
                // A header is a label of its own: `原因` reads like `原因：`.
                let colon = format!("{h}：");
                re.as_ref().is_some_and(|r| {
                    r.find(&colon)
                        .is_some_and(|m| m.start() == 0 && m.end() == colon.len())
                })
            })
        };
        let cause_col = label_col(&self.m.cause);
        let action_col = label_col(&self.m.action);
        let impact_col = label_col(&self.m.impact);
        let used = [when_col, cause_col, action_col, impact_col];
        let summary_col = find(&|h| {
            has(
                &h.to_lowercase(),
                &[
                    "事件",
                    "问题",
                    "现象",
                    "描述",
                    "内容",
                    "概述",
                    "summary",
                    "description",
                    "incident",
                ],
            )
        })
        .filter(|c| !used.contains(&Some(*c)))
        .or_else(|| (0..header.len()).find(|c| !used.contains(&Some(*c))));
        let cell = |r: &[String], c: Option<usize>| {
            c.and_then(|c| r.get(c))
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        for r in rows {
            if r.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let when_text = cell(r, when_col).unwrap_or_default();
            let summary = cell(r, summary_col).unwrap_or_default();
            let mut text = format!("{when_text} {summary}");
            for col in [impact_col, cause_col, action_col].into_iter().flatten() {
                if let (Some(h), Some(v)) = (header.get(col), cell(r, Some(col))) {
                    text.push_str(&format!("\n{}：{v}", h.trim()));
                }
            }
            let when = parse_when(when_text.trim(), self.date);
            let mut inc = self.m.incident(&summary, line, anchor, self.date);
            if when.date.is_some() || when.time.is_some() {
                inc.date = when.date;
                inc.time = when.time;
            }
            inc.cause = cell(r, cause_col);
            inc.action = cell(r, action_col);
            inc.impact = cell(r, impact_col);
            inc.text = text.trim().to_string();
            self.out.push(inc);
        }
    }
}

#[derive(Debug, PartialEq)]
enum Found {
    /// `生产事件：无`: the name says there are none.
    Empty,
    /// Incidents were taken from the item, its children or its siblings.
    Taken,
    /// Nothing yet: the caller may look further (the next list).
    Nothing,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowering_never_makes_a_key_character_out_of_another() {
        // What `Key` relies on: no character outside `UNCASED` lowers
        // into it, and no non-ASCII one lowers to an ASCII letter or digit
        // other than `i` and `k`.
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            if c.is_ascii() || UNCASED.contains(&c) {
                continue;
            }
            for l in c.to_lowercase() {
                assert!(!UNCASED.contains(&l), "{c:?}");
                assert!(
                    !l.is_ascii_alphanumeric() || matches!(l, 'i' | 'k'),
                    "{c:?} lowers to {l:?}"
                );
            }
        }
    }

    #[test]
    fn the_key_check_never_turns_away_a_label_line() {
        let configs = [
            IncidentsConfig::default(),
            IncidentsConfig {
                sections: vec!["Kaputt".into(), "故障 通报".into(), "ik2".into()],
                ..IncidentsConfig::default()
            },
        ];
        let mut lines: Vec<String> = [
            "4. 生产稳定性事件：",
            "【生产事件】",
            "【 生产 事件 】：本周无",
            "本周线上问题（2起）",
            "线上问题：4/18 支付超时",
            "INCIDENTS: none",
            "İncidents: none",
            "Ｉｎｃｉｄｅｎｔｓ：无",
            "incidents",
            "KAPUTT: 1",
            "\u{212A}aputt: 1",
            "故障通报：无",
            "IK2:",
            "支付成功率 99.9%",
            "",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for text in crate::extract::tests::sample_archive() {
            lines.extend(
                text.lines()
                    .map(|l| l.trim_start_matches(['#', '-', '*', ' ', '>']).to_string()),
            );
        }
        let mut found = 0;
        for c in &configs {
            let m = Matcher::new(c);
            assert!(m.keys.is_some());
            let all = Matcher {
                keys: None,
                ..Matcher::new(c)
            };
            for l in &lines {
                assert_eq!(m.label_line(l), all.label_line(l), "{l:?}");
                found += usize::from(all.label_line(l).is_some());
            }
        }
        // The lines hold labels of every kind above, and the check let
        // them all through.
        assert!(found >= 12, "{found}");
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn tree(md: &str) -> Section {
        crate::markdown::tests::tree_of(md)
    }

    fn find(md: &str, date: &str) -> Vec<Incident> {
        incidents(&tree(md), d(date), &IncidentsConfig::default())
    }

    fn one(md: &str, date: &str) -> Incident {
        let mut v = find(md, date);
        assert_eq!(v.len(), 1, "{v:#?}");
        v.remove(0)
    }

    fn when(line: &str, report: &str) -> (Option<String>, Option<String>) {
        let w = parse_when(line, d(report));
        (w.date.map(crate::content::iso), w.time)
    }

    fn some(s: &str) -> Option<String> {
        Some(s.to_string())
    }

    // ---- where incident lists are

    #[test]
    fn heading_names_the_list() {
        let md = "## 【O3】\n\n- 无关事项 4/1 上线\n\n### 【生产事件】\n\n- 12/04 10:29 监控发现试算失败\n- 12/05 18:45 部分业务不可用\n\n## 【其他】\n\n- 4/2 别的事\n";
        let v = find(md, "2023-12-09");
        assert_eq!(v.len(), 2, "{v:#?}");
        assert_eq!(v[0].date, Some(d("2023-12-04")));
        assert_eq!(v[0].summary, "监控发现试算失败");
        assert_eq!(v[0].anchor, format!("L{}", v[0].line));
        assert_eq!(v[1].time.as_deref(), Some("18:45"));
    }

    #[test]
    fn heading_includes_sub_headings_and_undated_groups() {
        let md = "## 线上问题\n\n### 支付中台\n\n- 支付网关：\n  - 4/10 09:00 超时\n  - 4/11 10:00 报错\n- 无日期的一条问题\n";
        let v = find(md, "2023-04-14");
        let s: Vec<&str> = v.iter().map(|i| i.summary.as_str()).collect();
        assert_eq!(s, ["超时", "报错", "无日期的一条问题"]);
        assert_eq!(v[2].date, None);
    }

    #[test]
    fn name_item_then_next_list() {
        // `4.` then `-`: Markdown starts a new list for the incidents.
        let md = "## 【O3】\n\n1. 降本\n2. 生产稳定性事件：\n- 4/10 23:09 钱包鉴权接口收到大量403\n原因：疑似外部异常扫描 处置：已通过WAF规避\n- 4/11 21:00 收到漏洞通知\n\n## 【其他】\n\n- 4/12 09:00 不是事件\n";
        let v = find(md, "2023-04-14");
        assert_eq!(v.len(), 2, "{v:#?}");
        assert_eq!(v[0].cause, some("疑似外部异常扫描"));
        assert_eq!(v[0].action, some("已通过WAF规避"));
    }

    #[test]
    fn name_item_with_children() {
        let md = "- 稳定性\n- 生产稳定性事件：\n  1. 4/10 23:09 鉴权异常\n  2. 4/11 21:00 漏洞通知\n- 4/12 09:00 不是事件\n";
        let v = find(md, "2023-04-14");
        let s: Vec<&str> = v.iter().map(|i| i.summary.as_str()).collect();
        assert_eq!(s, ["鉴权异常", "漏洞通知"]);
    }

    #[test]
    fn name_item_then_dated_siblings_until_undated() {
        let md = "1. 降本\n2. 线上问题：\n3. 4/10 23:09 鉴权异常\n4. 4/11 漏洞通知\n5. 其他工作 4/12 完成\n\n- 4/13 10:00 别的列表\n";
        let v = find(md, "2023-04-14");
        let s: Vec<&str> = v.iter().map(|i| i.summary.as_str()).collect();
        assert_eq!(s, ["鉴权异常", "漏洞通知"]);
    }

    #[test]
    fn name_item_not_last_does_not_take_the_next_list() {
        let md = "1. 生产事件：\n2. 其他工作\n\n- 4/13 10:00 另一个列表\n";
        assert!(find(md, "2023-04-14").is_empty());
    }

    #[test]
    fn name_paragraph_then_list() {
        let md = "## 稳定性\n\n生产稳定性事件：\n\n本周共两起。\n\n- 9/25 17:02 实名异常\n- 9/26 6:43监控发现出仓失败\n\n其他内容\n\n- 9/27 不相干\n";
        let v = find(md, "2023-09-22");
        assert_eq!(v.len(), 2, "{v:#?}");
        assert_eq!(v[1].time.as_deref(), Some("06:43"));
        assert_eq!(v[1].summary, "监控发现出仓失败");
        let md = "四、线上问题\n\n- 9/25 17:02 实名异常\n";
        assert_eq!(find(md, "2023-09-22").len(), 1);
        let md = "线上问题：\n\n本周运行平稳。\n\n另有一段说明。\n\n- 9/25 17:02 无关列表\n";
        assert!(find(md, "2023-09-22").is_empty());
    }

    #[test]
    fn prose_that_mentions_a_name_is_not_a_name() {
        let md = "- 健康分下降，原因如下：\n  1. 新增CPU使用异常上线及线上问题跟进上线\n  2. 本周代码bug服务数18个\n\n- 5/1 09:00 不是事件\n";
        assert!(find(md, "2023-05-05").is_empty());
        let md = "3. “合抱之木”，比如最近的多次生产问题、比如下周的迎检\n";
        assert!(find(md, "2023-05-05").is_empty());
    }

    #[test]
    fn none_means_none() {
        assert!(find("- 生产稳定性事件：无\n\n- 4/10 10:00 别的\n", "2023-04-14").is_empty());
        assert!(find("### 生产事件\n\n- 本周无\n", "2023-04-14").is_empty());
        assert!(find("### Incidents\n\n- None.\n", "2023-04-14").is_empty());
        assert!(find("### 线上问题\n\n- 暂无线上问题。\n", "2023-04-14").is_empty());
        assert_eq!(find("### 线上问题\n\n- 无法登录\n", "2023-04-14").len(), 1);
        let m = Matcher::new(&IncidentsConfig::default());
        for none in [
            "无",
            "【无】",
            "暂无。",
            "本周无事件",
            "未发生",
            "没有",
            "None.",
            " N/A ",
            "nil！",
            "—",
            "/",
            "[na]",
            "「none」；",
        ] {
            assert!(m.says_none(none), "{none:?}");
        }
        for some in [
            "无法登录",
            "支付超时",
            "none of the above",
            "—— 支付超时",
            "N/A 支付",
        ] {
            assert!(!m.says_none(some), "{some:?}");
        }
    }

    #[test]
    fn incidents_written_on_the_name_item() {
        let md = "4. 生产稳定性事件：\n4/10 23:09 鉴权异常\n原因：扫描\n4/11 21:00 漏洞通知\n处置：隔离\n";
        let v = find(md, "2023-04-14");
        assert_eq!(v.len(), 2, "{v:#?}");
        assert_eq!(v[0].cause, some("扫描"));
        assert_eq!(v[1].action, some("隔离"));
        assert_eq!(v[0].anchor, v[1].anchor);
    }

    #[test]
    fn one_incident_written_on_the_name() {
        let v = find(
            "- 线上问题：钱包鉴权异常，原因：扫描\n- 其他\n",
            "2023-04-14",
        );
        assert_eq!(v.len(), 1, "{v:#?}");
        assert_eq!(v[0].summary, "钱包鉴权异常");
        assert_eq!(v[0].cause, some("扫描"));
        assert!(find("- 生产事件：本周2起，均已恢复\n", "2023-04-14").is_empty());
    }

    #[test]
    fn table_under_heading() {
        let md = "### 生产事件\n\n| 时间 | 事件 | 原因 | 处置 |\n|---|---|---|---|\n| 4/10 23:09 | 鉴权异常 | 扫描 | WAF |\n| 4月11日 | 漏洞 | | 隔离 |\n";
        let v = find(md, "2023-04-14");
        assert_eq!(v.len(), 2, "{v:#?}");
        assert_eq!(v[0].date, Some(d("2023-04-10")));
        assert_eq!(v[0].time.as_deref(), Some("23:09"));
        assert_eq!(v[0].summary, "鉴权异常");
        assert_eq!(v[0].cause, some("扫描"));
        assert_eq!(v[0].action, some("WAF"));
        assert_eq!(v[1].date, Some(d("2023-04-11")));
        assert_eq!(v[1].cause, None);
        assert_eq!(v[0].anchor, "生产事件");
    }

    #[test]
    fn paragraphs_under_heading() {
        let md = "### 生产事件\n\n4/10 23:09 鉴权异常\n\n原因：扫描\n\n4/11 21:00 漏洞通知\n";
        let v = find(md, "2023-04-14");
        assert_eq!(v.len(), 2, "{v:#?}");
        assert_eq!(v[0].cause, some("扫描"));
    }

    #[test]
    fn configured_names_and_labels() {
        let cfg = IncidentsConfig {
            sections: vec!["故障记录".into()],
            cause_labels: vec!["根因".into()],
            action_labels: vec!["恢复".into()],
            impact_labels: vec![],
        };
        let md = "## 故障记录\n\n- 4/10 23:09 鉴权异常 根因：扫描；恢复：WAF\n\n## 生产事件\n\n- 4/11 别的\n";
        let v = incidents(&tree(md), d("2023-04-14"), &cfg);
        assert_eq!(v.len(), 1, "{v:#?}");
        assert_eq!(v[0].cause, some("扫描"));
        assert_eq!(v[0].action, some("WAF"));
    }

    // ---- cause and action

    #[test]
    fn inline_cause_then_action() {
        let i = one("### 生产事件\n\n- 4/10 23:09 钱包鉴权接口收到大量403、500\n原因：疑似外部异常扫描 处置：已通过WAF规避\n", "2023-04-14");
        assert_eq!(i.summary, "钱包鉴权接口收到大量403、500");
        assert_eq!(i.cause, some("疑似外部异常扫描"));
        assert_eq!(i.action, some("已通过WAF规避"));
    }

    #[test]
    fn inline_on_the_first_line() {
        let i = one(
            "### 生产事件\n\n- 4/10 23:09 鉴权异常，原因:外部扫描；处置:WAF规避\n",
            "2023-04-14",
        );
        assert_eq!(i.summary, "鉴权异常");
        assert_eq!(i.cause, some("外部扫描"));
        assert_eq!(i.action, some("WAF规避"));
        let i = one(
            "### 生产事件\n\n- 4/10 鉴权异常。原因：外部扫描处置：WAF规避\n",
            "2023-04-14",
        );
        assert_eq!(i.cause, some("外部扫描"));
        assert_eq!(i.action, some("WAF规避"));
    }

    #[test]
    fn action_before_cause_on_following_paragraphs() {
        let md = "### 生产事件\n\n- 9/25 17:02 风控同事反馈证件号不对\n处置：推动统一鉴权改进\n    \n    原因：经查外籍用户通过银行卡三要素鉴权\n    \n- 9/26 6:43监控发现出仓失败\n处置：修复脏数据后完成推送\n";
        let v = find(md, "2023-09-22");
        assert_eq!(v.len(), 2, "{v:#?}");
        assert_eq!(v[0].summary, "风控同事反馈证件号不对");
        assert_eq!(v[0].action, some("推动统一鉴权改进"));
        assert_eq!(v[0].cause, some("经查外籍用户通过银行卡三要素鉴权"));
        assert_eq!(v[1].cause, None);
        assert_eq!(v[1].action, some("修复脏数据后完成推送"));
    }

    #[test]
    fn cause_and_action_as_sub_items_and_multi_line() {
        let md = "### 生产事件\n\n- 4/10 23:09 鉴权异常\n  - 根本原因：外部扫描\n  - 处置措施：\n    1. 封禁IP\n    2. 开启WAF\n";
        let i = one(md, "2023-04-14");
        assert_eq!(i.summary, "鉴权异常");
        assert_eq!(i.cause, some("外部扫描"));
        assert_eq!(i.action, some("1. 封禁IP\n2. 开启WAF"));
        assert!(i.text.contains("封禁IP"));
    }

    #[test]
    fn impact_and_qualified_labels_kept_apart() {
        let md = "### 生产事件\n\n- 4/10 23:09\n  - 现象：鉴权异常\n  - 影响：403 激增\n  - 根因：扫描\n  - 处置：封禁\n  - 改进措施：加监控\n";
        let i = one(md, "2023-04-14");
        assert_eq!(i.summary, "鉴权异常");
        assert_eq!(i.impact, some("403 激增"));
        assert_eq!(i.cause, some("扫描"));
        assert_eq!(i.action, some("封禁\n加监控"));
    }

    #[test]
    fn bracketed_and_english_labels() {
        let i = one(
            "### 生产事件\n\n- 4/10 鉴权异常 【原因】外部扫描 【处置】WAF\n",
            "2023-04-14",
        );
        assert_eq!(i.cause, some("外部扫描"));
        assert_eq!(i.action, some("WAF"));
        let i = one("## Incidents\n\n- 2023-04-10 09:36 Login failures. Root cause: bad config. Action: rolled back\n", "2023-04-14");
        assert_eq!(i.summary, "Login failures.");
        assert_eq!(i.cause, some("bad config."));
        assert_eq!(i.action, some("rolled back"));
        let i = one(
            "## Incidents\n\n- 4/10 Failed because: reasons\n",
            "2023-04-14",
        );
        assert_eq!(i.cause, None, "`because:` is not `cause:`");
    }

    #[test]
    fn label_words_without_colon_stay_in_the_text() {
        let i = one("### 生产事件\n\n- 4/16 15:35 记账失败\n原因：问题排查原因为 包版本问题，处理中 处置：上线修复\n", "2023-04-21");
        assert_eq!(i.cause, some("问题排查原因为 包版本问题，处理中"));
        assert_eq!(i.action, some("上线修复"));
    }

    #[test]
    fn summary_on_its_own_line_after_the_date() {
        let i = one(
            "### 生产事件\n\n- 【4/10 23:09】\n  鉴权异常\n  原因：扫描\n",
            "2023-04-14",
        );
        assert_eq!(i.date, Some(d("2023-04-10")));
        assert_eq!(i.summary, "鉴权异常");
        assert_eq!(i.cause, some("扫描"));
    }

    // ---- dates and times

    #[test]
    fn a_line_with_no_digit_has_no_date_and_full_width_digits_count() {
        let r = "2023-05-27";
        assert_eq!(when("五月十八日 监控告警", r), (None, None));
        assert_eq!(parse_when("本周无生产事件", d(r)), When::default());
        // Full-width digits are digits: made ASCII before the check.
        assert_eq!(
            when("５/１８ ９:３６ 监控", r),
            (some("2023-05-18"), some("09:36"))
        );
    }

    #[test]
    fn date_and_time_spellings() {
        let r = "2023-05-27";
        let full = |dt: &str, t: &str| (some(dt), some(t));
        assert_eq!(when("4/18 9:36 监控", r), full("2023-04-18", "09:36"));
        assert_eq!(when("5/25 21：42 监控", r), full("2023-05-25", "21:42"));
        assert_eq!(when("9/26 6:43监控发现", r), full("2023-09-26", "06:43"));
        assert_eq!(
            when("12/04 10:29 监控", "2023-12-09"),
            full("2023-12-04", "10:29")
        );
        assert_eq!(when("5/26 运营反馈", r), (some("2023-05-26"), None));
        assert_eq!(
            when("2023-04-18 09:36 监控", r),
            full("2023-04-18", "09:36")
        );
        assert_eq!(
            when("2023/4/18 9:36:12 监控", r),
            full("2023-04-18", "09:36")
        );
        assert_eq!(when("2022年12月30日 监控", r), (some("2022-12-30"), None));
        assert_eq!(when("4月18日 监控", r), (some("2023-04-18"), None));
        assert_eq!(when("4月18日9点36分 监控", r), full("2023-04-18", "09:36"));
        assert_eq!(
            when("4月18日晚上9点半 监控", r),
            full("2023-04-18", "21:30")
        );
        assert_eq!(when("4.18 9:36 监控", r), full("2023-04-18", "09:36"));
        assert_eq!(when("04-18 09:36 监控", r), full("2023-04-18", "09:36"));
        assert_eq!(
            when("５/２５ ２１：４２ 监控", r),
            full("2023-05-25", "21:42")
        );
        assert_eq!(
            when("4/18（周二）9:36 监控", r),
            full("2023-04-18", "09:36")
        );
        assert_eq!(when("4/18 9:36pm 监控", r), full("2023-04-18", "21:36"));
        assert_eq!(
            when("时间：4/18 9:36，监控", r),
            full("2023-04-18", "09:36")
        );
        assert_eq!(when("4/11~4/23 演练", r), (some("2023-04-11"), None));
        assert_eq!(when("21:42 监控", r), (None, some("21:42")));
        assert_eq!(when("Apr 18 09:36 login", r), full("2023-04-18", "09:36"));
        assert_eq!(
            when("18 April 2022, 9:36 login", r),
            full("2022-04-18", "09:36")
        );
        assert_eq!(
            when("Sept. 3rd 21:00 login", r),
            full("2023-09-03", "21:00")
        );
        assert_eq!(when("May day", r), (None, None));
        // Not dates: a version, an impossible day.
        assert_eq!(when("2.0升级失败", r), (None, None));
        assert_eq!(when("2/30 10:00 监控", r), (None, None));
        assert_eq!(when("4/18 25:61 监控", r), (some("2023-04-18"), None));
    }

    #[test]
    fn a_tag_before_the_date_stays_in_the_summary() {
        let i = one(
            "### 生产事件\n\n- 【P2】3/25 08:00 支付宝通道异常\n",
            "2024-03-29",
        );
        assert_eq!(i.date, Some(d("2024-03-25")));
        assert_eq!(i.time.as_deref(), Some("08:00"));
        assert_eq!(i.summary, "【P2】支付宝通道异常");
        let i = one("### 生产事件\n\n- [已恢复] 3/25 网关 502\n", "2024-03-29");
        assert_eq!(i.summary, "[已恢复] 网关 502");
        let i = one("### 生产事件\n\n- 【3/25 08:00】网关 502\n", "2024-03-29");
        assert_eq!(i.summary, "网关 502");
    }

    #[test]
    fn date_elsewhere_in_the_line_stays_in_the_summary() {
        let i = one(
            "### 生产事件\n\n- 钱包鉴权异常（4/10 23:09）\n",
            "2023-04-14",
        );
        assert_eq!(i.date, Some(d("2023-04-10")));
        assert_eq!(i.time.as_deref(), Some("23:09"));
        assert_eq!(i.summary, "钱包鉴权异常（4/10 23:09）");
    }

    #[test]
    fn year_is_the_nearest_to_the_report() {
        let v = find(
            "### 生产事件\n\n- 12/30 10:00 年末\n- 1/2 09:00 新年\n",
            "2024-01-05",
        );
        assert_eq!(v[0].date, Some(d("2023-12-30")));
        assert_eq!(v[1].date, Some(d("2024-01-02")));
        let v = find("### 生产事件\n\n- 1/2 09:00 跨年\n", "2023-12-29");
        assert_eq!(v[0].date, Some(d("2024-01-02")));
    }

    #[test]
    fn summary_without_date_and_labels() {
        let i = one("### 生产事件\n\n- 4/18 9:36 监控发现9:17pm-9:36pm钱包有一个节点OOM\n原因： 重试导致OOM 处置：1. 应急 2. 刷新\n", "2023-04-21");
        assert_eq!(i.summary, "监控发现9:17pm-9:36pm钱包有一个节点OOM");
        assert_eq!(i.cause, some("重试导致OOM"));
        assert_eq!(i.action, some("1. 应急 2. 刷新"));
    }
}
