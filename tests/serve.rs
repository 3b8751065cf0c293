//! `chronicle serve`, run as the real binary on a temp archive and spoken
//! to over raw HTTP (a raw socket, so traversal paths reach the server
//! exactly as written). Waits poll with bounded timeouts; nothing sleeps
//! for a fixed time.

mod common;
use common::*;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use regex::Regex;

const WAIT: Duration = Duration::from_secs(20);

/// The server process; killed when the test ends, however it ends.
struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(root: &Path) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_chronicle"))
        .args(["serve", "--port", "0", "--root"])
        .arg(root)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chronicle serve");
    let mut server = Server {
        child,
        addr: String::new(),
    };
    let stdout = server.child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let re = Regex::new(r"serving at http://([^/\s]+)/").unwrap();
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = rx
            .recv_timeout(left)
            .expect("serve printed no address in time");
        if let Some(c) = re.captures(&line) {
            server.addr = c[1].to_string();
            return server;
        }
    }
}

struct Response {
    status: u16,
    headers: String,
    body: String,
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(i) = raw.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(std::str::from_utf8(&raw[..i]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        out.extend_from_slice(&raw[i + 2..i + 2 + size]);
        raw = &raw[i + 2 + size + 2..];
    }
    out
}

/// One request with the target sent byte for byte as given.
fn get(addr: &str, target: &str) -> Response {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    write!(
        s,
        "GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a full response");
    let head = String::from_utf8_lossy(&raw[..split]).to_lowercase();
    let mut body = raw[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    Response {
        status: head[9..12].parse().unwrap(),
        headers: head,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

static GENERATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"data-generation="([^"]+)""#).unwrap());

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// An open event stream, as the page's script opens it.
struct Events {
    stream: TcpStream,
    buf: Vec<u8>,
    seen: usize,
}

impl Events {
    fn open(addr: &str, since: &str) -> Events {
        let mut stream = TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "GET /_chronicle/events?since={since} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let mut e = Events {
            stream,
            buf: Vec::new(),
            seen: 0,
        };
        let (name, _) = e.next(WAIT).expect("hello event");
        assert_eq!(name, "hello");
        e
    }

    /// The next event (name, data), or None after `timeout`.
    fn next(&mut self, timeout: Duration) -> Option<(String, String)> {
        let deadline = Instant::now() + timeout;
        loop {
            // Complete events end with a blank line; chunked-encoding size
            // lines between them are skipped.
            while let Some(end) = find(&self.buf[self.seen..], b"\n\n") {
                let block =
                    String::from_utf8_lossy(&self.buf[self.seen..self.seen + end]).into_owned();
                self.seen += end + 2;
                let field = |name: &str| {
                    block
                        .lines()
                        .find_map(|l| l.strip_prefix(name))
                        .map(|v| v.trim_start().to_string())
                };
                if let Some(event) = field("event:") {
                    return Some((event, field("data:").unwrap_or_default()));
                }
            }
            if Instant::now() > deadline {
                return None;
            }
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) => return None,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => panic!("event stream: {e}"),
            }
        }
    }

    /// Waits for an event with this name, skipping others.
    fn expect(&mut self, name: &str) -> String {
        let deadline = Instant::now() + WAIT;
        while let Some((n, data)) = self.next(deadline.saturating_duration_since(Instant::now())) {
            if n == name {
                return data;
            }
        }
        panic!("no `{name}` event within {WAIT:?}");
    }
}

fn generation(page: &str) -> String {
    GENERATION
        .captures(page)
        .unwrap_or_else(|| panic!("no live-reload script in {page}"))[1]
        .to_string()
}

/// Polls `path` until its body satisfies `ok` (bounded).
fn wait_for(addr: &str, path: &str, ok: impl Fn(&str) -> bool) -> Response {
    let deadline = Instant::now() + WAIT;
    loop {
        let r = get(addr, path);
        if ok(&r.body) {
            return r;
        }
        assert!(
            Instant::now() < deadline,
            "{path} never changed:\n{}",
            r.body
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Writes a file the way many editors save: a temp file renamed over it,
/// so no rebuild can see it half-written (the steps that check the last
/// good site is kept depend on that).
fn save_atomically(path: &Path, text: &str) {
    let tmp = path.with_file_name(".chronicle-test.tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn sample_site() -> tempfile::TempDir {
    sample_copy()
}

const W50: &str = "content/第50周 2023-12-09.md";
const PAGE: &str = "/reports/2023-w50.html";

#[test]
fn edits_reload_errors_overlay_and_recovery() {
    let site = sample_site();
    let root = site.path();
    let report = root.join(W50);
    let server = start(root);
    let addr = server.addr.as_str();

    let home = get(addr, "/");
    assert_eq!(home.status, 200);
    assert!(
        home.headers
            .contains("content-type: text/html; charset=utf-8"),
        "{}",
        home.headers
    );
    assert!(home.body.contains("支付中心周报"));
    assert!(home.body.contains(r#"<script src="/_chronicle/live.js""#));
    let script = get(addr, "/_chronicle/live.js");
    assert_eq!(script.status, 200);
    assert!(script.body.contains("EventSource"), "{}", script.body);
    assert!(
        script.body.contains("\"errors\""),
        "the overlay listens for errors"
    );

    // An edit is served, and open pages are told to reload.
    let page = get(addr, PAGE);
    assert_eq!(page.status, 200);
    let mut events = Events::open(addr, &generation(&page.body));
    let original = std::fs::read_to_string(&report).unwrap();
    std::fs::write(
        &report,
        original.replace("稳定性问题复盘和治理跟进", "灰度发布复盘 MARKER-ONE"),
    )
    .unwrap();
    let token = events.expect("reload");
    assert_ne!(token, generation(&page.body));
    // (Polled: a slow in-place write may land as two rebuilds.)
    let page = wait_for(addr, PAGE, |b| b.contains("MARKER-ONE"));
    // The search index follows the reload (it is rebuilt after it).
    let chunk = (1..=9)
        .map(|n| format!("/search/docs-2023-{n}.js"))
        .find(|p| get(addr, p).body.contains("第50周"))
        .expect("a search chunk with 第50周");
    wait_for(addr, &chunk, |b| b.contains("MARKER-ONE"));

    // Broken front matter: the stream carries the error with file:line, the
    // last good page is still served, and new pages get the error at once.
    let mut events = Events::open(addr, &generation(&page.body));
    let broken = format!(
        "+++\ntitle = \"oops\"\n{}",
        std::fs::read_to_string(&report).unwrap()
    );
    save_atomically(&report, &broken);
    let errors = events.expect("errors");
    let list: Vec<String> = serde_json::from_str(&errors).unwrap();
    assert!(
        list.iter().any(|e| e.starts_with("第50周 2023-12-09.md:1: error: front matter is not terminated")),
        "{list:?}"
    );
    let page = get(addr, PAGE);
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("MARKER-ONE"),
        "last good site still served"
    );
    assert!(!page.body.contains("oops"), "broken version not served");
    let mut late = Events::open(addr, &generation(&page.body));
    assert!(late
        .expect("errors")
        .contains("front matter is not terminated"));

    // Fixed: the pages reload and the error is gone.
    save_atomically(
        &report,
        &broken
            .replace("+++\ntitle = \"oops\"\n", "")
            .replace("MARKER-ONE", "MARKER-TWO"),
    );
    events.expect("reload");
    let page = wait_for(addr, PAGE, |b| b.contains("MARKER-TWO"));
    let mut after = Events::open(addr, &generation(&page.body));
    while let Some((name, data)) = after.next(Duration::from_millis(300)) {
        assert_ne!(name, "errors", "errors after recovery: {data}");
    }

    // A new report in a new folder, written right after the folder is made.
    std::fs::create_dir_all(root.join("content/2024")).unwrap();
    std::fs::write(
        root.join("content/2024/第2周 2024-01-12.md"),
        "# 第2周 2024-01-12\n\n- NEW-FOLDER-REPORT\n",
    )
    .unwrap();
    let fresh = wait_for(addr, "/reports/2024-w02.html", |b| {
        b.contains("NEW-FOLDER-REPORT")
    });
    assert_eq!(fresh.status, 200);
    // Atomic save (write a temp file, rename over the report) and vim's
    // backup-rename (move the original aside, write anew, delete the backup).
    let tmp = root.join("content/2024/.第2周.md.tmp");
    std::fs::write(&tmp, "# 第2周 2024-01-12\n\n- ATOMIC-SAVE\n").unwrap();
    std::fs::rename(&tmp, root.join("content/2024/第2周 2024-01-12.md")).unwrap();
    wait_for(addr, "/reports/2024-w02.html", |b| {
        b.contains("ATOMIC-SAVE")
    });
    let target = root.join("content/2024/第2周 2024-01-12.md");
    let backup = root.join("content/2024/第2周 2024-01-12.md~");
    std::fs::rename(&target, &backup).unwrap();
    std::fs::write(&target, "# 第2周 2024-01-12\n\n- VIM-SAVE\n").unwrap();
    std::fs::remove_file(&backup).unwrap();
    wait_for(addr, "/reports/2024-w02.html", |b| b.contains("VIM-SAVE"));
    // Deleted: its page goes (to the site's 404).
    std::fs::remove_file(&target).unwrap();
    wait_for(addr, "/reports/2024-w02.html", |b| !b.contains("VIM-SAVE"));
    assert_eq!(get(addr, "/reports/2024-w02.html").status, 404);
}

#[test]
fn template_errors_show_and_recover() {
    let site = sample_site();
    let root = site.path();
    let server = start(root);
    let addr = server.addr.as_str();
    let page = get(addr, "/");
    let mut events = Events::open(addr, &generation(&page.body));
    std::fs::create_dir_all(root.join("templates")).unwrap();
    let base = read(repo().join("themes/default/templates/base.html"));
    std::fs::write(
        root.join("templates/base.html"),
        base.replace("{% block content %}", "{% block content %}{% if %}"),
    )
    .unwrap();
    let errors = events.expect("errors");
    assert!(errors.contains("templates/base.html"), "{errors}");
    assert!(errors.contains("template error"), "{errors}");
    assert_eq!(get(addr, "/").status, 200, "last good site still served");
    std::fs::write(
        root.join("templates/base.html"),
        base.replace("</footer>", "TEMPLATE-OK</footer>"),
    )
    .unwrap();
    events.expect("reload");
    wait_for(addr, "/", |b| b.contains("TEMPLATE-OK"));
}

#[test]
fn paths_are_confined_to_the_site() {
    let site = sample_site();
    std::fs::write(site.path().join("secret.txt"), "SECRET-OUTSIDE").unwrap();
    let server = start(site.path());
    let addr = server.addr.as_str();

    for ok in ["/", "/index.html", "/reports/2023-w16.html"] {
        assert_eq!(get(addr, ok).status, 200, "{ok}");
    }
    let css = get(addr, "/static/style.css");
    assert!(
        css.headers
            .contains("content-type: text/css; charset=utf-8"),
        "{}",
        css.headers
    );
    let json = get(addr, "/data/reports.json");
    assert!(
        json.headers
            .contains("content-type: application/json; charset=utf-8"),
        "{}",
        json.headers
    );
    assert!(
        !json.body.contains("_chronicle"),
        "only HTML gets the script"
    );

    for bad in [
        "/../secret.txt",
        "/../../etc/passwd",
        "/reports/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/..%2fsecret.txt",
        "/..%5csecret.txt",
        "/%5c..%5csecret.txt",
        "/reports/..\\..\\secret.txt",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/C:/Windows/win.ini",
        "/index.html%00.txt",
        "/reports/../index.html",
        "/./index.html",
    ] {
        let r = get(addr, bad);
        assert_eq!(r.status, 404, "{bad}");
        assert!(
            !r.body.contains("SECRET-OUTSIDE") && !r.body.contains("root:x:0:0"),
            "{bad}"
        );
    }
    // Those that reach the site get its own 404 page.
    let built_404 = {
        let built = chronicle::build_in_memory(&chronicle::Paths {
            root: site.path().to_path_buf(),
            ..Default::default()
        })
        .unwrap();
        let f = built
            .files
            .iter()
            .find(|f| f.path.to_str() == Some("404.html"))
            .unwrap();
        String::from_utf8(f.bytes.clone()).unwrap()
    };
    let title = |html: &str| {
        Regex::new(r"<title>[^<]*</title>")
            .unwrap()
            .find(html)
            .map(|m| m.as_str().to_string())
    };
    assert!(title(&built_404).is_some());
    for bad in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/..%5csecret.txt",
        "/index.html%00.txt",
        "/no/such/page.html",
    ] {
        let r = get(addr, bad);
        assert_eq!(r.status, 404, "{bad}");
        assert!(
            r.headers.contains("content-type: text/html; charset=utf-8"),
            "{bad}"
        );
        assert_eq!(
            title(&r.body),
            title(&built_404),
            "{bad}: the site's 404 page"
        );
    }
}

#[test]
fn build_output_never_has_the_reload_script() {
    let (_tmp, out) = build_sample();
    for (rel, bytes) in tree(&out) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("_chronicle"), "{}", rel.display());
        assert!(!text.contains("EventSource"), "{}", rel.display());
    }
}

#[test]
fn a_broken_start_is_shown_and_old_errors_do_not_block_edits() {
    let site = sample_site();
    let root = site.path();
    let config = read(root.join("config.toml"));
    std::fs::write(
        root.join("config.toml"),
        format!("{config}\ndrafts = \"yes\"\n"),
    )
    .unwrap();
    // A file that is an error in every build, and that nobody is editing.
    std::fs::write(
        root.join("content/scan.md"),
        [0x89, b'P', b'N', b'G', 0, 0, 0, 13],
    )
    .unwrap();
    let server = start(root);
    let addr = server.addr.as_str();

    // Nothing could be built: any page is a 404 that carries the script,
    // and the stream carries the config error.
    let page = get(addr, "/");
    assert_eq!(page.status, 404);
    let mut events = Events::open(addr, &generation(&page.body));
    let errors = events.expect("errors");
    assert!(errors.contains("config.toml"), "{errors}");
    std::fs::write(root.join("config.toml"), &config).unwrap();
    events.expect("reload");
    let page = wait_for(addr, "/", |b| b.contains("支付中心周报"));
    assert_eq!(page.status, 200);

    // The old binary file's error is shown but does not hold back edits.
    let mut events = Events::open(addr, &generation(&page.body));
    assert!(events.expect("errors").contains("scan.md"));
    let report = root.join(W50);
    let text = read(&report);
    std::fs::write(
        &report,
        text.replace("稳定性问题复盘和治理跟进", "STILL-UPDATES"),
    )
    .unwrap();
    events.expect("reload");
    wait_for(addr, PAGE, |b| b.contains("STILL-UPDATES"));
}

#[test]
fn many_slow_clients_do_not_starve_the_others() {
    let site = sample_site();
    let server = start(site.path());
    // A hundred clients that send half a request line and then stall
    // (slowloris) must not keep an ordinary request from being answered.
    let mut slow = Vec::new();
    for _ in 0..100 {
        let mut s = TcpStream::connect(&server.addr).unwrap();
        write!(s, "GET /index.html HT").unwrap();
        slow.push(s);
    }
    for _ in 0..20 {
        let r = get(&server.addr, PAGE);
        assert_eq!(r.status, 200);
        assert!(r.body.contains("第50周"));
    }
    // Clients that read a response one byte at a time do not either.
    let mut trickle = Vec::new();
    for _ in 0..20 {
        let mut s = TcpStream::connect(&server.addr).unwrap();
        write!(s, "GET /projects.html HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut b = [0u8; 1];
        s.read_exact(&mut b).unwrap();
        trickle.push(s);
    }
    assert_eq!(get(&server.addr, "/metrics.html").status, 200);
    drop(slow);
    drop(trickle);
    assert_eq!(get(&server.addr, "/").status, 200);
}

#[test]
fn a_serve_session_never_changes_content() {
    let site = sample_site();
    let before = tree(&site.path().join("content"));
    let server = start(site.path());
    for path in [
        "/",
        PAGE,
        "/metrics.html",
        "/projects.html",
        "/incidents.html",
        "/search.html",
        "/nope.html",
    ] {
        get(&server.addr, path);
    }
    drop(server);
    assert_eq!(before, tree(&site.path().join("content")));
    assert!(
        !site.path().join("public").exists(),
        "serve keeps the site in memory"
    );
}

/// Ctrl-C and SIGTERM stop the server with a normal exit (status 0), not
/// the signal's default action, so the process's exit handlers run.
#[cfg(unix)]
#[test]
fn a_signal_stops_the_server_with_a_normal_exit() {
    for signal in ["-INT", "-TERM"] {
        let tmp = sample_site();
        let mut server = start(tmp.path());
        // The site answers before it is stopped.
        assert_eq!(get(&server.addr, "/index.html").status, 200);
        let pid = server.child.id().to_string();
        let sent = Command::new("kill").args([signal, &pid]).status().unwrap();
        assert!(sent.success(), "kill {signal}");
        let deadline = Instant::now() + WAIT;
        let status = loop {
            if let Some(status) = server.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "{signal} did not stop the server"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(status.code(), Some(0), "{signal}: {status:?}");
    }
}
