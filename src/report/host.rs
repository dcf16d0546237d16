//! What the rooms above `report` know of this host that a path a user
//! names for output is checked against: the state folders' root, the
//! folders of the host's records of its labs, and the lab file of every
//! lab up. `report` sits below `state` (import_graph), so the command
//! line gives it the way to ask, once, at its start ([`set`]); a process
//! that never did (a unit test) checks against the state root alone.

use std::path::PathBuf;
use std::sync::OnceLock;

/// This host's labs as an output check sees them, asked when checked.
#[derive(Debug, Clone, Default)]
pub struct Host {
    /// Where the state folders of all labs live.
    pub state_root: PathBuf,
    /// Folders of the host's records of its labs (claims, uid ranges).
    pub records: Vec<PathBuf>,
    /// Every lab up on this host: its name and the lab file it came from.
    pub labs_up: Vec<(String, PathBuf)>,
}

static ASK: OnceLock<fn() -> Host> = OnceLock::new();

/// How to ask (the first call wins).
pub fn set(ask: fn() -> Host) {
    let _ = ASK.set(ask);
}

/// The host now.
pub(super) fn now() -> Host {
    match ASK.get() {
        Some(ask) => ask(),
        None => Host {
            state_root: crate::places::state_root(),
            ..Host::default()
        },
    }
}
