//! The nightly's output folder (`--out`, default `.lab/nightly/`): refused
//! before anything is made when it cannot be one, or when the folders the
//! night writes in were planted as links (the folder may predate the
//! nightly: `.lab/nightly/` of a cloned repository). An existing folder
//! that holds files of others is refused too (`--out /etc` would have had
//! its `index.html` replaced): the nightly writes only where it wrote
//! before (its mark, [`MARK`]) or where nothing else is.

use crate::error::{LabError, Result};
use std::path::Path;

/// The file the nightly leaves in an output folder it writes in: a later
/// night, `report` or `merge` may write there again.
pub const MARK: &str = ".lab-nightly";

/// Whether `name` is one the nightly writes in its output folder (or a
/// history database kept beside its reports, the default layout).
fn is_nightlys(name: &str) -> bool {
    matches!(
        name,
        MARK | "index.html" | "summary.md" | "junit.xml" | "nights" | super::suggestion::FILE
    ) || [".db", ".db-journal", ".db-wal", ".db-shm", ".db.lock"]
        .iter()
        .any(|end| name.ends_with(end))
}

/// Leave the mark in `out` (made by now).
pub fn mark(out: &Path) -> Result<()> {
    crate::state::write_atomic(
        &out.join(MARK),
        b"lab nightly writes its reports here: index.html, summary.md, junit.xml,\n\
          suggestion.patch and nights/ (it replaces them).\n",
    )
}

/// Refuse an output folder that cannot be one, or that holds files the
/// nightly did not write, before anything is made.
pub fn check_out(out: &Path) -> Result<()> {
    match std::fs::metadata(out) {
        Ok(m) if m.is_dir() => others_in(out),
        Ok(_) => Err(LabError::Usage(format!(
            "--out {}: is a file, not a folder; nothing was run",
            out.display()
        ))),
        Err(_) => {
            // It will be made: its nearest existing ancestor must be a folder.
            let mut p = out.to_path_buf();
            while !p.exists() {
                match p.parent() {
                    Some(q) if !q.as_os_str().is_empty() => p = q.to_path_buf(),
                    _ => return Ok(()),
                }
            }
            if p.is_dir() {
                Ok(())
            } else {
                Err(LabError::Usage(format!(
                    "--out {}: {} is not a folder; nothing was run",
                    out.display(),
                    p.display()
                )))
            }
        }
    }
}

/// An existing output folder: the nightly's (its mark), or one holding
/// nothing but what the nightly writes.
fn others_in(out: &Path) -> Result<()> {
    if std::fs::symlink_metadata(out.join(MARK)).is_ok_and(|m| m.is_file()) {
        return Ok(());
    }
    let entries = std::fs::read_dir(out)
        .map_err(|e| LabError::io(format!("reading --out {}", out.display()), e))?;
    let mut others: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !is_nightlys(n))
        .collect();
    if others.is_empty() {
        return Ok(());
    }
    others.sort();
    let n = others.len();
    others.truncate(3);
    Err(LabError::Usage(format!(
        "--out {}: a folder lab nightly did not write in (no {MARK}): it holds {}{};\n  \
         the nightly writes index.html, summary.md, junit.xml and nights/ there;\n  \
         give a new or empty folder; nothing was run",
        out.display(),
        others
            .iter()
            .map(|o| format!("{o:?}"))
            .collect::<Vec<_>>()
            .join(", "),
        if n > 3 {
            format!(" and {} more", n - 3)
        } else {
            String::new()
        }
    )))
}

/// `nights` and the night's folder `work` under `out` must not be links:
/// one would take the night's folders and the runs' reports wherever it
/// points (a run's own folder is checked by the run).
pub fn refuse_linked_night(out: &Path, work: &Path) -> Result<()> {
    for p in [out.join("nights").as_path(), work] {
        if std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(LabError::Untrusted(format!(
                "{} is a symbolic link, not made by lab, where lab writes its own files (remove it); nothing was run",
                p.display()
            )));
        }
    }
    Ok(())
}
