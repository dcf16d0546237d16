//! A lab's state folder on disk: made private (0700), emptied by `destroy`
//! (keeping the evidence unless purged), and files in it written
//! atomically (a temporary file, then rename), so a crash or a Ctrl-C never
//! leaves a half-written file behind.

use crate::error::{LabError, Result};
use std::path::Path;

/// Make a lab's state folder (and its parents) and make it private: 0700,
/// so no other user can read its state or log, or open its lock.
pub fn make_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    root_is_a_folder()?;
    std::fs::create_dir_all(dir)
        .map_err(|e| LabError::io(format!("creating {}", dir.display()), e))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| LabError::io(format!("making {} private", dir.display()), e))
}

/// The state root (`LAB_STATE_DIR`), when it exists, must be a folder: a
/// device, a FIFO or a file there is the user's setting to fix (exit 2),
/// not a failure of `lab`.
pub(super) fn root_is_a_folder() -> Result<()> {
    let root = super::root();
    match std::fs::metadata(&root) {
        Ok(m) if !m.is_dir() => Err(LabError::Usage(format!(
            "the state root {} (LAB_STATE_DIR, else ./.lab) is not a folder: \
             point LAB_STATE_DIR at a folder, or unset it",
            root.display()
        ))),
        _ => Ok(()),
    }
}

/// What a lab's state folder keeps after `destroy`: the log and the
/// diagnostics, the evidence of a failed night (removed by `--purge`).
pub const EVIDENCE: [&str; 2] = [LOG_FILE, "artifacts"];

/// Every command of a lab and its output, in its state folder.
pub const LOG_FILE: &str = "lab.log";

/// Empty a lab's state folder `dir`, keeping [`EVIDENCE`] when asked, and
/// remove the folder when nothing is left. A missing folder is fine.
pub fn clear_lab_dir(dir: &Path, keep_evidence: bool) -> Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(LabError::io(format!("reading {}", dir.display()), e)),
    };
    for e in entries.flatten() {
        if keep_evidence
            && e.file_name()
                .to_str()
                .is_some_and(|n| EVIDENCE.contains(&n))
        {
            continue;
        }
        let p = e.path();
        let r = if e.file_type().is_ok_and(|t| t.is_dir()) {
            std::fs::remove_dir_all(&p)
        } else {
            std::fs::remove_file(&p)
        };
        match r {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                return Err(LabError::io(format!("removing {}", p.display()), err));
            }
            _ => {}
        }
    }
    // Fails, as it should, when evidence is left in it.
    let _ = std::fs::remove_dir(dir);
    Ok(())
}

/// Write a file atomically: a temporary file beside it, synced, then renamed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_mode(path, bytes, 0o644)
}

/// Write a file atomically, created with the given Unix permissions (so a
/// private key is never readable by others, not even for a moment).
pub fn write_atomic_mode(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    replace_file(path, bytes, mode, true)
}

/// Replace a file by renaming a temporary one over it, so readers never see
/// it half-written; `sync` makes it durable too (state), which files remade
/// by every `up` can skip.
pub fn replace_file(path: &Path, bytes: &[u8], mode: u32, sync: bool) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(mode)
            .open(&tmp)?;
        f.write_all(bytes)?;
        if sync {
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        LabError::io(format!("writing {}", path.display()), e)
    })
}
