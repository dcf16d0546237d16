//! Whether a lab's state folder and its `state.json` may be believed at
//! all, before what they say is read: lab makes the folder private (0700)
//! and the state 0600, both its user's own. A state that another user could
//! have written (the folder or the file writable by others, or theirs) was
//! believed by `verify`, `apply` and `destroy` (probe21bl finding 6), as a
//! state root others can write is not; a `state.json` that is a link was
//! "removed by `lab destroy`" according to `verify`, which `destroy` then
//! refused (finding 5). Each is refused the same way by every command
//! (exit 2, [`LabError::Untrusted`]), naming what to do. The copy of the
//! lab kept in the folder (`lab/`: the lab file and its manifests, which
//! `verify` runs) is held to the same rule: a copy others could write was
//! believed while the same mode on `state.json` was not (probe21bo lesser 1).

use crate::error::{LabError, Result};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Refuse the state folder `dir` of lab `name` (when it exists) if it, or
/// its `state.json`, is not lab's own as lab made it: a link (or holding
/// one, [`super::refuse_links`]), another user's, or writable by others.
pub fn check(name: &str, dir: &Path) -> Result<()> {
    if std::fs::symlink_metadata(dir).is_err() {
        return Ok(());
    }
    super::refuse_links(dir)?;
    // SAFETY: geteuid cannot fail.
    let me = unsafe { libc::geteuid() };
    let file = dir.join(super::STATE_FILE);
    let mut each = vec![
        ("state folder", dir.to_path_buf()),
        ("state file", file.clone()),
    ];
    each.extend(copy_entries(dir)?);
    for (what, p) in each {
        let Some(why) = not_own(&p) else {
            continue;
        };
        return Err(LabError::Untrusted(format!(
            "the {what} {} of lab '{name}' {why}: another user could have written what it says, \
             so it is not believed; if it is yours as lab left it, make it private again \
             (`chown -R {me} {dir}; chmod -R go-w {dir}; chmod 700 {dir}; chmod 600 {file}`), else remove {dir} \
             yourself; nothing was changed",
            p.display(),
            dir = dir.display(),
            file = file.display(),
        )));
    }
    Ok(())
}

/// Why `p` is not as lab made it (another user's, or writable by others),
/// if it is not; `None` also when it is gone.
fn not_own(p: &Path) -> Option<String> {
    // SAFETY: geteuid cannot fail.
    let me = unsafe { libc::geteuid() };
    let m = std::fs::symlink_metadata(p).ok()?;
    if m.uid() != me {
        Some(format!(
            "belongs to uid {}, not to lab's user (uid {me})",
            m.uid()
        ))
    } else if m.mode() & 0o022 != 0 {
        Some(format!(
            "can be written by other users (mode {:o})",
            m.mode() & 0o7777
        ))
    } else {
        None
    }
}

/// The copy of the lab in the state folder `dir` (`lab/`) and everything
/// in it, each named for a message; a link there (none of lab's making)
/// is refused at once.
fn copy_entries(dir: &Path) -> Result<Vec<(&'static str, PathBuf)>> {
    let top = dir.join(super::LAB_COPY);
    let Ok(m) = std::fs::symlink_metadata(&top) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut todo = vec![(top, m)];
    while let Some((p, m)) = todo.pop() {
        if m.file_type().is_symlink() {
            return Err(LabError::Untrusted(format!(
                "{} is a symbolic link, not made by lab, in the lab's copy of itself (remove it); nothing was changed",
                p.display()
            )));
        }
        if m.is_dir() {
            let entries = std::fs::read_dir(&p)
                .map_err(|e| LabError::io(format!("reading {}", p.display()), e))?;
            for e in entries.flatten() {
                if let Ok(em) = std::fs::symlink_metadata(e.path()) {
                    todo.push((e.path(), em));
                }
            }
            out.push(("copy of the lab's folder", p));
        } else {
            out.push(("copy of the lab's file", p));
        }
    }
    Ok(out)
}

/// Refuse the copy of the lab in `dir` (`lab/`, read by every command on
/// a lab that is up) when its files are no longer those whose digest
/// `recorded` `up` wrote into `state.json`: edited since, by hand or by
/// someone else, it would run checks no one brought up.
pub fn check_copy_digest(name: &str, dir: &Path, files: &[PathBuf], recorded: &str) -> Result<()> {
    let copy = dir.join(super::LAB_COPY);
    if super::digest_files(&copy, files).as_deref() == Some(recorded) {
        return Ok(());
    }
    Err(LabError::Untrusted(format!(
        "the copy of lab '{name}' in {} is no longer the lab that was brought up (its files do \
         not match the digest in {}): it was edited or replaced since `lab up`, so it is not \
         believed; `lab destroy {name}` and `lab up` bring the lab up again; nothing was changed",
        copy.display(),
        dir.join(super::STATE_FILE).display()
    )))
}
