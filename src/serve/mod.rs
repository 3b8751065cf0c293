//! `chronicle serve`: the writing loop. The site is built into memory and
//! served over HTTP (loopback by default); the sources are watched, every
//! save rebuilds incrementally (`rebuild`), and open pages reload
//! themselves or show the rebuild's errors (`http`).
//!
//! Three threads: the HTTP server (a small tokio runtime), the watcher's
//! own (notify), and the rebuild loop, which owns the engine and publishes
//! each result through a `watch` channel that the HTTP side reads. Serving
//! from memory means a reader never sees a half-written site and `public/`
//! is left alone: it stays what `chronicle build` made, without the reload
//! script.
//!
//! When a rebuild fails the server keeps serving the last good site:
//! - a fatal error (config, theme or template) builds nothing;
//! - a build whose error-level findings include one the served site did
//!   not have (bad front matter in the report being edited, say) is not
//!   swapped in either. Errors the served site already had (an old binary
//!   `.md` file) do not block updates, or the loop would stall for good.
//!
//! Open pages show an overlay listing every error-level finding of the last
//! rebuild (warnings stay in the terminal and in `chronicle check`); it goes
//! away when a rebuild has no errors. The terminal prints the same lines.
//! A panic inside a rebuild is caught and shown the same way: the server
//! never exits because of content.

pub mod http;
pub mod rebuild;
pub mod watch;

use std::collections::HashSet;
use std::io::Write;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::watch as channel;

use crate::diag::{Diagnostic, Level};
use crate::Paths;
use http::{Shared, Status};
use rebuild::{Engine, Output};
use watch::{Targets, Watcher};

/// Zola's default port; `--port` overrides it.
pub const DEFAULT_PORT: u16 = 1111;

pub struct Options {
    pub paths: Paths,
    pub bind: IpAddr,
    /// `None`: 1111, or any free port if 1111 is taken.
    pub port: Option<u16>,
    pub open: bool,
    /// Print only errors (the benchmark runs the server in-process).
    pub quiet: bool,
}

/// A running server.
pub struct Server {
    pub addr: SocketAddr,
    pub shared: Shared,
    http: std::thread::JoinHandle<()>,
}

impl Server {
    /// The URL of the home page.
    pub fn url(&self) -> String {
        let addr = if self.addr.ip().is_unspecified() {
            SocketAddr::new(IpAddr::from([127, 0, 0, 1]), self.addr.port())
        } else {
            self.addr
        };
        format!("http://{addr}/")
    }

    /// Blocks while the server runs (until the process is stopped).
    pub fn wait(self) {
        let _ = self.http.join();
    }
}

/// Turns rebuild results into what pages see, and prints them.
struct Publisher {
    shared: Shared,
    quiet: bool,
    /// (file, message) of the errors of the site being served.
    served_errors: HashSet<(PathBuf, String)>,
    /// The engine's output differs from what is served.
    pending: bool,
    warnings: HashSet<String>,
    first: bool,
    /// A site is being served (false while the first build has failed).
    serving: bool,
    /// The error lines last printed: the same errors again are not repeated.
    printed: Vec<String>,
}

fn error_lines(diags: &[Diagnostic]) -> Vec<String> {
    diags
        .iter()
        .filter(|d| d.level == Level::Error)
        .map(|d| d.to_string())
        .collect()
}

impl Publisher {
    /// Prints a rebuild's errors, unless they are exactly the ones printed
    /// last time (an old broken file would otherwise repeat on every save).
    fn print_errors(&mut self, errors: &[String]) {
        if errors != self.printed.as_slice() {
            for e in errors {
                eprintln!("{e}");
            }
            self.printed = errors.to_vec();
        }
    }

    fn say(&self, line: &str) {
        if !self.quiet {
            println!("{line}");
            let _ = std::io::stdout().flush();
        }
    }

    /// Prints warnings not printed before (all of them the first time).
    fn print_warnings(&mut self, diags: &[Diagnostic]) {
        let now: HashSet<String> = diags
            .iter()
            .filter(|d| d.level == Level::Warning)
            .map(|d| d.to_string())
            .collect();
        if !self.quiet {
            let mut fresh: Vec<&String> = now.difference(&self.warnings).collect();
            fresh.sort();
            for w in fresh {
                eprintln!("{w}");
            }
        }
        self.warnings = now;
    }

    /// Swaps in the engine's files after `Engine::finish_search`, without a
    /// reload: only the search index changed, and it is read when a search
    /// runs. Skipped while the served site is held back (a rebuild with new
    /// errors), as those files carry the rest of that rebuild too.
    fn publish_search(&mut self, out: Output) {
        if self.pending || !self.serving {
            return;
        }
        self.shared.send_modify(|s| s.files = out.files.clone());
    }

    fn publish(&mut self, result: Result<Output, Vec<Diagnostic>>, started: Instant) {
        let first = std::mem::replace(&mut self.first, false);
        match result {
            Ok(out) => {
                self.print_warnings(&out.diags);
                let errors = error_lines(&out.diags);
                self.print_errors(&errors);
                let keys: HashSet<(PathBuf, String)> = out
                    .diags
                    .iter()
                    .filter(|d| d.level == Level::Error)
                    .map(|d| (d.path.clone(), d.message.clone()))
                    .collect();
                let blocked = self.serving && !keys.is_subset(&self.served_errors);
                self.pending |= !out.changed.is_empty();
                let errors = Arc::new(errors);
                if blocked {
                    self.shared.send_modify(|s| s.errors = errors);
                    eprintln!("rebuild failed: still serving the last good site");
                    return;
                }
                let reload = std::mem::take(&mut self.pending);
                self.served_errors = keys;
                self.serving = true;
                self.shared.send_modify(|s| {
                    if reload || first {
                        s.files = out.files.clone();
                        s.generation += 1;
                    }
                    s.errors = errors;
                });
                let s = &out.stats;
                if first {
                    self.say(&format!(
                        "built {} reports, {} daily notes: {} files in {:.0?}",
                        s.reports,
                        s.dailies,
                        out.files.len(),
                        started.elapsed()
                    ));
                } else if reload {
                    self.say(&format!(
                        "rebuilt in {:.0?}: {} {} changed ({} read, {} prepared, {} rendered{})",
                        started.elapsed(),
                        out.changed.len(),
                        if out.changed.len() == 1 {
                            "file"
                        } else {
                            "files"
                        },
                        s.read,
                        s.prepared,
                        s.rendered,
                        if s.from_scratch { ", from scratch" } else { "" }
                    ));
                }
            }
            Err(diags) => {
                let errors = diags.iter().map(|d| d.to_string()).collect::<Vec<_>>();
                self.print_errors(&errors);
                eprintln!(
                    "{}",
                    if first {
                        "build failed: fix the error above; the page will show it until then"
                    } else {
                        "rebuild failed: still serving the last good site"
                    }
                );
                // Whatever is rebuilt next starts from scratch and must be
                // shown; the served site (and its errors) stays as it was.
                self.pending = true;
                let errors = Arc::new(errors);
                self.shared.send_modify(|s| s.errors = errors);
            }
        }
    }
}

fn targets(engine: &Engine) -> Targets {
    let paths = engine.paths();
    let root = crate::absolute(&paths.root);
    let config = crate::absolute(
        &paths
            .config
            .clone()
            .unwrap_or_else(|| paths.root.join("config.toml")),
    );
    let theme = engine.theme_name().unwrap_or("default");
    let content = engine.content_dir().map(|p| p.to_path_buf()).or_else(|| {
        // Before a successful setup: the flag, or the default folder.
        Some(crate::absolute(
            &paths
                .content
                .clone()
                .unwrap_or_else(|| paths.root.join("content")),
        ))
    });
    let output = paths
        .output
        .as_ref()
        .map(|o| crate::absolute(o))
        .or_else(|| Some(root.join("public")));
    Targets {
        theme_dirs: vec![
            root.join("templates"),
            root.join("themes").join(theme),
            root.join("static"),
        ],
        root,
        config,
        content,
        output,
    }
}

/// `named`: the watcher saw only `hints` change (no folder came, went or
/// moved, no events lost), so the engine may skip walking the folder.
fn rebuild(engine: &mut Engine, hints: &[PathBuf], named: bool) -> Result<Output, Vec<Diagnostic>> {
    let update = || {
        if named {
            engine.update_pages_named(hints)
        } else {
            engine.update_pages(hints)
        }
    };
    match catch_unwind(AssertUnwindSafe(update)) {
        Ok(r) => r,
        Err(panic) => {
            engine.invalidate();
            let msg = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("unknown");
            Err(vec![Diagnostic::error(
                "chronicle",
                None,
                format!("internal error while rebuilding (please report it): {msg}"),
            )])
        }
    }
}

fn bind(opts: &Options) -> Result<TcpListener, String> {
    let port = opts.port.unwrap_or(DEFAULT_PORT);
    match TcpListener::bind((opts.bind, port)) {
        Ok(l) => Ok(l),
        Err(e) if opts.port.is_none() && e.kind() == std::io::ErrorKind::AddrInUse => {
            let l = TcpListener::bind((opts.bind, 0))
                .map_err(|e| format!("cannot listen on {}: {e}", opts.bind))?;
            if !opts.quiet {
                eprintln!("port {DEFAULT_PORT} is in use; using another one");
            }
            Ok(l)
        }
        Err(e) => Err(format!("cannot listen on {}:{port}: {e}", opts.bind)),
    }
}

/// Builds the site, starts watching and serving, and returns once the
/// server listens. Fails only for what no edit can fix: the address cannot
/// be bound, or files cannot be watched.
pub fn start(opts: Options) -> Result<Server, String> {
    if !opts.bind.is_loopback() && !opts.quiet {
        eprintln!(
            "warning: listening on {}: anyone who can reach this machine can read the reports (and drafts); \
             leave out --bind to keep them on this machine",
            opts.bind
        );
    }
    let server_id = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let (tx, _) = channel::channel(Status {
        server: server_id,
        ..Status::default()
    });
    let shared: Shared = Arc::new(tx);

    let mut engine = Engine::new(opts.paths.clone());
    let mut publisher = Publisher {
        shared: shared.clone(),
        quiet: opts.quiet,
        served_errors: HashSet::new(),
        pending: false,
        warnings: HashSet::new(),
        first: true,
        serving: false,
        printed: Vec::new(),
    };
    // Watch before the first build, so a save during it is not lost.
    let mut watcher = Watcher::new()?;
    for p in watcher.sync(&targets(&engine), &[]).1 {
        eprintln!("warning: {p}");
    }
    let started = Instant::now();
    let result = rebuild(&mut engine, &[], false);
    publisher.publish(result, started);

    let listener = bind(&opts)?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("cannot listen: {e}"))?;
    let app = http::router(shared.clone());
    let http = std::thread::Builder::new()
        .name("http".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("cannot start the server: {e}");
                    return;
                }
            };
            rt.block_on(async move {
                match tokio::net::TcpListener::from_std(listener) {
                    Ok(l) => {
                        if let Err(e) = axum::serve(l, app).await {
                            eprintln!("server stopped: {e}");
                        }
                    }
                    Err(e) => eprintln!("cannot listen: {e}"),
                }
            });
        })
        .map_err(|e| e.to_string())?;

    std::thread::Builder::new()
        .name("rebuild".into())
        .spawn(move || {
            // A rebuild the loop owes itself: a folder was just watched for
            // the first time, and files may have landed in it unseen.
            let mut owed: Option<watch::Trigger> = None;
            loop {
                let (trigger, created, started) = match owed.take() {
                    Some(t) => (t, Vec::new(), Instant::now()),
                    None => {
                        let Some(batch) = watcher.next() else { return };
                        let started = Instant::now();
                        for e in &batch.errors {
                            eprintln!("warning: file watcher: {e}");
                        }
                        let trigger =
                            watch::classify(&targets(&engine), &batch.events, batch.rescan);
                        let created: Vec<PathBuf> = batch
                            .events
                            .iter()
                            .filter(|(k, _)| k.is_create())
                            .flat_map(|(_, p)| p.iter().cloned())
                            .collect();
                        (trigger, created, started)
                    }
                };
                if trigger.any() {
                    if trigger.everything {
                        engine.invalidate();
                    }
                    let result = rebuild(&mut engine, &trigger.hints, !trigger.relist);
                    // Watches first (the config may have moved the content
                    // folder; folders may have been created), so that a save
                    // made right after the page updates is seen.
                    let now = targets(&engine);
                    let (added, problems) = watcher.sync(&now, &created);
                    for p in problems {
                        eprintln!("warning: {p}");
                    }
                    if !added.is_empty() {
                        owed = Some(watch::Trigger {
                            hints: Vec::new(),
                            content: true,
                            relist: true,
                            everything: added.iter().any(|a| Some(a) != now.content.as_ref()),
                        });
                    }
                    publisher.publish(result, started);
                }
                // The search index, after the reload: see `Engine::update_pages`.
                // Abandoned when another event arrives: the index catches up
                // after that save's reload, or here after events that
                // rebuild nothing (the rebuild's own reads of the files it
                // changed are events too), instead of waiting for the next
                // edit.
                if engine.search_stale() {
                    let pending = watcher.pending();
                    let cancel = move || pending.load(std::sync::atomic::Ordering::SeqCst);
                    match catch_unwind(AssertUnwindSafe(|| engine.finish_search_unless(&cancel))) {
                        Ok(Some(out)) => publisher.publish_search(out),
                        Ok(None) => {}
                        Err(_) => engine.invalidate(),
                    }
                }
            }
        })
        .map_err(|e| e.to_string())?;

    Ok(Server { addr, shared, http })
}

/// `chronicle serve`: start, print where, open the browser, serve until stopped.
pub fn run(opts: Options) -> Result<(), String> {
    let open = opts.open;
    let server = start(opts)?;
    let url = server.url();
    println!("serving at {url} (Ctrl-C to stop)");
    let _ = std::io::stdout().flush();
    if open {
        if let Err(e) = opener::open_browser(&url) {
            eprintln!("cannot open a browser ({e}); open {url} yourself");
        }
    }
    until_stopped(server);
    Ok(())
}

/// Blocks until Ctrl-C or SIGTERM, or until the server stops on its own.
/// `run` then returns and the process exits normally: killed by the
/// signal's default action, it would skip its exit handlers (the profile
/// that `make pgo` collects is written by one). Only `run` waits for
/// signals: a test or benchmark that starts servers keeps Ctrl-C's usual
/// meaning.
fn until_stopped(server: Server) {
    use futures_util::future::select;
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
    let joined = std::thread::spawn(move || {
        server.wait();
        let _ = done_tx.send(());
    });
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        let _ = joined.join();
        return;
    };
    rt.block_on(async move {
        let interrupt = Box::pin(tokio::signal::ctrl_c());
        #[cfg(unix)]
        let stop = {
            use tokio::signal::unix::{signal, SignalKind};
            let mut term = signal(SignalKind::terminate()).ok();
            let terminate = Box::pin(async move {
                match term.as_mut() {
                    Some(t) => {
                        t.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            });
            select(interrupt, terminate)
        };
        #[cfg(not(unix))]
        let stop = interrupt;
        let _ = select(Box::pin(stop), done_rx).await;
    });
}
