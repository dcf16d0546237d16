//! `lab` rewriting the nodes' rules itself (`apply`'s flannel, with the
//! guard running): told to the guard by signal, which then makes each
//! node's table of bounds anew from the lab's ruleset ([`super::owned_table`]:
//! a variant may track connections where the last did not).
//!
//! Why signals: only the host's root outside every node's PID namespace can
//! send them to the guard (a node cannot see it), and they need no socket
//! a node could reach. [`HOLD`] before the rewrite, [`RELEASE`] after it:
//! the guard then makes the tables anew. A hold never released (a `lab`
//! killed between the two) ends by itself after [`HOLD_AT_MOST`], and the
//! tables are made anew then.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The signal that says `lab` starts rewriting the nodes' rules ...
pub const HOLD: nix::sys::signal::Signal = nix::sys::signal::Signal::SIGUSR1;
/// ... and the one that says it has finished.
pub const RELEASE: nix::sys::signal::Signal = nix::sys::signal::Signal::SIGUSR2;
/// The longest a hold lasts without a release.
pub const HOLD_AT_MOST: Duration = Duration::from_secs(120);

static REWRITING: AtomicBool = AtomicBool::new(false);
static REWRITTEN: AtomicBool = AtomicBool::new(false);

/// Hear [`HOLD`] and [`RELEASE`] (before the guard says it watches).
pub fn listen() -> std::io::Result<()> {
    // SAFETY: the actions only store to atomics, which is signal-safe.
    unsafe {
        signal_hook_registry::register(HOLD as i32, || REWRITING.store(true, Ordering::SeqCst))?;
        signal_hook_registry::register(RELEASE as i32, || {
            REWRITTEN.store(true, Ordering::SeqCst);
            REWRITING.store(false, Ordering::SeqCst);
        })?;
    }
    Ok(())
}

/// The hold as the guard's loop follows it.
#[derive(Debug, Default)]
pub struct Held {
    since: Option<Instant>,
}

impl Held {
    /// Whether the tables are due to be made anew (released, or held past
    /// [`HOLD_AT_MOST`], which ends the hold), and, for the log, whether
    /// the hold ended by time.
    pub fn print_due(&mut self, now: Instant) -> Option<bool> {
        if REWRITING.load(Ordering::SeqCst) {
            let since = *self.since.get_or_insert(now);
            if now.saturating_duration_since(since) < HOLD_AT_MOST {
                return None;
            }
            REWRITING.store(false, Ordering::SeqCst);
            self.since = None;
            REWRITTEN.store(false, Ordering::SeqCst);
            return Some(true);
        }
        self.since = None;
        REWRITTEN.swap(false, Ordering::SeqCst).then_some(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hold lasts until its release or [`HOLD_AT_MOST`]; each ends with
    /// one print; with neither, no print is due.
    #[test]
    fn a_hold_ends_by_release_or_by_time() {
        let mut h = Held::default();
        let t0 = Instant::now();
        assert_eq!(h.print_due(t0), None);
        REWRITING.store(true, Ordering::SeqCst);
        assert_eq!(h.print_due(t0), None);
        assert_eq!(h.print_due(t0 + HOLD_AT_MOST), Some(true));
        REWRITING.store(true, Ordering::SeqCst);
        assert_eq!(h.print_due(t0), None);
        REWRITTEN.store(true, Ordering::SeqCst);
        REWRITING.store(false, Ordering::SeqCst);
        assert_eq!(h.print_due(t0), Some(false));
        assert_eq!(h.print_due(t0), None);
    }
}
