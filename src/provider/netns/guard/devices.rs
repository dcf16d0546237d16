//! The network devices a node holds: counted when the kernel tells of one
//! made (and at every sweep), and a node past the bound is stopped.
//!
//! Why: a device costs its node about 31 KB and the host about 14 KB more,
//! charged to no one, and removing many at once holds the host's network
//! lock for all of them (probe21u: 1000 veth pairs, 90 MB of the host's
//! slab; `ip link del group` of 2500 pairs held the lock 0.56 s, and the
//! host's `ip link show` waited 558 ms). `ip -batch` makes a thousand pairs
//! in 0.15 s (measured on this project's machine), so a node reaches its
//! memory limit (about 16,000 devices, 230 MB of the host's, two seconds of
//! the lock to remove) between two sweeps: the count follows the events.
//!
//! A device's queues cost the host too: a veth made with 4096 transmit
//! and 4096 receive queues at each end kept about 15 MB of the host's a
//! pair, the node charged 7.7 MB (probe21w: four pairs, 122.9 MB), so a
//! node under the bound of devices could leave 500 MB uncharged with 66 of
//! them. The queues of a node's devices are bounded too: what the lab puts
//! there has one of each a device.
//!
//! How: a link dump (`RTM_GETLINK`) on the node's routing socket for looks
//! (the one of [`super::neigh_params`]) counts its devices and sums their
//! queues (`IFLA_NUM_TX_QUEUES`, `IFLA_NUM_RX_QUEUES`) after each receive
//! of the guard's events that told of a device made or changed, after
//! events were lost, and at every sweep. Each device's message is read
//! once ([`super::link_message`]) for this and the other looks at it.
//! A node past either bound is stopped: removing its namespace removes its
//! devices, those made while the guard looked included.
//!
//! A count costs the guard in proportion to the node's devices (two reads
//! of `/proc/net/dev`, the dump, the layer-2 loop graph), and any link
//! event asks for one: a node of 609 devices toggling one port a thousand
//! times a second kept its lab's guard at its CPU limit with 0.39 s of its
//! own CPU in 10 s, and every socket request of the lab waited about 45 ms
//! (probe21az, lesser 2). So a count asked by events waits until the guard
//! has spent [`COUNT_SHARE`] times the last count's time on other work: a
//! node of a few devices is counted at once, a costly one at most a few
//! times a second (a sweep counts in any case).

use super::super::netlink::msg::{NLM_F_DUMP, NLM_F_REQUEST, message, messages};
use super::ipset::ask_counting;
use super::link_message::{IFINFOMSG, LinkMessage};
use std::cell::RefCell;
use std::io;
use std::os::fd::OwnedFd;
use std::time::{Duration, Instant};

const RTM_NEWLINK: u16 = 16;
const RTM_GETLINK: u16 = 18;

/// A node's routing socket for the dumps of its devices.
/// What a node's devices hold.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Held {
    pub devices: usize,
    /// Transmit and receive queues, all devices.
    pub queues: u64,
    /// The devices that take ICMP redirects (see [`super::redirects`]).
    pub redirects: Vec<String>,
    /// Devices the node lists that its dumps did not show, two in a row
    /// (see [`super::listed_devices`]).
    pub hidden: usize,
    /// Each device, as far as loops go (see [`super::l2_loops`]).
    pub links: Vec<super::l2_loops::Link>,
    /// Why a bridge of the node's closes a loop (see [`super::l2_loops`]).
    pub closes_loop: Option<String>,
}

/// Add the devices of one receive `b` (answers to request `seq` only) to
/// `held`: each link message read once ([`LinkMessage`]), and handed to
/// each look (queues, redirects with `all_redirects`, loops). How many.
fn add(b: &[u8], seq: u32, all_redirects: bool, held: &mut Held) -> u64 {
    let mut n = 0;
    for m in messages(b).filter(|m| m.seq == seq && m.ty == RTM_NEWLINK) {
        n += 1;
        let Some(link) = LinkMessage::parse(m.body) else {
            continue;
        };
        held.queues += link.queues;
        held.links.push(super::l2_loops::Link::of(&link));
        held.redirects
            .extend(super::redirects::accepting(&link, all_redirects));
    }
    n
}

/// The devices of the node whose routing socket is `fd` (sequence numbers
/// from `seq`, advanced), their queues, and those that take redirects
/// (with `all_redirects`, the node's `conf/all` setting).
pub fn count(fd: &OwnedFd, seq: &mut u32, buf: &mut [u8], all_redirects: bool) -> io::Result<Held> {
    let seq = super::sockets::next_seq(seq);
    let dump = message(
        RTM_GETLINK,
        NLM_F_REQUEST | NLM_F_DUMP,
        seq,
        &[0; IFINFOMSG],
    );
    let held = RefCell::new(Held::default());
    let devices = ask_counting(fd, &dump, seq, buf, |r| {
        add(r, seq, all_redirects, &mut held.borrow_mut())
    })?;
    Ok(Held {
        devices: devices as usize,
        ..held.into_inner()
    })
}

/// The most queues a node's devices may hold, `bound` devices: one of each
/// kind a device, and 1024 more.
/// How many times a count's own time the guard works on between two
/// counts that events asked for.
pub const COUNT_SHARE: u32 = 20;

/// Whether the node's devices are counted now: at a sweep; or when events
/// asked (`due`) and the last count (when it ended, how long it took) is
/// [`COUNT_SHARE`] times its cost behind.
pub fn count_now(
    at_sweep: bool,
    due: bool,
    last: Option<(Instant, Duration)>,
    now: Instant,
) -> bool {
    at_sweep || (due && last.is_none_or(|(ended, took)| now >= ended + took * COUNT_SHARE))
}

pub fn queues_bound(bound: usize) -> u64 {
    2 * bound as u64 + 1024
}

/// Why a node holding `held` must be stopped, past `bound` devices or
/// their queues.
pub fn why_stop(held: &Held, bound: usize) -> Option<String> {
    if let Some(why) = super::redirects::why_stop(&held.redirects) {
        return Some(why);
    }
    if let Some(why) = &held.closes_loop {
        return Some(why.clone());
    }
    if let Some(why) = held.links.iter().find_map(super::refused_devices::why) {
        return Some(why.to_string());
    }
    if held.hidden > 0 {
        return Some(format!(
            "{} network devices hidden from the guard's link dump (a device whose message is \
             too big for a dump hides itself and every device after it): its devices and \
             their queues cannot be counted",
            held.hidden
        ));
    }
    let queues = queues_bound(bound);
    if held.devices > bound {
        return Some(format!(
            "{} network devices, past the bound of {bound} (each keeps about 14 KB of the \
             host's outside the node's limit, and removing many at once holds the host's \
             network lock)",
            held.devices
        ));
    }
    (held.queues > queues).then(|| {
        format!(
            "{} queues on its network devices, past the bound of {queues} (each keeps about 1 \
             KB of the host's outside the node's limit)",
            held.queues
        )
    })
}

#[cfg(test)]
mod tests {
    /// A count events ask for waits out twenty times the last one's cost;
    /// a sweep counts at once; nothing due, nothing counted. Seen failing
    /// with `count_now` answering `due` alone (every event counted).
    #[test]
    fn a_count_events_ask_for_waits_out_twenty_times_the_last_ones_cost() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let last = Some((t0, ms(3)));
        assert!(super::count_now(false, true, None, t0));
        assert!(!super::count_now(false, true, last, t0 + ms(59)));
        assert!(super::count_now(false, true, last, t0 + ms(60)));
        assert!(super::count_now(true, false, last, t0 + ms(1)));
        assert!(!super::count_now(false, false, last, t0 + ms(600)));
    }

    use super::super::link_message::{IFLA_NUM_RX_QUEUES, IFLA_NUM_TX_QUEUES};
    use super::*;
    use crate::provider::netns::netlink::msg::attr;

    #[test]
    fn a_devices_queues_are_summed_and_both_bounds_stop() {
        let link = |seq: u32, tx: u32, rx: u32| {
            let mut body = vec![0u8; IFINFOMSG];
            attr(&mut body, 3, b"veth0\0");
            attr(&mut body, IFLA_NUM_TX_QUEUES, &tx.to_ne_bytes());
            attr(&mut body, IFLA_NUM_RX_QUEUES, &rx.to_ne_bytes());
            message(RTM_NEWLINK, 2, seq, &body)
        };
        let mut b = link(4, 1, 1);
        b.extend(link(4, 4096, 4096));
        b.extend(link(3, 9, 9));
        let mut held = Held::default();
        assert_eq!(add(&b, 4, false, &mut held), 2);
        assert_eq!(held.queues, 8194);
        assert_eq!(held.links.len(), 2);
        assert_eq!(held.links[1].name, "veth0");
        let bound = 1025;
        let fine = Held {
            devices: bound,
            queues: queues_bound(bound),
            redirects: vec![],
            hidden: 0,
            ..Held::default()
        };
        assert_eq!(why_stop(&fine, bound), None);
        let looping = Held {
            closes_loop: Some("its bridge brx sits on a cycle".into()),
            ..fine.clone()
        };
        assert!(why_stop(&looping, bound).unwrap().contains("brx"));
        let hiding = Held {
            hidden: 2,
            ..fine.clone()
        };
        assert!(
            why_stop(&hiding, bound)
                .unwrap()
                .contains("2 network devices hidden")
        );
        let many = Held {
            devices: bound + 1,
            ..fine.clone()
        };
        assert!(
            why_stop(&many, bound)
                .unwrap()
                .contains("network devices, past")
        );
        let queued = Held {
            queues: queues_bound(bound) + 1,
            ..fine
        };
        assert!(
            why_stop(&queued, bound)
                .unwrap()
                .contains("queues on its network devices")
        );
    }

    /// A live dump, of the namespace the test runs in.
    #[test]
    fn the_namespaces_devices_are_counted() {
        let fd = super::super::sockets::netlink(libc::NETLINK_ROUTE, 0).unwrap();
        let mut buf = vec![0u8; 256 << 10];
        let held = count(&fd, &mut 0, &mut buf, false).unwrap();
        let listed = std::fs::read_to_string("/proc/self/net/dev")
            .unwrap()
            .lines()
            .count()
            - 2;
        assert_eq!(held.devices, listed);
        assert!(held.queues >= 2 * listed as u64);
    }
}
