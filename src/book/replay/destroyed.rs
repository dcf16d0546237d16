//! What a reader meets after the chapter's `vagrant destroy` (probe21by,
//! finding 4). The lab keeps its machines until the run ends, so nothing
//! after the destroy is compared with them; but a reader who destroyed
//! the machines meets none: `vagrant ssh` says the VM must be created,
//! kubectl reaches no API server. A later command whose output the book
//! shows succeeding is wrong for that reader for certain, and drifts (a
//! destroy early in a chapter skipped every later block, and the run
//! passed on one block of known drift, `DS2`). One the book shows failing,
//! or without output, claims nothing and stays skipped. After a `vagrant
//! up` the reader has new machines, which are not the lab's: nothing is
//! compared there, and nothing is charged to the destroy.

use super::Replayer;
use super::gone::Stop;
use super::plan::Planned;
use crate::book::compare::is_elision;
use crate::book::recognize::Cmd;

impl Replayer<'_> {
    /// The difference of the command `p` when the chapter destroyed its
    /// machines before it, brought none up again, and the book shows `p`
    /// succeeding ([`shown_succeeding`]). The sentence names no line, so
    /// that an edit above keeps a blessing of it; the reason does.
    pub(super) fn meets_no_machine(&self, p: &Planned) -> Option<String> {
        let (_, Stop::Destroyed { up }) = self.stop_before(p.step.line)? else {
            return None;
        };
        if up.is_some_and(|u| u < p.step.line) {
            return None;
        }
        let shown = shown_succeeding(p)?;
        Some(format!(
            "the chapter destroyed its machines (`vagrant destroy`) before this line: a reader's `{}` here meets no machine, but the book shows it succeeding (`{}`)",
            p.step.command.trim(),
            shown.trim()
        ))
    }
}

/// Why a command after the destroy is not compared: the reader has no
/// machine, or (after `vagrant up`, at line `up`) new ones.
pub(super) fn reason(line: usize, up: Option<usize>, at: usize) -> String {
    match up.filter(|u| *u < at) {
        Some(u) => format!(
            "the chapter destroyed its machines (`vagrant destroy`, line {line}) and made new ones (`vagrant up`, line {u}): the reader's machines are new, not the lab's: {}",
            super::STOPPED
        ),
        None => format!(
            "the chapter destroyed its machines (`vagrant destroy`, line {line}): the reader has no node or pod to run anything on, and the lab's are not what the reader sees: {}",
            super::STOPPED
        ),
    }
}

/// The line of the first `vagrant up` after `line` in `planned` (the
/// chapter's commands, in its order), if any.
pub(super) fn up_after<'a>(
    line: usize,
    planned: impl Iterator<Item = &'a Planned>,
) -> Option<usize> {
    planned
        .filter(|p| p.step.line > line)
        .find(|p| {
            let w: Vec<&str> = p
                .step
                .command
                .split_whitespace()
                .skip_while(|w| *w == "sudo")
                .collect();
            w.first() == Some(&"vagrant") && w.get(1) == Some(&"up")
        })
        .map(|p| p.step.line)
}

/// The first line of `p`'s book output that shows it succeeding, where
/// none of its lines says it failed: any output at all, but a failure's
/// (a word of failure, kubectl's refused connection, vagrant's "VM must be
/// created", a ping with nothing received). A `vagrant ssh`'s banner shows
/// a login; an `exit`'s `Connection to … closed.` a session left.
fn shown_succeeding(p: &Planned) -> Option<&str> {
    if matches!(p.cmd, Ok(Cmd::VagrantDestroy)) {
        return None;
    }
    let shown: Vec<&str> = p
        .step
        .output
        .iter()
        .map(String::as_str)
        .filter(|l| !l.trim().is_empty() && !is_elision(l))
        .collect();
    let failed = |l: &str| {
        let lower = l.to_ascii_lowercase();
        super::kubeadm_failure::failure(l).is_some()
            || lower.contains("must be created")
            || lower.contains(" 0 received")
            || lower.contains("100% packet loss")
    };
    if shown.iter().any(|l| failed(l)) {
        return None;
    }
    // A ping succeeds by a reply: its header alone, or its errors, are
    // what the reader's own machine prints too (the reader left in it by
    // a `vagrant ssh` that found no machine).
    if p.cmd.as_ref().is_ok_and(pings) {
        let own: Vec<String> = shown.iter().map(|l| l.to_string()).collect();
        if !crate::book::compare::ping_facts(&own).reply {
            return None;
        }
        return shown
            .iter()
            .find(|l| crate::book::compare::ping_facts(&[l.to_string()]).reply)
            .copied();
    }
    shown.first().copied()
}

/// Whether `c` runs a ping (on a node, piped to grep, or in a pod).
fn pings(c: &Cmd) -> bool {
    use crate::book::recognize::{KubeAction, Kubectl};
    match c {
        Cmd::Ping { .. } => true,
        Cmd::Grep { inner, .. } => pings(inner),
        Cmd::Kubectl(Kubectl {
            action: KubeAction::Exec { cmd, .. },
            ..
        }) => pings(cmd),
        _ => false,
    }
}
