//! kubectl's refusals and failures, as the replay words them and as a
//! book shows them: one sentence for a line the pinned kubectl refuses
//! (`kubectl 1.32 refuses the book's line: MESSAGE`, which `--suggest` and
//! known-drift entries read), and one for a book that shows kubectl failing
//! under a line it takes.

use super::output_lines;
use super::target::KubectlRun;

/// The minor of a kubectl version (`1.32` of `1.32.5`).
pub(super) fn minor(version: &str) -> &str {
    version.rsplit_once('.').map_or(version, |(m, _)| m)
}

/// The drift a refusal is, the same wherever a line is refused:
/// `kubectl 1.32 refuses the book's line: MESSAGE` (the minor of `version`).
pub(super) fn refusal(version: &str, message: &str) -> String {
    format!(
        "kubectl {} refuses the book's line: {message}",
        minor(version)
    )
}

/// The drift of a book that shows kubectl failing (its `error:`, or, where
/// it `ran` against the lab's cluster, its server unreached) under a line
/// the pinned kubectl takes, where kubectl did not print that line: the
/// reader does not meet it (the nineteenth probe: such a block was
/// `skipped`, "nothing to compare"). Offline (netns) kubectl reaches no
/// server, so a book's "could not connect" is not judged there.
pub(super) fn failure_not_met(book: &[String], run: &KubectlRun, ran: bool) -> Option<String> {
    let printed = output_lines(&run.output);
    let shown = book.iter().find(|l| match crate::kubectl::failed(l) {
        Some(crate::kubectl::Failed::Error) => true,
        Some(crate::kubectl::Failed::Unreached) => ran,
        None => false,
    })?;
    (!ran || !printed.iter().any(|p| p.trim() == shown.trim())).then(|| {
        format!(
            "kubectl {} takes the book's line; the book shows kubectl failing: {}",
            minor(&run.version),
            shown.trim()
        )
    })
}
