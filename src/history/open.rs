//! Opening the history database: refused before anything changes when it
//! is not SQLite, is of another program or a newer `lab`, cannot be
//! written, or another writer holds it; then migrated ([`super::schema`])
//! and cleared of what a dead writer left `running`.

use super::{History, bad, check_header, lock_path, schema};
use crate::error::{LabError, Result};
use rusqlite::{Connection, OpenFlags, params};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

impl History {
    /// Open (or create) the database at `path` for writing: refused when it
    /// is not SQLite, is from a newer `lab`, cannot be written, or another
    /// nightly writes it now. Runs the migrations it lacks, and marks what a
    /// dead writer left `running` as incomplete.
    pub fn open(path: &Path) -> Result<History> {
        let exists = check_header(path)?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !exists {
            std::fs::create_dir_all(&dir).map_err(|e| bad(path, e))?;
        }
        // SQLite writes its journal beside the file: both must be writable.
        use nix::unistd::{AccessFlags, access};
        // A file nobody may write (`chmod a-w`) is read-only also for root,
        // whom the kernel would let write it.
        let no_write_bits = || {
            use std::os::unix::fs::PermissionsExt;
            std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o222 == 0)
        };
        if exists && (access(path, AccessFlags::W_OK).is_err() || no_write_bits()) {
            return Err(bad(path, "is read-only; nothing was changed"));
        }
        if access(&dir, AccessFlags::W_OK).is_err() {
            return Err(bad(
                path,
                format!(
                    "its folder {} is read-only (SQLite writes its journal there); nothing was changed",
                    dir.display()
                ),
            ));
        }
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(lock_path(path))
            .map_err(|e| bad(path, format!("its lock file: {e}")))?;
        // SAFETY: flock on a file descriptor this process owns.
        if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            return Err(LabError::Busy {
                name: path.display().to_string(),
                holder: "another `lab nightly`".into(),
            });
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| bad(path, e))?;
        let mut h = History {
            conn,
            path: path.to_path_buf(),
            _lock: Some(lock),
        };
        h.prepare()?;
        h.migrate()?;
        h.settle_dead_writers()?;
        Ok(h)
    }

    /// Open an existing database to read it (a dashboard, a merge's
    /// source): never written, also when it is read-only.
    pub fn open_read(path: &Path) -> Result<History> {
        if !check_header(path)? {
            return Err(bad(path, "does not exist"));
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| bad(path, e))?;
        let h = History {
            conn,
            path: path.to_path_buf(),
            _lock: None,
        };
        h.prepare()?;
        let v = h.version()?;
        if v != schema::current_version() {
            return Err(bad(
                path,
                format!(
                    "has schema version {v}, this lab reads version {}{}",
                    schema::current_version(),
                    if v > schema::current_version() {
                        " (it was written by a newer lab; use that one)"
                    } else {
                        " (open it with `lab nightly` once to migrate it)"
                    }
                ),
            ));
        }
        Ok(h)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn prepare(&self) -> Result<()> {
        self.conn
            .busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| bad(&self.path, e))?;
        self.conn
            .execute_batch("PRAGMA foreign_keys = ON;")
            .map_err(|e| bad(&self.path, e))?;
        // Reading the header proves the file is a database SQLite accepts.
        self.conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
            .map_err(|e| {
                bad(
                    &self.path,
                    format!("is not a readable SQLite database: {e}"),
                )
            })
    }

    pub(super) fn version(&self) -> Result<i64> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| bad(&self.path, e))
    }

    fn migrate(&mut self) -> Result<()> {
        let v = self.version()?;
        let cur = schema::current_version();
        if v > cur {
            return Err(bad(
                &self.path,
                format!(
                    "has schema version {v}, newer than this lab's {cur} (it was written by a newer lab); nothing was changed"
                ),
            ));
        }
        if v == 0 {
            // A database of ours always has the migrations table; an empty
            // file is fine, a foreign database is not ours to change.
            let tables: i64 = self
                .conn
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                    [],
                    |r| r.get(0),
                )
                .map_err(|e| bad(&self.path, e))?;
            if tables > 0 {
                return Err(bad(
                    &self.path,
                    "is a SQLite database of something else (it has tables but no lab schema version); nothing was changed",
                ));
            }
        }
        let path = self.path.clone();
        for (i, m) in schema::MIGRATIONS.iter().enumerate().skip(v as usize) {
            let n = i as i64 + 1;
            let tx = self.conn.transaction().map_err(|e| bad(&path, e))?;
            tx.execute_batch(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, description TEXT NOT NULL)",
            )
            .map_err(|e| bad(&path, e))?;
            tx.execute_batch(m.sql)
                .map_err(|e| bad(&path, format!("migration {n}: {e}")))?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at, description) VALUES (?1, ?2, ?3)",
                params![n, crate::clock::Utc::now().rfc3339(), m.description],
            )
            .map_err(|e| bad(&path, e))?;
            tx.pragma_update(None, "user_version", n)
                .map_err(|e| bad(&path, e))?;
            tx.commit().map_err(|e| bad(&path, e))?;
        }
        Ok(())
    }

    /// What a writer that died left `running`: we hold the lock, so it is
    /// not running any more.
    fn settle_dead_writers(&mut self) -> Result<()> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| bad(&path, e))?;
        tx.execute(
            "UPDATE runs SET status = 'interrupted', reason = 'the nightly that ran it was killed before it finished'
             WHERE status = 'running'",
            [],
        )
        .map_err(|e| bad(&path, e))?;
        tx.execute(
            "UPDATE nights SET status = 'incomplete' WHERE status = 'running'",
            [],
        )
        .map_err(|e| bad(&path, e))?;
        tx.commit().map_err(|e| bad(&path, e))
    }

    pub(super) fn err(&self, e: rusqlite::Error) -> LabError {
        LabError::Step {
            step: "history database".into(),
            message: format!("{}: {e}", self.path.display()),
        }
    }
}
