//! A line of a command's shape the book shows right under another
//! command's output (no blank line between) may be a command the reader
//! types: the parser reads it as output wherever the output above could
//! hold it ([`crate::book::parse`]), so lab never ran it. Where that
//! output is compared line by line, such a line the lab's output lacks is
//! a difference already; where it is not (a `cat` lab does not run, a
//! curl's page compared by its facts), nothing would ever say so, and the
//! command was `match` or `skipped` with the reader's command unrun: the
//! chapter passed (probe21j's `printf '0\n' | sudo tee
//! /proc/sys/net/ipv4/ip_forward` under a `cat`). Such a command is not
//! understood: lab cannot tell the line from the output.

use super::plan::Planned;
use crate::book::compare::{is_pings_own, squash};
use crate::book::parse::command_shaped;
use crate::book::recognize::{Cmd, KubeAction, Kubectl};
use crate::book::{CommandReport, Verdict};

/// Whether the command's output is read by lab only in part (its facts),
/// or not at all: a curl, or anything lab did not run.
fn output_unread(p: &Planned, r: &CommandReport) -> bool {
    let node_level = |c: &Cmd| {
        matches!(
            c,
            Cmd::Cat { .. }
                | Cmd::Curl(_)
                | Cmd::Grep { .. }
                | Cmd::IpRoute
                | Cmd::RouteN
                | Cmd::Ping { .. }
                | Cmd::Tcpdump { .. }
        )
    };
    let cmd = match &p.cmd {
        Ok(Cmd::Kubectl(Kubectl {
            action: KubeAction::Exec { cmd, .. },
            ..
        })) => cmd.as_ref(),
        Ok(c) if node_level(c) => c,
        _ => return false,
    };
    match r.verdict {
        Verdict::Skipped => r.lab.is_empty(),
        Verdict::Match => matches!(cmd, Cmd::Curl(_)),
        _ => false,
    }
}

/// Make `r` not understood if its book output holds a line that may be a
/// command the reader types and lab compared with nothing.
pub(super) fn check(p: &Planned, r: &mut CommandReport) {
    if !output_unread(p, r) {
        return;
    }
    let lab: Vec<String> = r.lab.iter().map(|l| squash(l)).collect();
    let typed = r.book.iter().find(|l| {
        // One word alone is a value a file holds (`node1`, `bookworm`)
        // more often than a command.
        command_shaped(l)
            && l.split_whitespace().count() >= 2
            && !l.contains(['<', '>', '{', '}'])
            && !is_pings_own(l)
            && !lab.contains(&squash(l))
    });
    if let Some(line) = typed {
        r.verdict = Verdict::NotUnderstood;
        r.reason = Some(format!(
            "the book shows `{}` right under `{}` with no blank line between: it may be a command the reader types, which lab never ran, and lab compares nothing there to tell it from the output",
            line.trim(),
            p.step.command
        ));
    }
}
