//! Emptying the lab's own cgroups (a node's, a pod's, the guard's) and
//! removing them: every process any of their threads belongs to is killed,
//! waited for until none is left, and only then is the cgroup removed; what
//! will not go is named by its host PIDs.
//!
//! The lab's cgroups are the lab's record of what its nodes and pods run:
//! every entry joins its cgroup before its PID 1 starts, and a node cannot
//! leave it. So their processes are the lab's to kill even when no lab
//! namespace can be found for them any more: a process whose main thread
//! ended alone (probe21bd finding 1, see `sys::tasks`) or one left behind by
//! a `destroy` that deleted the namespaces' names and then failed. The
//! threads are read too (`tasks` on v1, `cgroup.threads` on v2), each
//! counted as its process (`Tgid`), so a process whose leader is a zombie
//! is found by a thread that still runs.

use super::super::sys;
use super::{existing, hold};
use crate::error::{LabError, Result};
use std::path::Path;
use std::time::Duration;

/// The processes (PIDs) in the cgroup folder `dir`: those `cgroup.procs`
/// lists, and the process of each thread that `tasks` (v1) or
/// `cgroup.threads` (v2) lists.
pub fn processes_in(dir: &Path) -> Vec<i32> {
    let read = |file: &str| std::fs::read_to_string(dir.join(file)).unwrap_or_default();
    let mut out: Vec<i32> = read("cgroup.procs")
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect();
    for threads in ["tasks", "cgroup.threads"] {
        out.extend(
            read(threads)
                .split_whitespace()
                .filter_map(|t| sys::tgid_of(t.parse().ok()?)),
        );
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The processes (PID, start time) that run in the cgroup folder `dir`.
fn running_in(dir: &Path) -> Vec<(i32, u64)> {
    processes_in(dir)
        .into_iter()
        .filter_map(|p| {
            let st = sys::proc_stat(p)?.start_time;
            sys::is_alive(p, st).then_some((p, st))
        })
        .collect()
}

/// The processes (PID, start time) that run in the cgroups of the
/// namespaces `ns` (every hierarchy's).
pub fn processes_of(ns: &[String]) -> Vec<(i32, u64)> {
    let mut out: Vec<(i32, u64)> = existing(ns).iter().flat_map(|d| running_in(d)).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// What still runs in the cgroup folder `dir`, by host PID, for an error:
/// ` (still in it: PID 123 (state S), …)`, or nothing.
fn still_in(dir: &Path) -> String {
    let each: Vec<String> = running_in(dir)
        .into_iter()
        .map(|(p, _)| {
            let state = sys::proc_stat(p).map_or('?', |s| s.state);
            format!("host PID {p} (state {state})")
        })
        .collect();
    match each.is_empty() {
        true => String::new(),
        false => format!(" (still in it: {})", each.join(", ")),
    }
}

/// How many times a cgroup is emptied and its removal tried: a process the
/// node forked between the kill and the removal is killed in the next round.
const ROUNDS: usize = 3;

/// Empty the cgroup folder `dir` and remove it; why not, naming what runs.
fn empty_and_remove(dir: &Path, rep: &crate::report::Reporter) -> std::result::Result<(), String> {
    let most = hold::ENDS_WITHIN.as_secs();
    for round in 1..=ROUNDS {
        let procs = running_in(dir);
        if !procs.is_empty() {
            let left = sys::stop(&procs, Duration::from_secs(1));
            // Killed inside a netlink batch, a process ends with its batch
            // (each message failing at once under the held memory, see
            // `hold_memory`): waited for, a bounded time.
            let mut tell = |alive: usize, waited: Duration| {
                rep.info(format!(
                    "waiting for {alive} process(es) of {} killed inside a system call to \
                     end ({} s of at most {most} s)",
                    dir.display(),
                    waited.as_secs()
                ))
            };
            if !hold::ended_within_telling(&left, &procs, hold::ENDS_WITHIN, &mut tell) {
                return Err(format!(
                    "processes {left:?} of {} did not end within {most} s of SIGKILL (still \
                     inside a system call); left for now: that cgroup and the lab's state; \
                     `lab destroy` again removes the rest once they have ended",
                    dir.display(),
                ));
            }
        }
        match std::fs::remove_dir(dir) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) if e.raw_os_error() == Some(libc::EBUSY) && round < ROUNDS => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => {
                return Err(format!(
                    "removing cgroup {}: {e}{}",
                    dir.display(),
                    still_in(dir)
                ));
            }
        }
    }
    unreachable!("the last round returns")
}

/// Remove the cgroups of the namespaces `ns`: whatever still runs in them
/// (nothing, after the lab's processes were stopped) is killed first and
/// waited for. Every cgroup is tried; the error names those left and what
/// runs in them.
pub fn remove(ns: &[String], rep: &crate::report::Reporter) -> Result<()> {
    let failed: Vec<String> = existing(ns)
        .iter()
        .filter_map(|dir| empty_and_remove(dir, rep).err())
        .collect();
    match failed.is_empty() {
        true => Ok(()),
        false => Err(LabError::Step {
            step: "remove cgroups".into(),
            message: failed.join("; "),
        }),
    }
}
