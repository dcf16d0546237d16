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
//! database from a newer `lab`, a file that is not SQLite, one whose
//! schema is not exactly its version's or whose rows name no run
//! ([`exact`]), or one that cannot be written is refused before anything
//! is changed; a run's rows are read back before they commit ([`landed`]).
//!
//! - `model`: the nights, runs and rows as stored; `open`: opening,
//!   locking and migrating; `write`: the writes; `load`: the read of the
//!   whole history, within the bounds `bounds` checks with SQL first;
//! - [`ingest`]: a run's JSON report (the versioned run record, or the
//!   older shape) into a [`RunData`];
//! - [`analysis`]: what is newly failing, recovered, flaky, gone;
//! - [`merge`]: databases written by parallel machines, into one;
//!   [`merge_check`]: what a merge refuses before anything changes.

pub mod analysis;
mod bounds;
#[cfg(test)]
pub(crate) mod bounds_tests;
mod exact;
pub mod ingest;
mod landed;
mod load;
pub mod merge;
pub mod merge_check;
#[cfg(test)]
mod merge_tests;
mod model;
mod open;
mod sameness;
pub mod schema;
mod write;

pub use model::{
    Night, NightStatus, ResultKind, ResultRow, Run, RunData, RunStatus, Snapshot, StepRow, Verdict,
};
pub use open::Made;

use crate::error::{LabError, Result};
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// An open history database.
pub struct History {
    conn: Connection,
    path: PathBuf,
    /// The writer's lock, held while open for writing.
    _lock: Option<open::Flock>,
}

/// A database problem: exit 2, nothing changed.
fn bad(path: &Path, why: impl std::fmt::Display) -> LabError {
    LabError::Usage(format!("history database {}: {why}", path.display()))
}

const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";

/// Open `path` to read without blocking (`O_NONBLOCK`: a FIFO would wait
/// for a writer, a device never ends) and refuse, by its type, what is not
/// a regular file. `None` when it does not exist.
fn open_regular(path: &Path) -> Result<Option<std::fs::File>> {
    use std::os::unix::fs::OpenOptionsExt;
    let f = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(bad(path, e)),
    };
    let t = f.metadata().map_err(|e| bad(path, e))?.file_type();
    if t.is_dir() {
        return Err(bad(path, "is a folder; name a file"));
    }
    if !t.is_file() {
        return Err(bad(
            path,
            format!(
                "is {}, not a database file; nothing was changed",
                crate::input_file::kind(t)
            ),
        ));
    }
    Ok(Some(f))
}

/// Refuse, before SQLite touches it, a file that is not a SQLite database
/// (by its type, then by its first bytes). Whether it exists.
fn check_header(path: &Path) -> Result<bool> {
    use std::io::Read;
    let Some(mut f) = open_regular(path)? else {
        return Ok(false);
    };
    let len = f.metadata().map_err(|e| bad(path, e))?.len();
    if len == 0 {
        return Ok(true);
    }
    let mut head = [0u8; 16];
    let n = f.read(&mut head).map_err(|e| bad(path, e))?;
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

/// Open the lock file beside `path` without blocking or following a
/// symlink, refusing what is not a regular file; `create` makes it (0600).
fn open_lock(path: &Path, create: bool) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(create)
        .create(create)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(lock_path(path))?;
    let t = f.metadata()?.file_type();
    if !t.is_file() {
        return Err(std::io::Error::other(format!(
            "{} is {}",
            lock_path(path).display(),
            crate::input_file::kind(t)
        )));
    }
    Ok(f)
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
                 INSERT INTO runs (id, night_id, lab, provider, status, result_count) VALUES (1, 1, 'chapter4', 'netns', 'passed', 1);
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

    /// The seventh probe's false green: a trigger planted in a history (a
    /// merge's target comes from a branch) turned every failing run and
    /// result it was given into a pass, and the night's exit was 0. A
    /// history with a trigger or a view (SQLite runs their code on a
    /// write or a read) is not lab's: refused, untouched.
    #[test]
    fn a_history_with_a_trigger_or_a_view_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        for (file, planted) in [
            (
                "trigger.db",
                "CREATE TRIGGER greenwash AFTER INSERT ON results BEGIN
                   UPDATE results SET verdict = 'pass' WHERE run_id = NEW.run_id AND seq = NEW.seq;
                 END;",
            ),
            (
                "view.db",
                "CREATE VIEW v AS SELECT * FROM runs WHERE status = 'passed';",
            ),
        ] {
            let path = dir.path().join(file);
            drop(History::open(&path).unwrap());
            Connection::open(&path)
                .unwrap()
                .execute_batch(planted)
                .unwrap();
            let before = std::fs::read(&path).unwrap();
            for e in [
                History::open(&path).err(),
                History::open_read(&path).err(),
                History::open_any(&path).err(),
            ] {
                let e = e
                    .expect("a history with code of its own is refused")
                    .to_string();
                assert!(e.contains("nothing was changed"), "{e}");
            }
            assert_eq!(std::fs::read(&path).unwrap(), before, "{file}");
        }
    }

    /// A history as a writer killed in the middle of a transaction leaves
    /// it: the database file with pages of the unfinished transaction and
    /// its hot journal beside it (`<db>-journal`), copied while the
    /// transaction is open.
    fn killed_mid_write(dir: &Path) -> PathBuf {
        let live = dir.join("live.db");
        {
            let h = History::open(&live).unwrap();
            let n = h.begin_night("n1", "2026-01-01T00:00:00Z", None).unwrap();
            h.finish_night(n, NightStatus::Complete, "2026-01-01T00:01:00Z")
                .unwrap();
        }
        let c = Connection::open(&live).unwrap();
        c.execute_batch(
            "PRAGMA journal_mode = DELETE; PRAGMA cache_size = 1; PRAGMA cache_spill = 1;
             BEGIN; UPDATE nights SET status = 'running';
             CREATE TABLE pad (x);",
        )
        .unwrap();
        for _ in 0..200 {
            c.execute("INSERT INTO pad VALUES (randomblob(3000))", [])
                .unwrap();
        }
        let copy = dir.join("h.db");
        std::fs::copy(&live, &copy).unwrap();
        std::fs::copy(dir.join("live.db-journal"), dir.join("h.db-journal")).unwrap();
        c.execute_batch("ROLLBACK").unwrap();
        copy
    }

    /// The seventh probe: `kill -9` of `lab nightly merge` in the middle of
    /// its transaction left a hot journal; from then on `report`, `merge`
    /// and `nightly` refused the history, exit 2, "is not a readable SQLite
    /// database: attempt to write a readonly database" (the read-only check
    /// cannot roll it back), and lab had no way to recover it. A writer now
    /// rolls it back under its lock (SQLite's own recovery) and checks the
    /// history after; a reader says what is there and what recovers it.
    #[test]
    fn a_writer_killed_mid_write_leaves_a_history_the_next_writer_recovers() {
        let dir = tempfile::tempdir().unwrap();
        let copy = killed_mid_write(dir.path());
        let e = History::open_read(&copy).err().unwrap().to_string();
        assert!(e.contains("h.db-journal") && e.contains("killed"), "{e}");
        let h = History::open(&copy).unwrap();
        let s = h.load().unwrap();
        assert_eq!(s.nights.len(), 1);
        assert_eq!(s.nights[0].status, NightStatus::Complete);
        drop(h);
        assert!(History::open_read(&copy).is_ok());
    }

    /// Runs `f` on another thread; `None` when it did not return within
    /// 10 s (it blocked). `unblock` then frees it.
    fn within<T: Send + 'static>(
        f: impl FnOnce() -> T + Send + 'static,
        unblock: impl FnOnce(),
    ) -> Option<T> {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        let r = rx.recv_timeout(std::time::Duration::from_secs(10)).ok();
        if r.is_none() {
            unblock();
        }
        r
    }

    #[test]
    fn a_fifo_or_a_device_is_refused_by_its_type_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("f.db");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        // A thread stuck in open() of the FIFO is freed by a writer.
        let free = |p: std::path::PathBuf| {
            move || {
                use std::os::unix::fs::OpenOptionsExt;
                let _ = std::fs::OpenOptions::new()
                    .write(true)
                    .custom_flags(libc::O_NONBLOCK)
                    .open(p);
            }
        };
        type Open = fn(&Path) -> Result<()>;
        let ways: [(&str, Open); 3] = [
            ("open", |p| History::open(p).map(drop)),
            ("open_read", |p| History::open_read(p).map(drop)),
            ("merge source", |p| merge::read_source(p).map(drop)),
        ];
        for (what, way) in ways {
            for (path, kind) in [
                (fifo.clone(), "a FIFO"),
                ("/dev/zero".into(), "a character device"),
            ] {
                let p = path.clone();
                let e = within(move || way(&p).err(), free(path.clone()))
                    .unwrap_or_else(|| panic!("{what} of {} blocked", path.display()))
                    .unwrap_or_else(|| panic!("{what} of {} was accepted", path.display()));
                assert_eq!(e.exit_code(), 2, "{what}: {e}");
                assert!(e.to_string().contains(kind), "{what}: {e}");
            }
        }
        assert!(!lock_path(&fifo).exists(), "no lock beside a refused file");
        // A FIFO where the lock file goes neither blocks a writer nor a reader.
        let db = dir.path().join("h.db");
        drop(History::open(&db).unwrap());
        std::fs::remove_file(lock_path(&db)).unwrap();
        nix::unistd::mkfifo(
            &lock_path(&db),
            nix::sys::stat::Mode::from_bits_truncate(0o600),
        )
        .unwrap();
        let p = db.clone();
        let r = within(move || History::open(&p).err(), free(lock_path(&db)))
            .expect("open with a FIFO lock blocked");
        let e = r.expect("a FIFO as the lock file is refused");
        assert!(e.to_string().contains("lock"), "{e}");
        let p = db.clone();
        within(
            move || History::open_read(&p).and_then(|h| h.load()).map(drop),
            free(lock_path(&db)),
        )
        .expect("a reader blocked on a FIFO lock")
        .unwrap();
    }

    /// Databases that are SQLite but not a lab history of their version.
    fn wrong_shapes(dir: &Path) -> Vec<(PathBuf, i64)> {
        let mut out = Vec::new();
        for (name, sql, v) in [
            ("t1.db", "CREATE TABLE t (x)", 1),
            (
                "runs1.db",
                "CREATE TABLE runs (x); CREATE TABLE inputs (key)",
                1,
            ),
            ("t2.db", "CREATE TABLE t (x)", 2),
        ] {
            let p = dir.join(name);
            let c = Connection::open(&p).unwrap();
            c.execute_batch(sql).unwrap();
            c.pragma_update(None, "user_version", v).unwrap();
            out.push((p, v));
        }
        // Version 2's tables with a column missing.
        let p = dir.join("cols2.db");
        let c = Connection::open(&p).unwrap();
        c.execute_batch(schema::MIGRATIONS[0].sql).unwrap();
        c.execute_batch("ALTER TABLE runs ADD COLUMN recorded TEXT")
            .unwrap();
        c.pragma_update(None, "user_version", 2).unwrap();
        out.push((p, 2));
        out
    }

    #[test]
    fn a_database_of_another_shape_is_bad_input_and_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        for (p, v) in wrong_shapes(dir.path()) {
            let before = std::fs::read(&p).unwrap();
            type Open = fn(&Path) -> Result<()>;
            let ways: [(&str, Open); 3] = [
                ("open", |p| History::open(p).map(drop)),
                ("read", |p| {
                    History::open_read(p).and_then(|h| h.load()).map(drop)
                }),
                ("merge source", |p| merge::read_source(p).map(drop)),
            ];
            for (what, way) in ways {
                let e = way(&p).expect_err(what);
                assert_eq!(e.exit_code(), 2, "{what} {}: {e}", p.display());
                if v >= 1 {
                    assert!(
                        e.to_string().contains(&format!("schema version {v}")),
                        "{what} {}: {e}",
                        p.display()
                    );
                }
                assert_eq!(std::fs::read(&p).unwrap(), before, "{what} changed it");
                assert!(
                    !lock_path(&p).exists(),
                    "{what} left {} beside a refused database",
                    lock_path(&p).display()
                );
            }
        }
    }

    #[test]
    fn refused_databases_leave_no_lock_file() {
        let dir = tempfile::tempdir().unwrap();
        let newer = dir.path().join("newer.db");
        drop(History::open(&newer).unwrap());
        std::fs::remove_file(lock_path(&newer)).unwrap();
        let c = Connection::open(&newer).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
        drop(c);
        let other = dir.path().join("other.db");
        let c = Connection::open(&other).unwrap();
        c.execute_batch("CREATE TABLE t (x)").unwrap();
        drop(c);
        for p in [newer, other] {
            assert!(History::open(&p).is_err());
            assert!(!lock_path(&p).exists(), "{}", p.display());
        }
    }

    #[test]
    fn a_huge_sparse_source_is_not_copied() {
        let dir = tempfile::tempdir().unwrap();
        let scratch = tempfile::tempdir().unwrap();
        // The current version is read where it is; an older one is copied
        // by its content (pages in use), not by its length.
        let current = dir.path().join("current.db");
        drop(History::open(&current).unwrap());
        let old = dir.path().join("old.db");
        {
            let c = Connection::open(&old).unwrap();
            c.execute_batch(schema::MIGRATIONS[0].sql).unwrap();
            c.execute_batch(
                "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, description TEXT NOT NULL);",
            )
            .unwrap();
            c.pragma_update(None, "user_version", 1).unwrap();
        }
        for p in [&current, &old] {
            std::fs::OpenOptions::new()
                .write(true)
                .open(p)
                .unwrap()
                .set_len(4 << 30)
                .unwrap();
            merge::read_source_in(p, scratch.path()).unwrap();
            for f in std::fs::read_dir(scratch.path()).unwrap() {
                let f = f.unwrap();
                let len = f.metadata().unwrap().len();
                assert!(
                    len < 1 << 20,
                    "{} copied {len} bytes of {}",
                    p.display(),
                    f.path().display()
                );
            }
        }
    }
}
