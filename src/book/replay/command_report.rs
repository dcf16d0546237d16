//! A command's report as a replay starts it (a match until something says
//! otherwise), and an error put on it.

use super::{CommandReport, Planned, Verdict};

/// The report of planned command `p`, run as `variant`: a match, nothing
/// compared yet.
pub(super) fn report(p: &Planned, variant: &str) -> CommandReport {
    CommandReport::started(
        p.step.line,
        p.step.command.clone(),
        variant,
        p.step.output.clone(),
    )
}

pub(super) fn fail(r: &mut CommandReport, e: String) {
    r.verdict = Verdict::Error;
    r.reason = Some(e);
}
