//! Which pods a `kubectl get pods` line would show: one owner of the
//! question for the book's coherence ([`super::coherence_deleted`]) and the
//! lab's own answer to a listing ([`super::replay`]). kubectl lists the
//! pods of the line's namespace (every namespace with `--all-namespaces`)
//! whose labels match its `-l KEY=VALUE`; a pod's labels are its maker's
//! template in the lab's manifests: a workload's Deployment
//! (nginx-deployment.yaml's `app: nginx`), the pod network's DaemonSet
//! (flannel's `app: flannel`). probe21br, finding 1: a listing with `-l`
//! covered only a later listing of the same `-l`, so a pod it left out came
//! back in a plain `get pods`, green.
//!
//! Only what the manifests say counts: a label they do not give (like
//! `pod-template-hash`, which Kubernetes adds) selects nothing, and a
//! selector lab does not read (set-based, `!=`) is not understood before
//! it gets here ([`super::recognize`]), so a listing shows only what is
//! known to match.

use super::bind::PodKind;
use crate::spec::Lab;

/// A pod's labels, as its maker's template gives them.
pub type Labels = Vec<(String, String)>;

/// The labels of every pod of `kind`, as the lab's manifests make them:
/// a workload's template, or the pod network's DaemonSet template (the
/// labels every variant's gives, so that a selector matches it whichever
/// the chapter applied). None: not known.
pub fn labels_of(lab: &Lab, kind: &PodKind) -> Option<Labels> {
    match kind {
        PodKind::Workload { app } => lab
            .workloads
            .iter()
            .find(|w| &w.app == app)
            .map(|w| w.labels.clone()),
        PodKind::Flannel => network_labels(lab),
        PodKind::Unknown => None,
    }
}

/// The namespace the pods of `kind` run in: the pod network plugin's
/// (kube-system), a workload's `default`. None: not known.
pub fn namespace_of(lab: &Lab, kind: &PodKind) -> Option<String> {
    match kind {
        PodKind::Workload { .. } => Some("default".into()),
        PodKind::Flannel => Some(network_namespace(lab).into()),
        PodKind::Unknown => None,
    }
}

/// The namespace of the pod network's pods.
pub fn network_namespace(lab: &Lab) -> &'static str {
    lab.variants
        .first()
        .map(|v| v.cni.plugin().ready_pods().namespace)
        .unwrap_or("kube-system")
}

/// Whether a listing with `selector` shows a pod with `labels` (none
/// known: only a listing with no selector).
pub fn selects(selector: Option<&(String, String)>, labels: Option<&Labels>) -> bool {
    match (selector, labels) {
        (None, _) => true,
        (Some((k, v)), Some(labels)) => labels.iter().any(|(lk, lv)| lk == k && lv == v),
        (Some(_), None) => false,
    }
}

/// Whether a listing of `namespace` (None: every namespace) with
/// `selector` shows a pod of `kind` that runs in `pod_namespace` (None: as
/// the lab's manifests place it).
pub fn would_show(
    lab: &Lab,
    namespace: Option<&str>,
    selector: Option<&(String, String)>,
    kind: &PodKind,
    pod_namespace: Option<&str>,
) -> bool {
    let theirs = pod_namespace
        .map(str::to_string)
        .or_else(|| namespace_of(lab, kind));
    let place = match (namespace, theirs.as_deref()) {
        (None, _) => true,
        (Some(mine), Some(ns)) => mine == ns,
        (Some(_), None) => false,
    };
    place && selects(selector, labels_of(lab, kind).as_ref())
}

/// The pod network's pods' labels: each variant manifest's DaemonSet that
/// carries its plugin's own `app` label, the labels every one of them gives.
fn network_labels(lab: &Lab) -> Option<Labels> {
    let mut common: Option<Labels> = None;
    for v in &lab.variants {
        let app = v.cni.plugin().ready_pods().app;
        let Ok(m) = crate::testbed::manifest::read_documents(&v.manifest) else {
            return None;
        };
        let labels = m
            .docs
            .iter()
            .filter(|d| d.get("kind").and_then(|k| k.as_str()) == Some("DaemonSet"))
            .filter_map(|d| {
                let l = d
                    .get("spec")?
                    .get("template")?
                    .get("metadata")?
                    .get("labels")?
                    .as_mapping()?;
                Some(
                    l.iter()
                        .filter_map(|(k, v)| {
                            Some((k.as_str()?.to_string(), v.as_str()?.to_string()))
                        })
                        .collect::<Labels>(),
                )
            })
            .find(|l| l.iter().any(|(k, v)| k == "app" && v == app))?;
        common = Some(match common {
            None => labels,
            Some(c) => c.into_iter().filter(|l| labels.contains(l)).collect(),
        });
    }
    common
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(l: &[(&str, &str)]) -> Labels {
        l.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_selector_selects_the_pods_whose_labels_hold_it() {
        let nginx = labels(&[("app", "nginx"), ("tier", "web")]);
        let sel = |k: &str, v: &str| (k.to_string(), v.to_string());
        assert!(selects(None, Some(&nginx)));
        assert!(selects(None, None));
        assert!(selects(Some(&sel("app", "nginx")), Some(&nginx)));
        assert!(selects(Some(&sel("tier", "web")), Some(&nginx)));
        assert!(!selects(Some(&sel("app", "flannel")), Some(&nginx)));
        // Labels not known: a selector shows nothing lab can vouch for.
        assert!(!selects(Some(&sel("app", "nginx")), None));
        assert!(!selects(
            Some(&sel("pod-template-hash", "75675f5897")),
            Some(&nginx)
        ));
    }
}
