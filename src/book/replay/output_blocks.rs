//! The blocks that are no commands to run: a block of another language
//! than a shell's (skipped, or not understood where a line of it is at a
//! prompt, [`super::unread_prompts`]), and a block the book shows as a
//! command's output ([`crate::book::output_below`]): compared under its
//! command, and skipped itself, naming that command; or, where the text
//! before it tells the reader to run a command no block shows, the output
//! of a command lab never ran (probe21aq, finding 2).

use super::{Planned, unread_prompts};
use crate::book::output_below::Role;
use crate::book::parse::Block;
use crate::book::recognize::{Cmd, recognize};
use crate::book::{BlockReport, CommandReport, Verdict};

/// The report of `block` (its role `role`, its planned lines `plans`, run
/// as `variant`) when it holds no commands to run; None for a shell block.
pub(super) fn report(
    block: &Block,
    role: &Role,
    plans: &[Planned],
    variant: &str,
) -> Option<BlockReport> {
    let (commands, prose) = match role {
        Role::OutputOf {
            line,
            command,
            lead,
            continues,
            apart,
        } => {
            let after = match lead.is_empty() {
                true => String::new(),
                false => format!(" (after the text \"{lead}\")"),
            };
            let how = match continues {
                true => "going on with its output shown above it",
                false => "in the block above",
            };
            let mut why =
                format!("compared as the output of line {line}'s `{command}`, {how}{after}");
            if let Some(apart) = apart {
                why.push_str(&format!(
                    ": the book sets it apart from that command ({apart}), but its lines read as the command's output, so they are compared as it all the same"
                ));
            }
            (Vec::new(), vec![why])
        }
        Role::OfProse { line, code } => (vec![of_prose(block, *line, code, variant)], Vec::new()),
        Role::PrintedByNone {
            line,
            command,
            printed,
        } => (
            vec![printed_by_none(block, *line, command, printed, variant)],
            Vec::new(),
        ),
        _ if block.is_shell() => return None,
        _ => {
            let mut why = block.skip_reason();
            if let Role::Apart(apart) = role {
                why = format!("{why}; {apart}");
            }
            let commands = unread_prompts::reports(plans, variant, &block.lang);
            (commands, vec![why])
        }
    };
    let verdict = match commands.is_empty() {
        true => Verdict::Skipped,
        false => Verdict::NotUnderstood,
    };
    Some(BlockReport {
        line: block.line,
        end: block.end,
        fence: block.fence.clone(),
        verdict,
        commands,
        prose,
        duration_s: 0.0,
    })
}

/// The output block of `code`, a command the prose at `line` tells the
/// reader to run: lab runs commands of blocks only, so nothing was
/// compared with what the book shows; a login's banner is compared by no
/// one anyway.
fn of_prose(block: &Block, line: usize, code: &str, variant: &str) -> CommandReport {
    let mut book: Vec<String> = block.body.iter().map(|(_, l)| l.clone()).collect();
    while book.last().is_some_and(|l| l.trim().is_empty()) {
        book.pop();
    }
    let first = book.iter().position(|l| !l.trim().is_empty());
    book.drain(..first.unwrap_or(book.len()));
    let login = matches!(recognize(code), Ok(Cmd::Ssh { .. } | Cmd::Exit));
    let (verdict, reason) = match login {
        true => (
            Verdict::Skipped,
            format!(
                "the block at line {} shows what `{code}` (told in the text at line {line}) prints on login; lab compares no login banner",
                block.line
            ),
        ),
        false => (
            Verdict::NotUnderstood,
            format!(
                "the block at line {} shows the output of `{code}`, which the text before it (line {line}) tells the reader to run: lab runs the commands of code blocks only, so it compared nothing with this output (put the command in a block above it)",
                block.line
            ),
        ),
    };
    compared_nothing(line, code, verdict, variant, book, reason)
}

/// The output block `block` after the shell block whose last command is
/// `command` (at `line`), showing `printed`, a line only a ping, curl, a
/// capture or a log prints ([`crate::book::line_shapes`]), where no
/// command of that block prints it: lab compared nothing with it, and
/// cannot tell whose it is (probe21ba, finding 3; probe21bc, finding 5).
fn printed_by_none(
    block: &Block,
    line: usize,
    command: &str,
    printed: &str,
    variant: &str,
) -> CommandReport {
    let book: Vec<String> = block
        .body
        .iter()
        .map(|(_, l)| l.clone())
        .filter(|l| !l.trim().is_empty())
        .collect();
    let reason = format!(
        "the block at line {} shows `{printed}`, which only {} prints, below a block with no such command (its last is line {line}'s `{command}`): lab cannot tell whose output it is, so it compared nothing with it",
        block.line,
        crate::book::line_shapes::shape(printed)
            .map_or("a ping, curl, capture or log", |s| s.printed_by())
    );
    let first = block.body.first().map_or(block.line, |(n, _)| *n);
    compared_nothing(
        first,
        printed,
        Verdict::NotUnderstood,
        variant,
        book,
        reason,
    )
}

/// The report of `command` (at `line`), whose output the book shows as
/// `book` and lab ran nothing to compare with: `verdict`, for `reason`.
fn compared_nothing(
    line: usize,
    command: &str,
    verdict: Verdict,
    variant: &str,
    book: Vec<String>,
    reason: String,
) -> CommandReport {
    CommandReport {
        verdict,
        reason: Some(reason),
        ..CommandReport::started(line, command.to_string(), variant, book)
    }
}

/// Say, in the report of the command whose output the block below shows,
/// where that output is.
pub(super) fn note(role: &Role, commands: &mut [CommandReport]) {
    if let Role::Shows(shown) = role
        && let Some(c) = commands.iter_mut().find(|c| c.line == shown.line)
    {
        c.why.push(shown.note());
    }
}

/// The difference of a ping whose book output is none but which failed in
/// the lab (exit 1: no reply, or an ICMP error): a ping's failing exit is
/// no difference where the book's output says the rest, but with none
/// shown, "skipped: nothing to compare" let a chapter pass whose lab got
/// 100% loss where the reader, told nothing, expects the command to work
/// (probe21aq, finding 2). Any other failing exit is a difference already.
pub(super) fn failed_unshown(c: &Cmd, code: Option<i32>, r: &CommandReport) -> Option<String> {
    failed_ping(c, code, r, "no output of it")
}

/// [`failed_unshown`] for a ping with a count (`-c 1`) whose book output is
/// its header alone (`PING 10.244.3.3 (10.244.3.3) 56(84) bytes of
/// data.`), whatever its address: of an address the lab does not know it
/// says no more than no output at all, and was `skipped` ("nothing to
/// compare") where a ping shown without output drifts (probe21as, finding
/// 1); of an address the chapter binds it matched "no reply" while the
/// text below claimed the reply (probe21av, finding 2). A ping with a
/// count that gets no reply ends with its statistics: its header alone is
/// what the author cut, not what a failure shows. Without a count, the
/// header alone is what the reader sees while no reply comes (the
/// fourteenth probe's rule stands: skipped).
pub(super) fn failed_header_alone(
    c: &Cmd,
    code: Option<i32>,
    book: &[String],
    r: &CommandReport,
) -> Option<String> {
    let header = |l: &String| {
        let t = l.trim().to_lowercase();
        t.starts_with("ping ") && (t.contains("bytes of data") || t.contains("data bytes"))
    };
    let alone = matches!(c, Cmd::Ping { count: Some(_), .. })
        && book.iter().all(|l| l.trim().is_empty() || header(l));
    alone.then(|| failed_ping(c, code, r, "its header alone"))?
}

/// A failing ping's difference, the book showing `what`.
fn failed_ping(c: &Cmd, code: Option<i32>, r: &CommandReport, what: &str) -> Option<String> {
    if !matches!(c, Cmd::Ping { .. }) || code != Some(1) {
        return None;
    }
    let said = r
        .lab
        .iter()
        .rev()
        .find(|l| l.contains("transmitted"))
        .or_else(|| r.lab.iter().find(|l| !l.trim().is_empty()))
        .map_or(String::new(), |l| format!(": `{}`", l.trim()));
    Some(format!(
        "`{}` failed in the lab (exit 1{said}); the book shows {what}, none that tells of a failure",
        r.command
    ))
}
