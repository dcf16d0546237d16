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
