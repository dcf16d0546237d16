//! Tests of [`super::bounds`]: a history with a value past the bound is
//! refused before it is read, by every reader and by a merge.

use super::{History, NightStatus, RunData, RunStatus, merge};
use rusqlite::Connection;
use std::path::Path;

/// A history of one night whose run's record is `pad` bytes of `A` (the
/// schema untouched, as probe21bz's `huge.py` made it).
pub(crate) fn padded(path: &Path, pad: usize) {
    let mut h = History::open(path).unwrap();
    let n = h.begin_night("n1", "2026-01-01T00:00:00Z", None).unwrap();
    h.record_run(n, "chapter4", "netns", &RunData::empty(RunStatus::Failed))
        .unwrap();
    h.finish_night(n, NightStatus::Complete, "2026-01-01T00:01:00Z")
        .unwrap();
    drop(h);
    let c = Connection::open(path).unwrap();
    c.execute("UPDATE runs SET record = ?1", ["A".repeat(pad)])
        .unwrap();
}

/// probe21bz finding 3: a history that is exactly lab's schema with one
/// 450 MB `record` made `lab nightly report` use 3.2 GB, and `merge` copied
/// the value into its target. Seen failing before the fix: the history was
/// read whole. Now it is refused before its rows are read (exit 2, naming
/// the database, the table, the row and the bound), also as a merge
/// source (`nightly::tests_ends`: no target is made of it).
#[test]
fn a_history_with_a_value_past_the_bound_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let huge = dir.path().join("huge.db");
    padded(&huge, (16 << 20) + 1);
    let e = History::open_read(&huge)
        .and_then(|h| h.load())
        .expect_err("a history with a 16 MiB record was read");
    assert_eq!(e.exit_code(), 2, "{e}");
    let m = e.to_string();
    for want in ["huge.db", "table runs", "row 1", "16 MiB"] {
        assert!(m.contains(want), "{want} not in: {m}");
    }
    let e = merge::read_source(&huge).expect_err("merged");
    assert_eq!(e.exit_code(), 2, "{e}");
    // At the bound it is read.
    let at = dir.path().join("at.db");
    padded(&at, 16 << 20);
    History::open_read(&at).unwrap().load().unwrap();
}
