//! Whether a lab's state folder and its `state.json` may be believed at
//! all, before what they say is read: lab makes the folder private (0700)
//! and the state 0600, both its user's own. A state that another user could
//! have written (the folder or the file writable by others, or theirs) was
//! believed by `verify`, `apply` and `destroy` (probe21bl finding 6), as a
//! state root others can write is not; a `state.json` that is a link was
//! "removed by `lab destroy`" according to `verify`, which `destroy` then
//! refused (finding 5). Each is refused the same way by every command
//! (exit 2, [`LabError::Untrusted`]), naming what to do.

use crate::error::{LabError, Result};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

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
    for (what, p) in [("state folder", dir), ("state file", file.as_path())] {
        let Ok(m) = std::fs::symlink_metadata(p) else {
            continue;
        };
        let why = if m.uid() != me {
            format!("belongs to uid {}, not to lab's user (uid {me})", m.uid())
        } else if m.mode() & 0o022 != 0 {
            format!(
                "can be written by other users (mode {:o})",
                m.mode() & 0o7777
            )
        } else {
            continue;
        };
        return Err(LabError::Untrusted(format!(
            "the {what} {} of lab '{name}' {why}: another user could have written what it says, \
             so it is not believed; if it is yours as lab left it, make it private again \
             (`chown -R {me} {dir}; chmod 700 {dir}; chmod 600 {file}`), else remove {dir} \
             yourself; nothing was changed",
            p.display(),
            dir = dir.display(),
            file = file.display(),
        )));
    }
    Ok(())
}
