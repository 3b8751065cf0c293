//! The output stage. The whole site is written into a fresh folder beside
//! the output folder and swapped in by rename only when every file is
//! written, so a failed build never leaves a half-written `public/` and a
//! reader with the site open sees either the old site or the new one.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use crate::diag::Diagnostic;
use crate::render::OutFile;

/// Only plain relative paths may be written: nothing can escape the output
/// folder whatever a template or a file name says.
fn is_safe(path: &Path) -> bool {
    !path.as_os_str().is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)))
}

pub fn write_site(output: &Path, files: &[OutFile]) -> Result<(), Diagnostic> {
    if let Some(bad) = files.iter().find(|f| !is_safe(&f.path)) {
        return Err(Diagnostic::error(
            &bad.path,
            None,
            "refusing to write outside the output folder",
        ));
    }
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
    let io = |path: &Path, what: &str, e: std::io::Error| {
        Diagnostic::error(path, None, format!("{what}: {e}"))
    };
    std::fs::create_dir_all(&parent).map_err(|e| io(&parent, "cannot create folder", e))?;
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}.tmp-"))
        .tempdir_in(&parent)
        .map_err(|e| io(&parent, "cannot create a temporary folder", e))?;

    let dirs: BTreeSet<&Path> = files.iter().filter_map(|f| f.path.parent()).collect();
    for d in dirs {
        let p = tmp.path().join(d);
        std::fs::create_dir_all(&p).map_err(|e| io(&p, "cannot create folder", e))?;
    }
    files.par_iter().try_for_each(|f| {
        let p = tmp.path().join(&f.path);
        std::fs::write(&p, &f.bytes).map_err(|e| io(&p, "cannot write", e))
    })?;

    let staged = tmp.keep();
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    let had_old = output.exists();
    if had_old {
        let _ = std::fs::remove_dir_all(&old);
        if let Err(e) = std::fs::rename(output, &old) {
            let _ = std::fs::remove_dir_all(&staged);
            return Err(io(output, "cannot move the previous site aside", e));
        }
    }
    if let Err(e) = std::fs::rename(&staged, output) {
        if had_old {
            let _ = std::fs::rename(&old, output);
        }
        let _ = std::fs::remove_dir_all(&staged);
        return Err(io(output, "cannot move the new site into place", e));
    }
    if had_old {
        let _ = std::fs::remove_dir_all(&old);
    }
    Ok(())
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
