//! Lines at a prompt in a block that is not shell (`text`, `yaml`, …): the
//! reader types them, so one lab does not understand is not understood at
//! its own line, never a silent stop that leaves every block after it
//! skipped and the chapter passing (probe21an, finding 1), and one that
//! changes what the reader has fails at its own line, not only through the
//! next shell command's drift (probe21an, what was left of finding 1: `$
//! sudo ip link set cni0 down` in a `text` block). A non-shell block that
//! only shows output (no prompt) stays skipped.

use super::{Planned, Verdict, prose, report};
use crate::book::CommandReport;

/// The reports of the lines at a prompt among `plans` (a non-shell block
/// of language `lang`) that lab does not understand, or that change what
/// the reader has, run as `variant`: not understood, or a drift (a line
/// lab understands, which a non-shell block does not run).
pub(super) fn reports(plans: &[Planned], variant: &str, lang: &str) -> Vec<CommandReport> {
    plans
        .iter()
        .filter(|p| crate::book::parse::after_prompt(&p.step.written).is_some())
        .filter_map(|p| {
            let mut c = report(p, variant);
            match &p.cmd {
                Err(why) => {
                    c.verdict = Verdict::NotUnderstood;
                    c.reason = Some(format!("a line at a prompt in a `{lang}` block: {why}"));
                }
                Ok(_) if prose::tells_a_change(&p.step.command) => {
                    c.verdict = Verdict::Drift;
                    c.differences.push(changed_unrun(lang, &p.step.command));
                }
                Ok(_) => return None,
            }
            Some(c)
        })
        .collect()
}

/// The difference of a change typed at a prompt in a non-shell block, which
/// lab does not run (it names no line, so that an edit above keeps a
/// blessing).
fn changed_unrun(lang: &str, command: &str) -> String {
    format!(
        "a `{lang}` block shows the reader typing `{command}` at a prompt, which changes what the reader has; lab runs only shell blocks, so it never saw it: lab cannot replay what follows"
    )
}
