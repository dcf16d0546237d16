//! Host damage found by probe21bf (`docs/security-probe.md`, "probe21bf"):
//! a node's root took the lab's own bounds off, or went round them, and
//! put unresolved neighbours into the host's one table faster than the
//! guard looked. Seen failing first.

use crate::guard::{assert_node1_stopped, node1_stays_up_after, node1_stopped_after};
use crate::labs::{TestLab, text};

/// What the guard says of a node that changed the lab's own rules.
const CHANGED: &str = "the lab's own netfilter rules were changed";

/// Finding 1: `nft flush chain ip filter LAB-UNHELD` took the bound on
/// packets to unheld addresses off (probe21bf then made 300 unresolved
/// neighbours in 8.8 ms). Rules of the node's own after the lab's, and a
/// chain's policy, stop nothing; the flush stops node1 as its event comes.
/// Seen failing with `lab_rules_changed` not asked in `sets_heard`: node1
/// stayed up.
#[test]
fn flushing_the_labs_own_rules_stops_the_node() {
    let lab = TestLab::chapter4("flush21bf");
    lab.up(&[]);
    node1_stays_up_after(
        &lab,
        "iptables -A FORWARD -j ACCEPT && iptables -A INPUT -s 10.9.0.0/16 -j DROP && \
         iptables -P FORWARD ACCEPT && echo added",
        2,
    );
    node1_stopped_after(
        &lab,
        "echo added; nft flush chain ip filter LAB-UNHELD",
        CHANGED,
        5,
    );
}

/// Finding 1 gone round: a rule put ahead of the lab's jump in `OUTPUT`
/// passes the bounds by without removing one, and stops node1. Switching
/// the variant (`apply`, which rewrites the lab's rules itself while the
/// guard runs) stops no node. Seen failing with `passed_by` not compared:
/// node1 stayed up; and with the guard not told of `apply`'s rewrite
/// (`tell` taken out of `PodNetwork`): every node stopped.
#[test]
fn a_rule_ahead_of_the_labs_stops_the_node_and_apply_stops_none() {
    let lab = TestLab::chapter4("ahead21bf");
    lab.up(&[]);
    for variant in ["fixed", "broken"] {
        let out = lab.lab(&["apply", &lab.name, "--variant", variant]);
        assert!(out.status.success(), "{}", text(&out));
    }
    node1_stays_up_after(&lab, "echo added", 2);
    node1_stopped_after(&lab, "echo added; iptables -I OUTPUT -j ACCEPT", CHANGED, 5);
}

/// Finding 1 by a route: an on-link route of the node's own makes any
/// range a neighbour's (no rule of the lab's is touched), and 300 UDP
/// datagrams to it (from 16 sockets, so that no socket's buffer paces
/// them) made 300 unresolved neighbours in about 4 ms. The guard reads the
/// host's table every few milliseconds and stops the node at its rise,
/// before the node's next second. Seen failing with the host's table read
/// in the guard's own namespace (where the kernel has no such file: no rise
/// was ever seen) and only at sweeps: the node printed "alive".
#[test]
fn unresolved_neighbours_by_a_route_of_the_nodes_own_stop_it_at_once() {
    let lab = TestLab::chapter4("route21bf");
    lab.up(&[]);
    let out = lab.ssh(
        "node1",
        r#"ip route add 10.245.0.0/16 dev cni0 && python3 -c "
import socket
socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(16)]
for i in range(300):
    socks[i // 20].sendto(b'x', ('10.245.%d.%d' % (i // 250, i % 250 + 1), 9))
print('sent', flush=True)
" && sleep 0.8 && echo alive"#,
    );
    assert!(!text(&out).contains("alive"), "{}", text(&out));
    assert_node1_stopped(&lab, "unresolved neighbours", 5);
}
