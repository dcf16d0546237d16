//! probe21bb: what a node's root made that the node was not charged for.

use crate::labs::{TestLab, namespaces_of, text};

/// Finding 1: a connection a node accepted over MPTCP kept its send queue
/// charged to no cgroup (60 connections, 480 MB of the host's TCP memory,
/// the node charged 0.7 MB). MPTCP is off in every namespace of a lab now,
/// and a node cannot turn it on: `socket(AF_INET, SOCK_STREAM,
/// IPPROTO_MPTCP)` fails in a node while a plain TCP socket is made, and
/// every namespace of the lab (pods' too) reads `net.mptcp.enabled` 0. Seen
/// failing with the sysctl left out: the MPTCP socket was made.
#[test]
fn no_mptcp_socket_is_made_in_a_node_or_a_pod() {
    let lab = TestLab::chapter4("mptcp21bb");
    lab.up(&[]);
    let script = r#"python3 - <<'PY'
import socket
for proto in (262, 0):
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto).close()
        print(proto, "made")
    except OSError as e:
        print(proto, "refused", e.errno)
PY
echo 1 > /proc/sys/net/mptcp/enabled 2>/dev/null || echo "enable refused""#;
    let out = lab.ssh("node1", script);
    assert!(out.status.success(), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("262 refused"), "{said}");
    assert!(said.contains("0 made"), "{said}");
    assert!(said.contains("enable refused"), "{said}");
    let all = namespaces_of(&lab.name);
    assert!(all.len() >= 7, "{all:?}");
    for ns in all {
        let short = ns.strip_prefix(&format!("{}.", lab.name)).unwrap();
        let out = lab.in_ns(short, &["cat", "/proc/sys/net/mptcp/enabled"]);
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0", "{ns}");
    }
}
