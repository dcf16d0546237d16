//! The history's writes: nights begun and finished, runs begun and
//! recorded (each whole, in one transaction), nights merged (each with
//! its runs, in one transaction).

use super::{History, Night, NightStatus, Run, RunData, bounds, landed};
use crate::error::{LabError, Result};
use rusqlite::{OptionalExtension, params};

impl History {
    /// Whether a night of that name is recorded.
    pub fn has_night(&self, name: &str) -> Result<bool> {
        self.night_id(name).map(|n| n.is_some())
    }

    /// Every night's name.
    pub fn night_names(&self) -> Result<Vec<String>> {
        let mut q = self
            .conn
            .prepare("SELECT name FROM nights ORDER BY id")
            .map_err(|e| self.err(e))?;
        q.query_map([], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
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
        let run = write_run(&tx, night, lab, provider, d).map_err(e)?;
        landed::check(&tx, run, d)
            .map_err(e)?
            .map_err(|why| not_landed(&path, lab, provider, &why))?;
        tx.commit().map_err(e)
    }

    /// Record a night that is over (a seeded history) if it is new; its
    /// runs are recorded after it ([`History::merge_night`] writes both at once).
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

    /// A merged night and the runs it takes, in one transaction: the night
    /// appears (or gets its new status) with all of those runs or not at
    /// all, so a merge killed between the two cannot leave a night marked
    /// complete without its runs. `joined` is the status and end of a night
    /// the target had (its start becomes the earlier of the two).
    pub fn merge_night(
        &mut self,
        n: &Night,
        joined: Option<(NightStatus, Option<&str>)>,
        runs: &[&Run],
    ) -> Result<()> {
        let path = self.path.clone();
        let e = |e: rusqlite::Error| LabError::Step {
            step: "history database".into(),
            message: format!("{}: {e}", path.display()),
        };
        // A savepoint: its own transaction alone, or part of a whole
        // merge's ([`super::merge::merge_all`]).
        let tx = self.conn.savepoint().map_err(e)?;
        let id: Option<i64> = tx
            .query_row("SELECT id FROM nights WHERE name = ?1", [&n.name], |r| {
                r.get(0)
            })
            .optional()
            .map_err(e)?;
        let id = match id {
            Some(id) => id,
            None => {
                tx.execute(
                    "INSERT INTO nights (name, started_at, finished_at, status, host) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![n.name, n.started_at, n.finished_at, n.status.as_str(), n.host],
                )
                .map_err(e)?;
                tx.last_insert_rowid()
            }
        };
        if let Some((status, finished_at)) = joined {
            tx.execute(
                "UPDATE nights SET status = ?2, finished_at = ?3, started_at = min(started_at, ?4) WHERE id = ?1",
                params![id, status.as_str(), finished_at, n.started_at],
            )
            .map_err(e)?;
        }
        for r in runs {
            let run = write_run(&tx, id, &r.lab, &r.provider, &r.data).map_err(e)?;
            landed::check(&tx, run, &r.data)
                .map_err(e)?
                .map_err(|why| not_landed(&path, &r.lab, &r.provider, &why))?;
        }
        tx.commit().map_err(e)
    }
}

/// A run whose rows did not land as written ([`landed`]): the write is
/// rolled back and lab fails (exit 3) rather than say what the history
/// holds instead.
fn not_landed(path: &std::path::Path, lab: &str, provider: &str, why: &str) -> LabError {
    LabError::Step {
        step: "history database".into(),
        message: format!(
            "{}: the run of {lab} on {provider} did not land as written ({why}); \
             it was not recorded: this history is not as lab writes it (check its schema, \
             or start a new one with --db)",
            path.display()
        ),
    }
}

/// A whole run's rows (its row, results, steps and inputs), replacing what
/// the night had for that lab and provider, in the caller's transaction;
/// the run's row id.
fn write_run(
    tx: &rusqlite::Connection,
    night: i64,
    lab: &str,
    provider: &str,
    d: &RunData,
) -> rusqlite::Result<i64> {
    tx.execute(
        "DELETE FROM runs WHERE night_id = ?1 AND lab = ?2 AND provider = ?3",
        params![night, lab, provider],
    )?;
    tx.execute(
            "INSERT INTO runs (night_id, lab, provider, status, reason, run_id, started_at, finished_at,
                               duration_s, host, kernel, result_count, record)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                night,
                lab,
                provider,
                d.status.as_str(),
                d.reason.as_deref().map(bounds::fit),
                d.run_id,
                d.started_at,
                d.finished_at,
                d.duration_s,
                d.host,
                d.kernel,
                d.results.len() as i64,
                d.record
                    .as_ref()
                    .map(|r| r.to_json())
                    .filter(|j| bounds::fits(j))
            ],
        )
        ?;
    let run = tx.last_insert_rowid();
    {
        let mut ins = tx
                .prepare(
                    "INSERT INTO results (run_id, seq, kind, variant, name, verdict, detail, path, expected, observed, duration_s)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )
                ?;
        for (i, r) in d.results.iter().enumerate() {
            ins.execute(params![
                run,
                i as i64,
                r.kind.as_str(),
                r.variant,
                r.name,
                r.verdict.key(),
                r.detail.as_deref().map(bounds::fit),
                r.path.as_deref().map(bounds::fit),
                r.expected.as_deref().map(bounds::fit),
                r.observed.as_deref().map(bounds::fit),
                r.duration_s
            ])?;
        }
        let mut ins = tx.prepare(
            "INSERT INTO steps (run_id, seq, name, phase, variant, ok, duration_s)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for (i, s) in d.steps.iter().enumerate() {
            ins.execute(params![
                run,
                i as i64,
                s.name,
                s.phase,
                s.variant,
                s.ok,
                s.duration_s
            ])?;
        }
        let mut ins = tx.prepare("INSERT INTO inputs (run_id, key, value) VALUES (?1, ?2, ?3)")?;
        for (k, v) in &d.inputs {
            ins.execute(params![run, k, bounds::fit(v)])?;
        }
    }
    Ok(run)
}
