//! How the vagrant provider speaks to its cluster: kubectl on the control
//! plane as the admin, over SSH as the `vagrant` user (so with `sudo`), and
//! a pod entered from its node by its network namespace. What the cluster
//! says is read by [`crate::cluster::objects`].

use crate::cluster::{self, Root};

/// How node commands run as root on vagrant's machines (its registry
/// entry's word: commands run as the `vagrant` user).
pub fn root() -> Root {
    Root::of(super::entry::ENTRY.capabilities.node_is_root)
}

/// kubectl on the control plane as the cluster's admin.
pub fn kubectl() -> String {
    cluster::kubectl(root())
}

/// A shell prefix that runs a command in the network namespace of `pod`
/// from the node it runs on.
///
/// Why not `kubectl exec POD -- ping`: the nginx image has no `ping` (nor
/// `ip`, `curl`, `tcpdump`), so a pod-side probe must borrow the node's tools.
/// Entering only the pod's network namespace (`nsenter -n`) gives exactly the
/// pod's view of the network (its eth0, routes, address), which is what the
/// chapter's "pod reaches pod" test is about. The pod's sandbox is found with
/// crictl (containerd's CRI client, shipped with kubeadm), its first
/// container's PID with `crictl inspect`.
/// The pod's namespace and name come from the cluster's JSON (Kubernetes
/// holds them to DNS names); they are quoted all the same, as every value
/// lab writes into a shell line.
pub fn netns_prefix(pod: &str, namespace: &str) -> String {
    let (namespace, name) = (
        crate::shell::quote(namespace),
        crate::shell::quote(&format!("^{pod}$")),
    );
    format!(
        "sudo nsenter -n -t \"$(sudo crictl inspect --output go-template --template '{{{{.info.pid}}}}' \"$(sudo crictl ps -q --pod \"$(sudo crictl pods -q --namespace {namespace} --name {name})\" | head -n1)\")\" --"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_and_pods_are_entered_as_root() {
        assert_eq!(
            kubectl(),
            "sudo kubectl --kubeconfig /etc/kubernetes/admin.conf"
        );
        let prefix = netns_prefix("nginx-deployment-6d8f-abcde", "default");
        assert!(prefix.starts_with("sudo nsenter -n -t \"$(sudo crictl inspect --output go-template --template '{{.info.pid}}' "));
        assert!(prefix.contains("--name '^nginx-deployment-6d8f-abcde$'"));
        assert!(prefix.ends_with(" --"));
        // Each value one word, whatever it holds (twelfth probe: they were
        // written as they came).
        let odd = netns_prefix("a'b", "x; touch /tmp/p12");
        assert!(
            odd.contains("--namespace 'x; touch /tmp/p12' --name '^a'\\''b$'"),
            "{odd}"
        );
    }
}
