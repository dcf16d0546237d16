//! Planning a block before anything runs: each command recognised (the
//! safety gate: a shape lab does not understand runs nothing, and neither
//! does its block), placed (the node of the `vagrant ssh` session it is
//! typed in), and paired (a ping left running in one session as the
//! traffic of a capture in "another session").

use crate::book::parse::{self, Step};
use crate::book::recognize::{Cmd, recognize};
use std::net::Ipv4Addr;

/// A command of a block with where it runs, decided before anything runs.
pub struct Planned {
    pub step: Step,
    pub cmd: std::result::Result<Cmd, String>,
    /// The node of the `vagrant ssh` session it is typed in.
    pub node: Option<String>,
    /// A ping left running as the traffic of the capture at this index.
    pub traffic_for: Option<usize>,
    /// The ping (node, target, its line) that runs as this capture's traffic.
    pub traffic: Option<(String, Ipv4Addr, usize)>,
}

/// Commands that run on a node: typed inside a `vagrant ssh` session.
fn needs_node(c: &Cmd) -> bool {
    matches!(
        c,
        Cmd::Ping { .. }
            | Cmd::Tcpdump { .. }
            | Cmd::RouteN
            | Cmd::IpRoute
            | Cmd::Cat { .. }
            | Cmd::Grep { .. }
            | Cmd::Curl(_)
    )
}

/// Recognise a block's commands and place them; any command not
/// understood makes the whole block not run.
pub fn plan(block: &parse::Block) -> (Vec<Planned>, Vec<String>) {
    let (steps, prose) = parse::steps(block);
    let mut node: Option<String> = None;
    let mut out: Vec<Planned> = Vec::new();
    for step in steps {
        let mut cmd = recognize(&step.command);
        // A space the shell does not split on (U+00A0, U+2003, ...) where
        // the page shows one: the reader's shell reads one word there
        // (`ping\u{a0}-c` is "command not found"); lab's words would not.
        if let Some(odd) = step
            .written
            .chars()
            .find(|c| c.is_whitespace() && !matches!(c, ' ' | '\t' | '\r' | '\n'))
        {
            cmd = Err(format!(
                "the line holds U+{:04X}, a space a shell does not split words on: the reader's command is not the one it looks like",
                odd as u32
            ));
        }
        let mut here = node.clone();
        // Typed at a node's prompt (`vagrant@w1:~$ route -n`) outside a
        // `vagrant ssh`: the prompt says where the reader is.
        if here.is_none()
            && let (Some(h), Ok(c)) = (&step.host, &cmd)
            && (needs_node(c) || matches!(c, Cmd::Grep { .. } | Cmd::Exit))
        {
            here = Some(h.clone());
        }
        // Typed at another machine's prompt inside a `vagrant ssh` session
        // (`vagrant ssh node2`, then `vagrant@node1:~$ ping ...`): the page
        // says one node, the session another; running it on either would
        // compare a claim about the other (a false green).
        if let (Some(s), Some(h)) = (&node, &step.host)
            && h != s
            && !matches!(cmd, Ok(Cmd::Ssh { .. }))
        {
            cmd = Err(format!(
                "typed at the prompt of {h} inside `vagrant ssh {s}`: the book names two machines for one line, so lab runs it on neither"
            ));
        }
        match &cmd {
            Ok(Cmd::Ssh { node: n }) => node = Some(n.clone()),
            Ok(Cmd::Exit) => {
                if here.is_none() {
                    cmd = Err(
                        "`exit` outside a `vagrant ssh` session would leave the reader's own shell"
                            .into(),
                    );
                }
                node = None;
            }
            Ok(c) if needs_node(c) && here.is_none() => {
                cmd = Err(format!(
                    "`{}` outside a `vagrant ssh` session runs on the reader's machine; lab runs commands only on the lab's nodes and pods",
                    c.shape()
                ));
            }
            Ok(Cmd::Grep { inner, .. }) if !needs_node(inner) => {
                cmd = Err(format!(
                    "`{} | grep` would filter on the reader's machine; lab greps only what runs on a node",
                    inner.shape()
                ));
            }
            _ => {}
        }
        out.push(Planned {
            step,
            cmd,
            node: here,
            traffic_for: None,
            traffic: None,
        });
    }
    // "Open another session": a ping without -c and without output, then
    // another `vagrant ssh`, then a capture.
    for i in 0..out.len() {
        let Ok(Cmd::Ping {
            target,
            count: None,
        }) = &out[i].cmd
        else {
            continue;
        };
        if !out[i].step.output.is_empty() {
            continue;
        }
        let target = *target;
        let mut other_session = false;
        for j in i + 1..out.len() {
            match &out[j].cmd {
                Ok(Cmd::Ssh { .. }) => other_session = true,
                // A capture, or a capture piped to grep.
                Ok(c) if other_session && out[j].traffic.is_none() && is_capture(c) => {
                    let n = out[i].node.clone().unwrap_or_default();
                    out[j].traffic = Some((n, target, out[i].step.line));
                    out[i].traffic_for = Some(j);
                    break;
                }
                _ => {}
            }
        }
    }
    (
        out,
        prose
            .into_iter()
            .map(|(n, l)| format!("line {n}: {l}"))
            .collect(),
    )
}

/// Whether a command is a capture, alone or piped to grep.
fn is_capture(c: &Cmd) -> bool {
    match c {
        Cmd::Tcpdump { .. } => true,
        Cmd::Grep { inner, .. } => matches!(**inner, Cmd::Tcpdump { .. }),
        _ => false,
    }
}
