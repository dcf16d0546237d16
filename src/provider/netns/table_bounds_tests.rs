//! Unit tests of [`super`]: the bounds and the rules, as text.

use super::*;
use crate::provider::netns::plan::tests::lab;

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

/// A pod on node1 (10.244.1.2) and one on node2.
fn placements() -> Vec<PodPlacement> {
    [("node1", "10.244.1.2"), ("node2", "10.244.2.2")]
        .iter()
        .map(|(node, addr)| PodPlacement {
            name: format!("web-{node}"),
            app: "web".into(),
            node: node.to_string(),
            ip: ip(addr),
            port: 80,
        })
        .collect()
}

#[test]
fn blocks_cover_exactly_the_addresses() {
    let v = |s: &[&str]| s.iter().map(|x| ip(x)).collect::<Vec<_>>();
    let b = |s: &[&str]| {
        blocks(&v(s))
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        b(&["10.0.2.2", "10.0.2.255"]),
        ["10.0.2.2/32", "10.0.2.255/32"]
    );
    assert_eq!(
        b(&["10.1.0.1", "10.1.0.2", "10.1.0.3", "10.1.0.4", "10.1.0.5"]),
        ["10.1.0.1/32", "10.1.0.2/31", "10.1.0.4/31"]
    );
    assert_eq!(
        b(&["10.1.0.0", "10.1.0.1", "10.1.0.2", "10.1.0.3"]),
        ["10.1.0.0/30"]
    );
    assert!(b(&[]).is_empty());
    // Every address of a long run, and nothing else, is covered.
    let run: Vec<Ipv4Addr> = (7u32..1003)
        .map(|k| Ipv4Addr::from(0x0a00_0000 + k))
        .collect();
    let got = blocks(&run);
    assert!(got.len() < 20, "{got:?}");
    let covered: u64 = got.iter().map(|n| 1u64 << (32 - n.prefix_len())).sum();
    assert_eq!(covered, run.len() as u64);
    assert!(run.iter().all(|a| got.iter().any(|n| n.contains(a))));
}

#[test]
fn a_nodes_rules_hold_its_peers_gateway_and_pods() {
    let lab = lab();
    let placements = placements();
    let node1 = &lab.nodes[1];
    let nets = node_networks(&lab, node1, &placements);
    let overlay = Overlay {
        port: 8472,
        network: "10.244.0.0/16".parse().unwrap(),
        subnet: "10.244.1.0/24".parse().unwrap(),
        vtep: ip("10.244.1.0"),
    };
    let rules = node_rules(&nets, true, overlay);
    let text = rules.filter.join("\n");
    let c = "-m comment --comment \"lab: untracked\"";
    assert_eq!(
        rules.raw,
        [
            "-A PREROUTING -i cni0 ! -s 10.244.1.0/24 -m comment --comment \"lab: a pod sends from its own subnet\" -j DROP".to_string(),
            format!("-A PREROUTING -p udp -m udp --dport 8472 {c} -j CT --notrack"),
            format!("-A OUTPUT -p udp -m udp --dport 8472 {c} -j CT --notrack"),
            format!("-A PREROUTING -i flannel.1 ! -d 10.244.1.0/32 {c} -j CT --notrack"),
            format!("-A PREROUTING -i cni0 -d 10.244.0.0/16 {c} -j CT --notrack"),
        ]
    );
    let c = "-m comment --comment \"lab: the overlay carries the pod network\"";
    for want in [
        format!("-A FORWARD -i flannel.1 ! -s 10.244.0.0/16 {c} -j DROP"),
        format!("-A INPUT -i cni0 -p udp -m udp --dport 8472 {c} -j DROP"),
    ] {
        assert!(rules.filter.contains(&want), "{want}");
    }
    for want in [
        "-A OUTPUT -j LAB-NEIGHBOURS",
        "-A FORWARD -j LAB-NEIGHBOURS",
        "-A INPUT -j LAB-CONNTRACK",
        "-A LAB-NEIGHBOURS -d 10.0.2.2/32 -o enp0s3 -j RETURN",
        "-A LAB-NEIGHBOURS -d 10.0.2.0/24 -o enp0s3 -j LAB-UNHELD",
        "-A LAB-NEIGHBOURS -d 10.100.198.200/32 -o enp0s8 -j RETURN",
        "-A LAB-NEIGHBOURS -d 10.100.198.202/32 -o enp0s8 -j RETURN",
        "-A LAB-NEIGHBOURS -d 10.100.198.255/32 -o enp0s8 -j RETURN",
        "-A LAB-NEIGHBOURS -d 10.244.1.0/24 -o cni0 -j LAB-UNHELD",
        "-A LAB-UNHELD -m limit --limit 1/sec --limit-burst 5 -j RETURN",
        "-A LAB-UNHELD -j REJECT --reject-with icmp-host-unreachable",
        "-A LAB-CONNTRACK -m conntrack --ctstate NEW -m limit --limit 200/sec --limit-burst 4000 -j RETURN",
        "-A LAB-NEIGHBOURS -d 224.0.0.0/4 -j LAB-UNHELD",
        "-A LAB-CONNTRACK -m conntrack --ctstate NEW -j REJECT",
    ] {
        assert!(text.contains(want), "{want}\n{text}");
    }
    // The node's own address is local, never a neighbour; another
    // node's pod is reached through flannel.1, not cni0.
    assert!(!text.contains("10.100.198.201"), "{text}");
    assert!(!text.contains("10.244.2.2"), "{text}");
    assert!(
        text.contains("-A LAB-NEIGHBOURS -d 10.244.1.2/32 -o cni0 -j RETURN"),
        "{text}"
    );
    // Untracked: no conntrack chain, no INPUT hook.
    let plain = filter_lines(&nets, true, false).join("\n");
    assert!(
        !plain.contains("CONNTRACK") && !plain.contains("INPUT"),
        "{plain}"
    );
}

#[test]
fn a_pods_rules_hold_its_gateway_and_the_pods_beside_it() {
    let lab = lab();
    let placements = placements();
    let node1 = &lab.nodes[1];
    let r = pod_restore(&pod_networks(node1, &placements));
    assert!(r.starts_with("*filter\n") && r.ends_with("COMMIT\n"), "{r}");
    for held in ["10.244.1.1/32", "10.244.1.2/32", "10.244.1.255/32"] {
        assert!(
            r.contains(&format!("-A LAB-NEIGHBOURS -d {held} -o eth0 -j RETURN")),
            "{held}: {r}"
        );
    }
    assert!(
        r.contains("-A LAB-NEIGHBOURS -d 10.244.1.0/24 -o eth0 -j LAB-UNHELD"),
        "{r}"
    );
    assert!(!r.contains("FORWARD") && !r.contains("CONNTRACK"), "{r}");
}

#[test]
fn a_lab_keeps_a_quarter_of_the_hosts_orphans_at_most() {
    assert_eq!(orphans_a_node_keeps(131_072, 3), 1024);
    assert_eq!(orphans_a_node_keeps(131_072, 251), 130);
    assert_eq!(orphans_a_node_keeps(4096, 251), 64);
    assert_eq!(orphans_a_node_keeps(0, 0), 64);
}
