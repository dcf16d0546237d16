//! The reader's logins (`vagrant ssh`, `exit`) as claims: a login alone
//! claims nothing of the book's, and a `vagrant ssh` typed inside a node
//! does not log in at all.

use super::plan::Planned;
use crate::book::recognize::Cmd;
use crate::book::{CommandReport, Verdict};

/// `vagrant ssh NODE` typed inside another node's session
/// ([`super::plan`]): that node has no `vagrant`, so the reader stays
/// there; the book's claim of a login is a difference (probe21l, finding
/// 6: it was `match` and the lines after it ran on NODE).
pub(super) fn nested(r: &mut CommandReport, node: &str, p: &Planned) {
    let inside = p.node.clone().unwrap_or_default();
    r.ran_on = Some(inside.clone());
    r.why = vec![format!(
        "typed inside {inside}'s session: the line runs on {inside}, not on the reader's machine"
    )];
    r.differences.push(format!(
        "vagrant ssh {node}: typed inside {inside}'s session, where there is no `vagrant` (the reader's shell says it is not found): the reader stays on {inside}, and the lines after it run there"
    ));
}

/// A `kubectl` line typed inside `node`'s session: there kubectl answers
/// with a kubeconfig of the node's own (kubeadm writes one on the control
/// plane only, in `/etc/kubernetes`; the book's `./admin.conf` is a file of
/// the reader's folder), which lab does not model, so what the line was
/// judged to answer, as typed on the reader's machine, is never a match
/// there. kubectl's own refusal stands (the node's kubectl is of the
/// cluster's version), and so does a difference: the reader sees either
/// the cluster's answer or an error, and the book shows neither.
pub(super) fn kubectl_inside(node: &str, r: &mut CommandReport) {
    // The refusal (as the book shows it, or not) is the reader's anywhere.
    if r.kubectl
        .as_ref()
        .is_some_and(|k| k.outcome == crate::book::KubectlOutcome::Refused)
    {
        return;
    }
    let why = format!(
        "typed inside {node}'s session, where kubectl answers with a kubeconfig of {node}'s own, which lab does not model: lab judged the line as typed on the reader's machine"
    );
    if r.verdict == Verdict::Match && r.differences.is_empty() {
        r.verdict = Verdict::Skipped;
        r.reason = Some(format!("{why}, and a match there is none on {node}"));
    } else {
        r.why.push(why);
    }
}

/// A block whose every command but its logins (`vagrant ssh`, `exit`)
/// compared nothing (cut, not shown, a capture's traffic) compared nothing
/// the book claims: its logins' `match` (the node answered its name) is
/// then skipped, so the block is too (a login then a ping cut to `...`
/// was a matching block).
pub(super) fn login_alone(plans: &[Planned], commands: &mut [CommandReport]) {
    let login = |p: &Planned| matches!(p.cmd, Ok(Cmd::Ssh { .. } | Cmd::Exit));
    let claims: Vec<&CommandReport> = plans
        .iter()
        .zip(commands.iter())
        .filter(|(p, _)| !login(p))
        .map(|(_, c)| c)
        .collect();
    if claims.is_empty()
        || claims
            .iter()
            .any(|c| c.verdict != Verdict::Skipped || !c.differences.is_empty())
    {
        return;
    }
    for (_, c) in plans
        .iter()
        .zip(commands.iter_mut())
        .filter(|(p, _)| login(p))
    {
        if c.verdict == Verdict::Match && c.differences.is_empty() {
            c.verdict = Verdict::Skipped;
            c.reason = Some(
                "the node answered, but the block's other commands compared nothing: a login alone is no claim of the book's"
                    .into(),
            );
        }
    }
}
