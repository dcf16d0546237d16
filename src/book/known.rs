//! The known-drift file: differences between the book and the lab that a
//! person has looked at and explained. Each entry is keyed by the line of
//! its block's opening fence and the exact difference sentence, and carries
//! a `reason:`. A difference that recurs is `known_drift`; one that is new or
//! changed is `drift`. `lab book --bless` writes the chapter's current drift
//! here, keeping the reasons of entries that still recur. The book is never
//! edited.
//!
//! Parsed strictly, like the lab file: unknown keys, a missing field or an
//! empty difference are errors naming the file and line.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What `--bless` writes as the reason of a new entry, for a person to fill in.
pub const TODO: &str = "TODO: say why the lab differs from the book here";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The line of the block's opening fence in the chapter.
    pub line: usize,
    /// The block's first command, to help a reader find it.
    #[serde(default)]
    pub command: String,
    pub difference: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownFile {
    pub version: u32,
    #[serde(default)]
    pub drift: Vec<Entry>,
}

/// The known-drift file beside a chapter: `chapter.md` → `chapter.drift.yaml`.
pub fn default_path(chapter: &Path) -> PathBuf {
    let stem = chapter
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "chapter".into());
    chapter.with_file_name(format!("{stem}.drift.yaml"))
}

/// Read a known-drift file; a missing file is an empty one.
pub fn load(path: &Path) -> Result<KnownFile, String> {
    let text = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(KnownFile {
                version: 1,
                drift: vec![],
            });
        }
        Err(e) => {
            return Err(format!(
                "{}: cannot read the known-drift file: {e}",
                path.display()
            ));
        }
    };
    if text.len() > 1 << 20 {
        return Err(format!(
            "{}: a known-drift file of more than 1 MiB",
            path.display()
        ));
    }
    let text = String::from_utf8(text).map_err(|_| format!("{}: not UTF-8", path.display()))?;
    crate::spec::guard::check_nesting(&text)
        .map_err(|e| format!("{}:{}: {}", path.display(), e.line.unwrap_or(1), e.message))?;
    let k: KnownFile = serde_norway::from_str(&text).map_err(|e| {
        let line = e.location().map(|l| l.line()).unwrap_or(1);
        let msg = e.to_string();
        let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
        format!("{}:{line}: {msg}", path.display())
    })?;
    if k.version != 1 {
        return Err(format!(
            "{}: version: {} is not 1",
            path.display(),
            k.version
        ));
    }
    for (i, e) in k.drift.iter().enumerate() {
        if e.difference.trim().is_empty() {
            return Err(format!("{}: drift[{i}].difference: empty", path.display()));
        }
        if e.line == 0 {
            return Err(format!(
                "{}: drift[{i}].line: lines count from 1",
                path.display()
            ));
        }
    }
    Ok(k)
}

impl KnownFile {
    /// The entry that explains `difference` of the block at `line`.
    pub fn find(&self, line: usize, difference: &str) -> Option<&Entry> {
        self.drift
            .iter()
            .find(|e| e.line == line && e.difference == difference)
    }

    /// The file after `--bless`: every current difference, with the reason
    /// kept where it was known, a TODO where it is new.
    pub fn blessed(&self, current: &[(usize, String, String)]) -> KnownFile {
        let drift = current
            .iter()
            .map(|(line, command, difference)| Entry {
                line: *line,
                command: command.clone(),
                difference: difference.clone(),
                reason: self
                    .find(*line, difference)
                    .map(|e| e.reason.clone())
                    .unwrap_or_else(|| TODO.into()),
            })
            .collect();
        KnownFile { version: 1, drift }
    }

    pub fn to_yaml(&self, chapter: &str) -> String {
        let body = serde_norway::to_string(self).unwrap_or_default();
        format!(
            "# Known drift of {chapter}: where the lab and the book differ, and why.\n\
             # Written by `lab book --bless`; a person writes each `reason`.\n{body}"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bless_keeps_reasons_and_strict_parse() {
        let k = KnownFile {
            version: 1,
            drift: vec![Entry {
                line: 3,
                command: "c".into(),
                difference: "d".into(),
                reason: "because".into(),
            }],
        };
        let b = k.blessed(&[(3, "c".into(), "d".into()), (9, "e".into(), "f".into())]);
        assert_eq!(b.drift[0].reason, "because");
        assert_eq!(b.drift[1].reason, TODO);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.drift.yaml");
        std::fs::write(&p, b.to_yaml("c.md")).unwrap();
        assert_eq!(load(&p).unwrap(), b);
        std::fs::write(
            &p,
            "version: 1\ndrift:\n  - line: 3\n    difference: d\n    reason: r\n    extra: 1\n",
        )
        .unwrap();
        let e = load(&p).unwrap_err();
        assert!(e.contains("c.drift.yaml:") && e.contains("extra"), "{e}");
        assert_eq!(
            default_path(Path::new("/x/chapter.md")),
            Path::new("/x/chapter.drift.yaml")
        );
        assert!(
            load(&dir.path().join("none.yaml"))
                .unwrap()
                .drift
                .is_empty()
        );
    }
}
