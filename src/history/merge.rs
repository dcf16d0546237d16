//! Databases that parallel machines wrote (a CI matrix: one job per lab ×
//! provider, each with a `--db` of its own), merged into one.
//!
//! Nights are matched by name (`--night`, the same on every job of one CI
//! run); a run (night × lab × provider) that the target lacks is added, one
//! that it has is replaced only by one that got further (finished where the
//! target's did not): of two finished runs the worse verdict is kept and
//! the conflict said ([`choose`]), so no source turns a failure into a
//! pass. What no merge takes (a night dated after now, a run id under two
//! nights) is refused before anything changes ([`super::merge_check`]).
//! The whole merge is one transaction ([`merge_all`]), so a merge that
//! fails, is killed or is stopped by a signal (SIGINT, SIGTERM: exit 130)
//! at any point leaves the target as it was (a target it made is
//! removed), and running it again merges it whole. A source is never changed: it is read where it is
//! (read-only), or, when older, from a private copy of its content,
//! migrated there.

use super::{History, NightStatus, RunData, RunStatus, Snapshot};
use crate::error::{LabError, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What a merge did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Merged {
    pub nights_added: usize,
    pub runs_added: usize,
    pub runs_replaced: usize,
    pub runs_kept: usize,
    /// Two finished runs of one night, lab and provider that are not the
    /// same run: what each said, and which was kept.
    pub conflicts: Vec<String>,
}

/// The databases under `paths`: a file is itself, a folder is every
/// `*.db` file below it (a downloaded artifact per job), except `target`.
pub fn sources(paths: &[PathBuf], target: &Path) -> Result<Vec<PathBuf>> {
    sources_walking(paths, target, WALKED)
}

/// The most entries a merge reads under its folders: a folder that is no
/// nightly's (`/`, `/proc`) is refused as bad input, naming it, rather
/// than read for minutes or failing half way.
const WALKED: usize = 100_000;

/// [`sources`], reading at most `walked` entries under the folders named.
fn sources_walking(paths: &[PathBuf], target: &Path, walked: usize) -> Result<Vec<PathBuf>> {
    let target = std::fs::canonicalize(target).ok();
    let mut out = Vec::new();
    // A folder is read four levels down.
    let walk_limited = |dir: &Path, out: &mut Vec<PathBuf>| walk(dir, 0, &mut 0, walked, out);
    fn walk(
        dir: &Path,
        depth: usize,
        seen: &mut usize,
        walked: usize,
        out: &mut Vec<PathBuf>,
    ) -> std::result::Result<(), String> {
        let read = |e: std::io::Error| format!("cannot read {}: {e}", dir.display());
        let mut entries = Vec::new();
        for e in std::fs::read_dir(dir).map_err(read)? {
            *seen += 1;
            if *seen > walked {
                return Err(format!(
                    "more than {walked} entries under it: name the folder that holds the databases"
                ));
            }
            entries.push(e.map_err(read)?);
        }
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let p = e.path();
            let t = e.file_type().map_err(read)?;
            if t.is_dir() && depth < 4 {
                walk(&p, depth + 1, seen, walked, out)?;
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
            walk_limited(p, &mut out).map_err(|why| {
                LabError::Usage(format!(
                    "merge source {}: {why}; nothing was merged",
                    p.display()
                ))
            })?;
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

/// Refuse a merge whose target could grow past the bound on a history
/// ([`super::bounds::MAX_TOTAL`]): the pages in use of `dbs` (the target
/// and the sources), added up, before anything changes. An upper bound: a
/// run that two of them hold is counted twice.
pub fn check_total(dbs: &[&Path]) -> Result<()> {
    let mut total: i64 = 0;
    let mut rows: i64 = 0;
    for db in dbs {
        let (h, _) = History::open_any(db)?;
        total = total.saturating_add(super::bounds::used(&h.conn, db)?);
        rows = rows.saturating_add(super::bounds::rows_cost(&h.conn, db)?.0);
    }
    let max_rows = super::bounds::MAX_ROWS_MEMORY;
    if rows > max_rows {
        return Err(LabError::Usage(format!(
            "the merged history could hold rows that take {} MiB of memory to read ({} databases), \
             more than a history lab reads ({} MiB); nothing was merged (merge into a new history \
             with --db, or keep fewer nights)",
            rows >> 20,
            dbs.len(),
            max_rows >> 20
        )));
    }
    let max = super::bounds::MAX_TOTAL;
    if total > max {
        return Err(LabError::Usage(format!(
            "the merged history could hold {} MiB ({} databases), more than a history lab reads \
             ({} MiB); nothing was merged (merge into a new history with --db)",
            total >> 20,
            dbs.len(),
            max >> 20
        )));
    }
    Ok(())
}

/// Merge every source of `srcs` into `into` in ONE transaction, `said`
/// told what each did: a signal (`stop`) or an error at any point leaves
/// the target as it was (rolled back; a merge killed outright is rolled
/// back by the next open). Merged night by night, each in its own
/// transaction, a TERM half way left 337 of 3,000 nights (probe21cf F4)
/// where every other refusal of a merge changes nothing.
pub fn merge_all<'a>(
    into: &mut History,
    srcs: impl IntoIterator<Item = &'a Snapshot>,
    stop: &dyn Fn() -> bool,
    said: &mut dyn FnMut(usize, &Merged),
) -> Result<()> {
    let e = |into: &History, e: rusqlite::Error| LabError::Step {
        step: "history database".into(),
        message: format!("{}: {e}", into.path.display()),
    };
    into.conn
        .execute_batch("BEGIN IMMEDIATE")
        .map_err(|x| e(into, x))?;
    let all = || -> Result<()> {
        for (i, src) in srcs.into_iter().enumerate() {
            let m = merge(into, src, stop)?;
            said(i, &m);
        }
        match stop() {
            true => Err(LabError::Interrupted),
            false => Ok(()),
        }
    };
    match all() {
        Ok(()) => into.conn.execute_batch("COMMIT").map_err(|x| e(into, x)),
        Err(err) => {
            // What fails to roll back here is rolled back by the next open
            // (the journal); the merge's own error is what is said.
            let _ = into.conn.execute_batch("ROLLBACK");
            Err(err)
        }
    }
}

/// Whether a run reached an end of its own: a verdict (passed, failed)
/// or an error of the run itself. Running, interrupted and not run did not.
fn finished(s: RunStatus) -> bool {
    matches!(s, RunStatus::Passed | RunStatus::Failed | RunStatus::Error)
}

/// How far a run that did not finish got.
fn progress(s: RunStatus) -> u8 {
    match s {
        RunStatus::Running => 0,
        RunStatus::Interrupted => 1,
        _ => 2,
    }
}

/// How bad a finished run's verdict is: an error of the run beats a
/// failure, which beats a pass; then more failing results beat fewer (a
/// run "failed" with nothing failing in it is a status's word alone).
fn badness(d: &RunData) -> (u8, usize) {
    let status = match d.status {
        RunStatus::Passed => 0,
        RunStatus::Failed => 1,
        _ => 2,
    };
    let failing = d.results.iter().filter(|r| r.verdict.failing()).count();
    (status, failing)
}

/// What a merge does with a source's run `run` where the target has `have`
/// for the same night, lab and provider.
#[derive(Debug, PartialEq, Eq)]
enum Choice {
    Replace,
    Keep,
}

/// The source's run replaces the target's only when it says more without
/// saying less: a run that did not finish is replaced by one that did (or
/// got further); of two finished runs the worse verdict is kept (never a
/// failure turned into a pass on a source's word, in whatever order the
/// databases come), the target's on a tie. Nothing a run says of its own
/// times decides it.
fn choose(have: &RunData, run: &RunData) -> Choice {
    let better = match (finished(have.status), finished(run.status)) {
        (true, true) => badness(run) > badness(have),
        (false, true) => true,
        (true, false) => false,
        (false, false) => progress(run.status) > progress(have.status),
    };
    if better {
        Choice::Replace
    } else {
        Choice::Keep
    }
}

/// Two finished runs of one night, lab and provider that are not the same
/// run: what each said, and which was kept.
fn conflict(night: &str, run: &super::Run, have: &RunData, kept: &Choice) -> Option<String> {
    if !(finished(have.status) && finished(run.data.status)) || *have == run.data {
        return None;
    }
    let said = |d: &RunData| {
        let (_, failing) = badness(d);
        format!(
            "{} ({} failing, run {})",
            d.status.as_str(),
            failing,
            d.run_id.as_deref().unwrap_or("without an id")
        )
    };
    let (kept, other) = match kept {
        Choice::Replace => (&run.data, have),
        Choice::Keep => (have, &run.data),
    };
    Some(format!(
        "night '{night}', {} · {}: kept {}, not {}",
        run.lab,
        run.provider,
        said(kept),
        said(other)
    ))
}

/// Merge `src` into `into`, stopping (interrupted) between nights and
/// runs when `stop` says so (a signal): each night is written with the runs
/// it takes in one transaction (a savepoint inside [`merge_all`]'s), so
/// what was written is whole nights.
pub fn merge(into: &mut History, src: &Snapshot, stop: &dyn Fn() -> bool) -> Result<Merged> {
    let mut m = Merged::default();
    let have = into.load()?;
    let stopped = || match stop() {
        true => Err(LabError::Interrupted),
        false => Ok(()),
    };
    // The target's nights by name, each night's runs by lab and provider:
    // looked up, not scanned, for each night and run of the source.
    let by_name: HashMap<&str, &super::Night> =
        have.nights.iter().map(|n| (n.name.as_str(), n)).collect();
    for night in &src.nights {
        stopped()?;
        let mut counted = Merged::default();
        let existing = by_name.get(night.name.as_str()).copied();
        let runs_of: HashMap<(&str, &str), &super::Run> = existing
            .map(|e| {
                e.runs
                    .iter()
                    .map(|r| ((r.lab.as_str(), r.provider.as_str()), r))
                    .collect()
            })
            .unwrap_or_default();
        if existing.is_none() {
            counted.nights_added += 1;
        }
        let joined = existing.map(|e| {
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
            (status, finished)
        });
        let mut taken = Vec::new();
        for run in &night.runs {
            stopped()?;
            let theirs = runs_of
                .get(&(run.lab.as_str(), run.provider.as_str()))
                .copied();
            match theirs {
                None => {
                    taken.push(run);
                    counted.runs_added += 1;
                }
                Some(t) => {
                    let choice = choose(&t.data, &run.data);
                    if let Some(c) = conflict(&night.name, run, &t.data, &choice) {
                        counted.conflicts.push(c);
                    }
                    if choice == Choice::Replace {
                        taken.push(run);
                        counted.runs_replaced += 1;
                    } else {
                        counted.runs_kept += 1;
                    }
                }
            }
        }
        let joined = joined.as_ref().map(|(s, f)| (*s, f.as_deref()));
        into.merge_night(night, joined, &taken)?;
        m.nights_added += counted.nights_added;
        m.runs_added += counted.runs_added;
        m.runs_replaced += counted.runs_replaced;
        m.runs_kept += counted.runs_kept;
        m.conflicts.extend(counted.conflicts);
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Run;

    /// A signal between a night and its runs. Before, the night was
    /// written (`complete`, in a transaction of its own) and its runs were
    /// not: a report of the target said nothing failed (nineteenth probe,
    /// finding 2). Now the night and its runs are one transaction.
    #[test]
    fn a_merge_stopped_between_a_night_and_its_runs_leaves_neither() {
        let dir = tempfile::tempdir().unwrap();
        let mut src = History::open(&dir.path().join("src.db")).unwrap();
        let n = src.begin_night("n1", "2026-01-01T00:00:00Z", None).unwrap();
        src.record_run(n, "chapter4", "netns", &RunData::empty(RunStatus::Failed))
            .unwrap();
        src.finish_night(n, NightStatus::Complete, "2026-01-01T00:01:00Z")
            .unwrap();
        let snap = src.load().unwrap();
        let mut into = History::open(&dir.path().join("into.db")).unwrap();
        let asked = std::cell::Cell::new(0);
        let stop = || {
            asked.set(asked.get() + 1);
            asked.get() > 1
        };
        let Err(e) = merge(&mut into, &snap, &stop) else {
            panic!("merged while stopped")
        };
        assert_eq!(e.exit_code(), 130, "{e}");
        assert_eq!(asked.get(), 2, "stopped before the night's run");
        let got = into.load().unwrap();
        assert!(
            got.nights.iter().all(|n| !n.runs.is_empty()),
            "a night without its runs: {:?}",
            got.nights
        );
        // Merging again writes the night with its run.
        let m = merge(&mut into, &snap, &|| false).unwrap();
        assert_eq!((m.nights_added, m.runs_added), (1, 1));
        let got = into.load().unwrap();
        let runs: Vec<&Run> = got.nights.iter().flat_map(|n| &n.runs).collect();
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].data.status, RunStatus::Failed);
    }

    /// A night of one run, chapter4 on netns, in a database of its own.
    fn one_run(dir: &Path, file: &str, night: &str, d: RunData) -> Snapshot {
        let mut h = History::open(&dir.join(file)).unwrap();
        let n = h.begin_night(night, "2026-01-01T00:00:00Z", None).unwrap();
        h.record_run(n, "chapter4", "netns", &d).unwrap();
        h.finish_night(n, NightStatus::Complete, "2026-01-01T00:01:00Z")
            .unwrap();
        h.load().unwrap()
    }

    /// A run of `status` with one result of `verdict`, its id `id`,
    /// finished at `finished`.
    fn ran(
        status: RunStatus,
        verdict: crate::history::Verdict,
        id: &str,
        finished: &str,
    ) -> RunData {
        let mut d = RunData::one_check(status, verdict);
        d.run_id = Some(id.into());
        d.finished_at = Some(finished.into());
        d
    }

    /// probe21bz finding 1: a source whose run of the same night, lab and
    /// provider "finished later" replaced tonight's failing run (a renamed
    /// copy of last night's pass, dated a second later): exit 0, "0
    /// failing"; in the other order the pass was kept. Seen failing before
    /// the fix: the pass replaced the failure. Now of two finished runs the
    /// worse verdict is kept, in either order, and said as a conflict; a
    /// run that did not finish is still replaced by one that did.
    #[test]
    fn a_source_never_turns_a_failure_into_a_pass() {
        use crate::history::Verdict;
        let dir = tempfile::tempdir().unwrap();
        let failed = ran(
            RunStatus::Failed,
            Verdict::Fail,
            "real",
            "2026-01-01T00:00:30Z",
        );
        let passed = ran(
            RunStatus::Passed,
            Verdict::Pass,
            "copy",
            "2026-01-01T00:00:31Z",
        );
        let bad = one_run(dir.path(), "bad.db", "n1", failed.clone());
        let same = one_run(dir.path(), "same.db", "n1", passed.clone());
        for (i, order) in [[&bad, &same], [&same, &bad]].iter().enumerate() {
            let mut into = History::open(&dir.path().join(format!("into{i}.db"))).unwrap();
            let mut conflicts = 0;
            for src in order {
                conflicts += merge(&mut into, src, &|| false).unwrap().conflicts.len();
            }
            let got = into.load().unwrap();
            assert_eq!(
                got.nights[0].runs[0].data.status,
                RunStatus::Failed,
                "order {i}"
            );
            assert_eq!(got.nights[0].runs[0].data, failed, "order {i}");
            assert_eq!(conflicts, 1, "order {i}");
        }
        // A run that did not finish is replaced by one that did, without a
        // conflict; a finished one is not replaced by one that did not.
        let mut cut = RunData::empty(RunStatus::Interrupted);
        cut.finished_at = Some("2026-01-01T00:09:00Z".into());
        let cut = one_run(dir.path(), "cut.db", "n1", cut);
        let mut into = History::open(&dir.path().join("into-cut.db")).unwrap();
        merge(&mut into, &cut, &|| false).unwrap();
        let m = merge(&mut into, &same, &|| false).unwrap();
        assert_eq!((m.runs_replaced, m.conflicts.len()), (1, 0));
        let m = merge(&mut into, &cut, &|| false).unwrap();
        assert_eq!((m.runs_kept, m.conflicts.len()), (1, 0));
        assert_eq!(into.load().unwrap().nights[0].runs[0].data, passed);
        // An error of the run itself beats a run that "failed" with
        // nothing failing in it (a status alone is a source's word).
        let mut error = RunData::empty(RunStatus::Error);
        error.reason = Some("bring-up failed".into());
        let error = one_run(dir.path(), "error.db", "n1", error);
        let hollow = one_run(
            dir.path(),
            "hollow.db",
            "n1",
            ran(
                RunStatus::Failed,
                Verdict::Pass,
                "hollow",
                "2026-01-01T00:00:40Z",
            ),
        );
        let mut into = History::open(&dir.path().join("into-error.db")).unwrap();
        merge(&mut into, &error, &|| false).unwrap();
        let m = merge(&mut into, &hollow, &|| false).unwrap();
        assert_eq!((m.runs_kept, m.conflicts.len()), (1, 1));
        assert_eq!(
            into.load().unwrap().nights[0].runs[0].data.status,
            RunStatus::Error
        );
    }

    /// A folder that is no nightly's (`lab nightly merge /proc`, `/`) is bad
    /// input (exit 2) naming it, not an I/O failure half way (exit 3,
    /// probe21p), and is not read past the bound.
    #[test]
    fn a_folder_that_is_no_nightlys_is_bad_input_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let many = dir.path().join("many");
        std::fs::create_dir_all(many.join("deep")).unwrap();
        for i in 0..12 {
            std::fs::write(many.join(format!("f{i}")), "").unwrap();
        }
        std::fs::write(many.join("deep/x.db"), "").unwrap();
        let target = dir.path().join("into.db");
        let e = sources_walking(std::slice::from_ref(&many), &target, 10).unwrap_err();
        assert_eq!(e.exit_code(), 2, "{e}");
        let e = e.to_string();
        assert!(
            e.contains(&format!(
                "merge source {}: more than 10 entries",
                many.display()
            )),
            "{e}"
        );
        assert_eq!(
            sources_walking(std::slice::from_ref(&many), &target, 100).unwrap(),
            [many.join("deep/x.db")]
        );
    }
}
