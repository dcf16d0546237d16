//! `lab nightly merge`: databases that parallel machines wrote, read and
//! checked whole before the target changes (nights that would share a
//! folder, what [`crate::history::merge_check`] refuses), then merged
//! ([`crate::history::merge`]) and rendered. Apart from the nightly's own
//! run ([`super::run`]), which writes one night.

use super::{Outcome, check_out, render_outputs, slug};
use crate::error::{LabError, Result};
use crate::history::History;
use std::path::{Path, PathBuf};

/// `lab nightly merge SRC… --db FILE`: merge, then render; a signal
/// (`stop`) ends it between runs, interrupted.
pub fn merge(
    sources: &[PathBuf],
    db: &Path,
    out: &Path,
    say: &dyn Fn(&str),
    stop: &dyn Fn() -> bool,
) -> Result<Outcome> {
    check_out(out)?;
    let files = crate::history::merge::sources(sources, db)?;
    // Sources that could not make a history lab reads are refused before
    // they are read (the target's part is counted below).
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    crate::history::merge::check_total(&paths)?;
    // Every source is read (and refused if bad) before the target changes.
    let mut snaps = Vec::new();
    for f in &files {
        snaps.push((f, crate::history::merge::read_source(f)?));
    }
    // The target's nights too (read as a source: nothing is changed yet).
    let target = match db.exists() {
        true => {
            // What a killed writer left half done is rolled back first.
            History::recover(db)?;
            Some(crate::history::merge::read_source(db)?)
        }
        false => None,
    };
    let mut named: Vec<(&str, &Path)> = Vec::new();
    if let Some(t) = &target {
        named.extend(t.nights.iter().map(|n| (n.name.as_str(), db)));
    }
    for (f, snap) in &snaps {
        named.extend(snap.nights.iter().map(|n| (n.name.as_str(), f.as_path())));
    }
    check_merged_night_folders(&named)?;
    let mut all: Vec<(&Path, &crate::history::Snapshot)> = Vec::new();
    all.extend(target.iter().map(|t| (db, t)));
    all.extend(snaps.iter().map(|(f, s)| (f.as_path(), s)));
    crate::history::merge_check::check(&all, crate::clock::unix_now())?;
    let dbs: Vec<&Path> = all.iter().map(|(f, _)| *f).collect();
    crate::history::merge::check_total(&dbs)?;
    // A refused merge leaves nothing it made (a new target included).
    let made = crate::history::Made::before(db);
    let merged = merge_into(db, snaps, out, say, stop);
    if merged.is_err() {
        made.undo();
    }
    merged
}

/// [`merge`] once every source is read and checked: the target opened (or
/// made), the sources merged into it, the dashboard rendered.
fn merge_into(
    db: &Path,
    snaps: Vec<(&PathBuf, crate::history::Snapshot)>,
    out: &Path,
    say: &dyn Fn(&str),
    stop: &dyn Fn() -> bool,
) -> Result<Outcome> {
    let mut h = History::open(db)?;
    for (f, snap) in snaps {
        let m = crate::history::merge::merge(&mut h, &snap, stop)?;
        let s = |n: usize| if n == 1 { "" } else { "s" };
        say(&format!(
            "{}: {} night{} added, {} run{} added, {} replaced, {} kept, {} conflict{}",
            f.display(),
            m.nights_added,
            s(m.nights_added),
            m.runs_added,
            s(m.runs_added),
            m.runs_replaced,
            m.runs_kept,
            m.conflicts.len(),
            s(m.conflicts.len())
        ));
        for c in &m.conflicts {
            say(&format!("  conflict: {c}"));
        }
    }
    Ok(Outcome {
        analysis: render_outputs(&h, out)?,
        interrupted: stop(),
    })
}

/// Refuse a merge that would give two nights one folder (`x:1` of one
/// database, `x-1` of another): exit 2, naming both nights and the
/// databases they come from, before the target is opened for writing.
fn check_merged_night_folders(named: &[(&str, &Path)]) -> Result<()> {
    for (i, (a, from_a)) in named.iter().enumerate() {
        if let Some((b, from_b)) = named[..i]
            .iter()
            .find(|(b, _)| b != a && slug(b) == slug(a))
        {
            return Err(LabError::Usage(format!(
                "night '{b}' ({}) and night '{a}' ({}) would share the folder nights/{}; \
                 rename one of them (its `--night`) and merge again; nothing was merged",
                from_b.display(),
                from_a.display(),
                slug(a)
            )));
        }
    }
    Ok(())
}
