//! Page bodies a build has made and needs once more, kept in a file
//! instead of in memory.
//!
//! A page's HTML is made while its Markdown is read (with the facts that
//! the views need from every report), but its page can only be written
//! once the views exist: previous/next, project links and this week's
//! figures come from all the reports. Held in memory, the HTML and the
//! search texts of 10,000 reports were half of a build's peak (170 MB).
//! A build writes them to an unnamed file beside the output as each page
//! is prepared and reads each back once, when its page or its part of the
//! search index is written: the same bytes a write makes anyway, from the
//! page cache, instead of a second Markdown pass or memory that grows
//! with the archive.
//!
//! `serve` and `build_in_memory` keep everything in memory: they re-render
//! pages around each edit. So does a build of a small archive (`worth_it`).

use std::fs::File;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Archives with less Markdown than this keep their pages' HTML and texts
/// in memory. Below it the memory saved is tens of MB and writing and
/// reading back the file is a few percent of the build: 1,000 reports
/// (7 MB of Markdown) built in 0.39-0.42 s at 75 MiB without it, 0.42-0.45 s
/// at 56 MiB with it. 10,000 reports (70 MB) need it to stay under 300 MiB.
pub const SPILL_FROM: u64 = 16 << 20;
// The benchmark's 1,000 reports (7 MB) stay in memory, its 10,000 (70 MB)
// spill.
const _: () = assert!(7 << 20 < SPILL_FROM && SPILL_FROM < 70 << 20);

/// Whether a build of `source_bytes` of Markdown spills. The threshold is
/// `SPILL_FROM`, or `CHRONICLE_SPILL_FROM` (bytes) where set: the tests
/// set it to 0 to build small archives through the spill file.
pub fn worth_it(source_bytes: u64) -> bool {
    source_bytes >= threshold(std::env::var("CHRONICLE_SPILL_FROM").ok().as_deref())
}

/// `SPILL_FROM`, or the bytes `var` gives (an unreadable value is ignored).
fn threshold(var: Option<&str>) -> u64 {
    var.and_then(|v| v.trim().parse().ok())
        .unwrap_or(SPILL_FROM)
}

/// The largest blob whose read buffer a thread keeps for the next one
/// (`Spill::get`): a page's HTML or texts are tens of KB.
const KEEP_READ_BUFFER: usize = 1 << 20;

/// Where one blob is in the spill file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blob {
    at: u64,
    len: usize,
}

/// A page's HTML and section texts, moved out of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spilled {
    pub html: Blob,
    pub bodies: Blob,
}

/// An append-only file of blobs, deleted when dropped (or when the
/// process dies: it never has a name where the operating system allows).
pub struct Spill {
    file: File,
    /// Where the next blob goes. Each blob's place is taken here first and
    /// then written with positional I/O, so writers and readers never wait
    /// for each other: the report pages and the search index read the file
    /// back side by side.
    len: AtomicU64,
}

impl Spill {
    /// A new spill file in `dir`.
    pub fn new_in(dir: &Path) -> std::io::Result<Self> {
        Ok(Self {
            file: tempfile::tempfile_in(dir)?,
            len: AtomicU64::new(0),
        })
    }

    pub fn put(&self, bytes: &[u8]) -> std::io::Result<Blob> {
        let at = self.len.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        // On an error the place stays taken, unread: a hole in the file.
        write_all_at(&self.file, bytes, at)?;
        Ok(Blob {
            at,
            len: bytes.len(),
        })
    }

    pub fn get(&self, blob: Blob) -> std::io::Result<String> {
        // Read into a buffer each thread keeps, not a new one per blob: a
        // new one must be zeroed before `read_exact_at` may fill it (safe
        // Rust cannot read into memory that was never written), and zeroing
        // the 170 MB a 10,000-report build reads back cost as much as
        // checking it (245 M instructions, 1% of the build). The string
        // handed out is the copy that was made anyway. A blob too big to be
        // worth keeping room for gets a buffer of its own.
        thread_local! {
            static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let read = |buf: &mut Vec<u8>| {
            if buf.len() < blob.len {
                buf.resize(blob.len, 0);
            }
            let buf = &mut buf[..blob.len];
            read_exact_at(&self.file, buf, blob.at)?;
            // The file holds what `put` was given, but it is a file: checked,
            // with SIMD (std's check, a byte at a time through Chinese text,
            // was 4% of a 10,000-report build).
            simdutf8::basic::from_utf8(buf)
                .map(str::to_owned)
                .map_err(std::io::Error::other)
        };
        if blob.len > KEEP_READ_BUFFER {
            return read(&mut Vec::new());
        }
        BUF.with_borrow_mut(read)
    }

    /// Moves `page`'s HTML and section texts into the file. On an error
    /// (a full disk) the page keeps them: the build needs more memory,
    /// but loses nothing.
    pub fn take(&self, page: &mut super::Page) {
        let bodies = page.rendered.text.take_bodies();
        let put = self.put(page.rendered.html.as_bytes()).and_then(|html| {
            Ok(Spilled {
                html,
                bodies: self.put(bodies.as_bytes())?,
            })
        });
        match put {
            Ok(spilled) => {
                page.rendered.html = String::new();
                page.spilled = Some(spilled);
            }
            Err(_) => page.rendered.text.put_bodies(bodies),
        }
    }
}

#[cfg(unix)]
fn write_all_at(file: &File, bytes: &[u8], at: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, at)
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

#[cfg(windows)]
fn write_all_at(file: &File, mut bytes: &[u8], mut at: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !bytes.is_empty() {
        match file.seek_write(bytes, at)? {
            0 => return Err(std::io::ErrorKind::WriteZero.into()),
            n => (bytes, at) = (&bytes[n..], at + n as u64),
        }
    }
    Ok(())
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut at: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, at)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => (buf, at) = (&mut buf[n..], at + n as u64),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_come_back_as_they_went_in() {
        let dir = tempfile::tempdir().unwrap();
        let spill = Spill::new_in(dir.path()).unwrap();
        let a = spill.put("第16周 <b>报告</b>".as_bytes()).unwrap();
        let empty = spill.put(b"").unwrap();
        let b = spill.put(b"second").unwrap();
        assert_eq!(spill.get(b).unwrap(), "second");
        assert_eq!(spill.get(a).unwrap(), "第16周 <b>报告</b>");
        assert_eq!(spill.get(empty).unwrap(), "");
        // Unnamed: nothing is left in the folder to clean up or to publish.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_blob_read_after_a_longer_one_is_only_itself() {
        // Reads share a buffer per thread: what a longer blob left in it
        // must not show through a shorter one, nor a big one's (its own
        // buffer) through the next.
        let dir = tempfile::tempdir().unwrap();
        let spill = Spill::new_in(dir.path()).unwrap();
        let long = spill.put("长".repeat(1000).as_bytes()).unwrap();
        let short = spill.put("短".as_bytes()).unwrap();
        let big_text = "x".repeat(KEEP_READ_BUFFER + 1);
        let big = spill.put(big_text.as_bytes()).unwrap();
        assert_eq!(spill.get(long).unwrap(), "长".repeat(1000));
        assert_eq!(spill.get(short).unwrap(), "短");
        assert_eq!(spill.get(big).unwrap(), big_text);
        assert_eq!(spill.get(short).unwrap(), "短");
        // A blob that is not UTF-8 (the file is a file) is an error, and
        // the next read is not affected by it.
        let bad = spill.put(&[0xE9, 0x95]).unwrap();
        assert!(spill.get(bad).is_err());
        assert_eq!(spill.get(long).unwrap(), "长".repeat(1000));
    }

    #[test]
    fn small_archives_do_not_spill_unless_told_to() {
        assert_eq!(threshold(None), SPILL_FROM);
        assert_eq!(threshold(Some("0")), 0);
        assert_eq!(threshold(Some(" 1024\n")), 1024);
        assert_eq!(threshold(Some("lots")), SPILL_FROM);
    }

    #[test]
    fn prepared_pages_keep_their_html_and_texts_in_the_spill() {
        let content = tempfile::tempdir().unwrap();
        std::fs::write(
            content.path().join("第16周 2023-04-21.md"),
            "# 第16周\n\n## 系统运行数据\n\n- 入金有效成功率：99.99%\n",
        )
        .unwrap();
        let config = crate::config::Config::default();
        let archive = crate::content::load(content.path(), &config, &[]);
        let out = tempfile::tempdir().unwrap();
        let spill = std::sync::Arc::new(Spill::new_in(out.path()).unwrap());
        let pages = crate::site::prepare_all(archive, &config, Some(spill));
        let site = crate::site::with_views(
            pages,
            config.clone(),
            crate::site::views(&[], &config, Default::default()),
        )
        .0;
        let page = &site.reports[0];
        // Nothing left in memory but anchors and titles…
        assert!(page.spilled.is_some());
        assert!(page.rendered.html.is_empty());
        assert!(page.rendered.text.iter().all(|s| s.text.is_empty()));
        assert!(page.rendered.text.iter().any(|s| s.title == "系统运行数据"));
        // …and both come back whole.
        assert!(site
            .html(page)
            .unwrap()
            .contains("入金有效成功率：99.99%</li>"));
        let bodies = site.section_bodies(page).unwrap();
        let texts: Vec<&str> = page
            .rendered
            .text
            .iter_with(&bodies)
            .map(|s| s.text)
            .collect();
        assert!(texts.contains(&"入金有效成功率：99.99%"), "{texts:?}");
        // Once a build has let the file go, a spilled page is an error
        // naming its file, never an empty page.
        let mut site = site;
        site.spill = None;
        let err = site.html(&site.reports[0]).unwrap_err();
        assert!(err.message.contains("already released"), "{err:?}");
        assert!(err.path.ends_with("第16周 2023-04-21.md"), "{err:?}");
        assert!(site.section_bodies(&site.reports[0]).is_err());
    }
}
