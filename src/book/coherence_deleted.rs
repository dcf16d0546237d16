//! The book's pods after the chapter deleted them (probe21bh, finding 2).
//! After a `kubectl delete -f` of a workload's file or of the pod
//! network's, and until the chapter applies such a file again, the reader
//! has none of their pods: kubectl lists them `Terminating` while they
//! end, then none (`No resources found`), and finds none of them by name
//! (`NotFound`). The lab keeps its own pods (it switches networks as a
//! whole), so a `get pods` table that shows them alive agreed with the
//! lab, and an `exec` into one ran in the lab's: both were green or
//! uncompared although the reader never sees them.
//! - A `get pods` row that shows such a pod other than `Terminating` is a
//!   sentence at its table's line: drift of its block, whatever the lab
//!   runs ([`check`]).
//! - A row of that span is no sign that the pod lives, so a later `exec`
//!   or `logs` of it still finds no pod ([`super::coherence::ended`]).
//! - After the apply that makes them again (or an apply of other content
//!   that replaces them), the pods have new names: a row that shows a
//!   name from before it other than `Terminating` is a sentence too, for
//!   every maker of pods alike, a Deployment's or the pod network's
//!   DaemonSet (probe21bk, finding 1: flannel's old names stayed green).
//! - A pod a listing that would show it left out is gone for good: a later
//!   row that shows it again, `Terminating` too, is a sentence
//!   ([`gone_and_back`]; probe21bp, finding 1: an old pod came back
//!   `Terminating` after a table without it, green).

use super::bind::{Binding, Deletion, PodKind, Table, kind_of};
use super::parse::Step;
use super::recognize::{Cmd, KubeAction, Resource};
use crate::spec::Lab;

/// The chapter's `kubectl delete -f` before `line` that ended the pods of
/// `kind` with no apply making them again by `line`: the reader has none
/// of them there.
pub fn deleted_over<'a>(b: &'a Binding, kind: &PodKind, line: usize) -> Option<&'a Deletion> {
    b.deletions
        .iter()
        .filter(|d| d.replaced.is_none() && d.ends(kind) && d.line < line)
        .rfind(|d| d.applied.is_none_or(|a| a > line))
}

/// Every `get pods` row that shows a pod of a kind the chapter deleted
/// (and has not applied again) other than as `Terminating`: one sentence
/// per table and deletion; and every row that shows, other than as
/// `Terminating`, a pod ended before an apply that made its kind's pods
/// anew: one sentence per row. In [`Binding::shown_deleted`].
pub fn check(lab: &Lab, b: &mut Binding, blocks: &[Vec<(Step, Result<Cmd, String>)>]) {
    gone_and_back(lab, b, blocks);
    for (step, cmd) in blocks.iter().flatten() {
        let Ok(Cmd::Kubectl(k)) = cmd else { continue };
        let KubeAction::Get(g) = &k.action else {
            continue;
        };
        if g.what != Resource::Pods {
            continue;
        }
        let Some(t) = Table::parse(&step.output) else {
            continue;
        };
        let Some(name) = t.col("NAME") else { continue };
        let status = t.col("STATUS");
        // (the deletion's line, its file, the pods shown alive with their status)
        let mut alive: Vec<(usize, String, Vec<String>)> = Vec::new();
        // One sentence per row of a pod made anew since it was shown.
        let mut renamed: Vec<String> = Vec::new();
        for row in &t.rows {
            let pod = &row[name];
            let shown_as = status.map(|i| row[i].as_str()).unwrap_or("");
            if shown_as == "Terminating" {
                continue;
            }
            let kind = match b.pods.get(pod) {
                Some(p) if p.kind != PodKind::Unknown => p.kind.clone(),
                _ => kind_of(lab, pod),
            };
            let Some(d) = deleted_over(b, &kind, step.line) else {
                // After the apply that made its kind's pods anew: an old
                // name is none of theirs.
                if let Some(why) = super::coherence::ended(b, pod, step.line) {
                    let s = match shown_as {
                        "" => String::new(),
                        s => format!(" ({s})"),
                    };
                    renamed.push(format!(
                        "kubectl get pods: the book shows {pod}{s} here, but {why}"
                    ));
                }
                continue;
            };
            let said = match shown_as {
                "" => pod.clone(),
                s => format!("{pod} ({s})"),
            };
            match alive.iter_mut().find(|(l, ..)| *l == d.line) {
                Some((.., pods)) => pods.push(said),
                None => alive.push((d.line, d.file.clone(), vec![said])),
            }
        }
        for s in renamed {
            b.shown_deleted.push((step.line, s));
        }
        for (line, file, pods) in alive {
            b.shown_deleted.push((
                step.line,
                format!(
                    "the book shows {} here, but line {line}'s `kubectl delete -f {file}` deleted those pods and nothing the chapter applied since makes them again: the reader's kubectl lists them `Terminating` while they end, then none (`No resources found`)",
                    pods.join(", ")
                ),
            ));
        }
    }
}

/// One `get pods` listing of the chapter: where it looks and what it shows.
struct Listing {
    line: usize,
    /// The namespace it lists (`default` when the line names none); none
    /// for every namespace.
    namespace: Option<String>,
    selector: Option<(String, String)>,
    /// Each pod it shows, with its namespace where known.
    pods: Vec<(String, Option<String>)>,
    /// The book cut it (`...`, `(output cut)`): it shows some of its pods,
    /// so a pod it leaves out may be among the rest (probe21br, lesser 2).
    cut: bool,
}

impl Listing {
    fn shows(&self, pod: &str) -> bool {
        self.pods.iter().any(|(p, _)| p == pod)
    }

    /// Whether this listing would show `pod` (of `kind`, in namespace
    /// `ns`), which a later listing with `selector` shows: it is not cut,
    /// it looks in every namespace or that one, and it selects the pod: no
    /// selector, the later one's, or one the pod's labels match, as the
    /// lab's manifests give them ([`super::listing_shows`]).
    fn covers(
        &self,
        lab: &Lab,
        kind: &PodKind,
        ns: Option<&str>,
        selector: &Option<(String, String)>,
    ) -> bool {
        if self.cut {
            return false;
        }
        let place = match (&self.namespace, ns) {
            (None, _) => true,
            (Some(mine), Some(ns)) => mine == ns,
            (Some(_), None) => false,
        };
        place
            && (self.selector.is_none()
                || &self.selector == selector
                || super::listing_shows::would_show(
                    lab,
                    self.namespace.as_deref(),
                    self.selector.as_ref(),
                    kind,
                    ns,
                ))
    }
}

/// Every row that shows a pod again after a listing that would show it
/// left it out: a pod's name is its own for its life, and kubectl lists a
/// pod that ends (`Terminating`) until it is gone, never after. One
/// sentence per row, at its table's line. A listing cut by a pipe is no
/// listing of every pod; one the book cut shows the pods it shows, and
/// says nothing of the others.
fn gone_and_back(lab: &Lab, b: &mut Binding, blocks: &[Vec<(Step, Result<Cmd, String>)>]) {
    let mut seen: Vec<Listing> = Vec::new();
    for (step, cmd) in blocks.iter().flatten() {
        let Ok(Cmd::Kubectl(k)) = cmd else { continue };
        let KubeAction::Get(g) = &k.action else {
            continue;
        };
        if g.what != Resource::Pods || step.command.contains('|') {
            continue;
        }
        let namespace =
            (!g.all_namespaces).then(|| k.namespace.clone().unwrap_or_else(|| "default".into()));
        let pods: Vec<(String, Option<String>)> = match Table::parse(&step.output) {
            Some(t) => match t.col("NAME") {
                Some(name) => t
                    .rows
                    .iter()
                    .map(|r| {
                        let ns = t
                            .col("NAMESPACE")
                            .map(|i| r[i].clone())
                            .or_else(|| namespace.clone());
                        (r[name].clone(), ns)
                    })
                    .collect(),
                None => continue,
            },
            None if step
                .output
                .iter()
                .any(|l| l.trim_start().starts_with("No resources found")) =>
            {
                Vec::new()
            }
            None => continue,
        };
        let here = Listing {
            line: step.line,
            namespace,
            selector: g.selector.clone(),
            pods,
            cut: step.output.iter().any(|l| super::compare::is_elision(l)),
        };
        for (pod, ns) in &here.pods {
            let Some(first) = seen.iter().position(|l| l.shows(pod)) else {
                continue;
            };
            let kind = match b.pods.get(pod) {
                Some(p) if p.kind != PodKind::Unknown => p.kind.clone(),
                _ => kind_of(lab, pod),
            };
            let gone = seen[first..]
                .iter()
                .find(|l| !l.shows(pod) && l.covers(lab, &kind, ns.as_deref(), &here.selector));
            if let Some(gap) = gone {
                b.shown_deleted.push((
                    step.line,
                    format!(
                        "kubectl get pods: the book shows {pod} here, but the listing at line {} already showed it gone (a pod is listed until it ends, `Terminating` included, and never after)",
                        gap.line
                    ),
                ));
            }
        }
        seen.push(here);
    }
}
