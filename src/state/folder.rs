//! A lab's state folder on disk: made private (0700), emptied by `destroy`
//! (keeping the evidence unless purged), and files in it written
//! atomically (a temporary file, then rename), so a crash or a Ctrl-C never
//! leaves a half-written file behind.

use crate::error::{LabError, Result};
use std::path::Path;

/// Make a lab's state folder (and its parents) and make it private: 0700,
/// so no other user can read its state or log, or open its lock. A folder
/// that holds a symbolic link (or is one) is refused: it may have been
/// there before `lab` (`.lab/` of a cloned repository, a shared
/// `LAB_STATE_DIR`), and `lab`, root, would write its log, its copies of
/// the lab's files and its keys wherever the links point.
pub fn make_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    root_is_usable()?;
    std::fs::create_dir_all(dir)
        .map_err(|e| LabError::io(format!("creating {}", dir.display()), e))?;
    refuse_links(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| LabError::io(format!("making {} private", dir.display()), e))
}

/// The state root (`LAB_STATE_DIR`) must be a place where lab can make its
/// folders ([`crate::places::unusable`]): a device, a FIFO or a file
/// there, a kernel filesystem (`/proc`, `/sys`) or a read-only mount is the
/// user's setting to fix (exit 2, nothing made), not a failure of `lab`.
pub fn root_is_usable() -> Result<()> {
    let root = super::root();
    match crate::places::unusable(&root) {
        Some(why) => Err(LabError::Usage(format!(
            "the state root {} (LAB_STATE_DIR, else ./.lab) {why}: \
             point LAB_STATE_DIR at a folder lab can write, or unset it; nothing was made",
            root.display()
        ))),
        None => Ok(()),
    }
}

/// The links a state folder may hold: the netns provider's `nodes` and
/// `pods`, which `up` itself replaces by links to the lab's tmpfs before
/// anything is written there.
const OWN_LINKS: [&str; 2] = ["nodes", "pods"];

/// [`make_private_dir`]'s check (and the nightly's, for a run's folder):
/// `dir` is a folder, not a link, and holds no link but [`OWN_LINKS`].
pub fn refuse_links(dir: &Path) -> Result<()> {
    let refuse = |p: &Path| {
        LabError::Untrusted(format!(
            "{} is a symbolic link, not made by lab, where lab writes its own files (remove it); nothing was changed",
            p.display()
        ))
    };
    let meta = std::fs::symlink_metadata(dir)
        .map_err(|e| LabError::io(format!("reading {}", dir.display()), e))?;
    if meta.file_type().is_symlink() {
        return Err(refuse(dir));
    }
    let entries = std::fs::read_dir(dir)
        .map_err(|e| LabError::io(format!("reading {}", dir.display()), e))?;
    for e in entries.flatten() {
        let own = e
            .file_name()
            .to_str()
            .is_some_and(|n| OWN_LINKS.contains(&n));
        if !own && e.file_type().is_ok_and(|t| t.is_symlink()) {
            return Err(refuse(&e.path()));
        }
    }
    Ok(())
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
        // Its name is known in advance: one found there (a link planted in
        // a folder another can write) is removed, never followed.
        match std::fs::remove_file(&tmp) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(libc::O_NOFOLLOW)
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

#[cfg(test)]
mod tests {
    /// The temporary file's name is known in advance (`<name>.tmp.<pid>`):
    /// one planted as a link (a folder another may write, a nightly's
    /// `--out`) made `lab` truncate and write the file it names.
    #[test]
    fn a_file_is_replaced_without_following_a_link_planted_as_its_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "the host's file\n").unwrap();
        let path = dir.path().join("index.html");
        let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
        std::os::unix::fs::symlink(&victim, &tmp).unwrap();
        super::write_atomic(&path, b"page").unwrap();
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap(),
            "the host's file\n"
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"page");
        assert!(std::fs::symlink_metadata(&tmp).is_err(), "the link is left");
    }
}
