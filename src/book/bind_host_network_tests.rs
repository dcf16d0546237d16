//! Unit tests of [`super`]: a flannel pod placed by its node's address.

use super::place_by_node_address;
use crate::book::bind::{Binding, BookPod, PodKind};

/// A flannel pod shown with node1's address as its IP runs on node1; one
/// with an address of no node (the NAT address every node shares) stays
/// unplaced, and a workload pod is never placed so.
#[test]
fn a_flannel_pod_with_its_nodes_address_runs_there() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let lab =
        crate::spec::load_file(&root.join("labs/chapter4/lab.yaml"), Default::default()).unwrap();
    let pod = |kind: PodKind, ip: &str| BookPod {
        kind,
        node: None,
        ip: Some(ip.parse().unwrap()),
        index: 0,
        epoch: 0,
        line: 1,
    };
    let mut b = Binding::default();
    b.pods.insert(
        "kube-flannel-ds-a".into(),
        pod(PodKind::Flannel, "10.100.198.201"),
    );
    b.pods.insert(
        "kube-flannel-ds-b".into(),
        pod(PodKind::Flannel, "10.0.2.15"),
    );
    let nginx = PodKind::Workload {
        app: "nginx".into(),
    };
    b.pods
        .insert("nginx-x".into(), pod(nginx, "10.100.198.202"));
    place_by_node_address(&lab, &mut b);
    assert_eq!(b.pods["kube-flannel-ds-a"].node.as_deref(), Some("node1"));
    assert_eq!(b.pods["kube-flannel-ds-b"].node, None);
    assert_eq!(b.pods["nginx-x"].node, None);
}
