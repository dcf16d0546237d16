//! Stopping a node: its memory held, its processes killed, its TCP sockets
//! reset ([`super::orphans::reset_every`]), its namespace's name removed;
//! and the processes that would not stop looked at until they are gone.
//!
//! Why: a process killed inside a netlink send (or a `sendmmsg` of many)
//! stays in the kernel until its batch ends, and every message left in it
//! is applied, each taking the host's rtnl (probe21ar finding 1: seven
//! killed processes took a node from 20,459 policy routing rules to 58,980
//! in the 43 s after its stop). Holding the node's memory at what it uses
//! before the kill ([`cgroups::hold_memory`]) makes every object such a
//! message would add fail at once (they are charged to the node), so the
//! batch ends in a moment and adds little. What still does not stop is
//! said, and said again when it is gone, so that a namespace living on
//! without its name is never silent.

use super::super::{cgroups, sys};
use super::{NODE_STOPPED, say, watch::Watch};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A stopped node's processes that would not stop: its namespace, the
/// processes (PID, start time), when it was stopped.
struct Lingering {
    ns: String,
    procs: Vec<(i32, u64)>,
    since: Instant,
}

static LINGERING: Mutex<Vec<Lingering>> = Mutex::new(Vec::new());

/// How often a stopped node's held memory is lowered to what it uses while
/// its processes end (two reads and a write of its cgroup's files).
const LOWER_EVERY: Duration = Duration::from_millis(2);

/// Stop the node of `w`, saying `why`.
pub(super) fn stop(w: &Watch, why: &str) {
    say(&format!(
        "{}: {why}, so {NODE_STOPPED} (its processes killed, its namespace removed); `lab \
         destroy` removes the rest",
        w.name
    ));
    stop_node(&w.name);
}

/// Stop the node whose namespace is `ns`: its memory held, every process in
/// it killed, the namespace's name removed (it goes when the watch holding
/// it is dropped, and its tables with it, or when the last process that
/// would not stop is gone).
pub(super) fn stop_node(ns: &str) {
    match cgroups::hold_memory(ns) {
        Ok(Some(bytes)) => say(&format!("{ns}: its memory is held at {bytes} bytes")),
        Ok(None) => {}
        Err(e) => say(&format!("{ns}: cannot hold its memory: {e}")),
    }
    let ns = [ns.to_string()];
    // Those in its namespace and those in its cgroups (a process whose main
    // thread ended alone is found by its threads: probe21bd finding 1).
    let mut procs = sys::pids_in(&ns);
    procs.extend(cgroups::processes_of(&ns));
    procs.sort_unstable();
    procs.dedup();
    // While they end, what each frees is taken from the others' room.
    let ending = AtomicBool::new(true);
    let left = std::thread::scope(|s| {
        s.spawn(|| {
            while ending.load(Ordering::Relaxed) {
                cgroups::hold_memory_lower(&ns[0]);
                std::thread::sleep(LOWER_EVERY);
            }
        });
        let left = sys::stop(&procs, Duration::ZERO);
        ending.store(false, Ordering::Relaxed);
        left
    });
    if !left.is_empty() {
        say(&format!(
            "{}: {} processes would not stop (in the kernel), host PIDs {left:?}; looked at \
             until they are gone",
            ns[0],
            left.len()
        ));
        let procs = procs
            .into_iter()
            .filter(|(p, _)| left.contains(p))
            .collect();
        if let Ok(mut l) = LINGERING.lock() {
            l.push(Lingering {
                ns: ns[0].clone(),
                procs,
                since: Instant::now(),
            });
        }
    }
    let path = sys::netns_path(&ns[0]);
    // Its TCP sockets, before its name goes: an orphan would keep the
    // namespace and its send queue for as long as its timers run.
    match super::orphans::reset_every(&path) {
        Ok(c) if c.left > 0 => say(&format!(
            "{}: {} TCP sockets are left after {} were reset; they keep the namespace, \
             without its name, until they end",
            ns[0], c.left, c.reset
        )),
        Ok(c) if c.reset > 0 => say(&format!("{}: {} TCP sockets reset", ns[0], c.reset)),
        Ok(_) => {}
        Err(e) => say(&format!("{}: cannot reset its TCP sockets: {e}", ns[0])),
    }
    let _ = nix::mount::umount2(&path, nix::mount::MntFlags::MNT_DETACH);
    if let Err(e) = std::fs::remove_file(&path) {
        say(&format!("{}: cannot remove the namespace: {e}", ns[0]));
    }
}

/// What is said of a stopped node's processes that would not stop, given
/// those still alive and the time since the stop: `None` while some live.
fn gone_line(ns: &str, alive: usize, after: Duration) -> Option<String> {
    (alive == 0).then(|| {
        format!(
            "{ns}: the last of its processes that would not stop is gone, {:.1} s after the stop",
            after.as_secs_f64()
        )
    })
}

/// Whether a stopped node's processes that would not stop still live (each
/// node whose last is gone is said and forgotten).
pub(super) fn lingering() -> bool {
    let Ok(mut l) = LINGERING.lock() else {
        return false;
    };
    l.retain_mut(|n| {
        cgroups::hold_memory_lower(&n.ns);
        n.procs.retain(|&(p, st)| sys::is_alive(p, st));
        match gone_line(&n.ns, n.procs.len(), n.since.elapsed()) {
            Some(line) => {
                say(&line);
                false
            }
            None => true,
        }
    });
    !l.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_end_of_the_processes_that_would_not_stop_is_said_once_none_lives() {
        assert_eq!(gone_line("l.node1", 2, Duration::from_secs(3)), None);
        assert_eq!(
            gone_line("l.node1", 0, Duration::from_millis(1500)).as_deref(),
            Some(
                "l.node1: the last of its processes that would not stop is gone, 1.5 s after the stop"
            )
        );
    }
}
