//! The chapter a lab file names, read without loading the lab (for
//! `lab list`). The inputs of a run (digests, images, versions, git commit)
//! are the run record's ([`crate::report::run::Inputs`]), computed there once.

use std::path::Path;
use std::path::PathBuf;

/// The chapter a lab file names (`book: FILE` or `book: { chapter: FILE }`
/// at its top level), relative to the lab's folder.
pub fn chapter_of(lab_file: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(lab_file).ok()?;
    let v: serde_norway::Value = serde_norway::from_str(&text).ok()?;
    let book = v.get("book")?;
    let file = match book {
        serde_norway::Value::String(s) => s.clone(),
        m => m
            .get("chapter")
            .or_else(|| m.get("file"))
            .and_then(|x| x.as_str())?
            .to_string(),
    };
    Some(PathBuf::from(file))
}
