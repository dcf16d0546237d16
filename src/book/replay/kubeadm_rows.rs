//! kubeadm's own pods in a `get pods` table the lab observes without an
//! API server (probe21br, finding 2 and lesser 1). A kubeadm cluster runs
//! its control plane's pods and CoreDNS in kube-system
//! ([`crate::cluster::KUBEADM_SYSTEM_PODS`]); the lab observes none of
//! them, so it cannot vouch for such a row. Each is taken out of the
//! book's table and said as its own difference (the block is not passed
//! on a row lab never compared), and the rest of the table (the pod
//! network's pods, the workloads') is compared as anywhere else: before,
//! the kubeadm row drowned the whole table in one difference, and inside
//! a deleted workload's span it got the table skipped whole.

use crate::book::bind::Table;

/// Whether `pod`, in kube-system, is one of kubeadm's own (CoreDNS, etcd,
/// the API server, the controller manager, the scheduler, kube-proxy), by
/// the names kubeadm gives them (a static pod ends in its node's name,
/// which the book's may not be the lab's).
pub(super) fn is_kubeadms(pod: &str) -> bool {
    crate::cluster::KUBEADM_SYSTEM_PODS.iter().any(|p| {
        let prefix = p.name.split(['*', ' ']).next().unwrap_or(p.name);
        let prefix = prefix.strip_suffix("CP").unwrap_or(prefix);
        pod.strip_prefix(prefix)
            .is_some_and(|rest| !rest.is_empty())
    })
}

/// Take out of `book` (a `get pods` table of the namespace `asked`, none:
/// every namespace) the rows of kubeadm's own pods in kube-system: one
/// difference for each.
pub(super) fn set_aside(book: &mut Table, asked: Option<&str>) -> Vec<String> {
    let Some(name) = book.col("NAME") else {
        return Vec::new();
    };
    let namespace = book.col("NAMESPACE");
    let mut said = Vec::new();
    book.rows.retain(|row| {
        let ns = namespace
            .and_then(|i| row.get(i))
            .map(String::as_str)
            .or(asked);
        let Some(pod) = row.get(name) else {
            return true;
        };
        if ns != Some("kube-system") || !is_kubeadms(pod) {
            return true;
        }
        said.push(format!(
            "kubectl get pods: the book shows {pod} in kube-system, one of kubeadm's own pods; the lab observes its pods without an API server and runs none of kubeadm's, so it cannot compare that row {REST_COMPARED}"
        ));
        false
    });
    if book.rows.is_empty() {
        // Every row was kubeadm's: no other row is left to compare
        // (probe21bu, lesser 4: BUSLT1's reason named no such thing).
        for s in &mut said {
            *s = s.replace(REST_COMPARED, NONE_COMPARED);
        }
    }
    said
}

/// How a row's difference ends where other rows are left to compare.
const REST_COMPARED: &str = "(the rest of the table is compared)";
/// How it ends where the table held only kubeadm's rows.
const NONE_COMPARED: &str = "(the table holds no other row: nothing of it was compared)";

/// The reason of a table that showed only kubeadm's own pods: each row
/// is a difference, none was compared.
pub(super) const ALL_KUBEADMS: &str = "every row the book shows is one of kubeadm's own pods, which the lab observes none of (it runs no API server and none of kubeadm's pods): nothing of the table was compared, and each row is a difference of its own, as the README says";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubeadm_pods_are_told_by_their_names() {
        for p in [
            "coredns-78fcdf6894-2xk8v",
            "etcd-master",
            "kube-apiserver-master",
            "kube-controller-manager-master",
            "kube-scheduler-master",
            "kube-proxy-8xk2p",
        ] {
            assert!(is_kubeadms(p), "{p}");
        }
        for p in [
            "kube-flannel-ds-4mwc7",
            "nginx-deployment-75675f5897-46tfh",
            "etcd-",
        ] {
            assert!(!is_kubeadms(p), "{p}");
        }
    }
}
