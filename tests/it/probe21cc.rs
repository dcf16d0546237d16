//! Host damage found by probe21cc (`docs/security-probe.md`, "probe21cc"),
//! seen failing first.

use crate::guard::{node1_stays_up_after, node1_stopped_after};
use crate::labs::TestLab;

/// Finding 3: `-j TEE --gateway 127.0.0.2` in `lo`'s PREROUTING copies
/// each packet back onto `lo`: one UDP packet made 450,000 to 800,000 a
/// second in the host's softirq, and the frame bound leaves `lo` out. The
/// lab makes no TEE: a node with one is stopped as its event comes, as one
/// with nf_tables' `dup`; a MARK rule on the same chain runs on. Seen
/// failing with `target_refused` answering `None` for TEE: node1 stayed up.
#[test]
fn an_iptables_tee_target_stops_its_node() {
    let lab = TestLab::chapter4("cctee");
    lab.up(&[]);
    node1_stays_up_after(
        &lab,
        "iptables -t mangle -A PREROUTING -i lo -j MARK --set-mark 1 && echo added",
        3,
    );
    node1_stopped_after(
        &lab,
        "echo added; iptables -t mangle -A PREROUTING -i lo -j TEE --gateway 127.0.0.2",
        "`-j TEE`",
        10,
    );
}
