//! Projects across reports. Each week's updates are joined into projects by
//! name: names are normalised (numbering, 【】, spaces, a trailing 项目 or
//! 建设), `[projects.aliases]` maps names by hand, and close names are
//! matched by similarity — every such automatic match is reported so the
//! author can confirm it or split it in config.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::Page;
use crate::config::Config;
use crate::content::{ascii_slug, fnv1a};
use crate::diag::Diagnostic;
use crate::extract::projects::{Planned, Status, Update};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// Index of the report in `Site::reports`.
    pub report: usize,
    pub date: NaiveDate,
    pub week: Option<u32>,
    /// Report page (relative to the site root) and the update's anchor in it.
    /// The strings are shared with the report and its update, not copied.
    pub url: Arc<str>,
    pub anchor: Arc<str>,
    /// The name as written that week.
    pub name: Arc<str>,
    pub section: Arc<str>,
    pub progress: Option<f64>,
    pub parts: crate::extract::projects::PartFigures,
    pub status: Option<Status>,
    pub planned: Arc<[Planned]>,
    /// The update's text (both updates', when the report has two).
    pub text: Arc<str>,
    /// A planned date moved later this week.
    pub slipped: bool,
}

/// A planned date that moved later: `4/26投产 → 5/9`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Slip {
    pub what: String,
    pub from: NaiveDate,
    pub from_text: String,
    pub to: NaiveDate,
    pub to_text: String,
    /// The report that states the new date.
    pub report: usize,
    pub date: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProjectStatus {
    Active,
    Done,
    Stalled,
}

/// An automatic match of a differently written name to a project.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    pub name: String,
    pub project: String,
    pub score: f64,
    pub report: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Project {
    pub id: String,
    /// The name it goes by now (its latest), or the alias target in config.
    pub name: String,
    /// Every other name it was written as.
    pub aliases: Vec<String>,
    /// The project section it was last listed under.
    pub section: String,
    pub status: ProjectStatus,
    /// The latest update says the project is at risk.
    pub risk: bool,
    /// A planned date passed without the project being done.
    pub overdue: Option<Planned>,
    pub entries: Vec<Entry>,
    pub slips: Vec<Slip>,
    pub matches: Vec<Match>,
    /// Normalised names that lead here.
    #[serde(skip)]
    keys: Vec<String>,
    /// Named in `[projects.aliases]`: never matched by similarity.
    #[serde(skip)]
    pinned: bool,
}

impl Project {
    pub fn first_seen(&self) -> Option<NaiveDate> {
        self.entries.first().map(|e| e.date)
    }
    pub fn last_seen(&self) -> Option<NaiveDate> {
        self.entries.last().map(|e| e.date)
    }
    pub fn latest_progress(&self) -> Option<f64> {
        self.entries.iter().rev().find_map(|e| e.progress)
    }
}

/// The name used for matching: no spaces or brackets, lower case, without a
/// trailing 项目/建设/工程 (`小贝帮帮项目` and `小贝帮帮` are one project).
pub fn normalize(name: &str) -> String {
    let mut s = String::with_capacity(name.len());
    s.extend(
        name.chars()
            .filter(|c| {
                !c.is_whitespace()
                    && !matches!(c, '【' | '】' | '[' | ']' | '「' | '」' | '“' | '”' | '"')
            })
            .flat_map(char::to_lowercase),
    );
    loop {
        let before = s.len();
        for tail in ["项目", "建设", "工程", "专项"] {
            if s.chars().count() > tail.chars().count() + 1 {
                if let Some(rest) = s.strip_suffix(tail) {
                    s.truncate(rest.len());
                }
            }
        }
        if s.len() == before {
            break;
        }
    }
    s
}

/// How alike two normalised names are, 0–1: twice the longest common
/// subsequence over the total length (so one changed word of four in a
/// name still matches), or 0.9 when one name starts with the other
/// (`全房通接入` and `全房通接入业务侧优先级调低`).
pub fn similarity(a: &str, b: &str) -> f64 {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    if short.len() >= 3 && long.starts_with(short) {
        return 0.9_f64.max(lcs_ratio(&a, &b));
    }
    lcs_ratio(&a, &b)
}

fn lcs_ratio(a: &[char], b: &[char]) -> f64 {
    // Names are short; the quadratic table is a few hundred cells.
    let mut prev = vec![0usize; b.len() + 1];
    for ca in a {
        let mut cur = vec![0usize; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = if ca == cb {
                prev[j] + 1
            } else {
                prev[j + 1].max(cur[j])
            };
        }
        prev = cur;
    }
    2.0 * prev[b.len()] as f64 / (a.len() + b.len()) as f64
}

fn project_id(name: &str, taken: &mut HashMap<String, usize>) -> String {
    let slug = ascii_slug(std::path::Path::new(&format!("{name}.md")));
    let base = if name.is_ascii() && !slug.is_empty() {
        slug
    } else {
        format!("p-{:08x}", fnv1a(normalize(name).as_bytes()) as u32)
    };
    let n = taken.entry(base.clone()).or_insert(0);
    *n += 1;
    if *n == 1 {
        base
    } else {
        format!("{base}-{n}")
    }
}

fn entry_of(reports: &[Page], url: &Arc<str>, i: usize, u: &Update, date: NaiveDate) -> Entry {
    Entry {
        report: i,
        date,
        week: reports[i].doc.week.map(|w| w.1),
        url: url.clone(),
        anchor: u.anchor.clone(),
        name: u.name.clone(),
        section: u.section.clone(),
        progress: u.progress,
        parts: u.parts.clone(),
        status: u.status,
        planned: u.planned.clone(),
        text: u.text.clone(),
        slipped: false,
    }
}

/// Folds the other updates of the same project in one report into its
/// entry, all at once: folded one by one, the text and the planned dates
/// were copied again for each, quadratic in a report that names a project
/// thousands of times (40 s for a 20 MB report).
fn merge(e: &mut Entry, more: &[&Update]) {
    if more.is_empty() {
        return;
    }
    let mut text =
        String::with_capacity(e.text.len() + more.iter().map(|u| u.text.len() + 2).sum::<usize>());
    text.push_str(&e.text);
    for u in more {
        e.progress = e.progress.or(u.progress);
        if !u.parts.is_empty() {
            let parts = Arc::make_mut(&mut e.parts);
            for (k, v) in u.parts.iter() {
                parts.entry(k.clone()).or_insert(*v);
            }
        }
        e.status = e.status.max(u.status);
        text.push_str("\n\n");
        text.push_str(&u.text);
    }
    e.text = text.into();
    let planned = more.iter().flat_map(|u| u.planned.iter());
    e.planned = e.planned.iter().chain(planned).cloned().collect();
}

pub fn build(reports: &[Page], config: &Config, diags: &mut Vec<Diagnostic>) -> Vec<Project> {
    let pc = &config.projects;
    let aliases: HashMap<String, String> = pc
        .aliases
        .iter()
        .map(|(k, v)| (normalize(k), v.clone()))
        .collect();
    let pinned_keys: std::collections::HashSet<String> = pc
        .aliases
        .values()
        .map(|v| normalize(v))
        .chain(aliases.keys().cloned())
        .collect();
    let mut projects: Vec<Project> = Vec::new();
    // Each project's updates as (report, update, date), in order: their
    // entries are made once every update is placed, for all projects in
    // parallel and each list at its final size (grown one entry at a time
    // they were copied over and over, most of this stage on a big archive).
    let mut placed: Vec<Vec<(usize, usize, NaiveDate)>> = Vec::new();
    let mut by_key: FxHashMap<String, usize> = FxHashMap::default();
    let mut ids = HashMap::new();

    // Every update's name normalised up front, on every core: the loop
    // below must run in report order, on one.
    let normalized: Vec<Vec<String>> = reports
        .par_iter()
        .map(|r| {
            r.facts
                .projects
                .iter()
                .map(|u| normalize(&u.name))
                .collect()
        })
        .collect();
    for (i, r) in reports.iter().enumerate() {
        let Some(date) = r.doc.meta.date else {
            continue;
        };
        let mut seen_here: Vec<usize> = Vec::new();
        for (k, (u, norm_name)) in r.facts.projects.iter().zip(&normalized[i]).enumerate() {
            let (key, alias_target) = match aliases.get(norm_name) {
                Some(target) => (normalize(target), Some(target.clone())),
                None => (norm_name.clone(), None),
            };
            let found = by_key.get(&key).copied().or_else(|| {
                if pinned_keys.contains(&key) {
                    return None;
                }
                // The closest project not yet updated in this report.
                let best = projects
                    .iter()
                    .enumerate()
                    .filter(|(j, p)| !p.pinned && !seen_here.contains(j))
                    .map(|(j, p)| {
                        (
                            j,
                            p.keys
                                .iter()
                                .map(|k| similarity(k, &key))
                                .fold(0.0, f64::max),
                        )
                    })
                    .filter(|(_, s)| *s >= pc.similarity)
                    .max_by(|a, b| a.1.total_cmp(&b.1))?;
                let p = &mut projects[best.0];
                p.matches.push(Match {
                    name: u.name.to_string(),
                    project: p.name.clone(),
                    score: best.1,
                    report: i,
                });
                Some(best.0)
            });
            let j = match found {
                Some(j) => j,
                None => {
                    let name = alias_target.clone().unwrap_or_else(|| u.name.to_string());
                    projects.push(Project {
                        id: project_id(&name, &mut ids),
                        name,
                        aliases: Vec::new(),
                        section: u.section.to_string(),
                        status: ProjectStatus::Active,
                        risk: false,
                        overdue: None,
                        entries: Vec::new(),
                        slips: Vec::new(),
                        matches: Vec::new(),
                        keys: vec![key.clone()],
                        pinned: pinned_keys.contains(&key),
                    });
                    placed.push(Vec::new());
                    projects.len() - 1
                }
            };
            // Most updates name a project already known by that name: the
            // keys are copied only when they are new.
            for k in [&key, norm_name] {
                match by_key.get_mut(k.as_str()) {
                    Some(v) => *v = j,
                    None => {
                        by_key.insert(k.clone(), j);
                    }
                }
            }
            if !projects[j].keys.contains(&key) {
                projects[j].keys.push(key);
            }
            let p = &mut projects[j];
            let raw_key = norm_name;
            // Called by its latest name, the others becoming aliases — unless
            // the new one only adds words to a name it had (`全房通接入` →
            // `全房通接入业务侧优先级调低` is the same name with news after it).
            let extends_old = p
                .keys
                .iter()
                .any(|k| raw_key.len() > k.len() && raw_key.starts_with(k.as_str()));
            if alias_target.is_none() && !p.pinned && !extends_old {
                if *p.name != *u.name {
                    let old = std::mem::replace(&mut p.name, u.name.to_string());
                    if !p.aliases.contains(&old) {
                        p.aliases.push(old);
                    }
                }
            } else if let Some(t) = &alias_target {
                p.name = t.clone();
            }
            if *u.name != *p.name && !p.aliases.iter().any(|a| **a == *u.name) {
                p.aliases.push(u.name.to_string());
            }
            if *p.section != *u.section {
                p.section = u.section.to_string();
            }
            placed[j].push((i, k, date));
            seen_here.push(j);
        }
    }

    // One string per report page for all the entries that link to it.
    let urls: Vec<Arc<str>> = reports.iter().map(|r| r.doc.url.as_str().into()).collect();
    projects.par_iter_mut().zip(placed).for_each(|(p, placed)| {
        // Two updates in one report make one entry: `placed` is in report
        // order, so they are next to each other. Split on every core within
        // a project too: a long-running one has an entry a week for years,
        // and alone it was most of this step.
        p.entries = placed
            .par_chunk_by(|a, b| a.0 == b.0)
            .map(|run| {
                let (i, k, date) = run[0];
                let mut e = entry_of(reports, &urls[i], i, &reports[i].facts.projects[k], date);
                let more: Vec<&Update> = run[1..]
                    .iter()
                    .map(|&(i, k, _)| &reports[i].facts.projects[k])
                    .collect();
                merge(&mut e, &more);
                e
            })
            .collect();
    });

    let last_date = reports.iter().filter_map(|r| r.doc.meta.date).max();
    // Each project settled on a core of its own; the findings then in
    // project order, as one loop gave them.
    let found: Vec<Vec<Diagnostic>> = projects
        .par_iter_mut()
        .map(|p| settle(p, reports, pc, last_date))
        .collect();
    diags.extend(found.into_iter().flatten());
    projects
}

/// A project's slips, status, risk and overdue plan once its entries are
/// in, and the findings about how it was matched.
fn settle(
    p: &mut Project,
    reports: &[Page],
    pc: &crate::config::ProjectsConfig,
    last_date: Option<NaiveDate>,
) -> Vec<Diagnostic> {
    p.aliases.retain(|a| *a != p.name);
    find_slips(p);
    let last = p.entries.last();
    let done = last.is_some_and(|e| e.status == Some(Status::Done));
    let quiet_weeks = match (last_date, p.last_seen()) {
        (Some(a), Some(b)) => (a - b).num_days() / 7,
        _ => 0,
    };
    p.status = if done {
        ProjectStatus::Done
    } else if quiet_weeks >= pc.stalled_after_weeks as i64 {
        ProjectStatus::Stalled
    } else {
        ProjectStatus::Active
    };
    p.risk = last.is_some_and(|e| e.status == Some(Status::Risk));
    // The latest plan that is past by the newest report, and not done.
    if !done {
        if let (Some(today), Some(e)) = (last_date, last) {
            p.overdue = e
                .planned
                .iter()
                .filter(|x| x.date < today)
                .max_by_key(|x| x.date)
                .cloned();
        }
    }
    p.matches
        .iter()
        .map(|m| {
            Diagnostic::warning(
                &reports[m.report].doc.source,
                reports[m.report].facts.projects.iter().find(|u| *u.name == *m.name).map(|u| u.line),
                format!(
                    "project `{}` matched to `{}` by similarity ({:.2}); confirm with [projects.aliases] \"{}\" = \"{}\", or keep them apart with \"{}\" = \"{}\"",
                    m.name, m.project, m.score, m.name, m.project, m.name, m.name
                ),
            )
        })
        .collect()
}

/// A slip: the same milestone (上线, 投产…) planned for a later date than
/// the previous report said.
fn find_slips(p: &mut Project) {
    let mut last_plan: HashMap<String, Planned> = HashMap::new();
    for e in &mut p.entries {
        // Only the update's own, unambiguous plans: one date per milestone.
        // Nested items are sub-tasks with dates of their own.
        let mut own: BTreeMap<String, Vec<&Planned>> = BTreeMap::new();
        for pl in e.planned.iter().filter(|pl| !pl.nested) {
            own.entry(pl.what.clone()).or_default().push(pl);
        }
        for (what, pls) in own {
            let [pl] = pls[..] else { continue };
            if let Some(prev) = last_plan.get(&what) {
                if pl.date > prev.date && prev.date >= e.date - chrono::Duration::days(400) {
                    p.slips.push(Slip {
                        what: what.clone(),
                        from: prev.date,
                        from_text: prev.text.clone(),
                        to: pl.date,
                        to_text: pl.text.clone(),
                        report: e.report,
                        date: e.date,
                    });
                    e.slipped = true;
                }
            }
            last_plan.insert(what, pl.clone());
        }
    }
}

/// `M/D` for slip texts (`4/26投产 → 5/9`).
pub fn short_date(d: NaiveDate) -> String {
    let mut out = String::with_capacity(5);
    push_short_date(&mut out, d);
    out
}

/// `short_date`, appended to `out`: written with `itoa` rather than
/// chrono's formatter, which parsed `%-m/%-d` anew for each of the tens of
/// thousands of slips a big archive's project pages and data file show.
fn push_short_date(out: &mut String, d: NaiveDate) {
    let mut digits = itoa::Buffer::new();
    out.push_str(digits.format(d.month()));
    out.push('/');
    out.push_str(digits.format(d.day()));
}

impl Slip {
    /// `4/21上线 → 5/9`.
    pub fn describe(&self) -> String {
        let mut out = String::with_capacity(self.what.len() + 16);
        push_short_date(&mut out, self.from);
        out.push_str(&self.what);
        out.push_str(" → ");
        push_short_date(&mut out, self.to);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_dates_are_chronos_month_and_day() {
        for (y, m, d) in [(2023, 12, 31), (2024, 1, 5), (2023, 10, 1), (1999, 2, 28)] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(short_date(date), date.format("%-m/%-d").to_string());
        }
    }

    #[test]
    fn normalised_names() {
        assert_eq!(normalize("小贝帮帮项目"), "小贝帮帮");
        assert_eq!(normalize("轻存管&定转佣能力建设"), "轻存管&定转佣能力");
        assert_eq!(normalize("HIVE标准数仓建设"), "hive标准数仓");
        assert_eq!(normalize("【银行 账户体系】"), "银行账户体系");
        assert_eq!(normalize("建设"), "建设", "a name is never emptied");
    }

    #[test]
    fn similar_names() {
        let s = |a: &str, b: &str| similarity(&normalize(a), &normalize(b));
        assert!(s("轻存管&定转佣能力建设", "轻松付&定转佣能力建设") >= 0.75);
        assert!(s("全房通接入", "全房通接入业务侧优先级调低") >= 0.75);
        assert!(s("风险数据指标立项评审", "风险数据指标") >= 0.75);
        assert!(s("定转X能力建设", "轻松付&定转佣能力建设") < 0.75);
        assert!(s("银行虚户建设", "银行账户体系") < 0.75);
        assert!(s("支付系统双活", "机房双活") < 0.75);
        assert!(s("看懂账数据查询能力", "店东看懂账") < 0.75);
    }
}
