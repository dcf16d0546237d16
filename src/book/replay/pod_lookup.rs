//! Whether the reader's kubectl finds the pod a line names (an `exec`, a
//! `logs`): kubectl looks a pod up by its name in one namespace (the
//! line's `-n`, else `default`), and a pod the chapter deleted is gone for
//! good (an apply makes new ones, with new names). Where it finds none,
//! the reader's command fails (`Error from server (NotFound)`): running it
//! in the lab pod the book's name binds to would compare what the reader
//! never sees (probe21ay, finding 1: such a line was replayed and agreed).
//! The lab knows each pod's namespace: a workload's pods are where the lab
//! runs them, the pod network's where its plugin runs its pods.
//!
//! A pod kubectl finds but the book never places (which node, which lab
//! pod) is the book saying too little, not a failure of the lab's: a
//! flannel pod the book shows only in a table without NODE, and one the
//! book never shows at all, are `not_understood`, saying why (probe21ba,
//! lesser 8 gave an `error`). Not `skipped`: a pod renamed in the book's
//! one table with NODE then had every claim about it (its `subnet.env`,
//! its log, its routes) uncompared, and the chapter passed (probe21bc,
//! finding 1).

use super::super::{Replayer, Target, fail};
use crate::book::bind::{BookPod, PodKind, kind_of, owner_of};
use crate::book::coherence::ended;
use crate::book::recognize::Kubectl;
use crate::book::{CommandReport, KubectlOutcome, Verdict};
use crate::provider::PodRef;

/// Where a line without `-n` looks (the book's kubeconfig names none).
const DEFAULT: &str = "default";

impl Replayer<'_> {
    /// Why the reader's kubectl finds no pod `pod` for the line `k` at
    /// `line` (empty: it finds it, or lab cannot tell): its namespace holds
    /// no such pod, or the chapter deleted it.
    pub(super) fn pod_missing(
        &self,
        t: &dyn Target,
        k: &Kubectl,
        pod: &str,
        line: usize,
        pods: &[PodRef],
    ) -> Vec<String> {
        let mut why = Vec::new();
        let asked = k.namespace.as_deref().unwrap_or(DEFAULT);
        if let Some(holds) = self.namespace_of(t, pod, pods)
            && holds != asked
        {
            let looks = match &k.namespace {
                Some(_) => String::new(),
                None => ", where a line without -n looks".to_string(),
            };
            why.push(format!(
                "the reader's kubectl finds no pod {pod} in namespace {asked}{looks} (the book's pod {pod} is in {holds})"
            ));
        }
        why.extend(self.pod_deleted(pod, line));
        why
    }

    /// Why the reader has no pod `pod` at `line` because the chapter
    /// deleted it: [`ended`], or a pod of a workload the chapter deleted
    /// and has not applied again that the book never shows alive (the
    /// reader has none of its pods, whatever their names). Such a line is
    /// replayed (kubectl's refusal of its form still counts, its NotFound
    /// drifts), never skipped as about what the reader deleted (probe21bh,
    /// finding 2: an `exec` into a deleted pod was `skipped`, and kubectl's
    /// certain refusal of its form went unreported).
    pub(in super::super) fn pod_deleted(&self, pod: &str, line: usize) -> Option<String> {
        if let Some(why) = ended(&self.binding, pod, line) {
            return Some(why);
        }
        let workload = owner_of(pod);
        let gone = self
            .gone_workloads
            .get(workload)
            .filter(|g| g.namespace.is_none() && workload != pod)?;
        Some(format!(
            "the chapter deleted {workload} at line {} (`kubectl delete -f`) and has not applied it again: the reader has none of its pods",
            gone.line
        ))
    }

    /// The verdict of a line whose pod lab could not place (`why`:
    /// [`Replayer::place`]'s answer), whatever kubectl said of it: the
    /// same as the fixed line's. A line kubectl refuses (`exec POD CMD`)
    /// fails for the reader, but what the book shows under it is what the
    /// fixed line would print, and that never ran: `not_understood` (or
    /// the lab's `error`), which no known-drift entry covers (probe21bc,
    /// finding 2: it kept the refusal's verdict, the refusal's entry made
    /// it `known_drift`, and a reply claimed across the broken network
    /// passed uncompared).
    pub(super) fn unplaced(
        &self,
        pod: &str,
        why: String,
        outcome: KubectlOutcome,
        r: &mut CommandReport,
    ) {
        self.unplaced_verdict(pod, why, r);
        if outcome == KubectlOutcome::Refused {
            r.reason = r.reason.take().map(|why| {
                format!(
                    "kubectl refuses the line, so the reader's command fails; its meaning could not be run in the lab either, so nothing the book shows under it was compared (no known-drift entry covers that): {why}"
                )
            });
        }
    }

    /// [`Replayer::unplaced`]'s verdict and reason, as for a line kubectl
    /// takes.
    fn unplaced_verdict(&self, pod: &str, why: String, r: &mut CommandReport) {
        match self.binding.pods.get(pod) {
            Some(BookPod {
                kind: PodKind::Flannel,
                node: None,
                line,
                ..
            }) => {
                r.verdict = Verdict::NotUnderstood;
                r.reason = Some(format!(
                    "the book shows flannel pod {pod} (line {line}) but never its node (no NODE column, no node's address as its IP): lab cannot tell which node's flannel it is, so nothing of it ran or was compared; `kubectl get pods -o wide` shows it"
                ));
            }
            _ if why.starts_with("the book never") => {
                r.verdict = Verdict::NotUnderstood;
                r.reason = Some(why);
            }
            _ => fail(r, why),
        }
    }

    /// The namespace the book's `pod` is in, as the lab runs its kind: a
    /// workload's pods where the lab runs them, a pod network's where its
    /// plugin does. `None`: lab cannot tell (a pod of nothing it runs).
    fn namespace_of(&self, t: &dyn Target, pod: &str, pods: &[PodRef]) -> Option<String> {
        let kind = match self.binding.pods.get(pod) {
            Some(p) if p.kind != PodKind::Unknown => p.kind.clone(),
            _ => kind_of(self.lab, pod),
        };
        match kind {
            PodKind::Flannel => {
                let variant = self.lab.variant(&t.variant()).ok()?;
                Some(variant.cni.plugin().ready_pods().namespace.to_string())
            }
            PodKind::Workload { app } => pods
                .iter()
                .find(|p| p.app == app)
                .map(|p| p.namespace.clone()),
            PodKind::Unknown => None,
        }
    }
}

/// A line whose pod the reader's kubectl does not find (`missing`: why,
/// [`Replayer::pod_missing`]): the reader's command fails, and nothing of
/// it runs in the lab. It drifts, unless the book shows kubectl's
/// NotFound (the reader meets that; a line kubectl refuses first fails
/// with the refusal, and once fixed still finds no pod).
pub(super) fn pod_not_found(
    r: &mut CommandReport,
    pod: &str,
    missing: Vec<String>,
    outcome: KubectlOutcome,
) {
    let answer = not_found(pod);
    let shown = r.book.iter().any(|l| l.trim() == answer);
    let refused = outcome == KubectlOutcome::Refused;
    if !shown {
        r.differences.extend(missing);
    }
    r.ran_on = Some("kubectl".into());
    r.why
        .push(format!("the reader's kubectl answers `{answer}`"));
    r.reason = Some(match (refused, shown) {
        (true, _) => "kubectl refuses the line, so the reader's command fails; fixed (as `exec POD -- CMD`), the reader's kubectl still finds no such pod: nothing of it ran in the lab".into(),
        (false, true) => {
            r.verdict = Verdict::Skipped;
            "the reader's kubectl finds no such pod, as the book shows: nothing of it ran in the lab".into()
        }
        (false, false) => "the reader's kubectl finds no such pod, so the reader's command fails: nothing of it ran in the lab".into(),
    });
}

/// What the reader's kubectl answers for a pod it does not find.
fn not_found(pod: &str) -> String {
    format!("Error from server (NotFound): pods \"{pod}\" not found")
}

#[cfg(test)]
#[path = "tests_pod_lookup.rs"]
mod tests;
