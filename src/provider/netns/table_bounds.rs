//! Bounds on what a node's or a pod's processes add to kernel tables that
//! are not theirs alone (pure functions: the rules are unit-tested as text).
//!
//! **Neighbours.** The kernel's IPv4 neighbour table is one table for the
//! whole host: its dynamic entries, every namespace's together, are capped
//! by `net.ipv4.neigh.default.gc_thresh3` (1024 on a stock kernel), and an
//! entry younger than five seconds that is still being resolved cannot be
//! reclaimed; past the cap the host itself loses new neighbours ("neighbor
//! table overflow"). Every neighbour the lab's traffic needs is permanent
//! (see [`super::plan`]), so a dynamic entry in a lab namespace comes only
//! from a packet to an address of one of its networks that no machine of the
//! lab holds (a reader's ping of a deleted pod, a sweep of a subnet), or from
//! what a peer sends: an ARP packet or an ICMP redirect. Packets to such an
//! unheld address go through [`UNHELD`] first: a burst of
//! [`UNHELD_BURST`], then [`UNHELD_PER_SECOND`] a second; past that they are
//! refused before any entry is made, with the ICMP "host unreachable" the
//! kernel itself gives for an address that does not answer (so a reader's
//! `ping` of an unheld address prints what it prints on a VM). A namespace
//! then holds at most about ten entries young enough to resist the kernel's
//! reclaim, whatever its unprivileged users send, and [`NAMESPACE_SYSCTLS`]
//! make its interfaces answer no ARP, learn from none and take no redirect.
//!
//! **Tracked connections.** A node whose NAT rules turn connection tracking
//! on keeps an entry per flow, its own and its peers' (a UDP datagram to a
//! new port is one): kernel memory outside the node's memory limit, up to
//! `nf_conntrack_max` (262144) per namespace. [`CONNTRACK`] lets new flows
//! in, out and through a node [`NEW_FLOWS_BURST`] at once and then
//! [`NEW_FLOWS_PER_SECOND`] a second, and refuses the rest. A flow with no
//! socket behind it is tracked at most 120 s (unanswered UDP 30 s, a closing
//! or unanswered TCP connection 120 s), so a node holds at most about
//! 4000 + 200 × 120 = 28,000 of them (256 bytes each: 7 MiB); an
//! established connection's entry lives as long as its sockets, which are
//! charged to the node's memory. (An exact count, connlimit over every
//! source, walks every tracked flow of the namespace at each new one: a
//! 250-worker lab's ping mesh took 29 s instead of 6.7 s at the same load.)
//!
//! Root in a node has `CAP_NET_ADMIN` over its own network namespace, as
//! root in a VM has over its kernel, and can remove these rules and undo
//! these sysctls; they bound what every other process of a node, and every
//! process of a pod (whose root has no `CAP_NET_ADMIN`), can do.

use super::names;
use crate::spec::{Lab, Node, nth_host};
use crate::testbed::PodPlacement;
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

/// The chain every packet a namespace sends or forwards goes through.
pub const NEIGHBOURS: &str = "LAB-NEIGHBOURS";
/// Where packets to an unheld address of an attached network go.
pub const UNHELD: &str = "LAB-UNHELD";
/// Where a node's new flows, in, out and through, are let through.
pub const CONNTRACK: &str = "LAB-CONNTRACK";
/// Packets to unheld addresses let through at once ...
pub const UNHELD_BURST: u32 = 5;
/// ... and a second after that.
pub const UNHELD_PER_SECOND: u32 = 1;
/// New flows a node lets through at once ...
pub const NEW_FLOWS_BURST: u32 = 4000;
/// ... and a second after that.
pub const NEW_FLOWS_PER_SECOND: u32 = 200;

/// The most forwarding entries a lab bridge with `ports` ports learns: one
/// MAC a port and room to spare. Every frame from a new source MAC is a
/// new entry (128 bytes, 300 s), with no bound of the kernel's by default:
/// a pod's root (`CAP_NET_RAW`) sending frames from made-up MACs grew its
/// node's `cni0` to 105,008 entries (the probe of 2026-12-05, probe21a).
pub fn learned_macs(ports: usize) -> u32 {
    u32::try_from(ports).unwrap_or(u32::MAX).saturating_add(64)
}

/// The most entries [`super::guard`] lets each of a node's forwarding,
/// neighbour and proxy-neighbour tables hold, in a lab of `nodes` nodes
/// whose busiest node runs `pods` pods. What the lab itself puts in a node's
/// forwarding table is about four entries a pod (its port's own addresses,
/// its MAC learnt), a few a device, and one a peer node (flannel.1); in its
/// neighbour table one a peer node and one a pod: chapter4's busiest node
/// holds 14 and 6. The bound leaves eight times that, and 256 more for what
/// a reader adds by hand: 288 in chapter4, 8272 in a lab of 1000 workers.
/// An entry costs the host at most about 460 bytes (the probe of issue 21:
/// 996,781 entries, 457 MB), so three full tables are about 0.4 MB of a
/// chapter4 node's memory, not charged to its limit (512 MiB).
pub fn entries_a_node_keeps(nodes: usize, pods: usize) -> usize {
    256usize.saturating_add(nodes.saturating_add(pods).saturating_mul(8))
}

/// The host's memory a lab's ipset elements may hold, every node's sets
/// together, before [`super::guard`] flushes a node's sets (and stops the
/// node the second time): 64 MiB.
pub const IPSET_BYTES_A_LAB: usize = 64 << 20;

/// The most bytes of the host's one ipset element can cost: a 250-character
/// comment made each element about 670 bytes (probe21ai).
pub const IPSET_ELEMENT_BYTES: usize = 700;

/// The most elements a node's ipset sets may hold together, in a lab of
/// `nodes` nodes whose other tables keep `entries`: the lab's share of
/// [`IPSET_BYTES_A_LAB`], never fewer than `entries`. Elements share no
/// table of the host's (neighbours do: their bound is the table's), only
/// its memory, so a blocklist of a few thousand addresses fits: 31,956 a
/// node in chapter4; at 251 nodes, 381 (probe21ak: a 300-address list
/// loaded twice stopped its node at the table's bound of 288).
pub fn ipset_elements_a_node_keeps(nodes: usize, entries: usize) -> u64 {
    (IPSET_BYTES_A_LAB / IPSET_ELEMENT_BYTES / nodes.max(1)).max(entries) as u64
}

/// The most IPv4 routing tables a node may have before [`super::guard`]
/// stops it (see its `route_tables`): the lab uses two, the main and local
/// ones, and the classic id space of `/etc/iproute2/rt_tables` is 256. A
/// table costs the host about 430 bytes outside the node's limit (probe21m:
/// 131,000 tables, 56 MB), so the bound is about 110 KB.
pub const ROUTING_TABLES_A_NODE_KEEPS: usize = 256;

/// The most policy routing rules a node may have, both families, before
/// [`super::guard`] stops it (see its `fib_rules`): the lab uses the
/// kernel's own five, and every frame a node receives walks its rules, about
/// 25 ns a rule, in the host's softirq when a queue of the node's releases
/// it (probe21ap: 30,003 rules, 846 µs a frame), so the bound is about 6 µs.
pub const FIB_RULES_A_NODE_KEEPS: usize = 256;

/// The most multicast memberships (every socket's joins of a group, the
/// kernel's own one a device among them) and source filters a node may
/// have before [`super::guard`] stops it (see its `memberships`): the lab
/// joins none but the kernel's, and a membership costs the host about 460
/// bytes charged to no one (probe21ap: 400,000, +185 MB of slab, the node
/// charged 61 MB), so the bound is about 2 MB.
pub const MEMBERSHIPS_A_NODE_KEEPS: usize = 4096;

/// The most `hashlimit` tables a node may have before [`super::guard`]
/// stops it (see its `named_tables`): the lab uses none, and a table is at
/// most 8 MiB of buckets the kernel charges to no one (probe21o: 20 tables,
/// 205 MB), so the bound is 64 MiB.
pub const HASHLIMIT_TABLES_A_NODE_KEEPS: usize = 8;

/// The most `recent` tables a node may have before [`super::guard`] stops
/// it (see its `named_tables`): the lab uses none, and a table is about
/// 400 KB charged to no one (probe21t: 500 tables, 197 MB), so the bound
/// is about 13 MB.
pub const RECENT_TABLES_A_NODE_KEEPS: usize = 32;

/// The most netfilter rules a node may hold, every table and family, before
/// [`super::guard`] stops it (see its `rules`): the lab puts about 40 in a
/// node, and some matches keep data of their own for each rule outside the
/// node's limit (`-m connlimit` 4 KB: probe21u's 40,000 rules held 172 MB of
/// the host's), so the bound is about 16 MB of such data.
pub const RULES_A_NODE_KEEPS: u64 = 4096;

/// The most elements a node's nf_tables sets may declare room for, summed,
/// before [`super::guard`] stops it (see its `nft_sets`): four sets of the
/// size the kernel gives a set a rule adds to (65,535). The lab makes no
/// set. Elements a rule adds from the packet path are charged to no one:
/// about 61 bytes each (probe21u: a million, 61 MB), about 200 with a
/// `limit` of their own (measured on this project's machine), so the bound
/// is 16 to 52 MB.
pub const SET_ELEMENTS_A_NODE_DECLARES: u64 = 4 * 65_536;

/// The most `NFLOG` groups a node's processes may listen on before
/// [`super::guard`] kills the processes holding the most (see its
/// `queued`): the lab uses none, and a group buffers up to 256 KB of
/// logged packets charged to no one (probe21t: 1000 groups, 255 MB), so
/// the bound is 8 MB.
pub const NFLOG_GROUPS_A_NODE_KEEPS: u64 = 32;

/// The most bytes the rings of a node's packet sockets may hold before
/// [`super::guard`] kills the processes that hold the biggest (see its
/// `packet_rings`): tcpdump's ring is 2 MiB (libpcap's default buffer), and
/// the lab's checks run one capture a node at a time. Rings are pages the
/// kernel charges to no one (probe21n: six sockets, 3.4 GB).
pub const PACKET_RING_BYTES_A_NODE_KEEPS: u64 = 64 << 20;

/// The most TCP connections a node may leave to the kernel, closed by its
/// processes and not yet done with (orphans), before [`super::guard`]
/// resets the rest (see its `orphans`), in a lab of `nodes` nodes on a host
/// whose kernel keeps at most `host_orphans` (`net.ipv4.tcp_max_orphans`,
/// one count for the whole host; past it the kernel resets the host's own
/// closing connections: probe21r's node made 131,214 and the host's own
/// 4 MiB answers were cut). A node keeps its share of a quarter of the
/// host's, and never fewer than 64 or more than 1024: a VM's kernel resets
/// its own orphans past its limit the same way. The lab's checks leave
/// none.
pub fn orphans_a_node_keeps(host_orphans: u64, nodes: usize) -> u64 {
    (host_orphans / 4 / (nodes.max(1) as u64)).clamp(64, 1024)
}

/// The most instructions of a classic BPF filter a node's process may
/// attach to a socket (see the guard's `filter_requests`): ping's is 8,
/// tcpdump's a few dozen (libpcap filters in its own process past it).
/// Each instruction compiles to about 14 bytes of the host's one budget of
/// compiled BPF (probe21t: 4002 instructions, about 57 KB).
pub const SOCKET_FILTER_INSTRUCTIONS: usize = 128;

/// The most sockets with a filter a node may hold (see the guard's
/// `filter_requests`): a ping or a capture holds one each. With
/// [`SOCKET_FILTER_INSTRUCTIONS`], about 230 KB of the host's 528 MB of
/// compiled BPF a node (a lab of 251 nodes, about 58 MB), where probe21t's
/// node took all of it.
pub const SOCKET_FILTERS_A_NODE_HOLDS: usize = 128;

/// The most sockets that receive copies of what others receive (netlink,
/// packet, raw IP) a node's or a pod's namespace may hold: past it, the
/// guard refuses a new one with `ENOBUFS` (see its `socket_requests`).
/// `ip` holds one or two at a time, a capture one, ping one; the guard's
/// own in a node are seven. An unread one keeps about a third of its
/// receive buffer in the host's memory, charged to no one (probe21v: 150
/// with 8 MiB buffers held 384 MB), so with [`RECEIVE_BUFFER_BYTES`] the
/// bound is about 20 MB a namespace.
pub const RECEIVING_SOCKETS_A_NAMESPACE_HOLDS: usize = 128;

/// The most receive buffer (`SO_RCVBUF`, which the kernel doubles) a
/// node's process may ask for on such a socket: iproute2 asks for 1 MiB,
/// and gets this, which holds thousands of its messages.
pub const RECEIVE_BUFFER_BYTES: i32 = 256 << 10;

/// The most connections a node's TCP listeners may queue, completed by the
/// kernel and not yet accepted, before [`super::guard`] kills the holders
/// of the fullest (see its `accept_queues`): about 2.8 KB of the host's
/// memory each, charged to no one (probe21r: 163,880 held 459 MB). A pod's
/// nginx accepts at once; the lab's checks queue none.
pub const CONNECTIONS_A_NODE_QUEUES: u64 = 8192;

/// The most packets a node's netfilter queues (`-j NFQUEUE`) may hold
/// before [`super::guard`] kills the owners of the fullest (see its
/// `queued`): the kernel's own default length of one queue. A queued
/// packet (up to 64 KiB) is charged to no one (probe21n: 4.6 GB).
pub const PACKETS_A_NODE_QUEUES: u64 = 1024;

/// [`entries_a_node_keeps`] of `lab`: its nodes, and the pods it places on
/// its busiest node.
pub fn entries_a_node_of(lab: &Lab) -> usize {
    entries_a_node_keeps(lab.nodes.len(), pods_on_busiest_node(lab))
}

/// The most pods `lab` places on one node.
fn pods_on_busiest_node(lab: &Lab) -> usize {
    let placements = lab.placements();
    lab.nodes
        .iter()
        .map(|n| placements.iter().filter(|p| p.node == n.name).count())
        .max()
        .unwrap_or(0)
}

/// The most network devices a node whose busiest node runs `pods` pods may
/// hold before [`super::guard`] stops it (see its `devices`): the lab puts
/// five in a node and one a pod (its end of the pod's veth pair); 1024 more
/// for what a reader makes. A device keeps about 14 KB of the host's outside
/// the node's limit (probe21u), so the bound is about 14 MB, and removing
/// them all (the node's namespace going) holds the host's network lock
/// about 0.16 s (2000 devices took 0.31 s).
pub fn devices_a_node_holds(pods: usize) -> usize {
    1024usize.saturating_add(pods)
}

/// [`devices_a_node_holds`] of `lab`.
pub fn devices_a_node_of(lab: &Lab) -> usize {
    devices_a_node_holds(pods_on_busiest_node(lab))
}

/// The most IPv4 routes (every table, the local one included; a multipath
/// route one for each of its nexthops) a node of a lab of `nodes` nodes may
/// have before [`super::guard`] stops it (see its `ipv4_routes`): each
/// route's nexthop can keep about 12,800 route exceptions, 1.2 MB of the
/// host's charged to no one, made from the node's own packets in many ways
/// (probe21x, probe21y, probe21aa). A node of chapter 4 has 16 (six in the
/// main table, one to each other node's pods, and ten local and broadcast
/// routes of its addresses); the bound leaves 64 more and one more to each
/// node, so chapter 4's nodes may hold about 85 MB of exceptions each.
pub fn routes_a_node_keeps(nodes: usize) -> usize {
    64usize.saturating_add(nodes.saturating_mul(2))
}

pub use super::namespace_sysctls::{NAMESPACE_SYSCTLS, OPTMEM_MAX, TRACKING_SYSCTLS};

/// A network a namespace reaches without a router: its interface, its
/// prefix, and the addresses on it that a machine of the lab holds (each a
/// permanent neighbour of the namespace).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attached {
    pub dev: String,
    pub net: Ipv4Net,
    pub held: Vec<Ipv4Addr>,
}

/// A node's attached networks: the NAT network (its gateway), the private
/// network (the other nodes) and `cni0`'s pod subnet (the node's pods).
pub fn node_networks(lab: &Lab, node: &Node, placements: &[PodPlacement]) -> Vec<Attached> {
    vec![
        Attached {
            dev: lab.interfaces.nat.clone(),
            net: lab.network.nat,
            held: vec![lab.network.nat_gateway()],
        },
        Attached {
            dev: lab.interfaces.private.clone(),
            net: lab.network.private,
            held: lab
                .nodes
                .iter()
                .filter(|n| n.index != node.index)
                .map(|n| n.ip)
                .collect(),
        },
        Attached {
            dev: names::CNI_BRIDGE.into(),
            net: node.pod_subnet,
            held: placements
                .iter()
                .filter(|p| p.node == node.name)
                .map(|p| p.ip)
                .collect(),
        },
    ]
}

/// A pod's one attached network: its node's pod subnet on `eth0` (the
/// gateway, and the pods beside it).
pub fn pod_networks(node: &Node, placements: &[PodPlacement]) -> Vec<Attached> {
    let mut held = vec![nth_host(node.pod_subnet, 1)];
    held.extend(
        placements
            .iter()
            .filter(|p| p.node == node.name)
            .map(|p| p.ip),
    );
    vec![Attached {
        dev: names::POD_IF.into(),
        net: node.pod_subnet,
        held,
    }]
}

/// A node's lines of the lab's own, per table (no `*table` or `COMMIT`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeRules {
    pub raw: Vec<String>,
    pub filter: Vec<String>,
}

/// What a node's overlay is: flannel's VXLAN port, the pod network, the
/// node's own pod subnet (its pods' addresses), and the node's VTEP address
/// (its `flannel.1`'s).
#[derive(Debug, Clone, Copy)]
pub struct Overlay {
    pub port: u16,
    pub network: Ipv4Net,
    pub subnet: Ipv4Net,
    pub vtep: Ipv4Addr,
}

/// A node's bounds: the neighbour bound for `attached` (from `OUTPUT` and
/// `FORWARD`) and, where `tracking` (its NAT rules track connections), the
/// bound on new flows (from `INPUT`, `FORWARD` and `OUTPUT`) and what is
/// tracked at all.
///
/// Untracked: the VXLAN underlay (UDP to the overlay's port: each inner
/// flow is an outer flow of its own, the source port a hash of the inner
/// one; counted, a 120-worker lab's pod mesh used up the bound and lost
/// pings), and the pod network's own traffic, pod to pod, as it arrives
/// from `cni0` or `flannel.1` (never NATed: flannel's rules return it
/// before `MASQUERADE`). Tracked, what NAT needs: a pod's traffic leaving
/// the pod network, and what comes back to the VTEP address, where a node's
/// own traffic to another node's pods is masqueraded. A flow the node tracks
/// then has one of its ends behind the node's own stack or outside the pod
/// network, where a real stack answers: a tracked flow whose both
/// directions are made up (what a VXLAN frame sent to the port, or a pod's
/// root on a bridge, could make, each an established connection for five
/// days with no socket behind it) is not possible without a node's root.
/// Only the pod network travels the overlay (anything else arriving on
/// `flannel.1` is dropped), and pods never send to the VXLAN port.
pub fn node_rules(attached: &[Attached], tracking: bool, overlay: Overlay) -> NodeRules {
    let Overlay {
        port,
        network,
        subnet,
        vtep,
    } = overlay;
    let (vx, cni) = (names::VXLAN_IF, names::CNI_BRIDGE);
    // A pod sends from its own address: a frame from `cni0` with another
    // source is made up (a pod's root has `CAP_NET_RAW`), and forged
    // sources let one pod play both ends of a flow its node forwards (a
    // made-up handshake between two nodes' addresses: tracked five days).
    let mut raw = vec![format!(
        "-A PREROUTING -i {cni} ! -s {subnet} -m comment --comment \"lab: a pod sends from its own subnet\" -j DROP"
    )];
    if tracking {
        let c = "-m comment --comment \"lab: untracked\"";
        for h in ["PREROUTING", "OUTPUT"] {
            raw.push(format!(
                "-A {h} -p udp -m udp --dport {port} {c} -j CT --notrack"
            ));
        }
        raw.push(format!(
            "-A PREROUTING -i {vx} ! -d {vtep}/32 {c} -j CT --notrack"
        ));
        raw.push(format!(
            "-A PREROUTING -i {cni} -d {network} {c} -j CT --notrack"
        ));
    }
    let mut filter = filter_lines(attached, true, tracking);
    let c = "-m comment --comment \"lab: the overlay carries the pod network\"";
    for h in ["INPUT", "FORWARD"] {
        filter.push(format!("-A {h} -i {vx} ! -s {network} {c} -j DROP"));
        filter.push(format!(
            "-A {h} -i {cni} -p udp -m udp --dport {port} {c} -j DROP"
        ));
    }
    NodeRules { raw, filter }
}

/// The filter table's lines (chains, hooks and rules; no `*filter` or
/// `COMMIT`) that bound a namespace: the neighbour bound for `attached`,
/// from `OUTPUT` and, where it forwards (a node), `FORWARD`; and where
/// `tracking` (the namespace's other rules track connections), the bound
/// on new flows, from `INPUT`, `FORWARD` and `OUTPUT`.
fn filter_lines(attached: &[Attached], forwards: bool, tracking: bool) -> Vec<String> {
    let mut l = vec![
        format!(":{NEIGHBOURS} - [0:0]"),
        format!(":{UNHELD} - [0:0]"),
    ];
    if tracking {
        l.push(format!(":{CONNTRACK} - [0:0]"));
    }
    let mut hooks = vec!["OUTPUT"];
    if forwards {
        hooks.push("FORWARD");
    }
    for h in &hooks {
        l.push(format!("-A {h} -j {NEIGHBOURS}"));
    }
    if tracking {
        for h in ["INPUT", "FORWARD", "OUTPUT"] {
            l.push(format!("-A {h} -j {CONNTRACK}"));
        }
    }
    for a in attached.iter().filter(|a| a.net.prefix_len() < 31) {
        let mut held: Vec<Ipv4Addr> = a
            .held
            .iter()
            .copied()
            .filter(|ip| a.net.contains(ip))
            .chain([a.net.broadcast()])
            .collect();
        held.sort();
        held.dedup();
        for block in blocks(&held) {
            l.push(format!("-A {NEIGHBOURS} -d {block} -o {} -j RETURN", a.dev));
        }
        l.push(format!(
            "-A {NEIGHBOURS} -d {} -o {} -j {UNHELD}",
            a.net, a.dev
        ));
    }
    // A multicast group is a neighbour of its own too (no ARP, reclaimed
    // first, but counted against the host's thresholds).
    l.push(format!("-A {NEIGHBOURS} -d 224.0.0.0/4 -j {UNHELD}"));
    l.push(format!(
        "-A {UNHELD} -m limit --limit {UNHELD_PER_SECOND}/sec --limit-burst {UNHELD_BURST} -j RETURN"
    ));
    l.push(format!(
        "-A {UNHELD} -j REJECT --reject-with icmp-host-unreachable"
    ));
    if tracking {
        l.push(format!(
            "-A {CONNTRACK} -m conntrack --ctstate NEW -m limit --limit {NEW_FLOWS_PER_SECOND}/sec --limit-burst {NEW_FLOWS_BURST} -j RETURN"
        ));
        l.push(format!(
            "-A {CONNTRACK} -m conntrack --ctstate NEW -j REJECT"
        ));
    }
    l
}

/// A pod's whole filter table, for `iptables-restore`.
pub fn pod_restore(attached: &[Attached]) -> String {
    let mut s = String::from("*filter\n");
    for line in filter_lines(attached, false, false) {
        s.push_str(&line);
        s.push('\n');
    }
    s.push_str("COMMIT\n");
    s
}

/// The fewest CIDR blocks that cover exactly `sorted` (ascending, no
/// repeats): runs of consecutive addresses, each split at alignment.
pub fn blocks(sorted: &[Ipv4Addr]) -> Vec<Ipv4Net> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = u32::from(sorted[i]);
        let mut end = start;
        while i + 1 < sorted.len() && u32::from(sorted[i + 1]) == end.wrapping_add(1) {
            end += 1;
            i += 1;
        }
        i += 1;
        let mut at = u64::from(start);
        let last = u64::from(end);
        while at <= last {
            // The largest aligned block at `at` that stays within the run.
            let mut size = if at == 0 {
                1u64 << 32
            } else {
                1u64 << at.trailing_zeros().min(32)
            };
            while at + size - 1 > last {
                size >>= 1;
            }
            let prefix = 32 - size.trailing_zeros() as u8;
            out.push(Ipv4Net::new(Ipv4Addr::from(at as u32), prefix).expect("a prefix up to 32"));
            at += size;
        }
    }
    out
}

#[cfg(test)]
#[path = "table_bounds_tests.rs"]
mod tests;
