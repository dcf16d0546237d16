//! The lab's kernel state sent as netlink messages from lab's own process:
//! links, addresses, routes, neighbours and FDB entries, many to a `sendmsg`,
//! on a thread per core that enters each namespace in turn. One `ip -batch`
//! process per namespace cost a fork, an exec and iproute2's start for every
//! node, and a line parsed and a message sent for every entry; a lab of 1000
//! workers is about three million entries.
//!
//! What is sent is a list of [`Op`]s per namespace, pure data built by
//! `plan` and `flanneld` (unit-tested there), shown in `ip`/`bridge` syntax
//! in the lab's log and in errors ([`std::fmt::Display`]). [`msg`] encodes
//! them, [`socket`] sends them and reads the kernel's verdicts, [`run`]
//! spreads namespaces over threads and makes and deletes namespaces.
//! Nothing here opens a socket in the host's namespace: every socket is
//! opened by a thread that has entered (or just made) a lab namespace.

pub mod msg;
pub mod run;
pub mod socket;

pub use run::{Owner, Work, add_namespaces, apply, delete_namespaces};

use ipnet::Ipv4Net;
use std::fmt;
use std::net::Ipv4Addr;

/// The other end of a veth, made directly in another lab namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    pub name: String,
    /// Its ifindex in its namespace (a node's `enp0s3` is 2, `enp0s8` 3).
    pub index: Option<u32>,
    pub mac: Option<String>,
    pub mtu: Option<u32>,
    /// The lab namespace it is made in.
    pub netns: String,
}

/// One change to a namespace's kernel state, as one netlink message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `ip link add NAME [index I] [address M] [mtu U] type veth peer ...`
    Veth {
        name: String,
        index: Option<u32>,
        mac: Option<String>,
        mtu: Option<u32>,
        peer: Peer,
    },
    /// `ip link add NAME [address M] [mtu U] type bridge fdb_max_learned N`
    Bridge {
        name: String,
        mac: Option<String>,
        mtu: Option<u32>,
        /// The most forwarding entries it learns (see
        /// `table_bounds::learned_macs`); past it, frames to a MAC it did
        /// not learn are flooded, as to any unknown MAC.
        max_learned: u32,
    },
    /// `ip link add NAME address M mtu U type vxlan id VNI local IP dev DEV dstport P nolearning`
    Vxlan {
        name: String,
        mac: String,
        mtu: u32,
        vni: u32,
        local: Ipv4Addr,
        dev: String,
        port: u16,
    },
    /// `ip link set DEV [master M] up`
    Up { dev: String, master: Option<String> },
    /// `ip link set DEV mtu U`
    Mtu { dev: String, mtu: u32 },
    /// `ip link del DEV`
    Delete { dev: String },
    /// `ip addr add A/L dev DEV`
    Addr { dev: String, addr: Ipv4Net },
    /// `ip route add DST via GW dev DEV [onlink]` (`default` for a /0)
    Route {
        dst: Ipv4Net,
        via: Ipv4Addr,
        dev: String,
        onlink: bool,
    },
    /// `ip neigh add|replace IP lladdr M dev DEV nud permanent`
    Neigh {
        ip: Ipv4Addr,
        mac: String,
        dev: String,
        replace: bool,
    },
    /// `bridge fdb append M dev DEV dst IP` (self, permanent)
    Fdb {
        mac: String,
        dev: String,
        dst: Ipv4Addr,
    },
}

impl Op {
    /// The devices the message names by index (looked up in the namespace;
    /// links are set up, and deleted, by name).
    pub fn devices(&self) -> Vec<&str> {
        match self {
            Op::Veth { .. } | Op::Bridge { .. } | Op::Delete { .. } | Op::Mtu { .. } => vec![],
            Op::Vxlan { dev, .. } => vec![dev],
            Op::Up { master, .. } => master.iter().map(|m| m.as_str()).collect(),
            Op::Addr { dev, .. }
            | Op::Route { dev, .. }
            | Op::Neigh { dev, .. }
            | Op::Fdb { dev, .. } => vec![dev],
        }
    }

    /// The device the message makes or deletes (its name's index changes).
    pub fn changes(&self) -> Option<&str> {
        match self {
            Op::Veth { name, .. } | Op::Bridge { name, .. } | Op::Vxlan { name, .. } => Some(name),
            Op::Delete { dev } => Some(dev),
            _ => None,
        }
    }
}

fn opt<T: fmt::Display>(f: &mut fmt::Formatter<'_>, key: &str, v: &Option<T>) -> fmt::Result {
    match v {
        Some(v) => write!(f, " {key} {v}"),
        None => Ok(()),
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Veth {
                name,
                index,
                mac,
                mtu,
                peer,
            } => {
                write!(f, "link add {name}")?;
                opt(f, "index", index)?;
                opt(f, "address", mac)?;
                opt(f, "mtu", mtu)?;
                write!(f, " type veth peer name {}", peer.name)?;
                opt(f, "index", &peer.index)?;
                opt(f, "address", &peer.mac)?;
                opt(f, "mtu", &peer.mtu)?;
                write!(f, " netns {}", peer.netns)
            }
            Op::Bridge {
                name,
                mac,
                mtu,
                max_learned,
            } => {
                write!(f, "link add {name}")?;
                opt(f, "address", mac)?;
                opt(f, "mtu", mtu)?;
                write!(f, " type bridge fdb_max_learned {max_learned}")
            }
            Op::Vxlan {
                name,
                mac,
                mtu,
                vni,
                local,
                dev,
                port,
            } => write!(
                f,
                "link add {name} address {mac} mtu {mtu} type vxlan id {vni} local {local} dev {dev} dstport {port} nolearning"
            ),
            Op::Up { dev, master } => {
                write!(f, "link set {dev}")?;
                opt(f, "master", master)?;
                write!(f, " up")
            }
            Op::Mtu { dev, mtu } => write!(f, "link set {dev} mtu {mtu}"),
            Op::Delete { dev } => write!(f, "link del {dev}"),
            Op::Addr { dev, addr } => write!(f, "addr add {addr} dev {dev}"),
            Op::Route {
                dst,
                via,
                dev,
                onlink,
            } => {
                if dst.prefix_len() == 0 {
                    write!(f, "route add default via {via} dev {dev}")?;
                } else {
                    write!(f, "route add {dst} via {via} dev {dev}")?;
                }
                if *onlink {
                    write!(f, " onlink")?;
                }
                Ok(())
            }
            Op::Neigh {
                ip,
                mac,
                dev,
                replace,
            } => write!(
                f,
                "neigh {} {ip} lladdr {mac} dev {dev} nud permanent",
                if *replace { "replace" } else { "add" }
            ),
            Op::Fdb { mac, dev, dst } => write!(f, "fdb append {mac} dev {dev} dst {dst}"),
        }
    }
}

/// Ops as text, a line each (the lab's log; the plans' unit tests).
pub fn text(ops: &[Op]) -> String {
    ops.iter().map(|o| format!("{o}\n")).collect()
}

/// A MAC address as six bytes (`aa:bb:cc:dd:ee:ff`).
pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let mut out = [0u8; 6];
    let mut parts = s.split(':');
    for b in &mut out {
        *b = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    parts.next().is_none().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_read_as_ip_commands() {
        let veth = Op::Veth {
            name: "g1".into(),
            index: Some(1001),
            mac: Some("02:00:00:00:00:01".into()),
            mtu: None,
            peer: Peer {
                name: "enp0s3".into(),
                index: Some(2),
                mac: None,
                mtu: Some(1450),
                netns: "t1.node1".into(),
            },
        };
        assert_eq!(
            veth.to_string(),
            "link add g1 index 1001 address 02:00:00:00:00:01 type veth peer name enp0s3 index 2 mtu 1450 netns t1.node1"
        );
        let default = Op::Route {
            dst: "0.0.0.0/0".parse().unwrap(),
            via: "10.0.2.2".parse().unwrap(),
            dev: "enp0s3".into(),
            onlink: false,
        };
        assert_eq!(
            default.to_string(),
            "route add default via 10.0.2.2 dev enp0s3"
        );
        assert_eq!(default.devices(), ["enp0s3"]);
        assert_eq!(veth.changes(), Some("g1"));
        let up = Op::Up {
            dev: "p1".into(),
            master: Some("br0".into()),
        };
        assert_eq!(up.to_string(), "link set p1 master br0 up");
        assert_eq!(up.devices(), ["br0"]);
        assert_eq!(parse_mac("0e:00:00:00:01:ff"), Some([14, 0, 0, 0, 1, 255]));
        assert_eq!(parse_mac("0e:00:00:00:01"), None);
        assert_eq!(parse_mac("0e:00:00:00:01:ff:00"), None);
        assert_eq!(parse_mac("0e:00:00:00:01:zz"), None);
    }
}
