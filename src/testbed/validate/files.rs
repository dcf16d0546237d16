//! The files a lab names (manifests, the chapter): relative, inside the lab
//! folder (symlinks included), present.

use super::Collector;
use std::path::{Path, PathBuf};

/// A manifest path: relative, inside the lab folder, safe characters.
pub(super) fn manifest_path(
    c: &mut Collector,
    dir: &Path,
    field: &str,
    value: &str,
) -> Option<PathBuf> {
    let safe = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/".contains(&b))
        && !value.starts_with('/')
        && !value.split('/').any(|p| p == "..");
    if !safe {
        c.push(field, format!("'{value}' is not a valid manifest path (a relative path inside the lab folder, letters, digits, . _ - /)"));
        return None;
    }
    let path = dir.join(value);
    let what = if field == "book" {
        "chapter"
    } else {
        "manifest"
    };
    // What is there, named as it is: a FIFO, a folder or a device is no
    // file, which "does not exist" would hide.
    match std::fs::metadata(&path) {
        Ok(m) if m.is_file() => {}
        Ok(m) => {
            c.push(
                field,
                format!(
                    "{what} '{value}' is {}, not a file ({})",
                    crate::input_file::kind(m.file_type()),
                    path.display()
                ),
            );
            return None;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            c.push(
                field,
                format!(
                    "{what} '{value}' does not exist (looked for {})",
                    path.display()
                ),
            );
            return None;
        }
        Err(e) => {
            c.push(
                field,
                format!("{what} '{value}' cannot be read: {e} ({})", path.display()),
            );
            return None;
        }
    }
    // Symlinks included: what is read must be the lab folder's own file.
    let home = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let (real, home) = (std::fs::canonicalize(&path), std::fs::canonicalize(home));
    match (real, home) {
        (Ok(real), Ok(home)) if real.starts_with(&home) => Some(path),
        (Ok(real), _) => {
            c.push(
                field,
                format!(
                    "'{value}' resolves (through a symlink) to {}, outside the lab folder; a lab reads only its own files",
                    real.display()
                ),
            );
            None
        }
        (Err(e), _) => {
            c.push(field, format!("'{value}' cannot be resolved: {e}"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testbed::{LoadOptions, load_file};
    use std::path::Path;

    /// A chapter or a manifest that is a FIFO or a folder is named as what
    /// it is ("does not exist" hid it, probe21p), and nothing waits on the
    /// FIFO.
    #[test]
    fn a_lab_file_that_is_no_file_is_named_as_what_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("labs/chapter4");
        for f in ["lab.yaml", "flannel_fix.yml", "nginx-deployment.yaml"] {
            std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
        }
        let fifo = std::ffi::CString::new(dir.path().join("chapter.md").to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        std::fs::create_dir(dir.path().join("flannel.yml")).unwrap();
        let Err(err) = load_file(&dir.path().join("lab.yaml"), LoadOptions::default()) else {
            panic!("a FIFO chapter was loaded");
        };
        let err = err.to_string();
        assert!(
            err.contains("chapter 'chapter.md' is a FIFO, not a file"),
            "{err}"
        );
        assert!(
            err.contains("manifest 'flannel.yml' is a folder, not a file"),
            "{err}"
        );
    }
}
