//! The nightly's output folder (`--out`, default `.lab/nightly/`): refused
//! before anything is made when it cannot be one, or when the folders the
//! night writes in were planted as links (the folder may predate the
//! nightly: `.lab/nightly/` of a cloned repository).

use crate::error::{LabError, Result};
use std::path::Path;

/// Refuse an output folder that cannot be one, before anything is made.
pub fn check_out(out: &Path) -> Result<()> {
    match std::fs::metadata(out) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(LabError::Usage(format!(
            "--out {}: is a file, not a folder; nothing was run",
            out.display()
        ))),
        Err(_) => {
            // It will be made: its nearest existing ancestor must be a folder.
            let mut p = out.to_path_buf();
            while !p.exists() {
                match p.parent() {
                    Some(q) if !q.as_os_str().is_empty() => p = q.to_path_buf(),
                    _ => return Ok(()),
                }
            }
            if p.is_dir() {
                Ok(())
            } else {
                Err(LabError::Usage(format!(
                    "--out {}: {} is not a folder; nothing was run",
                    out.display(),
                    p.display()
                )))
            }
        }
    }
}

/// `nights` and the night's folder `work` under `out` must not be links:
/// one would take the night's folders and the runs' reports wherever it
/// points (a run's own folder is checked by the run).
pub fn refuse_linked_night(out: &Path, work: &Path) -> Result<()> {
    for p in [out.join("nights").as_path(), work] {
        if std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(LabError::Untrusted(format!(
                "{} is a symbolic link, not made by lab, where lab writes its own files (remove it); nothing was run",
                p.display()
            )));
        }
    }
    Ok(())
}
