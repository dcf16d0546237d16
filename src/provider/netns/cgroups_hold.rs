//! Holding a node's (or a pod's) memory at what it uses, as it is stopped
//! (by the guard or by `destroy`), and waiting, a bounded time, for its
//! processes that do not end at once.
//!
//! Why: a process killed inside one netlink send (or a `sendmmsg` of many)
//! stays in the kernel until the batch ends, and every message left in it
//! is applied (probe21ar finding 1: seven killed processes took a node
//! from 20,459 policy routing rules to 58,980 in the 43 s after its stop,
//! each insertion a walk of the list under the host's rtnl). What those
//! messages add is charged to the node's memory; held, they fail instead
//! (`ENOMEM`, the memory controller's reclaim in the sender's time, before
//! the kernel takes rtnl).

use super::{MIB, Support, name_of, support};
use std::time::{Duration, Instant};

/// Hold the memory of the node or pod whose namespace is `ns` at what it
/// uses now (`memory.max`, v1's `memory.limit_in_bytes`), before its
/// processes are killed: what it is held at (`Ok(None)`: no such cgroup).
///
/// The objects a killed process's batch still makes are charged to the
/// node (a fib rule: 194 bytes, measured: 10,000 rules, +1.94 MB of a
/// cgroup's kernel memory), so once its memory is held each later one
/// fails with `ENOMEM`. What could be taken back first (the page cache of
/// its files, the charges cached per CPU) is, so that it makes no room:
/// v1 takes it back when asked for a limit below what is used (then says
/// `EBUSY`), v2 through `memory.reclaim`. v1's OOM killer is turned off in
/// the node (`memory.oom_control`): a charge that fails then returns after
/// one round of reclaim rather than two, and the node's processes are
/// being killed anyway.
pub fn hold_memory(ns: &str) -> std::io::Result<Option<u64>> {
    let Support::Limits(hs) = support() else {
        return Ok(None);
    };
    let Some(h) = hs.iter().find(|h| h.memory) else {
        return Ok(None);
    };
    let dir = h.dir.join(name_of(ns));
    if !dir.is_dir() {
        return Ok(None);
    }
    let (used, max) = match h.v2 {
        true => ("memory.current", "memory.max"),
        false => ("memory.usage_in_bytes", "memory.limit_in_bytes"),
    };
    let write = |file: &str, bytes: u64| std::fs::write(dir.join(file), bytes.to_string());
    let hold = || -> std::io::Result<u64> {
        // v1 refuses a limit below what is used (`EBUSY`), and what is
        // used moves while the node's processes run: read again and retry,
        // then leave a little room (a page more every four tries).
        let mut last = None;
        for tried in 0..HOLD_TRIES {
            let now: u64 = std::fs::read_to_string(dir.join(used))?
                .trim()
                .parse()
                .map_err(|_| std::io::Error::other(format!("{used} is not a number")))?;
            let held = now + hold_room(tried);
            match write(max, held) {
                Ok(()) => return Ok(held),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("not held")))
    };
    // Held, what can be taken back taken back, held again (without it:
    // 6,400 more rules under the hold, in the integration test's case).
    if !h.v2 {
        hold()?;
        let _ = std::fs::write(dir.join("memory.oom_control"), "1");
        let _ = write(max, 0);
    } else {
        let now = std::fs::read_to_string(dir.join(used)).unwrap_or_default();
        let _ = std::fs::write(dir.join("memory.reclaim"), now.trim());
    }
    hold().map(Some)
}

/// Whether the memory of the cgroup `name` (a node's or a pod's, as
/// [`super::procs_files`] names it) is held by [`hold_memory`]: on v1, its
/// OOM killer turned off, which only a hold does. A process that joins it
/// then waits in the kernel (`mem_cgroup_oom_synchronize`, state D) for
/// memory that never comes, deaf to every signal: after a `destroy` killed
/// half way, a `verify` hung for ten minutes (probe21bl finding 2). On v2
/// a held cgroup's OOM killer still ends what cannot fit.
pub fn memory_held(name: &str) -> bool {
    let Support::Limits(hs) = support() else {
        return false;
    };
    hs.iter().filter(|h| h.memory && !h.v2).any(|h| {
        std::fs::read_to_string(h.dir.join(name).join("memory.oom_control"))
            .is_ok_and(|t| t.lines().any(|l| l.trim() == "oom_kill_disable 1"))
    })
}

/// Lower the limit of the node or pod whose namespace is `ns`, held by
/// [`hold_memory`], to what it uses now, if that is less: what its killed
/// processes free as they end would otherwise make room for what the
/// others still in the kernel add (measured: usage fell from 16.5 to 3.6
/// MB under a hold of 18.2 MB while a node's rules went on from 7,896 to
/// 16,003). One read and at most one write; errors are ignored (a limit
/// the kernel refuses is one already near what is used).
pub fn hold_memory_lower(ns: &str) {
    let Support::Limits(hs) = support() else {
        return;
    };
    let Some(h) = hs.iter().find(|h| h.memory) else {
        return;
    };
    let dir = h.dir.join(name_of(ns));
    let (used, max) = match h.v2 {
        true => ("memory.current", "memory.max"),
        false => ("memory.usage_in_bytes", "memory.limit_in_bytes"),
    };
    let read = |f: &str| -> Option<u64> {
        std::fs::read_to_string(dir.join(f))
            .ok()?
            .trim()
            .parse()
            .ok()
    };
    if let (Some(now), Some(held)) = (read(used), read(max))
        && now < held
    {
        let _ = std::fs::write(dir.join(max), now.to_string());
    }
}

/// How often [`hold_memory`] tries.
const HOLD_TRIES: u32 = 24;

/// The room left above what is used at [`hold_memory`]'s try `tried`:
/// none at first, then a page more a try, then 1 MiB at the last.
fn hold_room(tried: u32) -> u64 {
    match tried {
        t if t + 1 >= HOLD_TRIES => MIB,
        t => (t / 4) as u64 * 4096,
    }
}

/// How long `remove` waits for processes that would not stop: a batch under
/// a held memory fails at about 0.5-1 ms a message in the sender's own time
/// (measured: 4 processes, 12,000 messages left, 3.5-15 s on this loaded
/// two-core host).
pub const ENDS_WITHIN: Duration = Duration::from_secs(30);

/// How often a destroy waiting for processes killed inside a system call
/// says so.
pub const TELL_EVERY: Duration = Duration::from_secs(3);

/// Whether the processes `left` (PIDs, of `procs`: PID and start time) have
/// ended within `limit`.
#[cfg(test)]
pub fn ended_within(left: &[i32], procs: &[(i32, u64)], limit: Duration) -> bool {
    ended_within_telling(left, procs, limit, &mut |_, _| {})
}

/// [`ended_within`], calling `tell(still running, waited)` every
/// [`TELL_EVERY`] while it waits.
pub fn ended_within_telling(
    left: &[i32],
    procs: &[(i32, u64)],
    limit: Duration,
    tell: &mut dyn FnMut(usize, Duration),
) -> bool {
    let start = Instant::now();
    let until = start + limit;
    let mut told = start;
    let left: Vec<(i32, u64)> = procs
        .iter()
        .copied()
        .filter(|(p, _)| left.contains(p))
        .collect();
    loop {
        let alive = left
            .iter()
            .filter(|&&(p, st)| super::super::sys::is_alive(p, st))
            .count();
        if alive == 0 {
            return true;
        }
        let now = Instant::now();
        if now >= until {
            return false;
        }
        if now.duration_since(told) >= TELL_EVERY {
            told = now;
            tell(alive, now.duration_since(start));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hold_leaves_no_room_at_first_then_a_page_every_four_tries_then_a_mib() {
        assert_eq!(hold_room(0), 0);
        assert_eq!(hold_room(3), 0);
        assert_eq!(hold_room(4), 4096);
        assert_eq!(hold_room(HOLD_TRIES - 2), 5 * 4096);
        assert_eq!(hold_room(HOLD_TRIES - 1), MIB);
    }

    #[test]
    fn processes_already_gone_have_ended() {
        assert!(ended_within(&[], &[], Duration::ZERO));
        // A start time no process of that PID has.
        let me = std::process::id() as i32;
        assert!(ended_within(&[me], &[(me, u64::MAX)], Duration::ZERO));
        let st = super::super::super::sys::proc_stat(me).unwrap().start_time;
        assert!(!ended_within(&[me], &[(me, st)], Duration::ZERO));
    }
}
