//! Databases that parallel machines wrote (a CI matrix: one job per lab ×
//! provider, each with a `--db` of its own), merged into one.
//!
//! Nights are matched by name (`--night`, the same on every job of one CI
//! run); a run (night × lab × provider) that the target lacks is added, one
//! that it has is replaced only by one that got further (finished where the
//! target's did not, or finished later). Every run is written in a
//! transaction of its own, so a merge killed half way leaves whole runs,
//! and running it again completes it; a signal (SIGINT, SIGTERM) stops it
//! the same way, between runs (exit 130; a target it made is removed). A source is never changed: it is
//! read where it is (read-only), or, when older, from a private copy of its
//! content, migrated there.

use super::{History, Night, NightStatus, RunStatus, Snapshot};
use crate::error::{LabError, Result};
use std::path::{Path, PathBuf};

/// What a merge did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Merged {
    pub nights_added: usize,
    pub runs_added: usize,
    pub runs_replaced: usize,
    pub runs_kept: usize,
}

/// The databases under `paths`: a file is itself, a folder is every
/// `*.db` file below it (a downloaded artifact per job), except `target`.
pub fn sources(paths: &[PathBuf], target: &Path) -> Result<Vec<PathBuf>> {
    let target = std::fs::canonicalize(target).ok();
    let mut out = Vec::new();
    fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        let mut entries: Vec<_> = std::fs::read_dir(dir)?.filter_map(|e| e.ok()).collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let p = e.path();
            let t = e.file_type()?;
            if t.is_dir() && depth < 4 {
                walk(&p, depth + 1, out)?;
            } else if t.is_file() && p.extension().is_some_and(|x| x == "db") {
                out.push(p);
            }
        }
        Ok(())
    }
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| {
            LabError::Usage(format!(
                "merge source {}: {e}; nothing was merged",
                p.display()
            ))
        })?;
        if meta.is_dir() {
            walk(p, 0, &mut out)
                .map_err(|e| LabError::io(format!("reading {}", p.display()), e))?;
        } else {
            out.push(p.clone());
        }
    }
    let found = out.len();
    out.retain(|p| target.is_none() || std::fs::canonicalize(p).ok() != target);
    if out.is_empty() && found > 0 {
        return Err(LabError::Usage(
            "the only merge source is the --db target itself; nothing was merged".into(),
        ));
    }
    if out.is_empty() {
        return Err(LabError::Usage(
            "no history database (*.db) among the merge sources; nothing was merged".into(),
        ));
    }
    Ok(out)
}

/// Read a source database as it is, without changing it.
pub fn read_source(path: &Path) -> Result<Snapshot> {
    let dir = tempfile::tempdir().map_err(|e| LabError::io("a temporary folder", e))?;
    read_source_in(path, dir.path())
}

/// [`read_source`] with its private copy (if it needs one) in `scratch`.
/// A source of this `lab`'s version is read where it is (read-only); an
/// older one is copied by its content (`VACUUM INTO`: the pages in use, not
/// the file's length, which may be a sparse terabyte) and migrated there.
pub fn read_source_in(path: &Path, scratch: &Path) -> Result<Snapshot> {
    let (h, v) = History::open_any(path)?;
    if v == super::schema::current_version() {
        return h.load();
    }
    let copy = scratch.join("source.db");
    h.conn
        .execute("VACUUM INTO ?1", [copy.to_string_lossy()])
        .map_err(|e| super::bad(path, format!("copying it to migrate it: {e}")))?;
    drop(h);
    let h = History::open(&copy).map_err(|e| match e {
        LabError::Usage(m) => {
            LabError::Usage(m.replace(&copy.display().to_string(), &path.display().to_string()))
        }
        e => e,
    })?;
    h.load()
}

/// How far a run got: a finished one beats one that was cut short.
fn rank(s: RunStatus) -> u8 {
    match s {
        RunStatus::Running => 0,
        RunStatus::Interrupted => 1,
        RunStatus::NotRun => 2,
        RunStatus::Error => 3,
        RunStatus::Passed | RunStatus::Failed => 4,
    }
}

/// Merge `src` into `into`, stopping (interrupted) between nights and
/// runs when `stop` says so (a signal): what was written is whole runs.
pub fn merge(into: &mut History, src: &Snapshot, stop: &dyn Fn() -> bool) -> Result<Merged> {
    let mut m = Merged::default();
    let have = into.load()?;
    let stopped = || match stop() {
        true => Err(LabError::Interrupted),
        false => Ok(()),
    };
    for night in &src.nights {
        stopped()?;
        let existing = have.nights.iter().find(|n| n.name == night.name);
        if existing.is_none() {
            m.nights_added += 1;
        }
        let id = into.upsert_night(&Night {
            runs: Vec::new(),
            ..night.clone()
        })?;
        if let Some(e) = existing {
            // The night is complete when one of its parts says so, and
            // spans both.
            let status =
                if e.status == NightStatus::Complete || night.status == NightStatus::Complete {
                    NightStatus::Complete
                } else {
                    e.status
                };
            let finished = match (&e.finished_at, &night.finished_at) {
                (Some(a), Some(b)) => Some(a.max(b).clone()),
                (a, b) => a.clone().or(b.clone()),
            };
            into.update_night(id, status, finished.as_deref(), night.started_at.as_str())?;
        }
        for run in &night.runs {
            stopped()?;
            let theirs = existing.and_then(|e| {
                e.runs
                    .iter()
                    .find(|r| r.lab == run.lab && r.provider == run.provider)
            });
            match theirs {
                None => {
                    into.record_run(id, &run.lab, &run.provider, &run.data)?;
                    m.runs_added += 1;
                }
                Some(t) => {
                    let better = (rank(run.data.status), run.data.finished_at.as_deref())
                        > (rank(t.data.status), t.data.finished_at.as_deref());
                    if better {
                        into.record_run(id, &run.lab, &run.provider, &run.data)?;
                        m.runs_replaced += 1;
                    } else {
                        m.runs_kept += 1;
                    }
                }
            }
        }
    }
    Ok(m)
}
