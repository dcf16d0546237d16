//! The nightly's memory: an embedded SQLite database (`.lab/history.db` by
//! default) of every night, every run (night × lab × provider), every check
//! or book-block result, every bring-up step's duration, and what each run
//! depended on (lab files' digests, flannel image, Kubernetes version,
//! kernel, git commit...), so that a dashboard can say when a check started
//! failing and what changed that night.
//!
//! Consistency: a run's rows are written in one transaction with their
//! count (`runs.result_count`); a night or run that was still `running`
//! when its writer died (`kill -9`) is found by the next writer, which holds
//! the database's lock file (`<db>.lock`, an `flock`) and marks them
//! `incomplete` / `interrupted`. The schema is versioned ([`schema`]); a
//! database from a newer `lab`, a file that is not SQLite, or one that
//! cannot be written is refused before anything is changed.
//!
//! - `model`: the nights, runs and rows as stored; `open`: opening,
//!   locking and migrating; `write`: the writes; `load`: the read of the
//!   whole history;
//! - [`ingest`]: a run's JSON report (the versioned run record, or the
//!   older shape) into a [`RunData`];
//! - [`analysis`]: what is newly failing, recovered, flaky, gone;
//! - [`merge`]: databases written by parallel machines, into one.

pub mod analysis;
pub mod ingest;
mod load;
pub mod merge;
mod model;
mod open;
pub mod schema;
mod write;

pub use model::{
    Night, NightStatus, ResultKind, ResultRow, Run, RunData, RunStatus, Snapshot, StepRow, Verdict,
};

use crate::error::{LabError, Result};
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// An open history database.
pub struct History {
    conn: Connection,
    path: PathBuf,
    /// The writer's lock, held while open for writing.
    _lock: Option<std::fs::File>,
}

/// A database problem: exit 2, nothing changed.
fn bad(path: &Path, why: impl std::fmt::Display) -> LabError {
    LabError::Usage(format!("history database {}: {why}", path.display()))
}

const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";

/// Refuse, before SQLite touches it, a file that is not a SQLite database.
fn check_header(path: &Path) -> Result<bool> {
    use std::io::Read;
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(bad(path, e)),
    };
    if meta.is_dir() {
        return Err(bad(path, "is a folder; name a file"));
    }
    if meta.len() == 0 {
        return Ok(true);
    }
    let mut head = [0u8; 16];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| bad(path, e))?;
    if n < 16 || head != SQLITE_MAGIC {
        return Err(bad(
            path,
            "is not a SQLite database (its first bytes are not \"SQLite format 3\"); nothing was changed",
        ));
    }
    Ok(true)
}

/// The lock file beside a database.
fn lock_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".lock");
    PathBuf::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(verdict: Verdict) -> RunData {
        let mut d = RunData::empty(RunStatus::Passed);
        d.inputs.insert("kernel".into(), "6.1".into());
        d.steps.push(StepRow {
            name: "namespaces".into(),
            phase: "up".into(),
            variant: "broken".into(),
            ok: true,
            duration_s: 0.25,
        });
        d.results.push(ResultRow {
            kind: ResultKind::Check,
            variant: "broken".into(),
            name: "node reaches pod".into(),
            verdict,
            detail: None,
            path: Some("node1 → pod".into()),
            expected: Some("reachable".into()),
            observed: Some("reachable".into()),
            duration_s: Some(0.5),
        });
        d
    }

    #[test]
    fn a_run_round_trips_and_replaces_the_one_before() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        let mut h = History::open(&path).unwrap();
        let n = h.begin_night("n1", "2026-01-01T00:00:00Z", None).unwrap();
        h.begin_run(n, "chapter4", "netns", "2026-01-01T00:00:00Z")
            .unwrap();
        h.record_run(n, "chapter4", "netns", &run(Verdict::Fail))
            .unwrap();
        h.record_run(n, "chapter4", "netns", &run(Verdict::Pass))
            .unwrap();
        h.finish_night(n, NightStatus::Complete, "2026-01-01T00:01:00Z")
            .unwrap();
        let s = h.load().unwrap();
        assert_eq!(s.nights.len(), 1);
        assert_eq!(s.nights[0].runs.len(), 1);
        assert_eq!(s.nights[0].runs[0].data, run(Verdict::Pass));
    }

    #[test]
    fn a_dead_writers_night_is_incomplete_for_the_next_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        {
            let h = History::open(&path).unwrap();
            let n = h.begin_night("n1", "2026-01-01T00:00:00Z", None).unwrap();
            h.begin_run(n, "chapter4", "netns", "2026-01-01T00:00:00Z")
                .unwrap();
            // Dropped without finishing: as if killed.
        }
        let s = History::open_read(&path).unwrap().load().unwrap();
        assert_eq!(s.nights[0].status, NightStatus::Incomplete);
        let h = History::open(&path).unwrap();
        let s = h.load().unwrap();
        assert_eq!(s.nights[0].status, NightStatus::Incomplete);
        assert_eq!(s.nights[0].runs[0].data.status, RunStatus::Interrupted);
    }

    #[test]
    fn a_version_1_database_is_migrated_and_its_rows_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            // The database as lab wrote it before the record was kept whole.
            let c = Connection::open(&path).unwrap();
            c.execute_batch(schema::MIGRATIONS[0].sql).unwrap();
            c.execute_batch(
                "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, description TEXT NOT NULL);
                 INSERT INTO schema_migrations VALUES (1, '2026-01-01T00:00:00Z', 'v1');
                 INSERT INTO nights (id, name, started_at, status) VALUES (1, 'n1', '2026-01-01T00:00:00Z', 'complete');
                 INSERT INTO runs (id, night_id, lab, provider, status) VALUES (1, 1, 'chapter4', 'netns', 'passed');
                 INSERT INTO results VALUES (1, 0, 'check', 'broken', 'a check', 'pass', NULL, NULL, NULL, NULL, 0.5);
                 INSERT INTO inputs VALUES (1, 'flannel_image', 'docker.io/flannel/flannel:v0.26.7');",
            )
            .unwrap();
            c.pragma_update(None, "user_version", 1).unwrap();
        }
        let h = History::open(&path).unwrap();
        assert_eq!(h.version().unwrap(), schema::current_version());
        let run = &h.load().unwrap().nights[0].runs[0].data;
        assert_eq!(
            run.inputs.get("cni_image").map(String::as_str),
            Some("docker.io/flannel/flannel:v0.26.7")
        );
        assert!(!run.inputs.contains_key("flannel_image"));
        assert_eq!(run.results[0].name, "a check");
        assert_eq!(run.record, None);
    }

    #[test]
    fn foreign_files_and_newer_schemas_are_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.db");
        std::fs::write(&text, "hello, not a database\n").unwrap();
        let e = History::open(&text).err().unwrap().to_string();
        assert!(e.contains("is not a SQLite database"), "{e}");
        assert_eq!(
            std::fs::read_to_string(&text).unwrap(),
            "hello, not a database\n"
        );

        let newer = dir.path().join("newer.db");
        drop(History::open(&newer).unwrap());
        let c = Connection::open(&newer).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
        drop(c);
        let before = std::fs::read(&newer).unwrap();
        let e = History::open(&newer).err().unwrap().to_string();
        assert!(e.contains("schema version 99"), "{e}");
        assert_eq!(std::fs::read(&newer).unwrap(), before);

        let other = dir.path().join("other.db");
        let c = Connection::open(&other).unwrap();
        c.execute_batch("CREATE TABLE t (x)").unwrap();
        drop(c);
        let e = History::open(&other).err().unwrap().to_string();
        assert!(e.contains("something else"), "{e}");
    }
}
