//! probe21bv finding 1: a crafted history database hid tonight's failures.
//! The history's check compared only the tables' columns (`PRAGMA
//! table_info`), so a database whose `results` key is `PRIMARY KEY (run_id,
//! seq) ON CONFLICT IGNORE`, without its foreign key, and with passing rows
//! planted for the next run ids (the probe's `evildb.py`) passed it: SQLite
//! silently dropped every row tonight's run wrote, and `lab nightly` (and
//! `lab nightly merge` into such a target, and `lab nightly report` of it)
//! said "0 failing", exit 0. Now a history whose schema is not exactly what
//! lab's migrations make, or with rows of no run, is refused (exit 2,
//! naming the file and what differs, nothing changed).

use crate::harness::{copy_lab, edit, lab_cmd_in, require_root, unique_name};
use lab::history::{History, Night, NightStatus, ResultKind, ResultRow, RunData, RunStatus};
use lab::report::Verdict;
use std::path::Path;

/// The probe's `evildb.py`, made in place on `db`: the `results` table
/// keeps its columns, loses its foreign key and gets `ON CONFLICT IGNORE`
/// on its key; the last run's rows are copied to the next three run ids.
/// How many rows it planted.
fn greenwash(db: &Path) -> usize {
    let c = rusqlite::Connection::open(db).unwrap();
    c.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
    let sql: String = c
        .query_row(
            "SELECT sql FROM sqlite_master WHERE name = 'results'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let (fk, key) = (
        "REFERENCES runs(id) ON DELETE CASCADE",
        "PRIMARY KEY (run_id, seq)",
    );
    assert!(sql.contains(fk) && sql.contains(key), "{sql}");
    let crafted = sql
        .replace(fk, "")
        .replace(key, "PRIMARY KEY (run_id, seq) ON CONFLICT IGNORE");
    c.execute_batch(&format!(
        "ALTER TABLE results RENAME TO results_old; {crafted};
         INSERT INTO results SELECT * FROM results_old; DROP TABLE results_old;"
    ))
    .unwrap();
    let last: i64 = c
        .query_row("SELECT max(id) FROM runs", [], |r| r.get(0))
        .unwrap();
    (1..=3)
        .map(|k| {
            c.execute(
                "INSERT INTO results SELECT ?1, seq, kind, variant, name, verdict, detail, path,
                        expected, observed, duration_s FROM results WHERE run_id = ?2",
                [last + k, last],
            )
            .unwrap()
        })
        .sum()
}

fn check(name: &str, verdict: Verdict) -> ResultRow {
    ResultRow {
        kind: ResultKind::Check,
        variant: "broken".into(),
        name: name.into(),
        verdict,
        detail: None,
        path: Some("node1 → pod".into()),
        expected: Some("reachable".into()),
        observed: Some(if verdict == Verdict::Pass {
            "reachable".into()
        } else {
            "unreachable".into()
        }),
        duration_s: Some(0.5),
    }
}

/// A history at `db` with one night `night` of chapter4 on netns, whose
/// second check has `second` as its verdict.
fn one_night(db: &Path, night: &str, second: Verdict) {
    let mut h = History::open(db).unwrap();
    let n = Night {
        name: night.into(),
        started_at: format!("{night}T03:00:00Z"),
        finished_at: Some(format!("{night}T03:10:00Z")),
        status: NightStatus::Complete,
        host: None,
        runs: Vec::new(),
    };
    let id = h.upsert_night(&n).unwrap();
    let mut d = RunData::empty(if second == Verdict::Pass {
        RunStatus::Passed
    } else {
        RunStatus::Failed
    });
    d.finished_at = n.finished_at.clone();
    d.results = vec![
        check("node reaches pod", Verdict::Pass),
        check("pod reaches pod", second),
    ];
    h.record_run(id, "chapter4", "netns", &d).unwrap();
}

/// `lab nightly ARGS…` in `dir`: exit code, stdout, stderr.
fn nightly(dir: &Path, args: &[&std::ffi::OsStr]) -> (Option<i32>, String, String) {
    let o = lab_cmd_in(&dir.join("state"))
        .current_dir(dir)
        .arg("nightly")
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The probe's merge: an honest night that fails, merged into a crafted
/// target, said "0 failing", exit 0 (a clean target: "1 failing", exit
/// 1); the target's report said so too. Now the crafted target, and a
/// crafted source, are refused (exit 2, naming the file and the table),
/// and left as they were.
///
/// Seen failing before the exact schema check: the merge into the crafted
/// target gave exit 0 and "0 failing (0 new)".
#[test]
fn a_crafted_merge_target_or_source_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = |f: &str| dir.path().join(f);
    one_night(&p("good.db"), "2026-12-06", Verdict::Pass);
    std::fs::copy(p("good.db"), p("evil.db")).unwrap();
    assert_eq!(greenwash(&p("evil.db")), 6);
    std::fs::copy(p("good.db"), p("control.db")).unwrap();
    one_night(&p("tonight.db"), "2026-12-07", Verdict::Fail);
    let os = std::ffi::OsStr::new;

    // A clean target: the failure shows.
    let (code, out, err) = nightly(
        dir.path(),
        &[os("merge"), os("tonight.db"), os("--db"), os("control.db")],
    );
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("1 failing (1 new)"), "{out}");

    // The crafted target.
    let before = std::fs::read(p("evil.db")).unwrap();
    let (code, out, err) = nightly(
        dir.path(),
        &[os("merge"), os("tonight.db"), os("--db"), os("evil.db")],
    );
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(!out.contains("0 failing"), "{out}");
    assert!(
        err.contains("history database evil.db:") && err.contains("`results`"),
        "{err}"
    );
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(std::fs::read(p("evil.db")).unwrap(), before);

    // The crafted database as a source, into a new target: nothing made.
    let (code, out, err) = nightly(
        dir.path(),
        &[os("merge"), os("evil.db"), os("--db"), os("new.db")],
    );
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(err.contains("history database evil.db:"), "{err}");
    assert!(!p("new.db").exists());
    assert_eq!(std::fs::read(p("evil.db")).unwrap(), before);
}

/// A crafted history whose failing rows SQLite already dropped (tonight's
/// run written as lab writes it, its rows ignored): `lab nightly report`
/// said "0 failing", exit 0, also with `--fail-on any`. Now refused, exit 2.
///
/// Seen failing before the exact schema check: exit 0, "0 failing (0 new)".
#[test]
fn a_report_of_a_crafted_history_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("evil.db");
    one_night(&db, "2026-12-06", Verdict::Pass);
    greenwash(&db);
    {
        // Tonight, written as lab writes a run: the failing rows are dropped.
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch(
            "PRAGMA foreign_keys = ON;
             INSERT INTO nights (id, name, started_at, finished_at, status)
                VALUES (2, '2026-12-07', '2026-12-07T03:00:00Z', '2026-12-07T03:10:00Z', 'complete');
             INSERT INTO runs (id, night_id, lab, provider, status, finished_at, result_count)
                VALUES (2, 2, 'chapter4', 'netns', 'failed', '2026-12-07T03:10:00Z', 2);
             INSERT INTO results VALUES (2, 0, 'check', 'broken', 'node reaches pod', 'pass', NULL, NULL, NULL, NULL, 0.5);
             INSERT INTO results VALUES (2, 1, 'check', 'broken', 'pod reaches pod', 'fail', NULL, NULL, NULL, NULL, 0.5);",
        )
        .unwrap();
        let fails: i64 = c
            .query_row(
                "SELECT count(*) FROM results WHERE verdict = 'fail'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(fails, 0, "the crafted key dropped the failing row");
    }
    let before = std::fs::read(&db).unwrap();
    let os = std::ffi::OsStr::new;
    let (code, out, err) = nightly(
        dir.path(),
        &[
            os("report"),
            os("--db"),
            os("evil.db"),
            os("--fail-on"),
            os("any"),
        ],
    );
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(!out.contains("0 failing"), "{out}");
    assert!(
        err.contains("history database evil.db:") && err.contains("`results`"),
        "{err}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

/// The probe's steps on a real lab: a good night into a history, the
/// history crafted (`evildb.py`), the lab changed so that two checks
/// really fail. Into an honest copy of the history the night fails (exit
/// 1, "2 failing"); into the crafted one it said "0 failing", exit 0. Now
/// the crafted history is refused before anything runs (exit 2, untouched).
///
/// Seen failing before the exact schema check: the crafted history's
/// night gave exit 0 and "0 failing (0 new)".
#[test]
fn a_crafted_history_does_not_hide_tonights_failures() {
    require_root();
    let name = unique_name("ndb");
    let lab = copy_lab("chapter4", &name);
    let work = tempfile::tempdir().unwrap();
    let p = |f: &str| work.path().join(f);
    let run = |db: &str, night: &str, out: &str| {
        nightly(
            work.path(),
            &[
                lab.path().as_os_str(),
                "--providers".as_ref(),
                "netns".as_ref(),
                "--night".as_ref(),
                night.as_ref(),
                "--db".as_ref(),
                db.as_ref(),
                "--out".as_ref(),
                out.as_ref(),
            ],
        )
    };
    let (code, out, err) = run("good.db", "night-1", "o1");
    assert_eq!(code, Some(0), "{out}{err}");
    std::fs::copy(p("good.db"), p("evil.db")).unwrap();
    assert!(greenwash(&p("evil.db")) > 0);
    std::fs::copy(p("good.db"), p("honest.db")).unwrap();
    edit(
        &lab.path().join("lab.yaml"),
        "expect: { reachable: true, ttl: 64 }",
        "expect: unreachable",
    );

    let before = std::fs::read(p("evil.db")).unwrap();
    let (code, out, err) = run("evil.db", "night-2", "oe");
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(!out.contains("0 failing"), "{out}");
    assert!(
        err.contains("history database evil.db:") && err.contains("`results`"),
        "{err}"
    );
    assert_eq!(std::fs::read(p("evil.db")).unwrap(), before);

    let (code, out, err) = run("honest.db", "night-2", "oh");
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("2 failing (2 new)"), "{out}");
}
