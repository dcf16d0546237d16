//! A command's report as a replay starts it (a match until something says
//! otherwise), and an error put on it.

use super::{CommandReport, Planned, Verdict};

/// The report of planned command `p`, run as `variant`: a match, nothing
/// compared yet.
pub(super) fn report(p: &Planned, variant: &str) -> CommandReport {
    CommandReport {
        line: p.step.line,
        command: p.step.command.clone(),
        verdict: Verdict::Match,
        ran_on: None,
        ran: None,
        variant: variant.to_string(),
        book: p.step.output.clone(),
        lab: Vec::new(),
        bindings: Vec::new(),
        differences: Vec::new(),
        known: Vec::new(),
        reason: None,
        why: Vec::new(),
        kubectl: None,
    }
}

pub(super) fn fail(r: &mut CommandReport, e: String) {
    r.verdict = Verdict::Error;
    r.reason = Some(e);
}
