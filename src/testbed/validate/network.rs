//! The lab's own fields and its three networks: each a valid value, the
//! networks apart from each other and large enough for what they hold.

use super::{Collector, is_box, is_dns_label, is_ifname};
use crate::testbed::Variant;
use crate::testbed::raw::RawLab;
use ipnet::Ipv4Net;

/// The lab's name, title, Kubernetes minor, box and interface names.
pub(super) fn lab_fields(c: &mut Collector, raw: &RawLab) {
    if !is_dns_label(&raw.name) {
        c.push(
            "name",
            format!(
                "'{}' is not a valid lab name ({})",
                raw.name,
                crate::testbed::NAME_RULE
            ),
        );
    } else if raw.name.len() > 40 {
        c.push(
            "name",
            format!(
                "'{}' is not a valid lab name: too long, {} characters ({})",
                raw.name,
                raw.name.len(),
                crate::testbed::NAME_RULE
            ),
        );
    }
    if raw.title.chars().any(char::is_control) {
        c.push("title", "must be one line of text (no control characters)");
    }
    // Each number as Kubernetes writes it: digits, no leading zero (`1.032`
    // passed here, then was printed `v1.032`, a version no kubectl has).
    let number = |n: &str| {
        !n.is_empty() && n.bytes().all(|x| x.is_ascii_digit()) && (n == "0" || !n.starts_with('0'))
    };
    let kube_ok = raw.kubernetes.split_once('.').is_some_and(|(a, b)| {
        number(a)
            && number(b)
            // A number kubectl's minors can be (`1.99999999999999999999`
            // passed here, then failed every kubectl line of the book).
            && a.parse::<u32>().is_ok()
            && b.parse::<u32>().is_ok()
    });
    if !kube_ok {
        c.push(
            "kubernetes",
            format!(
                "'{}' is not a Kubernetes minor version (like \"1.32\")",
                raw.kubernetes
            ),
        );
    }
    if !is_box(&raw.box_) {
        c.push("box", format!("'{}' is not a valid box name (like ubuntu/jammy64: letters, digits, . _ - and one /)", raw.box_));
    }
    for (field, v) in node_nics(raw) {
        if !is_ifname(v) {
            c.push(
                field,
                format!(
                    "'{v}' is not a valid Linux interface name (1-15 of letters, digits, . _ -)"
                ),
            );
        }
    }
    if raw.interfaces.nat == raw.interfaces.private && is_ifname(&raw.interfaces.nat) {
        c.push("interfaces.private", "must differ from interfaces.nat");
    }
}

/// A node's two NICs: their fields and names.
fn node_nics(raw: &RawLab) -> [(&'static str, &str); 2] {
    [
        ("interfaces.nat", &raw.interfaces.nat),
        ("interfaces.private", &raw.interfaces.private),
    ]
}

/// A node's NICs (`interfaces.nat`, `interfaces.private`) may not take a
/// name that a node already has: the loopback device, or a device the pod
/// network plugin of a variant makes (`cni0`, `flannel.1`, a pod's veth);
/// nor `all` or `default`, which the kernel keeps for itself.
pub(super) fn interfaces_free(c: &mut Collector, raw: &RawLab, variants: &[Variant]) {
    for (field, v) in node_nics(raw) {
        let taken = if v == "lo" {
            Some("the loopback device every node has".to_string())
        } else if v == "all" || v == "default" {
            // The kernel refuses a device of either name (EINVAL at `up`).
            Some(format!(
                "a name the kernel keeps for its settings of every interface (/proc/sys/net/ipv4/conf/{v})"
            ))
        } else {
            variants.iter().find_map(|var| {
                var.cni.plugin().node_device(v).map(|what| {
                    format!(
                        "{what} on every node (variant {}: {})",
                        var.name,
                        var.cni.plugin().name()
                    )
                })
            })
        };
        if let Some(what) = taken {
            c.push(
                field,
                format!(
                    "'{v}' is {what}; name the node's NIC something else (like enp0s3, enp0s8)"
                ),
            );
        }
    }
}

/// The ranges the kernel keeps for a purpose of its own, which a lab's
/// network may not touch: accepted, `nat: 0.0.0.0/24` failed `up` at its
/// default route (exit 3), and `127.0.0.0/24` or `169.254.0.0/24` came up
/// with addresses no packet may leave or reach on a NIC.
fn special(n: Ipv4Net) -> Option<(Ipv4Net, &'static str)> {
    [
        ("0.0.0.0/8", "\"this network\""),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved (and the broadcast address)"),
    ]
    .into_iter()
    .filter_map(|(r, what)| Some((r.parse::<Ipv4Net>().ok()?, what)))
    .find(|(r, _)| r.contains(&n.network()) || n.contains(&r.network()))
}

/// The networks that parsed: private, nat, pods.
pub(super) struct Networks {
    pub private: Option<Ipv4Net>,
    pub nat: Option<Ipv4Net>,
    pub pods: Option<Ipv4Net>,
}

/// `network.private`, `network.nat` and `network.pods`.
pub(super) fn networks(c: &mut Collector, raw: &RawLab) -> Networks {
    let mut net = |field: &str, v: &str| -> Option<Ipv4Net> {
        match v.parse::<Ipv4Net>() {
            Ok(n) if n.network() == n.addr() => match special(n) {
                Some((range, what)) => {
                    c.push(
                        field,
                        format!("{n} is in {range}, {what}: no node, pod or NAT can use it; pick a private range (like 10.0.0.0/8)"),
                    );
                    None
                }
                None => Some(n),
            },
            Ok(n) => {
                c.push(
                    field,
                    format!("'{v}' has host bits set (did you mean {}?)", n.trunc()),
                );
                None
            }
            Err(_) => {
                c.push(
                    field,
                    format!("'{v}' is not an IPv4 CIDR (like 10.244.0.0/16)"),
                );
                None
            }
        }
    };
    let private = net("network.private", &raw.network.private);
    let nat = net("network.nat", &raw.network.nat);
    let pods = net("network.pods", &raw.network.pods);
    for (other, name) in [(private, "network.private"), (nat, "network.nat")] {
        if let (Some(p), Some(o)) = (pods, other)
            && (p.contains(&o.network()) || o.contains(&p.network()))
        {
            c.push(
                "network.pods",
                format!("{p} overlaps {name} {o}; pick a pod range apart from both"),
            );
        }
    }
    if let (Some(p), Some(n)) = (private, nat)
        && (p.contains(&n.network()) || n.contains(&p.network()))
    {
        c.push("network.nat", format!("{n} overlaps network.private {p}"));
    }
    if let Some(n) = nat
        && n.prefix_len() > 27
    {
        c.push(
            "network.nat",
            format!("{n} is too small: it must hold the gateway .2 and the node address .15"),
        );
    }
    if let Some(p) = pods
        && p.prefix_len() > 24
    {
        c.push(
            "network.pods",
            format!("{p} is smaller than one /24; each node gets a /24 of it"),
        );
    }
    Networks { private, nat, pods }
}
