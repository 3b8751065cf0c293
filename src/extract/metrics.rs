//! Metric figures. A figure is a label followed by a value, found in the
//! report's metric sections (or where its definition says), in a paragraph,
//! a list item at any depth, or a table (label and value in one cell, in
//! neighbouring cells of a row, or under a header).

use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;
use serde::Serialize;

use super::text::{clauses, norm, number_at, parse_number, value_after_label};
use crate::config::Config;
use crate::markdown::{Block, Section};

/// One figure of a configured metric in one report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    /// Index into `config.metrics`.
    pub metric: usize,
    pub value: f64,
    pub percent: bool,
    pub line: usize,
    /// Anchor of the list item or heading it was found under.
    pub anchor: String,
}

/// A label–number pair seen in a metric section, for zero-config discovery.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub label: String,
    pub value: f64,
    pub percent: bool,
    /// The short lead-in paragraph (`成功率：`) or heading it sits under.
    pub group: String,
    pub line: usize,
    pub anchor: String,
}

/// The metric definitions compiled once per build: one automaton over all
/// labels (leftmost-longest, so `一次支付成功率` is never also read as
/// `支付成功率`), and the patterns.
#[derive(Debug)]
pub struct Compiled {
    labels: Option<AhoCorasick>,
    /// For each automaton pattern, the metric it belongs to.
    label_metric: Vec<usize>,
    patterns: Vec<Option<Regex>>,
    /// Distinct scopes, and each metric's scope index.
    scopes: Vec<Vec<String>>,
    metric_scope: Vec<usize>,
}

impl Compiled {
    pub fn new(config: &Config) -> Self {
        let mut words = Vec::new();
        let mut label_metric = Vec::new();
        for (i, m) in config.metrics.iter().enumerate() {
            for l in m.labels.iter().filter(|l| !l.trim().is_empty()) {
                words.push(l.trim().to_string());
                label_metric.push(i);
            }
        }
        let labels = (!words.is_empty())
            .then(|| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&words)
                    .ok()
            })
            .flatten();
        let patterns = config
            .metrics
            .iter()
            .map(|m| m.pattern.as_deref().and_then(|p| Regex::new(p).ok()))
            .collect();
        let mut scopes: Vec<Vec<String>> = Vec::new();
        let metric_scope = config
            .metrics
            .iter()
            .map(|m| {
                let s = if m.sections.is_empty() {
                    config.metric_sections.clone()
                } else {
                    m.sections.clone()
                };
                scopes.iter().position(|x| *x == s).unwrap_or_else(|| {
                    scopes.push(s);
                    scopes.len() - 1
                })
            })
            .collect();
        Self {
            labels,
            label_metric,
            patterns,
            scopes,
            metric_scope,
        }
    }
}

/// A piece of text with where it came from.
struct Unit<'a> {
    text: &'a str,
    line: usize,
    anchor: &'a str,
    group: &'a str,
}

/// Sections whose heading names one of `names` (as a substring, ignoring
/// 【】 and spaces), with everything below them; `*` is the whole report.
pub fn scope<'a>(root: &'a Section, names: &[String]) -> Vec<&'a Section> {
    if names.iter().any(|n| n == "*") {
        return vec![root];
    }
    let wanted: Vec<String> = names
        .iter()
        .map(|n| norm(n))
        .filter(|n| !n.is_empty())
        .collect();
    let mut out = Vec::new();
    fn visit<'a>(s: &'a Section, wanted: &[String], out: &mut Vec<&'a Section>) {
        let t = norm(&s.title);
        if !t.is_empty() && wanted.iter().any(|w| t.contains(w.as_str())) {
            out.push(s);
            return;
        }
        for c in &s.children {
            visit(c, wanted, out);
        }
    }
    visit(root, &wanted, &mut out);
    out
}

fn units_of<'a>(sections: &[&'a Section], tables: &mut Vec<(&'a Block, &'a str)>) -> Vec<Unit<'a>> {
    let mut out = Vec::new();
    for top in sections {
        for s in top.walk() {
            let mut group: &str = &s.title;
            for b in &s.blocks {
                push_block(b, s, &mut group, &mut out, tables);
            }
        }
    }
    out
}

fn push_block<'a>(
    b: &'a Block,
    s: &'a Section,
    group: &mut &'a str,
    out: &mut Vec<Unit<'a>>,
    tables: &mut Vec<(&'a Block, &'a str)>,
) {
    match b {
        Block::Paragraph { text, line } => {
            // A short line ending in a colon (`成功率：`) introduces what follows.
            let t = text.trim();
            if t.chars().count() <= 20 && (t.ends_with('：') || t.ends_with(':')) {
                *group = t.trim_end_matches(['：', ':']);
            }
            out.push(Unit {
                text,
                line: *line,
                anchor: &s.id,
                group,
            });
        }
        Block::List { items, .. } => {
            for it in items {
                out.push(Unit {
                    text: &it.text,
                    line: it.line,
                    anchor: &it.anchor,
                    group,
                });
                let mut g = *group;
                for c in &it.children {
                    push_block(c, s, &mut g, out, tables);
                }
            }
        }
        Block::Table { header, rows, line } => {
            tables.push((b, &s.id));
            for cell in header.iter().chain(rows.iter().flatten()) {
                out.push(Unit {
                    text: cell,
                    line: *line,
                    anchor: &s.id,
                    group,
                });
            }
        }
    }
}

/// Columns that hold the current value in a table with several value columns.
fn is_current_column(h: &str) -> bool {
    let h = norm(h);
    [
        "本周", "本期", "当前", "本月", "current", "thisweek", "value", "数值", "值",
    ]
    .iter()
    .any(|k| h == *k || h.starts_with(k))
}

fn cell_value(cell: &str) -> Option<(f64, bool)> {
    let t = cell.trim();
    let v = number_at(t, 0)?;
    // The whole cell must be the figure (`99.99%`, `1,047`), not prose.
    (t[v.end..].trim().chars().count() <= 2).then_some((v.value, v.percent))
}

/// Figures of the configured metrics in one report: the first figure of
/// each metric in document order.
pub fn figures(root: &Section, compiled: &Compiled) -> Vec<Figure> {
    let mut found: HashMap<usize, Figure> = HashMap::default();
    for (scope_idx, names) in compiled.scopes.iter().enumerate() {
        let in_scope = |m: usize| compiled.metric_scope[m] == scope_idx;
        let sections = scope(root, names);
        let mut tables = Vec::new();
        let units = units_of(&sections, &mut tables);
        fn add(
            found: &mut HashMap<usize, Figure>,
            metric: usize,
            v: (f64, bool),
            line: usize,
            anchor: &str,
        ) {
            found.entry(metric).or_insert_with(|| Figure {
                metric,
                value: v.0,
                percent: v.1,
                line,
                anchor: anchor.to_string(),
            });
        }
        for u in &units {
            if let Some(ac) = &compiled.labels {
                for m in ac.find_iter(u.text) {
                    let metric = compiled.label_metric[m.pattern().as_usize()];
                    if in_scope(metric) && !found.contains_key(&metric) {
                        if let Some(v) = value_after_label(u.text, m.end()) {
                            add(&mut found, metric, (v.value, v.percent), u.line, u.anchor);
                        }
                    }
                }
            }
            for (metric, re) in compiled.patterns.iter().enumerate() {
                let Some(re) = re else { continue };
                if !in_scope(metric) || found.contains_key(&metric) {
                    continue;
                }
                if let Some(c) = re.captures(u.text).and_then(|c| c.get(1)) {
                    let raw = c.as_str().trim();
                    let percent = raw.ends_with(['%', '％'])
                        || u.text[c.end()..].trim_start().starts_with(['%', '％']);
                    if let Some(v) = parse_number(raw.trim_end_matches(['%', '％']).trim()) {
                        add(&mut found, metric, (v, percent), u.line, u.anchor);
                    }
                }
            }
        }
        // Tables where the label has a cell of its own.
        if let Some(ac) = &compiled.labels {
            for (table, anchor) in tables {
                let Block::Table { header, rows, line } = table else {
                    continue;
                };
                let current = header.iter().position(|h| is_current_column(h));
                let label_of = |cell: &str| -> Option<usize> {
                    let m = ac.find(cell)?;
                    let metric = compiled.label_metric[m.pattern().as_usize()];
                    (in_scope(metric) && value_after_label(cell, m.end()).is_none())
                        .then_some(metric)
                };
                for row in rows {
                    for (i, cell) in row.iter().enumerate() {
                        let Some(metric) = label_of(cell) else {
                            continue;
                        };
                        let value = match current.filter(|&c| c > i) {
                            Some(c) => row.get(c).and_then(|x| cell_value(x)),
                            None => row[i + 1..].iter().find_map(|x| cell_value(x)),
                        };
                        if let Some((v, p)) = value {
                            add(&mut found, metric, (v, p), *line, anchor);
                        }
                        break;
                    }
                }
                for (i, h) in header.iter().enumerate() {
                    if let Some(metric) = label_of(h) {
                        if let Some((v, p)) = rows
                            .first()
                            .and_then(|r| r.get(i))
                            .and_then(|x| cell_value(x))
                        {
                            add(&mut found, metric, (v, p), *line, anchor);
                        }
                    }
                }
            }
        }
    }
    let mut out: Vec<Figure> = found.into_values().collect();
    out.sort_by_key(|f| f.metric);
    out
}

/// Label–number pairs in the metric sections: what zero-config discovery
/// turns into series when the same label recurs across reports.
pub fn candidates(root: &Section, config: &Config) -> Vec<Candidate> {
    let sections = scope(root, &config.metric_sections);
    let mut tables = Vec::new();
    let units = units_of(&sections, &mut tables);
    let mut out: Vec<Candidate> = Vec::new();
    for u in &units {
        for (a, b) in clauses(u.text) {
            let clause = &u.text[a..b];
            // The first digit that starts a figure, not one inside a label
            // such as `O2` or `账户2.0` (a digit right after a letter).
            let Some(pos) = clause.char_indices().find_map(|(i, c)| {
                let prev = clause[..i].chars().next_back();
                (c.is_ascii_digit() && !prev.is_some_and(|p| p.is_ascii_alphabetic() || p == '.'))
                    .then_some(i)
            }) else {
                continue;
            };
            let label: String = clause[..pos]
                .trim()
                .trim_end_matches(['：', ':', '=', '为', '是'])
                .trim()
                .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c.is_whitespace())
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let n = label.chars().count();
            if n == 0 || n > 24 || !label.chars().any(|c| c.is_alphabetic()) {
                continue;
            }
            let Some(v) = number_at(clause, pos) else {
                continue;
            };
            // A figure ends its clause, bar a unit (`1次`, `704分`); text
            // after the number means it was part of a name (`账户2.0迁移完成`).
            if clause[v.end..].trim().chars().count() > 3 {
                continue;
            }
            if out.iter().any(|c| c.label == label) {
                continue;
            }
            out.push(Candidate {
                label,
                value: v.value,
                percent: v.percent,
                group: u.group.trim_matches(['【', '】']).to_string(),
                line: u.line,
                anchor: u.anchor.to_string(),
            });
        }
    }
    out
}

pub type Shared = Arc<Compiled>;

#[cfg(test)]
mod tests {
    use super::*;

    fn config(extra: &str) -> Config {
        let base = r#"
[[metrics]]
name = "入金有效成功率"
unit = "%"
labels = ["入金有效成功率"]
[[metrics]]
name = "出金有效成功率"
unit = "%"
labels = ["出金有效成功率"]
[[metrics]]
name = "支付成功率"
unit = "%"
labels = ["支付成功率"]
[[metrics]]
name = "一次支付成功率"
unit = "%"
labels = ["一次支付成功率"]
[[metrics]]
name = "AB级事故"
labels = ["AB级事故", "AB级"]
[[metrics]]
name = "CD级事故"
labels = ["CD级事故", "CD级"]
[[metrics]]
name = "健康分"
labels = ["健康分"]
sections = ["*"]
[[metrics]]
name = "普通记账TPS"
pattern = '普通记账\s*\d+\s*并发线程数?\s*tps\s*最大\s*([\d,.]+)'
sections = ["*"]
[[metrics]]
name = "交易笔数"
labels = ["交易笔数"]
"#;
        Config::parse(
            &format!("{base}{extra}"),
            std::path::Path::new("config.toml"),
        )
        .unwrap()
        .0
    }

    /// name → value of every figure found in `md`.
    fn found(md: &str) -> Vec<(String, f64)> {
        let c = config("");
        let r = crate::markdown::tests::tree_of(md);
        figures(&r, c.compiled_metrics())
            .into_iter()
            .map(|f| (c.metrics[f.metric].name.clone(), f.value))
            .collect()
    }

    fn one(md: &str, name: &str) -> Option<f64> {
        found(md)
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    const H: &str = "## 【系统运行数据】\n\n";

    #[test]
    fn every_separator_between_label_and_value() {
        for line in [
            "- 入金有效成功率：99.98%",
            "- 入金有效成功率:99.98%",
            "- 入金有效成功率: 99.98%",
            "- 入金有效成功率为99.98%",
            "- 入金有效成功率 99.98%",
            "- 入金有效成功率 99.98 %",
            "- 入金有效成功率：99.98％",
            "入金有效成功率：99.98%",
        ] {
            assert_eq!(
                one(&format!("{H}{line}\n"), "入金有效成功率"),
                Some(99.98),
                "{line}"
            );
        }
    }

    #[test]
    fn several_metrics_on_one_line() {
        for line in [
            "- 出金有效成功率：99.975% ，一次支付成功率：99.280%",
            "- 出金有效成功率：99.975%；一次支付成功率：99.280%。",
            "- 出金有效成功率99.975%、一次支付成功率99.280%",
        ] {
            let md = format!("{H}{line}\n");
            assert_eq!(one(&md, "出金有效成功率"), Some(99.975), "{line}");
            assert_eq!(one(&md, "一次支付成功率"), Some(99.28), "{line}");
            assert_eq!(one(&md, "支付成功率"), None, "a longer label wins: {line}");
        }
    }

    #[test]
    fn incident_counts_both_forms() {
        let md = format!("{H}- 事故数AB级0次，CD级1次\n");
        assert_eq!(
            (one(&md, "AB级事故"), one(&md, "CD级事故")),
            (Some(0.0), Some(1.0))
        );
        let md = format!("{H}- 事故数：AB级1次、CD级0次\n");
        assert_eq!(
            (one(&md, "AB级事故"), one(&md, "CD级事故")),
            (Some(1.0), Some(0.0))
        );
        let md = format!("{H}- AB级事故 2 次\n");
        assert_eq!(one(&md, "AB级事故"), Some(2.0));
    }

    #[test]
    fn sub_bullets_and_paragraphs() {
        let md = format!(
            "{H}- 成功率\n    - 入金有效成功率：99.99%\n        1. 出金有效成功率：99.90%\n"
        );
        assert_eq!(one(&md, "入金有效成功率"), Some(99.99));
        assert_eq!(one(&md, "出金有效成功率"), Some(99.9));
    }

    #[test]
    fn table_forms() {
        let cell = format!("{H}| 项目 | 说明 |\n|---|---|\n| 成功率 | 入金有效成功率：99.97% |\n");
        assert_eq!(one(&cell, "入金有效成功率"), Some(99.97));
        let row = format!("{H}| 指标 | 数值 |\n|---|---|\n| 入金有效成功率 | 99.96% |\n| 交易笔数 | 1,234,567 |\n");
        assert_eq!(one(&row, "入金有效成功率"), Some(99.96));
        assert_eq!(one(&row, "交易笔数"), Some(1234567.0));
        let current = format!(
            "{H}| 指标 | 上周 | 本周 |\n|---|---|---|\n| 入金有效成功率 | 99.90% | 99.95% |\n"
        );
        assert_eq!(one(&current, "入金有效成功率"), Some(99.95));
        let header =
            format!("{H}| 入金有效成功率 | 出金有效成功率 |\n|---|---|\n| 99.94% | 99.93% |\n");
        assert_eq!(one(&header, "入金有效成功率"), Some(99.94));
        assert_eq!(one(&header, "出金有效成功率"), Some(99.93));
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(
            one(&format!("{H}- 交易笔数：12,345笔\n"), "交易笔数"),
            Some(12345.0)
        );
        assert_eq!(
            one(
                "## x\n\n普通记账120并发线程数tps最大1,047 ，符合预期\n",
                "普通记账TPS"
            ),
            Some(1047.0)
        );
    }

    #[test]
    fn health_score_current_value_is_the_last() {
        assert_eq!(
            one("## O3\n\n- 健康分638.1，中心排名第5\n", "健康分"),
            Some(638.1)
        );
        assert_eq!(
            one(
                "## O3\n\n- 支付中心本周健康分704分降低到662，排名第五。\n",
                "健康分"
            ),
            Some(662.0)
        );
    }

    #[test]
    fn tps_patterns_anywhere() {
        let md = "## 【O2系统升级】\n\n### A. 账户\n\n- 账户2.0性能，完成生产压测：普通记账120并发线程数tps最大1047 ，符合预期；热点账户80并发线程数tps最大72\n";
        assert_eq!(one(md, "普通记账TPS"), Some(1047.0));
    }

    #[test]
    fn only_metric_sections_by_default() {
        let md = "## 【O1 服务业务】\n\n- 入金有效成功率提升方案：目标99.99%\n\n## 【系统运行数据】\n\n- 入金有效成功率：99.95%\n";
        assert_eq!(one(md, "入金有效成功率"), Some(99.95));
        assert_eq!(
            one(
                "## 【O1 服务业务】\n\n- 入金有效成功率：99.95%\n",
                "入金有效成功率"
            ),
            None
        );
    }

    #[test]
    fn nested_heading_under_metric_section() {
        let md = "# 上周进展\n\n## 【系统运行数据】\n\n### 成功率\n\n- 入金有效成功率 99.91%\n";
        assert_eq!(one(md, "入金有效成功率"), Some(99.91));
    }

    #[test]
    fn discovery_finds_label_number_pairs() {
        let c = Config::default();
        let md = "## 【系统运行数据】\n\n成功率：\n\n- 入金有效成功率：99.99%\n- 事故数AB级0次，CD级1次\n- 账户2.0迁移完成\n\n## 【O1】\n\n- 项目进度50%\n";
        let r = crate::markdown::tests::tree_of(md);
        let got: Vec<(String, f64, String)> = candidates(&r, &c)
            .into_iter()
            .map(|c| (c.label, c.value, c.group))
            .collect();
        assert_eq!(
            got,
            vec![
                ("入金有效成功率".to_string(), 99.99, "成功率".to_string()),
                ("事故数AB级".to_string(), 0.0, "成功率".to_string()),
                ("CD级".to_string(), 1.0, "成功率".to_string()),
            ]
        );
    }
}
