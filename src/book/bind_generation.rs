//! When a `kubectl apply -f` of the chapter makes new pods. A real cluster
//! answers an apply of the objects it already runs, from the same file,
//! `unchanged`, and keeps their pods (names and addresses): such an apply
//! starts no new generation (probe21ba, lesser 7: it did, and the correct
//! rest of the chapter drifted). An apply makes new pods when a `delete -f`
//! ended the objects' pods before it, when it is the first of them, or when
//! its file is not what was applied last for them with other pod templates
//! (another file of other content, e.g. `flannel_fix.yml` over
//! `flannel.yml`: a changed pod template rolls its pods out again; another
//! file whose controllers' templates are the same keeps them, probe21bk).
//! Where the book shows the apply answering `created` or `configured` for
//! a pod controller over live pods, it is taken as new pods too: an old
//! pod's name or address then drifts rather than bind to a pod the reader
//! may no longer have.

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

/// Whether an apply of the lab's manifest file `b` over `a` keeps the pods
/// `a` made: the same file, files of the same bytes, or files whose pod
/// controllers (each Deployment, DaemonSet, StatefulSet or ReplicaSet by
/// kind, namespace and name) have the same pod templates: a controller
/// rolls its pods out again only when its template changes, not for
/// another object of the file (a ConfigMap). Unreadable files of two names
/// are taken as different.
fn same_content(lab: &Lab, a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (Some(pa), Some(pb)) = (path_of(lab, a), path_of(lab, b)) else {
        return false;
    };
    if let (Ok(x), Ok(y)) = (std::fs::read(pa), std::fs::read(pb))
        && x == y
    {
        return true;
    }
    match (pod_templates(pa), pod_templates(pb)) {
        (Some(x), Some(y)) => !x.is_empty() && x == y,
        _ => false,
    }
}

/// The kinds whose objects make pods from a template.
const CONTROLLERS: [&str; 4] = ["Deployment", "DaemonSet", "StatefulSet", "ReplicaSet"];

/// Each pod controller of the manifest at `path`: its kind, namespace and
/// name, and its pod template, in the file's order (`None`: unreadable).
fn pod_templates(path: &Path) -> Option<Vec<(String, serde_norway::Value)>> {
    let m = crate::testbed::manifest::read_documents(path).ok()?;
    let text = |d: &serde_norway::Value, key: &str| {
        d.get("metadata")
            .and_then(|m| m.get(key))
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    Some(
        m.docs
            .iter()
            .filter_map(|d| {
                let kind = d.get("kind")?.as_str()?;
                CONTROLLERS.contains(&kind).then(|| {
                    let template = d
                        .get("spec")
                        .and_then(|s| s.get("template"))
                        .cloned()
                        .unwrap_or(serde_norway::Value::Null);
                    let id = format!("{kind}/{}/{}", text(d, "namespace"), text(d, "name"));
                    (id, template)
                })
            })
            .collect(),
    )
}

/// The lab's manifest file named `file` (a variant's or a workload's).
fn path_of<'a>(lab: &'a Lab, file: &str) -> Option<&'a Path> {
    lab.variants
        .iter()
        .map(|v| v.manifest.as_path())
        .chain(lab.workload_files.iter().map(|f| f.as_path()))
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy() == file))
}

/// Whether kubectl's answer the book shows says a pod controller changed
/// or was made (`deployment.apps/x configured`, `deployment "x" created`),
/// not `unchanged`. A line of another kind's object (`configmap/cfg
/// configured`) changes no pod; a line whose kind lab cannot read counts
/// as a change.
fn says_changed(output: &[String]) -> bool {
    output.iter().any(|l| {
        let words: Vec<&str> = l.split_whitespace().collect();
        let changed = words
            .last()
            .is_some_and(|w| *w == "created" || *w == "configured");
        changed
            && words
                .first()
                .is_none_or(|w| of_a_controller(w, words.get(1)))
    })
}

/// Whether kubectl's object word `first` (`daemonset.apps/x`, or
/// `deployment` before a quoted `"x"`, kubectl 1.10's form) names a pod
/// controller, or a kind lab cannot read.
fn of_a_controller(first: &str, second: Option<&&str>) -> bool {
    let typed = first.contains('/') || second.is_some_and(|w| w.starts_with('"'));
    if !typed {
        return true;
    }
    let kind = first
        .split(['/', '.'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    CONTROLLERS.iter().any(|c| c.to_ascii_lowercase() == kind)
}

#[cfg(test)]
#[path = "bind_generation_tests.rs"]
mod tests;
