//! Which of a lab's nodes floods the host's kernel log, found by its
//! effect: a group of nodes is frozen for [`WINDOW`], and the log's rate
//! while they are frozen is compared with its rate just before and just
//! after ([`is_cause`]).
//!
//! Why by effect: a record names no namespace, every node has `enp0s8`, a
//! node names its own devices as it likes, and other labs and the host
//! write to the same log. A frozen node's processes send nothing, so what
//! it wrote stops with them.
//!
//! How: every node of the lab is frozen first; if the rate does not fall,
//! the writer is not this lab's (another lab's, or the host's): that is
//! said once and not looked at again for [`HOLD_OFF`], so a foreign flood
//! freezes a bystander's nodes for a fraction of a second each
//! [`HOLD_OFF`]. If it falls, the group is halved and each half frozen in
//! turn, down to single nodes: each node whose freeze takes away more than
//! [`NODE_BOUND`] records a second is stopped. One guard on the host looks
//! at a time (a host-wide lock, [`Host::lock`]): two labs freezing at once
//! would each see the other's fall as their own. A node is never left
//! frozen: it is thawed at the end of its window, on every failure, when
//! the look ends and when the guard leaves ([`Search::thaw_all`]).

use super::{HOST_BOUND, LOOK, NODE_BOUND, Point, rate};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// How long a group is frozen (and the rate measured before and after it):
/// a writer's loop of `bridge -batch` on a loaded host writes in bursts
/// tens of milliseconds apart.
pub const WINDOW: Duration = Duration::from_millis(300);

/// How long after a look that found no cause (or could not) the next may
/// start.
pub const HOLD_OFF: Duration = Duration::from_secs(30);

/// How long after a look that found the lab's nodes together the writers,
/// none alone past the bound, the next may start: sooner, as a writer's
/// bursts may have hidden it (or several writers share the flood).
pub const HOLD_OFF_OWN: Duration = Duration::from_secs(5);

/// How long a freeze may take to hold before the look gives up (a process
/// inside a long system call is frozen when it returns).
const FREEZE_WAIT: Duration = Duration::from_secs(1);

/// How often a freeze is looked at until it holds, and the lock tried.
const SOON: Duration = Duration::from_millis(5);
const LOCK_RETRY: Duration = Duration::from_millis(50);

/// What the look needs of the host: freezing the nodes' cgroups and one
/// lock for every guard on it.
pub trait Host {
    /// Freeze (`frozen`) or thaw the node `ns`: `Ok(false)` when it has no
    /// freezer.
    fn freeze(&mut self, ns: &str, frozen: bool) -> Result<bool, String>;
    /// Whether every process of `ns` is frozen.
    fn is_frozen(&mut self, ns: &str) -> bool;
    /// Take the host-wide lock of looks for a cause, without waiting: true
    /// when this guard holds it.
    fn lock(&mut self) -> bool;
    fn unlock(&mut self);
}

/// The host's own: the nodes' cgroups ([`crate::provider::netns::cgroups`])
/// and a lock file every guard on the host shares.
#[derive(Default)]
pub struct Cgroups {
    lock: Option<std::fs::File>,
}

/// The lock file: in `/run` (the host's, whatever `LAB_STATE_DIR` says).
fn lock_path() -> std::path::PathBuf {
    let run = std::path::Path::new("/run");
    let dir = match run.is_dir() {
        true => run.to_path_buf(),
        false => std::env::temp_dir(),
    };
    dir.join("lab-guard-kernel-log.lock")
}

impl Host for Cgroups {
    fn freeze(&mut self, ns: &str, frozen: bool) -> Result<bool, String> {
        crate::provider::netns::cgroups::freeze(ns, frozen).map_err(|e| e.to_string())
    }

    fn is_frozen(&mut self, ns: &str) -> bool {
        crate::provider::netns::cgroups::is_frozen(ns) == Some(true)
    }

    fn lock(&mut self) -> bool {
        use std::os::fd::AsRawFd;
        if self.lock.is_some() {
            return true;
        }
        let Ok(f) = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(lock_path())
        else {
            // No lock to be had: looked for alone.
            return true;
        };
        // SAFETY: flock on a descriptor of ours.
        if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            return false;
        }
        self.lock = Some(f);
        true
    }

    fn unlock(&mut self) {
        // Closing the file lets the lock go.
        self.lock = None;
    }
}

/// Whether a group is the cause: with it frozen, the log's rate (`frozen`)
/// fell by more than [`NODE_BOUND`] a second from the mean of the rates
/// just `before` and just `after`, and by a fifth at least (noise of a
/// big foreign flood; two labs flooding at once each fell by about a
/// quarter, measured). The mean, not the least: a writer's bursts leave
/// gaps (a loaded host ran one at 365,000 a second just before its freeze
/// and a few thousand just after it). A flood that merely dips or ends
/// while a group is frozen is told apart by testing again: a node is
/// stopped only when two freezes of it alone both take the rate down
/// ([`Search`]).
pub fn is_cause(before: f64, frozen: f64, after: f64) -> bool {
    let base = (before + after) / 2.0;
    base - frozen > NODE_BOUND && frozen <= base * 0.8
}

/// Where the look is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    Idle,
    /// Waiting for the host-wide lock.
    Waiting,
    /// The rate before the first group (or after a stop): from `start`.
    Before {
        start: Option<Point>,
    },
    /// The front group asked to freeze at `asked`.
    Freezing {
        before: f64,
        asked: Instant,
    },
    Frozen {
        before: f64,
        start: Option<Point>,
    },
    After {
        before: f64,
        frozen: f64,
        start: Option<Point>,
    },
}

/// What a step did: the nodes to stop (each with why), the lines to say,
/// when to look next (`None`: the guard's own pace), whether a look ended.
#[derive(Debug, Default)]
pub struct Step {
    pub stop: Vec<(String, String)>,
    pub said: Vec<String>,
    pub next_look: Option<Instant>,
    pub ended: bool,
}

/// The look for a flood's cause among a lab's nodes.
pub struct Search<H: Host> {
    host: H,
    phase: Phase,
    /// The groups to freeze, the one under test first.
    groups: VecDeque<Vec<String>>,
    /// What this guard froze and has not thawed.
    frozen: Vec<String>,
    /// Whether the front group is every node of the lab.
    whole_lab: bool,
    /// Whether freezing every node of the lab took the rate down.
    lab_fell: bool,
    /// Whether the front group is a single node tested again (it took the
    /// rate down once).
    again: bool,
    stopped: usize,
    hold_off_until: Option<Instant>,
    /// The host cannot freeze: said once, never looked for.
    cannot: bool,
}

impl<H: Host> Search<H> {
    pub fn new(host: H) -> Self {
        Search {
            host,
            phase: Phase::Idle,
            groups: VecDeque::new(),
            frozen: vec![],
            whole_lab: false,
            lab_fell: false,
            again: false,
            stopped: 0,
            hold_off_until: None,
            cannot: false,
        }
    }

    /// Whether a look is under way (the guard wakes for its looks).
    pub fn active(&self) -> bool {
        self.phase != Phase::Idle
    }

    /// Go on with the look at `now`, given the log's newest `point` (if
    /// known), whether it is `flooded`, its trailing `rate`, and the lab's
    /// `nodes` (namespaces) still there.
    pub fn step(
        &mut self,
        now: Instant,
        point: Option<Point>,
        flooded: bool,
        rate_now: f64,
        nodes: &[String],
    ) -> Step {
        let mut out = Step::default();
        match self.phase {
            Phase::Idle | Phase::Waiting => {
                let held_off = self.hold_off_until.is_some_and(|t| now < t);
                if !flooded || held_off || self.cannot || nodes.is_empty() {
                    self.phase = Phase::Idle;
                    return out;
                }
                if !self.host.lock() {
                    self.phase = Phase::Waiting;
                    out.next_look = Some(now + LOCK_RETRY);
                    return out;
                }
                out.said.push(format!(
                    "the host's kernel log runs at {rate_now:.0} records a second, past the \
                     bound of {HOST_BOUND:.0} for 2 s: looking for the writer among this lab's \
                     {} node(s), each frozen for {} ms at most a few times",
                    nodes.len(),
                    WINDOW.as_millis()
                ));
                self.groups = VecDeque::from([nodes.to_vec()]);
                self.whole_lab = true;
                self.lab_fell = false;
                self.stopped = 0;
                self.phase = Phase::Before { start: point };
            }
            Phase::Before { start } => match (start, point) {
                (None, p) => self.phase = Phase::Before { start: p },
                (Some(a), Some(b)) if b.at.saturating_duration_since(a.at) >= WINDOW => {
                    let before = rate(a, b);
                    let least = if self.whole_lab {
                        HOST_BOUND
                    } else {
                        NODE_BOUND
                    };
                    if before <= least {
                        // The flood ended (or what is left is no node's
                        // past the bound): nothing to find.
                        if self.whole_lab {
                            out.said.push(format!(
                                "the host's kernel log fell to {before:.0} records a second \
                                 before any node of this lab was frozen: none stopped"
                            ));
                        }
                        self.end(now, &mut out, None);
                    } else {
                        for g in self.groups.iter_mut() {
                            g.retain(|ns| nodes.contains(ns));
                        }
                        self.groups.retain(|g| !g.is_empty());
                        match self.groups.is_empty() {
                            true => self.end(now, &mut out, None),
                            false => self.freeze_front(now, before, &mut out),
                        }
                    }
                }
                _ => {}
            },
            Phase::Freezing { before, asked } => {
                let group = self.groups.front().cloned().unwrap_or_default();
                if group.iter().all(|ns| self.host.is_frozen(ns)) {
                    // Its window starts at the next point, after the freeze.
                    self.phase = Phase::Frozen {
                        before,
                        start: None,
                    };
                } else if now.saturating_duration_since(asked) > FREEZE_WAIT {
                    self.thaw_all();
                    let why = format!(
                        "could not freeze {} within {} s to find which writes the host's kernel \
                         log",
                        group.join(", "),
                        FREEZE_WAIT.as_secs()
                    );
                    self.end(now, &mut out, Some(why));
                } else {
                    out.next_look = Some(now + SOON);
                    return out;
                }
            }
            Phase::Frozen { before, start } => match (start, point) {
                (None, p) => self.phase = Phase::Frozen { before, start: p },
                (Some(a), Some(b)) if b.at.saturating_duration_since(a.at) >= WINDOW => {
                    let frozen = rate(a, b);
                    self.thaw_all();
                    self.phase = Phase::After {
                        before,
                        frozen,
                        start: Some(b),
                    };
                }
                _ => {}
            },
            Phase::After {
                before,
                frozen,
                start,
            } => match (start, point) {
                (None, p) => {
                    self.phase = Phase::After {
                        before,
                        frozen,
                        start: p,
                    }
                }
                (Some(a), Some(b)) if b.at.saturating_duration_since(a.at) >= WINDOW => {
                    self.judge(now, before, frozen, rate(a, b), &mut out);
                    // The next group, among the nodes still there.
                    for g in self.groups.iter_mut() {
                        g.retain(|ns| nodes.contains(ns));
                    }
                    self.groups.retain(|g| !g.is_empty());
                    let measured_anew = matches!(self.phase, Phase::Before { .. });
                    if self.phase == Phase::Idle || measured_anew && !self.groups.is_empty() {
                        // Ended, or the rate before the next group is
                        // measured anew (a node was stopped).
                    } else if self.groups.is_empty() {
                        self.end(now, &mut out, None);
                    } else {
                        let after = rate(a, b);
                        match after > NODE_BOUND {
                            true => self.freeze_front(now, after, &mut out),
                            false => self.end(now, &mut out, None),
                        }
                    }
                }
                _ => {}
            },
        }
        out.next_look = out.next_look.or(self.next_look(now));
        out
    }

    /// When the phase's window ends (or its start is to be stamped).
    fn next_look(&self, now: Instant) -> Option<Instant> {
        let start = match self.phase {
            Phase::Idle => return None,
            Phase::Waiting => return Some(now + LOCK_RETRY),
            Phase::Freezing { .. } => return Some(now + SOON),
            Phase::Before { start } | Phase::Frozen { start, .. } | Phase::After { start, .. } => {
                start
            }
        };
        Some(match start {
            None => now + SOON * 2,
            Some(s) => (s.at + WINDOW).max(now).min(now + LOOK),
        })
    }

    /// Freeze the front group, `before` the rate just before.
    fn freeze_front(&mut self, now: Instant, before: f64, out: &mut Step) {
        let group = self.groups.front().cloned().unwrap_or_default();
        let mut any = false;
        for ns in &group {
            match self.host.freeze(ns, true) {
                Ok(true) => {
                    any = true;
                    self.frozen.push(ns.clone());
                }
                Ok(false) => {}
                Err(e) => {
                    self.thaw_all();
                    let why = format!("cannot freeze {ns} ({e})");
                    return self.end(now, out, Some(why));
                }
            }
        }
        if !any {
            self.thaw_all();
            self.cannot = true;
            out.said.push(format!(
                "the host's kernel log runs at {before:.0} records a second, past the bound of \
                 {HOST_BOUND:.0}, and this host has no cgroup freezer for the lab's nodes: the \
                 guard cannot tell which node writes them, and stops none for it"
            ));
            self.phase = Phase::Idle;
            self.host.unlock();
            out.ended = true;
            return;
        }
        self.phase = Phase::Freezing { before, asked: now };
    }

    /// The front group's test is done: the rate `before`, with it
    /// `frozen`, `after`.
    fn judge(&mut self, now: Instant, before: f64, frozen: f64, after: f64, out: &mut Step) {
        let Some(group) = self.groups.pop_front() else {
            return;
        };
        let cause = is_cause(before, frozen, after);
        let whole_lab = std::mem::take(&mut self.whole_lab);
        let again = std::mem::take(&mut self.again);
        if whole_lab && !cause {
            let why = format!(
                "the host's kernel log ran at {before:.0} records a second (past the bound of \
                 {HOST_BOUND:.0}); with every node of this lab frozen it ran at {frozen:.0}, and \
                 {after:.0} after: the writer is not one of this lab's nodes (another lab's, or \
                 the host's), none stopped; looked at again in {} s",
                HOLD_OFF.as_secs()
            );
            self.groups.clear();
            return self.end_held(now, out, why);
        }
        if !cause {
            return;
        }
        self.lab_fell |= whole_lab;
        if let [ns] = group.as_slice() {
            if !again {
                self.again = true;
                self.groups.push_front(group);
                return;
            }
            let base = (before + after) / 2.0;
            out.stop.push((
                ns.clone(),
                format!(
                    "it wrote about {:.0} lines a second to the host's kernel log, past the bound \
                     of {NODE_BOUND:.0} (the log ran at {base:.0} a second, {frozen:.0} while the \
                     node was frozen)",
                    base - frozen
                ),
            ));
            self.stopped += 1;
            // The next rate before is measured anew, without it.
            self.phase = Phase::Before { start: None };
            return;
        }
        let (a, b) = group.split_at(group.len() / 2);
        self.groups.push_front(b.to_vec());
        self.groups.push_front(a.to_vec());
    }

    /// End the look at `now`, saying `why` when it failed (then held off).
    fn end(&mut self, now: Instant, out: &mut Step, why: Option<String>) {
        if let Some(why) = why {
            let said = format!("{why}; looked at again in {} s", HOLD_OFF.as_secs());
            return self.end_held(now, out, said);
        }
        if self.stopped == 0 && self.lab_fell && self.groups.is_empty() {
            let said = format!(
                "this lab's nodes together write to the host's kernel log, none found alone past \
                 the bound of {NODE_BOUND:.0} lines a second: none stopped; looked at again in {} s",
                HOLD_OFF_OWN.as_secs()
            );
            self.end_held(now, out, said);
            self.hold_off_until = Some(now + HOLD_OFF_OWN);
            return;
        }
        self.thaw_all();
        self.finish(out);
    }

    fn end_held(&mut self, now: Instant, out: &mut Step, said: String) {
        self.thaw_all();
        out.said.push(said);
        self.hold_off_until = Some(now + HOLD_OFF);
        self.finish(out);
    }

    fn finish(&mut self, out: &mut Step) {
        self.groups.clear();
        self.whole_lab = false;
        self.again = false;
        self.phase = Phase::Idle;
        self.host.unlock();
        out.ended = true;
    }

    /// Thaw every node this look froze (and let the lock go if no look is
    /// under way).
    pub fn thaw_all(&mut self) {
        for ns in std::mem::take(&mut self.frozen) {
            // A node gone meanwhile has nothing to thaw.
            let _ = self.host.freeze(&ns, false);
        }
        if self.phase == Phase::Idle {
            self.host.unlock();
        }
    }
}

impl<H: Host> Drop for Search<H> {
    /// The guard leaves (or unwinds): nothing stays frozen.
    fn drop(&mut self) {
        self.phase = Phase::Idle;
        self.thaw_all();
    }
}

#[cfg(test)]
#[path = "kernel_log_cause_tests.rs"]
mod tests;
