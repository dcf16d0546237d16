//! Lines at a prompt in a block that is not shell (`text`, `yaml`, …): the
//! reader types them, so one lab does not understand (and prose does not
//! charge) is not understood at its own line, never a silent stop that
//! leaves every block after it skipped and the chapter passing (probe21an,
//! finding 1).

use super::{Planned, Verdict, prose, report};
use crate::book::CommandReport;

/// The reports of the lines at a prompt among `plans` (a non-shell block
/// of language `lang`) that lab does not understand, run as `variant`.
pub(super) fn reports(plans: &[Planned], variant: &str, lang: &str) -> Vec<CommandReport> {
    plans
        .iter()
        .filter(|p| {
            crate::book::parse::after_prompt(&p.step.written).is_some()
                && !prose::tells_a_change(&p.step.command)
        })
        .filter_map(|p| {
            let why = p.cmd.as_ref().err()?;
            let mut c = report(p, variant);
            c.verdict = Verdict::NotUnderstood;
            c.reason = Some(format!("a line at a prompt in a `{lang}` block: {why}"));
            Some(c)
        })
        .collect()
}
