//! How a merge or a night ends when refused or stopped: a refused `lab
//! nightly merge` leaves nothing it made (a target that did not exist is
//! not left behind, empty or half made; one that existed is never
//! removed); a signal ends a merge or a night as interrupted (exit 130)
//! with whole records.

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
    let Err(e) = merge(std::slice::from_ref(&src), &target, &out, &|_| {}, &|| {
        false
    }) else {
        panic!("merged through planted links")
    };
    assert_eq!(e.exit_code(), 2, "{e}");
    assert_eq!(names(&work), before, "{e}");
    assert!(!dir.path().join("victim-journal").exists());
    assert!(!dir.path().join("victim-wal").exists());

    // An empty target that was there before is kept, as it was.
    std::fs::write(&target, b"").unwrap();
    assert!(
        merge(std::slice::from_ref(&src), &target, &out, &|_| {}, &|| {
            false
        })
        .is_err()
    );
    assert!(target.is_file(), "a file that existed before was removed");
    assert_eq!(std::fs::metadata(&target).unwrap().len(), 0);
}

/// A signal during a merge stops it (exit 130): a new target is not left
/// behind; an existing one is as it was, whenever the signal comes (the
/// checks, the first source, the second: one transaction). Before, the
/// merge went on to its end and exited 0; then (probe21cf F4) it kept the
/// nights merged before the signal.
#[test]
fn a_merge_stopped_by_a_signal_is_interrupted_between_runs() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.db"), dir.path().join("b.db"));
    db_with_night(&a, "n1");
    db_with_night(&b, "n2");
    let out = dir.path().join("out");
    let target = dir.path().join("new.db");
    let Err(e) = merge(&[a.clone(), b.clone()], &target, &out, &|_| {}, &|| true) else {
        panic!("merged while stopped")
    };
    assert_eq!(e.exit_code(), 130, "{e}");
    assert!(!target.exists(), "a new target was left");
    assert_eq!(
        names(dir.path()),
        ["a.db", "a.db.lock", "b.db", "b.db.lock"]
    );
    // An existing target: the signal at the k-th time it is asked about.
    for k in 0.. {
        let kept = dir.path().join(format!("kept{k}.db"));
        db_with_night(&kept, "n0");
        let asked = std::cell::Cell::new(0);
        let stop = || {
            asked.set(asked.get() + 1);
            asked.get() > k
        };
        let merged = merge(&[a.clone(), b.clone()], &kept, &out, &|_| {}, &stop);
        let names = History::open_read(&kept).unwrap().night_names().unwrap();
        match merged {
            Err(e) => {
                assert_eq!(e.exit_code(), 130, "{e}");
                assert_eq!(names, ["n0"], "signal at {k}");
            }
            Ok(_) => {
                assert!(k > 4, "merged with a signal at {k}");
                assert_eq!(names, ["n0", "n1", "n2"]);
                break;
            }
        }
    }
}

/// A signal that comes after the night's last run was recorded, while the
/// dashboard is written (about 0.1 s on chapter 4): before, it was not
/// acted on (exit 0); now the night ends as interrupted (exit 130), its
/// record and outputs whole. The stub provider is not run here: the
/// night is recorded and rendered at once.
#[test]
fn a_signal_while_the_night_is_rendered_ends_it_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let opts = super::Options {
        labs: vec![concat!(env!("CARGO_MANIFEST_DIR"), "/labs/chapter4").into()],
        providers: vec![crate::provider::Kind::Stub],
        vm: None,
        db: dir.path().join("h.db"),
        out: out.clone(),
        jobs: 1,
        night: Some("n1".into()),
    };
    // The signal comes once the dashboard is there.
    let index = out.join("index.html");
    let o = super::run(&opts, &|_| {}, &|| index.exists()).unwrap();
    assert!(index.is_file());
    assert_eq!(
        o.result(crate::nightly::FailOn::New)
            .unwrap_err()
            .exit_code(),
        130
    );
}

/// The nightly's output folder may predate it (`.lab/nightly/` of a cloned
/// repository): a link planted as `nights` or `nights/NIGHT` took the
/// night's folders, and the runs' reports, wherever it pointed (the fifth
/// probe). Now refused, exit 2, nothing made there, no night begun.
#[test]
fn a_night_folder_planted_as_a_link_is_refused() {
    for planted in ["nights", "nights/n1"] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir_all(out.join("nights")).unwrap();
        std::fs::create_dir(&elsewhere).unwrap();
        if planted == "nights" {
            std::fs::remove_dir(out.join("nights")).unwrap();
        }
        std::os::unix::fs::symlink(&elsewhere, out.join(planted)).unwrap();
        let opts = super::Options {
            labs: vec![concat!(env!("CARGO_MANIFEST_DIR"), "/labs/chapter4").into()],
            providers: vec![crate::provider::Kind::Stub],
            vm: None,
            db: dir.path().join("h.db"),
            out: out.clone(),
            jobs: 1,
            night: Some("n1".into()),
        };
        let Err(e) = super::run(&opts, &|_| {}, &|| false) else {
            panic!("{planted}: ran through a link")
        };
        assert_eq!(e.exit_code(), 2, "{planted}: {e}");
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert_eq!(names(&elsewhere), Vec::<String>::new(), "{planted}");
        if dir.path().join("h.db").exists() {
            let h = History::open_read(&dir.path().join("h.db")).unwrap();
            assert!(h.night_names().unwrap().is_empty(), "{planted}");
        }
    }
}

/// A database with the nights `(name, started_at, run id, status)`, one
/// run each (chapter4 on netns).
fn db_with_runs(path: &Path, nights: &[(&str, &str, &str, crate::history::RunStatus)]) {
    let mut h = History::open(path).unwrap();
    for (name, started, id, status) in nights {
        let n = h.begin_night(name, started, None).unwrap();
        let mut d = crate::history::RunData::empty(*status);
        d.run_id = Some(id.to_string());
        d.started_at = Some(started.to_string());
        h.record_run(n, "chapter4", "netns", &d).unwrap();
        h.finish_night(n, NightStatus::Complete, started).unwrap();
    }
}

/// probe21bz finding 1: a source night dated 2099 became "the last night"
/// of the merge (rc 0, "Recovered"), and a copy of last night's passing
/// run under tonight's night was taken, its run id then recorded under two
/// nights. Seen failing before the fix: both merged, exit 0. Now both are
/// refused (exit 2), naming the source and the night, nothing made.
#[test]
fn a_merge_refuses_a_night_after_now_and_a_run_under_two_nights() {
    use crate::history::RunStatus::{Failed, Passed};
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.db");
    db_with_runs(
        &bad,
        &[
            ("good1", "2026-01-01T00:00:00Z", "r-good1", Passed),
            ("bad2", "2026-01-02T00:00:00Z", "r-bad2", Failed),
        ],
    );
    let future = dir.path().join("future.db");
    db_with_runs(&future, &[("zz", "2099-01-01T00:00:00Z", "r-zz", Passed)]);
    let same = dir.path().join("same.db");
    db_with_runs(
        &same,
        &[("bad2", "2026-01-02T00:00:01Z", "r-good1", Passed)],
    );
    let out = dir.path().join("out");
    let target = dir.path().join("all.db");
    for (src, want) in [
        (&future, ["future.db", "night 'zz'", "2099-01-01T00:00:00Z"]),
        (&same, ["same.db", "night 'bad2'", "r-good1"]),
    ] {
        let Err(e) = merge(&[bad.clone(), src.clone()], &target, &out, &|_| {}, &|| {
            false
        }) else {
            panic!("merged {}", src.display())
        };
        assert_eq!(e.exit_code(), 2, "{e}");
        for w in want {
            assert!(e.to_string().contains(w), "{w} not in: {e}");
        }
        assert!(!target.exists() && !out.exists(), "{e}");
    }
    // probe21cc lesser: a night 20 hours ahead was within a day's skew
    // and became "tonight". Refused now; one within the skew (half an
    // hour ahead) merges.
    let later = dir.path().join("later.db");
    let hours = crate::clock::Utc::from_unix(crate::clock::unix_now() + 20 * 3600).rfc3339();
    db_with_runs(&later, &[("n4", &hours, "r-n4", Passed)]);
    let Err(e) = merge(&[bad.clone(), later], &target, &out, &|_| {}, &|| false) else {
        panic!("merged a night 20 hours ahead")
    };
    assert!(e.to_string().contains("night 'n4'"), "{e}");
    let ahead = dir.path().join("ahead.db");
    let soon = crate::clock::Utc::from_unix(crate::clock::unix_now() + 1800).rfc3339();
    db_with_runs(&ahead, &[("n3", &soon, "r-n3", Passed)]);
    merge(&[bad, ahead], &target, &out, &|_| {}, &|| false).unwrap();
}

/// probe21bz finding 3: `merge` copied a 200 MiB `record` into its target
/// (`mh.db` was 210 MB). Seen failing before the fix: merged, exit 0. Now
/// the source is refused (exit 2) before a target is made.
#[test]
fn a_merge_copies_no_value_past_the_bound() {
    let dir = tempfile::tempdir().unwrap();
    let huge = dir.path().join("huge.db");
    crate::history::bounds_tests::padded(&huge, (16 << 20) + 1);
    let target = dir.path().join("into.db");
    let out = dir.path().join("out");
    let Err(e) = merge(std::slice::from_ref(&huge), &target, &out, &|_| {}, &|| {
        false
    }) else {
        panic!("merged a value past the bound")
    };
    assert_eq!(e.exit_code(), 2, "{e}");
    assert!(e.to_string().contains("huge.db"), "{e}");
    assert!(!target.exists() && !out.exists(), "{e}");
}
