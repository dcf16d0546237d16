//! `lab nightly merge`: databases that parallel machines wrote, read and
//! checked whole before the target changes (nights that would share a
//! folder, what [`crate::history::merge_check`] refuses), then merged
//! ([`crate::history::merge`]) and rendered. Apart from the nightly's own
//! run ([`super::run`]), which writes one night.

use super::{Outcome, check_out, render_outputs, slug};
use crate::error::{LabError, Result};
use crate::history::History;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// `lab nightly merge SRC… --db FILE`: merge, then render; a signal
/// (`stop`) ends it at any point before the merge is committed,
/// interrupted, with the target as it was.
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
    // A signal is heard between each step of the checking phase (exit
    // 130, nothing changed).
    let stopped = || match stop() {
        true => Err(LabError::Interrupted),
        false => Ok(()),
    };
    let mut snaps = Vec::new();
    for f in &files {
        stopped()?;
        snaps.push((f, crate::history::merge::read_source(f)?));
    }
    stopped()?;
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
    stopped()?;
    check_merged_night_folders(&named)?;
    stopped()?;
    let mut all: Vec<(&Path, &crate::history::Snapshot)> = Vec::new();
    all.extend(target.iter().map(|t| (db, t)));
    all.extend(snaps.iter().map(|(f, s)| (f.as_path(), s)));
    crate::history::merge_check::check(&all, crate::clock::unix_now())?;
    stopped()?;
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
    // One transaction: nothing of it is in the target unless all of it is.
    let mut lines = Vec::new();
    crate::history::merge::merge_all(&mut h, snaps.iter().map(|(_, s)| s), stop, &mut |i, m| {
        lines.push((snaps[i].0, m.clone()))
    })?;
    for (f, m) in lines {
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
    check_folders_by(named, &slug)
}

/// [`check_merged_night_folders`] with the folder of a name given: one
/// pass, each name's folder made once and looked up in a map. It compared
/// every night with every earlier one (400,000 nights: minutes of CPU
/// before a row was written, deaf to signals, probe21cf F4).
fn check_folders_by(named: &[(&str, &Path)], folder: &dyn Fn(&str) -> String) -> Result<()> {
    // The first night seen of each folder: a later one of another name
    // shares it.
    let mut first: HashMap<String, (&str, &Path)> = HashMap::with_capacity(named.len());
    for &(a, from_a) in named {
        let f = folder(a);
        match first.get(&f) {
            Some(&(b, from_b)) if b != a => {
                return Err(LabError::Usage(format!(
                    "night '{b}' ({}) and night '{a}' ({}) would share the folder nights/{f}; \
                     rename one of them (its `--night`) and merge again; nothing was merged",
                    from_b.display(),
                    from_a.display(),
                )));
            }
            Some(_) => {}
            None => {
                first.insert(f, (a, from_a));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// probe21cf F4: 400,000 nights ran ten minutes in the checks before
    /// the merge wrote anything. Seen failing before the fix (each night's
    /// folder was made again for every earlier night: 2 × n²/2 times).
    /// Now each name's folder is made once; the work is counted, not timed.
    #[test]
    fn the_folder_check_makes_each_folder_once() {
        let names: Vec<String> = (0..2_000).map(|i| format!("night-{i}")).collect();
        let db = Path::new("a.db");
        let named: Vec<(&str, &Path)> = names.iter().map(|n| (n.as_str(), db)).collect();
        let made = std::cell::Cell::new(0usize);
        let counted = |s: &str| {
            made.set(made.get() + 1);
            slug(s)
        };
        check_folders_by(&named, &counted).unwrap();
        assert!(made.get() <= names.len(), "{} folders made", made.get());
        // Two nights of one folder are still refused, naming both.
        let clash = [("x:1", Path::new("a.db")), ("x-1", Path::new("b.db"))];
        let e = check_folders_by(&clash, &slug).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let m = e.to_string();
        assert!(
            m.contains("night 'x:1' (a.db) and night 'x-1' (b.db)"),
            "{m}"
        );
        assert!(m.contains("nights/x-1"), "{m}");
        // The same night in two databases is one folder, as before.
        let same = [("x", Path::new("a.db")), ("x", Path::new("b.db"))];
        check_folders_by(&same, &slug).unwrap();
    }
}
