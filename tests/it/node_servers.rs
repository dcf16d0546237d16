//! probe21l's finding 4 (`docs/security-probe.md`, "fixc session"): on
//! netns a curl to a node's own address on a port where a kubeadm node
//! runs a server (the API server, the kubelet, kube-proxy, sshd, etcd, the
//! NodePort range) matched a book showing "Connection refused", which the
//! reader, whose node answers, never sees.

use crate::book::{chapter4_with, verdicts};
use crate::harness::require_root;

/// Failed on 168a391: blocks 19, 28, 37 and 46 `match` (exit 0). Now
/// each such curl is `skipped` naming what a real node runs there; a port
/// no kubeadm server uses on a node's address (8080, and 10257, which
/// kubeadm binds to 127.0.0.1) and node1's nginx pod are still compared.
#[test]
fn a_curl_to_a_port_where_a_real_node_runs_a_server_is_never_a_match() {
    require_root();
    let (stdout, v) = chapter4_with("fixcport", "book/probe21l-ports.md");
    assert_eq!(
        verdicts(&v),
        [
            (9, "skipped".to_string()),
            (19, "skipped".into()),
            (28, "skipped".into()),
            (37, "skipped".into()),
            (46, "skipped".into()),
            // The pod's `curl -I`: compared, but its `Server: nginx/1.13.7`
            // version is not (a netns pod's nginx is the host's), so it is
            // no plain match (probe21br, finding 4).
            (54, "skipped".into()),
        ],
        "{stdout}"
    );
    let commands: Vec<&serde_json::Value> = v["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["commands"].as_array().unwrap())
        .filter(|c| c["command"].as_str().unwrap_or_default().contains("curl"))
        .collect();
    let said: Vec<(&str, &str)> = commands
        .iter()
        .map(|c| {
            (
                c["verdict"].as_str().unwrap_or_default(),
                c["reason"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    let servers = [
        "the Kubernetes API server",
        "the kubelet's API",
        "sshd",
        "etcd",
        "NodePort",
        "kube-proxy's health check",
    ];
    assert_eq!(said.len(), 9, "{said:#?}");
    for (i, what) in servers.iter().enumerate() {
        assert_eq!(said[i].0, "skipped", "{said:#?}");
        assert!(said[i].1.contains(what), "{what}: {said:#?}");
    }
    // The refused ports match; the pod's `curl -I` is compared but for
    // its `Server` version, so it is skipped saying so (probe21br).
    assert!(said[6..8].iter().all(|(v, _)| *v == "match"), "{said:#?}");
    assert_eq!(said[8].0, "skipped", "{said:#?}");
    assert!(
        said[8].1.contains("the version in `Server: nginx/1.13.7`"),
        "{said:#?}"
    );
}
