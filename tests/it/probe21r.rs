//! Host damage found by probe21r (`docs/security-probe.md`, "probe21r"),
//! each test seen failing first.

use crate::labs::{TestLab, text};

/// Findings 1, 2, 3 and 5: a node's root raised its network's resource
/// limits (`igmp_max_msf`: one `setsockopt(IP_MSFILTER)` then held a host
/// CPU and the host's network lock for minutes; `ipfrag_high_thresh`,
/// `tcp_fin_timeout`, `somaxconn`, `optmem_max`: host memory charged to no
/// one, orphans outliving the lab). They are read-only now; the switches
/// a VM's root sets (forwarding, a device's `rp_filter`) are not. Failed
/// before: every write went through.
#[test]
fn a_nodes_network_limits_are_read_only_its_switches_are_not() {
    let lab = TestLab::chapter4("sys21r");
    lab.up(&[]);
    let limits = [
        "ipv4/igmp_max_msf",
        "ipv4/igmp_max_memberships",
        "core/optmem_max",
        "core/somaxconn",
        "ipv4/tcp_fin_timeout",
        "ipv4/ipfrag_high_thresh",
        "ipv4/ipfrag_time",
        "netfilter/nf_conntrack_max",
    ];
    let switches = [
        "ipv4/ip_forward",
        "ipv4/conf/all/rp_filter",
        "ipv4/conf/cni0/forwarding",
    ];
    let script: String = limits
        .iter()
        .chain(&switches)
        .map(|f| {
            format!(
                "if echo $(cat /proc/sys/net/{f}) > /proc/sys/net/{f} 2>/dev/null; \
                 then echo '{f} written'; else echo '{f} refused'; fi; "
            )
        })
        .collect();
    let out = lab.ssh("node1", &script);
    assert!(out.status.success(), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    for f in limits {
        assert!(said.contains(&format!("{f} refused")), "{said}");
    }
    for f in switches {
        assert!(said.contains(&format!("{f} written")), "{said}");
    }
}
