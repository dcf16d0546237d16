//! Host damage found by probe21ar (`docs/security-probe.md`, "probe21ar"),
//! seen failing first.

use crate::guard::{node1_stays_up_after, node1_stopped_after};
use crate::labs::TestLab;

/// Finding 2: a macvtap made in a node gets a character device in the
/// host's `/dev` (`/dev/tapN`, N the index the node chose), from a minor
/// number the whole host shares. A macvlan runs on; a macvtap stops the
/// node as its event comes. Seen failing with the kind not refused: node1
/// stayed up with its macvtap.
#[test]
fn a_macvtap_in_a_node_stops_it() {
    let lab = TestLab::chapter4("tap21ar");
    lab.up(&[]);
    node1_stays_up_after(
        &lab,
        "ip link add link enp0s8 name mv0 type macvlan && echo added",
        2,
    );
    node1_stopped_after(
        &lab,
        "echo added; ip link add link enp0s8 name mt0 index 3000 type macvtap",
        "a macvtap or ipvtap device",
        5,
    );
}
