//! What `kubeadm init` prints, as the book shows it under the command,
//! against what the lab knows of its own init (probe21br, finding 3: the
//! lines were never read, so a book showing init failing, another
//! Kubernetes version or another address passed).
//!
//! Compared: success against failure (a line with a word of failure says
//! init failed, its benign forms aside: [`super::kubeadm_failure`]; the lab's succeeded,
//! `lab up` stands on it); the Kubernetes version (`Using Kubernetes
//! version: vX.Y.Z`) against the minor lab.yaml pins, as a `get nodes`
//! VERSION is: an older release is drift unless the chapter's known-drift
//! file blesses it; every IPv4 address and network the lines print (the
//! advertise address, the certificates' SANs, the join line's endpoint)
//! against the ones this init has: the control plane's address, the
//! loopback, the pod network and kubeadm's default service network
//! 10.96.0.0/12 with its first address 10.96.0.1 (the `kubernetes`
//! service, in the API server's SANs); the API server's certificate
//! naming the control plane's address; and every node name a certificate
//! or the marking line gives, the control plane's; the kubelet's ConfigMap
//! and the addons applied, against what the pinned kubeadm makes
//! ([`pinned_fact`]). An older kubeadm's wording of the
//! same line (`[certificates]` for `[certs]`, `Your Kubernetes master` for
//! `control-plane`) is a form, not a value: accepted, as an older
//! kubectl's form is. Not compared, and said so: tokens, hashes, timings,
//! paths and kubeadm's other progress lines.

use super::kubeadm_failure::{failure, named_nodes};
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

/// What the lab knows of its own `kubeadm init`.
pub(super) struct LabInit<'a> {
    pub control_plane: &'a str,
    pub advertise: Ipv4Addr,
    pub pods: Ipv4Net,
    /// lab.yaml's `kubernetes` (`1.32`).
    pub kubernetes: &'a str,
}

/// kubeadm's default service network (`--service-cidr`), which `lab up`
/// does not change.
const SERVICES: &str = "10.96.0.0/12";

/// What reading the book's lines found.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Read {
    pub differences: Vec<String>,
    /// What was compared and agreed, for the report's `why`.
    pub compared: Vec<String>,
    /// How many non-blank lines carried nothing the lab can compare.
    pub not_compared: usize,
}

/// The book's lines under `kubeadm init`, against `lab`.
pub(super) fn read(book: &[String], lab: &LabInit) -> Read {
    let mut r = Read::default();
    let services: Ipv4Net = SERVICES.parse().expect("a network");
    for l in book.iter().map(|l| l.trim()).filter(|l| !l.is_empty()) {
        let mut compared = false;
        if let Some(why) = failure(l) {
            r.differences.push(format!(
                "kubeadm init: the book shows it failing (`{l}`: {why}); the lab's init succeeded (`lab up` stands on it)"
            ));
            continue;
        }
        if let Some(j) = super::kubeadm_join_advice::read(l, lab.control_plane) {
            // The endpoint line is compared (its address below, its port
            // there); a token or hash line alone is not.
            compared = l.starts_with("kubeadm join ");
            r.differences.extend(j.differences);
            r.compared.extend(j.compared);
        }
        if let Some(v) = version(l) {
            compared = true;
            if same_minor(&v, lab.kubernetes) {
                r.compared.push(format!(
                    "the Kubernetes version v{v} is the lab's {} (its patch release is not compared)",
                    lab.kubernetes
                ));
            } else {
                r.differences.push(format!(
                    "kubeadm init: the book's kubeadm sets up Kubernetes v{v}; the lab pins {} (lab.yaml `kubernetes`)",
                    lab.kubernetes
                ));
            }
        }
        if l.contains("initialized successfully") {
            compared = true;
            r.compared.push(if l.contains("master") {
                format!("`{l}`: success, as the lab's init (an older kubeadm's form of `Your Kubernetes control-plane has initialized successfully!`)")
            } else {
                format!("`{l}`: success, as the lab's init")
            });
        }
        if let Some(fact) = pinned_fact(l, lab.kubernetes) {
            compared = true;
            match fact {
                Ok(c) => r.compared.push(c),
                Err(d) => r.differences.push(d),
            }
        }
        if let Some(d) = node_names(l, lab.control_plane) {
            compared = true;
            match d {
                Some(d) => r.differences.push(d),
                None => r
                    .compared
                    .push(format!("the node names of `{l}` are the lab's")),
            }
        }
        let found = addresses(l);
        for a in &found {
            compared = true;
            let known = match a {
                Shown::Net(n) => *n == lab.pods || *n == services,
                Shown::Addr(ip) => {
                    *ip == lab.advertise
                        || ip.is_loopback()
                        || ip.is_unspecified()
                        || *ip == Ipv4Addr::new(10, 96, 0, 1)
                }
            };
            if !known {
                r.differences.push(format!(
                    "kubeadm init: the book prints {} (`{l}`); the lab's init knows {} ({}'s address), the loopback, the pod network {} and kubeadm's service network {SERVICES} (10.96.0.1)",
                    a.describe(),
                    lab.advertise,
                    lab.control_plane,
                    lab.pods
                ));
            }
        }
        if l.contains("apiserver serving cert is signed for")
            && !found.contains(&Shown::Addr(lab.advertise))
        {
            r.differences.push(format!(
                "kubeadm init: the book's API server certificate (`{l}`) does not name {} ({}'s address, which the lab's init advertises)",
                lab.advertise, lab.control_plane
            ));
        } else if !found.is_empty() && !r.differences.iter().any(|d| d.contains(l)) {
            r.compared
                .push(format!("the addresses of `{l}` are the lab's"));
        }
        if !compared {
            r.not_compared += 1;
        }
    }
    r
}

/// What the pinned kubeadm (`pinned`, lab.yaml's `kubernetes`) itself
/// prints on `l`, where the line says a fact of its version (probe21bt,
/// lesser 6: `ConfigMap "kubelet-config-1.10"` and `Applied essential
/// addon: kube-dns` passed, counted only as lines not compared): the
/// kubelet's ConfigMap (`kubelet-config-1.X` up to 1.23, `kubelet-config`
/// from 1.24) and the addons it applies (kube-dns up to 1.10, CoreDNS
/// from 1.11 with kube-dns still chosen by a flag up to 1.20, CoreDNS
/// alone since; kube-proxy always). `Ok`: what agreed, `Err`: the
/// difference; `None`: the line says neither.
fn pinned_fact(l: &str, pinned: &str) -> Option<Result<String, String>> {
    let minor: u32 = pinned.split('.').nth(1)?.parse().ok()?;
    if let Some((_, rest)) = l.split_once("ConfigMap \"")
        && let Some(name) = rest.split('"').next()
        && name.starts_with("kubelet-config")
    {
        let theirs = match minor {
            24.. => "kubelet-config".to_string(),
            _ => format!("kubelet-config-1.{minor}"),
        };
        return Some(if name == theirs {
            Ok(format!(
                "the kubelet's ConfigMap {name} is the one kubeadm {pinned} makes"
            ))
        } else {
            Err(format!(
                "kubeadm init: the book's kubeadm stores the kubelet's configuration in ConfigMap \"{name}\" (`{l}`); kubeadm {pinned}, which the lab pins, names it \"{theirs}\""
            ))
        });
    }
    let (_, addon) = l.split_once("Applied essential addon:")?;
    let addon = addon.trim();
    let applies: &[&str] = match minor {
        ..=10 => &["kube-dns", "kube-proxy"],
        11..=20 => &["CoreDNS", "kube-dns", "kube-proxy"],
        _ => &["CoreDNS", "kube-proxy"],
    };
    Some(if applies.contains(&addon) {
        Ok(format!("the addon {addon} is one kubeadm {pinned} applies"))
    } else {
        Err(format!(
            "kubeadm init: the book's kubeadm applies the addon {addon} (`{l}`); kubeadm {pinned}, which the lab pins, applies {}",
            applies.join(" and ")
        ))
    })
}

/// The names kubeadm gives a certificate besides the control plane's node
/// name (the `kubernetes` service's and the loopback's).
const CERT_NAMES: &[&str] = &[
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
    "localhost",
];

/// A line naming the control plane's node ([`named_nodes`]: a
/// certificate's `DNS names [...]`, `Marking the node NAME`, …): `Some(None)`
/// when every name is the lab's, `Some(Some(difference))` when one is not,
/// `None` when the line names no node (probe21bt: another control plane's
/// name passed).
fn node_names(l: &str, control_plane: &str) -> Option<Option<String>> {
    let names = named_nodes(l)?;
    let other = names
        .iter()
        .find(|n| **n != control_plane && !CERT_NAMES.contains(n));
    Some(other.map(|n| {
        format!(
            "kubeadm init: the book names the node {n} (`{l}`); the lab's control plane is {control_plane}"
        )
    }))
}

/// The version of `Using Kubernetes version: vX.Y[.Z]`, without its `v`.
fn version(l: &str) -> Option<String> {
    let (_, rest) = l.split_once("Kubernetes version:")?;
    let v = rest.trim().trim_start_matches('v');
    let v: String = v
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-' || *c == '+')
        .collect();
    (!v.is_empty()).then_some(v)
}

/// Whether `v` (`1.32.0`) is of the minor `pinned` (`1.32`, or `1.32.3`).
fn same_minor(v: &str, pinned: &str) -> bool {
    let minor = |s: &str| {
        let mut p = s.trim_start_matches('v').split('.');
        Some((p.next()?.to_string(), p.next()?.to_string()))
    };
    let digits = |s: String| {
        s.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
    };
    match (minor(v), minor(pinned)) {
        (Some((a, b)), Some((c, d))) => a == c && digits(b) == digits(d),
        _ => false,
    }
}

/// An address or network a line prints.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Shown {
    Addr(Ipv4Addr),
    Net(Ipv4Net),
}

impl Shown {
    fn describe(&self) -> String {
        match self {
            Shown::Addr(a) => format!("the address {a}"),
            Shown::Net(n) => format!("the network {n}"),
        }
    }
}

/// Every IPv4 address (`10.0.2.15`, `10.100.198.200:6443`) and network
/// (`10.244.0.0/16`) in `l`; a version (`v1.10.0`) has three parts, no
/// address.
fn addresses(l: &str) -> Vec<Shown> {
    let mut out = Vec::new();
    for w in l.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '/')) {
        let w = w.trim_matches(|c| c == '.' || c == '/');
        let (ip, prefix) = match w.split_once('/') {
            Some((ip, p)) => (ip, Some(p)),
            None => (w, None),
        };
        let Ok(ip) = ip.parse::<Ipv4Addr>() else {
            continue;
        };
        match prefix.map(|p| p.parse::<u8>().ok().and_then(|p| Ipv4Net::new(ip, p).ok())) {
            Some(Some(n)) => out.push(Shown::Net(n)),
            Some(None) => out.push(Shown::Addr(ip)),
            None => out.push(Shown::Addr(ip)),
        }
    }
    out
}

#[cfg(test)]
#[path = "kubeadm_output_tests.rs"]
mod tests;
