//! What a step keeps of the lines under its command, within the chapter's
//! bounds ([`crate::book::caps`]), and what reading its output asks of the
//! lines kept or read past them, kept as they come: apart from
//! `parse_lines`, which decides what each line is, because asking it of
//! the lines again for each new line made reading a block quadratic
//! (probe21cf, F1: each comment glued under 10,000 lines of output read
//! them all again, 72 s for 1,000,000 comments, deaf to TERM).

use super::Step;
use crate::book::caps::{PER_COMMAND, REMARKS};

/// What a step's output, kept or read past ([`crate::book::caps::OUTPUT_LINES`]),
/// tells the reading of the lines after it: how many were read past (not
/// kept), and what all of them show.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Past {
    /// How many were read past, and how many of those are blank at the end.
    pub lines: usize,
    pub blank_at_end: usize,
    /// Whether one holds `<`, and one `</html>` ([`Past::html_open`]).
    lt: bool,
    html_end: bool,
    /// Whether the output introduces commands to run
    /// ([`super::advice_open`]).
    pub advice: bool,
    /// Whether a line of it is a shell comment (a file's `# …` lines), and
    /// one is not blank.
    pub comment: bool,
    pub shown: bool,
}

impl Past {
    /// Whether the output (a curl's, so far) is an HTML document not yet
    /// closed.
    pub fn html_open(&self) -> bool {
        self.lt && !self.html_end
    }
}

/// Put output line `line` (chapter line `n`) on `s`: kept while the
/// chapter keeps lines (`left`; its first [`PER_COMMAND`] always), else
/// read past; what it shows is noted in `past` either way.
pub(super) fn push(s: &mut Step, past: &mut Past, n: usize, line: String, left: &mut usize) {
    past.advice = super::advice_open(past.advice, &line);
    past.lt |= line.contains('<');
    past.html_end |= line
        .as_bytes()
        .windows(7)
        .any(|w| w.eq_ignore_ascii_case(b"</html>"));
    past.comment |= super::is_comment(&line);
    past.shown |= !line.trim().is_empty();
    if past.lines == 0 && (s.output.len() < PER_COMMAND || *left > 0) {
        *left = left.saturating_sub(1);
        s.output.push(line);
        s.output_at.push(n);
        return;
    }
    past.lines += 1;
    past.blank_at_end = match line.trim().is_empty() {
        true => past.blank_at_end + 1,
        false => 0,
    };
}

/// Whether the last line of `last`'s output (kept, or read `past` them) is
/// blank.
pub(super) fn ends_blank(last: &Step, past: &Past) -> bool {
    match past.lines {
        0 => last.output.last().is_some_and(|l| l.trim().is_empty()),
        _ => past.blank_at_end > 0,
    }
}

/// Put the remark `line` (chapter line `n`) below `s`'s command, and in
/// the block's `prose`: its first [`REMARKS`], the rest counted in its
/// `remarks_cut` (probe21cf, F1: each was one sentence of the command's
/// report, 400,000 a 92 MB JSON), which makes it not understood.
pub(super) fn remark_below(s: &mut Step, prose: &mut Vec<(usize, String)>, n: usize, line: &str) {
    if s.remarks_below.len() < REMARKS {
        s.remarks_below.push((n, line.trim().to_string()));
        prose.push((n, line.trim().to_string()));
    } else {
        s.remarks_cut += 1;
    }
}
