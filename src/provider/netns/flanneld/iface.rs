//! Which interface and address flanneld chooses on a node.
//!
//! The interface rule follows flanneld's `main.go` and `pkg/ipmatch`:
//! `--iface` values in order (a name, or an IP to look up), then
//! `--iface-regex` values in order (matched against addresses first, then
//! names), and only when neither is given: `--public-ip` as the interface to
//! look up, else `--iface-can-reach` (the interface of the route to it), else
//! the interface of the default route with its first IPv4 address.
//! `--public-ip` also overrides the external address.

use super::{NIC_MTU, VXLAN_OVERHEAD};
use crate::cni::flannel::FlannelConfig;
use crate::spec::{Lab, Node};
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

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

#[cfg(test)]
pub(super) mod tests {
    use super::super::tests::cfg;
    use super::*;

    pub(in super::super) fn host(private: &str) -> HostNet {
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
}
