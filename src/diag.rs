//! Diagnostics: every problem found in the archive is collected, never thrown,
//! so one bad file cannot stop the rest of the archive from building.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Warning,
    Error,
}

/// One finding, printed as `path:line: level: message` so editors can jump to it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub level: Level,
    pub path: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl Diagnostic {
    pub fn warning(
        path: impl AsRef<Path>,
        line: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            level: Level::Warning,
            path: path.as_ref().to_path_buf(),
            line,
            message: message.into(),
        }
    }

    pub fn error(path: impl AsRef<Path>, line: Option<usize>, message: impl Into<String>) -> Self {
        Self {
            level: Level::Error,
            path: path.as_ref().to_path_buf(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            Level::Warning => "warning",
            Level::Error => "error",
        };
        match self.line {
            Some(line) => write!(
                f,
                "{}:{}: {}: {}",
                self.path.display(),
                line,
                level,
                self.message
            ),
            None => write!(f, "{}: {}: {}", self.path.display(), level, self.message),
        }
    }
}

/// Sorts diagnostics by file, line and message so output is stable across
/// runs even though files are loaded in parallel.
pub fn sort(diags: &mut [Diagnostic]) {
    // By path as `Path` orders them (component by component), through a
    // key made once per finding: the path's bytes with each separator
    // made the lowest byte, which orders the same for the plain relative
    // paths findings name. `Path`'s own comparison parses components on
    // every call, and `serve` sorts a large archive's thousands of
    // findings on each save.
    diags.sort_by_cached_key(|d| {
        let mut path = d.path.as_os_str().as_encoded_bytes().to_vec();
        for b in path.iter_mut() {
            if std::path::is_separator(char::from(*b)) {
                *b = 0;
            }
        }
        (path, d.line, d.message.clone(), d.level)
    });
}

/// The 1-based line of a byte offset in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Runs `f` and, when `CHRONICLE_TIMINGS` is set, prints how long it took
/// to stderr. Profiling a 10,000-report build needs stage times without a
/// profiler; the variable costs nothing when unset.
pub fn timed<T>(label: &str, f: impl FnOnce() -> T) -> T {
    if std::env::var_os("CHRONICLE_TIMINGS").is_none() {
        return f();
    }
    let (start, cpu) = (std::time::Instant::now(), cpu_ms());
    let out = f();
    let wall = start.elapsed().as_secs_f64() * 1e3;
    // The whole process's CPU over the stage (stages that overlap share
    // it): CPU over wall is how many cores the stage kept busy.
    let cpu = match (cpu, cpu_ms()) {
        (Some(a), Some(b)) => format!(", cpu {} ms", b.saturating_sub(a)),
        _ => String::new(),
    };
    eprintln!("timing: {label}: {wall:.1} ms{cpu}{}", memory());
    out
}

/// User and system CPU time of the whole process so far, in ms, from
/// `/proc/self/stat` (Linux only; in ticks of USER_HZ, 100 a second).
fn cpu_ms() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name, which is in parentheses and may
    // hold spaces: utime and stime are the 14th and 15th of the line.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut f = rest.split(' ').skip(11);
    let (user, sys): (u64, u64) = (f.next()?.parse().ok()?, f.next()?.parse().ok()?);
    Some((user + sys) * 10)
}

/// Resident and peak memory after a stage, from `/proc/self/status` (Linux
/// only; elsewhere nothing), to see which stage holds what.
fn memory() -> String {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return String::new();
    };
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches(" kB").parse::<u64>().ok())
            .map_or(0, |kb| kb / 1024)
    };
    format!(
        " (rss {} MiB, peak {} MiB)",
        field("VmRSS:"),
        field("VmHWM:")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_sort_by_path_as_paths_order_then_line_and_message() {
        let paths = [
            "第16周 2023-04-14.md",
            "第16周 2023-04-14/2023-04-16 周日.md",
            "a-b.md",
            "a/b.md",
            "a.md",
            "a/b/c.md",
            "a b.md",
            "config.toml",
        ];
        let mut diags: Vec<Diagnostic> = Vec::new();
        for p in paths.iter().rev() {
            diags.push(Diagnostic::warning(p, Some(2), "b"));
            diags.push(Diagnostic::warning(p, Some(2), "a"));
            diags.push(Diagnostic::error(p, None, "z"));
        }
        let mut want = diags.clone();
        want.sort_by(|a, b| {
            (&a.path, a.line, &a.message, a.level).cmp(&(&b.path, b.line, &b.message, b.level))
        });
        sort(&mut diags);
        assert_eq!(diags, want);
    }
}
