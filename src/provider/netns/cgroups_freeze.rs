//! Freezing a node's cgroup: every process of the node stopped where it
//! is, and let go again, with nothing lost (v1's `freezer.state`, `FROZEN`
//! and `THAWED`; v2's `cgroup.freeze`, `1` and `0`, told done by
//! `cgroup.events`' `frozen 1`).
//!
//! Why: the guard finds which of its nodes floods the host's kernel log by
//! freezing one group of nodes at a time and seeing whether the log's rate
//! falls (`guard::kernel_log`): a record carries no namespace, and the
//! devices it names are a node's to name. A node is never left frozen: the
//! guard thaws on every path, a stopped node is thawed before its processes
//! are killed (a frozen v1 task does not take SIGKILL), and `destroy`
//! thaws before it empties a cgroup ([`super::remove`]).

use super::{Support, name_of, support};
use std::path::PathBuf;

/// The freezer's folder of the node or pod whose namespace is `ns`, and
/// whether it is v2; `None` where no hierarchy freezes or the cgroup is not
/// there (a lab made before the freezer).
fn folder(ns: &str) -> Option<(PathBuf, bool)> {
    let Support::Limits(hs) = support() else {
        return None;
    };
    let h = hs.iter().find(|h| h.freezer)?;
    let dir = h.dir.join(name_of(ns));
    dir.is_dir().then_some((dir, h.v2))
}

/// Freeze (`frozen`) or thaw the cgroup of the namespace `ns`: `Ok(false)`
/// when it has no freezer (nothing done). A freeze is asked, not waited
/// for: [`is_frozen`] tells when it holds.
pub fn freeze(ns: &str, frozen: bool) -> std::io::Result<bool> {
    let Some((dir, v2)) = folder(ns) else {
        return Ok(false);
    };
    let (file, value) = match (v2, frozen) {
        (false, true) => ("freezer.state", "FROZEN"),
        (false, false) => ("freezer.state", "THAWED"),
        (true, true) => ("cgroup.freeze", "1"),
        (true, false) => ("cgroup.freeze", "0"),
    };
    std::fs::write(dir.join(file), value)?;
    Ok(true)
}

/// Whether every process of the cgroup of the namespace `ns` is frozen
/// (`None`: no freezer, or it cannot be read).
pub fn is_frozen(ns: &str) -> Option<bool> {
    let (dir, v2) = folder(ns)?;
    if v2 {
        let events = std::fs::read_to_string(dir.join("cgroup.events")).ok()?;
        Some(events.lines().any(|l| l.trim() == "frozen 1"))
    } else {
        let state = std::fs::read_to_string(dir.join("freezer.state")).ok()?;
        Some(state.trim() == "FROZEN")
    }
}
