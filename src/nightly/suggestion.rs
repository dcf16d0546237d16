//! The night's suggestion: when a book block newly drifts, `suggestion.patch`
//! beside `summary.md`, the chapters' rewrite that makes tonight's new drift
//! true (`lab book --suggest`'s, from each run's own record: its book
//! report, the lab found by name as the nightly finds it). Known drift is
//! left alone. A night with nothing newly drifting leaves no patch (a
//! previous night's is removed, so an old one is never taken for tonight's).

use crate::book::suggest::Options;
use crate::error::{LabError, Result};
use crate::history::ResultKind;
use crate::history::analysis::{Analysis, Line};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The file written beside `summary.md`.
pub const FILE: &str = "suggestion.patch";

/// The lines (lab · provider) with a book block newly failing tonight.
fn newly_drifting(a: &Analysis) -> BTreeSet<Line> {
    a.newly_failing()
        .filter(|i| i.key.kind == ResultKind::Block)
        .map(|i| i.key.line.clone())
        .collect()
}

/// The lab `name` whose chapter was `chapter`: the `lab.yaml` of that name
/// in the chapter's folder or above it (a lab given by path), else the lab
/// found by name.
fn lab_of(name: &str, chapter: &Path) -> std::result::Result<crate::spec::Lab, String> {
    for dir in chapter.ancestors().skip(1).take(3) {
        let f = dir.join("lab.yaml");
        if let Ok(l) = crate::spec::load_file(&f, Default::default())
            && l.name == name
        {
            return Ok(l);
        }
    }
    crate::spec::load(name, Default::default()).map_err(|e| e.to_string())
}

/// One line's patch, from tonight's record of its run.
async fn one(a: &Analysis, line: &Line) -> std::result::Result<String, String> {
    let run = a
        .runs
        .get(line)
        .and_then(|r| r.last())
        .and_then(Option::as_ref)
        .ok_or("no run tonight")?;
    let book = run
        .data
        .record
        .as_ref()
        .and_then(|r| r.book.as_ref())
        .ok_or("its record has no book report")?;
    let lab = lab_of(&line.lab, Path::new(&book.chapter))?;
    // The lab's own chapter (`book:`, validated inside its folder), never
    // the path the record names: a database is an input (merged from other
    // machines), and a record naming a host file made a read-only `nightly
    // report` copy that file's lines into the world-readable patch.
    let path = lab
        .book
        .clone()
        .ok_or_else(|| format!("lab {} has no `book:`", line.lab))?;
    let chapter = crate::book::parse::read(&path).map_err(|e| e.to_string())?;
    let s = crate::ops::book::suggest(book, &chapter, &lab, &Options::default()).await;
    Ok(s.patch)
}

/// Write (or remove) `out/suggestion.patch` for tonight; the path written,
/// and what could not be suggested, one line each.
pub fn write(a: &Analysis, out: &Path) -> Result<(Option<PathBuf>, Vec<String>)> {
    let file = out.join(FILE);
    let lines = newly_drifting(a);
    let mut patch = String::new();
    let mut notes = Vec::new();
    if !lines.is_empty() {
        // Its own runtime on its own thread: the nightly may be inside one.
        let got = std::thread::scope(|s| {
            s.spawn(|| {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())?;
                Ok::<_, String>(rt.block_on(async {
                    let mut v = Vec::new();
                    for l in &lines {
                        v.push((l.clone(), one(a, l).await));
                    }
                    v
                }))
            })
            .join()
            .unwrap_or_else(|_| Err("the suggestion's thread panicked".into()))
        });
        match got {
            Ok(v) => {
                for (l, r) in v {
                    match r {
                        Ok(p) => patch.push_str(&p),
                        Err(e) => notes.push(format!("{l}: no suggestion: {e}")),
                    }
                }
            }
            Err(e) => notes.push(format!("no suggestion: {e}")),
        }
    }
    if patch.is_empty() {
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(LabError::io(format!("removing {}", file.display()), e)),
        }
        return Ok((None, notes));
    }
    crate::state::write_atomic(&file, patch.as_bytes())?;
    Ok((Some(file), notes))
}
