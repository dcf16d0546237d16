//! From a chapter's facts to the values of a lab: which node is the control
//! plane, every node's address, the private and NAT networks, the NICs, the
//! variants and workloads. Each value carries why it is what it is (the
//! chapter's line, or the default `lab init` fell back on), which the
//! renderer writes as a comment.

/// The minor a draft pins when the chapter names none lab can run.
pub const DEFAULT_KUBERNETES: &str = "1.32";

use super::facts::Facts;
use ipnet::Ipv4Net;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

#[derive(Debug, Clone)]
pub struct PlanNode {
    pub name: String,
    pub control_plane: bool,
    pub ip: Ipv4Addr,
    pub why: String,
}

#[derive(Debug, Clone)]
pub struct PlanVariant {
    pub name: String,
    pub file: String,
    pub line: usize,
    /// `--iface=X` the chapter gives this manifest, with its line.
    pub iface: Option<(String, usize)>,
}

/// The lab `lab init` drafts, before it is text.
#[derive(Debug, Clone)]
pub struct Plan {
    pub name: String,
    pub title: String,
    pub nodes: Vec<PlanNode>,
    pub private: (Ipv4Net, String),
    pub nat: (Ipv4Net, String),
    pub pods: (Ipv4Net, String),
    pub nic_nat: String,
    pub nic_private: String,
    pub nic_why: String,
    /// The Kubernetes minor to pin (`kubernetes:`).
    pub kubernetes: String,
    pub kube_why: String,
    pub variants: Vec<PlanVariant>,
    pub workloads: Vec<(String, usize)>,
    /// A Deployment's `app` label, by Deployment name.
    pub apps: BTreeMap<String, String>,
    /// The chapter's file name in the lab folder.
    pub book: String,
}

impl Plan {
    /// The variant name of a network manifest (the default for none).
    pub fn variant_of(&self, file: Option<&str>) -> &str {
        file.and_then(|f| self.variants.iter().find(|v| v.file == f))
            .unwrap_or(&self.variants[0])
            .name
            .as_str()
    }

    pub fn node_ip(&self, name: &str) -> Option<Ipv4Addr> {
        self.nodes.iter().find(|n| n.name == name).map(|n| n.ip)
    }

    /// A Deployment's pods' `app` label.
    pub fn app(&self, deployment: &str) -> String {
        self.apps
            .get(deployment)
            .cloned()
            .unwrap_or_else(|| guess_app(deployment))
    }
}

/// `nginx-deployment` → `nginx`: the label a Deployment's pods most likely
/// carry when its manifest is not there to say.
pub fn guess_app(deployment: &str) -> String {
    deployment
        .strip_suffix("-deployment")
        .filter(|s| !s.is_empty())
        .unwrap_or(deployment)
        .to_string()
}

/// A file name as a variant name (a DNS label): `flannel_fix.yml` →
/// `flannel-fix`.
pub fn variant_name(file: &str) -> String {
    let stem = file
        .strip_suffix(".yml")
        .or_else(|| file.strip_suffix(".yaml"))
        .unwrap_or(file);
    let s: String = stem
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let s = s.trim_matches('-').to_string();
    if s.is_empty() { "net".into() } else { s }
}

/// The plan of `facts`, or why the chapter does not say enough for a lab.
pub fn plan(
    facts: &Facts,
    name: &str,
    book: &str,
    apps: BTreeMap<String, String>,
) -> Result<Plan, String> {
    if facts.nodes.is_empty() {
        return Err("names no machines (no `vagrant ssh NAME`, no `kubectl get nodes` table, no NODE column of `kubectl get pods -o wide`)".into());
    }
    if let Some(n) = facts
        .nodes
        .iter()
        .find(|n| !crate::spec::validate_name(&n.name))
    {
        return Err(format!(
            "line {}: the machine `{}` is not a name a lab can give a node (a DNS label: lowercase letters, digits and '-')",
            n.line, n.name
        ));
    }
    let advertise = facts.advertise.as_ref();
    let cp = facts
        .nodes
        .iter()
        .find(|n| n.control_plane.is_some())
        .or_else(|| {
            facts.nodes.iter().find(|n| {
                advertise.is_some_and(|a| n.ip.as_ref().is_some_and(|i| i.value == a.value))
            })
        })
        .ok_or("names no control plane (no ROLES master/control-plane in `kubectl get nodes`, no node with the `kubeadm init --apiserver-advertise-address` address)")?;
    if facts.nodes.len() < 2 {
        return Err(format!(
            "names only the control plane {}: a lab needs a worker too",
            cp.name
        ));
    }
    let mut order = vec![cp];
    order.extend(facts.nodes.iter().filter(|n| n.name != cp.name));
    // Addresses: the chapter's, the advertise address for the control plane.
    let mut known: Vec<(String, Ipv4Addr, String)> = Vec::new();
    for n in &order {
        if let Some(ip) = &n.ip {
            known.push((
                n.name.clone(),
                ip.value,
                format!("line {}: its flannel pod's IP", ip.line),
            ));
        } else if n.name == cp.name
            && let Some(a) = advertise
        {
            known.push((
                n.name.clone(),
                a.value,
                format!("line {}: --apiserver-advertise-address", a.line),
            ));
        }
    }
    let anchor = advertise
        .map(|a| a.value)
        .or(known.first().map(|k| k.1))
        .unwrap_or(Ipv4Addr::new(192, 168, 56, 10));
    let private = Ipv4Net::new(anchor, 24).expect("24 is a prefix").trunc();
    let private_why = if known.is_empty() && advertise.is_none() {
        "the chapter gives no address: lab's default".to_string()
    } else {
        "the /24 around the nodes' addresses".to_string()
    };
    let mut nodes = Vec::new();
    let mut next = known
        .iter()
        .filter(|k| private.contains(&k.1))
        .map(|k| u32::from(k.1))
        .max()
        .unwrap_or(u32::from(private.network()) + 9);
    for (i, n) in order.iter().enumerate() {
        let (ip, mut why) = match known.iter().find(|k| k.0 == n.name) {
            Some((_, ip, why)) if private.contains(ip) => (*ip, why.clone()),
            other => {
                next += 1;
                let ip = Ipv4Addr::from(next);
                let why = match other {
                    Some((_, book_ip, _)) => format!(
                        "the chapter's {book_ip} is outside {private}: the next free address"
                    ),
                    None => "the chapter gives no address: the next free one".to_string(),
                };
                (ip, why)
            }
        };
        if i == 0 {
            if let Some(l) = n.control_plane {
                why = format!("control plane (line {l}); {why}");
            } else {
                why = format!("control plane (the advertise address); {why}");
            }
        }
        nodes.push(PlanNode {
            name: n.name.clone(),
            control_plane: i == 0,
            ip,
            why,
        });
    }
    // NICs: flannel's log names the NAT NIC (an address outside the
    // private network) and maybe the private one; --iface names the private.
    let nat_nic = facts.nics.iter().find(|n| !private.contains(&n.addr));
    let private_nic = facts.nics.iter().find(|n| private.contains(&n.addr));
    let mut why = Vec::new();
    let nic_private = match (&facts.iface, private_nic) {
        (Some(i), _) => {
            why.push(format!("private: line {} (--iface={})", i.line, i.value));
            i.value.clone()
        }
        (None, Some(n)) => {
            why.push(format!("private: line {} (flannel's log)", n.line));
            n.name.clone()
        }
        (None, None) => {
            why.push("private: VirtualBox's second NIC (the chapter names none)".into());
            "enp0s8".into()
        }
    };
    let (nic_nat, nat) = match nat_nic {
        Some(n) if n.name != nic_private => {
            why.push(format!("nat: line {} (flannel's log)", n.line));
            (
                n.name.clone(),
                (
                    Ipv4Net::new(n.addr, 24).expect("24").trunc(),
                    format!("line {}: {} has {}", n.line, n.name, n.addr),
                ),
            )
        }
        _ => {
            why.push("nat: the first NIC (the chapter names none)".into());
            // The first NIC of the same naming as the private one.
            let eth = nic_private.starts_with("eth") && nic_private != "eth0";
            let name = if eth || nic_private == "enp0s3" {
                "eth0"
            } else {
                "enp0s3"
            };
            (
                name.to_string(),
                (
                    "10.0.2.0/24".parse().expect("a CIDR"),
                    "VirtualBox's NAT network (the chapter shows none)".into(),
                ),
            )
        }
    };
    let pods = match &facts.pod_cidr {
        Some(p) => (
            p.value,
            format!("line {}: kubeadm init --pod-network-cidr", p.line),
        ),
        None => (
            "10.244.0.0/16".parse().expect("a CIDR"),
            "flannel's default (the chapter gives no --pod-network-cidr)".into(),
        ),
    };
    // Networks that overlap make a lab the loader refuses; the chapter's
    // own facts say so here, with where each came from.
    let nets = [
        ("the node network", &private, &private_why),
        ("the NAT network", &nat.0, &nat.1),
        ("the pod network", &pods.0, &pods.1),
    ];
    for (i, (a, an, aw)) in nets.iter().enumerate() {
        for (b, bn, bw) in &nets[i + 1..] {
            if an.contains(&bn.network()) || bn.contains(&an.network()) {
                return Err(format!(
                    "{a} {an} ({aw}) overlaps {b} {bn} ({bw}): a lab needs them apart"
                ));
            }
        }
    }
    let mut variants: Vec<PlanVariant> = Vec::new();
    for a in facts.networks() {
        let mut name = variant_name(&a.file);
        while variants.iter().any(|v| v.name == name) {
            name.push_str("-2");
        }
        variants.push(PlanVariant {
            name,
            file: a.file.clone(),
            line: a.line,
            iface: a.iface.as_ref().map(|i| (i.value.clone(), i.line)),
        });
    }
    if variants.is_empty() {
        return Err("applies no pod network manifest (no `kubectl apply -f FILE` whose name or prose says flannel or network)".into());
    }
    // The chapter's own minor where pkgs.k8s.io still serves it (1.24 on),
    // so the book's tables and kubectl lines are judged by its version;
    // otherwise lab's default, said so.
    let chapter_minor = facts.kube_version.as_ref().and_then(|v| {
        let mut it = v.value.trim_start_matches('v').split('.');
        let (major, minor) = (
            it.next()?.parse::<u32>().ok()?,
            it.next()?.parse::<u32>().ok()?,
        );
        (major == 1 && minor >= 24).then(|| (format!("1.{minor}"), v))
    });
    let (kubernetes, kube_why) = match (&chapter_minor, &facts.kube_version) {
        (Some((m, v)), _) => (
            m.clone(),
            format!("the chapter's cluster ran {}, line {}", v.value, v.line),
        ),
        (None, Some(v)) => (
            DEFAULT_KUBERNETES.to_string(),
            format!(
                "lab's default (the chapter's cluster ran {}, line {}, older than pkgs.k8s.io serves)",
                v.value, v.line
            ),
        ),
        (None, None) => (DEFAULT_KUBERNETES.to_string(), "lab's default".into()),
    };
    Ok(Plan {
        name: name.to_string(),
        title: facts.title.clone().unwrap_or_else(|| name.to_string()),
        nodes,
        private: (private, private_why),
        nat,
        pods,
        nic_nat,
        nic_private,
        nic_why: why.join("; "),
        kubernetes,
        kube_why,
        variants,
        workloads: facts
            .workloads()
            .map(|a| (a.file.clone(), a.line))
            .collect(),
        apps,
        book: book.to_string(),
    })
}
