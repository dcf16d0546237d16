//! Problems collected, not thrown: every problem of a lab file found in one
//! pass, each located at its line in the file by the field it names.

use crate::error::Problem;
use crate::testbed::locate::Locator;
use crate::testbed::manifest::ManifestError;
use std::path::Path;

/// The most problems reported for one lab; the rest are counted.
const MAX_SHOWN: usize = 20;

/// Collects problems, locating each field in the lab file's text.
pub(crate) struct Collector<'a> {
    file: &'a Path,
    locator: Locator<'a>,
    pub problems: Vec<Problem>,
}

impl<'a> Collector<'a> {
    pub fn new(file: &'a Path, text: &'a str) -> Self {
        Collector {
            file,
            locator: Locator::new(text),
            problems: Vec::new(),
        }
    }

    /// An empty collector over the same file, for trial resolutions whose
    /// problems may be dropped.
    pub fn scratch(&self) -> Collector<'a> {
        Collector {
            file: self.file,
            locator: self.locator.clone(),
            problems: Vec::new(),
        }
    }

    /// A problem of the lab file; its line is found by `finish`.
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            file: self.file.to_path_buf(),
            line: None,
            column: None,
            field: field.into(),
            message: message.into(),
        });
    }

    /// The problems to report: the first `MAX_SHOWN`, located in the lab
    /// file, and a count of the rest. Locating scans the text, so a file
    /// with a problem on each of its many lines must not locate them all.
    pub(crate) fn finish(self) -> Vec<Problem> {
        let mut problems = self.problems;
        let more = problems.len().saturating_sub(MAX_SHOWN);
        problems.truncate(MAX_SHOWN);
        for p in &mut problems {
            if p.file == self.file && p.line.is_none() {
                let pos = self.locator.locate(&p.field);
                p.line = pos.map(|p| p.0);
                p.column = pos.map(|p| p.1);
            }
        }
        if more > 0 {
            problems.push(Problem {
                file: self.file.to_path_buf(),
                line: None,
                column: None,
                field: "(file)".into(),
                message: format!("{more} more problems not shown"),
            });
        }
        problems
    }

    /// A problem inside a manifest file the lab names.
    pub(crate) fn push_manifest(&mut self, lab_field: &str, path: &Path, e: ManifestError) {
        let field = if e.field.is_empty() {
            lab_field.to_string()
        } else {
            format!("{lab_field} -> {}", e.field)
        };
        self.problems.push(Problem {
            file: path.to_path_buf(),
            line: e.line,
            column: None,
            field,
            message: e.message,
        });
    }
}
