//! Watching the site's sources with notify, through notify-debouncer-full
//! (which joins the bursts editors make on save — write-to-temp and
//! rename, vim's backup-rename — into one batch).
//!
//! What is watched: the content folder (recursively), the site root (not
//! recursively: `config.toml`, and `templates/`, `themes/` or `static/`
//! appearing), and `templates/`, `themes/<theme>/` and `static/` when they
//! exist. Watches are re-synced after every batch, so a folder created (or
//! recreated) later is picked up. Events only say *that* something may have
//! changed: the rebuild re-walks the content folder, so a file written into
//! a new folder before its watch existed is still found.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use notify_debouncer_full::notify::event::{
    AccessKind, AccessMode, EventKind, ModifyKind, RemoveKind,
};
use notify_debouncer_full::notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult, Debouncer, RecommendedCache};

use crate::content::is_ignored_name;

/// How long a burst of events must be quiet before it is handed over. Editors
/// finish a save within a few milliseconds; this stays well inside the
/// 100 ms budget from save to reload.
pub const DEBOUNCE: Duration = Duration::from_millis(30);

/// The paths that matter, all absolute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Targets {
    pub root: PathBuf,
    pub config: PathBuf,
    pub content: Option<PathBuf>,
    pub output: Option<PathBuf>,
    /// Template, theme and static folders: any change rebuilds everything.
    pub theme_dirs: Vec<PathBuf>,
}

/// What a batch of events asks for.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Trigger {
    /// Content files named by events (re-read even if they look unchanged).
    pub hints: Vec<PathBuf>,
    /// Something in the content folder changed.
    pub content: bool,
    /// Files may have come or gone beyond those in `hints` (a folder
    /// appeared, went or moved; events were lost): walk the folder again.
    pub relist: bool,
    /// Config, theme or templates changed, or events were lost: start over.
    pub everything: bool,
}

impl Trigger {
    pub fn any(&self) -> bool {
        self.content || self.everything
    }
}

fn is_markdown(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"))
}

fn has_ignored_part(rel: &Path) -> bool {
    rel.components()
        .any(|c| is_ignored_name(&c.as_os_str().to_string_lossy()))
}

/// Sorts a batch of events into what must be rebuilt. Hidden and editor
/// temporary files (`.x.swp`, `x~`, `#x#`, vim's `4913`) never trigger
/// anything.
pub fn classify(targets: &Targets, events: &[(EventKind, Vec<PathBuf>)], rescan: bool) -> Trigger {
    let mut t = Trigger {
        everything: rescan,
        content: rescan,
        relist: rescan,
        ..Trigger::default()
    };
    for (kind, paths) in events {
        // Reading a file is an event too (the rebuild's own reads would
        // trigger the next rebuild); only a write that ends counts.
        if matches!(kind, EventKind::Access(a) if *a != AccessKind::Close(AccessMode::Write)) {
            continue;
        }
        for p in paths {
            if *p == targets.config {
                t.everything = true;
                continue;
            }
            if targets.output.as_ref().is_some_and(|o| p.starts_with(o)) {
                continue;
            }
            if let Some(dir) = targets.theme_dirs.iter().find(|d| p.starts_with(d)) {
                let rel = p.strip_prefix(dir).unwrap_or(p);
                if !has_ignored_part(rel) {
                    t.everything = true;
                }
                continue;
            }
            if let Some(content) = &targets.content {
                if let Ok(rel) = p.strip_prefix(content) {
                    if has_ignored_part(rel) {
                        continue;
                    }
                    if is_markdown(rel) {
                        t.hints.push(p.clone());
                        t.content = true;
                    } else if rel.as_os_str().is_empty()
                        || p.is_dir()
                        || matches!(
                            kind,
                            EventKind::Remove(RemoveKind::Folder | RemoveKind::Any)
                                | EventKind::Modify(ModifyKind::Name(_))
                                | EventKind::Any
                                | EventKind::Other
                        )
                    {
                        // A folder appeared, went or moved: its files may
                        // have come or gone with it.
                        t.content = true;
                        t.relist = true;
                    }
                    continue;
                }
            }
            // `templates/`, `themes/` or `static/` created or removed at the root.
            if p.parent() == Some(targets.root.as_path())
                && targets
                    .theme_dirs
                    .iter()
                    .any(|d| d == p || d.starts_with(p))
            {
                t.everything = true;
            }
        }
    }
    t.hints.sort();
    t.hints.dedup();
    t
}

pub struct Watcher {
    debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
    rx: mpsc::Receiver<DebounceEventResult>,
    /// Set when events arrive, cleared when `next` takes them: lets work
    /// that can wait (the search index) give way to a new save.
    pending: Arc<AtomicBool>,
    watched: BTreeMap<PathBuf, RecursiveMode>,
}

/// One batch: the events, and whether notify lost some (then everything
/// must be looked at again).
pub struct Batch {
    pub events: Vec<(EventKind, Vec<PathBuf>)>,
    pub rescan: bool,
    pub errors: Vec<String>,
}

impl Watcher {
    pub fn new() -> Result<Self, String> {
        let (tx, rx) = mpsc::channel();
        let pending = Arc::new(AtomicBool::new(false));
        let flag = pending.clone();
        let handler = move |r: DebounceEventResult| {
            flag.store(true, Ordering::SeqCst);
            let _ = tx.send(r);
        };
        let debouncer = new_debouncer(DEBOUNCE, None, handler)
            .map_err(|e| format!("cannot watch files: {e}"))?;
        Ok(Self {
            debouncer,
            rx,
            pending,
            watched: BTreeMap::new(),
        })
    }

    /// Watches what `targets` names and exists; drops watches on folders
    /// that are gone. `renew` re-adds watches on paths just recreated.
    /// Returns the folders newly watched (files may have been written into
    /// them before their watch existed: the caller looks again) and problems.
    pub fn sync(&mut self, targets: &Targets, renew: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
        let mut want: BTreeMap<PathBuf, RecursiveMode> = BTreeMap::new();
        want.insert(targets.root.clone(), RecursiveMode::NonRecursive);
        if let Some(parent) = targets.config.parent() {
            want.entry(parent.to_path_buf())
                .or_insert(RecursiveMode::NonRecursive);
        }
        if let Some(c) = &targets.content {
            want.insert(c.clone(), RecursiveMode::Recursive);
        }
        for d in &targets.theme_dirs {
            want.insert(d.clone(), RecursiveMode::Recursive);
            // `themes/`, to see `themes/<theme>/` appear.
            if let Some(parent) = d.parent().filter(|p| *p != targets.root) {
                want.entry(parent.to_path_buf())
                    .or_insert(RecursiveMode::NonRecursive);
            }
        }
        want.retain(|p, _| p.is_dir());
        let mut problems = Vec::new();
        let mut added = Vec::new();
        let stale: Vec<PathBuf> = self
            .watched
            .iter()
            .filter(|(p, m)| want.get(*p) != Some(m) || renew.contains(p))
            .map(|(p, _)| p.clone())
            .collect();
        for p in stale {
            let _ = self.debouncer.unwatch(&p);
            self.watched.remove(&p);
        }
        for (p, mode) in want {
            if self.watched.contains_key(&p) {
                continue;
            }
            match self.debouncer.watch(&p, mode) {
                Ok(()) => {
                    self.watched.insert(p.clone(), mode);
                    added.push(p);
                }
                Err(e) => problems.push(format!("{}: cannot watch: {e}", p.display())),
            }
        }
        (added, problems)
    }

    /// Whether events are waiting for `next` (shared, for other threads).
    pub fn pending(&self) -> Arc<AtomicBool> {
        self.pending.clone()
    }

    /// Waits for the next batch of events; `None` when the watcher stopped.
    pub fn next(&self) -> Option<Batch> {
        let first = self.rx.recv().ok()?;
        // Cleared before draining: anything arriving from now on sets it.
        self.pending.store(false, Ordering::SeqCst);
        let mut batch = Batch {
            events: Vec::new(),
            rescan: false,
            errors: Vec::new(),
        };
        let mut add = |r: DebounceEventResult| match r {
            Ok(events) => {
                for e in events {
                    batch.rescan |= e.need_rescan();
                    batch.events.push((e.event.kind, e.event.paths.clone()));
                }
            }
            Err(errors) => {
                // Lost events (an overflowing queue) leave no way to know
                // what changed: look at everything again.
                batch.rescan = true;
                batch.errors.extend(errors.iter().map(|e| e.to_string()));
            }
        };
        add(first);
        while let Ok(more) = self.rx.try_recv() {
            add(more);
        }
        Some(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify_debouncer_full::notify::event::{CreateKind, DataChange, RenameMode};

    fn targets() -> Targets {
        Targets {
            root: "/site".into(),
            config: "/site/config.toml".into(),
            content: Some("/site/content".into()),
            output: Some("/site/public".into()),
            theme_dirs: vec![
                "/site/templates".into(),
                "/site/themes/default".into(),
                "/site/static".into(),
            ],
        }
    }

    fn ev(kind: EventKind, paths: &[&str]) -> (EventKind, Vec<PathBuf>) {
        (kind, paths.iter().map(PathBuf::from).collect())
    }

    #[test]
    fn content_saves_hint_the_file() {
        let write = EventKind::Modify(ModifyKind::Data(DataChange::Content));
        let t = classify(
            &targets(),
            &[
                ev(write, &["/site/content/第16周 2023-04-14.md"]),
                // Atomic save: temp file renamed over the report.
                ev(
                    EventKind::Modify(ModifyKind::Name(RenameMode::Both)),
                    &["/site/content/.tmp123", "/site/content/a.md"],
                ),
            ],
            false,
        );
        // Every change is named: the engine need not walk the folder.
        assert!(t.content && !t.everything && !t.relist);
        assert_eq!(
            t.hints,
            vec![
                PathBuf::from("/site/content/a.md"),
                PathBuf::from("/site/content/第16周 2023-04-14.md")
            ]
        );
    }

    #[test]
    fn temporary_and_hidden_files_are_ignored() {
        let create = EventKind::Create(CreateKind::File);
        let t = classify(
            &targets(),
            &[
                ev(create, &["/site/content/.a.md.swp"]),
                ev(create, &["/site/content/a.md~"]),
                ev(create, &["/site/content/#a.md#"]),
                ev(create, &["/site/content/.git/index"]),
                ev(create, &["/site/content/4913"]),
                ev(create, &["/site/templates/.report.html.swp"]),
                ev(create, &["/site/public/index.html"]),
                ev(create, &["/site/README.md"]),
            ],
            false,
        );
        assert!(!t.any(), "{t:?}");
    }

    #[test]
    fn reading_is_not_a_change() {
        let read = EventKind::Access(AccessKind::Close(AccessMode::Read));
        let open = EventKind::Access(AccessKind::Open(AccessMode::Any));
        let t = classify(
            &targets(),
            &[
                ev(read, &["/site/config.toml"]),
                ev(open, &["/site/content/a.md"]),
            ],
            false,
        );
        assert!(!t.any(), "{t:?}");
        let written = EventKind::Access(AccessKind::Close(AccessMode::Write));
        assert!(classify(&targets(), &[ev(written, &["/site/content/a.md"])], false).content);
    }

    #[test]
    fn theme_config_and_folders() {
        let write = EventKind::Modify(ModifyKind::Any);
        for p in [
            "/site/config.toml",
            "/site/templates/report.html",
            "/site/themes/default/static/style.css",
        ] {
            assert!(
                classify(&targets(), &[ev(write, &[p])], false).everything,
                "{p}"
            );
        }
        let mkdir = EventKind::Create(CreateKind::Folder);
        assert!(classify(&targets(), &[ev(mkdir, &["/site/templates"])], false).everything);
        // A removed folder of reports (it no longer exists to stat).
        let rmdir = EventKind::Remove(RemoveKind::Folder);
        let t = classify(&targets(), &[ev(rmdir, &["/site/content/2023"])], false);
        assert!(t.content && !t.everything);
        assert!(t.relist, "files went with the folder: walk it again");
        let lost = classify(&targets(), &[], true);
        assert!(lost.everything && lost.relist);
    }
}
