//! A command the chapter's prose tells the reader to type and no block
//! shows: "take the pod bridge down with `sudo ip link set cni0 down`, then
//! ping node1's pod again". The reader types it; lab, reading blocks only,
//! never saw it, and the ping after it compared a lab whose bridge is up
//! with a book that took it down: `match`, a false green (probe21p's
//! finding 7). So such a span stops what is compared after its line, as a
//! block's line lab does not understand does ([`super::gone::stops`]).
//!
//! Not every span is one: prose names files (`flannel.yml`), flags
//! (`--iface=enp0s8`), tools (`ping`) and the commands its blocks type,
//! often written otherwise (`kubectl apply -f x.yaml` above a block's
//! `kubectl --kubeconfig ./admin.conf apply -f x.yaml`). A span stops the
//! comparisons only when all of these hold:
//! - it has a command's shape ([`command_shaped`]), two words at least (a
//!   lone `iptables` names the tool), and names a program: one lab lists or
//!   one on a node's login `PATH` ([`super::swallowed`]);
//! - it may change what the reader has ([`effect`]: what only reads, or
//!   sets a machine up as `lab up` does, stops nothing);
//! - no block of the chapter types it: every command of it, `sudo` and
//!   `--kubeconfig` aside, opens a command some block shows (`kubectl
//!   delete pod <name>` matches a block's `kubectl delete pod nginx-1`).
//!
//! A span in a conditional ("if the join fails, run `sudo kubeadm reset`")
//! stops too: lab cannot tell the reader's choice, and a block typing the
//! same line stops the same way.

use super::gone::Stop;
use super::reads::{parts, words};
use super::setup::{Effect, effect};
use crate::book::parse::{Chapter, after_assignments, after_prompt, command_shaped};
use crate::book::recognize::{Cmd, recognize};

/// The stops the chapter's prose makes: one at the line of each span that
/// tells the reader to type a change no block shows.
pub(super) fn stops(chapter: &Chapter) -> Vec<(usize, Stop)> {
    let typed: std::collections::BTreeSet<Vec<String>> = chapter
        .blocks
        .iter()
        .flat_map(|b| &b.body)
        .flat_map(|(_, l)| commands(after_prompt(l).unwrap_or(l)))
        .collect();
    // Each code judged once, however often the prose shows it.
    let mut judged = std::collections::HashMap::new();
    chapter
        .inline
        .iter()
        .filter_map(|span| {
            let code = span.code.trim();
            let code = after_prompt(code).unwrap_or(code);
            let stops = *judged.entry(code).or_insert_with(|| {
                tells_a_change(code)
                    && commands(code)
                        .iter()
                        .any(|c| !typed.iter().any(|t| opens(c, t)))
            });
            stops.then(|| (span.line, Stop::Prose(code.to_string())))
        })
        .collect()
}

/// Whether `code` has a command's shape, names a program and may change
/// what the reader has: a move to a machine (`vagrant ssh node1`, `exit`)
/// and `kubeadm init` (which `lab up` stands for) change nothing.
fn tells_a_change(code: &str) -> bool {
    let program = after_assignments(code).split_whitespace().next();
    let moves = matches!(
        recognize(code),
        Ok(Cmd::Ssh { .. } | Cmd::Exit | Cmd::KubeadmInit { .. })
    ) || words(code).starts_with(&["vagrant", "ssh"]);
    !moves
        && command_shaped(code)
        && code.split_whitespace().count() >= 2
        && program.is_some_and(super::swallowed::names_a_program)
        && effect(code) == Effect::Changes
}

/// The commands of a line (its pipes and lists), each as its words with
/// what runs it (`sudo`, `NAME=V`) and a `--kubeconfig` taken off.
fn commands(line: &str) -> Vec<Vec<String>> {
    parts(line)
        .map(|p| {
            let mut out = Vec::new();
            let mut w = words(p).into_iter();
            while let Some(x) = w.next() {
                if x == "--kubeconfig" {
                    w.next();
                } else if !x.starts_with("--kubeconfig=") {
                    out.push(x.to_string());
                }
            }
            out
        })
        .filter(|c| !c.is_empty())
        .collect()
}

/// Whether `typed` opens with the words of `span` (a placeholder word of
/// the span, `<name>`, `POD`, `...`, stands for any).
fn opens(span: &[String], typed: &[String]) -> bool {
    span.len() <= typed.len()
        && span
            .iter()
            .zip(typed)
            .all(|(s, t)| s == t || is_placeholder(s))
}

/// A word prose writes for one the reader picks: `<name>`, `{pod}`,
/// `POD_NAME`, `...`.
fn is_placeholder(w: &str) -> bool {
    let angle = w.starts_with('<') && w.ends_with('>');
    let brace = w.starts_with('{') && w.ends_with('}');
    let capitals = w.len() >= 3
        && w.bytes().any(|b| b.is_ascii_uppercase())
        && w.bytes()
            .all(|b| b.is_ascii_uppercase() || b == b'_' || b.is_ascii_digit());
    angle || brace || capitals || w.chars().all(|c| c == '.' || c == '…')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn stops_of(text: &str) -> Vec<(usize, Stop)> {
        stops(&crate::book::parse::parse(Path::new("c.md"), text.as_bytes()).unwrap())
    }

    #[test]
    fn a_change_the_prose_tells_and_no_block_types_stops_at_its_line() {
        let text = "Intro.\n\n```bash\nping -c 1 10.244.1.2\n```\n\n\
                    Now take the pod bridge down with `sudo ip link set cni0 down`, then ping it again.\n\n\
                    ```bash\nping -c 1 10.244.1.2\n```\n";
        assert_eq!(
            stops_of(text),
            vec![(7, Stop::Prose("sudo ip link set cni0 down".into()))]
        );
        // A `$ ` prompt in the span, and HTML's `<code>`: the same.
        let html = text.replace(
            "`sudo ip link set cni0 down`",
            "<code>$ sudo ip link set cni0 down</code>",
        );
        assert_eq!(
            stops_of(&html),
            vec![(7, Stop::Prose("sudo ip link set cni0 down".into()))]
        );
    }

    #[test]
    fn what_a_block_types_reads_or_only_names_stops_nothing() {
        for prose in [
            // Typed by a block, written otherwise.
            "Apply it with `kubectl apply -f nginx.yaml`.",
            "Delete one with `kubectl delete pod <name>`.",
            "Take it down (`ip link set cni0 down`).",
            // Reads, names a file, a flag or a tool, or sets up.
            "Look with `kubectl get pods -o wide` and `ip route`.",
            "Use `flannel.yml` with `--iface=enp0s8` and `iptables`.",
            "Run `sudo swapoff -a` first.",
            // Moves, or what `lab up` does.
            "No `vagrant ssh` or `vagrant ssh node1` here, nor `exit`; `kubeadm init --pod-network-cidr 10.244.0.0/16` ran.",
            // Not a program.
            "The value `net.ipv4.ip_forward = 1` is set; `zz-not-a-tool down now`.",
        ] {
            let text = format!(
                "{prose}\n\n```bash\nkubectl --kubeconfig ./admin.conf apply -f nginx.yaml\n\
                 kubectl delete pod nginx-1\nsudo ip link set cni0 down\n```\n"
            );
            assert_eq!(stops_of(&text), vec![], "{prose}");
        }
    }

    #[test]
    fn every_command_of_a_span_must_be_typed() {
        let text = "Run `kubectl apply -f nginx.yaml && sudo ip link set cni0 down`.\n\n\
                    ```bash\nkubectl apply -f nginx.yaml\n```\n";
        assert_eq!(stops_of(text).len(), 1);
    }
}
