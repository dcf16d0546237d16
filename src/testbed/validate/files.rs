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
    if !path.is_file() {
        c.push(
            field,
            format!(
                "{} '{value}' does not exist (looked for {})",
                if field == "book" {
                    "chapter"
                } else {
                    "manifest"
                },
                path.display()
            ),
        );
        return None;
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
