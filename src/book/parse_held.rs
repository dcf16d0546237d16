//! Where a block's `# comment` lines between two commands belong: the
//! upper command's claims about what it got (read strictly, as a bracketed
//! line under its output is: [`crate::book::replay`]'s `remark_below`), the
//! lower command's remark, or both. Apart from `parse_lines`, which finds
//! what each line is, because the place of a comment is decided by the
//! blank lines around it and what stands above it, all at once when the
//! next command comes.
//!
//! probe21cb (F1) made a comment glued under the output with a blank line
//! below it the upper command's; probe21cd (G4) found the other layouts
//! still read for the next command only, where the claim held, while the
//! bracketed line in the same place drifted: a comment glued to both
//! (`# ttl 63` between a reply of ttl 64 and the next ping, no blank line
//! on either side), one right under a command that shows no output with a
//! blank line below it, and one between blank lines under output.

/// Lines of a block, each with its line number in the chapter.
type Lines = Vec<(usize, String)>;

/// What stands right above the first held comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Under {
    /// A line of the upper command's output, no blank line between.
    Output,
    /// The upper command's own line (it shows no output), no blank line
    /// between.
    Command,
    /// A blank line.
    Blank,
}

/// The held lines (comments and the blank lines among them, in order) of
/// a block, split when a command follows them: `(upper, lower)`, the
/// comments that are the upper command's claims and those that are the
/// lower command's remark (a comment may be both). `under` says what
/// stands above the first one.
///
/// - The comments right above the command (no blank line between) are its
///   remark (probe21bk, finding 2); where they are glued to the upper
///   command's output too (no blank line anywhere), they are also the
///   upper command's claims (probe21cd, G4: they were the next command's
///   only, and `# ttl 63` under a reply of ttl 64 held against the next
///   ping). Glued to a command line that shows no output and to the next
///   command, they are a heading of the next, as in a script.
/// - The comments glued under the upper command's output with a blank
///   line below them are its claims only (probe21cb, F1). Glued under its
///   line (it shows none: `ping …`, `# then all echoes were lost`, a blank
///   line, the next ping), they are its claims and the next command's
///   remark too (probe21cd, G4's `GD1`: they were the next one's only; a
///   title under `vagrant ssh node1` stays the next one's, probe21bk).
/// - The comments with a blank line above and below are the next
///   command's remark, a title of what follows. (probe21cd's `GB4` read
///   them for both under output; probe21ce, H5: a true title, `# now the
///   cross-node ping`, then drifted on the same-node ping above it.)
pub(super) fn place(held: Lines, under: Under) -> (Lines, Lines) {
    // The groups of comments, split by the blank lines between them.
    let mut groups: Vec<Vec<(usize, String)>> = vec![Vec::new()];
    for (n, l) in held {
        match l.trim().is_empty() {
            true if groups.last().is_some_and(|g| !g.is_empty()) => groups.push(Vec::new()),
            true => {}
            false => groups.last_mut().expect("a group").push((n, l)),
        }
    }
    let right_above = groups.last().is_some_and(|g| !g.is_empty());
    groups.retain(|g| !g.is_empty());
    let count = groups.len();
    let (mut upper, mut lower) = (Vec::new(), Vec::new());
    for (i, group) in groups.into_iter().enumerate() {
        let first = i == 0;
        let last = i + 1 == count && right_above;
        let glued_above = first && under != Under::Blank;
        let (up, low) = match (glued_above, last) {
            (true, true) => (under == Under::Output, true),
            (true, false) => (true, under == Under::Command),
            (false, _) => (false, true),
        };
        if up {
            upper.extend(group.iter().cloned());
        }
        if low {
            lower.extend(group);
        }
    }
    (upper, lower)
}

/// The held lines left at the block's end (no command below them): the
/// comments glued under the last command's output, which are its claims
/// (probe21cd, lesser 6: `# Ctrl-C pressed here` under tcpdump's last
/// packet was compared as a line of its output), and the rest, output as
/// before.
pub(super) fn at_end(held: Lines, under: Under) -> (Lines, Lines) {
    if under != Under::Output {
        return (Vec::new(), held);
    }
    let glued = held
        .iter()
        .take_while(|(_, l)| !l.trim().is_empty())
        .count();
    let mut held = held;
    let rest = held.split_off(glued);
    (held, rest)
}

/// The line as a comment (`# …`), whether typed at a prompt
/// (`vagrant@node1:~$ # ttl 63`: the shell runs nothing) or not; None for
/// any other line (a root prompt's command is no comment). A comment at a
/// prompt is placed as the same line without the prompt is (probe21ce,
/// H2: right under a command that shows no output and above the next, or
/// glued to both, it was read for neither, or for the upper alone).
pub(super) fn comment_of(line: &str) -> Option<String> {
    if super::is_comment(line) {
        return Some(line.trim().to_string());
    }
    super::after_prompt(line)
        .filter(|rest| rest.starts_with('#'))
        .map(|rest| rest.trim().to_string())
}

/// A comment typed at a prompt that no command follows (the next line is
/// output, or the block ends): the upper command's claim where it shows
/// output (probe21cd, G5), and prose; never a line of output.
/// `shown`: whether the upper command shows output. Its remarks below are
/// bounded ([`super::kept::remark_below`]).
pub(super) fn left_at_prompt(
    steps: &mut [super::Step],
    shown: bool,
    prose: &mut Vec<(usize, String)>,
    n: usize,
    comment: String,
) {
    match steps.last_mut().filter(|_| shown) {
        Some(s) => {
            let before = s.remarks_cut;
            super::kept::remark_below(s, prose, n, &comment);
            if s.remarks_cut != before {
                prose.push((n, comment));
            }
        }
        None => prose.push((n, comment)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(ls: &[&str]) -> Vec<(usize, String)> {
        ls.iter()
            .enumerate()
            .map(|(i, l)| (i, l.to_string()))
            .collect()
    }

    fn texts(v: &[(usize, String)]) -> Vec<&str> {
        v.iter().map(|(_, l)| l.as_str()).collect()
    }

    #[test]
    fn comments_are_placed_by_the_blank_lines_around_them() {
        // Glued to both under output: both.
        let (u, l) = place(lines(&["# ttl 63"]), Under::Output);
        assert_eq!((texts(&u), texts(&l)), (vec!["# ttl 63"], vec!["# ttl 63"]));
        // Glued to both under a bare command line: a heading of the next.
        let (u, l) = place(lines(&["# same node"]), Under::Command);
        assert_eq!((texts(&u), texts(&l)), (vec![], vec!["# same node"]));
        // Glued under output, blank below: the upper's only; under a bare
        // command line: both.
        let (u, l) = place(lines(&["# ttl 63", ""]), Under::Output);
        assert_eq!((texts(&u), texts(&l)), (vec!["# ttl 63"], vec![]));
        let (u, l) = place(lines(&["# ttl 63", ""]), Under::Command);
        assert_eq!((texts(&u), texts(&l)), (vec!["# ttl 63"], vec!["# ttl 63"]));
        // Blank above, right above: the lower's.
        let (u, l) = place(lines(&["# across node"]), Under::Blank);
        assert_eq!((texts(&u), texts(&l)), (vec![], vec!["# across node"]));
        // Blank on both sides: the lower's, a title of what follows
        // (probe21ce, H5: `# now the cross-node ping` drifted on the upper).
        let (u, l) = place(lines(&["# now the cross-node ping", ""]), Under::Blank);
        assert_eq!(
            (texts(&u), texts(&l)),
            (vec![], vec!["# now the cross-node ping"])
        );
        let (u, l) = place(lines(&["# ttl 63", ""]), Under::Blank);
        assert_eq!((texts(&u), texts(&l)), (vec![], vec!["# ttl 63"]));
        // Glued under, then a title right above the next.
        let (u, l) = place(lines(&["# ttl 63", "", "# across node"]), Under::Output);
        assert_eq!(
            (texts(&u), texts(&l)),
            (vec!["# ttl 63"], vec!["# across node"])
        );
    }
}
