//! A note that a ping's output went on (`(and so on)`, `(more lines
//! follow)`, `(the same line repeats)`, `(then more output until Ctrl-C)`)
//! right under its header alone, where the lab's ping printed nothing
//! after its header. A ping that gets nothing prints no line until its
//! statistics, so the note claims lines came that the lab's ping never
//! printed; it was read as a cut (`...`), the ping `skipped` where it
//! `match`ed without the note (probe21cd, lesser 3). A cut's own words
//! (`...`, `(output truncated)`) say only that the author left lines out,
//! and stay a cut. Apart from [`super::remark_below`], which reads a
//! remark's claims, because the note claims nothing of what the lines
//! held, only that there were some.

use super::plan::Planned;
use crate::book::compare::{is_elision, ping_facts, says_more_came};
use crate::book::recognize::Cmd;
use crate::book::{CommandReport, Verdict};

/// Hold `p`'s note of going on, if its ping shows its header alone,
/// against the lab's ping that printed nothing after its header.
pub(super) fn check(p: &Planned, r: &mut CommandReport) {
    if !matches!(p.cmd, Ok(Cmd::Ping { .. }))
        || matches!(r.verdict, Verdict::NotUnderstood | Verdict::Error)
        || r.lab.is_empty()
    {
        return;
    }
    let (book, lab) = (ping_facts(&r.book), ping_facts(&r.lab));
    if book.reply || book.error.is_some() || lab.reply || lab.error.is_some() {
        return;
    }
    let header = |l: &String| l.trim_start().starts_with("PING ");
    if !r.book.iter().any(header) || !r.lab.iter().any(header) {
        return;
    }
    let in_output = r
        .book
        .iter()
        .map(|l| l.trim())
        .find(|t| is_elision(t) && says_more_came(t));
    let below = p
        .step
        .remarks_below
        .iter()
        .map(|(_, w)| w.trim())
        .find(|w| {
            let inner = w
                .strip_prefix('(')
                .and_then(|i| i.strip_suffix(')'))
                .or_else(|| w.strip_prefix('#').map(|i| i.trim_start_matches('#')))
                .unwrap_or(w)
                .trim();
            super::remark_notes::without_notes(inner).is_empty() && says_more_came(inner)
        });
    if let Some(note) = in_output.or(below) {
        r.differences.push(format!(
            "ping: the book shows `{note}` right under the ping's header, which says more lines came after it; the lab's ping printed nothing after its header (no reply, no error) until its statistics"
        ));
    }
}
