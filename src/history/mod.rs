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
//! - [`ingest`]: a run's JSON report (the versioned run record, or the
//!   older shape) into a [`RunData`];
//! - [`analysis`]: what is newly failing, recovered, flaky, gone;
//! - [`merge`]: databases written by parallel machines, into one.

pub mod analysis;
pub mod ingest;
pub mod merge;
pub mod schema;

use crate::error::{LabError, Result};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::collections::BTreeMap;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// The verdict of one result, across checks and book blocks: the run
/// record's own.
pub use crate::report::Verdict;

/// Whether a result is a check of `lab test` or a block of `lab book`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResultKind {
    Check,
    Block,
}

impl ResultKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ResultKind::Check => "check",
            ResultKind::Block => "block",
        }
    }
    fn parse(s: &str) -> ResultKind {
        if s == "block" {
            ResultKind::Block
        } else {
            ResultKind::Check
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunStatus {
    /// Still running, or its writer died (then shown as interrupted).
    Running,
    /// Every check held.
    Passed,
    /// A check did not hold.
    Failed,
    /// The run itself failed (bring-up, teardown, no report).
    Error,
    /// Stopped by a signal, or its writer was killed.
    Interrupted,
    /// The provider cannot run here; `reason` says why.
    NotRun,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Passed => "passed",
            RunStatus::Failed => "failed",
            RunStatus::Error => "error",
            RunStatus::Interrupted => "interrupted",
            RunStatus::NotRun => "not_run",
        }
    }
    fn parse(s: &str) -> RunStatus {
        match s {
            "running" => RunStatus::Running,
            "passed" => RunStatus::Passed,
            "failed" => RunStatus::Failed,
            "error" => RunStatus::Error,
            "interrupted" => RunStatus::Interrupted,
            _ => RunStatus::NotRun,
        }
    }
    /// The run reached its checks and reported them (passed or failed).
    pub fn completed(self) -> bool {
        matches!(self, RunStatus::Passed | RunStatus::Failed)
    }
}

/// How a night ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NightStatus {
    Running,
    Complete,
    /// Its writer died (`kill -9`, a crash): some runs may be missing.
    Incomplete,
    /// Stopped by Ctrl-C or a signal.
    Interrupted,
}

impl NightStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            NightStatus::Running => "running",
            NightStatus::Complete => "complete",
            NightStatus::Incomplete => "incomplete",
            NightStatus::Interrupted => "interrupted",
        }
    }
    fn parse(s: &str) -> NightStatus {
        match s {
            "running" => NightStatus::Running,
            "complete" => NightStatus::Complete,
            "interrupted" => NightStatus::Interrupted,
            _ => NightStatus::Incomplete,
        }
    }
}

/// One check or book-block result.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultRow {
    pub kind: ResultKind,
    /// The variant of a check; empty for a book block.
    pub variant: String,
    pub name: String,
    pub verdict: Verdict,
    /// The book's own word (`known_drift`, `not_understood`...), if any.
    pub detail: Option<String>,
    pub path: Option<String>,
    pub expected: Option<String>,
    pub observed: Option<String>,
    pub duration_s: Option<f64>,
}

/// One bring-up, switch or teardown step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRow {
    pub name: String,
    /// `up`, `apply` or `destroy`.
    pub phase: String,
    pub variant: String,
    pub ok: bool,
    pub duration_s: f64,
}

/// Everything one run (a lab on a provider, one night) produced.
#[derive(Debug, Clone, PartialEq)]
pub struct RunData {
    pub status: RunStatus,
    /// Why it was not run, or the run-level error.
    pub reason: Option<String>,
    /// The run's own id (the run record's `run_id`), if it has one.
    pub run_id: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub duration_s: Option<f64>,
    pub host: Option<String>,
    pub kernel: Option<String>,
    /// What the results depend on: `file:lab.yaml`, `cni_image`,
    /// `kubernetes`, `kernel`, `git_commit`... (see [`ingest`]).
    pub inputs: BTreeMap<String, String>,
    pub steps: Vec<StepRow>,
    pub results: Vec<ResultRow>,
    /// The run's own record, as `lab test` wrote it (stored whole, read back
    /// as the same type); None for a run that wrote none (not run, killed)
    /// and for runs stored before schema version 2.
    pub record: Option<Box<crate::report::run::RunReport>>,
}

impl RunData {
    /// A run that did not happen, with why.
    pub fn not_run(reason: impl Into<String>) -> RunData {
        RunData {
            status: RunStatus::NotRun,
            reason: Some(reason.into()),
            ..RunData::empty(RunStatus::NotRun)
        }
    }

    pub fn empty(status: RunStatus) -> RunData {
        RunData {
            status,
            reason: None,
            run_id: None,
            started_at: None,
            finished_at: None,
            duration_s: None,
            host: None,
            kernel: None,
            inputs: BTreeMap::new(),
            steps: Vec::new(),
            results: Vec::new(),
            record: None,
        }
    }
}

/// A run as stored, with where it belongs.
#[derive(Debug, Clone)]
pub struct Run {
    pub lab: String,
    pub provider: String,
    pub data: RunData,
}

/// A night as stored, with its runs.
#[derive(Debug, Clone)]
pub struct Night {
    pub name: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub status: NightStatus,
    pub host: Option<String>,
    pub runs: Vec<Run>,
}

/// The whole history, nights oldest first.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub nights: Vec<Night>,
}

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

    fn version(&self) -> Result<i64> {
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

    fn err(&self, e: rusqlite::Error) -> LabError {
        LabError::Step {
            step: "history database".into(),
            message: format!("{}: {e}", self.path.display()),
        }
    }

    /// Whether a night of that name is recorded.
    pub fn has_night(&self, name: &str) -> Result<bool> {
        self.night_id(name).map(|n| n.is_some())
    }

    fn night_id(&self, name: &str) -> Result<Option<i64>> {
        self.conn
            .query_row("SELECT id FROM nights WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Record a night that starts now (status `running`).
    pub fn begin_night(&self, name: &str, started_at: &str, host: Option<&str>) -> Result<i64> {
        self.conn
            .execute(
                "INSERT INTO nights (name, started_at, status, host) VALUES (?1, ?2, 'running', ?3)",
                params![name, started_at, host],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The night ends.
    pub fn finish_night(&self, night: i64, status: NightStatus, finished_at: &str) -> Result<()> {
        self.conn
            .execute(
                "UPDATE nights SET status = ?2, finished_at = ?3 WHERE id = ?1",
                params![night, status.as_str(), finished_at],
            )
            .map_err(|e| self.err(e))
            .map(drop)
    }

    /// A run starts: its row says `running` until [`History::record_run`]
    /// replaces it.
    pub fn begin_run(&self, night: i64, lab: &str, provider: &str, started_at: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO runs (night_id, lab, provider, status, started_at) VALUES (?1, ?2, ?3, 'running', ?4)
                 ON CONFLICT (night_id, lab, provider) DO UPDATE SET status = 'running', started_at = ?4",
                params![night, lab, provider, started_at],
            )
            .map_err(|e| self.err(e))
            .map(drop)
    }

    /// Record a whole run (its row, results, steps and inputs) in one
    /// transaction, replacing what the night had for that lab and provider.
    pub fn record_run(&mut self, night: i64, lab: &str, provider: &str, d: &RunData) -> Result<()> {
        let path = self.path.clone();
        let e = |e: rusqlite::Error| LabError::Step {
            step: "history database".into(),
            message: format!("{}: {e}", path.display()),
        };
        let tx = self.conn.transaction().map_err(e)?;
        tx.execute(
            "DELETE FROM runs WHERE night_id = ?1 AND lab = ?2 AND provider = ?3",
            params![night, lab, provider],
        )
        .map_err(e)?;
        tx.execute(
            "INSERT INTO runs (night_id, lab, provider, status, reason, run_id, started_at, finished_at,
                               duration_s, host, kernel, result_count, record)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                night,
                lab,
                provider,
                d.status.as_str(),
                d.reason,
                d.run_id,
                d.started_at,
                d.finished_at,
                d.duration_s,
                d.host,
                d.kernel,
                d.results.len() as i64,
                d.record.as_ref().map(|r| r.to_json())
            ],
        )
        .map_err(e)?;
        let run = tx.last_insert_rowid();
        {
            let mut ins = tx
                .prepare(
                    "INSERT INTO results (run_id, seq, kind, variant, name, verdict, detail, path, expected, observed, duration_s)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )
                .map_err(e)?;
            for (i, r) in d.results.iter().enumerate() {
                ins.execute(params![
                    run,
                    i as i64,
                    r.kind.as_str(),
                    r.variant,
                    r.name,
                    r.verdict.key(),
                    r.detail,
                    r.path,
                    r.expected,
                    r.observed,
                    r.duration_s
                ])
                .map_err(e)?;
            }
            let mut ins = tx
                .prepare(
                    "INSERT INTO steps (run_id, seq, name, phase, variant, ok, duration_s)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(e)?;
            for (i, s) in d.steps.iter().enumerate() {
                ins.execute(params![
                    run,
                    i as i64,
                    s.name,
                    s.phase,
                    s.variant,
                    s.ok,
                    s.duration_s
                ])
                .map_err(e)?;
            }
            let mut ins = tx
                .prepare("INSERT INTO inputs (run_id, key, value) VALUES (?1, ?2, ?3)")
                .map_err(e)?;
            for (k, v) in &d.inputs {
                ins.execute(params![run, k, v]).map_err(e)?;
            }
        }
        tx.commit().map_err(e)
    }

    /// Record a night that is over (a merge, a seeded history): the night
    /// if it is new, each run in a transaction of its own.
    pub fn upsert_night(&self, n: &Night) -> Result<i64> {
        match self.night_id(&n.name)? {
            Some(id) => Ok(id),
            None => {
                self.conn
                    .execute(
                        "INSERT INTO nights (name, started_at, finished_at, status, host) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![
                            n.name,
                            n.started_at,
                            n.finished_at,
                            n.status.as_str(),
                            n.host
                        ],
                    )
                    .map_err(|e| self.err(e))?;
                Ok(self.conn.last_insert_rowid())
            }
        }
    }

    /// A merged night: its status and end, and the earlier of two starts.
    pub fn update_night(
        &self,
        night: i64,
        status: NightStatus,
        finished_at: Option<&str>,
        started_at: &str,
    ) -> Result<()> {
        self.conn
            .execute(
                "UPDATE nights SET status = ?2, finished_at = ?3, started_at = min(started_at, ?4) WHERE id = ?1",
                params![night, status.as_str(), finished_at, started_at],
            )
            .map_err(|e| self.err(e))
            .map(drop)
    }

    /// The whole history, oldest night first; runs in lab, provider order.
    pub fn load(&self) -> Result<Snapshot> {
        let e = |e| self.err(e);
        let mut nights: Vec<(i64, Night)> = Vec::new();
        {
            let mut q = self
                .conn
                .prepare("SELECT id, name, started_at, finished_at, status, host FROM nights ORDER BY started_at, id")
                .map_err(e)?;
            let rows = q
                .query_map([], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        Night {
                            name: r.get(1)?,
                            started_at: r.get(2)?,
                            finished_at: r.get(3)?,
                            status: NightStatus::parse(&r.get::<_, String>(4)?),
                            host: r.get(5)?,
                            runs: Vec::new(),
                        },
                    ))
                })
                .map_err(e)?;
            for row in rows {
                nights.push(row.map_err(e)?);
            }
        }
        let mut runs: BTreeMap<i64, (i64, Run)> = BTreeMap::new();
        {
            let mut q = self
                .conn
                .prepare(
                    "SELECT id, night_id, lab, provider, status, reason, run_id, started_at, finished_at,
                            duration_s, host, kernel, record FROM runs ORDER BY lab, provider",
                )
                .map_err(e)?;
            let rows = q
                .query_map([], |r| {
                    let mut d = RunData::empty(RunStatus::parse(&r.get::<_, String>(4)?));
                    d.reason = r.get(5)?;
                    d.run_id = r.get(6)?;
                    d.started_at = r.get(7)?;
                    d.finished_at = r.get(8)?;
                    d.duration_s = r.get(9)?;
                    d.host = r.get(10)?;
                    d.kernel = r.get(11)?;
                    // A record this lab cannot read is left out, not fatal:
                    // the rows above still say what the run did.
                    d.record = r
                        .get::<_, Option<String>>(12)?
                        .and_then(|t| ingest::read_record(&t).ok())
                        .map(Box::new);
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        Run {
                            lab: r.get(2)?,
                            provider: r.get(3)?,
                            data: d,
                        },
                    ))
                })
                .map_err(e)?;
            for row in rows {
                let (id, night, run) = row.map_err(e)?;
                runs.insert(id, (night, run));
            }
        }
        {
            let mut q = self
                .conn
                .prepare(
                    "SELECT run_id, kind, variant, name, verdict, detail, path, expected, observed, duration_s
                     FROM results ORDER BY run_id, seq",
                )
                .map_err(e)?;
            let rows = q
                .query_map([], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        ResultRow {
                            kind: ResultKind::parse(&r.get::<_, String>(1)?),
                            variant: r.get(2)?,
                            name: r.get(3)?,
                            verdict: Verdict::from_key(&r.get::<_, String>(4)?)
                                .unwrap_or(Verdict::Error),
                            detail: r.get(5)?,
                            path: r.get(6)?,
                            expected: r.get(7)?,
                            observed: r.get(8)?,
                            duration_s: r.get(9)?,
                        },
                    ))
                })
                .map_err(e)?;
            for row in rows {
                let (id, res) = row.map_err(e)?;
                if let Some((_, run)) = runs.get_mut(&id) {
                    run.data.results.push(res);
                }
            }
        }
        {
            let mut q = self
                .conn
                .prepare(
                    "SELECT run_id, name, phase, variant, ok, duration_s FROM steps ORDER BY run_id, seq",
                )
                .map_err(e)?;
            let rows = q
                .query_map([], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        StepRow {
                            name: r.get(1)?,
                            phase: r.get(2)?,
                            variant: r.get(3)?,
                            ok: r.get(4)?,
                            duration_s: r.get(5)?,
                        },
                    ))
                })
                .map_err(e)?;
            for row in rows {
                let (id, s) = row.map_err(e)?;
                if let Some((_, run)) = runs.get_mut(&id) {
                    run.data.steps.push(s);
                }
            }
        }
        {
            let mut q = self
                .conn
                .prepare("SELECT run_id, key, value FROM inputs")
                .map_err(e)?;
            let rows = q
                .query_map([], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                })
                .map_err(e)?;
            for row in rows {
                let (id, k, v) = row.map_err(e)?;
                if let Some((_, run)) = runs.get_mut(&id) {
                    run.data.inputs.insert(k, v);
                }
            }
        }
        let index: BTreeMap<i64, usize> = nights
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (*id, i))
            .collect();
        for (_, (night, run)) in runs {
            if let Some(&i) = index.get(&night) {
                nights[i].1.runs.push(run);
            }
        }
        let mut nights: Vec<Night> = nights.into_iter().map(|(_, n)| n).collect();
        // A reader (no lock) sees a night whose writer is gone as what it is.
        if self._lock.is_none() && !lock_held(&self.path) {
            for n in &mut nights {
                if n.status == NightStatus::Running {
                    n.status = NightStatus::Incomplete;
                }
                for r in &mut n.runs {
                    if r.data.status == RunStatus::Running {
                        r.data.status = RunStatus::Interrupted;
                    }
                }
            }
        }
        Ok(Snapshot { nights })
    }
}

/// Whether a writer holds the database's lock now.
fn lock_held(path: &Path) -> bool {
    let Ok(f) = std::fs::File::open(lock_path(path)) else {
        return false;
    };
    // SAFETY: flock on a file descriptor this process owns.
    unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_SH | libc::LOCK_NB) != 0 }
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
