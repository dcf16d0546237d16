//! How many differences a report keeps (probe21aj, finding 4): a chapter
//! and its known-drift file are the author's, and each line of a block's
//! output that the lab does not print was one difference kept, printed,
//! written to the JSON, the HTML and the record, and matched against every
//! entry of the known-drift file: 500,000 lines of `x` under a ping took
//! 372 MB and 4 s. A command keeps its first [`PER_COMMAND`], a chapter its
//! first [`PER_CHAPTER`]; the rest are one difference, `… and N more
//! differences`, which is drift as any other (a command whose differences
//! are cut stays drift, never a match).

use super::CommandReport;

/// The differences one command keeps.
pub const PER_COMMAND: usize = 100;
/// The differences a chapter keeps (past them, one a command).
pub const PER_CHAPTER: usize = 10_000;

/// The sentence standing for the `n` differences not kept.
pub fn more(n: usize) -> String {
    format!(
        "… and {n} more differences (lab keeps {PER_COMMAND} a command, {PER_CHAPTER} a chapter)"
    )
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
        let keep = n.min(PER_COMMAND).min(left);
        if keep < n {
            c.differences.truncate(keep);
            c.differences.shrink_to_fit();
            c.differences.push(more(n - keep));
        }
        left -= keep;
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
        assert_eq!(cs[0].differences, [more(250)]);
        assert_eq!(cs[1].differences, [more(1)]);
    }
}
