//! Planning a block before anything runs: each command recognised (the
//! safety gate: a shape lab does not understand runs nothing, and neither
//! does its block), placed (the node of the `vagrant ssh` session it is
//! typed in), and paired (a ping left running in one session as the
//! traffic of a capture in "another session").
//!
//! The session is the reader's terminal: a block that ends inside a node
//! (no `exit`) leaves the next block typed there too, unless it ended in a
//! command left running (a capture, a ping without `-c` or output), whose
//! reader types on in another terminal. A `vagrant ssh` typed inside a
//! node's session runs on that node, which has no `vagrant`: the reader
//! stays where they were (probe21l, finding 6).
//!
//! The session has its user: `vagrant ssh` logs in `vagrant`, and only a
//! step the book shows (`sudo -i`, `sudo su -`, ...) makes the reader root
//! there, until its `exit`, which leaves that root shell, not the node
//! (probe21ca, W3 and lesser 6).

use crate::book::output_below::{self, Role, Shown};
use crate::book::parse::{self, Step};
use crate::book::recognize::{Cmd, recognize};
use std::net::Ipv4Addr;

/// A command of a block with where it runs, decided before anything runs.
pub struct Planned {
    pub step: Step,
    pub cmd: std::result::Result<Cmd, String>,
    /// The node of the `vagrant ssh` session it is typed in (for a
    /// `vagrant ssh`, the session it is typed inside: it opens none).
    pub node: Option<String>,
    /// A ping left running as the traffic of the capture at this index.
    pub traffic_for: Option<usize>,
    /// The ping (node, target, its line) that runs as this capture's traffic.
    pub traffic: Option<(String, Ipv4Addr, usize)>,
    /// Who the reader is where it is typed ([`Shell`]).
    pub shell: Shell,
}

/// Who the reader is where a line is typed, by the book's own steps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Shell {
    /// In no `vagrant ssh` session: the book's prompt says (a node's
    /// prompt with no `vagrant ssh` before it, `root@master:~# kubeadm
    /// init …`, is the author on that machine, as whom the chapter does
    /// not say).
    #[default]
    NoSession,
    /// In a `vagrant ssh` session, as `vagrant`, the user it logs in.
    Vagrant,
    /// In a `vagrant ssh` session, in the root shell the step at `line`
    /// opened (`sudo -i`), itself inside the one the step at `outer`
    /// opened, if any: what the reports say (each step kept the whole stack
    /// of them, probe21cf, F2).
    Root { line: usize, outer: Option<usize> },
}

/// The root shells in one another lab follows in a session: a root shell
/// typed inside as many is not understood, and so is every line typed in
/// it (probe21cf, F2: 400,000 nested `sudo -i` took 23 GB).
pub const MAX_ROOT_SHELLS: usize = 4;

/// The reader's terminal between lines: the node of its `vagrant ssh`
/// session, if any, and the root shells opened in it ([`Shell::Root`]).
#[derive(Debug, Clone, Default)]
pub struct Session {
    node: Option<String>,
    /// The root shells lab follows, the innermost last: at most
    /// [`MAX_ROOT_SHELLS`].
    roots: Vec<usize>,
    /// The root shells opened inside those, which lab does not follow: how
    /// many, and the line of the first (outermost).
    beyond: usize,
    beyond_at: usize,
}

impl Session {
    fn shell(&self) -> Shell {
        match (&self.node, self.roots.last()) {
            (None, _) => Shell::NoSession,
            (Some(_), None) => Shell::Vagrant,
            (Some(_), Some(&line)) => Shell::Root {
                line,
                outer: self.roots.len().checked_sub(2).map(|i| self.roots[i]),
            },
        }
    }

    /// Why a line typed here is not understood: it is typed in a root
    /// shell nested past those lab follows.
    fn beyond_why(&self) -> Option<String> {
        (self.beyond > 0).then(|| {
            format!(
                "typed in a root shell nested past the {MAX_ROOT_SHELLS} lab follows (the one line {} opened, or one inside it): lab does not follow the reader there",
                self.beyond_at
            )
        })
    }
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

/// Whether the reader leaves `p` running and types on in another terminal:
/// a capture, or a ping without `-c` whose book shows no output (one with
/// replies shown was stopped by the reader, as its output says).
fn left_running(p: &Planned) -> bool {
    match &p.cmd {
        Ok(c) if is_capture(c) => true,
        Ok(Cmd::Ping { count: None, .. }) => p.step.output.is_empty(),
        _ => false,
    }
}

/// Plan every block of `chapter` in order, the reader's session carried
/// from one shell block to the next (a block of another language is not
/// typed: it is planned from the reader's machine and changes nothing).
/// The chapter keeps [`crate::book::caps::OUTPUT_LINES`] of the output
/// its shell blocks show and [`crate::book::caps::COMMANDS`] of their
/// commands, in its order ([`parse::steps_bounded`]), and as many of its
/// other blocks' (never compared: a long log shown as `text` takes none
/// from the commands).
/// A command's output shown in the block below its own is its output
/// ([`output_below`]); that block is then planned as nothing.
pub fn plan_chapter(chapter: &parse::Chapter) -> Vec<(Vec<Planned>, Vec<String>)> {
    plan_chapter_in(chapter, &output_below::roles(chapter))
}

/// [`plan_chapter`] with the blocks' `roles` read once by the caller, who
/// needs them too (the replay).
pub fn plan_chapter_in(
    chapter: &parse::Chapter,
    roles: &[Role],
) -> Vec<(Vec<Planned>, Vec<String>)> {
    let mut session = Session::default();
    let mut left = crate::book::caps::Left::default();
    let mut left_other = crate::book::caps::Left::default();
    chapter
        .blocks
        .iter()
        .zip(roles)
        .map(|(b, role)| {
            let below = match &role {
                Role::Shows(shown) => Some(shown),
                _ => None,
            };
            if b.hidden.is_some() || matches!(role, Role::OutputOf { .. } | Role::OfProse { .. }) {
                // Not shown (the reader reads nothing there), or output.
                (Vec::new(), Vec::new())
            } else if let Some((line, why)) = &b.unread {
                (vec![unread(b, *line, why)], Vec::new())
            } else if b.is_shell() {
                plan(b, &mut session, below, &mut left)
            } else {
                plan(b, &mut Session::default(), None, &mut left_other)
            }
        })
        .collect()
}

/// A block whose text lab cannot read as the page shows it
/// ([`parse::Block::unread`]): its line `line`, not understood for `why`.
fn unread(b: &parse::Block, line: usize, why: &str) -> Planned {
    let written = b
        .body
        .iter()
        .find(|(n, _)| *n == line)
        .map_or_else(|| b.fence.clone(), |(_, l)| l.trim().to_string());
    Planned {
        step: parse::Step {
            line,
            written: written.clone(),
            command: written,
            remark: None,
            output: Vec::new(),
            output_at: Vec::new(),
            cut: 0,
            host: None,
            remarks_below: Vec::new(),
            remarks_cut: 0,
            unread_lines: 0,
            title: Vec::new(),
        },
        cmd: Err(why.to_string()),
        node: None,
        traffic_for: None,
        traffic: None,
        shell: Shell::NoSession,
    }
}

/// Recognise a block's commands and place them, typed from `session` (the
/// node the reader's terminal is in, left there for the next block), one
/// of them with its output `below`; any command not understood makes the
/// whole block not run. The block keeps what the chapter has `left` of
/// lines of output and commands ([`parse::steps_bounded`]).
pub fn plan(
    block: &parse::Block,
    session: &mut Session,
    below: Option<&Shown>,
    left: &mut crate::book::caps::Left,
) -> (Vec<Planned>, Vec<String>) {
    let (mut steps, prose) = parse::steps_bounded(block, left);
    if let Some(shown) = below {
        shown.attach(&mut steps, &mut left.lines);
    }
    // Whether the next line of the block is typed at root's prompt (what
    // `su` asked a password for was given).
    let root_next: Vec<bool> = (0..steps.len())
        .map(|i| {
            steps
                .get(i + 1)
                .is_some_and(|s| super::root_needed::root_prompt(&s.written).is_some())
        })
        .collect();
    let mut s = session.clone();
    let mut out: Vec<Planned> = Vec::new();
    for (step, root_next) in steps.into_iter().zip(root_next) {
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
        if let Some(why) = remark_inside_output(&step) {
            cmd = Err(why);
        }
        // Past what the chapter keeps: counted, never read (probe21cf).
        if step.remarks_cut > 0 {
            cmd = Err(crate::book::caps::remarks_not_read(step.remarks_cut));
        }
        if step.unread_lines > 0 {
            cmd = Err(crate::book::caps::lines_not_read(step.unread_lines));
        }
        // A `vagrant ssh` after a command left running is typed in
        // another terminal, on the reader's machine.
        if matches!(cmd, Ok(Cmd::Ssh { .. })) && out.last().is_some_and(left_running) {
            s = Session::default();
        }
        let shell = s.shell();
        let mut here = s.node.clone();
        // Typed at a node's prompt (`vagrant@w1:~$ route -n`) outside a
        // `vagrant ssh`: the prompt says where the reader is.
        if here.is_none()
            && let (Some(h), Ok(c)) = (&step.host, &cmd)
            && (needs_node(c) || matches!(c, Cmd::Grep { .. } | Cmd::Exit | Cmd::Kubectl(_)))
        {
            here = Some(h.clone());
        }
        // Typed at another machine's prompt inside a `vagrant ssh` session
        // (`vagrant ssh node2`, then `vagrant@node1:~$ ping ...`): the page
        // says one node, the session another; running it on either would
        // compare a claim about the other (a false green).
        if let (Some(n), Some(h)) = (&s.node, &step.host)
            && h != n
            && !matches!(cmd, Ok(Cmd::Ssh { .. }))
        {
            cmd = Err(format!(
                "typed at the prompt of {h} inside `vagrant ssh {n}`: the book names two machines for one line, so lab runs it on neither"
            ));
        }
        let beyond = s.beyond_why();
        match &cmd {
            // Inside a node, `vagrant ssh` is not found: the reader stays.
            Ok(Cmd::Ssh { node: n }) if s.node.is_none() => {
                s = Session {
                    node: Some(n.clone()),
                    ..Session::default()
                }
            }
            // Past the root shells lab follows, an `exit` leaves one of
            // those it does not: counted, never run.
            Ok(Cmd::Exit | Cmd::RootShell { .. }) if s.beyond > 0 => {
                match cmd {
                    Ok(Cmd::Exit) => s.beyond -= 1,
                    _ => s.beyond += 1,
                }
                cmd = Err(beyond.unwrap_or_default());
            }
            Ok(Cmd::Exit) => {
                if here.is_none() {
                    cmd = Err(
                        "`exit` outside a `vagrant ssh` session would leave the reader's own shell"
                            .into(),
                    );
                }
                // A root shell's `exit` leaves it, in the same node.
                if s.roots.pop().is_none() {
                    s = Session::default();
                }
            }
            Ok(Cmd::RootShell { su }) => {
                let su = *su;
                if let Some(why) = root_shell_refused(&s, su, root_next, &step) {
                    cmd = Err(why);
                } else if s.roots.len() == MAX_ROOT_SHELLS {
                    let lines: Vec<String> = s.roots.iter().map(usize::to_string).collect();
                    cmd = Err(format!(
                        "`{}` opens a root shell inside {MAX_ROOT_SHELLS} root shells (those lines {} opened): lab follows {MAX_ROOT_SHELLS} in one another at most, and none of the lines typed in it",
                        step.command.trim(),
                        lines.join(", ")
                    ));
                    (s.beyond, s.beyond_at) = (1, step.line);
                } else {
                    s.roots.push(step.line);
                }
            }
            Ok(_) if beyond.is_some() => cmd = Err(beyond.unwrap_or_default()),
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
            shell,
        });
    }
    *session = if out.last().is_some_and(left_running) {
        Session::default()
    } else {
        s
    };
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

/// Why a step that opens a root shell (`step`, `su` without `sudo` if
/// `su`) is not understood in session `s` (`root_next`: the block's next
/// line is typed at root's prompt), if it is not: on the reader's own
/// machine lab models no user at all; `su` asks root's password, which a
/// box may have or not, so only root's prompt after it says it was given
/// (a root shell's `su` asks none).
fn root_shell_refused(s: &Session, su: bool, root_next: bool, step: &Step) -> Option<String> {
    let command = step.command.trim();
    if s.node.is_none() {
        return Some(match &step.host {
            Some(h) => format!(
                "`{command}` typed at {h}'s prompt with no `vagrant ssh` before it: lab follows the reader's user only in a session the book opens"
            ),
            None => format!(
                "`{command}` outside a `vagrant ssh` session makes the reader root on their own machine; lab follows the reader's user only in a node's session"
            ),
        });
    }
    // Behind `# ` (or another root prompt) while the reader is still
    // `vagrant`: to a shell a comment, nothing runs; read as a prompt, it
    // is root's, which the reader does not have yet. Either way the line
    // makes no one root (probe21cb, F5: `# sudo -i` then `tcpdump` without
    // sudo was `match`).
    if s.roots.is_empty()
        && let Some(prompt) = super::root_needed::root_prompt(&step.written)
    {
        let node = s.node.as_deref().unwrap_or("NODE");
        return Some(format!(
            "`{command}` is typed behind `{prompt}`: to a shell a comment (nothing runs, the reader stays `vagrant`), or a root prompt the reader of `vagrant ssh {node}` does not have, since no line made them root; lab takes it for no step that makes the reader root"
        ));
    }
    (su && s.roots.is_empty() && !root_next).then(|| format!(
        "`{command}` asks root's password, and the book shows no root prompt after it: lab cannot tell whether the reader became root"
    ))
}

/// A line in brackets inside `step`'s output (below its command, above
/// the last line of its output, in its block or in the output block below
/// it) that says no cut (`(flannel chose enp0s8)` between `kubectl logs`
/// and the log's lines): the author's claim about the output, which lab
/// cannot read; dropped as a remark, the claim passed unread (probe21br,
/// finding 4). The command is not understood, naming it. A cut's note
/// (`(removed lines for brevity)`) stays a cut of the output. A remark
/// right under the output is the replay's to read
/// ([`super::remark_below`]), but for a cut's note that says more.
fn remark_inside_output(step: &parse::Step) -> Option<String> {
    let last = step.output_at.last().copied();
    let inside = |n: usize| last.is_some_and(|last| n < last);
    // Below the output too, a cut's note that says more than its cut
    // (`(removed lines for brevity: every later echo timed out)`) is a
    // claim about the output (probe21by, finding 7).
    let (n, l) = step
        .remarks_below
        .iter()
        .find(|(n, l)| inside(*n) || cut_note_with_claim_below(l))?;
    let place = if inside(*n) { "inside" } else { "below" };
    Some(format!(
        "the book shows `{l}` {place} this command's output (line {n}): a remark in brackets that claims something of the output, which lab cannot read, so it compares nothing of the command"
    ))
}

/// A cut's note below the output that says more than its cut, less its
/// pieces that only say the output went on or was stopped: `(output
/// truncated, press Ctrl-C to stop)` is a cut and an instruction, for the
/// replay to read as one (probe21ca's WC16, probe21cb), while the cut's
/// piece of `(removed lines for brevity: every later echo timed out)`
/// leaves a claim with it.
fn cut_note_with_claim_below(l: &str) -> bool {
    let inner = l.trim().strip_prefix('(').and_then(|w| w.strip_suffix(')'));
    let rest = |w: &str| super::remark_notes::without_notes(w);
    crate::book::compare::cut_note_with_claim(l)
        && inner.is_none_or(|w| {
            !rest(w)
                .split(';')
                .map(str::trim)
                .all(|p| p.is_empty() || instruction(p))
        })
}

/// Whether a piece of a note is an instruction to the reader (`press
/// Ctrl-C to stop`, `stop with Ctrl-C`).
fn instruction(piece: &str) -> bool {
    let first = piece
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_lowercase();
    matches!(
        first.as_str(),
        "press" | "hit" | "type" | "stop" | "ctrl-c" | "ctrl+c" | "^c"
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

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
