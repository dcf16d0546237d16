//! The bounds a node's root cannot take off: an nf_tables table of the
//! guard's in each node (`ip lab`, flags `owner`), made and held by an
//! `nft -i` the guard starts in the node's namespace and keeps (pure
//! functions here: the ruleset as text, unit-tested; the guard's side is
//! `guard::owned_table`).
//!
//! Why: root in a node keeps `CAP_NET_ADMIN` over its namespace, and the
//! lab's `iptables` chains (see [`super::table_bounds`]) are rules of that
//! namespace: probe21bf flushed `LAB-UNHELD`; probe21bg made the `filter`
//! table dormant (`nft add table ip filter '{ flags dormant; }'`), refilled
//! a limit by replacing its rule with the same one, used an `apply` to
//! flush it unseen, and went round the rules with an on-link route of its
//! own (to `cni0`, or to an `ifb` device, whose neighbours are `NOARP` and
//! tell no event): 300 to 800 unresolved neighbours in the host's one
//! table in milliseconds each time. A table with the owner flag can be
//! changed, made dormant or removed only through the netlink socket that
//! made it, and `nft flush ruleset` passes it by; its chains see every
//! packet whatever other tables accept (an `accept` ends one base chain
//! only).
//!
//! What it holds: every packet leaving a node (`postrouting`, after every
//! other chain: no NAT or reroute comes after it) whose next hop (`rt ip
//! nexthop`: the gateway, or the address itself on a link) is no machine
//! of the lab and no broadcast goes through a limit of [`UNHELD_BURST`] at
//! once and [`UNHELD_PER_SECOND`] a second, and past it is dropped:
//! whatever the route, device, NAT or rules, the node's packets make at
//! most that many neighbours. When
//! the lab's variant tracks connections, new flows in, out and through are
//! limited as `LAB-CONNTRACK` limits them. The table goes with the guard's
//! `nft` (the guard stops a node whose `nft` ended).

use super::table_bounds::{
    Attached, NEW_FLOWS_BURST, NEW_FLOWS_PER_SECOND, UNHELD_BURST, UNHELD_PER_SECOND,
};
use crate::spec::{Lab, Node};
use crate::testbed::PodPlacement;
use std::net::Ipv4Addr;

/// The table's name (inside the node's own namespace, of family `ip`).
pub const TABLE: &str = "lab";
/// The priority of the chain that judges next hops: after every other but
/// conntrack's confirmation (`INT_MAX`), so that a dropped packet is not
/// confirmed as a flow.
const LAST: i32 = i32::MAX - 1;

/// Every next hop a node's own traffic has: the machines of its attached
/// networks (`attached`: its NAT gateway, its peers, its pods), their
/// broadcasts, and the other nodes' flannel addresses (`vteps`: each pod
/// subnet's first address, the next hop of the routes to it).
pub fn held_next_hops(attached: &[Attached], vteps: &[Ipv4Addr]) -> Vec<Ipv4Addr> {
    let mut held: Vec<Ipv4Addr> = attached
        .iter()
        .flat_map(|a| a.held.iter().copied().chain([a.net.broadcast()]))
        .chain(vteps.iter().copied())
        .chain([Ipv4Addr::BROADCAST])
        .collect();
    held.sort();
    held.dedup();
    held
}

/// The next hops of `node` of `lab` (see [`held_next_hops`]).
pub fn node_next_hops(lab: &Lab, node: &Node, placements: &[PodPlacement]) -> Vec<Ipv4Addr> {
    let vteps: Vec<Ipv4Addr> = lab
        .nodes
        .iter()
        .filter(|n| n.index != node.index)
        .map(|n| n.pod_subnet.network())
        .collect();
    held_next_hops(
        &super::table_bounds::node_networks(lab, node, placements),
        &vteps,
    )
}

/// The ruleset, one line (`nft -i` runs a line as one transaction: all of
/// it or none), that makes the table anew: removed first when `replace`
/// (the owner's socket may), with next hops `held`, and new flows limited
/// when `tracking`.
pub fn ruleset(held: &[Ipv4Addr], tracking: bool, replace: bool) -> String {
    let t = format!("ip {TABLE}");
    let mut c: Vec<String> = Vec::new();
    if replace {
        c.push(format!("delete table {t}"));
    }
    c.push(format!("add table {t} {{ flags owner; }}"));
    let elements: Vec<String> = held.iter().map(Ipv4Addr::to_string).collect();
    c.push(format!("add set {t} held {{ type ipv4_addr; }}"));
    if !elements.is_empty() {
        c.push(format!(
            "add element {t} held {{ {} }}",
            elements.join(", ")
        ));
    }
    // The next hop is judged where no chain can change it any more: the
    // last of postrouting, after every NAT and every reroute (at output,
    // a node's own NAT after the chain sent packets on to addresses it
    // never saw: probe21bi finding 1). `reject` is not allowed there: the
    // packet is dropped, and the sender's call fails (EPERM); the lab's
    // `LAB-UNHELD` rejects first, as a host that does not answer.
    c.push(format!(
        "add chain {t} leaving {{ type filter hook postrouting priority {LAST}; policy accept; }}"
    ));
    c.push(format!("add rule {t} leaving oif \"lo\" return"));
    c.push(format!("add rule {t} leaving rt ip nexthop @held return"));
    c.push(format!(
        "add rule {t} leaving limit rate {UNHELD_PER_SECOND}/second burst {UNHELD_BURST} packets return"
    ));
    c.push(format!("add rule {t} leaving drop"));
    // Before the `filter` tables' chains (priority 0), after `raw`'s.
    let base = |name: &str, hook: &str| {
        format!("add chain {t} {name} {{ type filter hook {hook} priority -150; policy accept; }}")
    };
    if tracking {
        c.push(base("out", "output"));
        c.push(base("through", "forward"));
        c.push(base("arriving", "input"));
        c.push(format!("add chain {t} flows"));
        for chain in ["out", "through", "arriving"] {
            c.push(format!("add rule {t} {chain} jump flows"));
        }
        c.push(format!(
            "add rule {t} flows ct state new limit rate {NEW_FLOWS_PER_SECOND}/second burst {NEW_FLOWS_BURST} packets return"
        ));
        c.push(format!("add rule {t} flows ct state new reject"));
    }
    c.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// chapter4's node1: its NAT gateway, its peers, its pod, every
    /// broadcast and the other nodes' flannel addresses are held; nothing
    /// else of the pod network is.
    #[test]
    fn a_node_holds_its_machines_broadcasts_and_peers_flannel_addresses() {
        let lab = crate::spec::load_file(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("labs/chapter4/lab.yaml"),
            Default::default(),
        )
        .unwrap();
        let placements = lab.placements();
        let node1 = lab.nodes.iter().find(|n| n.name == "node1").unwrap();
        let held: Vec<String> = node_next_hops(&lab, node1, &placements)
            .iter()
            .map(|a| a.to_string())
            .collect();
        for a in [
            "10.0.2.2",
            "10.100.198.200",
            "10.100.198.202",
            "10.244.0.0",
            "10.244.2.0",
        ] {
            assert!(held.contains(&a.to_string()), "{a}: {held:?}");
        }
        for a in [
            "10.0.2.255",
            "10.100.198.255",
            "10.244.1.255",
            "255.255.255.255",
        ] {
            assert!(held.contains(&a.to_string()), "{a}: {held:?}");
        }
        assert!(!held.contains(&"10.244.1.0".to_string()), "{held:?}");
        assert!(!held.contains(&"10.244.1.77".to_string()), "{held:?}");
    }

    /// One line; the owner flag; a replace removes the table first; the
    /// flows chain only when the variant tracks.
    #[test]
    fn the_ruleset_is_one_line_owned_and_tracks_only_when_asked() {
        let held = ["10.0.2.2".parse().unwrap()];
        let r = ruleset(&held, false, false);
        assert!(!r.contains('\n'), "{r}");
        assert!(r.starts_with("add table ip lab { flags owner; }"), "{r}");
        assert!(r.contains("add element ip lab held { 10.0.2.2 }"), "{r}");
        assert!(r.contains("rt ip nexthop @held return"), "{r}");
        assert!(r.contains("hook postrouting priority 2147483646"), "{r}");
        assert!(r.contains("add rule ip lab leaving drop"), "{r}");
        assert!(!r.contains("ct state"), "{r}");
        let t = ruleset(&held, true, true);
        assert!(t.starts_with("delete table ip lab; add table"), "{t}");
        assert!(t.contains("hook input"), "{t}");
        assert!(t.contains("ct state new reject"), "{t}");
    }
}
