//! A command's output shown in the block below its own: a command block,
//! then (after nothing, or a short lead-in such as "Output:" or "You should
//! see:") a block of its output (```` ```text ````, ```` ```output ````, a
//! `console` or unlabelled block lab reads as output). Many books and docs
//! sites write their commands so. Read block by block, the command had no
//! output to compare ("skipped") and the output block was "not commands"
//! ("skipped"): a chapter whose lab never got the replies it shows passed
//! (probe21aq, finding 2).
//!
//! The rule, decided here before anything runs: a block that is output by
//! its language (see [`OUTPUT_LANGS`]; or unlabelled or `console`, when no
//! line of it is at a prompt, its first line has no command's shape, and
//! read under the command every line of it stays output), with no line at a
//! prompt, is the output of the command before it when
//! - what stands between the two blocks is blank, or one paragraph of plain
//!   text (no heading, list item, table, HTML, rule) of at most
//!   [`LEAD_IN_WORDS`] words: the lead-in;
//! - the block before it is a shell block shown on the page, and the
//!   command is its last one, or the one the lead-in's last inline command
//!   names (`` The output of `ping -c 1 10.244.1.3`: ``);
//! - that command shows no output in its own block.
//!
//! A block in any other language that is not a shell's, no manifest nor
//! patch ([`parse::shows_data`]: `terminal`, `ansi`, `json`, `python`) is
//! one only when its lines read as that command's output
//! ([`apart_output::reads_as`], [`apart_output::By::Lines`]): such a block
//! was "not commands", and a reply shown in it was never compared
//! (probe21ay, finding 2).
//!
//! It is then compared as if it stood under that command (the same
//! comparisons and verdicts; its lines are the command's book output, at
//! their own line numbers), and the output block is `skipped`, naming the
//! command it was compared under. A lead-in whose last inline command is
//! no command of that block (`` run `ping -c 1 10.244.3.3`. You will see:
//! ``) makes the block the output of a command told in prose, which lab
//! never runs: [`Role::OfProse`]. An output block a longer text keeps from a
//! command without output is not paired, and says so ([`Role::Apart`]).
//!
//! Output goes on across blocks (probe21as, finding 1): an output block
//! after (within the same lead-in rule) an output block read as a
//! command's, or after a block whose last command shows the start of its
//! output (ping's `PING …` header), is the rest of that output: its lines
//! are appended, after a cut ([`CUT`]) that says lines may be missing
//! between the two. Read block by block, the second block was "not
//! commands" and a header alone "no reply", and a chapter whose lab never
//! got the replies it shows passed. Every block output by its language
//! after a shell block that is not read as output says why
//! ([`Role::Apart`]), never a silent skip.

use super::apart_output::{self, By, Printer};
use super::lookalike::fold;
use super::parse::{self, Block, Chapter, OUTPUT_LANGS, Step};

/// The most words a lead-in between a command's block and its output's may
/// have (one paragraph: "You should see something like this, your pod
/// names and addresses will differ:" is 14).
pub const LEAD_IN_WORDS: usize = 40;

/// Shell languages a block of output alone is also written in: a terminal
/// session's (`console`) or none.
const SESSION_LANGS: &[&str] = &[
    "",
    "console",
    "shell-session",
    "shellsession",
    "bash-session",
    "sh-session",
    "zsh-session",
];

/// What a block is to the blocks around it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Role {
    #[default]
    Alone,
    /// A shell block whose command at `line` shows its output in the block
    /// below ([`Shown`]).
    Shows(Shown),
    /// The output of the command at `line` (`command`), compared there;
    /// `continues` when it goes on from output shown above it (the
    /// command's own block's, or the block before).
    OutputOf {
        line: usize,
        command: String,
        lead: String,
        continues: bool,
        /// Why the lead-in rule set it apart, where it is compared all the
        /// same, its lines reading as the command's ([`apart_output`]).
        apart: Option<String>,
    },
    /// The output of `code`, a command the lead-in (at `line`) tells the
    /// reader to run: lab runs no command of prose.
    OfProse { line: usize, code: String },
    /// An output block not read as the output of the command without output
    /// above it: why.
    Apart(String),
    /// An output block after the shell block whose last command is at
    /// `line` (`command`) that shows `printed`, a line of a shape only some
    /// commands print (a ping's, a capture's, a log's, curl's:
    /// [`crate::book::line_shapes`]), where no command of that block prints
    /// it: not understood (probe21ba, finding 3: skipped, a ping's failure
    /// passed; probe21bc, finding 5: a log's).
    PrintedByNone {
        line: usize,
        command: String,
        printed: String,
    },
}

/// Said where a lead-in is past its bound.
fn bound() -> String {
    format!(
        " (lab reads an output block as its command's after at most one paragraph of {LEAD_IN_WORDS} words)"
    )
}

/// How a candidate block is output.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// By its language.
    Text,
    /// Unlabelled or `console`, every line output when read under the command.
    Session,
    /// Another language than a shell's or output's, no manifest nor patch
    /// (`terminal`, `ansi`, `json`, `python`): output where its lines read
    /// as the command's ([`By::Lines`]); it was "not commands", a reply in
    /// it never compared (probe21ay, finding 2).
    Lines,
}

impl Kind {
    /// What makes a block of this kind output besides its lines.
    fn by(self) -> By {
        match self {
            Kind::Lines => By::Lines,
            Kind::Text | Kind::Session => By::Language,
        }
    }
}

/// The role of every block of `chapter`, in order.
pub fn roles(chapter: &Chapter) -> Vec<Role> {
    let lines: Vec<&str> = chapter.text.lines().collect();
    let blocks = &chapter.blocks;
    let mut roles = vec![Role::Alone; blocks.len()];
    // For a block read as output: the shell block of its command, and the
    // command (its own output left out).
    let mut owner: Vec<Option<(usize, Step)>> = vec![None; blocks.len()];
    for j in 0..blocks.len() {
        let b = &blocks[j];
        let Some(kind) = kind(b) else { continue };
        // Of another language, only a block read as the command's output.
        let reads = |s: &Step| apart_output::reads_as(&s.command, &body(b), kind.by()).is_some();
        let prev = j.checked_sub(1).map(|i| (i, &blocks[i]));
        let from = prev.map_or(0, |(_, p)| p.end);
        let lead = lead_in(&lines, from, b.line);
        let span = lead.as_ref().ok().and_then(|l| {
            chapter
                .inline
                .iter()
                .filter(|s| l.lines.0 <= s.line && s.line <= l.lines.1)
                .filter_map(|s| command_span(&s.code).map(|c| (s.line, c)))
                .next_back()
        });
        // The block before is output read as a command's: this one may go
        // on with it.
        if let Some((p, _)) = prev
            && let Some((i, s)) = owner[p].clone()
        {
            if kind == Kind::Lines && !reads(&s) {
                continue;
            }
            let named_other = span.as_ref().is_some_and(|(_, c)| *c != words(&s.command));
            let why = match &lead {
                Err(why) => format!("{why}{}", bound()),
                Ok(l) if !l.alone => {
                    format!("more than one paragraph stands between them{}", bound())
                }
                Ok(_) if named_other => "the text before it names another command".into(),
                Ok(l) => match (output_of(&s, b, kind, &l.text), &mut roles[i]) {
                    (Some(more), Role::Shows(shown)) => {
                        shown.go_on(more);
                        roles[j] = Role::OutputOf {
                            line: s.line,
                            command: s.command.clone(),
                            lead: l.text.clone(),
                            continues: true,
                            apart: None,
                        };
                        owner[j] = Some((i, s));
                        continue;
                    }
                    _ => "a line of it would be a command there".into(),
                },
            };
            // Set apart, but its lines read as the command's output: compared
            // as it all the same (probe21av, finding 2).
            let text = lead.as_ref().map_or(String::new(), |l| l.text.clone());
            if !named_other
                && reads(&s)
                && let (Some(mut more), Role::Shows(shown)) =
                    (output_of(&s, b, kind, &text), &mut roles[i])
                && !apart_output::repeats(&shown.output, &body(b))
            {
                more.apart = Some(why.clone());
                shown.go_on(more);
                roles[j] = Role::OutputOf {
                    line: s.line,
                    command: s.command.clone(),
                    lead: text,
                    continues: true,
                    apart: Some(why),
                };
                owner[j] = Some((i, s));
                continue;
            }
            match (&span, kind) {
                (_, Kind::Session) => {}
                (Some((line, code)), _) if named_other => {
                    roles[j] = Role::OfProse {
                        line: *line,
                        code: code.clone(),
                    };
                }
                _ => {
                    roles[j] = Role::Apart(format!(
                        "not read as going on with the output of line {}'s `{}` (in the block above): {why}",
                        s.line, s.command
                    ));
                }
            }
            continue;
        }
        // A block read as output itself shows no command's.
        let commands = prev
            .filter(|(i, p)| {
                p.is_shell() && p.unread.is_none() && !matches!(roles[*i], Role::OutputOf { .. })
            })
            .map(|(i, p)| (i, parse::steps(p).0));
        // The command whose output it is: the one the lead-in names, else
        // the last; one with output of its own shows the rest here when it
        // ends its block.
        let named = commands.as_ref().and_then(|(i, steps)| {
            let s = match &span {
                Some((_, code)) => steps.iter().rev().find(|s| words(&s.command) == *code)?,
                // `exit` ends a session and prints nothing a block shows:
                // the command before it is the last (an output block after
                // a session was paired with `exit`).
                None => steps.iter().rev().find(|s| {
                    !matches!(s.command.split_whitespace().next(), Some("exit" | "logout"))
                })?,
            };
            let last = steps.last().is_some_and(|l| l.line == s.line);
            Some((*i, s, last))
        });
        // Lines of a shape only some commands print (a ping's, a
        // capture's, a log's, curl's) are the output of the block's command
        // that prints them, or of none (probe21ba, finding 3; probe21bc,
        // findings 3 to 5); a command the lead-in names keeps them.
        let named = match (&span, named, &commands) {
            (None, Some((i, s, last)), Some((_, steps))) => {
                match apart_output::printer(steps, s, &body(b), kind.by()) {
                    Printer::Named => Some((i, s, last)),
                    Printer::Earlier(e) => steps
                        .iter()
                        .find(|x| x.line == e.line)
                        .map(|e| (i, e, false)),
                    Printer::None(printed) => {
                        roles[j] = Role::PrintedByNone {
                            line: s.line,
                            command: s.command.clone(),
                            printed,
                        };
                        continue;
                    }
                }
            }
            (_, named, _) => named,
        };
        if kind == Kind::Lines && !named.as_ref().is_some_and(|(_, s, _)| reads(s)) {
            continue;
        }
        let silent = |s: &Step| s.output.iter().all(|l| l.trim().is_empty());
        let pairs = matches!(&lead, Ok(l) if l.alone)
            && named
                .as_ref()
                .is_some_and(|(_, s, last)| silent(s) || *last);
        // Why the lead-in rule sets it apart from the command it names.
        let apart_why = match (&lead, &named, &commands) {
            _ if pairs => None,
            (Err(why), _, Some(_)) => Some(format!("{why}{}", bound())),
            (Ok(l), _, Some(_)) if !l.alone => Some(format!(
                "more than one paragraph stands between them{}",
                bound()
            )),
            (Ok(_), Some((_, s, _)), Some((_, steps))) => {
                let after = steps.iter().find(|a| a.line > s.line);
                Some(format!(
                    "it shows output of its own in its block{}",
                    after.map_or(String::new(), |a| format!(
                        ", and line {}'s `{}` follows it",
                        a.line, a.command
                    ))
                ))
            }
            (Ok(_), None, Some(_)) => {
                Some("the block above has no command whose output it may be".into())
            }
            _ => None,
        };
        // Set apart, but its lines read as the command's output: compared
        // as it all the same (probe21av, finding 2), never skipped.
        let forced = match (&apart_why, &named) {
            (Some(why), Some((_, s, _)))
                if reads(s) && !apart_output::repeats(&s.output, &body(b)) =>
            {
                Some(why.clone())
            }
            _ => None,
        };
        match (&lead, named, &span) {
            (lead, Some((i, s, _)), _) if pairs || forced.is_some() => {
                let text = lead.as_ref().map_or(String::new(), |l| l.text.clone());
                let mut cmd = s.clone();
                cmd.output.clear();
                cmd.output_at.clear();
                let below = output_of(&cmd, b, kind, &text).map(|mut m| {
                    m.apart = forced.clone();
                    m
                });
                let shown = match below {
                    // Its own output first: this block goes on with it.
                    Some(more) if !silent(s) => {
                        let mut own = Shown {
                            line: s.line,
                            block: (blocks[i].line, blocks[i].end),
                            lang: String::new(),
                            lead: String::new(),
                            output: s.output.clone(),
                            output_at: s.output_at.clone(),
                            remarks_below: s.remarks_below.clone(),
                            remarks_cut: s.remarks_cut,
                            cut: s.cut,
                            parts: 1,
                            apart: None,
                        };
                        own.go_on(more);
                        Some(own)
                    }
                    below => below,
                };
                match shown {
                    Some(shown) => {
                        roles[j] = Role::OutputOf {
                            line: s.line,
                            command: s.command.clone(),
                            lead: text,
                            continues: !silent(s),
                            apart: forced,
                        };
                        roles[i] = Role::Shows(shown);
                        owner[j] = Some((i, cmd));
                    }
                    None if kind != Kind::Session => {
                        roles[j] = Role::Apart(format!(
                            "not read as the output of line {}'s `{}`: a line of it would be a command there",
                            s.line, s.command
                        ));
                    }
                    None => {}
                }
            }
            // A command told in prose, no command of the block above.
            (Ok(_), None, Some((line, code))) if kind != Kind::Session => {
                roles[j] = Role::OfProse {
                    line: *line,
                    code: code.clone(),
                };
            }
            // Every output block after a shell block that is not read as
            // output says why: a silent `Alone` was skipped as "not
            // commands" (probe21as, finding 1).
            (_, named, _) if kind != Kind::Session => {
                let (Some((_, steps)), Some(why)) = (&commands, apart_why) else {
                    continue;
                };
                let Some(s) = named.map(|(_, s, _)| s).or(steps.last()) else {
                    continue;
                };
                roles[j] = Role::Apart(format!(
                    "not read as the output of line {}'s `{}`: {why}",
                    s.line, s.command
                ));
            }
            _ => {}
        }
    }
    roles
}

/// A block's lines.
fn body(b: &Block) -> Vec<String> {
    b.body.iter().map(|(_, l)| l.clone()).collect()
}

/// Whether `b` may be a command's output, and how.
fn kind(b: &Block) -> Option<Kind> {
    if b.hidden.is_some() || b.unread.is_some() {
        return None;
    }
    if b.body.iter().any(|(_, l)| parse::after_prompt(l).is_some()) {
        return None;
    }
    let lang = b.lang.as_str();
    if OUTPUT_LANGS.contains(&lang) {
        return Some(Kind::Text);
    }
    if !SESSION_LANGS.contains(&lang) && !b.is_shell() && !parse::shows_data(lang, &b.body) {
        return Some(Kind::Lines);
    }
    // Unlabelled or a session: its first line would open it as a command;
    // one of a command's shape (or naming a program) stays one.
    let first = b
        .body
        .iter()
        .map(|(_, l)| l)
        .find(|l| !l.trim().is_empty())?;
    let seen = fold(first);
    (SESSION_LANGS.contains(&lang)
        && !parse::command_shaped(&seen)
        && !parse::is_program(seen.trim())
        && !parse::is_remark(&seen))
    .then_some(Kind::Session)
}

/// The words of a command, whitespace normalised.
fn words(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An inline span that is a command the reader runs (past a prompt: two
/// words or more, of a command's shape, naming a program), normalised.
fn command_span(code: &str) -> Option<String> {
    let seen = fold(code.trim());
    let c = parse::after_prompt(&seen)
        .unwrap_or(&seen)
        .trim()
        .to_string();
    (c.split_whitespace().count() >= 2 && parse::command_shaped(&c) && parse::is_program(&c))
        .then(|| words(&c))
}

/// Block `b`'s lines as the output of `cmd` (read as under it), or None
/// when, unlabelled, a line of it would be a command there.
fn output_of(cmd: &Step, b: &Block, kind: Kind, lead: &str) -> Option<Shown> {
    let mut body = vec![(cmd.line, cmd.written.clone())];
    body.extend(b.body.iter().cloned());
    let read = Block {
        body,
        hidden: None,
        unread: None,
        ..b.clone()
    };
    let (steps, _) = parse::steps(&read);
    let (first, rest) = steps.split_first()?;
    // A block past the commands lab reads of one is read as no output:
    // its lines are not all read (probe21cf, F2).
    if first.line != cmd.line
        || (kind == Kind::Session && !rest.is_empty())
        || steps.iter().any(|s| s.unread_lines > 0)
    {
        return None;
    }
    // Output by its language: a line that reads as a command is output
    // too (the reader's line lab may then not tell from one: `swallowed`).
    let mut lines: Vec<(usize, String)> = first
        .output_at
        .iter()
        .copied()
        .zip(first.output.iter().cloned())
        .collect();
    let mut remarks = first.remarks_below.clone();
    let mut remarks_cut = first.remarks_cut;
    let mut cut = first.cut;
    for s in rest {
        cut += s.cut;
        lines.push((s.line, s.written.clone()));
        lines.extend(s.output_at.iter().copied().zip(s.output.iter().cloned()));
        remarks.extend(s.remarks_below.iter().cloned());
        remarks_cut += s.remarks_cut;
    }
    lines.sort_by_key(|(n, _)| *n);
    while lines.last().is_some_and(|(_, l)| l.trim().is_empty()) {
        lines.pop();
    }
    Some(Shown {
        line: cmd.line,
        block: (b.line, b.end),
        lang: b.lang.clone(),
        lead: lead.to_string(),
        output_at: lines.iter().map(|(n, _)| *n).collect(),
        output: lines.into_iter().map(|(_, l)| l).collect(),
        remarks_below: remarks,
        remarks_cut,
        cut,
        parts: 1,
        apart: None,
    })
}

#[path = "output_lead.rs"]
mod lead;
#[path = "output_shown.rs"]
mod shown;
use lead::lead_in;
pub use shown::{CUT, Shown};

#[cfg(test)]
#[path = "output_below_tests.rs"]
mod tests;
