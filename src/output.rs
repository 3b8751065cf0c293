//! The output stage. The whole site is written into a fresh folder beside
//! the output folder and swapped in by rename only when every file is
//! written, so a failed build never leaves a half-written `public/` and a
//! reader with the site open sees either the old site or the new one.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::diag::Diagnostic;
use crate::render::OutFile;

/// Only plain relative paths may be written: nothing can escape the output
/// folder whatever a template or a file name says.
fn is_safe(path: &Path) -> bool {
    !path.as_os_str().is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)))
}

/// A site being written: files go into a fresh temporary folder beside the
/// output folder as they are rendered, and `commit` swaps it in. Dropped
/// without `commit` (a render error, a panic), the temporary folder is
/// removed and the previous site stays as it was. `write` takes `&self` and
/// may be called from many threads, so pages can be written as they are
/// rendered instead of all being held in memory first.
pub struct Staging {
    tmp: tempfile::TempDir,
    output: PathBuf,
    parent: PathBuf,
    name: String,
    /// Folders already created in the staging folder.
    dirs: Mutex<HashSet<PathBuf>>,
}

fn io_error(path: &Path, what: &str, e: std::io::Error) -> Diagnostic {
    Diagnostic::error(path, None, format!("{what}: {e}"))
}

impl Staging {
    pub fn new(output: &Path) -> Result<Self, Diagnostic> {
        if output.exists() && !output.is_dir() {
            return Err(Diagnostic::error(
                output,
                None,
                "output path exists and is not a folder",
            ));
        }
        let name = output
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "public".into());
        let parent = match output.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent)
            .map_err(|e| io_error(&parent, "cannot create folder", e))?;
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}.tmp-"))
            .tempdir_in(&parent)
            .map_err(|e| io_error(&parent, "cannot create a temporary folder", e))?;
        Ok(Self {
            tmp,
            output: output.to_path_buf(),
            parent,
            name,
            dirs: Mutex::new(HashSet::new()),
        })
    }

    /// The staging folder itself, which is removed unless committed.
    pub fn folder(&self) -> &Path {
        self.tmp.path()
    }

    /// Creates `dir` (relative) and its parents once, however many files
    /// and threads ask for it.
    fn ensure_dir(&self, dir: &Path) -> Result<(), Diagnostic> {
        if dir.as_os_str().is_empty() {
            return Ok(());
        }
        let mut made = self.dirs.lock().unwrap_or_else(|e| e.into_inner());
        if made.contains(dir) {
            return Ok(());
        }
        let p = self.tmp.path().join(dir);
        std::fs::create_dir_all(&p).map_err(|e| io_error(&p, "cannot create folder", e))?;
        for a in dir.ancestors() {
            if a.as_os_str().is_empty() || !made.insert(a.to_path_buf()) {
                break;
            }
        }
        Ok(())
    }

    pub fn write(&self, file: &OutFile) -> Result<(), Diagnostic> {
        if !is_safe(&file.path) {
            return Err(Diagnostic::error(
                &file.path,
                None,
                "refusing to write outside the output folder",
            ));
        }
        if let Some(dir) = file.path.parent() {
            self.ensure_dir(dir)?;
        }
        let p = self.tmp.path().join(&file.path);
        if file.append {
            use std::io::Write;
            return std::fs::OpenOptions::new()
                .append(true)
                .open(&p)
                .and_then(|mut f| f.write_all(&file.bytes))
                .map_err(|e| io_error(&p, "cannot write", e));
        }
        std::fs::write(&p, &file.bytes).map_err(|e| io_error(&p, "cannot write", e))
    }

    /// Swaps the staged site in for the output folder.
    pub fn commit(self) -> Result<(), Diagnostic> {
        let Staging {
            tmp,
            output,
            parent,
            name,
            ..
        } = self;
        let staged = tmp.keep();
        let old = parent.join(format!(".{name}.old-{}", std::process::id()));
        let had_old = output.exists();
        if had_old {
            let _ = std::fs::remove_dir_all(&old);
            if let Err(e) = std::fs::rename(&output, &old) {
                let _ = std::fs::remove_dir_all(&staged);
                return Err(io_error(&output, "cannot move the previous site aside", e));
            }
        }
        if let Err(e) = std::fs::rename(&staged, &output) {
            if had_old {
                let _ = std::fs::rename(&old, &output);
            }
            let _ = std::fs::remove_dir_all(&staged);
            return Err(io_error(&output, "cannot move the new site into place", e));
        }
        if had_old {
            let _ = std::fs::remove_dir_all(&old);
        }
        Ok(())
    }
}

/// Writes a rendered site (in parallel) and swaps it in.
pub fn write_site(output: &Path, files: &[OutFile]) -> Result<(), Diagnostic> {
    if let Some(bad) = files.iter().find(|f| !is_safe(&f.path)) {
        return Err(Diagnostic::error(
            &bad.path,
            None,
            "refusing to write outside the output folder",
        ));
    }
    let staging = Staging::new(output)?;
    files.par_iter().try_for_each(|f| staging.write(f))?;
    staging.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swaps_in_complete_site() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write_site(
            &out,
            &[
                OutFile::new("a.html", "one"),
                OutFile::new("x/b.html", "two"),
            ],
        )
        .unwrap();
        write_site(&out, &[OutFile::new("c.html", "three")]).unwrap();
        assert!(!out.join("a.html").exists());
        assert_eq!(
            std::fs::read_to_string(out.join("c.html")).unwrap(),
            "three"
        );
        // Nothing left beside it.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn staging_written_from_threads_and_dropped_leaves_old_site() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write_site(&out, &[OutFile::new("a.html", "one")]).unwrap();
        let files: Vec<OutFile> = (0..200)
            .map(|i| OutFile::new(format!("r/{}/p{i}.html", i % 7), format!("{i}")))
            .collect();
        let staging = Staging::new(&out).unwrap();
        files.par_iter().for_each(|f| staging.write(f).unwrap());
        drop(staging);
        assert_eq!(std::fs::read_to_string(out.join("a.html")).unwrap(), "one");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

        let staging = Staging::new(&out).unwrap();
        files.par_iter().for_each(|f| staging.write(f).unwrap());
        assert!(staging.write(&OutFile::new("../x.html", "x")).is_err());
        staging.commit().unwrap();
        assert!(!out.join("a.html").exists());
        assert_eq!(
            std::fs::read_to_string(out.join("r/3/p199.html")).unwrap(),
            "199"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_streamed_file_is_written_part_after_part() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let staging = Staging::new(&out).unwrap();
        let sink = |f: OutFile| staging.write(&f);
        let mut w = crate::render::Streamed::new("data/big.json", &sink);
        let line = "一行数据,0123456789\n".repeat(1000);
        for _ in 0..100 {
            w.write_all(line.as_bytes()).unwrap();
        }
        w.finish().unwrap();
        staging.commit().unwrap();
        let got = std::fs::read_to_string(out.join("data/big.json")).unwrap();
        assert_eq!(got.len(), line.len() * 100, "more than one part");
        assert!(got.len() > 2 << 20);
        assert_eq!(got, line.repeat(100));
    }

    #[test]
    fn refuses_escaping_paths_and_keeps_old_site() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write_site(&out, &[OutFile::new("a.html", "one")]).unwrap();
        assert!(write_site(&out, &[OutFile::new("../evil.html", "x")]).is_err());
        assert!(write_site(&out, &[OutFile::new("/etc/x", "x")]).is_err());
        assert_eq!(std::fs::read_to_string(out.join("a.html")).unwrap(), "one");
        assert!(!dir.path().join("evil.html").exists());
    }
}
