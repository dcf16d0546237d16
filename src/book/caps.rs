//! How many differences a report keeps (probe21aj, finding 4): a chapter
//! and its known-drift file are the author's, and each line of a block's
//! output that the lab does not print was one difference kept, printed,
//! written to the JSON, the HTML and the record, and matched against every
//! entry of the known-drift file: 500,000 lines of `x` under a ping took
//! 372 MB and 4 s. A command keeps its first [`PER_COMMAND`], a chapter its
//! first [`PER_CHAPTER`] (and each command its first difference past
//! them); the rest are one difference, `… and N more differences`, which
//! is drift no known-drift entry explains ([`is_more`]): a command whose
//! differences are cut stays drift, never a match nor known drift.
//!
//! The lines of output the book shows are bounded the same way, where they
//! are read (probe21an, lesser finding: each line under a command was kept
//! in its step, its report and each difference of it, about 470 bytes a
//! line: 1,000,000 lines of `x` under a ping took 473 MB). A chapter keeps
//! its first [`OUTPUT_LINES`] (each command past them its first
//! [`PER_COMMAND`]);
//! a command whose lines are cut is drift, [`not_compared`], which no
//! known-drift entry explains either.
//!
//! So are the commands a chapter has and the remarks under a command's
//! output (probe21cf: 400,000 remarks under one ping made a 92 MB JSON;
//! 200,000 commands took 1 GB): a chapter's first [`COMMANDS`] are read
//! (past them, the rest of each block is one step, not understood, with
//! the count of its lines: [`lines_not_read`]), and a command's first
//! [`REMARKS`] below its output (past them, it is not understood:
//! [`remarks_not_read`]); neither is ever dropped unsaid, nor a match.

use super::CommandReport;

/// The problems of a file (a known-drift file's entries) placed and
/// listed; the rest are counted in one line (probe21cg, G5).
pub const FILE_PROBLEMS: usize = 20;

/// The differences one command keeps.
pub const PER_COMMAND: usize = 100;
/// The differences a chapter keeps (past them, one a command).
pub const PER_CHAPTER: usize = 10_000;

/// The lines of the output the book shows that a chapter keeps, its
/// commands' in the chapter's order (past them, each command keeps its
/// first [`PER_COMMAND`], so its first difference there is still seen):
/// read past, a line is counted, never kept nor compared.
pub const OUTPUT_LINES: usize = 10_000;

/// The commands of a chapter lab reads, in its order: a chapter of the
/// book has a few hundred. Each planned command costs a few KB (its step,
/// its report), and a 4 MiB chapter may hold 400,000 lines of `exit`.
pub const COMMANDS: usize = 2_000;

/// The remarks below a command's output that it keeps, each read as the
/// author's claim about what it got, with one sentence of its report
/// (a chapter of the book has one or two under a command); as many of the
/// comments above it, its remark's parts.
pub const REMARKS: usize = 10;

/// What a chapter has left to keep as its blocks are read in order: lines
/// of output ([`OUTPUT_LINES`]) and commands ([`COMMANDS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Left {
    pub lines: usize,
    pub commands: usize,
}

impl Default for Left {
    fn default() -> Self {
        Left {
            lines: OUTPUT_LINES,
            commands: COMMANDS,
        }
    }
}

/// Why the step standing for the `n` lines of a block (blank ones aside)
/// past the chapter's [`COMMANDS`], from its own on, is not understood.
pub fn lines_not_read(n: usize) -> String {
    let lines = match n {
        0 | 1 => "this line".to_string(),
        _ => format!("this line and the {} after it in its block", grouped(n - 1)),
    };
    format!(
        "past the first {} commands of the chapter, which are all lab reads of it: {lines} are not read, so nothing of them is compared",
        grouped(COMMANDS)
    )
}

/// Why a command with `n` remarks (below its output, or comments above
/// it) past the [`REMARKS`] it keeps is not understood.
pub fn remarks_not_read(n: usize) -> String {
    format!(
        "the book shows {} more remarks on this command (below its output, or comments above it) than the {REMARKS} lab reads of a command: their claims are not read, so it compares nothing of the command",
        grouped(n)
    )
}

/// The sentence standing for the `n` lines of a command's output the book
/// shows that lab kept none of ([`OUTPUT_LINES`]).
pub fn not_compared(n: usize) -> String {
    format!(
        "… and {} more lines the book shows, not compared (lab keeps {} lines of a chapter's output, each command past them its first {PER_COMMAND})",
        grouped(n),
        grouped(OUTPUT_LINES)
    )
}

/// Put [`not_compared`] on each command of `commands` (but one not
/// understood or an error, which is no pass) whose book output `cut` says
/// was cut (by its line): after [`cap`], so it is never one of the
/// differences cut. A skipped one too: the lines kept may say nothing to
/// compare where those cut showed a reply (probe21al's chapter).
pub fn output_cut(commands: &mut [CommandReport], cut: impl Fn(usize) -> usize) {
    use super::Verdict;
    for c in commands {
        let n = cut(c.line);
        if n > 0 && !matches!(c.verdict, Verdict::NotUnderstood | Verdict::Error) {
            c.differences.push(not_compared(n));
        }
    }
}

/// The sentence standing for the `n` differences not kept, its numbers
/// written as README writes them (`10,000`).
pub fn more(n: usize) -> String {
    format!(
        "… and {} more differences (lab keeps {PER_COMMAND} a command, {} a chapter)",
        grouped(n),
        grouped(PER_CHAPTER)
    )
}

/// `n` with a comma between each three digits (`10,000`).
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// Whether `difference` is the sentence [`more`] or [`not_compared`]
/// writes (spaced in any way): it stands for differences no one saw, so
/// no known-drift entry explains it and `--bless` writes none for it
/// (probe21al, finding 2).
pub fn is_more(difference: &str) -> bool {
    static MORE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"^…\s+and\s+[0-9][0-9,]*\s+more\s+(differences\s+\(lab\s+keeps\s|lines\s+the\s+book\s+shows,\s+not\s+compared\s)",
        )
            .expect("more")
    });
    MORE.is_match(difference.trim_start())
}

/// Cut the differences of `commands` (a block's), those of the blocks
/// before (`before`) counted against the chapter's bound.
pub fn cap(commands: &mut [CommandReport], before: &[super::BlockReport]) {
    let kept: usize = before
        .iter()
        .flat_map(|b| &b.commands)
        .map(|c| c.differences.len())
        .sum();
    let mut left = PER_CHAPTER.saturating_sub(kept);
    for c in commands {
        let n = c.differences.len();
        // Its first difference always: past the chapter's bound a command's
        // one sentence was the count, which said nothing of what differed
        // (probe21al, finding 2).
        let keep = n.min(PER_COMMAND).min(left.max(1));
        if keep < n {
            c.differences.truncate(keep);
            c.differences.shrink_to_fit();
            c.differences.push(more(n - keep));
        }
        left = left.saturating_sub(keep);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::{BlockReport, Verdict};

    fn command(differences: usize) -> CommandReport {
        CommandReport {
            line: 1,
            command: "ping -c 1 10.0.0.1".into(),
            verdict: Verdict::Match,
            ran_on: None,
            ran: None,
            variant: "broken".into(),
            book: vec![],
            lab: vec![],
            bindings: vec![],
            differences: (0..differences).map(|i| format!("d{i}")).collect(),
            known: vec![],
            reason: None,
            kubectl: None,
            why: vec![],
        }
    }

    /// Seen failing first: with `cap` keeping everything, the command kept
    /// its 250 differences and the chapter its 10,250.
    #[test]
    fn a_command_and_a_chapter_keep_a_bounded_count() {
        let mut cs = vec![command(250), command(3), command(0)];
        cap(&mut cs, &[]);
        assert_eq!(cs[0].differences.len(), PER_COMMAND + 1);
        assert_eq!(cs[0].differences[99], "d99");
        assert_eq!(cs[0].differences[100], more(150));
        assert!(more(150).starts_with("… and 150 more differences"));
        assert_eq!(cs[1].differences.len(), 3);
        assert!(cs[2].differences.is_empty());
        // Past the chapter's bound a command keeps one: the count.
        let full = BlockReport {
            line: 1,
            end: 2,
            fence: "```".into(),
            verdict: Verdict::Drift,
            commands: (0..PER_CHAPTER / PER_COMMAND)
                .map(|_| command(PER_COMMAND))
                .collect(),
            prose: vec![],
            duration_s: 0.0,
        };
        let mut cs = vec![command(250), command(1)];
        cap(&mut cs, std::slice::from_ref(&full));
        assert_eq!(cs[0].differences, ["d0".to_string(), more(249)]);
        assert_eq!(cs[1].differences, ["d0"]);
    }

    /// probe21al, finding 2: past the chapter's bound a command keeps its
    /// first difference (what differed, to be explained on its own), and
    /// the sentence writes its numbers as README does. Seen failing first:
    /// with `left.max(1)` back to `left`, a command's one difference was
    /// the count, and the sentence said `10000`.
    #[test]
    fn past_the_chapters_bound_a_command_keeps_its_first_difference() {
        let full = BlockReport {
            line: 1,
            end: 2,
            fence: "```".into(),
            verdict: Verdict::Drift,
            commands: vec![command(PER_CHAPTER)],
            prose: vec![],
            duration_s: 0.0,
        };
        let mut cs = vec![command(1)];
        cap(&mut cs, std::slice::from_ref(&full));
        assert_eq!(cs[0].differences, ["d0"]);
        assert_eq!(
            more(12345),
            "… and 12,345 more differences (lab keeps 100 a command, 10,000 a chapter)"
        );
        assert!(is_more(&more(1)));
        assert!(is_more(
            "  …  and 1 more differences (lab keeps 100 a command, 10000 a chapter)"
        ));
        assert!(!is_more("ping: the book shows a reply; the lab shows none"));
    }

    /// probe21an, lesser finding: a command whose output the book shows
    /// past the lines a chapter keeps says so, as drift no known-drift
    /// entry explains, a skipped one too; one not understood or an error
    /// stays so. Seen failing first: with `output_cut` adding
    /// nothing, the match stayed a match with no difference.
    #[test]
    fn a_command_whose_output_was_cut_says_so() {
        let mut cs = vec![command(0), command(2), command(0), command(0)];
        cs[2].verdict = Verdict::Skipped;
        cs[3].line = 7;
        let mut gone = vec![command(0), command(0)];
        gone[0].verdict = Verdict::NotUnderstood;
        gone[1].verdict = Verdict::Error;
        cut_all(&mut gone);
        assert!(gone.iter().all(|c| c.differences.is_empty()));
        cut_all(&mut cs);
        assert_eq!(cs[2].differences, [not_compared(12_345)]);
        assert_eq!(cs[0].differences, [not_compared(12_345)]);
        assert_eq!(cs[1].differences, ["d0", "d1", &not_compared(12_345)]);
        assert!(cs[3].differences.is_empty());
        assert!(
            not_compared(12_345)
                .starts_with("… and 12,345 more lines the book shows, not compared")
        );
        assert!(is_more(&not_compared(1)));
    }

    fn cut_all(cs: &mut [CommandReport]) {
        output_cut(cs, |line| if line == 1 { 12_345 } else { 0 });
    }
}
