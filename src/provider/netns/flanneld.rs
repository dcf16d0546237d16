//! What flanneld would decide and program on each node, as pure functions:
//! the external interface by flannel's documented rule, the lease, the vxlan
//! backend's kernel state (as `ip`/`bridge` batch text), the iptables rules,
//! `subnet.env` and flanneld's log lines.
//!
//! The interface rule follows flanneld's `main.go` and `pkg/ipmatch`:
//! `--iface` values in order (a name, or an IP to look up), then
//! `--iface-regex` values in order (matched against addresses first, then
//! names), and only when neither is given: `--public-ip` as the interface to
//! look up, else `--iface-can-reach` (the interface of the route to it), else
//! the interface of the default route with its first IPv4 address.
//! `--public-ip` also overrides the external address.

use super::names;
use crate::spec::{FlannelConfig, Lab, Node, nth_host};
use ipnet::Ipv4Net;
use std::fmt::Write as _;
use std::net::Ipv4Addr;

/// VXLAN encapsulation overhead flannel subtracts from the NIC's MTU.
pub const VXLAN_OVERHEAD: u32 = 50;
/// MTU of a veth the lab creates (the kernel's default).
pub const NIC_MTU: u32 = 1500;

/// One interface of a node as flanneld sees it at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iface {
    pub name: String,
    pub addrs: Vec<Ipv4Net>,
    pub mtu: u32,
}

/// A node's interfaces (in ifindex order) and the device of its default route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostNet {
    pub ifaces: Vec<Iface>,
    pub default_dev: Option<String>,
}

impl HostNet {
    fn by_name(&self, name: &str) -> Option<&Iface> {
        self.ifaces.iter().find(|i| i.name == name)
    }

    /// The interface and source address of the route to `ip`: a connected
    /// network if one holds it, else the default route.
    fn route_to(&self, ip: Ipv4Addr) -> Option<(&Iface, Ipv4Addr)> {
        for i in &self.ifaces {
            if let Some(a) = i.addrs.iter().find(|a| a.contains(&ip)) {
                return Some((i, a.addr()));
            }
        }
        let dev = self.by_name(self.default_dev.as_deref()?)?;
        Some((dev, dev.addrs.first()?.addr()))
    }
}

/// The interfaces of `node` when flanneld starts: what the lab gives every
/// node (lo, the NAT NIC with its default route, the private NIC).
pub fn node_host_net(lab: &Lab, node: &Node) -> HostNet {
    let nat =
        Ipv4Net::new(lab.network.nat_ip(), lab.network.nat.prefix_len()).expect("validated prefix");
    let private =
        Ipv4Net::new(node.ip, lab.network.private.prefix_len()).expect("validated prefix");
    HostNet {
        ifaces: vec![
            Iface {
                name: "lo".into(),
                addrs: vec!["127.0.0.1/8".parse().expect("literal")],
                mtu: 65536,
            },
            Iface {
                name: lab.interfaces.nat.clone(),
                addrs: vec![nat],
                mtu: NIC_MTU,
            },
            Iface {
                name: lab.interfaces.private.clone(),
                addrs: vec![private],
                mtu: NIC_MTU,
            },
        ],
        default_dev: Some(lab.interfaces.nat.clone()),
    }
}

/// flanneld's decision: which interface, which addresses, and the log lines
/// that explain it (without klog headers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub iface: String,
    pub iface_addr: Ipv4Addr,
    /// The address other nodes send VXLAN to (the VTEP's `local`).
    pub public_ip: Ipv4Addr,
    pub iface_mtu: u32,
    pub log: Vec<(&'static str, String)>,
}

impl Choice {
    /// MTU of `flannel.1`, `cni0` and pods' `eth0`.
    pub fn mtu(&self) -> u32 {
        self.iface_mtu - VXLAN_OVERHEAD
    }
}

/// The result of one `LookupExtIface` call: an interface and address, or why not.
type Lookup = Result<(Iface, Ipv4Addr), String>;

enum By<'a> {
    Name(&'a str),
    Regex(&'a str),
    CanReach(&'a str),
    Default,
}

/// flannel's `ipmatch.LookupExtIface`, up to the address of the interface.
fn lookup(host: &HostNet, by: By<'_>, log: &mut Vec<(&'static str, String)>) -> Lookup {
    let (iface, addr): (&Iface, Option<Ipv4Addr>) = match by {
        By::Name(v) => {
            log.push(("match.go:79", format!("Searching for interface using {v}")));
            if let Ok(ip) = v.parse::<Ipv4Addr>() {
                let i = host
                    .ifaces
                    .iter()
                    .find(|i| i.addrs.iter().any(|a| a.addr() == ip))
                    .ok_or_else(|| {
                        format!("error looking up interface {v}: no interface with address {v}")
                    })?;
                (i, Some(ip))
            } else {
                let i = host.by_name(v).ok_or_else(|| {
                    format!(
                        "error looking up interface {v}: route ip+net: no such network interface"
                    )
                })?;
                (i, None)
            }
        }
        By::Regex(r) => {
            let re = regex::Regex::new(r)
                .map_err(|e| format!("could not compile the IP address regex '{r}': {e}"))?;
            let by_ip = host.ifaces.iter().find_map(|i| {
                i.addrs
                    .iter()
                    .find(|a| re.is_match(&a.addr().to_string()))
                    .map(|a| (i, a.addr()))
            });
            match by_ip {
                Some((i, a)) => (i, Some(a)),
                None => {
                    let i = host.ifaces.iter().find(|i| re.is_match(&i.name)).ok_or_else(|| {
                        let names: Vec<String> = host
                            .ifaces
                            .iter()
                            .map(|i| format!("{}:{}", i.name, i.addrs.first().map(|a| a.addr().to_string()).unwrap_or_default()))
                            .collect();
                        format!("Could not match pattern {r} to any of the available network interfaces ({})", names.join(", "))
                    })?;
                    (i, None)
                }
            }
        }
        By::CanReach(target) => {
            log.push((
                "match.go:200",
                format!("Determining interface to use based on given ifcanreach: {target}"),
            ));
            let ip: Ipv4Addr = target.parse().map_err(|_| {
                format!("failed to get ifcanreach based interface: invalid IP {target}")
            })?;
            let (i, a) = host.route_to(ip).ok_or_else(|| {
                format!("failed to get ifcanreach based interface: no route to {ip}")
            })?;
            (i, Some(a))
        }
        By::Default => {
            log.push((
                "match.go:210",
                "Determining IP address of default interface".to_string(),
            ));
            let dev = host
                .default_dev
                .as_deref()
                .ok_or("failed to get default interface: unable to find default route")?;
            let i = host
                .by_name(dev)
                .ok_or_else(|| format!("failed to get default interface: no interface {dev}"))?;
            (i, None)
        }
    };
    let addr =
        match addr {
            Some(a) => a,
            None => iface.addrs.first().map(|a| a.addr()).ok_or_else(|| {
                format!("failed to find IPv4 address for interface {}", iface.name)
            })?,
        };
    Ok((iface.clone(), addr))
}

/// Choose the external interface as flanneld does with `cfg`'s flags.
pub fn choose(cfg: &FlannelConfig, host: &HostNet) -> Result<Choice, String> {
    let mut log = Vec::new();
    let found = if cfg.iface.is_empty() && cfg.iface_regex.is_empty() {
        let by = match (&cfg.public_ip, &cfg.iface_can_reach) {
            (Some(p), _) => By::Name(p),
            (None, Some(r)) => By::CanReach(r),
            (None, None) => By::Default,
        };
        lookup(host, by, &mut log)
            .map_err(|e| format!("Failed to find any valid interface to use: {e}"))?
    } else {
        let mut found = None;
        for v in &cfg.iface {
            match lookup(host, By::Name(v), &mut log) {
                Ok(f) => {
                    found = Some(f);
                    break;
                }
                Err(e) => log.push((
                    "main.go:521",
                    format!("Could not find valid interface matching {v}: {e}"),
                )),
            }
        }
        if found.is_none() {
            for r in &cfg.iface_regex {
                match lookup(host, By::Regex(r), &mut log) {
                    Ok(f) => {
                        found = Some(f);
                        break;
                    }
                    Err(e) => log.push((
                        "main.go:535",
                        format!("Could not find valid interface matching {r}: {e}"),
                    )),
                }
            }
        }
        found.ok_or_else(|| {
            let tried: Vec<&str> = log.iter().map(|(_, l)| l.as_str()).filter(|l| l.starts_with("Could not")).collect();
            format!("Failed to find interface to use that matches the interfaces and/or regexes provided ({})", tried.join("; "))
        })?
    };
    let (iface, iface_addr) = found;
    log.push((
        "match.go:263",
        format!(
            "Using interface with name {} and address {iface_addr}",
            iface.name
        ),
    ));
    let public_ip = match &cfg.public_ip {
        Some(p) => {
            let ip: Ipv4Addr = p.parse().map_err(|_| format!("invalid --public-ip {p}"))?;
            log.push(("match.go:286", format!("Using {ip} as external address")));
            ip
        }
        None => {
            log.push((
                "match.go:281",
                format!("Defaulting external address to interface address ({iface_addr})"),
            ));
            iface_addr
        }
    };
    if iface.mtu <= VXLAN_OVERHEAD {
        return Err(format!(
            "failed to determine MTU for {} interface",
            iface.name
        ));
    }
    Ok(Choice {
        iface: iface.name,
        iface_addr,
        public_ip,
        iface_mtu: iface.mtu,
        log,
    })
}

/// A node's lease and VTEP, as other nodes learn it (flannel keeps these in
/// the node's annotations).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Lease {
    pub node: String,
    pub subnet: Ipv4Net,
    pub public_ip: Ipv4Addr,
    pub mac: String,
    /// The chosen interface and its address (for the log and `status`).
    pub iface: String,
    pub iface_addr: Ipv4Addr,
    pub mtu: u32,
}

impl Lease {
    /// The VTEP address: the subnet's `.0`, on `flannel.1` as a /32.
    pub fn vtep_ip(&self) -> Ipv4Addr {
        self.subnet.network()
    }
    /// The gateway of the node's pods: `.1` on `cni0`.
    pub fn gateway(&self) -> Ipv4Addr {
        nth_host(self.subnet, 1)
    }
}

/// Every node's lease for a variant, in node order, with each node's choice.
pub fn leases(lab: &Lab, cfg: &FlannelConfig) -> Result<Vec<(Lease, Choice)>, String> {
    lab.nodes
        .iter()
        .map(|n| {
            let c = choose(cfg, &node_host_net(lab, n))
                .map_err(|e| format!("flanneld on {}: {e}", n.name))?;
            let lease = Lease {
                node: n.name.clone(),
                subnet: n.pod_subnet,
                public_ip: c.public_ip,
                mac: names::mac_string(names::vtep_mac(&lab.name, n.index)),
                iface: c.iface.clone(),
                iface_addr: c.iface_addr,
                mtu: c.mtu(),
            };
            Ok((lease, c))
        })
        .collect()
}

/// `ip -batch` text for a node: the VXLAN device as flannel's vxlan backend
/// makes it, a neighbour and a route for every other node's lease, and the
/// CNI bridge with the node's gateway address (made with the MAC
/// `new_bridge` when given; otherwise it stays from the previous variant, as
/// on a real node, and only gets the MTU).
pub fn node_batch(
    cfg: &FlannelConfig,
    me: &Lease,
    peers: &[&Lease],
    new_bridge: Option<&str>,
) -> String {
    let vx = names::VXLAN_IF;
    let mut b = String::new();
    let _ = writeln!(
        b,
        "link add {vx} address {} mtu {} type vxlan id {} local {} dev {} dstport {} nolearning",
        me.mac, me.mtu, cfg.vni, me.public_ip, me.iface, cfg.port
    );
    let _ = writeln!(b, "addr add {}/32 dev {vx}", me.vtep_ip());
    let _ = writeln!(b, "link set {vx} up");
    for p in peers {
        let _ = writeln!(
            b,
            "neigh add {} lladdr {} dev {vx} nud permanent",
            p.vtep_ip(),
            p.mac
        );
        let _ = writeln!(
            b,
            "route add {} via {} dev {vx} onlink",
            p.subnet,
            p.vtep_ip()
        );
    }
    let cni = names::CNI_BRIDGE;
    if let Some(mac) = new_bridge {
        let _ = writeln!(b, "link add {cni} address {mac} mtu {} type bridge", me.mtu);
        let _ = writeln!(
            b,
            "addr add {}/{} dev {cni}",
            me.gateway(),
            me.subnet.prefix_len()
        );
    } else {
        let _ = writeln!(b, "link set {cni} mtu {}", me.mtu);
    }
    let _ = writeln!(b, "link set {cni} up");
    b
}

/// `bridge -batch` text: where each peer's VTEP MAC lives (its public address).
pub fn fdb_batch(peers: &[&Lease]) -> String {
    let mut b = String::new();
    for p in peers {
        let _ = writeln!(
            b,
            "fdb append {} dev {} dst {}",
            p.mac,
            names::VXLAN_IF,
            p.public_ip
        );
    }
    b
}

/// flanneld's iptables rules on a node, for `iptables-restore` (both tables
/// complete, so restoring replaces what a previous variant left).
pub fn iptables_rules(cfg: &FlannelConfig, subnet: Ipv4Net) -> String {
    let net = cfg.network;
    let mut r = String::new();
    let _ = writeln!(r, "*filter");
    let _ = writeln!(r, ":FORWARD ACCEPT [0:0]");
    let _ = writeln!(r, ":FLANNEL-FWD - [0:0]");
    let c = "-m comment --comment \"flanneld forward\"";
    let _ = writeln!(r, "-A FORWARD {c} -j FLANNEL-FWD");
    let _ = writeln!(r, "-A FLANNEL-FWD -s {net} {c} -j ACCEPT");
    let _ = writeln!(r, "-A FLANNEL-FWD -d {net} {c} -j ACCEPT");
    let _ = writeln!(r, "COMMIT");
    let _ = writeln!(r, "*nat");
    let _ = writeln!(r, ":POSTROUTING ACCEPT [0:0]");
    if cfg.ip_masq {
        let c = "-m comment --comment \"flanneld masq\"";
        let _ = writeln!(r, ":FLANNEL-POSTRTG - [0:0]");
        let _ = writeln!(r, "-A POSTROUTING {c} -j FLANNEL-POSTRTG");
        let _ = writeln!(
            r,
            "-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 {c} -j RETURN"
        );
        let _ = writeln!(r, "-A FLANNEL-POSTRTG -s {subnet} -d {net} {c} -j RETURN");
        let _ = writeln!(r, "-A FLANNEL-POSTRTG -s {net} -d {subnet} {c} -j RETURN");
        let _ = writeln!(r, "-A FLANNEL-POSTRTG ! -s {net} -d {subnet} {c} -j RETURN");
        let _ = writeln!(
            r,
            "-A FLANNEL-POSTRTG -s {net} ! -d 224.0.0.0/4 {c} -j MASQUERADE --random-fully"
        );
        let _ = writeln!(
            r,
            "-A FLANNEL-POSTRTG ! -s {net} -d {net} {c} -j MASQUERADE --random-fully"
        );
    }
    let _ = writeln!(r, "COMMIT");
    r
}

/// `/run/flannel/subnet.env` as flanneld writes it.
pub fn subnet_env(cfg: &FlannelConfig, me: &Lease) -> String {
    format!(
        "FLANNEL_NETWORK={}\nFLANNEL_SUBNET={}/{}\nFLANNEL_MTU={}\nFLANNEL_IPMASQ={}\n",
        cfg.network,
        me.gateway(),
        me.subnet.prefix_len(),
        me.mtu,
        cfg.ip_masq
    )
}

/// flanneld's command line as the manifest gives it (reconstructed).
fn flags(cfg: &FlannelConfig) -> String {
    let mut f = vec![];
    if cfg.ip_masq {
        f.push("--ip-masq".to_string());
    }
    f.push("--kube-subnet-mgr".into());
    f.extend(cfg.iface.iter().map(|v| format!("--iface={v}")));
    f.extend(cfg.iface_regex.iter().map(|v| format!("--iface-regex={v}")));
    f.extend(
        cfg.iface_can_reach
            .iter()
            .map(|v| format!("--iface-can-reach={v}")),
    );
    f.extend(cfg.public_ip.iter().map(|v| format!("--public-ip={v}")));
    f.join(" ")
}

/// flanneld's log on a node: its start, the interface decision, the lease,
/// the backend and the peers it programmed. `now` is Unix time in
/// microseconds, for klog-style headers.
pub fn flanneld_log(
    cfg: &FlannelConfig,
    choice: &Choice,
    me: &Lease,
    peers: &[&Lease],
    now_us: u64,
) -> String {
    let mut lines: Vec<(&str, String)> = vec![
        ("main.go:211", format!("CLI flags config: {}", flags(cfg))),
        (
            "kube.go:139",
            "Waiting 10m0s for node controller to sync".into(),
        ),
        ("kube.go:469", "Starting kube subnet manager".into()),
        ("kube.go:146", "Node controller sync successful".into()),
        (
            "main.go:231",
            format!(
                "Created subnet manager: Kubernetes Subnet Manager - {}",
                me.node
            ),
        ),
        ("main.go:234", "Installing signal handlers".into()),
        (
            "main.go:452",
            format!("Found network config - Backend type: {}", cfg.backend),
        ),
    ];
    lines.extend(choice.log.iter().cloned());
    lines.push((
        "vxlan.go:141",
        format!(
            "VXLAN config: VNI={} Port={} GBP=false Learning=false DirectRouting=false",
            cfg.vni, cfg.port
        ),
    ));
    lines.push(("kube.go:636", format!("List of node({}) annotations: flannel.alpha.coreos.com/backend-data: {{\"VNI\":{},\"VtepMAC\":\"{}\"}}, flannel.alpha.coreos.com/public-ip: {}", me.node, cfg.vni, me.mac, me.public_ip)));
    lines.push((
        "main.go:339",
        format!(
            "Acquired lease {} for node {} (public address {})",
            me.subnet, me.node, me.public_ip
        ),
    ));
    lines.push((
        "vxlan_network.go:50",
        format!(
            "VTEP {}: VNI {} local {} dev {} dstport {} MTU {} MAC {}",
            names::VXLAN_IF,
            cfg.vni,
            me.public_ip,
            me.iface,
            cfg.port,
            me.mtu,
            me.mac
        ),
    ));
    if cfg.ip_masq {
        lines.push(("main.go:357", "Setting up masking rules".into()));
    }
    lines.push((
        "main.go:408",
        "Changing default FORWARD chain policy to ACCEPT".into(),
    ));
    lines.push((
        "main.go:421",
        "Wrote subnet file to /run/flannel/subnet.env".into(),
    ));
    lines.push(("main.go:425", "Running backend.".into()));
    lines.push((
        "vxlan_network.go:65",
        "watching for new subnet leases".into(),
    ));
    for p in peers {
        lines.push((
            "vxlan_network.go:208",
            format!(
                "Subnet added: {} via {} (VTEP {} at {})",
                p.subnet,
                p.public_ip,
                p.mac,
                p.vtep_ip()
            ),
        ));
    }
    let header = klog_time(now_us);
    let mut out = String::new();
    for (src, msg) in lines {
        let _ = writeln!(out, "I{header}       1 {src}] {msg}");
    }
    out
}

/// klog's `MMDD hh:mm:ss.uuuuuu` (UTC) for Unix time in microseconds.
pub fn klog_time(now_us: u64) -> String {
    let t = crate::clock::Utc::from_unix(now_us / 1_000_000);
    format!(
        "{:02}{:02} {:02}:{:02}:{:02}.{:06}",
        t.month,
        t.day,
        t.hour,
        t.minute,
        t.second,
        now_us % 1_000_000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> FlannelConfig {
        FlannelConfig {
            ip_masq: true,
            ..FlannelConfig::vxlan("10.244.0.0/16".parse().unwrap())
        }
    }

    fn host(private: &str) -> HostNet {
        HostNet {
            ifaces: vec![
                Iface {
                    name: "lo".into(),
                    addrs: vec!["127.0.0.1/8".parse().unwrap()],
                    mtu: 65536,
                },
                Iface {
                    name: "enp0s3".into(),
                    addrs: vec!["10.0.2.15/24".parse().unwrap()],
                    mtu: 1500,
                },
                Iface {
                    name: "enp0s8".into(),
                    addrs: vec![format!("{private}/24").parse().unwrap()],
                    mtu: 1500,
                },
            ],
            default_dev: Some("enp0s3".into()),
        }
    }

    fn lines(c: &Choice) -> Vec<&str> {
        c.log.iter().map(|(_, l)| l.as_str()).collect()
    }

    #[test]
    fn no_flags_picks_the_default_route_nic_as_in_the_chapter() {
        let c = choose(&cfg(), &host("10.100.198.201")).unwrap();
        assert_eq!(
            (c.iface.as_str(), c.iface_addr, c.public_ip),
            (
                "enp0s3",
                "10.0.2.15".parse().unwrap(),
                "10.0.2.15".parse().unwrap()
            )
        );
        assert_eq!(
            lines(&c),
            [
                "Determining IP address of default interface",
                "Using interface with name enp0s3 and address 10.0.2.15",
                "Defaulting external address to interface address (10.0.2.15)"
            ]
        );
        assert_eq!(c.mtu(), 1450);
    }

    #[test]
    fn iface_by_name_or_ip() {
        let mut f = cfg();
        f.iface = vec!["enp0s8".into()];
        let c = choose(&f, &host("10.100.198.201")).unwrap();
        assert_eq!(
            (c.iface.as_str(), c.public_ip),
            ("enp0s8", "10.100.198.201".parse().unwrap())
        );
        assert!(lines(&c).contains(&"Using interface with name enp0s8 and address 10.100.198.201"));
        assert!(
            lines(&c)
                .contains(&"Defaulting external address to interface address (10.100.198.201)")
        );
        assert!(lines(&c)[0].contains("enp0s8"), "names the search");

        f.iface = vec!["10.100.198.202".into()];
        let c = choose(&f, &host("10.100.198.202")).unwrap();
        assert_eq!(c.iface, "enp0s8");
    }

    #[test]
    fn iface_values_are_tried_in_order_then_regexes() {
        let mut f = cfg();
        f.iface = vec!["eth9".into(), "enp0s8".into()];
        let c = choose(&f, &host("10.100.198.201")).unwrap();
        assert_eq!(c.iface, "enp0s8");
        assert!(
            lines(&c)
                .iter()
                .any(|l| l.starts_with("Could not find valid interface matching eth9"))
        );

        let mut f = cfg();
        f.iface = vec!["eth9".into()];
        f.iface_regex = vec!["^10\\.100\\.".into()];
        let c = choose(&f, &host("10.100.198.201")).unwrap();
        assert_eq!(
            (c.iface.as_str(), c.iface_addr),
            ("enp0s8", "10.100.198.201".parse().unwrap())
        );

        // A regex matches addresses first, then names.
        let mut f = cfg();
        f.iface_regex = vec!["enp0s[38]".into()];
        assert_eq!(choose(&f, &host("10.100.198.201")).unwrap().iface, "enp0s3");

        let mut f = cfg();
        f.iface = vec!["eth9".into()];
        let e = choose(&f, &host("10.100.198.201")).unwrap_err();
        assert!(e.contains("Failed to find interface"), "{e}");
    }

    #[test]
    fn iface_flags_win_over_can_reach() {
        let mut f = cfg();
        f.iface = vec!["enp0s3".into()];
        f.iface_can_reach = Some("10.100.198.200".into());
        assert_eq!(choose(&f, &host("10.100.198.201")).unwrap().iface, "enp0s3");
    }

    #[test]
    fn can_reach_uses_the_route_to_the_address() {
        let mut f = cfg();
        f.iface_can_reach = Some("10.100.198.200".into());
        let c = choose(&f, &host("10.100.198.201")).unwrap();
        assert_eq!(
            (c.iface.as_str(), c.iface_addr),
            ("enp0s8", "10.100.198.201".parse().unwrap())
        );
        f.iface_can_reach = Some("8.8.8.8".into());
        assert_eq!(choose(&f, &host("10.100.198.201")).unwrap().iface, "enp0s3");
    }

    #[test]
    fn public_ip_overrides_the_external_address() {
        let mut f = cfg();
        f.iface = vec!["enp0s3".into()];
        f.public_ip = Some("10.100.198.201".into());
        let c = choose(&f, &host("10.100.198.201")).unwrap();
        assert_eq!(
            (c.iface.as_str(), c.public_ip),
            ("enp0s3", "10.100.198.201".parse().unwrap())
        );
        assert!(lines(&c).contains(&"Using 10.100.198.201 as external address"));
        // Without interface flags, the public IP names the interface.
        let mut f = cfg();
        f.public_ip = Some("10.100.198.201".into());
        assert_eq!(choose(&f, &host("10.100.198.201")).unwrap().iface, "enp0s8");
    }

    fn lease(node: &str, n: u8, public: &str) -> Lease {
        Lease {
            node: node.into(),
            subnet: format!("10.244.{n}.0/24").parse().unwrap(),
            public_ip: public.parse().unwrap(),
            mac: format!("0e:00:00:00:00:{n:02x}"),
            iface: "enp0s8".into(),
            iface_addr: public.parse().unwrap(),
            mtu: 1450,
        }
    }

    #[test]
    fn node_batch_programs_what_the_vxlan_backend_does() {
        let me = lease("node1", 1, "10.100.198.201");
        let p = lease("node2", 2, "10.100.198.202");
        let b = node_batch(&cfg(), &me, &[&p], Some("16:00:00:00:00:01"));
        assert_eq!(
            b,
            "link add flannel.1 address 0e:00:00:00:00:01 mtu 1450 type vxlan id 1 local 10.100.198.201 dev enp0s8 dstport 8472 nolearning\n\
             addr add 10.244.1.0/32 dev flannel.1\n\
             link set flannel.1 up\n\
             neigh add 10.244.2.0 lladdr 0e:00:00:00:00:02 dev flannel.1 nud permanent\n\
             route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink\n\
             link add cni0 address 16:00:00:00:00:01 mtu 1450 type bridge\n\
             addr add 10.244.1.1/24 dev cni0\n\
             link set cni0 up\n"
        );
        let again = node_batch(&cfg(), &me, &[&p], None);
        assert!(
            again.ends_with("link set cni0 mtu 1450\nlink set cni0 up\n"),
            "{again}"
        );
        assert!(!again.contains("link add cni0"));
        assert_eq!(
            fdb_batch(&[&p]),
            "fdb append 0e:00:00:00:00:02 dev flannel.1 dst 10.100.198.202\n"
        );
    }

    #[test]
    fn subnet_env_and_rules() {
        let me = lease("node1", 1, "10.0.2.15");
        assert_eq!(
            subnet_env(&cfg(), &me),
            "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n"
        );
        let r = iptables_rules(&cfg(), me.subnet);
        assert!(r.contains(
            "-A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment \"flanneld forward\" -j ACCEPT"
        ));
        assert!(r.contains("-A FLANNEL-POSTRTG -s 10.244.1.0/24 -d 10.244.0.0/16"));
        assert_eq!(r.matches("COMMIT").count(), 2);
        let mut f = cfg();
        f.ip_masq = false;
        assert!(!iptables_rules(&f, me.subnet).contains("MASQUERADE"));
    }

    #[test]
    fn log_has_flanneld_lines_with_klog_headers() {
        let c = choose(&cfg(), &host("10.100.198.201")).unwrap();
        let me = lease("node1", 1, "10.0.2.15");
        let p = lease("node2", 2, "10.0.2.15");
        let log = flanneld_log(&cfg(), &c, &me, &[&p], 1_764_211_201_123_456);
        assert!(log.contains("I1127 02:40:01.123456       1 match.go:210] Determining IP address of default interface\n"), "{log}");
        assert!(log.contains("] Using interface with name enp0s3 and address 10.0.2.15\n"));
        assert!(log.contains("] Defaulting external address to interface address (10.0.2.15)\n"));
        assert!(log.contains("Subnet added: 10.244.2.0/24 via 10.0.2.15"));
        assert_eq!(klog_time(0), "0101 00:00:00.000000");
        assert_eq!(klog_time(951_782_400_000_000), "0229 00:00:00.000000");
    }
}
