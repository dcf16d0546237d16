//! The history read whole, oldest night first, each run with its rows and
//! its record; a reader sees a night whose writer is gone as incomplete.

use super::{
    History, Night, NightStatus, ResultKind, ResultRow, Run, RunData, RunStatus, Snapshot, StepRow,
    Verdict, bad, bounds, ingest, open_lock,
};
use crate::error::Result;
use std::collections::BTreeMap;
use std::path::Path;

impl History {
    /// The whole history, oldest night first; runs in lab, provider order.
    /// A row it cannot read is the database's fault: bad input (exit 2).
    /// A history past the bounds ([`bounds`]) is refused before a row of
    /// it is read.
    pub fn load(&self) -> Result<Snapshot> {
        bounds::check(&self.conn, &self.path)?;
        let e = |e| bad(&self.path, e);
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
                    d.duration_s = seconds(r.get(9)?);
                    d.host = r.get(10)?;
                    d.kernel = r.get(11)?;
                    // A record this lab cannot read is left out, not fatal:
                    // the rows above still say what the run did.
                    d.record = r
                        .get::<_, Option<String>>(12)?
                        .and_then(|t: String| ingest::read_record(&t).ok())
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
                            duration_s: seconds(r.get(9)?),
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
                            duration_s: seconds(r.get(5)?).unwrap_or(0.0),
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

/// Whether a writer holds the database's lock now (the shared lock taken
/// to see is let go of at once: [`super::open::Flock`]).
fn lock_held(path: &Path) -> bool {
    let Ok(f) = open_lock(path, false) else {
        return false;
    };
    super::open::Flock::take(f, libc::LOCK_SH).is_none()
}

/// A duration as the database has it, if it is one: a number of seconds
/// that is finite, not negative and under a year. A crafted or merged
/// database's `1e308` made `lab nightly report` panic (probe21m); such a
/// value is unknown, as a missing one is.
fn seconds(v: Option<f64>) -> Option<f64> {
    v.filter(|s| s.is_finite() && (0.0..=365.0 * 86400.0).contains(s))
}

#[cfg(test)]
mod seconds_tests {
    use super::seconds;

    #[test]
    fn a_duration_that_is_none_is_unknown() {
        assert_eq!(seconds(Some(0.5)), Some(0.5));
        for bad in [1e308, f64::INFINITY, f64::NAN, -1.0, 4e7] {
            assert_eq!(seconds(Some(bad)), None, "{bad}");
        }
        assert_eq!(seconds(None), None);
    }
}
