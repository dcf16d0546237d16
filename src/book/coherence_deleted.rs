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
