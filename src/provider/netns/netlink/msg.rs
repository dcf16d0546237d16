//! An [`Op`] as the rtnetlink message the kernel takes (`linux/rtnetlink.h`,
//! `linux/if_link.h`, `linux/neighbour.h`): a header, the family's fixed
//! struct, then attributes (type, length, value, padded to 4 bytes), nested
//! for a link's kind. Pure: devices come as indexes, a veth peer's
//! namespace as an open file descriptor.

use super::{Op, parse_mac};
use std::net::Ipv4Addr;

pub const NLMSG_ERROR: u16 = 2;
pub const NLMSG_DONE: u16 = 3;
pub const NLM_F_REQUEST: u16 = 0x1;
pub const NLM_F_ACK: u16 = 0x4;
/// `NLM_F_ROOT | NLM_F_MATCH`: every object, not one.
pub const NLM_F_DUMP: u16 = 0x300;
const NLM_F_REPLACE: u16 = 0x100;
const NLM_F_EXCL: u16 = 0x200;
const NLM_F_CREATE: u16 = 0x400;
const NLM_F_APPEND: u16 = 0x800;

pub const RTM_NEWLINK: u16 = 16;
pub const RTM_DELLINK: u16 = 17;
const RTM_NEWADDR: u16 = 20;
const RTM_NEWROUTE: u16 = 24;
pub const RTM_NEWNEIGH: u16 = 28;

pub const AF_INET: u8 = 2;
pub const AF_BRIDGE: u8 = 7;
const IFF_UP: u32 = 0x1;

const IFLA_ADDRESS: u16 = 1;
const IFLA_IFNAME: u16 = 3;
const IFLA_MTU: u16 = 4;
const IFLA_MASTER: u16 = 10;
const IFLA_LINKINFO: u16 = 18;
const IFLA_NET_NS_FD: u16 = 28;
const IFLA_INFO_KIND: u16 = 1;
const IFLA_INFO_DATA: u16 = 2;
const VETH_INFO_PEER: u16 = 1;
const IFLA_VXLAN_ID: u16 = 1;
/// `IFLA_BR_FDB_MAX_LEARNED` (Linux 6.8); an older kernel ignores it.
const IFLA_BR_FDB_MAX_LEARNED: u16 = 49;
const IFLA_VXLAN_LINK: u16 = 3;
const IFLA_VXLAN_LOCAL: u16 = 4;
const IFLA_VXLAN_LEARNING: u16 = 7;
const IFLA_VXLAN_PORT: u16 = 15;
pub const NLA_F_NESTED: u16 = 0x8000;

const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;

const RTA_DST: u16 = 1;
const RTA_OIF: u16 = 4;
const RTA_GATEWAY: u16 = 5;
const RT_TABLE_MAIN: u8 = 254;
const RTPROT_BOOT: u8 = 3;
const RTN_UNICAST: u8 = 1;
const RTNH_F_ONLINK: u32 = 0x4;

pub const NDA_DST: u16 = 1;
pub const NDA_LLADDR: u16 = 2;
const NUD_PERMANENT: u16 = 0x80;
pub const NTF_SELF: u8 = 0x2;

/// What an op needs from its namespace to be encoded.
pub trait Lookup {
    /// The ifindex of a device named by the op (see [`Op::devices`]).
    fn index(&self, dev: &str) -> u32;
    /// An open file descriptor of a veth peer's namespace.
    fn netns_fd(&self, netns: &str) -> i32;
}

fn put_u16(b: &mut Vec<u8>, v: u16) {
    b.extend_from_slice(&v.to_ne_bytes());
}
fn put_u32(b: &mut Vec<u8>, v: u32) {
    b.extend_from_slice(&v.to_ne_bytes());
}
fn pad(b: &mut Vec<u8>) {
    while !b.len().is_multiple_of(4) {
        b.push(0);
    }
}

/// Append the attribute `ty` holding `data`, padded to 4 bytes.
pub fn attr(b: &mut Vec<u8>, ty: u16, data: &[u8]) {
    put_u16(b, (4 + data.len()) as u16);
    put_u16(b, ty);
    b.extend_from_slice(data);
    pad(b);
}

/// Append a message: its header (type `ty`, `flags`, sequence `seq`, no
/// port), then `body`.
pub fn put_message(b: &mut Vec<u8>, ty: u16, flags: u16, seq: u32, body: &[u8]) {
    put_u32(b, 16 + body.len() as u32);
    put_u16(b, ty);
    put_u16(b, flags);
    put_u32(b, seq);
    put_u32(b, 0);
    b.extend_from_slice(body);
}

/// [`put_message`] alone.
pub fn message(ty: u16, flags: u16, seq: u32, body: &[u8]) -> Vec<u8> {
    let mut b = Vec::with_capacity(16 + body.len());
    put_message(&mut b, ty, flags, seq, body);
    b
}

/// A string attribute's text: up to its first NUL (the whole value if it
/// has none).
pub fn c_str(v: &[u8]) -> &[u8] {
    v.split(|&c| c == 0).next().unwrap_or(v)
}

/// The attributes of `b` (type without its flags, payload), in order, up
/// to the first that is cut or malformed.
pub fn attrs(b: &[u8]) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 4 <= b.len() {
        let len = u16::from_ne_bytes([b[at], b[at + 1]]) as usize;
        let ty = u16::from_ne_bytes([b[at + 2], b[at + 3]]) & 0x3fff;
        if len < 4 || at + len > b.len() {
            break;
        }
        out.push((ty, &b[at + 4..at + len]));
        at += (len + 3) & !3;
    }
    out
}

/// The payloads of every attribute `ty` of `b`.
pub fn attrs_of(b: &[u8], ty: u16) -> impl Iterator<Item = &[u8]> {
    attrs(b).into_iter().filter(move |a| a.0 == ty).map(|a| a.1)
}

/// One netlink message of a receive: its type, sequence number and body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    pub ty: u16,
    pub seq: u32,
    pub body: &'a [u8],
}

/// The messages of one receive `b`, in order, up to the first that is cut
/// or malformed (its length below a header or past the receive).
pub fn messages(b: &[u8]) -> impl Iterator<Item = Message<'_>> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let head = b.get(at..at + 16)?;
        let len = u32::from_ne_bytes(head[0..4].try_into().expect("4 bytes")) as usize;
        if len < 16 || at + len > b.len() {
            return None;
        }
        let m = Message {
            ty: u16::from_ne_bytes([head[4], head[5]]),
            seq: u32::from_ne_bytes(head[8..12].try_into().expect("4 bytes")),
            body: &b[at + 16..at + len],
        };
        at += (len + 3) & !3;
        Some(m)
    })
}

fn attr_str(b: &mut Vec<u8>, ty: u16, s: &str) {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    attr(b, ty, &v);
}

fn nest(b: &mut Vec<u8>, ty: u16, f: impl FnOnce(&mut Vec<u8>)) {
    let at = b.len();
    put_u16(b, 0);
    put_u16(b, ty | NLA_F_NESTED);
    f(b);
    let len = (b.len() - at) as u16;
    b[at..at + 2].copy_from_slice(&len.to_ne_bytes());
}

fn mac(s: &str) -> [u8; 6] {
    // Every MAC of a plan is made by `names::mac_string`.
    parse_mac(s).unwrap_or_else(|| panic!("a lab MAC is six hex bytes: {s:?}"))
}

fn ifinfomsg(b: &mut Vec<u8>, index: u32, flags: u32, change: u32) {
    b.extend_from_slice(&[0, 0]); // family, pad
    put_u16(b, 0); // type
    put_u32(b, index);
    put_u32(b, flags);
    put_u32(b, change);
}

fn link_attrs(b: &mut Vec<u8>, name: &str, mac_: &Option<String>, mtu: &Option<u32>) {
    attr_str(b, IFLA_IFNAME, name);
    if let Some(m) = mac_ {
        attr(b, IFLA_ADDRESS, &mac(m));
    }
    if let Some(m) = mtu {
        attr(b, IFLA_MTU, &m.to_ne_bytes());
    }
}

fn ip(a: Ipv4Addr) -> [u8; 4] {
    a.octets()
}

/// Append `op` as one message with sequence number `seq` to `b`.
pub fn encode(b: &mut Vec<u8>, op: &Op, seq: u32, l: &dyn Lookup) {
    let start = b.len();
    let (ty, flags) = match op {
        Op::Veth { .. } | Op::Bridge { .. } | Op::Vxlan { .. } => {
            (RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL)
        }
        Op::Up { .. } | Op::Mtu { .. } => (RTM_NEWLINK, 0),
        Op::Delete { .. } => (RTM_DELLINK, 0),
        Op::Addr { .. } => (RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL),
        Op::Route { .. } => (RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL),
        Op::Neigh { replace: true, .. } => (RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE),
        Op::Neigh { .. } => (RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_EXCL),
        Op::Fdb { .. } => (RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_APPEND),
    };
    put_u32(b, 0); // length, set below
    put_u16(b, ty);
    put_u16(b, NLM_F_REQUEST | flags);
    put_u32(b, seq);
    put_u32(b, 0); // port id: the kernel
    match op {
        Op::Veth {
            name,
            index,
            mac,
            mtu,
            peer,
        } => {
            ifinfomsg(b, index.unwrap_or(0), 0, 0);
            link_attrs(b, name, mac, mtu);
            nest(b, IFLA_LINKINFO, |b| {
                attr_str(b, IFLA_INFO_KIND, "veth");
                nest(b, IFLA_INFO_DATA, |b| {
                    nest(b, VETH_INFO_PEER, |b| {
                        ifinfomsg(b, peer.index.unwrap_or(0), 0, 0);
                        link_attrs(b, &peer.name, &peer.mac, &peer.mtu);
                        attr(b, IFLA_NET_NS_FD, &l.netns_fd(&peer.netns).to_ne_bytes());
                    });
                });
            });
        }
        Op::Bridge {
            name,
            mac,
            mtu,
            max_learned,
        } => {
            ifinfomsg(b, 0, 0, 0);
            link_attrs(b, name, mac, mtu);
            nest(b, IFLA_LINKINFO, |b| {
                attr_str(b, IFLA_INFO_KIND, "bridge");
                nest(b, IFLA_INFO_DATA, |b| {
                    attr(b, IFLA_BR_FDB_MAX_LEARNED, &max_learned.to_ne_bytes());
                });
            });
        }
        Op::Vxlan {
            name,
            mac,
            mtu,
            vni,
            local,
            dev,
            port,
        } => {
            ifinfomsg(b, 0, 0, 0);
            link_attrs(b, name, &Some(mac.clone()), &Some(*mtu));
            nest(b, IFLA_LINKINFO, |b| {
                attr_str(b, IFLA_INFO_KIND, "vxlan");
                nest(b, IFLA_INFO_DATA, |b| {
                    attr(b, IFLA_VXLAN_ID, &vni.to_ne_bytes());
                    attr(b, IFLA_VXLAN_LOCAL, &ip(*local));
                    attr(b, IFLA_VXLAN_LINK, &l.index(dev).to_ne_bytes());
                    attr(b, IFLA_VXLAN_PORT, &port.to_be_bytes());
                    attr(b, IFLA_VXLAN_LEARNING, &[0]);
                });
            });
        }
        Op::Up { dev, master } => {
            // By name: a device made earlier in the same batch has no
            // index the batch could know.
            ifinfomsg(b, 0, IFF_UP, IFF_UP);
            attr_str(b, IFLA_IFNAME, dev);
            if let Some(m) = master {
                attr(b, IFLA_MASTER, &l.index(m).to_ne_bytes());
            }
        }
        Op::Mtu { dev, mtu } => {
            ifinfomsg(b, 0, 0, 0);
            attr_str(b, IFLA_IFNAME, dev);
            attr(b, IFLA_MTU, &mtu.to_ne_bytes());
        }
        Op::Delete { dev } => {
            ifinfomsg(b, 0, 0, 0);
            attr_str(b, IFLA_IFNAME, dev);
        }
        Op::Addr { dev, addr } => {
            b.extend_from_slice(&[AF_INET, addr.prefix_len(), 0, 0]);
            put_u32(b, l.index(dev));
            attr(b, IFA_LOCAL, &ip(addr.addr()));
            attr(b, IFA_ADDRESS, &ip(addr.addr()));
        }
        Op::Route {
            dst,
            via,
            dev,
            onlink,
        } => {
            b.extend_from_slice(&[
                AF_INET,
                dst.prefix_len(),
                0,
                0,
                RT_TABLE_MAIN,
                RTPROT_BOOT,
                0, // scope universe
                RTN_UNICAST,
            ]);
            put_u32(b, if *onlink { RTNH_F_ONLINK } else { 0 });
            if dst.prefix_len() > 0 {
                attr(b, RTA_DST, &ip(dst.network()));
            }
            attr(b, RTA_GATEWAY, &ip(*via));
            attr(b, RTA_OIF, &l.index(dev).to_ne_bytes());
        }
        Op::Neigh {
            ip: a, mac: m, dev, ..
        } => {
            b.extend_from_slice(&[AF_INET, 0, 0, 0]);
            put_u32(b, l.index(dev));
            put_u16(b, NUD_PERMANENT);
            b.extend_from_slice(&[0, 0]); // flags, type
            attr(b, NDA_DST, &ip(*a));
            attr(b, NDA_LLADDR, &mac(m));
        }
        Op::Fdb { mac: m, dev, dst } => {
            b.extend_from_slice(&[AF_BRIDGE, 0, 0, 0]);
            put_u32(b, l.index(dev));
            put_u16(b, NUD_PERMANENT);
            b.extend_from_slice(&[NTF_SELF, 0]);
            attr(b, NDA_LLADDR, &mac(m));
            attr(b, NDA_DST, &ip(*dst));
        }
    }
    let len = (b.len() - start) as u32;
    b[start..start + 4].copy_from_slice(&len.to_ne_bytes());
}

/// Ask for the kernel's acknowledgement of the message that starts at `at`.
pub fn want_ack(b: &mut [u8], at: usize) {
    let flags = u16::from_ne_bytes([b[at + 6], b[at + 7]]) | NLM_F_ACK;
    b[at + 6..at + 8].copy_from_slice(&flags.to_ne_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    struct L;
    impl Lookup for L {
        fn index(&self, dev: &str) -> u32 {
            match dev {
                "enp0s8" => 3,
                "flannel.1" => 4,
                _ => 9,
            }
        }
        fn netns_fd(&self, _: &str) -> i32 {
            7
        }
    }

    fn u16_at(b: &[u8], i: usize) -> u16 {
        u16::from_ne_bytes([b[i], b[i + 1]])
    }
    fn u32_at(b: &[u8], i: usize) -> u32 {
        u32::from_ne_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
    }

    /// The exact bytes of a neighbour and an FDB entry, as `ip neigh` and
    /// `bridge fdb` send them.
    #[test]
    fn neighbour_and_fdb_messages() {
        let mut b = Vec::new();
        let op = Op::Neigh {
            ip: "10.244.2.0".parse().unwrap(),
            mac: "0e:00:00:00:00:02".into(),
            dev: "flannel.1".into(),
            replace: false,
        };
        encode(&mut b, &op, 42, &L);
        assert_eq!(b.len(), 16 + 12 + 8 + 12);
        assert_eq!(u32_at(&b, 0) as usize, b.len());
        assert_eq!(u16_at(&b, 4), RTM_NEWNEIGH);
        assert_eq!(
            u16_at(&b, 6),
            NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL,
            "add, not replace"
        );
        assert_eq!(u32_at(&b, 8), 42);
        assert_eq!(&b[16..20], &[AF_INET, 0, 0, 0]);
        assert_eq!(u32_at(&b, 20), 4, "the index of flannel.1");
        assert_eq!(u16_at(&b, 24), NUD_PERMANENT);
        assert_eq!(&b[28..36], &[8, 0, 1, 0, 10, 244, 2, 0]);
        assert_eq!(&b[36..48], &[10, 0, 2, 0, 14, 0, 0, 0, 0, 2, 0, 0]);

        let mut f = Vec::new();
        let op = Op::Fdb {
            mac: "0e:00:00:00:00:02".into(),
            dev: "flannel.1".into(),
            dst: "10.100.198.202".parse().unwrap(),
        };
        encode(&mut f, &op, 1, &L);
        assert_eq!(u16_at(&f, 6), NLM_F_REQUEST | NLM_F_CREATE | NLM_F_APPEND);
        assert_eq!(f[16], AF_BRIDGE);
        assert_eq!(f[26], NTF_SELF);
        want_ack(&mut f, 0);
        assert_eq!(u16_at(&f, 6) & NLM_F_ACK, NLM_F_ACK);
    }

    #[test]
    fn veth_peer_and_vxlan_are_nested() {
        let mut b = Vec::new();
        let op = Op::Veth {
            name: "p1".into(),
            index: Some(1001),
            mac: None,
            mtu: None,
            peer: super::super::Peer {
                name: "enp0s8".into(),
                index: Some(3),
                mac: Some("0a:00:00:00:00:01".into()),
                mtu: None,
                netns: "t1.node1".into(),
            },
        };
        encode(&mut b, &op, 1, &L);
        assert_eq!(u32_at(&b, 0) as usize, b.len());
        assert_eq!(u32_at(&b, 20), 1001, "the lab side's fixed index");
        // IFLA_IFNAME "p1\0" padded, then IFLA_LINKINFO (nested).
        assert_eq!(&b[32..40], &[7, 0, 3, 0, b'p', b'1', 0, 0]);
        assert_eq!(u16_at(&b, 42), IFLA_LINKINFO | NLA_F_NESTED);
        assert_eq!(u16_at(&b, 40) as usize, b.len() - 40);
        let peer_name = b.windows(7).position(|w| w == b"enp0s8\0").unwrap();
        // The peer's ifinfomsg (index 3) ends right before its name's attribute.
        assert_eq!(u32_at(&b, peer_name - 4 - 12), 3);
        assert_eq!(
            &b[b.len() - 8..],
            &[8, 0, 28, 0, 7, 0, 0, 0],
            "IFLA_NET_NS_FD"
        );

        let mut v = Vec::new();
        let op = Op::Vxlan {
            name: "flannel.1".into(),
            mac: "0e:00:00:00:00:01".into(),
            mtu: 1450,
            vni: 1,
            local: "10.0.2.15".parse().unwrap(),
            dev: "enp0s8".into(),
            port: 8472,
        };
        encode(&mut v, &op, 2, &L);
        assert_eq!(u32_at(&v, 0) as usize, v.len());
        let port = 8472u16.to_be_bytes();
        assert!(
            v.windows(6)
                .any(|w| w == [6, 0, IFLA_VXLAN_PORT as u8, 0, port[0], port[1]]),
            "dstport in network order"
        );
        assert!(
            v.windows(8)
                .any(|w| w == [8, 0, IFLA_VXLAN_LINK as u8, 0, 3, 0, 0, 0])
        );
    }

    #[test]
    fn routes_name_their_gateway_and_device() {
        let mut b = Vec::new();
        let op = Op::Route {
            dst: "10.244.2.0/24".parse().unwrap(),
            via: "10.244.2.0".parse().unwrap(),
            dev: "flannel.1".into(),
            onlink: true,
        };
        encode(&mut b, &op, 1, &L);
        assert_eq!(
            &b[16..28],
            &[AF_INET, 24, 0, 0, 254, 3, 0, 1, 4, 0, 0, 0],
            "main table, boot protocol, unicast, onlink"
        );
        assert_eq!(b.len(), 28 + 8 + 8 + 8);
        let mut d = Vec::new();
        let op = Op::Route {
            dst: "0.0.0.0/0".parse().unwrap(),
            via: "10.0.2.2".parse().unwrap(),
            dev: "enp0s8".into(),
            onlink: false,
        };
        encode(&mut d, &op, 1, &L);
        assert_eq!(d.len(), 28 + 8 + 8, "a default route has no RTA_DST");
    }
}
