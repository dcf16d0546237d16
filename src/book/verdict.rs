//! The run's own verdict: whether `lab book` passes, and why not. One
//! owner ([`of`]) decides it, the exit code of `lab book` comes from it
//! ([`super::BookReport::ok`]), and every rendering shows it: the
//! terminal's `FAILED:` lines, the JSON's `verdict` (version 2), JUnit's
//! suite output and the HTML page's head (which says "Every replayed block
//! matches the book." only for a run that passed; it said so of a run
//! that compared nothing, probe21aq finding 5).
//!
//! A run fails for any of: a block that fails (drift, not understood,
//! error), a difference blessed with its reason still the placeholder
//! `--bless` wrote (such a block is drift), a kubectl matrix result that
//! fails or could not be judged, and a replay that compared nothing.

use super::report::matrix_as_checks;
use super::{BookReport, Verdict};
pub use crate::report::book_section::RunVerdict;

/// The verdict of `r`, with each reason it fails in words.
pub fn of(r: &BookReport) -> RunVerdict {
    let mut why = Vec::new();
    if let Some(w) = r.nothing_compared() {
        why.push(w);
    }
    for (v, what) in [
        (Verdict::Drift, "drift from the book"),
        (Verdict::NotUnderstood, "not understood"),
        (Verdict::Error, "could not be replayed (error)"),
    ] {
        let lines: Vec<String> = r
            .blocks
            .iter()
            .filter(|b| b.verdict == v)
            .map(|b| b.line.to_string())
            .collect();
        if !lines.is_empty() {
            why.push(format!(
                "{} block{} {what}: line{} {}",
                lines.len(),
                if lines.len() == 1 { "" } else { "s" },
                if lines.len() == 1 { "" } else { "s" },
                lines.join(", ")
            ));
        }
    }
    let unwritten = super::known::unwritten_in(r);
    if unwritten > 0 {
        why.push(format!(
            "{unwritten} difference{} blessed in {} without a reason (a placeholder such as the TODO `--bless` wrote): drift until a person writes why",
            if unwritten == 1 { "" } else { "s" },
            r.known_file
        ));
    }
    // The matrix's failing minors, grouped by what they refused (or could
    // not judge): one sentence a group, the lines named, kubectl's words
    // in the matrix itself.
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for c in matrix_as_checks(r) {
        use crate::report::Verdict as V;
        let what = match c.verdict {
            V::Fail => "refuse",
            V::Error => "could not judge",
            _ => continue,
        };
        let lines = lines_of(&c.observed);
        let key = format!(
            "{what} line{} {}",
            if lines.len() == 1 { "" } else { "s" },
            lines.join(", ")
        );
        let minor = c
            .name
            .split(':')
            .next()
            .unwrap_or(&c.name)
            .trim_start_matches("kubectl ")
            .to_string();
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, minors)) => minors.push(minor),
            None => groups.push((key, vec![minor])),
        }
    }
    for (what, minors) in groups {
        why.push(format!(
            "the kubectl matrix: kubectl {} {what} (see the matrix; a refusal passes only as the pinned kubectl's blessed drift)",
            minors.join(", ")
        ));
    }
    RunVerdict {
        passed: why.is_empty(),
        why_not: why,
    }
}

/// The words that mark a reason as a placeholder when it starts with one.
const PLACEHOLDERS: [&str; 4] = ["todo", "fixme", "xxx", "tbd"];

/// Whether a reason is a placeholder: nobody explained the drift, so it is
/// not known (counted known, a bless alone turned a drift green: the
/// seventeenth probe of issue 21). A placeholder is `--bless`'s [`super::known::TODO`]
/// in any case or punctuation, any reason whose first word is `TODO`,
/// `FIXME`, `XXX` or `TBD` (any case, `TODO:`, `todo.`), and one with no
/// letter at all (`?`, `...`; empty is no entry, new drift): probe21aq saw `TODO`, `FIXME` and the TODO
/// sentence with a full stop pass as known.
pub fn unwritten(reason: &str) -> bool {
    blesss_kin(reason) || typed_placeholder(reason)
}

/// `--bless`'s TODO and its kin: a reason whose first word is one of
/// [`PLACEHOLDERS`], or with no letter at all.
fn blesss_kin(reason: &str) -> bool {
    let r = super::known::normalize(reason);
    // Empty: no entry met the difference (new drift), not a placeholder.
    if r.is_empty() {
        return false;
    }
    if !r.chars().any(char::is_alphabetic) {
        return true;
    }
    let first: String = r
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .chars()
        .take_while(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    PLACEHOLDERS.contains(&first.as_str())
}

/// What people type for a reason they have not written, its letters and
/// digits alone, lowercase, `0` read as `o` (`T0DO`).
const TYPED: &[&str] = &[
    "todo",
    "tbd",
    "tba",
    "tbc",
    "fixme",
    "xxx",
    "wip",
    "na",
    "pending",
    "none",
    "nil",
    "null",
    "later",
    "unknown",
    "placeholder",
    "notyet",
    "tobedone",
    "tobedetermined",
    "tobedecided",
    "tobeconfirmed",
    "tobewritten",
    "tobeexplained",
    "fillin",
    "fillmein",
    "reason",
    "why",
    "idk",
    "dunno",
];

/// A placeholder a person typed for a reason, other than `--bless`'s TODO
/// and its kin ([`blesss_kin`], drift until written): one or two letters
/// or digits in all (`x`, `ok`, `N/A`), or, as a whole or before a `:` or
/// ` - `, in any case and wrapping, a word of [`TYPED`] (`WIP`, `pending`,
/// `to do`, `T0DO`, `T.B.D.`, `to be determined`). The known-drift file is
/// refused with one, naming its line and field (probe21by, lesser 5: `N/A`,
/// `WIP`, `x`, `to do`, `T0DO` and `pending` explained drift).
pub fn typed_placeholder(reason: &str) -> bool {
    let r = super::known::normalize(reason);
    if r.is_empty() || blesss_kin(&r) {
        return false;
    }
    if r.chars().filter(|c| c.is_alphanumeric()).count() <= 2 {
        return true;
    }
    let key = |s: &str| -> String {
        s.to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .map(|c| if c == '0' { 'o' } else { c })
            .collect()
    };
    let head = r.split(':').next().unwrap_or(&r);
    let head = head.split(" - ").next().unwrap_or(head);
    [key(&r), key(head)]
        .iter()
        .any(|k| TYPED.contains(&k.as_str()))
}

/// The chapter lines a matrix result names (`refused: line 104: …; line
/// 124: …`, as [`matrix_as_checks`] writes them).
fn lines_of(observed: &str) -> Vec<String> {
    observed
        .split("; ")
        .filter_map(|p| {
            let p = p.split_once(": line ").map_or(p, |(_, rest)| rest);
            let n = p.trim_start_matches("line ").split(':').next()?;
            n.parse::<usize>().ok().map(|n| n.to_string())
        })
        .collect()
}

/// `r` with its verdict filled in as it stands now (what the JSON and the
/// run record hold).
pub fn stamped(r: &BookReport) -> BookReport {
    BookReport {
        verdict: Some(of(r)),
        ..r.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::super::{BlockReport, BookReport, CommandReport, Verdict};

    fn block(line: usize, v: Verdict, known: &str) -> BlockReport {
        BlockReport {
            line,
            end: line + 2,
            fence: "bash".into(),
            verdict: v,
            commands: vec![CommandReport {
                line: line + 1,
                command: "route -n".into(),
                verdict: v,
                ran_on: None,
                ran: None,
                variant: "broken".into(),
                book: vec![],
                lab: vec![],
                bindings: vec![],
                differences: if known.is_empty() && v != Verdict::Drift {
                    vec![]
                } else {
                    vec!["d".into()]
                },
                known: if known.is_empty() && v != Verdict::Drift {
                    vec![]
                } else {
                    vec![known.into()]
                },
                reason: None,
                kubectl: None,
                why: vec![],
            }],
            prose: vec![],
            duration_s: 0.0,
        }
    }

    use crate::book::tests_report::of as report;

    #[test]
    fn a_run_passes_only_when_nothing_fails_and_something_was_compared() {
        let ok = report(vec![
            block(1, Verdict::Match, ""),
            block(5, Verdict::KnownDrift, "no Docker on the nodes"),
        ]);
        let v = super::of(&ok);
        assert!(v.passed && v.why_not.is_empty(), "{v:?}");
        assert!(ok.ok());

        let skipped = report(vec![block(1, Verdict::Skipped, "")]);
        let v = super::of(&skipped);
        assert!(!v.passed && !skipped.ok());
        assert!(v.why_not[0].contains("compared nothing"), "{v:?}");

        let drift = report(vec![
            block(1, Verdict::Match, ""),
            block(5, Verdict::Drift, ""),
            block(9, Verdict::Drift, ""),
        ]);
        let v = super::of(&drift);
        assert_eq!(v.why_not, vec!["2 blocks drift from the book: lines 5, 9"]);

        let todo = report(vec![block(5, Verdict::Drift, super::super::known::TODO)]);
        let v = super::of(&todo);
        assert!(!v.passed);
        assert!(
            v.why_not.iter().any(|w| w.contains("without a reason")),
            "{v:?}"
        );
    }

    /// probe21by, finding 4 (`DS2`): a run whose only compared result is
    /// known drift passed as having compared something. Known drift is a
    /// difference a person explained, no agreement: such a run compared
    /// nothing that agrees, and fails. Seen failing first: it passed.
    #[test]
    fn a_run_of_known_drift_and_skips_alone_compared_nothing() {
        let r = report(vec![
            block(1, Verdict::KnownDrift, "no Docker on the nodes"),
            block(5, Verdict::Skipped, ""),
        ]);
        let v = super::of(&r);
        assert!(!v.passed && !r.ok(), "{v:?}");
        assert!(
            v.why_not[0].contains("compared nothing") && v.why_not[0].contains("1 known drift"),
            "{v:?}"
        );
        // A drift alone fails for its drift, not for comparing nothing.
        let drift = report(vec![block(1, Verdict::Drift, "")]);
        assert_eq!(
            super::of(&drift).why_not,
            vec!["1 block drift from the book: line 1"]
        );
    }

    /// The terminal and JUnit say the same verdict, every reason of it.
    #[test]
    fn the_terminal_and_junit_say_every_reason() {
        let r = report(vec![
            block(1, Verdict::Drift, ""),
            block(5, Verdict::Drift, super::super::known::TODO),
        ]);
        let t = super::super::report::terminal(&r);
        assert!(
            t.contains("FAILED: 2 blocks drift from the book: lines 1, 5\n")
                && t.contains("FAILED: 1 difference blessed in c.drift.yaml without a reason"),
            "{t}"
        );
        let x = super::super::report::junit(&r);
        assert!(x.contains("<system-out>FAILED: 2 blocks drift"), "{x}");
        let ok = report(vec![block(1, Verdict::Match, "")]);
        assert!(!super::super::report::terminal(&ok).contains("FAILED"));
        assert!(super::super::report::junit(&ok).contains("<system-out>the run passed"));
    }

    #[test]
    fn the_json_holds_the_verdict_and_a_version_1_report_reads_without_one() {
        let r = report(vec![block(1, Verdict::Skipped, "")]);
        let j: serde_json::Value = serde_json::from_str(&super::super::report::json(&r)).unwrap();
        assert_eq!(j["verdict"]["passed"], false, "{j}");
        assert!(
            j["verdict"]["why_not"][0]
                .as_str()
                .unwrap()
                .contains("compared nothing")
        );
        // A version 1 report (no `verdict`) is read, and judged again.
        let mut old = j.clone();
        old.as_object_mut().unwrap().remove("verdict");
        old["version"] = 1.into();
        let back: BookReport = serde_json::from_value(old).unwrap();
        assert_eq!(back.verdict, None);
        assert!(!super::of(&back).passed);
    }

    /// probe21aq, lesser: `TODO`, `FIXME`, the TODO sentence with a full
    /// stop or in lower case passed as reasons.
    #[test]
    fn a_placeholder_is_no_reason() {
        for r in [
            super::super::known::TODO,
            "TODO",
            "FIXME",
            "xxx",
            "TBD: ask the author",
            "todo: say why the lab differs from the book here.",
            "TODO: say why the lab differs from the book here.",
            "  (todo) later",
            "?",
            "...",
            // probe21by, lesser 5: a person's placeholders.
            "N/A",
            "WIP",
            "x",
            "to do",
            "T0DO",
            "pending",
            "T.B.D.",
        ] {
            assert!(super::unwritten(r), "{r:?}");
        }
        for r in [
            "No Docker on the lab's nodes",
            "removed in 1.31",
            "Todoist is not used here",
            "the book's cluster ran Docker; TODO is no reason",
            "Pending a fix in flannel, the lab cannot show the book's route",
            "To do so the book's kernel needed Docker",
            "",
        ] {
            assert!(!super::unwritten(r), "{r:?}");
        }
    }
}
