//! Host damage found by probe21ai (`docs/security-probe.md`, "probe21ai"),
//! seen failing first.

use crate::guard::{guard_log, node1_stays_up_after, node1_stopped_after};
use crate::labs::TestLab;
use std::time::{Duration, Instant};

/// Finding 1: `bridge vni add dev D vni A-B` on a vxlan with a VNI filter
/// added a whole range of VNIs in one message, each kept outside the
/// node's limit under the host's network lock (1,000,000 VNIs, 418 MB of
/// the host's, the node charged 0.65 MB). A vxlan in `external` mode
/// without a filter runs on; one with a filter is removed and its node
/// stopped as its event comes, so the `bridge vni add` the shell runs next
/// finds no device. Seen failing with `vni_filter` not read in
/// `devices::why_stop` and `handle`: node1 stayed up, the VNIs added.
#[test]
fn a_vxlan_with_a_vni_filter_stops_its_node_before_it_fills() {
    let lab = TestLab::chapter4("vni21ai");
    lab.up(&[]);
    node1_stays_up_after(
        &lab,
        "ip link add vx8 type vxlan dstport 4791 external && echo added",
        2,
    );
    let out = lab.ssh(
        "node1",
        "echo added; ip link add vx9 type vxlan dstport 4790 external vnifilter && \
         bridge vni add dev vx9 vni 100-20000 && bridge vni show dev vx9",
    );
    let shown = crate::labs::text(&out);
    assert!(shown.contains("added"), "{shown}");
    crate::guard::assert_node1_stopped(&lab, "a vxlan device with a VNI filter", 5);
    assert!(!shown.contains("100-20000"), "the VNIs were added: {shown}");
}

/// Finding 2: a node whose ipset sets the guard had to flush once (a
/// range added whole by one message) and that passes the bound again is
/// stopped, rather than flushed on the guard's time again and again (a
/// flush of 475,000 elements took 0.49 s of its CPU and put every node's
/// next look off by ten seconds). Seen failing with `FLUSHES_BEFORE_STOP`
/// at 100: node1 stayed up, flushed a second time.
#[test]
fn a_node_past_the_ipset_bound_a_second_time_is_stopped() {
    which::which("ipset").expect("ipset: `bash .ci/install` installs it");
    let lab = TestLab::chapter4("ipset21ai");
    lab.up(&[]);
    node1_stays_up_after(
        &lab,
        "ipset create big hash:ip maxelem 100000 && ipset add big 10.1.0.0/16 && echo added",
        2,
    );
    // The first time past the bound, the sets are flushed.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !guard_log(&lab).contains("ipset elements past the bound") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        guard_log(&lab).contains("ipset elements past the bound"),
        "{}",
        guard_log(&lab)
    );
    node1_stopped_after(
        &lab,
        "echo added; ipset add big 10.2.0.0/16",
        "after they were flushed once",
        5,
    );
}
