//! A line of a command's shape the book shows right under another
//! command's output (no blank line between) may be a command the reader
//! types: the parser reads it as output wherever the output above could
//! hold it ([`crate::book::parse`]), so lab never ran it. Where that
//! output is compared line by line, such a line the lab's output lacks is
//! a difference already; where it is not (a `cat` lab does not run, a
//! curl's page or a ping compared by their facts, kubectl's own messages,
//! a table's rows), nothing would ever say so, and the command was `match`
//! or `skipped` with the reader's command unrun: the chapter passed
//! (probe21j's `printf … | sudo tee` under a `cat`, probe21k's `ln -sf
//! flannel.yml flannel_fix.yml` under an exec's ping). Such a command is
//! not understood: lab cannot tell the line from the output.
//!
//! A line is taken for a possible command when it has a command's shape
//! and names a program: one lab lists, or one installed on this host
//! ([`crate::exec::installed`]; the reader's box has the same: `ln`,
//! `gzip`, `truncate`), so that a file's `nameserver 10.0.2.3` or a
//! table's row is not.

use super::plan::Planned;
use crate::book::compare::{is_pings_own, normalize, squash};
use crate::book::parse::{after_assignments, command_shaped, is_program};
use crate::book::recognize::Cmd;
use crate::book::{CommandReport, Verdict};

/// Whether `word` names a program: listed by lab, or on this host.
fn names_a_program(word: &str) -> bool {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.+".contains(&b));
    is_program(word) || (plain && crate::exec::installed(word))
}

/// Whether `line` of a command's output may be a command the reader types
/// (its program past any `NAME=value` before it).
fn may_be_typed(line: &str) -> bool {
    let words: Vec<&str> = after_assignments(line).split_whitespace().collect();
    let Some(first) = words.first() else {
        return false;
    };
    command_shaped(line)
        && !line.contains(['<', '>', '{', '}'])
        && !is_pings_own(line)
        && !normalize(line).is_empty()
        && (words.len() >= 2 || is_program(first))
        && names_a_program(first)
}

/// Make `r` not understood if it compared nothing that says otherwise
/// (no difference, not an error) and its book output holds a line that may
/// be a command the reader types which the lab's output does not have.
pub(super) fn check(p: &Planned, r: &mut CommandReport) {
    // Commands whose output the book shows and lab reads in part or not at
    // all (a login's, a destroy's, a `kubeadm init`'s is no claim).
    let shows_output = matches!(
        p.cmd,
        Ok(Cmd::Kubectl(_)
            | Cmd::Cat { .. }
            | Cmd::Curl(_)
            | Cmd::Grep { .. }
            | Cmd::IpRoute
            | Cmd::RouteN
            | Cmd::Ping { .. }
            | Cmd::Tcpdump { .. })
    );
    if !shows_output
        || !r.differences.is_empty()
        || !matches!(r.verdict, Verdict::Match | Verdict::Skipped)
    {
        return;
    }
    let lab: Vec<String> = r.lab.iter().map(|l| normalize(l)).collect();
    // A row of the table the book shows (as many values as its header has
    // columns: a node called `cp`) is the table's.
    let rows: Vec<String> = crate::book::bind::Table::parse(&r.book)
        .map(|t| t.rows.iter().map(|row| squash(&row.join(" "))).collect())
        .unwrap_or_default();
    let typed = r
        .book
        .iter()
        .find(|l| may_be_typed(l) && !lab.contains(&normalize(l)) && !rows.contains(&squash(l)));
    if let Some(line) = typed {
        r.verdict = Verdict::NotUnderstood;
        r.reason = Some(format!(
            "the book shows `{}` right under `{}` with no blank line between: it may be a command the reader types, which lab never ran, and nothing lab compared there tells it from the output",
            line.trim(),
            p.step.command
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::may_be_typed;

    #[test]
    fn a_program_typed_is_told_from_what_files_and_tables_hold() {
        for line in [
            "ln -sf flannel.yml flannel_fix.yml",
            "gzip admin.conf",
            "truncate -s 0 /run/flannel/subnet.env",
            "lsmod",
            // probe21l: assignments before the program.
            "IFACE=cni0 ip link set cni0 down",
        ] {
            assert!(may_be_typed(line), "{line}");
        }
        for line in [
            "nameserver 10.0.2.3",
            "search localdomain",
            "node1",
            "nginx-deployment-75675f5897-4dm42   1/1       Running   0          2m        10.244.1.2   node1",
            "default via 10.0.2.2 dev enp0s3",
            "listening on flannel.1, link-type EN10MB (Ethernet), capture size 262144 bytes",
            "deployment \"nginx-deployment\" created",
            "html { color-scheme: light dark; }",
            "net.ipv4.ip_forward = 0",
            "FLANNEL_SUBNET=10.244.1.1/24 FLANNEL_MTU=1450",
        ] {
            assert!(!may_be_typed(line), "{line}");
        }
    }
}
