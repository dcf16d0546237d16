//! When a `kubectl apply -f` of the chapter makes new pods. A real cluster
//! answers an apply of the objects it already runs, from the same file,
//! `unchanged`, and keeps their pods (names and addresses): such an apply
//! starts no new generation (probe21ba, lesser 7: it did, and the correct
//! rest of the chapter drifted). An apply makes new pods when a `delete -f`
//! ended the objects' pods before it, when it is the first of them, or when
//! its file is not what was applied last for them (another file of other
//! content, e.g. `flannel_fix.yml` over `flannel.yml`: a changed pod
//! template rolls its pods out again). Where the book shows the apply
//! answering `created` or `configured` over live pods, it is taken as new
//! pods too: an old pod's name or address then drifts rather than bind to a
//! pod the reader may no longer have.

use super::Maker;
use crate::spec::Lab;
use std::path::Path;

/// What the chapter last applied for one maker's pods.
struct Applied {
    maker: Maker,
    file: String,
    /// Whether a `delete -f` ended its pods since.
    ended: bool,
}

/// What an apply does to the pods of its maker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplyEffect {
    /// The first apply of them, or one after a `delete -f`: new pods.
    New,
    /// The same objects from the same file: the pods stay.
    Kept,
    /// Other objects' content over live pods (`over`: the file applied
    /// before): they are replaced by new pods, with new names.
    Replaced { over: String },
}

/// The chapter's applies so far, one entry a maker.
#[derive(Default)]
pub struct Applies {
    last: Vec<Applied>,
}

impl Applies {
    /// A `delete -f` of the chapter ended the pods of `maker`.
    pub fn deleted(&mut self, maker: &Maker) {
        for a in self.last.iter_mut().filter(|a| &a.maker == maker) {
            a.ended = true;
        }
    }

    /// An apply of `file` (making the pods of `maker`), the book showing
    /// `output` under it.
    pub fn apply(
        &mut self,
        lab: &Lab,
        maker: &Maker,
        file: &str,
        output: &[String],
    ) -> ApplyEffect {
        let before = self.last.iter().position(|a| &a.maker == maker);
        let effect = match before.map(|i| &self.last[i]) {
            None => ApplyEffect::New,
            Some(a) if a.ended => ApplyEffect::New,
            Some(a) if same_content(lab, &a.file, file) && !says_changed(output) => {
                ApplyEffect::Kept
            }
            Some(a) => ApplyEffect::Replaced {
                over: a.file.clone(),
            },
        };
        let now = Applied {
            maker: maker.clone(),
            file: file.to_string(),
            ended: false,
        };
        match before {
            Some(i) => self.last[i] = now,
            None => self.last.push(now),
        }
        effect
    }
}

/// Whether the lab's manifest files named `a` and `b` hold the same objects
/// (the same file, or files of the same bytes). Unreadable files of two
/// names are taken as different.
fn same_content(lab: &Lab, a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (path_of(lab, a), path_of(lab, b)) {
        (Some(pa), Some(pb)) => match (std::fs::read(pa), std::fs::read(pb)) {
            (Ok(x), Ok(y)) => x == y,
            _ => false,
        },
        _ => false,
    }
}

/// The lab's manifest file named `file` (a variant's or a workload's).
fn path_of<'a>(lab: &'a Lab, file: &str) -> Option<&'a Path> {
    lab.variants
        .iter()
        .map(|v| v.manifest.as_path())
        .chain(lab.workload_files.iter().map(|f| f.as_path()))
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy() == file))
}

/// Whether kubectl's answer the book shows says the objects changed or
/// were made (`deployment.apps/x configured`, `deployment "x" created`),
/// not `unchanged`.
fn says_changed(output: &[String]) -> bool {
    output.iter().any(|l| {
        l.split_whitespace()
            .last()
            .is_some_and(|w| w == "created" || w == "configured")
    })
}

#[cfg(test)]
#[path = "bind_generation_tests.rs"]
mod tests;
