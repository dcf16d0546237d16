//! Teardown: stop exactly the processes `lab` started (recorded PIDs, start
//! times and command lines checked) and whatever runs inside the lab's own
//! namespaces, delete the namespaces and the cgroups named after them, remove the state folder (except
//! `lab.log` and `artifacts/`, the evidence the CLI keeps unless told to
//! purge; the folder goes when nothing else is left) and the lab's claim on
//! its name. Idempotent.
//!
//! The lab's own namespaces are those its state records, or, without state,
//! those its host-wide claim ([`crate::state::claim`]) lists for this state
//! folder: names are recorded before the namespaces are made, so this also
//! covers a half-built lab. A namespace that merely carries the lab's prefix
//! (`ip netns add x.foreign`) is never touched. A state that does not agree
//! with where it was found (another lab's namespaces, PIDs that are not the
//! processes `lab` started, a claim held by another state folder) is refused
//! and nothing is changed.
//!
//! Before a namespace is deleted, once its processes are gone, every TCP
//! socket left in it is reset ([`guard::reset_every`]): an orphan keeps
//! the namespace, without its name, and its send queue for as long as its
//! timers run, charged to no cgroup once the lab's are gone (probe21az
//! finding 1: 10 orphans, 80 MB, outlived a `destroy` that said nothing).
//! How many were reset is said; sockets the reset left make `destroy`
//! fail, naming their namespaces, after removing the rest.

use super::claimed::{self, lab_processes};
use super::guard::{self, Cleared};
use super::provider_state::NetnsState;
use super::{names, netlink, sys};
use crate::bringup::{self, Planned, Step};
use crate::error::{LabError, Result};
use crate::report::Reporter;
use crate::state::State;
use crate::state::claim::{self, Claim};
use async_trait::async_trait;
use std::path::PathBuf;
use std::time::Duration;

pub struct DestroyCtx {
    pub name: String,
    /// The lab's own namespaces (recorded), the only ones touched.
    pub ours: Vec<String>,
    /// Recorded processes checked to be the lab's and still running.
    pub recorded: Vec<(i32, u64)>,
    pub ps: NetnsState,
    pub rep: Reporter,
    /// The lab's state folder.
    pub dir: PathBuf,
    /// The lab may have been interrupted while making things (no state, or
    /// not up): an orphaned `ip -batch` may still be adding namespaces, so
    /// look again until none has appeared for a while.
    pub settle: bool,
    /// What the resets of the namespaces' TCP sockets did.
    pub tcp: TcpReset,
}

/// The TCP sockets reset in the lab's namespaces before they were deleted,
/// and those left, by namespace.
#[derive(Debug, Default)]
pub struct TcpReset {
    reset: Vec<(String, u64)>,
    left: Vec<String>,
}

impl TcpReset {
    /// Note what the reset of namespace `ns` gave.
    fn note(&mut self, ns: String, cleared: std::io::Result<Cleared>) {
        match cleared {
            Ok(c) => {
                if c.reset > 0 {
                    self.reset.push((ns.clone(), c.reset));
                }
                if c.left > 0 {
                    self.left.push(format!("{ns} ({} left)", c.left));
                }
            }
            // Deleted meanwhile: nothing of it is left to reset.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => self.left.push(format!("{ns} (not looked at: {e})")),
        }
    }

    /// What is said of the resets, and the error when sockets are left.
    fn outcome(&self) -> (Option<String>, Option<String>) {
        let total: u64 = self.reset.iter().map(|r| r.1).sum();
        let said = (total > 0).then(|| {
            let each: Vec<String> = self
                .reset
                .iter()
                .map(|(n, c)| format!("{n}: {c}"))
                .collect();
            format!(
                "reset {total} TCP sockets left in the lab's namespaces once their processes \
                 were gone ({})",
                each.join(", ")
            )
        });
        let failed = (!self.left.is_empty()).then(|| {
            format!(
                "TCP sockets outlive the lab in {}: they keep their namespaces, without a name, \
                 and their send queues until their timers end",
                self.left.join(", ")
            )
        });
        (said, failed)
    }
}

struct StopProcesses;
struct DeleteNamespaces;
struct RemoveFolder;

#[async_trait]
impl Step<DestroyCtx> for StopProcesses {
    async fn run(&self, ctx: &mut DestroyCtx) -> Result<()> {
        let recorded = ctx.recorded.clone();
        let ours = ctx.ours.clone();
        let left = tokio::task::spawn_blocking(move || {
            // A process killed inside a netlink batch applies the rest of
            // it, taking the host's rtnl for each message; with its node's
            // memory held each one fails at once (see `cgroups::hold_memory`).
            for ns in &ours {
                let _ = super::cgroups::hold_memory(ns);
            }
            // Recorded daemons, everything inside the lab's namespaces
            // (ssh sessions, nginx workers, processes a user started there)
            // and everything in the lab's own cgroups (also when their
            // namespaces' names are gone: a `destroy` that failed after
            // deleting them) are signalled together.
            let mut procs = recorded;
            procs.extend(lab_processes(&ours));
            procs.sort_unstable();
            procs.dedup();
            let mut left = sys::stop(&procs, Duration::from_secs(1));
            // Anything forked meanwhile.
            let again = lab_processes(&ours);
            if !again.is_empty() {
                left.extend(sys::stop(&again, Duration::ZERO));
            }
            left.sort_unstable();
            left.dedup();
            left
        })
        .await
        .map_err(|e| LabError::Internal(format!("stopping processes: {e}")))?;
        if !left.is_empty() {
            ctx.rep.info(format!(
                "processes still alive after SIGKILL (in the kernel?): {left:?}; their \
                 cgroups are removed once they end (waited for, at most {} s each)",
                super::cgroups::ENDS_WITHIN.as_secs()
            ));
        }
        Ok(())
    }
}

#[async_trait]
impl Step<DestroyCtx> for DeleteNamespaces {
    async fn run(&self, ctx: &mut DestroyCtx) -> Result<()> {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        let mut quiet = 0;
        let existing_ours = |ctx: &DestroyCtx| -> Vec<String> {
            sys::lab_namespaces(&ctx.name)
                .into_iter()
                .filter(|n| ctx.ours.contains(n))
                .collect()
        };
        loop {
            let found = existing_ours(ctx);
            if found.is_empty() {
                quiet += 1;
            } else {
                quiet = 0;
                // Anything started in them since the processes were stopped,
                // then the TCP sockets left in them.
                let scan = found.clone();
                let cleared = tokio::task::spawn_blocking(move || {
                    sys::stop(&sys::pids_in(&scan), Duration::ZERO);
                    scan.into_iter()
                        .map(|ns| {
                            let c = guard::reset_every(&sys::netns_path(&ns));
                            (ns, c)
                        })
                        .collect::<Vec<_>>()
                })
                .await
                .map_err(|e| LabError::Internal(format!("resetting TCP sockets: {e}")))?;
                for (ns, c) in cleared {
                    ctx.tcp.note(ns, c);
                }
                netlink::delete_namespaces(&ctx.rep, found).await?;
            }
            if !ctx.settle || quiet >= 2 || std::time::Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // The nodes' and pods' cgroups, named after the lab's own
        // namespaces (their processes are stopped by now).
        let (ours, rep) = (ctx.ours.clone(), ctx.rep.clone());
        tokio::task::spawn_blocking(move || super::cgroups::remove(&ours, &rep))
            .await
            .map_err(|e| LabError::Internal(format!("removing cgroups: {e}")))??;
        let left = existing_ours(ctx);
        if left.is_empty() {
            Ok(())
        } else {
            Err(LabError::Step {
                step: "delete namespaces".into(),
                message: format!(
                    "could not delete namespaces: {} (see lab.log)",
                    left.join(", ")
                ),
            })
        }
    }
}

#[async_trait]
impl Step<DestroyCtx> for RemoveFolder {
    async fn run(&self, ctx: &mut DestroyCtx) -> Result<()> {
        // The node overlays first: never delete through a mount.
        super::files::unmount_lab(&ctx.name, &ctx.dir)?;
        crate::state::clear_lab_dir(&ctx.dir, true)
    }
}

/// Remove everything of the lab `name`.
pub async fn destroy(name: &str, state: Option<&State>, rep: &Reporter) -> Result<()> {
    if !names::valid_lab_name(name) {
        return Err(LabError::Usage(format!(
            "'{name}' is not a valid lab name ({})",
            crate::testbed::NAME_RULE
        )));
    }
    // The folder of the name asked for, never a path the state names.
    let dir = crate::state::lab_dir(name);
    let existing = sys::lab_namespaces(name);
    let found = claim::read(name);
    let alive = |c: &Claim| {
        c.state_dir.join(crate::state::STATE_FILE).is_file()
            || c.namespaces.iter().any(|n| existing.contains(n))
    };
    let mut ours: Vec<String> = Vec::new();
    let mut recorded = Vec::new();
    let mut ps = NetnsState::default();
    // Whether the claim on the name is this lab's, to remove at the end.
    let mut owns_claim = false;
    match state {
        Some(st) => {
            if st.name != name {
                return Err(LabError::Untrusted(format!(
                    "the state in {} names lab {:?}, not '{name}'; nothing was changed",
                    dir.display(),
                    st.name
                )));
            }
            ps = NetnsState::from_value(&st.provider_state)?;
            recorded = ps.trusted(name, &dir)?;
            if let Some(c) = &found {
                let same = st.instance.as_ref() == Some(&c.instance) && c.state_dir == dir;
                if !same && alive(c) {
                    return Err(LabError::Untrusted(format!(
                        "lab '{name}' that runs on this host belongs to the state folder {}; the state in {} is not its owner (a copy, or stale), so nothing was changed{}",
                        c.state_dir.display(),
                        dir.display(),
                        if c.state_dir == dir {
                            String::new()
                        } else {
                            format!(
                                " (to remove that lab: LAB_STATE_DIR={} lab destroy {name})",
                                c.state_dir.parent().unwrap_or(&c.state_dir).display()
                            )
                        }
                    )));
                }
                owns_claim = true;
                if same {
                    ours.extend(c.namespaces.iter().cloned());
                    // The state's namespaces are acted on only where the
                    // host-wide claim agrees (a state file can be edited).
                    claimed::refuse_unclaimed(&ps, name, &dir, &c.namespaces, &existing)?;
                }
            }
        }
        None => match &found {
            Some(c) if c.state_dir == dir => {
                ours.extend(c.namespaces.iter().cloned());
                owns_claim = true;
            }
            Some(c) if c.state_dir.join(crate::state::STATE_FILE).is_file() => {
                return Err(LabError::Untrusted(format!(
                    "lab '{name}' runs on this host from another state folder, {}; nothing was changed (to remove it: LAB_STATE_DIR={} lab destroy {name})",
                    c.state_dir.display(),
                    c.state_dir.parent().unwrap_or(&c.state_dir).display()
                )));
            }
            Some(c) => {
                rep.info(format!(
                    "lab '{name}' was brought up from {}, whose state is gone: removing what its claim lists",
                    c.state_dir.display()
                ));
                ours.extend(c.namespaces.iter().cloned());
                owns_claim = true;
            }
            None => {}
        },
    }
    ours.sort();
    ours.dedup();
    let prefix = names::prefix(name);
    ours.retain(|n| n.starts_with(&prefix) && !n.contains('/'));
    // A recorded process that runs is signalled only if it runs inside
    // the lab's own (claimed) namespaces or their cgroups, as every daemon
    // lab starts does.
    claimed::refuse_outside(&recorded, &ours, name, &dir)?;
    let foreign: Vec<&String> = existing.iter().filter(|n| !ours.contains(n)).collect();
    if !foreign.is_empty() {
        rep.info(format!(
            "left alone: namespaces {} carry the lab's prefix but were not made for this lab (no record of them)",
            foreign
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let settle = state.is_none_or(|s| s.phase != crate::state::Phase::Up);
    let mut ctx = DestroyCtx {
        name: name.to_string(),
        ours,
        recorded,
        ps,
        rep: rep.clone(),
        dir,
        settle,
        tcp: TcpReset::default(),
    };
    record_destroying(state, rep);
    let steps = vec![
        Planned::new("stop processes", StopProcesses),
        Planned::new("delete namespaces", DeleteNamespaces),
        Planned::new("remove state folder", RemoveFolder),
    ];
    bringup::run(steps, &mut ctx, rep).await?;
    if owns_claim {
        claim::remove(name);
    }
    let (said, failed) = ctx.tcp.outcome();
    if let Some(said) = said {
        rep.info(said);
    }
    match failed {
        Some(message) => Err(LabError::Step {
            step: "reset TCP sockets".into(),
            message,
        }),
        None => Ok(()),
    }
}

/// Record, durably, that the lab is being destroyed, once the state is
/// believed and before anything is stopped: a `destroy` killed half way
/// (`kill -9`, a crash) leaves a lab that `status` calls destroying,
/// interrupted, and that `verify`, `up`, `ssh`, `apply`, `book` and `test`
/// refuse (exit 6, naming `lab destroy`), rather than one called up whose
/// nodes' memory is held (a command entering one waits for ever). A state
/// that cannot be written (a full disk) does not stop the teardown: it is
/// said, and the teardown goes on.
fn record_destroying(state: Option<&State>, rep: &Reporter) {
    let Some(st) = state.filter(|s| s.phase != crate::state::Phase::Destroying) else {
        return;
    };
    let mut st = st.clone();
    st.phase = crate::state::Phase::Destroying;
    if let Err(e) = st.save() {
        rep.info(format!(
            "warning: could not record that lab '{}' is being destroyed ({e}); destroying it anyway",
            st.name
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tcp_sockets_reset_are_said_and_those_left_fail_the_destroy() {
        let mut t = TcpReset::default();
        t.note("l.node1".into(), Ok(Cleared { reset: 2, left: 0 }));
        t.note("l.node2".into(), Ok(Cleared { reset: 0, left: 0 }));
        t.note(
            "l.gone".into(),
            Err(std::io::Error::from(std::io::ErrorKind::NotFound)),
        );
        let (said, failed) = t.outcome();
        assert_eq!(
            said.as_deref(),
            Some(
                "reset 2 TCP sockets left in the lab's namespaces once their processes were \
                 gone (l.node1: 2)"
            )
        );
        assert_eq!(failed, None);
        t.note("l.node3".into(), Ok(Cleared { reset: 1, left: 4 }));
        t.note(
            "l.pod".into(),
            Err(std::io::Error::from_raw_os_error(libc::EPERM)),
        );
        let (said, failed) = t.outcome();
        assert!(said.unwrap().contains("reset 3 TCP sockets"));
        let failed = failed.unwrap();
        assert!(failed.contains("l.node3 (4 left)"), "{failed}");
        assert!(failed.contains("l.pod (not looked at:"), "{failed}");
        assert!(!failed.contains("l.node1"), "{failed}");
    }
}
