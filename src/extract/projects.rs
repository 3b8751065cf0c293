//! Project updates. In a project section (O1, O2, 重点工作…) each top-level
//! bullet and each sub-heading is one project's update for the week: its
//! name, its text with everything nested under it, and what the text says
//! about progress, status and planned dates.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use chrono::{Datelike, NaiveDate};
use regex::Regex;
use serde::Serialize;

use super::metrics::scope;
use super::text::{ascii_digits, clauses_with_percent, has_ascii_digit, strip_numbering};
use crate::config::ProjectsConfig;
use crate::content::dates::nearest_date;
use crate::markdown::{Block, Item, Section};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Testing,
    Risk,
    Done,
}

impl Status {
    /// The name it is serialized under (`risk`), for markup written in Rust.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Testing => "testing",
            Status::Risk => "risk",
            Status::Done => "done",
        }
    }
}

/// A date the update says something is planned for (`目标5/6上线`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Planned {
    pub date: NaiveDate,
    /// The milestone: 上线, 投产, 提测, 完成…
    pub what: String,
    /// 目标, 预计, 计划… when written.
    pub intent: Option<String>,
    /// The words as written.
    pub text: String,
    /// Found in a nested item (a sub-task's date), not the update's own words.
    pub nested: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
///
/// The strings and the planned dates are shared (`Arc`) with the project's
/// entry for this week (`site::projects::Entry`), which is made of the same
/// fields: copies took 50 MB at 10,000 reports.
pub struct Update {
    /// The project's name as written this week (numbering and 【】 removed).
    pub name: Arc<str>,
    /// The project section it is under (`O1 服务业务`), one string for all
    /// the updates under it.
    pub section: Arc<str>,
    /// The week's text, nested items indented under it.
    pub text: Arc<str>,
    pub progress: Option<f64>,
    pub parts: PartFigures,
    pub status: Option<Status>,
    pub planned: Arc<[Planned]>,
    pub line: usize,
    /// Anchor of the bullet or heading in the report page.
    pub anchor: Arc<str>,
}

/// Named progress figures (`前端进度50%`), by part. Shared, like the
/// update's strings, with the project's entry; most updates have none, and
/// all of those share one empty map.
pub type PartFigures = Arc<BTreeMap<String, f64>>;

/// The empty `PartFigures`, shared.
pub fn no_parts() -> PartFigures {
    static EMPTY: LazyLock<PartFigures> = LazyLock::new(PartFigures::default);
    EMPTY.clone()
}

/// The words a progress figure follows; none is a prefix of another.
const PROGRESS_KEYWORDS: [&str; 8] = [
    "总进度",
    "整体进度",
    "总体进度",
    "研发进度",
    "研发进展",
    "完成度",
    "进度",
    "进展",
];
/// A progress figure found in a clause: where its keyword starts, the
/// keyword (one of `PROGRESS_KEYWORDS`) and the figure's digits.
#[derive(Debug, Clone, Copy, PartialEq)]
struct ProgressFigure<'a> {
    start: usize,
    keyword: &'static str,
    figure: &'a str,
}

/// The progress figures of `text` in order, as the regex
///
/// ```text
/// (KEYWORDS)\s*(?:[（(][^）)]{0,30}[）)])?\s*(?:[:：=]|为|达到|约)?\s*([0-9]{1,3}(?:\.[0-9]+)?)\s*[%％]
/// ```
///
/// finds them (`find_iter`): a keyword, then spaces, a bracketed aside,
/// a separator, the figure and `%`, each but the figure and `%` optional.
/// Written out because the regex was a third of the updates' progress
/// reading (tens of thousands of short clauses, each a search set up
/// anew); the test `progress_scanner_finds_what_the_regex_finds` keeps the
/// two equal. Digits are ASCII: full-width ones are made ASCII first
/// (`ascii_digits`).
fn progress_figures<'t>(text: &'t str, mut found: impl FnMut(ProgressFigure<'t>)) {
    let mut from = 0;
    while let Some(kw_end) = next_progress_word(text, from) {
        let (start, keyword) = keyword_before(text, from, kw_end);
        match figure_after(text, kw_end) {
            Some((a, b, end)) => {
                found(ProgressFigure {
                    start,
                    keyword,
                    figure: &text[a..b],
                });
                from = end;
            }
            None => from = kw_end,
        }
    }
}

/// The next `进度`, `进展` or `完成度` at or after `from`: where it ends.
/// The longer keywords end in one of these, and none of the three
/// overlaps another.
fn next_progress_word(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    // `进` is E8 BF 9B and `完` E5 AE 8C: their last bytes, continuation
    // bytes, are far rarer in Chinese text than their first.
    let mut at = from + 2;
    while at < bytes.len() {
        let last = at + memchr::memchr2(0x9B, 0x8C, &bytes[at..])?;
        let i = last - 2;
        let rest = &bytes[i..];
        if rest.starts_with("进度".as_bytes()) || rest.starts_with("进展".as_bytes()) {
            return Some(i + "进度".len());
        }
        if rest.starts_with("完成度".as_bytes()) {
            return Some(i + "完成度".len());
        }
        at = last + 1;
    }
    None
}

/// The keyword ending at `end` and where it starts: the longest of
/// `PROGRESS_KEYWORDS` that the text from `from` (the end of the previous
/// figure) ends with, so `总进度` rather than `进度`. The word found at
/// `end` is one of them, so there always is one.
fn keyword_before(text: &str, from: usize, end: usize) -> (usize, &'static str) {
    let before = &text[from..end];
    let keyword = PROGRESS_KEYWORDS
        .iter()
        .filter(|k| before.ends_with(**k))
        .max_by_key(|k| k.len())
        .copied()
        .unwrap_or("");
    (end - keyword.len(), keyword)
}

/// What follows a keyword ending at `at`, if it is a figure: the figure's
/// bounds and where the `%` ends.
fn figure_after(text: &str, at: usize) -> Option<(usize, usize, usize)> {
    let skip_spaces = |i: usize| {
        text[i..]
            .char_indices()
            .find(|(_, c)| !c.is_whitespace())
            .map_or(text.len(), |(k, _)| i + k)
    };
    let mut i = skip_spaces(at);
    // A bracketed aside: at most 30 characters, none a closing bracket.
    if text[i..].starts_with(['（', '(']) {
        let open = if text[i..].starts_with('(') {
            1
        } else {
            '（'.len_utf8()
        };
        let close = text[i + open..]
            .char_indices()
            .take(31)
            .find(|(_, c)| matches!(c, '）' | ')'))
            .map(|(k, c)| i + open + k + c.len_utf8())?;
        i = skip_spaces(close);
    }
    for sep in [":", "：", "=", "为", "达到", "约"] {
        if text[i..].starts_with(sep) {
            i = skip_spaces(i + sep.len());
            break;
        }
    }
    let bytes = text.as_bytes();
    let digits = |from: usize| {
        bytes[from..]
            .iter()
            .position(|b| !b.is_ascii_digit())
            .map_or(bytes.len(), |k| from + k)
    };
    let a = i;
    let mut b = digits(a);
    if !(1..=3).contains(&(b - a)) {
        return None;
    }
    if bytes.get(b) == Some(&b'.') {
        let frac = digits(b + 1);
        if frac > b + 1 {
            b = frac;
        }
    }
    let sign = skip_spaces(b);
    let end = if text[sign..].starts_with('%') {
        sign + 1
    } else if text[sign..].starts_with('％') {
        sign + '％'.len_utf8()
    } else {
        return None;
    };
    Some((a, b, end))
}

static PLANNED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        (?P<intent>目标|预计|计划|预期|争取|拟)?\s*
        (?:
            (?P<m>[0-9]{1,2})\s*[/月.]\s*(?P<d>[0-9]{1,2})\s*[日号]?
          | (?P<y>[0-9]{4})\s*[-/.年]\s*(?P<ym>[0-9]{1,2})\s*[-/.月]\s*(?P<yd>[0-9]{1,2})\s*[日号]?
          | (?P<m2>[0-9]{1,2})\s*月\s*(?P<part>初|上旬|中旬|中|下旬|底|末)
          | (?P<mmdd>[0-9]{3,4})
        )
        \s*(?P<mod>前|之前|左右)?\s*
        (?P<obj>\p{Han}{0,4}?)\s*
        (?P<what>上线|投产|提测|验收|测完|交付|发布|试单|灰度|切换|完成)",
    )
    .unwrap()
});
// The English words are bounded by ASCII word boundaries (`-u`): a Unicode
// `\b` makes the regex engine give up its fast DFA on any non-ASCII text,
// and these run over every project update (a tenth of extraction went to
// the slower engines). It also reads Chinese the way it is written: an
// English word set in Chinese with no spaces (`进入testing阶段`) is a word.
static DONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"上线完成|上线完毕|已上线|已完成上线|已全量上线|已投产|投产完成|结项|(?i-u:\bdone\b|\bshipped\b|\blaunched\b)",
    )
    .unwrap()
});
static TESTING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"提测|测试中|进入测试|测试阶段|转测|(?i-u:\btesting\b|\bin qa\b)").unwrap()
});
static RISK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"风险|延期|推迟|暂停|资源\p{Han}{0,3}不足|人力不足|受限|阻塞|卡住|(?i-u:\bdelay(?:ed)?\b|\bblocked\b|\bat risk\b)").unwrap()
});
static NO_RISK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"无风险|没有风险|暂无风险|风险可控|风险评估|风险数据|风险指标|风控").unwrap()
});
/// What a name ends with that is status, not name (`账单数据质量治理结项完成`).
static NAME_TAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:结项完成|上线完成|研发完成|开发完成|已上线|已完成|进度正常|按计划进行中|按计划推进中|进行中|推进中|主要进展|本周进展)+$").unwrap()
});

/// A project's name from a heading or the start of a bullet.
pub fn clean_name(s: &str) -> String {
    let s = strip_numbering(s.trim()).trim();
    // `【银行账户体系】` (possibly followed by text on the same line).
    if let Some(rest) = s.strip_prefix('【') {
        if let Some(end) = rest.find('】') {
            return rest[..end].trim().to_string();
        }
    }
    let mut kept = String::with_capacity(s.len());
    kept.extend(s.chars().filter(|c| !matches!(c, '【' | '】')));
    let s = kept;
    let s = NAME_TAIL.replace(s.trim(), "");
    s.trim()
        .trim_end_matches(['：', ':', '，', ',', '。'])
        .trim()
        .to_string()
}

/// The name part of a bullet: the first line up to its first `，` `：` `。`.
fn bullet_name(text: &str) -> String {
    let first = text.lines().next().unwrap_or("").trim();
    let stripped = strip_numbering(first);
    if stripped.trim_start().starts_with('【') {
        return clean_name(stripped);
    }
    // Cut at the first separator outside brackets, so
    // `支付网关（负责人：张三）：…` is named 支付网关（负责人：张三）.
    let mut depth = 0i32;
    let mut end = stripped.len();
    for (i, c) in stripped.char_indices() {
        match c {
            '（' | '(' => depth += 1,
            '）' | ')' => depth -= 1,
            '，' | ',' | '：' | ':' | '。' | '；' | ';' if depth <= 0 => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    let name = &stripped[..end];
    // An unclosed bracket means the name ran into a remark: cut before it.
    let name = if depth > 0 {
        name.split(['（', '(']).next().unwrap_or(name)
    } else {
        name
    };
    clean_name(name)
}

fn status_of(own: &str) -> Option<Status> {
    if DONE.is_match(own) {
        Some(Status::Done)
    } else if RISK.find_iter(own).any(|m| {
        !NO_RISK
            .find_iter(own)
            .any(|n| n.start() <= m.start() && n.end() >= m.end())
    }) {
        Some(Status::Risk)
    } else if TESTING.is_match(own) {
        Some(Status::Testing)
    } else {
        None
    }
}

/// Words before a progress keyword that say nothing about which part it is.
const GENERIC: [&str; 8] = ["当前", "目前", "本周", "现在", "整体", "总体", "项目", "的"];

/// Progress figures in one piece of text: (overall candidates, total
/// candidates, parts).
fn progress_in(
    text: &str,
    overall: &mut Vec<f64>,
    total: &mut Vec<f64>,
    parts: Option<&mut BTreeMap<String, f64>>,
) {
    let mut parts = parts;
    for (a, b) in clauses_with_percent(text) {
        let clause = &text[a..b];
        progress_figures(clause, |m| {
            let (kw, figure) = (m.keyword, m.figure);
            let Ok(v) = figure.parse::<f64>() else {
                return;
            };
            if v > 100.0 {
                return;
            }
            match kw {
                "总进度" | "整体进度" | "总体进度" => total.push(v),
                "研发进度" | "研发进展" | "完成度" => overall.push(v),
                _ => {
                    let mut pre = clause[..m.start].trim();
                    // Only the last few words before the keyword name the part.
                    if let Some(i) = pre.rfind(['（', '(', ' ', '、', '：', ':']) {
                        pre = pre[i..]
                            .trim_start_matches(['（', '(', ' ', '、', '：', ':'])
                            .trim();
                    }
                    let mut label = pre.to_string();
                    for g in GENERIC {
                        if let Some(rest) = label.strip_prefix(g) {
                            label = rest.to_string();
                        }
                        if let Some(rest) = label.strip_suffix(g) {
                            label = rest.to_string();
                        }
                    }
                    let n = label.chars().count();
                    let is_label = n > 0 && n <= 4 && label.chars().all(|c| c.is_alphanumeric());
                    match (is_label, parts.as_deref_mut()) {
                        (true, Some(p)) => {
                            p.entry(label).or_insert(v);
                        }
                        (true, None) => {}
                        (false, _) => overall.push(v),
                    }
                }
            }
        });
    }
}

/// The groups of `PLANNED` by number: `Captures::name` hashes the name on
/// every call, eight calls a date, for every date of every update. The
/// test `planned_groups_are_numbered_as_named` keeps them in step.
mod group {
    pub const INTENT: usize = 1;
    pub const M: usize = 2;
    pub const D: usize = 3;
    pub const Y: usize = 4;
    pub const YM: usize = 5;
    pub const YD: usize = 6;
    pub const M2: usize = 7;
    pub const PART: usize = 8;
    pub const MMDD: usize = 9;
    pub const OBJ: usize = 11;
    pub const WHAT: usize = 12;
}

fn planned_in(text: &str, report: NaiveDate, nested: bool, out: &mut Vec<Planned>) {
    use group::*;
    // Every date has an ASCII digit, and nearly half of all update texts
    // have none (`已完成上线，进入观察期`). (A gate on the words of `what`,
    // a literal search, cost more than it saved.)
    if !has_ascii_digit(text) {
        return;
    }
    for c in PLANNED.captures_iter(text) {
        let intent = c.get(INTENT).map(|m| m.as_str().to_string());
        let full = match (c.get(Y), c.get(YM), c.get(YD)) {
            (Some(y), Some(m), Some(d)) => NaiveDate::from_ymd_opt(
                y.as_str().parse().unwrap_or(0),
                m.as_str().parse().unwrap_or(0),
                d.as_str().parse().unwrap_or(0),
            ),
            _ => None,
        };
        let (m, d) = if let Some(f) = full {
            (f.month(), f.day())
        } else if let (Some(m), Some(d)) = (c.get(M), c.get(D)) {
            (
                m.as_str().parse().unwrap_or(0),
                d.as_str().parse().unwrap_or(0),
            )
        } else if let (Some(m), Some(part)) = (c.get(M2), c.get(PART)) {
            let m: u32 = m.as_str().parse().unwrap_or(0);
            let d = match part.as_str() {
                "初" | "上旬" => 5,
                "中" | "中旬" => 15,
                _ => 28,
            };
            (m, d)
        } else if let Some(mmdd) = c.get(MMDD) {
            // `计划530上线`: month and day run together, only trusted after a
            // word of intent (otherwise `238个` could be a date).
            if intent.is_none() {
                continue;
            }
            let s = mmdd.as_str();
            let (m, d) = s.split_at(s.len() - 2);
            (m.parse().unwrap_or(0), d.parse().unwrap_or(0))
        } else {
            continue;
        };
        // A time of day (`21:42上线`) or a ratio is not a date.
        let whole = c.get(0).map_or("", |m| m.as_str());
        let before = &text[..c.get(0).map_or(0, |m| m.start())];
        if before.ends_with(['/', ':', '：', '.'])
            || before
                .chars()
                .next_back()
                .is_some_and(|ch| ch.is_ascii_digit())
        {
            continue;
        }
        // `9月12号已经提测` reports what happened, not a plan.
        if c.get(OBJ).is_some_and(|o| o.as_str().contains('已')) {
            continue;
        }
        let Some(date) = nearest_date(report, m, d) else {
            continue;
        };
        // A date on or before the report's own is news, not a plan
        // (`4/14完成上线` in the report of 4/14).
        if date <= report {
            continue;
        }
        let what = c.get(WHAT).map_or("", |m| m.as_str()).to_string();
        let p = Planned {
            date,
            what,
            intent,
            text: whole.trim().to_string(),
            nested,
        };
        if !out.iter().any(|x| x.date == p.date && x.what == p.what) {
            out.push(p);
        }
    }
}

struct Parts<'a> {
    /// The update's own words: the bullet's text, or a sub-heading's
    /// paragraphs and top-level bullets.
    own: Vec<&'a str>,
    /// Everything nested below.
    nested: Vec<String>,
}

fn nested_texts(blocks: &[Block], out: &mut Vec<String>) {
    for b in blocks {
        match b {
            Block::Paragraph { text, .. } => out.push(text.clone()),
            Block::List { items, .. } => {
                for it in items {
                    out.push(it.text.clone());
                    nested_texts(&it.children, out);
                }
            }
            Block::Table { header, rows, .. } => {
                out.extend(std::iter::once(header).chain(rows).map(|r| r.join(" | ")));
            }
        }
    }
}

fn make_update(
    name: String,
    section: &Arc<str>,
    text: String,
    parts: Parts,
    line: usize,
    anchor: &str,
    date: NaiveDate,
) -> Update {
    // Full-width figures and dates (`进度７０%`) are read as ASCII ones.
    let own = parts.own.join("\n");
    let own = ascii_digits(&own);
    let nested: Vec<_> = parts.nested.iter().map(|t| ascii_digits(t)).collect();
    let (mut overall, mut total, mut named) = (Vec::new(), Vec::new(), BTreeMap::new());
    progress_in(&own, &mut overall, &mut total, Some(&mut named));
    let (mut overall_nested, mut total_nested) = (Vec::new(), Vec::new());
    for t in &nested {
        progress_in(t, &mut overall_nested, &mut total_nested, None);
    }
    // The 总进度 figure where there is one; otherwise a single overall
    // figure in the update's own words, or else in what is nested under it.
    let progress = total.first().or(total_nested.first()).copied().or(
        match (overall.len(), overall_nested.len()) {
            (1, _) => overall.first().copied(),
            (0, 1) => overall_nested.first().copied(),
            _ => None,
        },
    );
    let mut planned = Vec::new();
    planned_in(&own, date, false, &mut planned);
    for t in &nested {
        planned_in(t, date, true, &mut planned);
    }
    // "Done" in the words of an update still short of 100% is about a
    // part of it (`新账单报表已投产在用的有117个` at 91.9%).
    let status = match status_of(&own) {
        Some(Status::Done) if progress.is_some_and(|p| p < 100.0) => None,
        s => s,
    };
    Update {
        name: name.into(),
        section: section.clone(),
        text: text.into(),
        progress,
        parts: if named.is_empty() {
            no_parts()
        } else {
            named.into()
        },
        status,
        planned: planned.into(),
        line,
        anchor: anchor.into(),
    }
}

fn section_text(s: &Section, out: &mut String) {
    let mut lines = Vec::new();
    nested_texts(&s.blocks, &mut lines);
    for l in lines {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&l);
    }
    for c in &s.children {
        out.push('\n');
        out.push_str(&c.title);
        section_text(c, out);
    }
}

fn from_item(item: &Item, section: &Arc<str>, date: NaiveDate) -> Option<Update> {
    let name = bullet_name(&item.text);
    if name.chars().count() < 2 {
        return None;
    }
    let mut nested = Vec::new();
    nested_texts(&item.children, &mut nested);
    let parts = Parts {
        own: vec![item.text.as_str()],
        nested,
    };
    Some(make_update(
        name,
        section,
        item.full_text(),
        parts,
        item.line,
        &item.anchor,
        date,
    ))
}

fn from_heading(s: &Section, section: &Arc<str>, date: NaiveDate) -> Option<Update> {
    let name = clean_name(&s.title);
    if name.chars().count() < 2 {
        return None;
    }
    let mut own: Vec<&str> = Vec::new();
    let mut nested = Vec::new();
    for b in &s.blocks {
        match b {
            Block::Paragraph { text, .. } => own.push(text),
            Block::List { items, .. } => {
                for it in items {
                    own.push(&it.text);
                    nested_texts(&it.children, &mut nested);
                }
            }
            Block::Table { .. } => nested_texts(std::slice::from_ref(b), &mut nested),
        }
    }
    for c in &s.children {
        nested.push(c.title.clone());
        let mut t = String::new();
        section_text(c, &mut t);
        nested.push(t);
    }
    let mut text = String::new();
    section_text(s, &mut text);
    Some(make_update(
        name,
        section,
        text,
        Parts { own, nested },
        s.line,
        &s.id,
        date,
    ))
}

/// The project updates of one report dated `report_date`.
pub fn updates(tree: &Section, report_date: NaiveDate, config: &ProjectsConfig) -> Vec<Update> {
    let mut out = Vec::new();
    for sec in scope(tree, &config.sections) {
        let label: Arc<str> = sec.title.trim().trim_matches(['【', '】']).trim().into();
        for b in &sec.blocks {
            if let Block::List { items, .. } = b {
                out.extend(
                    items
                        .iter()
                        .filter_map(|it| from_item(it, &label, report_date)),
                );
            }
        }
        for c in &sec.children {
            out.extend(from_heading(c, &label, report_date));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_as_str_is_its_serialized_name() {
        for s in [Status::Testing, Status::Risk, Status::Done] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }

    #[test]
    fn planned_groups_are_numbered_as_named() {
        use super::group::*;
        let names: Vec<Option<&str>> = PLANNED.capture_names().collect();
        for (i, name) in [
            (INTENT, "intent"),
            (M, "m"),
            (D, "d"),
            (Y, "y"),
            (YM, "ym"),
            (YD, "yd"),
            (M2, "m2"),
            (PART, "part"),
            (MMDD, "mmdd"),
            (OBJ, "obj"),
            (WHAT, "what"),
        ] {
            assert_eq!(names[i], Some(name), "group {i}");
        }
    }

    /// The pattern `progress_figures` scans for, as a regex: the
    /// reference its results are checked against.
    static PROGRESS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(&format!(
            r"({})\s*(?:[（(][^）)]{{0,30}}[）)])?\s*(?:[:：=]|为|达到|约)?\s*([0-9]{{1,3}}(?:\.[0-9]+)?)\s*[%％]",
            PROGRESS_KEYWORDS.join("|")
        ))
        .unwrap()
    });

    fn by_regex(text: &str) -> Vec<(usize, String, String)> {
        PROGRESS
            .captures_iter(text)
            .map(|c| {
                let start = c.get(0).unwrap().start();
                (start, c[1].to_string(), c[2].to_string())
            })
            .collect()
    }

    fn by_scanner(text: &str) -> Vec<(usize, String, String)> {
        let mut out = Vec::new();
        progress_figures(text, |f| {
            out.push((f.start, f.keyword.to_string(), f.figure.to_string()))
        });
        out
    }

    #[test]
    fn progress_scanner_finds_what_the_regex_finds() {
        let mut texts: Vec<String> = [
            "研发进度30%",
            "总进度 ：45.5 ％",
            "前端进展32%、后端进展15%",
            "进度（含联调）约 80%",
            "整体进度为100%，完成度达到 99.9%",
            "进度(v2.1) 12%",
            "完成度：70%",
            "进展 3 %",
            "进度1234%，进度12.%，进度.5%，进度 5 5%",
            "进度（没有关上的括号 50%",
            "进度（研发进度30%",
            "进度50%总进度60%研发进展7%",
            "总整体进度40%，总体进度41%，体进度42%，研发总进度43%",
            "进度（一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十）5%",
            "进度（一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一）5%",
            "进度\u{3000}：\u{a0}88\n%",
            "进度=9%进度达到 10%进度达 11%",
            "",
            "％%进度",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // The sample archive, clause by clause as `progress_in` reads it.
        for text in crate::extract::tests::sample_archive() {
            let text = ascii_digits(&text).into_owned();
            for (a, b) in clauses_with_percent(&text) {
                texts.push(text[a..b].to_string());
            }
            texts.push(text);
        }
        // And strings made of the pattern's pieces, each slot filled by a
        // choice that fits, is left out or gets in the way (a fixed seed,
        // so the same strings every run).
        let slots: [&[&str]; 10] = [
            &["", "总", "整体", "总体", "研发", "体", "x", "50%"],
            &["进度", "进展", "完成度", "完成", "进", "度"],
            &["", " ", "\u{3000}", "\n", "x"],
            &[
                "",
                "（含联调）",
                "(v2.1)",
                "（",
                "）",
                "（一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十）",
                "（研发进度3%）",
            ],
            &["", " ", "\u{a0}"],
            &["", "：", ":", "=", "为", "达到", "达", "约", "，"],
            &["", " "],
            &["1", "12", "123", "1234", "", "x"],
            &["", ".", ".5", ".25", "5"],
            &["%", "％", " %", "", "x%", "%进度", "％，"],
        ];
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..1 + next(3) {
                for slot in &slots {
                    // Mostly the choices that fit (the first few).
                    let k = if next(4) == 0 {
                        next(slot.len())
                    } else {
                        next(slot.len().min(3))
                    };
                    text.push_str(slot[k]);
                }
            }
            texts.push(text);
        }
        let mut found = 0;
        for text in &texts {
            let want = by_regex(text);
            found += want.len();
            assert_eq!(by_scanner(text), want, "{text:?}");
        }
        // The generated strings hold many figures, not just failures.
        assert!(found > 10_000, "{found}");
    }

    fn ups(md: &str, date: &str) -> Vec<Update> {
        let r = crate::markdown::tests::tree_of(md);
        let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
        updates(&r, d, &ProjectsConfig::default())
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn names_from_headings_bullets_and_brackets() {
        assert_eq!(clean_name("A. 支付账户2.0升级"), "支付账户2.0升级");
        assert_eq!(clean_name("【银行账户体系】"), "银行账户体系");
        assert_eq!(clean_name("二、风险治理"), "风险治理");
        assert_eq!(
            bullet_name("轻存管&定转佣能力建设，目标5/6上线。"),
            "轻存管&定转佣能力建设"
        );
        assert_eq!(
            bullet_name("新支付能力建设：启动商委类通道接口接入。"),
            "新支付能力建设"
        );
        assert_eq!(
            bullet_name("【银行账户体系】\n由于工作时间短"),
            "银行账户体系"
        );
        assert_eq!(
            bullet_name("账单数据质量治理结项完成。本次财务月结支持顺利"),
            "账单数据质量治理"
        );
        assert_eq!(bullet_name("POS收单系统建设"), "POS收单系统建设");
        assert_eq!(
            bullet_name("支付网关（负责人：张三）：进度60%"),
            "支付网关（负责人：张三）"
        );
        assert_eq!(bullet_name("支付网关（负责人：张三，进度60%"), "支付网关");
        assert_eq!(bullet_name("**支付中台**：进度60%"), "**支付中台**");
    }

    #[test]
    fn bullets_and_sub_headings_are_updates() {
        let md = "## 【O1 服务业务】\n\n- 轻存管&定转佣能力建设，前端进展50%、后端进展40%，当前研发资源存在不足\n- 新支付能力建设：\n    1. 银商支付宝花呗分期，预计4/11正式上线\n\n## 【O2系统升级】\n\n### A. 支付账户2.0升级\n\n本周主要进展：\n\n- 账户数据核对\n    1. 核对中\n\n## B. POS收单系统建设\n\n1. 人谷系统技术栈改造进度20%；\n\n### C. HIVE标准数仓建设\n\n- Hive数仓建设总进度：72.2%\n    \n    存量账单、报表迁移，迁移进度（总数164个）：69.29%。\n\n## 【O3 安全稳定】\n\n- 不是项目\n";
        let u = ups(md, "2023-04-14");
        let names: Vec<&str> = u.iter().map(|u| &*u.name).collect();
        assert_eq!(
            names,
            [
                "轻存管&定转佣能力建设",
                "新支付能力建设",
                "支付账户2.0升级",
                "POS收单系统建设",
                "HIVE标准数仓建设"
            ]
        );
        assert_eq!(&*u[0].section, "O1 服务业务");
        assert_eq!(
            *u[0].parts,
            BTreeMap::from([("前端".into(), 50.0), ("后端".into(), 40.0)])
        );
        assert_eq!(u[0].progress, None);
        assert_eq!(u[0].status, Some(Status::Risk), "资源存在不足");
        assert!(
            u[1].text.contains("银商支付宝花呗分期"),
            "children kept under the update"
        );
        assert_eq!(u[4].progress, Some(72.2));
        assert_eq!(u[4].parts.get("迁移"), Some(&69.29));
        assert_eq!(&*u[4].section, "O2系统升级");
        assert!(u[2].anchor.starts_with("a-"), "{}", u[2].anchor);
    }

    #[test]
    fn overall_progress_forms() {
        let one = |t: &str| ups(&format!("## 项目\n\n- 项目X，{t}\n"), "2023-09-22")[0].progress;
        assert_eq!(one("研发进度50%，预计10月中上线"), Some(50.0));
        assert_eq!(one("研发进展80%"), Some(80.0));
        assert_eq!(one("整体进度 45 %"), Some(45.0));
        assert_eq!(one("完成度：60%"), Some(60.0));
        assert_eq!(one("完成度：７０%"), Some(70.0), "full-width digits");
        assert_eq!(one("研发进度３５．５%"), Some(35.5), "and points");
        assert_eq!(one("进度83%，进展：支付转测完成"), Some(83.0));
        assert_eq!(one("整体进度45%，后端开发总进度80%"), Some(45.0));
        assert_eq!(one("测试进度80%"), None, "a part is not overall progress");
        let u = ups(
            "## 项目\n\n- 项目X，测试进度80%、前端进度 30%\n",
            "2023-09-22",
        );
        assert_eq!(
            *u[0].parts,
            BTreeMap::from([("测试".into(), 80.0), ("前端".into(), 30.0)])
        );
        // Several figures and none overall: no progress.
        let u = ups("## 项目\n\n- POS\n    1. 联调进度100%\n    2. 人谷系统技术栈改造进度40%\n    3. 通道熟悉调试进度75%\n", "2023-09-22");
        assert_eq!(u[0].progress, None);
        // One overall figure nested under the bullet.
        let u = ups(
            "## 【重点工作】\n\n- 【银行虚户建设】\n    1. 百信二类户进度83%，进展：支付转测完成\n",
            "2023-12-09",
        );
        assert_eq!((&*u[0].name, u[0].progress), ("银行虚户建设", Some(83.0)));
    }

    #[test]
    fn statuses() {
        let st = |t: &str| ups(&format!("## 项目\n\n- 项目X，{t}\n"), "2023-09-22")[0].status;
        assert_eq!(st("12/5日上线完成"), Some(Status::Done));
        assert_eq!(st("已上线"), Some(Status::Done));
        assert_eq!(st("已投产"), Some(Status::Done));
        assert_eq!(st("已完成上线"), Some(Status::Done));
        assert_eq!(st("计划下周完成上线"), None);
        assert_eq!(st("结项"), Some(Status::Done));
        assert_eq!(st("开发完成已提测"), Some(Status::Testing));
        assert_eq!(st("测试中"), Some(Status::Testing));
        assert_eq!(st("跨团队排期存在风险"), Some(Status::Risk));
        assert_eq!(st("延期至下月"), Some(Status::Risk));
        assert_eq!(st("暂停"), Some(Status::Risk));
        assert_eq!(st("资源不足"), Some(Status::Risk));
        assert_eq!(st("风险可控，进展顺利"), None);
        assert_eq!(st("按计划推进"), None);
        // English status words, whole words only, also when set in Chinese
        // without spaces.
        assert_eq!(st("checkout flow shipped"), Some(Status::Done));
        assert_eq!(st("进入Testing阶段"), Some(Status::Testing));
        assert_eq!(st("上游接口blocked中"), Some(Status::Risk));
        assert_eq!(st("undone refactoring"), None);
        assert_eq!(st("blockedness"), None);
    }

    #[test]
    fn planned_dates_with_intent() {
        let pl = |t: &str, date: &str| -> Vec<(NaiveDate, String, Option<String>)> {
            ups(&format!("## 项目\n\n- 项目X，{t}\n"), date)[0]
                .planned
                .iter()
                .map(|p| (p.date, p.what.clone(), p.intent.clone()))
                .collect()
        };
        assert_eq!(
            pl("目标5/6上线", "2023-04-21"),
            [(d("2023-05-06"), "上线".into(), Some("目标".into()))]
        );
        assert_eq!(
            pl("目标５／６上线", "2023-04-21"),
            [(d("2023-05-06"), "上线".into(), Some("目标".into()))],
            "full-width"
        );
        assert_eq!(
            pl("预计10/26上线。", "2023-09-22"),
            [(d("2023-10-26"), "上线".into(), Some("预计".into()))]
        );
        assert_eq!(
            pl("计划530上线", "2023-05-27"),
            [(d("2023-05-30"), "上线".into(), Some("计划".into()))]
        );
        assert_eq!(
            pl("12/14上线", "2023-12-09"),
            [(d("2023-12-14"), "上线".into(), None)]
        );
        assert_eq!(
            pl("预计1/9前完成全链路上线", "2023-12-09"),
            [(d("2024-01-09"), "完成".into(), Some("预计".into()))]
        );
        assert_eq!(
            pl("收银台4/13上线，4/26业务投产", "2023-04-14"),
            [(d("2023-04-26"), "投产".into(), None)]
        );
        assert_eq!(pl("计划12/7 上线、12/10 验收", "2023-12-01").len(), 2);
        assert_eq!(
            pl("计划12/7 上线、12/10 验收", "2023-12-09").len(),
            1,
            "12/7 is past by the report's date"
        );
        assert!(pl("账户异步2.0记账顺序一致改造 4/14完成上线", "2023-04-14").is_empty());
        assert_eq!(
            pl("计划6月初上线", "2023-04-21"),
            [(d("2023-06-05"), "上线".into(), Some("计划".into()))]
        );
        assert!(
            pl("238个服务上线", "2023-05-27").is_empty(),
            "a bare number is not a date"
        );
        assert!(
            pl("9月12号已经提测", "2023-09-22").is_empty(),
            "already happened"
        );
    }
}
