//! The one owner of the comparison between what a lab's state file lists
//! and what the lab's host-wide claim ([`crate::state::claim`],
//! `/run/lab/NAME.json`) lists. A state file can be edited by anyone who
//! can write the state folder; the claim is written by `lab` alone, and
//! only with namespaces the command writing it made ([`claim_after`]).
//!
//! Every command that acts on a lab's state goes by the claim: `destroy`,
//! `apply` and the provider's `access` (which `verify`, `ssh`, `inspect`,
//! `graph`, `book` and `test` take) refuse a state that lists a namespace
//! the claim does not ([`refuse_unclaimed`]), and act on a recorded process
//! only where it runs inside the claimed namespaces or their cgroups
//! ([`refuse_outside`]); `status` shows the same refusal as a warning.
//! probe21bv finding 3: `verify`, `ssh` and `inspect` used a state naming a
//! namespace `x.foreign` of the lab's prefix that `destroy` refused, `apply`
//! copied it into the claim, and `destroy` then deleted it and killed the
//! host's process in it.

use super::provider_state::NetnsState;
use super::sys;
use crate::error::{LabError, Result};
use crate::state::State;
use crate::state::claim::{self, Claim};
use std::path::Path;

/// The namespaces `claim` lists for the state of `instance` in the folder
/// `dir`: none when there is no claim, or when it is another state's
/// (another folder, another instance: a copy, or stale).
pub(super) fn claimed_for(
    instance: Option<&str>,
    dir: &Path,
    claim: Option<&Claim>,
) -> Vec<String> {
    match claim {
        Some(c) if Some(c.instance.as_str()) == instance && c.state_dir == dir => {
            c.namespaces.clone()
        }
        _ => Vec::new(),
    }
}

/// Refuse a state that lists a namespace which exists on this host and
/// which `claimed` does not list: in its list of namespaces, or as the
/// namespace a recorded process runs in. A listed namespace that does not
/// exist is nothing to act on (an `up` stopped between recording a name and
/// making it).
pub(super) fn refuse_unclaimed(
    ps: &NetnsState,
    name: &str,
    dir: &Path,
    claimed: &[String],
    existing: &[String],
) -> Result<()> {
    let listed = ps
        .namespaces
        .iter()
        .chain(ps.processes.iter().map(|p| &p.netns));
    match listed
        .into_iter()
        .find(|n| !claimed.contains(n) && existing.contains(n))
    {
        None => Ok(()),
        Some(n) => Err(LabError::Untrusted(format!(
            "the state in {} lists namespace {n}, which lab '{name}''s claim on this host ({}) does not: it was not made for this lab; nothing was changed",
            dir.display(),
            claim::path(name).display()
        ))),
    }
}

/// Refuse recorded processes (`running`: PID and start time, see
/// [`NetnsState::trusted`]) that run neither inside the `claimed`
/// namespaces nor in their cgroups: processes `lab` did not start for
/// this lab, whatever the state says. `destroy` checks this before it
/// signals anything, `apply` before it signals the same records (probe21bo:
/// it killed a crafted state's `sleep` of the host's that `destroy`
/// refused).
pub(super) fn refuse_outside(
    running: &[(i32, u64)],
    claimed: &[String],
    name: &str,
    dir: &Path,
) -> Result<()> {
    if running.is_empty() {
        return Ok(());
    }
    let inside = lab_processes(claimed);
    match running.iter().find(|p| !inside.contains(p)) {
        None => Ok(()),
        Some((pid, _)) => Err(LabError::Untrusted(format!(
            "the state in {} records PID {pid}, which does not run in lab '{name}''s namespaces: not a process lab started for this lab; nothing was changed",
            dir.display()
        ))),
    }
}

/// The processes (PID, start time) that run in the namespaces `ours` or in
/// their cgroups (see `cgroups::processes_of`).
pub(super) fn lab_processes(ours: &[String]) -> Vec<(i32, u64)> {
    let mut procs = sys::pids_in(ours);
    procs.extend(super::cgroups::processes_of(ours));
    procs.sort_unstable();
    procs.dedup();
    procs
}

/// What `apply`, `access` and `status` check of the lab `name`'s `state`
/// before using it, as `destroy` does: its namespaces and processes are the
/// lab's ([`NetnsState::trusted`]), every namespace it lists that exists is
/// one the claim lists, and every recorded process that runs runs inside
/// those.
pub(super) fn refuse_untrusted(ps: &NetnsState, name: &str, state: &State) -> Result<()> {
    let dir = state.dir();
    let running = ps.trusted(name, &dir)?;
    let claimed = claimed_for(state.instance.as_deref(), &dir, claim::read(name).as_ref());
    refuse_unclaimed(ps, name, &dir, &claimed, &sys::lab_namespaces(name))?;
    refuse_outside(&running, &claimed, name, &dir)
}

/// The namespaces a claim lists once a command that made `made` and
/// deleted `deleted` saves its state: the claim's own (never the state
/// file's), less what the command deleted, with what it made.
pub(super) fn claim_after(claimed: &[String], made: &[String], deleted: &[String]) -> Vec<String> {
    let mut v: Vec<String> = claimed
        .iter()
        .filter(|n| !deleted.contains(n))
        .cloned()
        .collect();
    for n in made {
        if !v.contains(n) {
            v.push(n.clone());
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::netns::ProcRecord;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn the_claim_of_another_folder_or_instance_vouches_for_nothing() {
        let c = Claim {
            name: "l".into(),
            instance: "i1".into(),
            state_dir: "/s/l".into(),
            namespaces: s(&["l.net"]),
            owner: None,
            ids: None,
        };
        let dir = Path::new("/s/l");
        assert_eq!(claimed_for(Some("i1"), dir, Some(&c)), s(&["l.net"]));
        assert!(claimed_for(Some("i2"), dir, Some(&c)).is_empty());
        assert!(claimed_for(None, dir, Some(&c)).is_empty());
        assert!(claimed_for(Some("i1"), Path::new("/t/l"), Some(&c)).is_empty());
        assert!(claimed_for(Some("i1"), dir, None).is_empty());
    }

    #[test]
    fn a_listed_namespace_that_exists_and_is_not_claimed_is_refused() {
        let mut ps = NetnsState {
            namespaces: s(&["l.net", "l.node1"]),
            ..NetnsState::default()
        };
        let dir = Path::new("/s/l");
        let claimed = s(&["l.net", "l.node1"]);
        let existing = s(&["l.net", "l.node1", "l.foreign"]);
        assert!(refuse_unclaimed(&ps, "l", dir, &claimed, &existing).is_ok());
        // Listed but not there: nothing to act on.
        ps.namespaces.push("l.pod.x".into());
        assert!(refuse_unclaimed(&ps, "l", dir, &claimed, &existing).is_ok());
        // As a process's namespace.
        ps.processes.push(ProcRecord {
            pid: 7,
            start_time: 1,
            what: "nginx".into(),
            of: "x".into(),
            netns: "l.foreign".into(),
        });
        let e = refuse_unclaimed(&ps, "l", dir, &claimed, &existing)
            .unwrap_err()
            .to_string();
        assert!(e.contains("lists namespace l.foreign"), "{e}");
        // In the list.
        ps.processes.clear();
        ps.namespaces.push("l.foreign".into());
        assert!(refuse_unclaimed(&ps, "l", dir, &claimed, &existing).is_err());
    }

    #[test]
    fn the_claim_never_takes_a_name_the_command_did_not_make() {
        let claimed = s(&["l.net", "l.pod.a"]);
        assert_eq!(claim_after(&claimed, &[], &[]), claimed);
        assert_eq!(
            claim_after(&claimed, &s(&["l.pod.b"]), &s(&["l.pod.a"])),
            s(&["l.net", "l.pod.b"])
        );
        // Deleted, then made again by the same command (an `apply`).
        assert_eq!(
            claim_after(&claimed, &s(&["l.pod.a"]), &[]),
            s(&["l.net", "l.pod.a"])
        );
    }
}
