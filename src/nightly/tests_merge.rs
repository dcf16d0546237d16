//! A refused `lab nightly merge` leaves nothing it made: a target that did
//! not exist is not left behind (empty, or half made), one that existed is
//! never removed.

use super::merge;
use crate::history::{History, NightStatus};
use std::path::Path;

/// A database with one finished night of that name.
fn db_with_night(path: &Path, night: &str) {
    let h = History::open(path).unwrap();
    let n = h.begin_night(night, "2026-01-01T00:00:00Z", None).unwrap();
    h.finish_night(n, NightStatus::Complete, "2026-01-01T00:01:00Z")
        .unwrap();
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_merge_refused_by_planted_journal_links_leaves_no_new_database() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src.db");
    db_with_night(&src, "n1");
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    // Links planted where SQLite writes beside the target.
    for end in ["-journal", "-wal"] {
        std::os::unix::fs::symlink(
            dir.path().join(format!("victim{end}")),
            work.join(format!("new.db{end}")),
        )
        .unwrap();
    }
    let before = names(&work);
    let target = work.join("new.db");
    let out = dir.path().join("out");
    let Err(e) = merge(std::slice::from_ref(&src), &target, &out, &|_| {}) else {
        panic!("merged through planted links")
    };
    assert_eq!(e.exit_code(), 2, "{e}");
    assert_eq!(names(&work), before, "{e}");
    assert!(!dir.path().join("victim-journal").exists());
    assert!(!dir.path().join("victim-wal").exists());

    // An empty target that was there before is kept, as it was.
    std::fs::write(&target, b"").unwrap();
    assert!(merge(std::slice::from_ref(&src), &target, &out, &|_| {}).is_err());
    assert!(target.is_file(), "a file that existed before was removed");
    assert_eq!(std::fs::metadata(&target).unwrap().len(), 0);
}
