//! Loops a node's devices can close at layer 2: a node whose bridge sits
//! on a cycle of its devices is stopped as its link dump shows it.
//!
//! Why: a bridge floods a broadcast out of every port but the one it came
//! in on, so two paths between two ports (two veth pairs joining two
//! bridges, a veth pair with both ends in one bridge, two of the node's
//! wires in one bridge while another node does the same) keep one frame
//! going round with no process left, in the host's softirq, charged to no
//! cgroup. The frame bound of [`super::frame_rate`] sees a fast loop; a
//! slow one it cannot: rules in the bridge family's chains make each pass
//! cost what the node chooses, so that a loop takes a whole host core at
//! a rate of frames under any bound a real workload stays below (probe21ah
//! finding 2, shown there with nf_tables' `fwd`, refused by
//! [`super::refused_rules::FORWARDS_WHY`]). A bridge of the node's own is allowed
//! (a chapter may build one); a cycle through one is not.
//!
//! How: the devices of a link dump are the vertices of a graph whose edges
//! are a port and its master (`IFLA_MASTER`: bridge, bond, team, vrf), an
//! upper device and its lower (`IFLA_LINK`: vlan, macvlan, ipvlan, macsec),
//! and a veth and its peer in the node. Whatever leads out of the node at
//! layer 2 is one vertex, *outside*: the node's wires (the devices whose
//! peer is in another namespace when the guard starts, before the pods'
//! veths are made; [`Wires`]) and its layer 2 tunnels (gretap, vxlan,
//! geneve, …), since each reaches the lab's shared networks. A pod's veth
//! leads to a pod, which has no other way out: it is an ordinary leaf. A
//! component of the graph with a cycle and a forwarding device (a bridge)
//! stops the node. Cycles without a bridge (a bond of two veths whose
//! peers are bonded too) forward nothing and are left, and so is a bridge's
//! port that STP keeps from forwarding (`IFLA_BRPORT_STATE` other than
//! forwarding): two bridges joined by two veth pairs with `stp_state 1`
//! run (a spanning-tree chapter, probe21ak finding 2), and a port that
//! comes to forward is told of by an event, which has the node's devices
//! looked at again.

use super::super::netlink::msg::attrs;
use super::link_message::LinkMessage;
use std::collections::{HashMap, HashSet};

const IFLA_INFO_KIND: u16 = 1;
const IFLA_INFO_DATA: u16 = 2;
const IFLA_INFO_SLAVE_KIND: u16 = 4;
const IFLA_INFO_SLAVE_DATA: u16 = 5;
/// A bridge port's STP state (u8) in its `IFLA_INFO_SLAVE_DATA`; only a
/// port in `BR_STATE_FORWARDING` passes frames.
const IFLA_BRPORT_STATE: u16 = 1;
/// A bridge port's hairpin mode (u8): the bridge may send a frame back out
/// of the port it came in on.
const IFLA_BRPORT_MODE: u16 = 4;
const BR_STATE_FORWARDING: u8 = 3;
/// A vxlan's `IFLA_VXLAN_VNIFILTER` (u8), in its `IFLA_INFO_DATA`.
const IFLA_VXLAN_VNIFILTER: u16 = 30;

/// Kinds that forward a frame from one of their ports to another.
const FORWARDING: [&[u8]; 3] = [b"bridge", b"openvswitch", b"hsr"];

/// Kinds that carry Ethernet frames to another host: a bridge port of
/// this kind leads out of the node as a wire does.
const LAYER2_TUNNELS: [&[u8]; 7] = [
    b"gretap",
    b"ip6gretap",
    b"vxlan",
    b"geneve",
    b"erspan",
    b"ip6erspan",
    b"l2tp",
];

/// Kinds whose `IFLA_LINK` is the device their packets are sent through
/// (an underlay reached by routing), not a device they are stacked on.
const TUNNELS: [&[u8]; 9] = [
    b"gre", b"ip6gre", b"ipip", b"sit", b"ip6tnl", b"vti", b"vti6", b"xfrm", b"bareudp",
];

/// One device of a link dump, as far as loops go.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Link {
    pub index: i32,
    pub name: String,
    pub kind: Vec<u8>,
    pub master: Option<i32>,
    pub link: Option<i32>,
    /// Its `IFLA_LINK` is in another namespace (a veth's peer elsewhere).
    pub leads_out: bool,
    /// A vxlan device with a VNI filter (see [`VNI_FILTER_WHY`]).
    pub vni_filter: bool,
    /// A bridge's port that does not forward (STP has it listening,
    /// learning, blocking or disabled): no path through it.
    pub port_blocked: bool,
    /// A bridge's port in hairpin mode (see [`hairpin_loop`]).
    pub hairpin: bool,
}

/// Why a node with a vxlan device that filters VNIs is stopped (and the
/// device removed as its event comes, before the node's next command):
/// `bridge vni add dev D vni A-B` adds a whole range in one message, each
/// VNI kept with per-CPU counters outside the node's limit, while holding
/// the host's network lock (probe21ai: 1,000,000 VNIs in 10 messages, 418
/// MB of the host's, the node charged 0.65 MB; removing the device held the
/// lock 1.17 s; one message of the whole range would be about 7 GB). The
/// lab makes none. A single program that sends both messages back to back
/// is faster than any watcher: README's Security model says so.
pub const VNI_FILTER_WHY: &str = "a vxlan device with a VNI filter (`vnifilter`, which lab makes \
     none of): one message adds a whole range of VNIs, each kept outside the node's limit while \
     the host's network lock is held";

use super::super::netlink::msg::c_str as name;

/// The device a link dump's (or event's) message `body` tells of.
pub fn link_of(body: &[u8]) -> Option<Link> {
    LinkMessage::parse(body).as_ref().map(Link::of)
}

impl Link {
    /// The device a link message `m` tells of, as far as loops go.
    pub fn of(m: &LinkMessage) -> Link {
        let index = m.index;
        let mut l = Link {
            index,
            name: String::from_utf8_lossy(m.name).into(),
            link: m.link.filter(|&i| i != 0 && i != index),
            master: m.master.filter(|&i| i != 0 && i != index),
            leads_out: m.link_netnsid,
            ..Link::default()
        };
        let Some(info) = m.info.map(attrs) else {
            return l;
        };
        if let Some((_, k)) = info.iter().find(|(t, _)| *t == IFLA_INFO_KIND) {
            l.kind = name(k).to_vec();
        }
        let of = |ty: u16| info.iter().find(|(t, _)| *t == ty).map(|(_, v)| *v);
        if of(IFLA_INFO_SLAVE_KIND).map(name) == Some(b"bridge") {
            let port = |ty: u16| {
                of(IFLA_INFO_SLAVE_DATA).and_then(|d| {
                    attrs(d)
                        .into_iter()
                        .find(|(t, _)| *t == ty)
                        .and_then(|(_, v)| v.first().copied())
                })
            };
            l.port_blocked = port(IFLA_BRPORT_STATE).is_some_and(|s| s != BR_STATE_FORWARDING);
            l.hairpin = port(IFLA_BRPORT_MODE) == Some(1);
        }
        let data = info.iter().find(|(t, _)| *t == IFLA_INFO_DATA);
        l.vni_filter = l.kind == b"vxlan"
            && data.is_some_and(|(_, d)| {
                attrs(d)
                    .iter()
                    .any(|(t, v)| *t == IFLA_VXLAN_VNIFILTER && v.first() == Some(&1))
            });
        l
    }
}

/// The node's wires: the devices leading out of it (their peer in another
/// namespace) at the guard's first look, which comes before the lab makes
/// the pods' veths. No device made later leads anywhere but to a pod: a
/// node cannot put a device in a namespace it cannot enter.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Wires(HashSet<i32>);

impl Wires {
    /// The wires among the first look's `links`.
    pub fn first_look(links: &[Link]) -> Wires {
        Wires(
            links
                .iter()
                .filter(|l| l.leads_out)
                .map(|l| l.index)
                .collect(),
        )
    }
}

/// The vertex standing for everything outside the node (no device has
/// index 0).
const OUTSIDE: i32 = 0;

/// Union-find over device indices.
#[derive(Default)]
struct Parts(HashMap<i32, i32>);

impl Parts {
    fn root(&mut self, mut v: i32) -> i32 {
        while let Some(&p) = self.0.get(&v) {
            if p == v {
                break;
            }
            let grand = self.0.get(&p).copied().unwrap_or(p);
            self.0.insert(v, grand);
            v = grand;
        }
        v
    }
}

/// Why the node must be stopped, if a bridge of its `links` (its whole
/// link dump) sits on a cycle, its `wires` standing for the outside.
pub fn why_stop(links: &[Link], wires: &Wires) -> Option<String> {
    let is = |k: &[u8], set: &[&[u8]]| set.contains(&k);
    let vertex = |l: &Link| {
        if wires.0.contains(&l.index) || is(&l.kind, &LAYER2_TUNNELS) {
            OUTSIDE
        } else {
            l.index
        }
    };
    let by_index: HashMap<i32, &Link> = links.iter().map(|l| (l.index, l)).collect();
    let vertex_of = |i: i32| by_index.get(&i).map_or(i, |l| vertex(l));
    // Each edge once, by the devices it joins (a veth pair tells of it
    // from both ends).
    let mut edges = HashSet::new();
    for l in links {
        if let Some(m) = l.master.filter(|_| !l.port_blocked) {
            edges.insert((l.index.min(m), l.index.max(m)));
        }
        let stacked = !l.leads_out && !is(&l.kind, &TUNNELS) && !is(&l.kind, &LAYER2_TUNNELS);
        if let (Some(k), true) = (l.link, stacked) {
            edges.insert((l.index.min(k), l.index.max(k)));
        }
    }
    let mut parts = Parts::default();
    let mut cyclic = Vec::new();
    let mut edges: Vec<_> = edges.into_iter().collect();
    edges.sort_unstable();
    if let Some(why) = hairpin_loop(links, &edges, vertex_of) {
        return Some(why);
    }
    for &(a, b) in &edges {
        let (a, b) = (vertex_of(a), vertex_of(b));
        if a == b {
            // A tunnel over a wire: both outside, no path at layer 2.
            continue;
        }
        let (ra, rb) = (parts.root(a), parts.root(b));
        if ra == rb {
            cyclic.push(a);
        } else {
            parts.0.insert(ra, rb);
        }
    }
    let cyclic: HashSet<i32> = cyclic.into_iter().map(|v| parts.root(v)).collect();
    let mut bridges: Vec<&Link> = links.iter().filter(|l| is(&l.kind, &FORWARDING)).collect();
    bridges.sort_by_key(|l| l.index);
    let bridge = bridges
        .into_iter()
        .find(|l| cyclic.contains(&parts.root(vertex(l))))?;
    Some(format!(
        "its bridge {} sits on a cycle of its devices (two paths between its ports: veth pairs, \
         stacked devices, or two ways out of the node): a broadcast goes round in the host's \
         softirq with no process left, charged to no one",
        bridge.name
    ))
}

/// An edge of the graph: the two devices it joins, the smaller index first.
type Edge = (i32, i32);

/// Why the node must be stopped, if a bridge's port in hairpin mode faces
/// something that sends a frame back: another hairpin port (reached from
/// its own link, not from its bridge) or a way out of the node. A hairpin
/// port sends a frame that came in on it back out of it, so two bridges
/// joined by one veth pair, both its ends hairpin, keep one broadcast going
/// round with no cycle in the graph (probe21am finding 1: 824,000 frames a
/// second; behind 600 rules, 125,700 and about a host core). A hairpin port
/// facing a leaf (a pod's veth) reflects into the leaf, which sends nothing
/// back: it runs. `edges` are the devices' links (each pair once),
/// `vertex_of` maps a device to its vertex (the outside one vertex).
fn hairpin_loop(
    links: &[Link],
    edges: &[(i32, i32)],
    vertex_of: impl Fn(i32) -> i32,
) -> Option<String> {
    let hairpins: Vec<&Link> = links
        .iter()
        .filter(|l| l.hairpin && !l.port_blocked && l.master.is_some())
        .collect();
    if hairpins.is_empty() {
        return None;
    }
    let master_edge = |l: &Link| l.master.map(|m| (l.index.min(m), l.index.max(m)));
    let mut next: HashMap<i32, Vec<(i32, Edge)>> = HashMap::new();
    for &(a, b) in edges {
        let (va, vb) = (vertex_of(a), vertex_of(b));
        if va != vb {
            next.entry(va).or_default().push((vb, (a, b)));
            next.entry(vb).or_default().push((va, (a, b)));
        }
    }
    let why = |x: &Link, facing: &str| {
        format!(
            "its bridge port {} is in hairpin mode facing {facing}: a broadcast is sent back and \
             forth for ever in the host's softirq, with no process left, charged to no one",
            x.name
        )
    };
    for x in &hairpins {
        let start = vertex_of(x.index);
        if start == OUTSIDE {
            return Some(why(x, "the outside (another node may send it back)"));
        }
        let own = master_edge(x);
        let mut seen = HashSet::from([start]);
        let mut todo = vec![start];
        while let Some(u) = todo.pop() {
            for &(v, e) in next.get(&u).into_iter().flatten() {
                if Some(e) == own {
                    continue;
                }
                if v == OUTSIDE {
                    return Some(why(x, "the outside (another node may send it back)"));
                }
                let reflects = hairpins.iter().any(|y| {
                    y.index != x.index && vertex_of(y.index) == v && master_edge(y) != Some(e)
                });
                if reflects {
                    return Some(why(x, "another hairpin port"));
                }
                if seen.insert(v) {
                    todo.push(v);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(index: i32, name: &str, kind: &str) -> Link {
        Link {
            index,
            name: name.into(),
            kind: kind.as_bytes().to_vec(),
            ..Link::default()
        }
    }

    fn port(mut l: Link, master: i32) -> Link {
        l.master = Some(master);
        l
    }

    fn linked(mut l: Link, to: i32) -> Link {
        l.link = Some(to);
        l
    }

    fn wire(index: i32, name: &str) -> Link {
        let mut l = linked(dev(index, name, "veth"), 2);
        l.leads_out = true;
        l
    }

    /// What the lab makes: two wires, flannel's vxlan, cni0 and two pods'
    /// veths (made after the first look).
    fn lab() -> (Vec<Link>, Wires) {
        let first = vec![dev(1, "lo", ""), wire(2, "enp0s3"), wire(3, "enp0s8")];
        let wires = Wires::first_look(&first);
        let mut all = first;
        all.push(dev(4, "flannel.1", "vxlan"));
        all.push(dev(5, "cni0", "bridge"));
        for i in [6, 7] {
            let mut v = port(linked(dev(i, "veth", "veth"), 2), 5);
            v.leads_out = true;
            all.push(v);
        }
        (all, wires)
    }

    #[test]
    fn what_the_lab_makes_closes_no_loop() {
        let (links, wires) = lab();
        assert_eq!(wires.0.len(), 2);
        assert_eq!(why_stop(&links, &wires), None);
    }

    /// The loops of probe21ae and probe21ah: two bridges joined by two
    /// veth pairs; one pair with both ends in a bridge.
    #[test]
    fn a_bridge_on_a_cycle_of_veth_pairs_stops_the_node() {
        let (mut links, wires) = lab();
        links.extend([
            dev(10, "brx", "bridge"),
            dev(11, "bry", "bridge"),
            port(linked(dev(12, "l1a", "veth"), 13), 10),
            port(linked(dev(13, "l1b", "veth"), 12), 11),
            port(linked(dev(14, "l2a", "veth"), 15), 10),
        ]);
        assert_eq!(why_stop(&links, &wires), None, "one pair is no loop");
        links.push(port(linked(dev(15, "l2b", "veth"), 14), 11));
        assert!(why_stop(&links, &wires).unwrap().contains("bridge brx"));
        let (mut one, wires) = lab();
        one.extend([
            dev(10, "br0", "bridge"),
            port(linked(dev(12, "a", "veth"), 13), 10),
            port(linked(dev(13, "b", "veth"), 12), 10),
        ]);
        assert!(why_stop(&one, &wires).unwrap().contains("bridge br0"));
    }

    /// Two ways out of the node in one bridge: two wires, a wire and a
    /// layer 2 tunnel, two VLANs of one wire. One way out is allowed.
    #[test]
    fn two_ways_out_of_the_node_in_a_bridge_stop_it() {
        let with = |extra: Vec<Link>| {
            let (mut links, wires) = lab();
            links.push(dev(10, "br0", "bridge"));
            links.extend(extra);
            why_stop(&links, &wires)
        };
        assert_eq!(with(vec![port(wire(3, "enp0s8"), 10)]), None);
        assert!(
            with(vec![
                port(wire(2, "enp0s3"), 10),
                port(wire(3, "enp0s8"), 10)
            ])
            .is_some()
        );
        assert!(
            with(vec![
                port(wire(3, "enp0s8"), 10),
                port(dev(20, "gt", "gretap"), 10)
            ])
            .is_some()
        );
        assert!(
            with(vec![
                port(linked(dev(20, "enp0s8.10", "vlan"), 3), 10),
                port(linked(dev(21, "enp0s8.20", "vlan"), 3), 10),
            ])
            .is_some()
        );
        // A tunnel over a wire, bridged alone: one way out.
        assert_eq!(
            with(vec![port(linked(dev(20, "gt", "gretap"), 3), 10)]),
            None
        );
        // A pod's veth moved to the bridge: it leads to a pod, a leaf.
        let mut pod = port(linked(dev(22, "vethp", "veth"), 2), 10);
        pod.leads_out = true;
        assert_eq!(with(vec![port(wire(3, "enp0s8"), 10), pod]), None);
    }

    /// Probe21ak finding 2: a port STP keeps from forwarding is no path.
    #[test]
    fn a_port_that_does_not_forward_breaks_the_cycle() {
        let (mut links, wires) = lab();
        let mut blocked = port(linked(dev(15, "l2b", "veth"), 14), 11);
        blocked.port_blocked = true;
        links.extend([
            dev(10, "s1", "bridge"),
            dev(11, "s2", "bridge"),
            port(linked(dev(12, "l1a", "veth"), 13), 10),
            port(linked(dev(13, "l1b", "veth"), 12), 11),
            port(linked(dev(14, "l2a", "veth"), 15), 10),
            blocked.clone(),
        ]);
        assert_eq!(why_stop(&links, &wires), None);
        links.pop();
        blocked.port_blocked = false;
        links.push(blocked);
        assert!(why_stop(&links, &wires).is_some());
    }

    /// Probe21am finding 1: two bridges joined by one veth pair whose ends
    /// are both hairpin ports; one hairpin end, or a hairpin port facing a
    /// pod, runs.
    #[test]
    fn hairpin_ports_facing_each_other_stop_the_node() {
        let hair = |mut l: Link| {
            l.hairpin = true;
            l
        };
        let (mut links, wires) = lab();
        links.extend([
            dev(10, "ba", "bridge"),
            dev(11, "bb", "bridge"),
            hair(port(linked(dev(12, "ha", "veth"), 13), 10)),
            port(linked(dev(13, "hb", "veth"), 12), 11),
        ]);
        assert_eq!(why_stop(&links, &wires), None, "one end only");
        links.pop();
        links.push(hair(port(linked(dev(13, "hb", "veth"), 12), 11)));
        assert!(why_stop(&links, &wires).unwrap().contains("hairpin"));
        let (mut pods, wires) = lab();
        for l in pods.iter_mut().filter(|l| l.master == Some(5)) {
            l.hairpin = true;
        }
        assert_eq!(why_stop(&pods, &wires), None, "pods' veths face leaves");
        let (mut out, wires) = lab();
        out.extend([dev(10, "br0", "bridge"), hair(port(wire(3, "enp0s8"), 10))]);
        assert!(why_stop(&out, &wires).unwrap().contains("the outside"));
    }

    #[test]
    fn a_cycle_with_no_bridge_on_it_is_left() {
        let (mut links, wires) = lab();
        links.extend([
            dev(10, "bond0", "bond"),
            dev(11, "bond1", "bond"),
            port(linked(dev(12, "a1", "veth"), 14), 10),
            port(linked(dev(13, "a2", "veth"), 15), 10),
            port(linked(dev(14, "b1", "veth"), 12), 11),
            port(linked(dev(15, "b2", "veth"), 13), 11),
        ]);
        assert_eq!(why_stop(&links, &wires), None);
    }

    #[test]
    fn a_link_message_is_read() {
        use super::super::link_message::{
            IFINFOMSG, IFLA_IFNAME, IFLA_LINK, IFLA_LINK_NETNSID, IFLA_LINKINFO, IFLA_MASTER,
        };
        use crate::provider::netns::netlink::msg::attr;
        let mut body = vec![0u8; IFINFOMSG];
        body[4..8].copy_from_slice(&7i32.to_ne_bytes());
        attr(&mut body, IFLA_IFNAME, b"l1a\0");
        attr(&mut body, IFLA_LINK, &8i32.to_ne_bytes());
        attr(&mut body, IFLA_MASTER, &9i32.to_ne_bytes());
        let mut info = Vec::new();
        attr(&mut info, IFLA_INFO_KIND, b"veth\0");
        attr(&mut body, IFLA_LINKINFO | 0x8000, &info);
        let l = link_of(&body).unwrap();
        assert_eq!(
            (
                l.index,
                l.name.as_str(),
                l.kind.as_slice(),
                l.master,
                l.link,
                l.leads_out
            ),
            (7, "l1a", &b"veth"[..], Some(9), Some(8), false)
        );
        attr(&mut body, IFLA_LINK_NETNSID, &1i32.to_ne_bytes());
        assert!(link_of(&body).unwrap().leads_out);
        assert!(!link_of(&body).unwrap().vni_filter);
        assert!(!link_of(&body).unwrap().port_blocked);
        let port = |state: u8| {
            let mut b = vec![0u8; IFINFOMSG];
            let mut data = Vec::new();
            attr(&mut data, IFLA_BRPORT_STATE, &[state]);
            let mut info = Vec::new();
            attr(&mut info, IFLA_INFO_KIND, b"veth\0");
            attr(&mut info, IFLA_INFO_SLAVE_KIND, b"bridge\0");
            attr(&mut info, IFLA_INFO_SLAVE_DATA | 0x8000, &data);
            attr(&mut b, IFLA_LINKINFO | 0x8000, &info);
            link_of(&b).unwrap().port_blocked
        };
        assert!(!port(BR_STATE_FORWARDING));
        assert!(port(4));
        assert!(port(1));
    }

    /// Probe21ai finding 1: a vxlan's VNI filter is read from its data
    /// (the kernel tells it as 0 or 1 for every vxlan).
    #[test]
    fn a_vxlan_with_a_vni_filter_is_told_apart() {
        use super::super::link_message::{IFINFOMSG, IFLA_LINKINFO};
        use crate::provider::netns::netlink::msg::attr;
        let vxlan = |filter: u8| {
            let mut body = vec![0u8; IFINFOMSG];
            let mut data = Vec::new();
            attr(&mut data, 1, &42u32.to_ne_bytes());
            attr(&mut data, IFLA_VXLAN_VNIFILTER, &[filter]);
            let mut info = Vec::new();
            attr(&mut info, IFLA_INFO_KIND, b"vxlan\0");
            attr(&mut info, IFLA_INFO_DATA | 0x8000, &data);
            attr(&mut body, IFLA_LINKINFO | 0x8000, &info);
            link_of(&body).unwrap().vni_filter
        };
        assert!(vxlan(1));
        assert!(!vxlan(0));
    }
}
