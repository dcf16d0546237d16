//! Histories crafted the probe21bv way and its neighbours: lab's columns
//! kept, what they do changed (a conflict clause, a foreign key, a
//! `CHECK`, a `DEFAULT`, a collation, an index of its own), or rows planted
//! for a run not yet written; each refused by every way a history is
//! opened, untouched. And what is not a difference (whitespace, comments,
//! `ANALYZE`'s statistics) is not refused.

use super::super::{History, NightStatus, ResultKind, ResultRow, RunData, RunStatus, Verdict};
use super::normalised;
use crate::history::merge;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// A lab history at `dir/name` with one night and one run of two results.
fn history(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let mut h = History::open(&path).unwrap();
    let n = h.begin_night("n1", "2026-12-06T03:00:00Z", None).unwrap();
    let mut d = RunData::empty(RunStatus::Passed);
    for name in ["node reaches pod", "pod reaches pod"] {
        d.results.push(ResultRow {
            kind: ResultKind::Check,
            variant: "broken".into(),
            name: name.into(),
            verdict: Verdict::Pass,
            detail: None,
            path: None,
            expected: None,
            observed: None,
            duration_s: Some(0.5),
        });
    }
    d.inputs.insert("kernel".into(), "6.1".into());
    h.record_run(n, "chapter4", "netns", &d).unwrap();
    h.finish_night(n, NightStatus::Complete, "2026-12-06T03:10:00Z")
        .unwrap();
    drop(h);
    let _ = std::fs::remove_file(super::super::lock_path(&path));
    path
}

/// `table` made again from its own SQL with `from` replaced by `to`, its
/// rows kept (references to it left as they are, foreign keys off).
fn rebuild(c: &Connection, table: &str, from: &str, to: &str) {
    let sql: String = c
        .query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )
        .unwrap();
    assert!(sql.contains(from), "{table}: {from:?} not in {sql}");
    let indexes: Vec<String> = c
        .prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL")
        .unwrap()
        .query_map([table], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    c.execute_batch(&format!(
        "PRAGMA foreign_keys = OFF; PRAGMA legacy_alter_table = ON;
         ALTER TABLE {table} RENAME TO {table}_old; {};
         INSERT INTO {table} SELECT * FROM {table}_old; DROP TABLE {table}_old; {};",
        sql.replace(from, to),
        indexes.join(";")
    ))
    .unwrap();
}

/// Every way a history is opened refuses `path` (exit 2, "nothing was
/// changed", naming `names`) and leaves it as it was, without a lock file.
fn refused_everywhere(path: &Path, names: &str) {
    let before = std::fs::read(path).unwrap();
    type Open = fn(&Path) -> crate::error::Result<()>;
    let ways: [(&str, Open); 3] = [
        ("open", |p| History::open(p).map(drop)),
        ("read", |p| {
            History::open_read(p).and_then(|h| h.load()).map(drop)
        }),
        ("merge source", |p| merge::read_source(p).map(drop)),
    ];
    for (what, way) in ways {
        let e = way(path).expect_err(what);
        let m = e.to_string();
        assert_eq!(e.exit_code(), 2, "{what}: {m}");
        assert!(
            m.contains(&format!("history database {}:", path.display())),
            "{what}: {m}"
        );
        assert!(m.contains(names), "{what}: {names:?} not in {m}");
        assert!(m.contains("nothing was changed"), "{what}: {m}");
        assert_eq!(std::fs::read(path).unwrap(), before, "{what} changed it");
        assert!(!super::super::lock_path(path).exists(), "{what}: a lock");
    }
}

/// The class of probe21bv finding 1: each crafted schema kept lab's
/// columns (the old check, `PRAGMA table_info`, passed them all) and
/// changed what SQLite does with lab's writes or reads.
/// Seen failing with the old check (columns only): the same crafts made
/// by a script beside the build before this fix, `lab nightly report`
/// gave exit 0 on every one but the added table; the ON CONFLICT IGNORE
/// case then hid tonight's failures (the it test `probe21bv_history`).
#[test]
fn a_schema_that_is_not_exactly_lab_s_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        (
            "ignore.db",
            "results",
            "PRIMARY KEY (run_id, seq)",
            "PRIMARY KEY (run_id, seq) ON CONFLICT IGNORE",
            "`results`",
        ),
        (
            "nofk.db",
            "results",
            "REFERENCES runs(id) ON DELETE CASCADE",
            "",
            "`results`",
        ),
        (
            "nocascade.db",
            "steps",
            "ON DELETE CASCADE",
            "ON DELETE SET NULL",
            "`steps`",
        ),
        (
            "check.db",
            "results",
            "CHECK (verdict IN ('pass', 'fail', 'error', 'skip'))",
            "CHECK (verdict IN ('pass', 'error', 'skip'))",
            "`results`",
        ),
        (
            "default.db",
            "results",
            "verdict    TEXT NOT NULL",
            "verdict    TEXT NOT NULL DEFAULT 'pass'",
            "`results`",
        ),
        (
            "collate.db",
            "runs",
            "lab          TEXT NOT NULL",
            "lab          TEXT NOT NULL COLLATE NOCASE",
            "`runs`",
        ),
        (
            "replace.db",
            "runs",
            "UNIQUE (night_id, lab, provider)",
            "UNIQUE (night_id, lab, provider) ON CONFLICT REPLACE",
            "`runs`",
        ),
        (
            "nulls.db",
            "nights",
            "name        TEXT NOT NULL UNIQUE",
            "name        TEXT NOT NULL UNIQUE ON CONFLICT IGNORE",
            "`nights`",
        ),
    ];
    for (file, table, from, to, names) in cases {
        let path = history(dir.path(), file);
        rebuild(&Connection::open(&path).unwrap(), table, from, to);
        refused_everywhere(&path, names);
    }
    for (file, sql, names) in [
        (
            "unique.db",
            "CREATE UNIQUE INDEX planted ON results(run_id, name)",
            "index `planted` on `results`",
        ),
        (
            "partial.db",
            "CREATE INDEX planted ON results(verdict) WHERE verdict = 'fail'",
            "index `planted` on `results`",
        ),
        ("table.db", "CREATE TABLE planted (x)", "table `planted`"),
        (
            "dropped.db",
            "DROP INDEX runs_by_night",
            "no index `runs_by_night`",
        ),
    ] {
        let path = history(dir.path(), file);
        Connection::open(&path).unwrap().execute_batch(sql).unwrap();
        refused_everywhere(&path, names);
    }
}

/// The probe's planted rows with lab's exact schema: rows of run ids not
/// yet written (they would stand for tonight's run when its own rows are
/// refused or dropped), a run of no night, a run whose count is not its
/// rows'. Seen failing with the build before this fix (the same rows
/// planted by a script): `lab nightly report` gave exit 0 on each.
#[test]
fn rows_of_no_run_and_miscounted_runs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (file, sql, names) in [
        (
            "future.db",
            "INSERT INTO results SELECT run_id + 1, seq, kind, variant, name, verdict, detail,
                    path, expected, observed, duration_s FROM results",
            "`results` has 2 rows whose run_id names no row of `runs` (run_id 2, above its highest id, 1",
        ),
        (
            "steps.db",
            "INSERT INTO steps VALUES (7, 0, 'up', 'up', 'broken', 1, 0.5)",
            "`steps` has 1 row whose run_id names no row of `runs`",
        ),
        (
            "orphan_run.db",
            "INSERT INTO runs (id, night_id, lab, provider, status) VALUES (5, 9, 'x', 'netns', 'passed')",
            "`runs` has 1 row whose night_id names no row of `nights`",
        ),
        (
            "count.db",
            "DELETE FROM results WHERE seq = 1",
            "its run 1 says it has 2 results but `results` holds 1 of it",
        ),
    ] {
        let path = history(dir.path(), file);
        let c = Connection::open(&path).unwrap();
        c.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        c.execute_batch(sql).unwrap();
        drop(c);
        refused_everywhere(&path, names);
    }
}

/// What is not a difference is not refused: the same schema typed with
/// other whitespace and comments, and the statistics of `ANALYZE`.
#[test]
fn the_same_schema_typed_otherwise_is_lab_s() {
    let dir = tempfile::tempdir().unwrap();
    let path = history(dir.path(), "spaced.db");
    rebuild(
        &Connection::open(&path).unwrap(),
        "results",
        "PRIMARY KEY (run_id, seq)",
        "PRIMARY  KEY(\n  run_id ,seq ) -- the key\n",
    );
    Connection::open(&path)
        .unwrap()
        .execute_batch("ANALYZE")
        .unwrap();
    let h = History::open(&path).unwrap();
    assert_eq!(h.load().unwrap().nights[0].runs[0].data.results.len(), 2);
}

#[test]
fn normalising_keeps_words_and_quotes_and_drops_layout() {
    assert_eq!(
        normalised("CREATE TABLE t (\n  a TEXT ,\n  b /* c */ INT -- d\n)"),
        "CREATE TABLE t(a TEXT,b INT)"
    );
    assert_eq!(
        normalised("CHECK (x IN ('a  b', \"c -- d\"))"),
        "CHECK(x IN('a  b',\"c -- d\"))"
    );
    assert_ne!(
        normalised("KEY (a) ON CONFLICT IGNORE"),
        normalised("KEY (a)")
    );
}

/// Defence in depth: a history that drops rows as they are written (here
/// with its schema check passed by, as a history the check did not see
/// through would) makes the run's write fail, exit 3, nothing of the run
/// kept. Seen failing without `landed::check`: the run was recorded with
/// its failing row dropped and the planted pass in its place.
#[test]
fn a_run_whose_rows_do_not_land_is_not_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let path = history(dir.path(), "drops.db");
    let c = Connection::open(&path).unwrap();
    rebuild(
        &c,
        "results",
        "PRIMARY KEY (run_id, seq)",
        "PRIMARY KEY (run_id, seq) ON CONFLICT IGNORE",
    );
    c.execute_batch(
        "INSERT INTO results SELECT 2, seq, kind, variant, name, verdict, detail,
                path, expected, observed, duration_s FROM results WHERE run_id = 1",
    )
    .unwrap();
    drop(c);
    let mut h = History {
        conn: Connection::open(&path).unwrap(),
        path: path.clone(),
        _lock: None,
    };
    let n = h.begin_night("n2", "2026-12-07T03:00:00Z", None).unwrap();
    let mut d = RunData::empty(RunStatus::Failed);
    d.results.push(ResultRow {
        kind: ResultKind::Check,
        variant: "broken".into(),
        name: "node reaches pod".into(),
        verdict: Verdict::Fail,
        detail: None,
        path: None,
        expected: None,
        observed: None,
        duration_s: None,
    });
    let e = h.record_run(n, "chapter4", "netns", &d).unwrap_err();
    assert_eq!(e.exit_code(), 3, "{e}");
    let m = e.to_string();
    assert!(m.contains("did not land as written"), "{m}");
    assert!(
        m.contains("1 results (1 failing) were written, 2 (0 failing) are there"),
        "{m}"
    );
    let runs: i64 = h
        .conn
        .query_row("SELECT count(*) FROM runs WHERE night_id = ?1", [n], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(runs, 0, "the run's write was rolled back");
}
