//! The neighbour parameters of a node's devices (`ip ntable change … dev
//! D`): read at every sweep, and a node that raised one past the host's
//! default is stopped, since the packets they let it hold go only with its
//! devices.
//!
//! Why: a node's `/proc/sys/net/ipv4/neigh` is read-only, but the same
//! parameters are set over rtnetlink (`RTM_SETNEIGHTBL`) with the node's
//! own `CAP_NET_ADMIN`, and they size memory and work the kernel charges
//! to no one (probe21t): a queue of packets for each unresolved neighbour
//! (`unres_qlen_bytes` raised to 209 MB and probes to 10^9: two entries
//! held 164 MB for good) and the proxy queue of delayed ARP answers, one
//! list for the whole host that every timer walks (`proxy_qlen` 100,000:
//! 82 MB and about 20 % of a host core in softirq).
//!
//! How: one rtnetlink socket inside each node dumps its neighbour tables'
//! parameters at each sweep. Each device's queue lengths, probe counts and
//! delays are compared with the larger of the table's default (the host's,
//! which a node cannot change) and the kernel's built-in default: a node
//! past either is stopped, as one past its routing tables is.

use super::super::netlink::msg::{
    NLM_F_DUMP, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, attrs, attrs_of, message, messages,
};
use super::sockets;
use std::io;
use std::os::fd::OwnedFd;

const RTM_GETNEIGHTBL: u16 = 66;
const RTM_NEWNEIGHTBL: u16 = 64;
const NDTA_NAME: u16 = 1;
const NDTA_PARMS: u16 = 6;
const NDTPA_IFINDEX: u16 = 1;

/// A parameter the guard bounds: its attribute, its name (as `ip ntable`
/// says it) and the kernel's built-in default (times in milliseconds).
struct Bounded {
    attr: u16,
    name: &'static str,
    builtin: u64,
}

/// Queue lengths, probe counts and delays: what makes the kernel hold
/// packets, and for how long.
const BOUNDED: [Bounded; 10] = [
    Bounded {
        attr: 16,
        name: "unres_qlen_bytes",
        builtin: 212_992,
    },
    Bounded {
        attr: 14,
        name: "proxy_qlen",
        builtin: 64,
    },
    Bounded {
        attr: 9,
        name: "app_probes",
        builtin: 0,
    },
    Bounded {
        attr: 10,
        name: "ucast_probes",
        builtin: 3,
    },
    Bounded {
        attr: 11,
        name: "mcast_probes",
        builtin: 3,
    },
    Bounded {
        attr: 17,
        name: "mcast_reprobes",
        builtin: 0,
    },
    Bounded {
        attr: 5,
        name: "retrans_time_ms",
        builtin: 1000,
    },
    Bounded {
        attr: 13,
        name: "proxy_delay_ms",
        builtin: 800,
    },
    Bounded {
        attr: 12,
        name: "anycast_delay_ms",
        builtin: 1000,
    },
    Bounded {
        attr: 7,
        name: "delay_probe_time_ms",
        builtin: 5000,
    },
];

/// One set of parameters of the dump: its table, its device (none: the
/// table's default), and the bounded values it holds.
#[derive(Debug, PartialEq, Eq)]
struct Params {
    table: String,
    ifindex: Option<u32>,
    values: Vec<(usize, u64)>,
}

/// A number attribute of 4 or 8 bytes.
fn number(b: &[u8]) -> Option<u64> {
    match b.len() {
        4 => Some(u32::from_ne_bytes(b.try_into().ok()?) as u64),
        8 => Some(u64::from_ne_bytes(b.try_into().ok()?)),
        _ => None,
    }
}

/// The parameters of one `RTM_NEWNEIGHTBL` body (`ndtmsg`, 4 bytes, then
/// attributes).
fn params(body: &[u8]) -> Option<Params> {
    let a = attrs(body.get(4..)?);
    let table = a.iter().find(|x| x.0 == NDTA_NAME)?.1;
    let table = String::from_utf8_lossy(table)
        .trim_end_matches('\0')
        .to_string();
    let nested = a.iter().find(|x| x.0 == NDTA_PARMS)?.1;
    let get = |ty: u16| attrs_of(nested, ty).next().and_then(number);
    let ifindex = get(NDTPA_IFINDEX).map(|i| i as u32);
    let values = BOUNDED
        .iter()
        .enumerate()
        .filter_map(|(i, b)| Some((i, get(b.attr)?)))
        .collect();
    Some(Params {
        table,
        ifindex,
        values,
    })
}

/// The first parameter of a device raised past its bound, said as `ip
/// ntable` would: the larger of the table's default and the kernel's.
fn raised(all: &[Params]) -> Option<String> {
    all.iter().filter(|p| p.ifindex.is_some()).find_map(|p| {
        let default = all
            .iter()
            .find(|d| d.ifindex.is_none() && d.table == p.table);
        p.values.iter().find_map(|&(i, v)| {
            let host = default
                .and_then(|d| d.values.iter().find(|x| x.0 == i))
                .map_or(0, |x| x.1);
            let bound = host.max(BOUNDED[i].builtin);
            (v > bound).then(|| {
                format!(
                    "{} {} {v} on device {} (the host's {bound})",
                    p.table,
                    BOUNDED[i].name,
                    p.ifindex.unwrap_or(0)
                )
            })
        })
    })
}

/// A node's rtnetlink socket for its neighbour tables: their parameters,
/// and their unresolved entries ([`super::unresolved`]).
pub struct NeighParams {
    fd: OwnedFd,
    seq: u32,
    /// The node's `conf/all/accept_redirects` (None: could not be opened,
    /// counted as on).
    all_redirects: Option<super::redirects::All>,
    /// The node's devices as its `/proc/net/dev` lists them (see
    /// [`super::listed_devices`]).
    listed: Option<super::listed_devices::ListedDevices>,
    /// The node's wires, from its first count of devices (see
    /// [`super::l2_loops::Wires`]).
    wires: Option<super::l2_loops::Wires>,
}

impl NeighParams {
    /// Open it in the namespace the calling thread is in.
    pub fn open() -> io::Result<NeighParams> {
        Ok(NeighParams {
            fd: sockets::netlink(libc::NETLINK_ROUTE, 0)?,
            seq: 0,
            all_redirects: super::redirects::All::open().ok(),
            listed: super::listed_devices::ListedDevices::open().ok(),
            wires: None,
        })
    }

    /// The node's devices and their queues (see [`super::devices`]).
    /// Devices its `/proc/net/dev` lists that the dump did not show (a
    /// device too big for a dump hides the rest) are counted in
    /// [`super::devices::Held::hidden`].
    pub fn devices(&mut self, buf: &mut [u8]) -> io::Result<super::devices::Held> {
        let all = self.all_redirects.as_ref().is_none_or(|a| a.on());
        let listed = |l: &Option<super::listed_devices::ListedDevices>, buf: &mut [u8]| {
            l.as_ref().map(|l| l.count(buf)).transpose()
        };
        let before = listed(&self.listed, buf)?;
        let mut held = super::devices::count(&self.fd, &mut self.seq, buf, all)?;
        let after = listed(&self.listed, buf)?;
        if let (Some(l), Some(before), Some(after)) = (self.listed.as_mut(), before, after) {
            held.hidden = l.hidden(before, held.devices, after);
        }
        let wires = self
            .wires
            .get_or_insert_with(|| super::l2_loops::Wires::first_look(&held.links));
        held.closes_loop = super::l2_loops::why_stop(&held.links, wires);
        Ok(held)
    }

    /// The node's `/proc/net/dev` now, into `text` (see
    /// [`super::listed_devices::ListedDevices::read`]); `None` when it
    /// could not be opened.
    pub fn net_dev(&self, text: &mut String) -> Option<io::Result<()>> {
        self.listed.as_ref().map(|l| l.read(text))
    }

    /// The node's IPv4 routes, every table (see [`super::ipv4_routes`]).
    pub fn routes(&mut self, buf: &mut [u8]) -> io::Result<super::ipv4_routes::Routes> {
        super::ipv4_routes::count(&self.fd, &mut self.seq, buf)
    }

    /// Remove the node's neighbours unresolved for too long (see
    /// [`super::unresolved::remove`]).
    pub fn remove_unresolved(&mut self, buf: &mut [u8]) -> super::unresolved::Looked {
        super::unresolved::remove(&self.fd, &mut self.seq, buf)
    }

    /// What the node raised past its bound, if it did (`None` too when the
    /// dump failed: it is tried again next sweep).
    pub fn raised(&mut self, buf: &mut [u8]) -> Option<String> {
        let seq = super::sockets::next_seq(&mut self.seq);
        // ndtmsg: any family.
        let request = message(RTM_GETNEIGHTBL, NLM_F_REQUEST | NLM_F_DUMP, seq, &[0; 4]);
        let mut all = Vec::new();
        sockets::ask(&self.fd, &request, buf, |b| read(b, seq, &mut all)).ok()?;
        raised(&all)
    }
}

/// Parameters of one receive of the dump, and whether the dump ended.
fn read(b: &[u8], seq: u32, out: &mut Vec<Params>) -> bool {
    for m in messages(b).filter(|m| m.seq == seq) {
        match m.ty {
            NLMSG_DONE | NLMSG_ERROR => return true,
            RTM_NEWNEIGHTBL => out.extend(params(m.body)),
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An attribute `ty` holding `v`.
    fn attr(ty: u16, v: &[u8]) -> Vec<u8> {
        let mut a = ((v.len() + 4) as u16).to_ne_bytes().to_vec();
        a.extend_from_slice(&ty.to_ne_bytes());
        a.extend_from_slice(v);
        a.resize((a.len() + 3) & !3, 0);
        a
    }

    /// A dumped set of parameters of table `name`, device `dev` (0: the
    /// table's default), with `qlen_bytes` and `proxy_delay_ms`.
    fn dumped(name: &str, dev: u32, qlen_bytes: u32, proxy_delay: u64) -> Vec<u8> {
        let mut nested = Vec::new();
        if dev != 0 {
            nested.extend(attr(NDTPA_IFINDEX, &dev.to_ne_bytes()));
        }
        nested.extend(attr(16, &qlen_bytes.to_ne_bytes()));
        nested.extend(attr(13, &proxy_delay.to_ne_bytes()));
        let mut body = vec![2u8, 0, 0, 0];
        body.extend(attr(NDTA_NAME, format!("{name}\0").as_bytes()));
        body.extend(attr(NDTA_PARMS, &nested));
        message(RTM_NEWNEIGHTBL, 2, 7, &body)
    }

    #[test]
    fn a_device_raised_past_the_hosts_default_is_found() {
        let mut b = dumped("arp_cache", 0, 212_992, 800);
        b.extend(dumped("arp_cache", 5, 212_992, 800));
        b.extend(dumped("arp_cache", 6, 100_000, 400));
        let mut all = Vec::new();
        assert!(!read(&b, 7, &mut all));
        assert_eq!(all.len(), 3);
        assert_eq!(all[1].ifindex, Some(5));
        assert_eq!(raised(&all), None);
        let mut b2 = b.clone();
        b2.extend(dumped("arp_cache", 7, 209_000_000, 800));
        let mut all = Vec::new();
        read(&b2, 7, &mut all);
        assert_eq!(
            raised(&all).as_deref(),
            Some("arp_cache unres_qlen_bytes 209000000 on device 7 (the host's 212992)")
        );
        // A host that raised its default raises the bound.
        let mut b3 = dumped("arp_cache", 0, 300_000_000, 800);
        b3.extend(dumped("arp_cache", 7, 209_000_000, 200_000));
        let mut all = Vec::new();
        read(&b3, 7, &mut all);
        assert_eq!(
            raised(&all).as_deref(),
            Some("arp_cache proxy_delay_ms 200000 on device 7 (the host's 800)")
        );
    }
}
