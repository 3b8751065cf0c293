//! The HTTP side of `serve`: files from the in-memory site, the live-reload
//! script, and the event stream that drives it.
//!
//! Requests are answered only from the in-memory map the last good build
//! produced; nothing is read from disk, so no path, symlink or encoding
//! trick can reach a file outside the site. A path is looked up exactly as
//! sent (after percent-decoding): `..`, `.`, empty segments, backslashes and
//! NUL are refused rather than normalised, and anything not in the site gets
//! its `404.html` with status 404.
//!
//! Live reload is server-sent events on the same port (axum's `Sse`, which
//! speaks the protocol; the browser's `EventSource` reconnects by itself).
//! One stream carries three events: `reload` when the served site changed,
//! `errors` (a JSON list of `path:line: error: message` lines) when the last
//! rebuild failed, and `clear` when it has recovered without any page
//! changing. A page names the generation it was served from
//! (`?since=`), so a rebuild that lands between loading the page and
//! opening the stream still reloads it, and so does a restarted server.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::sync::watch;

use super::rebuild::Files;

/// Where the script and the event stream live; no report URL starts with `_`.
pub const PREFIX: &str = "/_chronicle";
const LIVE_JS: &str = include_str!("live.js");

/// What every request and every open page sees, swapped as a whole after
/// each rebuild.
#[derive(Clone, Default)]
pub struct Status {
    /// Distinguishes this server process from a restarted one.
    pub server: u64,
    /// Bumped whenever the served files change.
    pub generation: u64,
    pub files: Arc<Files>,
    /// The last rebuild's errors (empty when it succeeded), one line each,
    /// exactly as the terminal prints them.
    pub errors: Arc<Vec<String>>,
}

impl Status {
    pub fn token(&self) -> String {
        format!("{:x}-{}", self.server, self.generation)
    }
}

pub type Shared = Arc<watch::Sender<Status>>;

pub fn router(shared: Shared) -> Router {
    Router::new()
        .route(&format!("{PREFIX}/events"), get(events))
        .route(&format!("{PREFIX}/live.js"), get(live_js))
        .fallback(site_file)
        .with_state(shared)
}

/// Maps a request path to a key of the site map, or `None` when the path
/// tries to leave it. `/` and `/dir/` mean `index.html` in that folder.
pub fn site_path(raw: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .ok()?
        .into_owned();
    let rest = decoded.strip_prefix('/')?;
    if rest.contains(['\\', '\0']) {
        return None;
    }
    let mut path = rest.to_string();
    if path.is_empty() || path.ends_with('/') {
        path.push_str("index.html");
    }
    let safe = path
        .split('/')
        .all(|seg| !seg.is_empty() && seg != "." && seg != ".." && !seg.contains(':'));
    safe.then_some(path)
}

/// The Content-Type for a site file, with the charset declared for text.
pub fn content_type(path: &str) -> String {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let textual = mime.type_() == mime_guess::mime::TEXT
        || matches!(
            mime.subtype().as_str(),
            "json" | "javascript" | "xml" | "svg" | "manifest+json" | "xhtml+xml" | "rss+xml"
        )
        || mime.suffix().is_some_and(|s| s == "xml" || s == "json");
    if textual {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    }
}

/// Adds the live-reload script to a page, before `</body>` (or at the end).
/// Only `serve` does this: built sites never contain it.
pub fn inject(html: &[u8], token: &str) -> Vec<u8> {
    let tag = format!(r#"<script src="{PREFIX}/live.js" data-generation="{token}"></script>"#);
    let at = html
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + tag.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

/// Shown when the site has no page to show at all: the first build failed,
/// or the site has no 404.html. It carries the script, so the error overlay
/// appears and the page reloads once the site builds.
const PLACEHOLDER: &str = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Not found</title></head>\n<body><p>Not found.</p></body></html>\n";

fn respond(status: StatusCode, path: &str, bytes: Bytes, token: &str) -> Response {
    let ctype = content_type(path);
    let body = if ctype.starts_with("text/html") {
        Body::from(inject(&bytes, token))
    } else {
        Body::from(bytes)
    };
    let mut res = Response::new(body);
    *res.status_mut() = status;
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&ctype) {
        h.insert(header::CONTENT_TYPE, v);
    }
    // A writing loop must never show a cached, older page.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}

async fn site_file(State(shared): State<Shared>, method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let mut res = (StatusCode::METHOD_NOT_ALLOWED, "method not allowed").into_response();
        res.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return res;
    }
    let status = shared.borrow().clone();
    let token = status.token();
    if let Some(path) = site_path(uri.path()) {
        if let Some(bytes) = status.files.get(&path) {
            return respond(StatusCode::OK, &path, bytes.clone(), &token);
        }
        // `/reports` for a folder with an index: on to `/reports/`, as
        // static hosts do, so relative links inside it resolve.
        if status.files.contains_key(&format!("{path}/index.html")) {
            let location = format!("{}/", uri.path());
            if let Ok(v) = HeaderValue::from_str(&location) {
                let mut res = StatusCode::MOVED_PERMANENTLY.into_response();
                res.headers_mut().insert(header::LOCATION, v);
                return res;
            }
        }
    }
    match status.files.get("404.html") {
        Some(page) => respond(StatusCode::NOT_FOUND, "404.html", page.clone(), &token),
        None => respond(
            StatusCode::NOT_FOUND,
            "404.html",
            Bytes::from_static(PLACEHOLDER.as_bytes()),
            &token,
        ),
    }
}

async fn live_js() -> Response {
    respond(
        StatusCode::OK,
        "live.js",
        Bytes::from_static(LIVE_JS.as_bytes()),
        "",
    )
}

fn query_param<'a>(query: Option<&'a str>, name: &str) -> Option<&'a str> {
    query?
        .split('&')
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
}

async fn events(State(shared): State<Shared>, uri: Uri) -> impl IntoResponse {
    let since = query_param(uri.query(), "since").map(str::to_string);
    let rx = shared.subscribe();
    // The first event sets a short retry, so pages reconnect quickly to a
    // restarted server, and tells a client the stream is live.
    let hello = Event::default()
        .event("hello")
        .data("")
        .retry(Duration::from_millis(500));
    let state = (rx, since, Arc::new(Vec::<String>::new()), Some(hello));
    let stream =
        futures_util::stream::unfold(state, |(mut rx, seen, seen_errors, hello)| async move {
            if let Some(h) = hello {
                return Some((Ok::<_, Infallible>(h), (rx, seen, seen_errors, None)));
            }
            loop {
                let (token, errors) = {
                    let s = rx.borrow_and_update();
                    (s.token(), s.errors.clone())
                };
                let seen_token = seen.clone().unwrap_or_else(|| token.clone());
                if token != seen_token {
                    let ev = Event::default().event("reload").data(&token);
                    return Some((Ok(ev), (rx, Some(token), errors, None)));
                }
                if errors != seen_errors {
                    let ev = if errors.is_empty() {
                        Event::default().event("clear").data("")
                    } else {
                        let json = serde_json::to_string(&*errors).unwrap_or_default();
                        Event::default().event("errors").data(json)
                    };
                    return Some((Ok(ev), (rx, Some(token), errors, None)));
                }
                if rx.changed().await.is_err() {
                    return None;
                }
            }
        });
    let mut res = Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_site() {
        assert_eq!(site_path("/").as_deref(), Some("index.html"));
        assert_eq!(
            site_path("/reports/2023-w16.html").as_deref(),
            Some("reports/2023-w16.html")
        );
        assert_eq!(
            site_path("/reports/").as_deref(),
            Some("reports/index.html")
        );
        assert_eq!(site_path("/%E7%AC%AC.html").as_deref(), Some("第.html"));
        for bad in [
            "/../etc/passwd",
            "/reports/../index.html",
            "/%2e%2e/etc/passwd",
            "/%2E%2E%2Fetc%2Fpasswd",
            "/..%5c..%5cwindows",
            "/a\\b",
            "//etc/passwd",
            "/%2fetc/passwd",
            "/C:/windows",
            "/a%00.html",
            "/./index.html",
            "/%ff.html",
            "relative",
        ] {
            assert_eq!(site_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn text_types_declare_utf8() {
        assert_eq!(content_type("a.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("s/style.css"), "text/css; charset=utf-8");
        assert_eq!(
            content_type("data/reports.json"),
            "application/json; charset=utf-8"
        );
        assert!(content_type("x.js").ends_with("javascript; charset=utf-8"));
        assert_eq!(content_type("c.svg"), "image/svg+xml; charset=utf-8");
        assert_eq!(content_type("p.png"), "image/png");
        assert_eq!(content_type("noext"), "application/octet-stream");
    }

    #[test]
    fn script_goes_before_body_end() {
        let html = b"<html><body><p>x</p></BODY></html>";
        let out = String::from_utf8(inject(html, "1-2")).unwrap();
        assert!(
            out.ends_with(
                r#"<script src="/_chronicle/live.js" data-generation="1-2"></script></BODY></html>"#
            ),
            "{out}"
        );
        let bare = String::from_utf8(inject(b"<p>x</p>", "t")).unwrap();
        assert!(bare.starts_with("<p>x</p><script"), "{bare}");
    }

    #[test]
    fn query_params() {
        assert_eq!(query_param(Some("since=a-1"), "since"), Some("a-1"));
        assert_eq!(query_param(Some("x=1&since=b"), "since"), Some("b"));
        assert_eq!(query_param(Some("sincere=1"), "since"), None);
        assert_eq!(query_param(None, "since"), None);
    }
}
