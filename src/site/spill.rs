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
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Mutex;

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
    /// The file and its length. One lock for writes and reads alike: a
    /// blob is a page (kilobytes) copied to or from the page cache, far
    /// less than the work around it, so two cores rarely meet here.
    file: Mutex<(File, u64)>,
}

impl Spill {
    /// A new spill file in `dir`.
    pub fn new_in(dir: &Path) -> std::io::Result<Self> {
        Ok(Self {
            file: Mutex::new((tempfile::tempfile_in(dir)?, 0)),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (File, u64)> {
        // A panic elsewhere while holding the lock left the file as it
        // was: blobs are only ever appended whole.
        self.file.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn put(&self, bytes: &[u8]) -> std::io::Result<Blob> {
        let mut guard = self.lock();
        let (file, len) = &mut *guard;
        let at = *len;
        file.seek(SeekFrom::Start(at))?;
        // On an error the length stays: whatever part was written is
        // overwritten by the next blob.
        file.write_all(bytes)?;
        *len += bytes.len() as u64;
        Ok(Blob {
            at,
            len: bytes.len(),
        })
    }

    pub fn get(&self, blob: Blob) -> std::io::Result<String> {
        let mut buf = vec![0u8; blob.len];
        {
            let mut guard = self.lock();
            let file = &mut guard.0;
            file.seek(SeekFrom::Start(blob.at))?;
            file.read_exact(&mut buf)?;
        }
        // The file holds what `put` was given, but it is a file: checked,
        // with SIMD (std's check, a byte at a time through Chinese text, was
        // 4% of a 10,000-report build; the copy costs a tenth of that).
        simdutf8::basic::from_utf8(&buf)
            .map(str::to_owned)
            .map_err(std::io::Error::other)
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
    }
}
