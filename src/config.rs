//! `config.toml`: everything that is specific to one archive (its title,
//! language, section names, metric definitions) lives here, not in code.
//! A missing config file is fine: every key has a default, so chronicle
//! builds any folder of Markdown reports with no configuration at all.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diag::{line_of, Diagnostic};

/// How week numbers are counted. The sample archive counts weeks from
/// Monday with 1 January always in week 1 (2023-04-14 is 第16周), which
/// differs from ISO 8601 (where it is week 15); `auto` picks whichever
/// convention agrees with more of the weeks the reports state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WeekConvention {
    #[default]
    Auto,
    Iso,
    Jan1,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct Config {
    /// Site title shown in the header and the feed.
    pub title: String,
    /// One line under the title on the home page.
    pub description: String,
    /// Absolute URL the site is published under; only feeds and sitemaps use it,
    /// every link in the pages is relative.
    pub base_url: String,
    /// Language of the theme's strings: "zh" or "en".
    pub language: String,
    /// Theme folder under `themes/`; the built-in copy of `default` is used when absent.
    pub theme: String,
    pub week_convention: WeekConvention,
    /// Content folder, relative to the site root.
    pub content_dir: PathBuf,
    /// Output folder, relative to the site root.
    pub output_dir: PathBuf,
    /// Build reports marked `draft = true`.
    pub drafts: bool,
    /// Keep raw HTML in reports as written instead of escaping it.
    pub unsafe_html: bool,
    /// Headings under which metrics are looked for by default, and where
    /// zero-config discovery looks (matched as substrings, ignoring 【】).
    pub metric_sections: Vec<String>,
    /// Metric definitions. With none, recurring label–number pairs in the
    /// metric sections become series on their own.
    pub metrics: Vec<MetricDef>,
    pub projects: ProjectsConfig,
    pub incidents: IncidentsConfig,
    /// The metric definitions compiled once (labels automaton, patterns),
    /// shared by every report's extraction.
    #[serde(skip)]
    pub(crate) compiled: std::sync::OnceLock<std::sync::Arc<crate::extract::metrics::Compiled>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    #[default]
    Higher,
    Lower,
}

/// `[projects]`: where project updates are and how names are matched.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProjectsConfig {
    /// Headings whose bullets and sub-headings are project updates.
    pub sections: Vec<String>,
    /// A project not mentioned for this many weeks is stalled.
    pub stalled_after_weeks: u32,
    /// How many of the latest reports the timeline shows as columns; older
    /// projects are listed in a table under it.
    pub timeline_reports: usize,
    /// How alike two names must be (0–1) to be matched as one project.
    pub similarity: f64,
    /// Name → canonical name. A name mapped to itself is never matched
    /// automatically to another project.
    pub aliases: std::collections::BTreeMap<String, String>,
}

impl Default for ProjectsConfig {
    fn default() -> Self {
        Self {
            sections: ["O1", "O2", "重点工作", "项目", "Projects"]
                .map(String::from)
                .to_vec(),
            stalled_after_weeks: 4,
            timeline_reports: 16,
            similarity: 0.75,
            aliases: Default::default(),
        }
    }
}

/// `[incidents]`: where incidents are listed and how they are written.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct IncidentsConfig {
    /// Headings, or list items and paragraphs acting as headings
    /// (`4. 生产稳定性事件：`), whose items are incidents.
    pub sections: Vec<String>,
    /// Words that introduce the cause.
    pub cause_labels: Vec<String>,
    /// Words that introduce the action taken.
    pub action_labels: Vec<String>,
    /// Words that introduce the impact (`影响：`), kept apart from the
    /// cause and action.
    pub impact_labels: Vec<String>,
}

impl Default for IncidentsConfig {
    fn default() -> Self {
        Self {
            sections: ["生产稳定性事件", "生产事件", "线上问题", "Incidents"]
                .map(String::from)
                .to_vec(),
            cause_labels: ["原因", "根因", "Cause"].map(String::from).to_vec(),
            action_labels: ["处置", "处理", "措施", "解决", "Action"]
                .map(String::from)
                .to_vec(),
            impact_labels: ["影响", "Impact"].map(String::from).to_vec(),
        }
    }
}

/// One `[[metrics]]` entry.
#[derive(Debug, Clone, Deserialize, serde::Serialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct MetricDef {
    pub name: String,
    /// Stable ASCII id for URLs and data files; derived from the name when absent.
    pub id: Option<String>,
    pub unit: String,
    /// Phrases that introduce the figure (`入金有效成功率`, `AB级`).
    pub labels: Vec<String>,
    /// A regex with one capture group, for figures no label can describe.
    pub pattern: Option<String>,
    /// Where to look: heading names; `["*"]` is the whole report; empty means `metric_sections`.
    pub sections: Vec<String>,
    pub target: Option<f64>,
    pub better: Better,
    /// Dashboard group (`成功率`, `稳定性`).
    pub group: String,
    /// Shown as a sparkline on the home page.
    pub headline: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            title: "Weekly reports".into(),
            description: String::new(),
            base_url: String::new(),
            language: "zh".into(),
            theme: "default".into(),
            week_convention: WeekConvention::Auto,
            content_dir: "content".into(),
            output_dir: "public".into(),
            drafts: false,
            unsafe_html: false,
            metric_sections: [
                "系统运行数据",
                "运行数据",
                "核心指标",
                "关键指标",
                "Metrics",
                "Key metrics",
            ]
            .map(String::from)
            .to_vec(),
            metrics: Vec::new(),
            projects: ProjectsConfig::default(),
            incidents: IncidentsConfig::default(),
            compiled: Default::default(),
        }
    }
}

/// A config file that could not be used at all: the build stops here,
/// because guessing at a broken config would build the wrong site.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub Diagnostic);

impl Config {
    /// Parses config text. Unknown keys are warnings naming the key (a typo
    /// should not stop a build); a wrong type is an error with its line.
    pub fn parse(text: &str, path: &Path) -> Result<(Config, Vec<Diagnostic>), ConfigError> {
        let mut unknown = Vec::new();
        let de = toml::Deserializer::parse(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start));
            ConfigError(Diagnostic::error(
                path,
                line,
                format!("invalid TOML: {}", e.message()),
            ))
        })?;
        let config: Config = serde_ignored::deserialize(de, |key| unknown.push(key.to_string()))
            .map_err(|e: toml::de::Error| {
                let line = e.span().map(|s| line_of(text, s.start));
                ConfigError(Diagnostic::error(path, line, e.message().to_string()))
            })?;
        config.validate(text, path)?;
        let diags = unknown
            .into_iter()
            .map(|key| {
                let line = find_key_line(text, &key);
                Diagnostic::warning(path, line, format!("unknown config key `{key}` (ignored)"))
            })
            .collect();
        Ok((config, diags))
    }

    pub fn compiled_metrics(&self) -> &crate::extract::metrics::Compiled {
        self.compiled
            .get_or_init(|| std::sync::Arc::new(crate::extract::metrics::Compiled::new(self)))
    }

    /// Checks what serde cannot: patterns compile with one capture group,
    /// every metric can be found somehow, names are unique.
    fn validate(&self, text: &str, path: &Path) -> Result<(), ConfigError> {
        let mut seen = std::collections::HashSet::new();
        for m in &self.metrics {
            let line = find_value_line(text, &m.name);
            let err = |msg: String| ConfigError(Diagnostic::error(path, line, msg));
            if m.name.trim().is_empty() {
                return Err(err("a [[metrics]] entry has no `name`".into()));
            }
            if !seen.insert(m.name.as_str()) {
                return Err(err(format!("metric `{}` is defined twice", m.name)));
            }
            if m.labels.iter().all(|l| l.trim().is_empty()) && m.pattern.is_none() {
                return Err(err(format!(
                    "metric `{}` needs `labels` or a `pattern`",
                    m.name
                )));
            }
            if let Some(p) = &m.pattern {
                match regex::Regex::new(p) {
                    Ok(re) if re.captures_len() == 2 => {}
                    Ok(_) => {
                        return Err(err(format!(
                            "pattern of metric `{}` must have exactly one capture group",
                            m.name
                        )))
                    }
                    Err(e) => {
                        return Err(err(format!(
                            "pattern of metric `{}` is not a valid regex: {e}",
                            m.name
                        )))
                    }
                }
            }
        }
        Ok(())
    }

    /// Loads `path`; when `required` is false a missing file means defaults.
    pub fn load(path: &Path, required: bool) -> Result<(Config, Vec<Diagnostic>), ConfigError> {
        match std::fs::read(path) {
            Ok(bytes) => {
                let text = String::from_utf8(bytes).map_err(|e| {
                    ConfigError(Diagnostic::error(
                        path,
                        None,
                        format!(
                            "config is not UTF-8 (byte {})",
                            e.utf8_error().valid_up_to()
                        ),
                    ))
                })?;
                Config::parse(&text, path)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                Ok((Config::default(), Vec::new()))
            }
            Err(e) => Err(ConfigError(Diagnostic::error(
                path,
                None,
                format!("cannot read config: {e}"),
            ))),
        }
    }
}

/// serde_ignored reports a dotted path (`markdown.foo`); the line of its last
/// segment is the best pointer we can give without a span.
fn find_key_line(text: &str, key: &str) -> Option<usize> {
    let last = key.rsplit('.').next()?;
    text.lines()
        .position(|l| {
            let t = l.trim_start();
            t.strip_prefix(last)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

/// The line where a string value appears (for errors about a table entry).
fn find_value_line(text: &str, value: &str) -> Option<usize> {
    let quoted = format!("\"{value}\"");
    text.lines()
        .position(|l| l.contains(&quoted))
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_when_empty() {
        let (c, d) = Config::parse("", Path::new("config.toml")).unwrap();
        assert_eq!(c.language, "zh");
        assert_eq!(c.week_convention, WeekConvention::Auto);
        assert!(d.is_empty());
    }

    #[test]
    fn unknown_key_is_a_warning_with_line() {
        let (c, d) =
            Config::parse("title = \"x\"\ncolour = 3\n", Path::new("config.toml")).unwrap();
        assert_eq!(c.title, "x");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].line, Some(2));
        assert!(d[0].message.contains("colour"), "{}", d[0].message);
    }

    #[test]
    fn wrong_type_is_an_error_with_line() {
        let err = Config::parse(
            "title = \"x\"\ndrafts = \"yes\"\n",
            Path::new("config.toml"),
        )
        .unwrap_err();
        assert_eq!(err.0.line, Some(2));
    }

    #[test]
    fn metric_definitions() {
        let text = "[[metrics]]\nname = \"健康分\"\nlabels = [\"健康分\"]\nsections = [\"*\"]\nbetter = \"higher\"\n";
        let (c, d) = Config::parse(text, Path::new("c")).unwrap();
        assert!(d.is_empty());
        assert_eq!(c.metrics[0].sections, ["*"]);
        let bad = "[[metrics]]\nname = \"x\"\npattern = \"tps(\\\\d+\"\n";
        let e = Config::parse(bad, Path::new("c")).unwrap_err();
        assert!(e.0.message.contains("not a valid regex"), "{}", e.0);
        assert_eq!(e.0.line, Some(2));
        let none = "[[metrics]]\nname = \"x\"\n";
        assert!(Config::parse(none, Path::new("c")).is_err());
        let typo = "[[metrics]]\nname = \"x\"\nlabel = [\"x\"]\n";
        assert!(
            Config::parse(typo, Path::new("c")).is_err(),
            "unknown key inside a metric is an error"
        );
    }

    #[test]
    fn week_convention_values() {
        let (c, _) = Config::parse("week_convention = \"jan1\"", Path::new("c")).unwrap();
        assert_eq!(c.week_convention, WeekConvention::Jan1);
    }
}
