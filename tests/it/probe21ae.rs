//! Host damage found by probe21ae (`docs/security-probe.md`, "probe21ae"),
//! seen failing first.

use crate::labs::TestLab;

/// Finding 3: one nf_tables rule too big for a dump message (20 `u32`
/// matches, about 40 KB) hid itself and every rule after it from the
/// guard's count: 6000 `connlimit` rules past the bound, and an IDLETIMER
/// rule naming a host's timer, ran on. The kernel cannot tell of such a
/// rule in an event either, and says so to every listener (`ENOBUFS`): a
/// node whose nf_tables events were lost is stopped. Seen failing with a
/// loss stopping only a node that has sets: node1 stayed up.
#[test]
fn a_rule_too_big_for_a_dump_stops_its_node() {
    let lab = TestLab::chapter4("bigrule21ae");
    lab.up(&[]);
    let matches: Vec<String> = (1..=20)
        .map(|i| format!("-m u32 --u32 '0>>22&0x3C@0={i}'"))
        .collect();
    crate::guard::node1_stopped_after(
        &lab,
        &format!(
            "echo added; iptables -t mangle -N BIG && iptables -t mangle -A BIG {} -j RETURN && \
             iptables -t mangle -A BIG -j IDLETIMER --timeout 3600 --label bigrule21ae",
            matches.join(" ")
        ),
        "nf_tables events lost",
        10,
    );
}

/// Finding 4: one device with 260 long alternative names (a link message
/// past a dump's 32 KB) hid itself and every later device from the guard's
/// link dump: two veth pairs of 4096 queues each (61 MB of the host's)
/// ran on. The devices the node's `/proc/net/dev` lists are counted too,
/// and a dump short of them at two sweeps in a row stops the node. Seen
/// failing with the dump's count alone: node1 stayed up.
#[test]
fn a_device_too_big_for_a_dump_stops_its_node() {
    let lab = TestLab::chapter4("altname21ae");
    lab.up(&[]);
    let names = "for i in $(seq 260); do printf 'link property add dev hider altname a%0119d\\n' \
                 $i; done | ip -batch -";
    crate::guard::node1_stopped_after(
        &lab,
        &format!(
            "echo added; ip link add hider type veth peer name hider2 && {names} && ip link add \
             q1 type veth peer name r1"
        ),
        "devices hidden from",
        10,
    );
}
