//! How much of one value (an observed output, a reason, an input) the
//! night's pages show: a run's value is bounded by the run's own caps, but
//! a page repeats it in cards and in every night's tooltip, so a page shows
//! the first [`SHOWN_CHARS`] characters and says how many it left out (the
//! run's `test.json` has them all).

use std::borrow::Cow;

/// Characters of one value a page shows.
pub const SHOWN_CHARS: usize = 1000;

/// `s`, or its first [`SHOWN_CHARS`] characters and how many more there are.
pub fn cut(s: &str) -> Cow<'_, str> {
    match s.char_indices().nth(SHOWN_CHARS) {
        None => Cow::Borrowed(s),
        Some((at, _)) => Cow::Owned(format!(
            "{}… ({} more characters not shown)",
            &s[..at],
            s[at..].chars().count()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::analysis::Analysis;
    use crate::history::{ResultKind, RunStatus, Verdict};

    #[test]
    fn a_short_value_is_whole_and_a_long_one_says_what_it_left_out() {
        assert_eq!(cut("ttl=63"), "ttl=63");
        let long = "é".repeat(SHOWN_CHARS + 5);
        let c = cut(&long);
        assert!(c.starts_with(&"é".repeat(SHOWN_CHARS)), "{c}");
        assert!(c.ends_with("… (5 more characters not shown)"), "{c}");
    }

    #[test]
    fn one_huge_value_is_shown_cut() {
        use crate::history::{Night, ResultRow, RunData, Snapshot};
        let huge = "<x>\"".repeat(5 << 20 >> 2);
        let night = |i: usize, verdict: Verdict| {
            let mut d = RunData::empty(RunStatus::Failed);
            d.reason = Some(huge.clone());
            d.results.push(ResultRow {
                kind: ResultKind::Check,
                variant: "broken".into(),
                name: "node reaches pod".into(),
                verdict,
                detail: Some(huge.clone()),
                path: None,
                expected: Some(huge.clone()),
                observed: Some(huge.clone()),
                duration_s: None,
            });
            Night::chapter4_netns(&format!("n{i}"), &format!("2026-01-0{i}T00:00:00Z"), d)
        };
        let snap = Snapshot {
            nights: vec![night(1, Verdict::Pass), night(2, Verdict::Fail)],
        };
        let dir = tempfile::tempdir().unwrap();
        let page = super::super::dashboard::render(&Analysis::of(&snap), dir.path());
        assert!(page.len() < 256 << 10, "{} bytes", page.len());
        assert!(
            page.contains("more characters not shown"),
            "says it was cut"
        );
    }
}
