//! Lines at a prompt in a block that is not shell (`text`, `yaml`, …): the
//! reader types them, so one lab does not understand is not understood at
//! its own line, never a silent stop that leaves every block after it
//! skipped and the chapter passing (probe21an, finding 1), and one that
//! changes what the reader has fails at its own line, not only through the
//! next shell command's drift (probe21an, what was left of finding 1: `$
//! sudo ip link set cni0 down` in a `text` block). One lab understands,
//! shown with its output, is a session lab did not replay: not understood
//! (probe21as, finding 2). A non-shell block that only shows output (no
//! prompt) stays skipped.

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
                // A command it understands, shown with its output: a
                // terminal session the fence's language keeps from being
                // replayed, so nothing was compared (probe21as, finding 2:
                // `[vagrant@node1 ~]$ ping …` and its replies in a `text`
                // block passed a lab that got none).
                Ok(_) if p.step.output.iter().any(|l| !l.trim().is_empty()) => {
                    c.verdict = Verdict::NotUnderstood;
                    c.reason = Some(format!(
                        "a `{lang}` block shows the reader typing `{}` at a prompt, with its output: lab replays shell blocks only, so it compared nothing with what the book shows (a terminal session is a `console` or `bash` block)",
                        p.step.command
                    ));
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
