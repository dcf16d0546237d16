//! One link message (`RTM_NEWLINK`, a dump's or an event's) read once into
//! what the guard's looks at a node's devices take from it.
//!
//! Why: each device of a link dump is read for its queues
//! ([`super::devices`]), for the ICMP redirects it takes
//! ([`super::redirects`]) and for the loops it can close
//! ([`super::l2_loops`]); each walked the same message's attributes
//! itself. Now the top-level attributes are walked once, here, and each
//! look is handed the parts it reads.

use super::super::netlink::msg::{attrs, attrs_of, c_str};

/// `struct ifinfomsg`: the device's index at 4..8, then the attributes.
pub(super) const IFINFOMSG: usize = 16;
pub(super) const IFLA_IFNAME: u16 = 3;
pub(super) const IFLA_LINK: u16 = 5;
pub(super) const IFLA_MASTER: u16 = 10;
pub(super) const IFLA_LINKINFO: u16 = 18;
pub(super) const IFLA_AF_SPEC: u16 = 26;
pub(super) const IFLA_NUM_TX_QUEUES: u16 = 31;
pub(super) const IFLA_NUM_RX_QUEUES: u16 = 32;
pub(super) const IFLA_LINK_NETNSID: u16 = 37;
/// `IFLA_AF_SPEC` › `AF_INET` › `IFLA_INET_CONF`: the device's IPv4
/// settings, an array of u32.
pub(super) const IFLA_INET_CONF: u16 = 1;

/// A link message's parts, borrowed from it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LinkMessage<'a> {
    pub index: i32,
    /// `IFLA_IFNAME`, up to its NUL.
    pub name: &'a [u8],
    /// `IFLA_LINK` and `IFLA_MASTER`, as the kernel tells them.
    pub link: Option<i32>,
    pub master: Option<i32>,
    /// It has an `IFLA_LINK_NETNSID`: its link is in another namespace.
    pub link_netnsid: bool,
    /// `IFLA_LINKINFO`'s attributes (kind, data, port's kind and data).
    pub info: Option<&'a [u8]>,
    /// Its IPv4 settings (`IFLA_INET_CONF`), when it has IPv4.
    pub inet_conf: Option<&'a [u8]>,
    /// Its transmit and receive queues together.
    pub queues: u64,
}

impl<'a> LinkMessage<'a> {
    /// The device a link message `body` tells of (none when the message
    /// is too short for an `ifinfomsg`).
    pub fn parse(body: &'a [u8]) -> Option<LinkMessage<'a>> {
        let index = i32::from_ne_bytes(body.get(4..8)?.try_into().ok()?);
        let mut m = LinkMessage {
            index,
            ..LinkMessage::default()
        };
        let int = |v: &[u8]| {
            v.get(..4)
                .map(|b| i32::from_ne_bytes(b.try_into().expect("4 bytes")))
        };
        for (ty, v) in attrs(body.get(IFINFOMSG..)?) {
            match ty {
                IFLA_IFNAME => m.name = c_str(v),
                IFLA_LINK => m.link = int(v),
                IFLA_MASTER => m.master = int(v),
                IFLA_LINK_NETNSID => m.link_netnsid = true,
                IFLA_LINKINFO => m.info = Some(v),
                IFLA_AF_SPEC => {
                    m.inet_conf = m.inet_conf.or_else(|| {
                        attrs_of(v, libc::AF_INET as u16)
                            .flat_map(|inet| attrs_of(inet, IFLA_INET_CONF))
                            .next()
                    });
                }
                IFLA_NUM_TX_QUEUES | IFLA_NUM_RX_QUEUES if v.len() == 4 => {
                    m.queues += u64::from(u32::from_ne_bytes(v.try_into().expect("4 bytes")));
                }
                _ => {}
            }
        }
        Some(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::netns::netlink::msg::attr;

    #[test]
    fn a_link_message_is_read_once_into_its_parts() {
        let mut body = vec![0u8; IFINFOMSG];
        body[4..8].copy_from_slice(&7i32.to_ne_bytes());
        attr(&mut body, IFLA_IFNAME, b"l1a\0");
        attr(&mut body, IFLA_LINK, &8i32.to_ne_bytes());
        attr(&mut body, IFLA_MASTER, &9i32.to_ne_bytes());
        attr(&mut body, IFLA_NUM_TX_QUEUES, &4u32.to_ne_bytes());
        attr(&mut body, IFLA_NUM_RX_QUEUES, &2u32.to_ne_bytes());
        let mut inet = Vec::new();
        attr(&mut inet, IFLA_INET_CONF, &[1, 0, 0, 0]);
        let mut spec = Vec::new();
        attr(&mut spec, libc::AF_INET as u16, &inet);
        attr(&mut body, IFLA_AF_SPEC | 0x8000, &spec);
        let m = LinkMessage::parse(&body).unwrap();
        assert_eq!(
            (m.index, m.name, m.link, m.master, m.queues),
            (7, &b"l1a"[..], Some(8), Some(9), 6)
        );
        assert_eq!(m.inet_conf, Some(&[1, 0, 0, 0][..]));
        assert!(!m.link_netnsid && m.info.is_none());
        assert_eq!(LinkMessage::parse(&body[..12]), None);
    }
}
