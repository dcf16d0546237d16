//! Host damage found by probe21aa (`docs/security-probe.md`, "probe21aa"),
//! seen failing first. (Its third finding, resilient nexthop groups made
//! again in a loop, is in `guard`.)

use crate::labs::TestLab;

/// `n` routes `172.16.x.0/24` via node1's own enp0s8 gateway, each with
/// a metric of its own (a nexthop each), added by `ip -batch`.
fn routes(n: usize) -> String {
    format!(
        "python3 -c \"
for i in range({n}):
    print('route add 172.16.%d.0/24 via 10.100.198.1 dev enp0s8 metric %d' % (i, i + 1))
\" > /root/routes && ip -batch /root/routes && echo added"
    )
}

/// Findings 1 and 2 and the lesser TCP one: route exceptions (1.2 MB of
/// the host's a nexthop at most, charged to no one) made from a node's own
/// packets through a VXLAN device's path MTU, ICMP redirects taken between
/// two of the guard's looks, and TCP over the node's own loopback. What
/// holds them is a route: the guard counts a node's IPv4 routes, every
/// table, and stops a node past its bound (70 for chapter4's 3 nodes; a
/// node has 16). 40 more run on; 20 more stop node1. Seen failing with the
/// routes not counted: node1 stayed up.
#[test]
fn a_node_past_its_bound_of_ipv4_routes_is_stopped() {
    let lab = TestLab::chapter4("routes21aa");
    lab.up(&[]);
    let bound = lab::provider::netns::table_bounds::routes_a_node_keeps(3);
    assert_eq!(bound, 70);
    let out = lab.in_ns("node1", &["ip", "-4", "route", "show", "table", "all"]);
    let own = String::from_utf8_lossy(&out.stdout).lines().count();
    assert!(own + 40 <= bound, "node1 has {own} routes");
    crate::guard::node1_stays_up_after(&lab, &routes(40), 3);
    // 20 more: 16 + 60 = 76, past 70 (said first: routes are counted as
    // their events come, and the node may be stopped before the batch ends).
    crate::guard::node1_stopped_after(
        &lab,
        "echo added; python3 -c \"
for i in range(40, 60):
    print('route add 172.16.%d.0/24 via 10.100.198.1 dev enp0s8 metric %d' % (i, i + 1))
\" > /root/more && ip -batch /root/more",
        "IPv4 routes, past the bound of 70",
        10,
    );
}
