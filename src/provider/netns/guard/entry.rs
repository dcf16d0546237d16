//! A neighbour or forwarding entry as the kernel tells of it (an
//! `RTM_NEWNEIGH`/`RTM_DELNEIGH` message, from an event or a dump): what
//! identifies it, which of a node's tables it counts in, and the
//! `RTM_DELNEIGH` that removes exactly it. Pure: parsed from bytes.

pub use super::super::netlink::msg::{
    AF_BRIDGE, AF_INET, NDA_DST, NDA_LLADDR, NTF_SELF, RTM_NEWNEIGH,
};

/// The message types this reads besides (`linux/rtnetlink.h`).
pub const RTM_DELNEIGH: u16 = 29;
pub const RTM_GETNEIGH: u16 = 30;

const AF_INET6: u8 = 10;

pub const NTF_MASTER: u8 = 0x04;
pub const NTF_PROXY: u8 = 0x08;

const NDA_VLAN: u16 = 5;
const NDA_PORT: u16 = 6;
const NDA_VNI: u16 = 7;
const NDA_IFINDEX: u16 = 8;
const NDA_MASTER: u16 = 9;
const NDA_SRC_VNI: u16 = 11;

/// The attributes that tell one forwarding entry from another, and that
/// `RTM_DELNEIGH` needs to remove that one (a VXLAN device's entry for a
/// MAC holds a list of remotes: each is its own, by address, port, VNI and
/// device).
const FDB_KEY: &[u16] = &[
    NDA_LLADDR,
    NDA_DST,
    NDA_VLAN,
    NDA_PORT,
    NDA_VNI,
    NDA_IFINDEX,
    NDA_SRC_VNI,
];

/// Which of a node's tables an entry counts in: each has its own bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// Forwarding entries (`bridge fdb`): a bridge's and a VXLAN device's,
    /// and a device's own unicast and multicast addresses (`self`).
    Fdb,
    /// Neighbours (`ip neigh`), IPv4 and IPv6.
    Neighbour,
    /// Proxy neighbours (`ip neigh add proxy`): no event tells of these.
    Proxy,
    /// Traffic control: qdiscs, classes, filters, chains, actions (`tc`).
    Tc,
}

impl Class {
    pub const ALL: [Class; 4] = [Class::Fdb, Class::Neighbour, Class::Proxy, Class::Tc];

    pub fn index(self) -> usize {
        match self {
            Class::Fdb => 0,
            Class::Neighbour => 1,
            Class::Proxy => 2,
            Class::Tc => 3,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Class::Fdb => "forwarding",
            Class::Neighbour => "neighbour",
            Class::Proxy => "proxy neighbour",
            Class::Tc => "traffic control",
        }
    }

    /// The request (message type and body) that dumps this table: for
    /// traffic control, every qdisc (see [`super::tc`]).
    pub fn dump_request(self) -> (u16, Vec<u8>) {
        let (family, flags) = match self {
            Class::Fdb => (AF_BRIDGE, 0),
            Class::Neighbour => (0, 0),
            Class::Proxy => (0, NTF_PROXY),
            Class::Tc => return (super::tc::RTM_GETQDISC, vec![0; 20]),
        };
        let mut b = vec![0u8; 12];
        b[0] = family;
        b[10] = flags;
        (RTM_GETNEIGH, b)
    }
}

/// One entry: its table, what identifies it, and the body of the
/// `RTM_DELNEIGH` that removes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub class: Class,
    /// What identifies it; bytes 4..8 are its device's index (0 for none).
    pub key: Vec<u8>,
    /// The message type and body that remove it.
    pub del_type: u16,
    pub delete: Vec<u8>,
    /// A device's own multicast address (ifindex, MAC): one `ip maddr add`
    /// made (`SIOCADDMULTI`) is removed only by `SIOCDELMULTI`.
    pub multicast: Option<(i32, [u8; 6])>,
}

pub use super::super::netlink::msg::attrs;

pub use super::super::netlink::msg::attr as put_attr;

/// The entry a message body (after the 16-byte header) of type
/// [`RTM_NEWNEIGH`] or [`RTM_DELNEIGH`] tells of; `None` for a family
/// this does not count (or a body too short to be one).
pub fn parse(body: &[u8]) -> Option<Entry> {
    // struct ndmsg: family, pad, pad16, ifindex (i32), state (u16),
    // flags (u8), type (u8).
    let nd = body.get(..12)?;
    let family = nd[0];
    let ifindex = &nd[4..8];
    let flags = nd[10];
    let list = attrs(&body[12..]);
    let get = |ty: u16| list.iter().find(|(t, _)| *t == ty).map(|(_, v)| *v);
    let mut delete = vec![family, 0, 0, 0];
    delete.extend_from_slice(ifindex);
    delete.extend_from_slice(&[0, 0]); // state
    let class;
    let mut multicast = None;
    match family {
        AF_BRIDGE => {
            class = Class::Fdb;
            // An entry of a bridge port names the bridge (its master): it is
            // removed through the port as the master's. A device's own
            // (VXLAN's, a bridge's for itself, an address list's) is `self`.
            let master = get(NDA_MASTER).is_some_and(|m| m != ifindex);
            delete.extend_from_slice(&[if master { NTF_MASTER } else { NTF_SELF }, 0]);
            if let Some(mac) = get(NDA_LLADDR).and_then(|m| <[u8; 6]>::try_from(m).ok())
                && mac[0] & 1 == 1
                && !master
                && get(NDA_DST).is_none()
            {
                let index = i32::from_ne_bytes(ifindex.try_into().expect("4 bytes"));
                multicast = Some((index, mac));
            }
            for ty in FDB_KEY {
                if let Some(v) = get(*ty) {
                    put_attr(&mut delete, *ty, v);
                }
            }
        }
        AF_INET | AF_INET6 => {
            let proxy = flags & NTF_PROXY != 0;
            class = if proxy {
                Class::Proxy
            } else {
                Class::Neighbour
            };
            delete.extend_from_slice(&[if proxy { NTF_PROXY } else { 0 }, 0]);
            put_attr(&mut delete, NDA_DST, get(NDA_DST)?);
        }
        _ => return None,
    }
    // The key names exactly what identifies the entry; the removal names it
    // too, with the state the kernel told of for a forwarding entry: a
    // device with no forwarding code of its own (a veth) removes an address
    // of its own list only when asked with the `NUD_PERMANENT` it reported,
    // and refuses any other, printing a line in the host's kernel log each
    // time (probe21bn: 4,712 a second).
    let key = delete.clone();
    if family == AF_BRIDGE {
        delete[8..10].copy_from_slice(&nd[8..10]);
    }
    Some(Entry {
        class,
        key,
        del_type: RTM_DELNEIGH,
        delete,
        multicast,
    })
}

/// The key of the entry a removal (an `RTM_DELNEIGH` body as [`parse`]
/// made it) removes: the removal without its state.
pub fn key_of_removal(delete: &[u8]) -> Vec<u8> {
    let mut key = delete.to_vec();
    if let Some(state) = key.get_mut(8..10) {
        state.fill(0);
    }
    key
}

/// The table of the entry whose key is `key` (see [`parse`]).
pub fn class_of_key(key: &[u8]) -> Option<Class> {
    match *key.first()? {
        AF_BRIDGE => Some(Class::Fdb),
        AF_INET | AF_INET6 if key.get(10)? & NTF_PROXY != 0 => Some(Class::Proxy),
        AF_INET | AF_INET6 => Some(Class::Neighbour),
        _ => None,
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A message body as the kernel sends it: ndmsg, then attributes.
    pub fn body(family: u8, ifindex: i32, state: u16, flags: u8, list: &[(u16, &[u8])]) -> Vec<u8> {
        let mut b = vec![family, 0, 0, 0];
        b.extend_from_slice(&ifindex.to_ne_bytes());
        b.extend_from_slice(&state.to_ne_bytes());
        b.extend_from_slice(&[flags, 0]);
        for (ty, v) in list {
            put_attr(&mut b, *ty, v);
        }
        b
    }

    const MAC: &[u8] = &[2, 0, 0, 0, 0, 1];
    const CACHEINFO: u16 = 3;

    #[test]
    fn a_bridge_ports_entry_is_removed_as_its_masters() {
        let master = 5i32.to_ne_bytes();
        let e = parse(&body(
            AF_BRIDGE,
            7,
            0x40,
            0,
            &[
                (NDA_LLADDR, MAC),
                (NDA_MASTER, &master),
                (CACHEINFO, &[0; 16]),
            ],
        ))
        .unwrap();
        assert_eq!(e.class, Class::Fdb);
        // No cache info: what names the entry, and the state told of
        // (which the key leaves out: a change of state is the same entry).
        assert_eq!(
            e.delete,
            body(AF_BRIDGE, 7, 0x40, NTF_MASTER, &[(NDA_LLADDR, MAC)])
        );
        assert_eq!(
            e.key,
            body(AF_BRIDGE, 7, 0, NTF_MASTER, &[(NDA_LLADDR, MAC)])
        );
        assert_eq!(key_of_removal(&e.delete), e.key);
        assert_eq!(class_of_key(&e.key), Some(Class::Fdb));
        // The bridge's own entry (master is itself) and an address list's
        // are the device's own.
        let own = parse(&body(
            AF_BRIDGE,
            5,
            0x80,
            0,
            &[(NDA_LLADDR, MAC), (NDA_MASTER, &master)],
        ))
        .unwrap();
        assert_eq!(own.delete[10], NTF_SELF);
        let list = parse(&body(AF_BRIDGE, 3, 0x80, NTF_SELF, &[(NDA_LLADDR, MAC)])).unwrap();
        assert_eq!(list.delete[10], NTF_SELF);
        // Probe21bn: a veth's own address goes only when asked as permanent
        // (`NUD_PERMANENT`, 0x80), as the dump said it is. Seen failing
        // with the state left 0 (the removal the kernel refused).
        assert_eq!(list.delete[8..10], 0x80u16.to_ne_bytes());
        assert_ne!(list.key, e.key);
        assert_eq!(list.multicast, None);
        // A multicast address of the device's own list.
        let group = [1, 0, 0x5e, 0, 0, 9];
        let m = parse(&body(AF_BRIDGE, 3, 0x80, NTF_SELF, &[(NDA_LLADDR, &group)])).unwrap();
        assert_eq!(m.multicast, Some((3, group)));
        let port = parse(&body(
            AF_BRIDGE,
            7,
            0x80,
            0,
            &[(NDA_LLADDR, &group), (NDA_MASTER, &master)],
        ))
        .unwrap();
        assert_eq!(port.multicast, None);
    }

    #[test]
    fn each_vxlan_remote_is_an_entry_of_its_own() {
        let zero = [0u8; 6];
        let a = parse(&body(
            AF_BRIDGE,
            4,
            0x80,
            NTF_SELF,
            &[(NDA_LLADDR, &zero), (NDA_DST, &[10, 77, 0, 1])],
        ))
        .unwrap();
        let b = parse(&body(
            AF_BRIDGE,
            4,
            0x80,
            NTF_SELF,
            &[(NDA_LLADDR, &zero), (NDA_DST, &[10, 77, 0, 2])],
        ))
        .unwrap();
        assert_ne!(a.key, b.key);
        // The port and VNI a remote was added with are named to remove it.
        let vni = 9u32.to_ne_bytes();
        let c = parse(&body(
            AF_BRIDGE,
            4,
            0x80,
            NTF_SELF,
            &[
                (NDA_LLADDR, &zero),
                (NDA_DST, &[10, 77, 0, 1]),
                (NDA_VNI, &vni),
            ],
        ))
        .unwrap();
        assert_ne!(a.key, c.key);
        assert!(c.delete.windows(4).any(|w| w == vni));
    }

    #[test]
    fn neighbours_are_named_by_address_and_proxies_counted_apart() {
        let n = parse(&body(
            AF_INET,
            3,
            0x80,
            0,
            &[(NDA_DST, &[10, 0, 0, 9]), (NDA_LLADDR, MAC)],
        ))
        .unwrap();
        assert_eq!(n.class, Class::Neighbour);
        assert_eq!(
            n.delete,
            body(AF_INET, 3, 0, 0, &[(NDA_DST, &[10, 0, 0, 9])])
        );
        // The same address with another MAC is the same neighbour.
        let again = parse(&body(
            AF_INET,
            3,
            0x02,
            0,
            &[(NDA_DST, &[10, 0, 0, 9]), (NDA_LLADDR, &[2; 6])],
        ))
        .unwrap();
        assert_eq!(n.key, again.key);
        let p = parse(&body(AF_INET6, 3, 0, NTF_PROXY, &[(NDA_DST, &[0xfe; 16])])).unwrap();
        assert_eq!(p.class, Class::Proxy);
        assert_eq!(p.delete[10], NTF_PROXY);
        assert_eq!(class_of_key(&p.key), Some(Class::Proxy));
        assert_eq!(class_of_key(&n.key), Some(Class::Neighbour));
        // No address, another family, a cut message: nothing to count.
        assert_eq!(parse(&body(AF_INET, 3, 0, 0, &[])), None);
        assert_eq!(parse(&body(28, 3, 0, 0, &[(NDA_DST, &[1; 4])])), None);
        assert_eq!(parse(&[AF_INET, 0, 0]), None);
    }

    #[test]
    fn a_cut_attribute_ends_the_list() {
        let mut b = body(AF_BRIDGE, 4, 0x80, NTF_SELF, &[(NDA_LLADDR, MAC)]);
        b.extend_from_slice(&[200, 0, 1, 0, 9]); // claims 200 bytes
        let e = parse(&b).unwrap();
        assert_eq!(
            e.delete,
            body(AF_BRIDGE, 4, 0x80, NTF_SELF, &[(NDA_LLADDR, MAC)])
        );
    }
}
