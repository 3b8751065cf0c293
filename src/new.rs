//! `chronicle new`: scaffolds next week's report beside the latest one.
//!
//! The new report copies the latest report's conventions rather than
//! imposing chronicle's: its title and file name are the latest's with the
//! week number, dates and date ranges moved on (`第50周` → `第51周`,
//! `2023/12/09` → `2023/12/15`, `（5.15-5.19）` → `（5.22-5.26）`), in the same
//! spelling and padding; its front matter or header lines are carried over
//! the same way. The body keeps the latest report's sections and bullets,
//! figures included, for the author to edit; incident lists and reflection
//! sections are emptied, and so is the list of last week's daily notes.
//!
//! Without `--date` the new report is for the week after the latest
//! report's, dated that week's Friday (the day chronicle also assumes for
//! a report that states only its week). Week numbers follow the archive's
//! convention (ISO or 1-January), across year boundaries.
//!
//! `templates/new-report.md` at the site root replaces the scaffold: it is a
//! Tera template; see `Vars` for its variables.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use chrono::{Datelike, Duration, NaiveDate};
use regex::{Captures, Regex};
use serde::Serialize;

use crate::config::Config;
use crate::content::{self, dates, Doc, Weeks};
use crate::diag::Diagnostic;
use crate::Paths;

/// A week as reports name it: its number, the year it belongs to, and the
/// report's date in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub date: NaiveDate,
    pub year: i32,
    pub week: u32,
    pub monday: NaiveDate,
}

impl Stamp {
    pub fn of(weeks: Weeks, date: NaiveDate) -> Self {
        let (year, week) = weeks.week_of(date);
        let monday = date - Duration::days(date.weekday().num_days_from_monday() as i64);
        Self {
            date,
            year,
            week,
            monday,
        }
    }
}

/// The Friday of the week after `latest`'s. Counting by Fridays keeps the
/// week number right where a convention splits a week across New Year
/// (1-January weeks: 2024-12-30 is week 53 of 2024, 2025-01-03 week 1 of 2025).
pub fn next_week(latest: NaiveDate) -> NaiveDate {
    let monday = latest - Duration::days(latest.weekday().num_days_from_monday() as i64);
    monday + Duration::days(7 + 4)
}

static WEEK_CN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"第(\s*)(\d{1,2})(\s*)周").unwrap());
static WEEK_EN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(week)(\s*)(\d{1,2})\b").unwrap());
static WEEK_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?im)^(\s*week\s*[:=]\s*)(\d{1,2})\b").unwrap());
static YEAR_WEEK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(\d{4})(-?)(w)(\d{1,2})\b").unwrap());
static WEEK_W: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\bW(\d{1,2})\b").unwrap());
static YEAR_OF_WEEK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d{4})(\s*年\s*第)").unwrap());
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\d{4})(\s*[-/.]\s*|\s*年\s*)(\d{1,2})(\s*[-/.]\s*|\s*月\s*)(\d{1,2})").unwrap()
});
static RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"([（(]\s*)(\d{1,2})([./月])(\d{1,2})(日?\s*[-~～—–至到]+\s*)(?:(\d{1,2})([./月]))?(\d{1,2})(日?\s*[）)])",
    )
    .unwrap()
});

/// `n` written as wide as `like` was, when `like` was zero-padded.
fn pad(n: u32, like: &str) -> String {
    if like.len() >= 2 && like.starts_with('0') {
        format!("{n:0width$}", width = like.len())
    } else {
        n.to_string()
    }
}

/// Moves every week number, date and date range in `s` from `from` to `to`,
/// keeping how each was written.
pub fn restyle(s: &str, from: &Stamp, to: &Stamp) -> String {
    let s = RANGE.replace_all(s, |c: &Captures| {
        let num = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
        let (Some(sm), Some(sd), Some(ed)) = (num(2), num(4), num(8)) else {
            return c[0].to_string();
        };
        let em = num(6).unwrap_or(sm);
        let (Some(start), Some(end)) = (
            dates::nearest_date(from.date, sm, sd),
            dates::nearest_date(from.date, em, ed),
        ) else {
            return c[0].to_string();
        };
        let new_start = to.monday + (start - from.monday);
        let new_end = new_start + (end - start);
        let end_month = if c.get(6).is_some() || new_end.month() != new_start.month() {
            format!(
                "{}{}",
                new_end.month(),
                c.get(7).map_or(&c[3], |m| m.as_str())
            )
        } else {
            String::new()
        };
        format!(
            "{}{}{}{}{}{}{}{}",
            &c[1],
            new_start.month(),
            &c[3],
            new_start.day(),
            &c[5],
            end_month,
            new_end.day(),
            &c[9]
        )
    });
    let s = DATE.replace_all(&s, |c: &Captures| {
        // A leading zero, or two two-digit fields between ASCII separators
        // (`2023-12-15`), means a padded style; `2023年12月29日` is not.
        let padded = c[3].starts_with('0')
            || c[5].starts_with('0')
            || (c[3].len() == 2 && c[5].len() == 2 && !c[2].contains('年'));
        let f = |n: u32| {
            if padded {
                format!("{n:02}")
            } else {
                n.to_string()
            }
        };
        format!(
            "{}{}{}{}{}",
            to.date.year(),
            &c[2],
            f(to.date.month()),
            &c[4],
            f(to.date.day())
        )
    });
    let s = YEAR_WEEK.replace_all(&s, |c: &Captures| {
        format!("{}{}{}{}", to.year, &c[2], &c[3], pad2(to.week, &c[4]))
    });
    let s = YEAR_OF_WEEK.replace_all(&s, |c: &Captures| format!("{}{}", to.year, &c[2]));
    let s = WEEK_CN.replace_all(&s, |c: &Captures| {
        format!("第{}{}{}周", &c[1], pad(to.week, &c[2]), &c[3])
    });
    let s = WEEK_KEY.replace_all(&s, |c: &Captures| format!("{}{}", &c[1], to.week));
    let s = WEEK_EN.replace_all(&s, |c: &Captures| {
        format!("{}{}{}", &c[1], &c[2], pad(to.week, &c[3]))
    });
    let s = WEEK_W.replace_all(&s, |c: &Captures| format!("W{}", pad2(to.week, &c[1])));
    s.into_owned()
}

/// `2023-w16`, `W07`: two-digit week numbers stay two digits.
fn pad2(n: u32, like: &str) -> String {
    if like.len() == 2 {
        format!("{n:02}")
    } else {
        n.to_string()
    }
}

/// Incident sections (`### 【生产事件】`) and list items that label an
/// incident list (`4. 生产稳定性事件：`; the label starts the item, so a
/// bullet that merely mentions 线上问题 keeps its children).
static INCIDENTS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)生产稳定性事件|稳定性事件|生产事件|线上问题|线上事故|故障|事故复盘|incidents?\b|outages?\b").unwrap()
});
static INCIDENT_ITEM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^[【\[]?\s*(生产稳定性事件|稳定性事件|生产事件|线上问题|线上事故|故障|incidents?\b|outages?\b)").unwrap()
});
static REFLECTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)收获与反思|反思|心得|感悟|reflections?\b|lessons?\b").unwrap()
});
/// Last week's daily notes, which belong to last week.
static DAILY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)日报|daily notes?").unwrap());
static HEADING: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^ {0,3}(#{1,6})\s+(.*)$").unwrap());
static ITEM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$").unwrap());
static FENCE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s{0,3}(```|~~~)").unwrap());

fn indent_width(s: &str) -> usize {
    s.chars().map(|c| if c == '\t' { 4 } else { 1 }).sum()
}

/// The latest report's body as a starting point for the next one: every
/// heading, paragraph and bullet kept, except the contents of incident,
/// reflection and daily-note sections and of incident list items
/// (`4. 生产稳定性事件：` keeps its line; the incidents under it go).
/// `incident_labels` are the config's `[incidents] sections`, on top of
/// the built-in names.
pub fn skeleton(body: &str, incident_labels: &[String]) -> String {
    let strip = |s: &str| s.trim_start_matches(['【', '[', ' ']).to_string();
    let labelled_heading = |t: &str| {
        incident_labels
            .iter()
            .any(|l| !l.is_empty() && t.contains(l.as_str()))
    };
    let labelled_item = |t: &str| {
        let t = strip(t);
        incident_labels
            .iter()
            .any(|l| !l.is_empty() && t.starts_with(l.as_str()))
    };
    let mut out: Vec<&str> = Vec::new();
    // Skipping a section's content until a heading of this level or higher.
    let mut skip_section: Option<usize> = None;
    // Skipping an item's content: (its indent, ordered?).
    let mut skip_item: Option<(usize, bool)> = None;
    let mut in_fence = false;
    for line in body.lines() {
        if FENCE.is_match(line) {
            in_fence = !in_fence;
        } else if !in_fence {
            if let Some(h) = HEADING.captures(line) {
                let level = h[1].len();
                skip_item = None;
                if skip_section.is_some_and(|l| level > l) {
                    continue;
                }
                skip_section = None;
                if out.last().is_some_and(|l| !l.trim().is_empty()) {
                    out.push("");
                }
                let title = &h[2];
                if INCIDENTS.is_match(title)
                    || labelled_heading(title)
                    || REFLECTION.is_match(title)
                    || DAILY.is_match(title)
                {
                    out.push(line);
                    out.push("");
                    skip_section = Some(level);
                    continue;
                }
            } else if let Some(item) = ITEM.captures(line) {
                let indent = indent_width(&item[1]);
                let ordered = item[2].ends_with(['.', ')']);
                if let Some((at, kind)) = skip_item {
                    if indent < at || (indent == at && ordered == kind) {
                        skip_item = None;
                    }
                }
                if skip_section.is_none()
                    && skip_item.is_none()
                    && (INCIDENT_ITEM.is_match(&item[3]) || labelled_item(&item[3]))
                {
                    out.push(line);
                    skip_item = Some((indent, ordered));
                    continue;
                }
            }
        }
        if skip_section.is_none() && skip_item.is_none() {
            out.push(line);
        }
    }
    // No runs of blank lines where content was taken out.
    let mut text = String::new();
    let mut blank = 0;
    for l in out {
        if l.trim().is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        text.push_str(l.trim_end());
        text.push('\n');
    }
    text.trim_matches('\n').to_string() + "\n"
}

static PROPERTY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\p{L}[\p{L}\p{N} _-]{0,30}: \S").unwrap());
static PELICAN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^(title|date|week|tags|draft):").unwrap());

/// The latest report's metadata (front matter, header lines, title line)
/// moved to the new week. Notion's property lines (`Created: …`, the export
/// time) and its repeated title are left out: they would be wrong.
fn header(doc: &Doc, from: &Stamp, to: &Stamp, date_style: &str) -> String {
    let head = &doc.text[..doc.body_offset];
    let mut out = String::new();
    let mut lines = head.lines().peekable();
    let mut has_title = false;
    let mut h1_written = false;
    let mut dated = false;
    if let Some(first) = lines.peek().copied() {
        if first == "+++" || first == "---" {
            let fence = first;
            out.push_str(fence);
            out.push('\n');
            lines.next();
            for l in lines.by_ref() {
                let moved = restyle(l, from, to);
                dated |= DATE.is_match(&moved) && l.trim_start().starts_with("date");
                has_title |= l.trim_start().starts_with("title");
                out.push_str(&moved);
                out.push('\n');
                if l == fence {
                    break;
                }
            }
        }
    }
    for l in lines {
        if l.trim().is_empty() {
            continue;
        }
        if PELICAN.is_match(l) {
            dated |= l.to_ascii_lowercase().starts_with("date");
            has_title |= l.to_ascii_lowercase().starts_with("title");
            out.push_str(&restyle(l, from, to));
            out.push('\n');
        } else if let Some(t) = l.strip_prefix("# ") {
            if h1_written {
                continue; // Notion's repeated title
            }
            h1_written = true;
            let mut title = restyle(t.trim(), from, to);
            if !dated && !DATE.is_match(&title) && !date_style.is_empty() {
                // `# 第50周` from `第50周 2023-12-09.md`: the title gets the
                // date the file name carries, so the report dates itself.
                title.push(' ');
                title.push_str(date_style);
            }
            if !out.is_empty() && !out.ends_with("\n\n") {
                out.push('\n');
            }
            out.push_str("# ");
            out.push_str(&title);
            out.push('\n');
            has_title = true;
        } else if PROPERTY.is_match(l) {
            continue;
        } else {
            out.push_str(l);
            out.push('\n');
        }
    }
    if !has_title {
        out.push_str(&format!("# {}\n", restyle(doc.title(), from, to)));
    }
    out
}

/// The variables `templates/new-report.md` sees.
#[derive(Serialize)]
pub struct Vars {
    /// The new report's title, as the default scaffold writes it.
    pub title: String,
    /// Its date (`2023-12-15`) and the parts of it.
    pub date: String,
    pub year: i32,
    pub month: u32,
    pub day: u32,
    /// Week number and the year it belongs to, by the archive's convention.
    pub week: u32,
    pub week_year: i32,
    /// First and last day of the week (`2023-12-11`, `2023-12-17`).
    pub monday: String,
    pub sunday: String,
    /// The new file, relative to the content folder.
    pub file: String,
    /// The default scaffold's metadata (title line, front matter) and body;
    /// `{{ header }}\n{{ skeleton }}` is the default scaffold.
    pub header: String,
    pub skeleton: String,
    /// The latest report, when there is one.
    pub previous: Option<Previous>,
}

#[derive(Serialize)]
pub struct Previous {
    pub title: String,
    pub date: String,
    pub week: u32,
    pub week_year: i32,
    /// Relative to the content folder.
    pub file: String,
    /// Its whole body, after the metadata.
    pub body: String,
}

/// The new report: where it goes (relative to the content folder) and its text.
pub struct Scaffold {
    pub content_dir: PathBuf,
    pub file: PathBuf,
    pub text: String,
}

fn err(path: impl AsRef<Path>, msg: impl Into<String>) -> Diagnostic {
    Diagnostic::error(path, None, msg)
}

/// Works out next week's report without writing anything.
pub fn scaffold(paths: &Paths, date: Option<NaiveDate>) -> Result<Scaffold, Diagnostic> {
    let config_path = paths
        .config
        .clone()
        .unwrap_or_else(|| paths.root.join("config.toml"));
    let (config, _) = Config::load(&config_path, paths.config.is_some()).map_err(|e| e.0)?;
    let (content_dir, output_dir) = crate::resolve_dirs(paths, &config);
    if !content_dir.is_dir() {
        return Err(err(&content_dir, "content folder not found"));
    }
    let archive = content::load(&content_dir, &config, &[crate::absolute(&output_dir)]);
    let weeks = archive.weeks.unwrap_or(Weeks::Iso);
    let latest = archive.reports.iter().rev().find(|r| r.meta.date.is_some());
    let new_date = match (date, latest.and_then(|l| l.meta.date)) {
        (Some(d), _) => d,
        (None, Some(last)) => next_week(last),
        (None, None) => {
            return Err(err(
                &content_dir,
                "no dated report to follow; give the new report's date with --date YYYY-MM-DD",
            ))
        }
    };
    let to = Stamp::of(weeks, new_date);
    if let Some(same) = archive
        .reports
        .iter()
        .find(|r| r.week == Some((to.year, to.week)))
    {
        return Err(err(
            content_dir.join(&same.source),
            format!(
                "week {} of {} already has this report; not writing another",
                to.week, to.year
            ),
        ));
    }

    let (file, header_text, skeleton_text, previous) = match latest {
        Some(l) => {
            let last = l.meta.date.unwrap_or(new_date);
            let from = Stamp::of(weeks, last);
            let stem = content::meta::clean_stem(&l.source);
            let new_stem = restyle(&stem, &from, &to);
            let ext = l
                .source
                .extension()
                .map_or("md".to_string(), |e| e.to_string_lossy().into_owned());
            let name = if new_stem == stem {
                format!("{}.{ext}", content::iso(new_date))
            } else {
                format!("{new_stem}.{ext}")
            };
            let mut dir = l.source.parent().unwrap_or(Path::new("")).to_path_buf();
            // Reports kept in year folders: a new year gets its own.
            if dir
                .file_name()
                .is_some_and(|n| n.to_string_lossy() == last.year().to_string())
                && new_date.year() != last.year()
            {
                dir.set_file_name(new_date.year().to_string());
            }
            // The date as the file name writes it, for a title without one.
            let date_style = DATE
                .find(&new_stem)
                .map(|m| m.as_str().to_string())
                .unwrap_or_default();
            let prev = Previous {
                title: l.title().to_string(),
                date: content::iso(last),
                week: from.week,
                week_year: from.year,
                file: l.source.to_string_lossy().into_owned(),
                body: l.body().to_string(),
            };
            (
                dir.join(name),
                header(l, &from, &to, &date_style),
                skeleton(l.body(), &config.incidents.sections),
                Some(prev),
            )
        }
        None => (
            PathBuf::from(format!("{}.md", content::iso(new_date))),
            format!("# {}\n", content::iso(new_date)),
            String::new(),
            None,
        ),
    };
    let title = header_text
        .lines()
        .find_map(|l| l.strip_prefix("# "))
        .unwrap_or_default()
        .to_string();
    let vars = Vars {
        title,
        date: content::iso(new_date),
        year: new_date.year(),
        month: new_date.month(),
        day: new_date.day(),
        week: to.week,
        week_year: to.year,
        monday: content::iso(to.monday),
        sunday: content::iso(to.monday + Duration::days(6)),
        file: file.to_string_lossy().into_owned(),
        header: header_text,
        skeleton: skeleton_text,
        previous,
    };
    let template_path = paths.root.join("templates").join("new-report.md");
    let text = match std::fs::read_to_string(&template_path) {
        Ok(template) => {
            let ctx = tera::Context::from_serialize(&vars)
                .map_err(|e| err(&template_path, e.to_string()))?;
            tera::Tera::one_off(&template, &ctx, false).map_err(|e| {
                let (msg, line) = crate::render::theme::tera_error(&e);
                Diagnostic::error(&template_path, line, format!("template error: {msg}"))
            })?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if vars.skeleton.is_empty() {
                vars.header.clone()
            } else {
                format!("{}\n{}", vars.header, vars.skeleton)
            }
        }
        Err(e) => return Err(err(&template_path, format!("cannot read: {e}"))),
    };
    Ok(Scaffold {
        content_dir,
        file,
        text,
    })
}

/// Writes next week's report and returns its path. Never overwrites.
pub fn run(paths: &Paths, date: Option<NaiveDate>) -> Result<PathBuf, Diagnostic> {
    let s = scaffold(paths, date)?;
    let path = s.content_dir.join(&s.file);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| err(dir, format!("cannot create folder: {e}")))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => err(&path, "already exists; not overwritten"),
            _ => err(&path, format!("cannot write: {e}")),
        })?;
    f.write_all(s.text.as_bytes())
        .map_err(|e| err(&path, format!("cannot write: {e}")))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn next(weeks: Weeks, last: &str) -> (String, i32, u32) {
        let n = next_week(d(last));
        let s = Stamp::of(weeks, n);
        (content::iso(n), s.year, s.week)
    }

    #[test]
    fn next_week_in_both_conventions() {
        // The samples: 1-January weeks, 2023-12-09 is week 50.
        assert_eq!(
            next(Weeks::Jan1, "2023-12-09"),
            ("2023-12-15".into(), 2023, 51)
        );
        assert_eq!(
            next(Weeks::Iso, "2023-12-09"),
            ("2023-12-15".into(), 2023, 50)
        );
        // Across New Year, 1-January: week 53 of 2023, then week 1 of 2024.
        assert_eq!(
            next(Weeks::Jan1, "2023-12-22"),
            ("2023-12-29".into(), 2023, 53)
        );
        assert_eq!(
            next(Weeks::Jan1, "2023-12-29"),
            ("2024-01-05".into(), 2024, 1)
        );
        assert_eq!(
            next(Weeks::Jan1, "2024-01-05"),
            ("2024-01-12".into(), 2024, 2)
        );
        // A week split by New Year is numbered by its Friday.
        assert_eq!(
            next(Weeks::Jan1, "2024-12-27"),
            ("2025-01-03".into(), 2025, 1)
        );
        // ISO: 2023 has 52 weeks; 2020 has 53, and its week 53 ends in 2021.
        assert_eq!(
            next(Weeks::Iso, "2023-12-29"),
            ("2024-01-05".into(), 2024, 1)
        );
        assert_eq!(
            next(Weeks::Iso, "2020-12-25"),
            ("2021-01-01".into(), 2020, 53)
        );
        assert_eq!(
            next(Weeks::Iso, "2021-01-01"),
            ("2021-01-08".into(), 2021, 1)
        );
        // A Saturday or Sunday report still leads to the next week's Friday.
        assert_eq!(
            next(Weeks::Jan1, "2023-05-27"),
            ("2023-06-02".into(), 2023, 22 + 1)
        );
        assert_eq!(
            next(Weeks::Iso, "2023-04-16"),
            ("2023-04-21".into(), 2023, 16)
        );
    }

    fn moved(s: &str, from: &str, to: &str, weeks: Weeks) -> String {
        restyle(s, &Stamp::of(weeks, d(from)), &Stamp::of(weeks, d(to)))
    }

    #[test]
    fn titles_keep_their_spelling() {
        let j = Weeks::Jan1;
        assert_eq!(
            moved("第16周 2023-04-14", "2023-04-14", "2023-04-21", j),
            "第17周 2023-04-21"
        );
        assert_eq!(
            moved("第19周 2023/05/05", "2023-05-05", "2023-05-12", j),
            "第20周 2023/05/12"
        );
        assert_eq!(
            moved("第10周 2023.3.3", "2023-03-03", "2023-03-10", j),
            "第11周 2023.3.10"
        );
        assert_eq!(
            moved(
                "2023年第21周周报（5.15-5.19）",
                "2023-05-19",
                "2023-05-26",
                j
            ),
            "2023年第22周周报（5.22-5.26）"
        );
        assert_eq!(
            moved(
                "2023年第53周周报（12.25-12.29）",
                "2023-12-29",
                "2024-01-05",
                j
            ),
            "2024年第1周周报（1.1-1.5）"
        );
        assert_eq!(
            moved("周报（4.24-4.28）", "2023-04-28", "2023-05-05", j),
            "周报（5.1-5.5）"
        );
        assert_eq!(
            moved("周报（4.26-5.2）", "2023-04-28", "2023-05-05", j),
            "周报（5.3-5.9）"
        );
        assert_eq!(
            moved("2023-w52", "2023-12-29", "2024-01-05", Weeks::Iso),
            "2024-w01"
        );
        assert_eq!(
            moved(
                "Week 52, 2023年12月29日",
                "2023-12-29",
                "2024-01-05",
                Weeks::Iso
            ),
            "Week 1, 2024年1月5日"
        );
        assert_eq!(
            moved("week = 50", "2023-12-09", "2023-12-15", j),
            "week = 51"
        );
        assert_eq!(
            moved("W09 report", "2023-02-24", "2023-03-03", j),
            "W10 report"
        );
    }

    #[test]
    fn skeleton_keeps_projects_and_empties_incidents_and_reflections() {
        let body = "\
## 【系统运行数据】

- 入金有效成功率：99.99%

## 【O3 安全稳定、降本提效】

1. 新灾备机房建设，进度50%
2. 生产稳定性事件：
- 4/10 23:09 钱包鉴权接口收到大量403
原因：疑似外部异常扫描
- 4/11 21:00 收到网联漏洞通知
    处置：网络隔离
3. 短信降本治理启动
- 稳定性度量
    1. 新增线上问题跟进

### 【生产事件】

- 12/04 10:29 监控发现清结算POS试算未满足结算条件

## 【其他】

1. 春季晋升述职

# 本周收获与反思

一周的会议，有很多收获。

## 子标题

- 更多反思

# 下周工作及目标

1. 稳定性问题复盘

# 日报合集

[2023/04/16 周日](2023-04-16%20周日_xq6X.md)
";
        let s = skeleton(body, &[]);
        assert!(s.contains("- 入金有效成功率：99.99%"), "{s}");
        assert!(s.contains("1. 新灾备机房建设，进度50%"), "{s}");
        assert!(s.contains("2. 生产稳定性事件："), "{s}");
        assert!(!s.contains("钱包鉴权"), "{s}");
        assert!(!s.contains("处置"), "{s}");
        assert!(s.contains("3. 短信降本治理启动"), "{s}");
        assert!(s.contains("2. 生产稳定性事件：\n3."), "{s}");
        assert!(s.contains("- 稳定性度量\n    1. 新增线上问题跟进"), "{s}");
        assert!(s.contains("### 【生产事件】\n\n## 【其他】"), "{s}");
        assert!(!s.contains("清结算"), "{s}");
        assert!(s.contains("# 本周收获与反思\n\n# 下周工作及目标"), "{s}");
        assert!(!s.contains("很多收获") && !s.contains("更多反思"), "{s}");
        assert!(s.contains("1. 稳定性问题复盘"), "{s}");
        assert!(s.trim_end().ends_with("# 日报合集"), "{s}");
    }

    #[test]
    fn configured_incident_sections_are_emptied_too() {
        let body = "## 值班记录\n\n- 12/01 支付超时\n\n## 进展\n\n1. 项目A 50%\n2. 【值班告警】\n- 12/02 磁盘满\n3. 项目B 20%\n";
        let labels = vec!["值班记录".to_string(), "值班告警".to_string()];
        let s = skeleton(body, &labels);
        assert!(!s.contains("支付超时") && !s.contains("磁盘满"), "{s}");
        assert!(
            s.contains("## 值班记录") && s.contains("2. 【值班告警】"),
            "{s}"
        );
        assert!(
            s.contains("1. 项目A 50%") && s.contains("3. 项目B 20%"),
            "{s}"
        );
        // Without the config they are ordinary sections.
        assert!(skeleton(body, &[]).contains("支付超时"));
    }

    #[test]
    fn fenced_code_is_not_a_heading() {
        let s = skeleton(
            "# 反思\n\ntext\n\n# 代码\n\n```\n# 反思\nkeep me\n```\n",
            &[],
        );
        assert!(s.contains("keep me"), "{s}");
        assert!(!s.contains("text"), "{s}");
    }
}
