//! Host damage found by probe21am (`docs/security-probe.md`, "probe21am"),
//! seen failing first.

use crate::guard::{node1_stays_up_after, node1_stopped_after};
use crate::labs::TestLab;

/// Finding 1: two bridges joined by one veth pair whose ends are both in
/// hairpin mode send one broadcast back and forth for ever (824,000 frames
/// a second; behind 600 rules, 125,700 and about a host core), though the
/// devices make no cycle. One hairpin end runs on; the second stops the
/// node as its event comes. Seen failing with `hairpin` not read from the
/// port's data: node1 stayed up.
#[test]
fn bridge_ports_in_hairpin_mode_facing_each_other_stop_their_node() {
    let lab = TestLab::chapter4("hair21am");
    lab.up(&[]);
    node1_stays_up_after(
        &lab,
        "ip link add ba type bridge && ip link add bb type bridge && \
         ip link add ha type veth peer name hb && ip link set ha master ba && \
         ip link set hb master bb && for d in ba bb ha hb; do ip link set $d up; done && \
         bridge link set dev ha hairpin on && echo added",
        2,
    );
    node1_stopped_after(
        &lab,
        "echo added; bridge link set dev hb hairpin on",
        "hairpin mode facing another hairpin port",
        5,
    );
}

/// Finding 2: a legacy table padded past the 16 MiB the guard reads of its
/// entries (1,100 rules of eight `-m u32` matches, 17.9 MB, under the
/// rules' bound) hid a `-j TTL` rule from it. A node with a legacy table
/// too big to read is stopped. Seen failing with the size not checked:
/// node1 stayed up with its `-j TTL` rule.
#[test]
fn a_legacy_table_too_big_to_read_stops_its_node() {
    which::which("iptables-legacy-restore").expect("iptables: `bash .ci/install` installs it");
    let lab = TestLab::chapter4("pad21am");
    lab.up(&[]);
    node1_stopped_after(
        &lab,
        r#"echo added; M=""; for k in 1 2 3 4 5 6 7 8; do M="$M -m u32 --u32 0=0x$k"; done
{ echo "*mangle"; echo ":PAD - [0:0]"
  for i in $(seq 1 1100); do echo "-A PAD$M -j RETURN"; done
  echo "-A PREROUTING -i lo -j TTL --ttl-set 64"; echo COMMIT; } | iptables-legacy-restore"#,
        "legacy iptables table of more than 16 MiB",
        12,
    );
}

/// probe21ao finding 1: a unicast route out of `lo` forwards what arrives
/// on `lo` out of `lo` again until its TTL runs out, 254 passes a packet
/// uncounted by the frame bound (0.9 of a host core for 11,000 frames a
/// qdisc released). A route out of another device runs on; one out of `lo`
/// stops its node as its event comes. Seen failing with
/// `out_of_loopback` not asked: node1 stayed up.
#[test]
fn a_unicast_route_out_of_loopback_stops_its_node() {
    let lab = TestLab::chapter4("lo21ao");
    lab.up(&[]);
    node1_stays_up_after(
        &lab,
        "ip route add 10.97.0.0/16 dev enp0s8 && ip addr add 10.96.0.10/32 dev lo && echo added",
        2,
    );
    node1_stopped_after(
        &lab,
        "echo added; ip route add 10.98.0.0/16 dev lo",
        "a unicast route out of `lo`",
        5,
    );
}
