//! A report for the judges' and verdict's tests: the blocks given, the
//! rest as a replay of `c.md` on lab `l` (netns) writes it before judging.

use super::{BlockReport, BookReport, Summary};

/// The report of `blocks` of chapter `c.md` on lab `l` (netns), with its
/// known-drift file `c.drift.yaml`, not yet judged.
pub(crate) fn of(blocks: Vec<BlockReport>) -> BookReport {
    BookReport {
        version: crate::report::book_section::VERSION,
        chapter: "c.md".into(),
        lab: "l".into(),
        provider: "netns".into(),
        known_file: "c.drift.yaml".into(),
        blocks,
        summary: Summary::default(),
        stale: vec![],
        blessed: false,
        kubectl_matrix: None,
        verdict: None,
        text: String::new(),
    }
}
