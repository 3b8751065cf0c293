//! Helpers shared by the integration tests: run the real binary on real
//! archives in temp folders and read what it wrote.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn chronicle(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chronicle"))
        .args(args)
        .output()
        .expect("run chronicle")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Builds the repository's sample archive (its config.toml and content/)
/// into a fresh temp folder and returns (tempdir, output folder).
pub fn build_sample() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let o = chronicle(&[
        "build",
        "--root",
        repo().to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(
        o.status.success(),
        "build failed: {}\n{}",
        stderr(&o),
        stdout(&o)
    );
    (tmp, out)
}

/// Writes `files` (relative path → text) under a new temp folder.
pub fn archive(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for (rel, bytes) in files {
        let p = tmp.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    tmp
}

pub fn read(path: impl AsRef<Path>) -> String {
    let p = path.as_ref();
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// All files under `dir`, relative path → bytes.
pub fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(dir) {
        let e = e.unwrap();
        if e.file_type().is_file() {
            out.insert(
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            );
        }
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

/// Checks that every relative `href`/`src` in every HTML file under `out`
/// names a file that exists, and that each `#fragment` names an id there.
/// Returns the number of links checked.
pub fn assert_links_resolve(out: &Path) -> usize {
    let attr = regex::Regex::new(r#"(?:href|src)="([^"]*)""#).unwrap();
    let id = regex::Regex::new(r#"\bid="([^"]*)""#).unwrap();
    let mut checked = 0;
    for (rel, bytes) in tree(out) {
        if rel.extension().is_none_or(|e| e != "html") || rel == Path::new("404.html") {
            continue;
        }
        let html = String::from_utf8(bytes).unwrap();
        let dir = out.join(&rel).parent().unwrap().to_path_buf();
        for c in attr.captures_iter(&html) {
            let link = unescape(&c[1]);
            if link.starts_with("http://")
                || link.starts_with("https://")
                || link.starts_with("mailto:")
            {
                continue;
            }
            assert!(
                !link.starts_with('/'),
                "{}: absolute link {link}",
                rel.display()
            );
            assert!(
                !link.ends_with('/'),
                "{}: link to a folder {link}",
                rel.display()
            );
            let (path, frag) = match link.split_once('#') {
                Some((p, f)) => (p.to_string(), Some(f.to_string())),
                None => (link.clone(), None),
            };
            let target = if path.is_empty() {
                out.join(&rel)
            } else {
                dir.join(&path)
            };
            assert!(target.is_file(), "{}: broken link {link}", rel.display());
            if let (Some(frag), true) = (frag, target.extension().is_some_and(|e| e == "html")) {
                if !frag.is_empty() {
                    let text = read(&target);
                    let found = id.captures_iter(&text).any(|i| unescape(&i[1]) == frag);
                    assert!(
                        found,
                        "{}: no id `{frag}` in {}",
                        rel.display(),
                        target.display()
                    );
                }
            }
            checked += 1;
        }
    }
    checked
}

/// Builds the site rooted at `root` into `root/public`, asserting success.
pub fn build_at(root: &Path) -> PathBuf {
    let out = root.join("public");
    let o = chronicle(&[
        "build",
        "--root",
        root.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    out
}

/// A temp copy of the repository's sample archive (content/ and config.toml).
pub fn sample_copy() -> tempfile::TempDir {
    archive_copy(&repo().join("content"))
}

/// A temp site whose content/ is a copy of the files in `reports`, with the
/// repository's config.toml.
pub fn archive_copy(reports: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let content = tmp.path().join("content");
    std::fs::create_dir_all(&content).unwrap();
    for e in std::fs::read_dir(reports).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), content.join(e.file_name())).unwrap();
    }
    std::fs::copy(repo().join("config.toml"), tmp.path().join("config.toml")).unwrap();
    tmp
}
