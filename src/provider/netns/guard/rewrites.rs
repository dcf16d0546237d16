//! `lab` rewriting the nodes' rules itself (`apply`'s flannel, with the
//! guard running), told to the guard by [`REMAKE`]: the guard then makes
//! each node's table of bounds anew from the lab's ruleset
//! ([`super::owned_table`]: a variant may track connections where the last
//! did not).
//!
//! Why a signal: only the host's root outside every node's PID namespace
//! can send it to the guard (a node cannot see it), and it needs no socket
//! a node could reach.

use std::sync::atomic::{AtomicBool, Ordering};

/// The signal that says `lab` has rewritten the nodes' rules.
pub const REMAKE: nix::sys::signal::Signal = nix::sys::signal::Signal::SIGUSR2;

static REMAKE_DUE: AtomicBool = AtomicBool::new(false);

/// Hear [`REMAKE`] (before the guard says it watches).
pub fn listen() -> std::io::Result<()> {
    // SAFETY: the action only stores to an atomic, which is signal-safe.
    unsafe {
        signal_hook_registry::register(REMAKE as i32, || REMAKE_DUE.store(true, Ordering::SeqCst))?;
    }
    Ok(())
}

/// Whether the tables are due to be made anew, forgetting it.
pub fn remake_due() -> bool {
    REMAKE_DUE.swap(false, Ordering::SeqCst)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A signal heard makes one remake due.
    #[test]
    fn a_signal_makes_one_remake_due() {
        listen().unwrap();
        assert!(!remake_due());
        nix::sys::signal::raise(REMAKE).unwrap();
        assert!(remake_due());
        assert!(!remake_due());
    }
}
