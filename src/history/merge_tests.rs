//! Tests of [`super::merge::merge_all`]: a whole merge is one transaction,
//! so a signal or an error half way leaves the target as it was.

use super::merge::{Merged, merge_all};
use super::{History, NightStatus, RunData, RunStatus, Snapshot};
use std::path::Path;

/// A history at `path` of `nights` nights named `{prefix}{i}`, one failed
/// run each.
fn history(path: &Path, prefix: &str, nights: usize) -> History {
    let mut h = History::open(path).unwrap();
    for i in 0..nights {
        let n = h
            .begin_night(&format!("{prefix}{i}"), "2026-01-01T00:00:00Z", None)
            .unwrap();
        h.record_run(n, "chapter4", "netns", &RunData::empty(RunStatus::Failed))
            .unwrap();
        h.finish_night(n, NightStatus::Complete, "2026-01-01T00:01:00Z")
            .unwrap();
    }
    h
}

/// The nights of `h` by name, with how many runs each.
fn nights(h: &History) -> Vec<(String, usize)> {
    let s: Snapshot = h.load().unwrap();
    s.nights
        .iter()
        .map(|n| (n.name.clone(), n.runs.len()))
        .collect()
}

/// probe21cf F4: TERM while a merge wrote left 337 of 3,000 nights in the
/// target (each night was a transaction of its own). Seen failing before
/// the fix (the nights before the signal, or the error, were kept). Now
/// the whole merge is one transaction: a signal after the first source and
/// some nights of the second, or an error injected at a night (a trigger
/// of the target's), leaves the target as it was; then it merges whole.
#[test]
fn a_merge_stopped_or_failing_half_way_leaves_the_target_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let a = history(&dir.path().join("a.db"), "a", 3).load().unwrap();
    let b = history(&dir.path().join("b.db"), "b", 5).load().unwrap();
    let mut into = history(&dir.path().join("into.db"), "t", 1);
    let before = nights(&into);
    // A signal half way through the second source.
    let asked = std::cell::Cell::new(0);
    let stop = || {
        asked.set(asked.get() + 1);
        asked.get() > 10
    };
    let mut said = Vec::new();
    let e = merge_all(&mut into, [&a, &b], &stop, &mut |i, m: &Merged| {
        said.push((i, m.nights_added))
    })
    .expect_err("merged while stopped");
    assert_eq!(e.exit_code(), 130, "{e}");
    assert_eq!(said, [(0, 3)], "the signal came in the second source");
    assert_eq!(nights(&into), before, "a stopped merge changed the target");
    // An error at the second source's third night.
    into.conn
        .execute_batch(
            "CREATE TRIGGER boom BEFORE INSERT ON nights WHEN NEW.name = 'b2'
             BEGIN SELECT RAISE(ABORT, 'injected'); END",
        )
        .unwrap();
    let e = merge_all(&mut into, [&a, &b], &|| false, &mut |_, _| {}).expect_err("merged");
    assert!(e.to_string().contains("injected"), "{e}");
    assert_eq!(nights(&into), before, "a failed merge changed the target");
    into.conn.execute_batch("DROP TRIGGER boom").unwrap();
    // And whole when nothing stops it.
    merge_all(&mut into, [&a, &b], &|| false, &mut |_, _| {}).unwrap();
    assert_eq!(nights(&into).len(), 9);
    assert!(nights(&into).iter().all(|(_, runs)| *runs == 1));
}
