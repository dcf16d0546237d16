//! What each line of a chapter's block is, read as a person reads it: a
//! command (it carries a prompt or opens with a program's name), output of
//! the command above it, or the author's remark in brackets (a remark that
//! says output was cut stays in the output as the cut it is). `parse` finds
//! the blocks; this finds the steps in one.

use super::{Block, Step};
use crate::book::caps::Left;

#[path = "parse_programs.rs"]
mod programs;
use programs::PROGRAMS;

#[path = "parse_held.rs"]
mod held;

#[path = "parse_kept.rs"]
mod kept;
use held::Under;
use kept::{Past, ends_blank, push, remark_below};

#[path = "parse_prompt.rs"]
mod prompt;
use prompt::prompt_host;
pub use prompt::{after_prompt, opens_with_sign, signs_before_a_command};

/// Whether `step` is a command still being typed: a heredoc (`<<`) or a
/// line ending in `\`, `|`, `&&` or `||`, whose next lines the shell
/// prompts for with `> ` (its continuation, never a command of its own).
fn still_typed(step: &Step) -> bool {
    let c = step.written.trim_end();
    c.contains("<<") || c.ends_with(['\\', '|']) || c.ends_with("&&")
}

/// Whether `line` is at the shell's continuation prompt (`> `).
fn at_continuation_prompt(line: &str) -> bool {
    line.trim_start().starts_with('>') && !line.trim_start().starts_with(">>>")
}

/// Whether the line's first word is a program (see [`PROGRAMS`]), past
/// the `NAME=value` words a shell reads as assignments before it.
pub fn is_program(t: &str) -> bool {
    let word = after_assignments(t).split_whitespace().next().unwrap_or("");
    PROGRAMS.contains(&word) || word.starts_with("./") || word.starts_with('/')
}

/// `line` from its program on: the `NAME=value` words before it, which a
/// shell reads as assignments for the program, taken off
/// (`IFACE=cni0 sudo ip link set cni0 down` runs `sudo`; read by its first
/// word, it had no command's shape and was taken for a ping's reply,
/// probe21l). A line of assignments alone (a file's `FLANNEL_MTU=1450`)
/// is left empty.
pub fn after_assignments(line: &str) -> &str {
    static ASSIGNMENT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"^[A-Za-z_][A-Za-z0-9_]*=(?:"[^"]*"|'[^']*'|[^\s'"])*(?:\s+|$)"#)
            .expect("assignment")
    });
    let mut rest = line.trim_start();
    while let Some(m) = ASSIGNMENT.find(rest) {
        rest = &rest[m.end()..];
    }
    rest
}

/// A whole line in brackets whose inside has a command's shape and names a
/// program lab lists: a subshell the reader runs (`(sudo ip link set cni0
/// down)`), never the author's remark (probe21l: under a `cat`'s lines it
/// was taken for one and never ran).
fn is_subshell(line: &str) -> bool {
    let t = line.trim();
    t.strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .map(str::trim)
        .is_some_and(|inner| command_shaped(inner) && is_program(inner))
}

#[cfg(test)]
thread_local! {
    /// How many times a line was asked whether it is a comment (a test
    /// that reading is linear).
    static COMMENT_READS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// A shell comment (`# ...` that is no root prompt).
fn is_comment(line: &str) -> bool {
    #[cfg(test)]
    COMMENT_READS.with(|r| r.set(r.get() + 1));
    line.trim().starts_with('#') && after_prompt(line).is_none()
}

/// Whether `line` is a command line in a book block (see the module doc).
fn is_command(line: &str, first: bool) -> bool {
    let t = line.trim();
    if t.is_empty() {
        return false;
    }
    first || after_prompt(t).is_some() || is_program(t) || is_subshell(t)
}

/// The shape of a command line, whatever its program: it starts at the
/// block's margin with a command's name (a lowercase letter, then lowercase
/// letters, digits and single `-`, `_`, `.` between them: `sysctl`,
/// `iptables-save`, `crictl`), and no word after it is a lone `=` or `:`
/// (`net.ipv4.ip_forward = 0` is a value printed). An unknown program is
/// read as a command only where the output above cannot hold the line
/// ([`may_be_output_of`]).
pub fn command_shaped(line: &str) -> bool {
    static NAME: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)*$").expect("command name")
    });
    if line.starts_with([' ', '\t']) {
        return false;
    }
    let mut words = after_assignments(line).split_whitespace();
    let Some(name) = words.next() else {
        return false;
    };
    name.len() >= 2 && NAME.is_match(name) && words.all(|w| !matches!(w, "=" | ":" | "->"))
}

/// Whether `line` (command-shaped, its program not one lab lists) may be
/// output of `last`, by the shapes of output lab knows: a ping's lines are
/// its own ([`crate::book::compare::is_pings_own`]); `route -n` prints a
/// table of addresses and capitals; a move to a machine or a folder
/// (`vagrant ssh`, `ssh`, `exit`, `cd`, `export`) prints nothing a book
/// shows, but a login's legal notice. Any other command's output is read on
/// while it goes on without a blank line; after one, a line of a command's
/// shape is a new command, but an exec's `command terminated with exit code
/// N` (kubectl's). As output, an unlisted command never ran, unreported
/// (probe 17: `sysctl` under a reply).
fn may_be_output_of(last: &Step, past: &Past, line: &str) -> bool {
    let words: Vec<&str> = after_assignments(&last.command)
        .split_whitespace()
        .skip_while(|w| *w == "sudo")
        .take(2)
        .collect();
    match words.as_slice() {
        ["ping", ..] => crate::book::compare::is_pings_own(line),
        // A page goes on while its HTML document is open; headers (`curl
        // -I`) and what follows `</html>` hold no line of a command's shape.
        ["curl", ..] => past.html_open(),
        // `exit` prints `logout` (a login shell's), read as a command it
        // was not understood (probe21aq: what `exit` prints is its output).
        ["exit", ..] => line.trim() == "logout",
        // A login prints its banner, whose first login's legal notice has
        // lines of a command's shape (probe21ca, lesser 1).
        ["vagrant", "ssh"] | ["ssh", ..] => crate::book::banner_lines::legal_notice(line),
        ["route", ..] | ["cd" | "export", ..] => false,
        _ if crate::book::exec_exit::shown_under(&last.command, line) => true,
        _ => !ends_blank(last, past),
    }
}

/// Whether `line`, whose first word is a program, is still the output of
/// `last`: a row of the table it prints (its header of capitals above, no
/// blank line between: a node called `cp`), or, where the block shows
/// prompts, any line without one after output began.
fn continues_output(line: &str, last: Option<(&Step, &Past)>, prompted: bool) -> bool {
    let Some((last, past)) = last else {
        return false;
    };
    if after_prompt(line).is_none() && super::init_advice::is_init_advice(line, last) {
        return true;
    }
    if after_prompt(line).is_some() || last.output.is_empty() || ends_blank(last, past) {
        return false;
    }
    // A line that moves the reader to another machine (`exit`, `vagrant
    // ssh node2`, `ssh node2`) is a command even without a prompt: read as
    // output, the lines after it ran on the machine the reader had left.
    // Nor is a row ever a `kubectl`, `kubeadm` or `sudo` line (probe21j:
    // `kubectl … scale … --replicas=0` under a `get pods` table was read as
    // one of its rows and never reported).
    // Nor a subshell (probe21l).
    if is_subshell(line)
        || matches!(
            after_assignments(line).split_whitespace().next(),
            Some("exit" | "logout" | "vagrant" | "ssh" | "kubectl" | "kubeadm" | "sudo")
        )
    {
        return false;
    }
    if prompted {
        return true;
    }
    let header = last.output.iter().find(|l| !l.trim().is_empty());
    header.is_some_and(|h| {
        let words: Vec<&str> = h.split_whitespace().collect();
        words.len() >= 2
            && words.iter().all(|w| {
                w.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b"-_()%/".contains(&b))
            })
    }) && line.split_whitespace().count() >= 2
}

/// Whether a whole line is a remark of the author's: `(removed lines ...)`.
/// A subshell is none ([`is_subshell`]).
pub fn is_remark(line: &str) -> bool {
    let t = line.trim();
    t.starts_with('(') && t.ends_with(')') && !is_subshell(t)
}

/// A remark in brackets that says output was cut (`(output omitted)`,
/// `(removed lines for brevity)`), below a step's command: a cut of its
/// output, kept in it as the cut it is. Dropped as the author's remark, a
/// table cut so was compared whole, its drift message empty (the ninth
/// probe of issue 21), and a ping's header above it claimed "no reply"
/// (the twelfth).
fn cuts_output(line: &str, step: Option<&Step>) -> bool {
    crate::book::compare::is_elision(line) && step.is_some()
}

/// A command line without its prompt and trailing remark.
fn strip(line: &str) -> (String, Option<String>) {
    let mut t = line.trim();
    if let Some(rest) = after_prompt(t) {
        t = rest;
    }
    // A trailing `# remark`, as a shell reads it (outside quotes).
    if let Some(at) = t.find(" #")
        && !t[..at].contains(['\'', '"'])
    {
        let remark = t[at + 2..].trim().to_string();
        return (t[..at].trim().to_string(), Some(remark));
    }
    if t.ends_with(')')
        && let Some(open) = t.rfind(" (")
    {
        let remark = t[open + 2..t.len() - 1].trim().to_string();
        return (t[..open].trim().to_string(), Some(remark));
    }
    (t.to_string(), None)
}

/// Whether `line` (`folded`, its look-alike letters folded) starts a
/// command, after the step `last` (`seen_any`: the block has one).
fn starts_command(
    line: &str,
    folded: &str,
    last: Option<(&Step, &Past)>,
    prompted: bool,
    seen_any: bool,
) -> bool {
    let shaped = command_shaped(folded)
        || (!line.starts_with([' ', '\t'])
            && crate::book::lookalike::foreign_program(line).is_some());
    let unlisted =
        !prompted && shaped && last.is_some_and(|(s, p)| !may_be_output_of(s, p, folded));
    (is_command(folded, !seen_any) || unlisted)
        && !continues_output(folded, last, prompted)
        && !advised_by(folded, last)
}

/// Whether `line` is a command `kubeadm init` prints for its reader to
/// run, a line of its output: past a line of it that ends in `:` (`To
/// start using your cluster, you need to run the following as a regular
/// user:`, `… on each node as root:`), the indented lines
/// (`  mkdir -p $HOME/.kube`, `  sudo chown $(id -u):$(id -g) …`, an older
/// kubeadm's `  kubeadm join …`) and a `kubeadm join` at the margin (a
/// newer kubeadm's). Read as commands, they were not understood (probe21bt,
/// lesser 2): the book's true output failed.
fn advised_by(line: &str, last: Option<(&Step, &Past)>) -> bool {
    let Some((last, past)) = last else {
        return false;
    };
    let init = after_assignments(&last.command)
        .split_whitespace()
        .skip_while(|w| *w == "sudo")
        .take(2)
        .eq(["kubeadm", "init"]);
    init && past.advice && (line.starts_with([' ', '\t']) || line.starts_with("kubeadm join "))
}

/// Whether, after `line`, a program's output is still introducing
/// commands for its reader to run (`open` before it): a line ending in
/// `:` opens it, an indented line or a blank one keeps it, any other
/// closes it.
fn advice_open(open: bool, line: &str) -> bool {
    if line.trim().is_empty() || line.starts_with([' ', '\t']) {
        open
    } else {
        line.trim_end().ends_with(':') || (open && line.starts_with("kubeadm join "))
    }
}

/// A command's remark with the comments on the lines above it (`#
/// across node` over `ping …`), each a part of it (`across node; same
/// node`): the author's words about that command. Its first
/// [`crate::book::caps::REMARKS`] comments, and how many more there are
/// (probe21cf: 400,000 were one remark, read in 7 s).
fn remark_with_above(
    remark: Option<String>,
    above: impl Iterator<Item = (usize, String)>,
) -> (Option<String>, usize) {
    let mut parts: Vec<String> = Vec::new();
    let mut more = 0;
    for (_, l) in above {
        let l = l.trim().trim_start_matches('#').trim();
        match (l.is_empty(), parts.len() < crate::book::caps::REMARKS) {
            (true, _) => {}
            (false, true) => parts.push(l.to_string()),
            (false, false) => more += 1,
        }
    }
    parts.extend(remark);
    ((!parts.is_empty()).then(|| parts.join("; ")), more)
}

/// Whether `line` ends the comments held above a block's first command
/// (they are prose): a blank line or a bare prompt. Right above the first
/// command (probe21cd, G6), they are its title ([`Step::title`]): as
/// prose, `# ttl 63` above a ping whose replies show ttl 64 was read by no
/// one, while the same words behind the command drifted; read as its
/// remark, a title of the whole block (`# from node1, ping both pods`
/// above `vagrant ssh node1`) turned it red (probe21ce, H1). A comment
/// typed at a prompt is one too (H2).
fn ends_lead(line: &str) -> bool {
    line.trim().is_empty() || after_prompt(line).is_some_and(|rest| rest.trim().is_empty())
}

/// Held lines that no command follows: a comment typed at a prompt goes
/// as [`held::left_at_prompt`] says, any other line is the last command's
/// output (a blank line too where `blank_is_output` and it shows some:
/// not at the block's end, where blank lines are no output).
fn leave_held(
    steps: &mut [Step],
    pasts: &mut [Past],
    prose: &mut Vec<(usize, String)>,
    held: impl IntoIterator<Item = (usize, String)>,
    at_prompt: &[usize],
    blank_is_output: bool,
    left: &mut usize,
) {
    for (n, l) in held {
        if at_prompt.contains(&n) {
            let shown = pasts.last().is_some_and(|p| p.shown);
            held::left_at_prompt(steps, shown, prose, n, l);
        } else if let (Some(s), Some(p)) = (steps.last_mut(), pasts.last_mut())
            && (!l.trim().is_empty() || (blank_is_output && !s.output.is_empty()))
        {
            push(s, p, n, l, left);
        }
    }
}

/// Put the comments `claims` under the last step as its claims about what
/// it got ([`held::place`]), read strictly as a bracketed line there is
/// ([`crate::book::replay`]'s `remark_below`); a cut's note (`# output
/// truncated`), or a line under output that shows comments of its own (a
/// file's `# …` lines), is output. The chapter lines put in the output.
fn claim_below(
    steps: &mut [Step],
    pasts: &mut [Past],
    prose: &mut Vec<(usize, String)>,
    claims: Vec<(usize, String)>,
    left: &mut usize,
) -> std::collections::HashSet<usize> {
    let mut output = std::collections::HashSet::new();
    let (Some(s), Some(p)) = (steps.last_mut(), pasts.last_mut()) else {
        return output;
    };
    for (n, l) in claims {
        if crate::book::compare::is_elision(&l) || p.comment {
            push(s, p, n, l, left);
            output.insert(n);
        } else {
            remark_below(s, prose, n, &l);
        }
    }
    output
}

/// The block's commands, each with its output, and its prose lines; a
/// block read alone keeps what a chapter keeps ([`crate::book::caps::Left`]).
pub fn steps(block: &Block) -> (Vec<Step>, Vec<(usize, String)>) {
    steps_bounded(block, &mut Left::default())
}

/// [`steps_bounded`], keeping `left` lines of output, and a chapter's
/// commands.
pub fn steps_within(block: &Block, left: &mut usize) -> (Vec<Step>, Vec<(usize, String)>) {
    let mut bounds = Left {
        lines: *left,
        ..Left::default()
    };
    let out = steps_bounded(block, &mut bounds);
    *left = bounds.lines;
    out
}

/// [`steps`], keeping what the chapter has `left` (counted down):
/// - lines of output (each command keeps its first
///   [`crate::book::caps::PER_COMMAND`]): a line past them is read (what it
///   is decides what the lines after it are) and counted in its step's
///   `cut`, never kept;
/// - commands: the line of the first past them and the rest of the block
///   are one step, counted in its `unread_lines`, never read.
pub fn steps_bounded(block: &Block, bounds: &mut Left) -> (Vec<Step>, Vec<(usize, String)>) {
    let left = &mut bounds.lines;
    let mut unread = None;
    let mut steps: Vec<Step> = Vec::new();
    let mut pasts: Vec<Past> = Vec::new();
    let mut prose = Vec::new();
    let mut seen_any = false;
    // A block whose author shows prompts: its typed lines carry one.
    // (`> `, a continuation's prompt too, says nothing of the others.)
    let prompted = |l: &str| after_prompt(l).is_some() && !at_continuation_prompt(l);
    // A line as the reader sees it: its colours (ANSI escapes) are no
    // text (a coloured prompt hid the command behind it, probe21ab).
    // Read line by line, never copied whole: a block may hold millions.
    let seen = |l: &str| crate::book::shell_line::strip_ansi(l).into_owned();
    let prompted = block.body.iter().any(|(_, l)| prompted(l))
        || block.body.iter().any(|(_, l)| prompted(&seen(l)));
    // A comment after the block's first command (and blank lines after
    // it), held until the next line says what it is: above a command, the
    // author's remark about that command; else output of the one before.
    // Taken for output, `# across node` above a ping was a line of `vagrant
    // ssh`'s output lab does not compare, the block green though the
    // remark was wrong (probe21bk, finding 2). Where the author shows
    // prompts, a line without one is output.
    let mut held: Vec<(usize, String)> = Vec::new();
    // Whether the line before is a line of the last command's output, or
    // its command line, and what stands above the held comments: see
    // [`held::place`].
    let mut after_output = false;
    let mut after_command = false;
    let mut held_under = Under::Blank;
    // The comments above the block's first command, held until the next
    // line says what they are (see [`lead_remark`]).
    let mut lead: Vec<(usize, String)> = Vec::new();
    // The lines of `held` typed at a prompt ([`held::comment_of`]).
    let mut at_prompt: Vec<usize> = Vec::new();
    for (i, (n, raw)) in block.body.iter().enumerate() {
        let line = seen(raw);
        let n = *n;
        let was_after_output = std::mem::take(&mut after_output);
        let was_after_command = std::mem::take(&mut after_command);
        if !lead.is_empty() && ends_lead(&line) {
            prose.append(&mut lead);
        }
        let comment = held::comment_of(&line);
        // Where the author shows prompts, a `#` line without one under
        // output is output (a file's comment); under a command line, a
        // comment (probe21ce, H2: not the login's banner).
        let comment = comment
            .filter(|_| !prompted || !is_comment(&line) || !pasts.last().is_some_and(|p| p.shown));
        if seen_any
            && (comment.is_some() || (!held.is_empty() && line.trim().is_empty()))
            && !steps.last().is_some_and(still_typed)
        {
            if held.is_empty() {
                held_under = match (was_after_output, was_after_command) {
                    (true, _) => Under::Output,
                    (_, true) => Under::Command,
                    _ => Under::Blank,
                };
            }
            if comment.is_some() && !is_comment(&line) {
                at_prompt.push(n);
            }
            held.push((n, comment.unwrap_or(line)));
            continue;
        }
        if !held.is_empty() {
            let last = steps.last().zip(pasts.last());
            let folded = crate::book::lookalike::fold(&line);
            if !(starts_command(&line, &folded, last, prompted, seen_any)) {
                let held = held.drain(..);
                leave_held(
                    &mut steps, &mut pasts, &mut prose, held, &at_prompt, true, left,
                );
            } else {
                let (upper, lower) = held::place(std::mem::take(&mut held), held_under);
                let output = claim_below(&mut steps, &mut pasts, &mut prose, upper, left);
                held = lower
                    .into_iter()
                    .filter(|l| !output.contains(&l.0))
                    .collect();
            }
        }
        if line.trim().is_empty() {
            if let (Some(s), Some(p)) = (steps.last_mut(), pasts.last_mut())
                && !s.output.is_empty()
            {
                push(s, p, n, String::new(), left);
            }
            continue;
        }
        if at_continuation_prompt(&line) && steps.last().is_some_and(still_typed) {
            // A heredoc's line, or the rest of a line cut with `\`.
            let (s, p) = (steps.last_mut(), pasts.last_mut());
            push(s.expect("a step"), p.expect("a step"), n, line, left);
            continue;
        }
        if after_prompt(&line).is_some_and(|rest| rest.trim().is_empty()) {
            // A bare prompt (the terminal waiting): nothing typed, and no
            // output of the line above.
            continue;
        }
        if let Some(comment) = comment.filter(|_| !seen_any) {
            // A comment before the block's first command (at a prompt or
            // not): its title if it stands right above it, else prose
            // ([`ends_lead`]).
            match comment.starts_with("#!") {
                true => prose.push((n, line.trim().to_string())),
                false => lead.push((n, comment)),
            }
            continue;
        }
        // What the line is, it is as the reader sees it: `s\u{200b}udo …`
        // or a Cyrillic `ѕudo …` after `vagrant ssh` was a login banner
        // (probe21aj, finding 3); a command, it is not understood.
        // So is a line whose program's name holds what no program's name
        // holds (`ꜱudo …`, `ⅰp …`: probe21al, finding 1).
        let folded = crate::book::lookalike::fold(&line);
        let last = steps.last().zip(pasts.last());
        if starts_command(&line, &folded, last, prompted, seen_any) {
            if bounds.commands == 0 {
                let rest = block.body[i..].iter();
                unread = Some((n, line, rest.filter(|(_, l)| !l.trim().is_empty()).count()));
                break;
            }
            bounds.commands -= 1;
            seen_any = true;
            let (command, remark) = strip(&line);
            let (remark, more) = remark_with_above(remark, held.drain(..));
            // A title keeps the remark's bound: past it, counted, unread.
            let mut title = std::mem::take(&mut lead);
            prose.extend(title.iter().map(|(n, l)| (*n, l.trim().to_string())));
            let more = more + title.len().saturating_sub(crate::book::caps::REMARKS);
            title.truncate(crate::book::caps::REMARKS);
            after_command = true;
            steps.push(Step {
                line: n,
                host: prompt_host(&line),
                written: line,
                command,
                remark,
                output: Vec::new(),
                output_at: Vec::new(),
                cut: 0,
                remarks_below: Vec::new(),
                remarks_cut: more,
                unread_lines: 0,
                title,
            });
            pasts.push(Past::default());
        } else if is_remark(&line) && !cuts_output(&line, steps.last()) {
            // The command's, whether it shows output or not: a claim
            // right under a command is about what it got (probe21ca, W4).
            match steps.last_mut() {
                Some(s) => remark_below(s, &mut prose, n, &line),
                None => prose.push((n, line.trim().to_string())),
            }
        } else if let (Some(s), Some(p)) = (steps.last_mut(), pasts.last_mut()) {
            push(s, p, n, line, left);
            after_output = true;
        }
    }
    prose.append(&mut lead);
    let (claims, held) = held::at_end(held, held_under);
    claim_below(&mut steps, &mut pasts, &mut prose, claims, left);
    leave_held(
        &mut steps, &mut pasts, &mut prose, held, &at_prompt, false, left,
    );
    for (s, p) in steps.iter_mut().zip(&pasts) {
        // Blank lines at the end are no output, read past or kept.
        s.cut = p.lines - p.blank_at_end;
        while s.cut == 0 && s.output.last().is_some_and(|l| l.trim().is_empty()) {
            s.output.pop();
            s.output_at.pop();
        }
    }
    // Lines only an earlier command prints are its output (probe21bc).
    crate::book::line_shapes::regroup(&mut steps);
    if let Some((n, line, count)) = unread {
        steps.push(Step {
            line: n,
            host: prompt_host(&line),
            command: strip(&line).0,
            written: line,
            remark: None,
            output: Vec::new(),
            output_at: Vec::new(),
            cut: 0,
            remarks_below: Vec::new(),
            remarks_cut: 0,
            unread_lines: count,
            title: Vec::new(),
        });
    }
    (steps, prose)
}

#[cfg(test)]
#[path = "parse_shell_tests.rs"]
mod shell_tests;
