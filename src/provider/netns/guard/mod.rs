//! The guard of a lab's nodes' tables (`lab guard`, hidden): one process a
//! lab, started by `up` (and by `apply` if it is gone), stopped by
//! `destroy` by its recorded PID, that keeps every node's forwarding,
//! neighbour and proxy-neighbour tables within a bound.
//!
//! Why: root in a node keeps `CAP_NET_ADMIN` over its own network
//! namespace, as root in a VM has over its kernel, and the kernel neither
//! bounds nor charges to the node's memory limit the entries it adds
//! itself: static bridge and VXLAN forwarding entries (`bridge fdb add …
//! static`; `fdb_max_learned` bounds only learned ones), permanent and
//! proxy neighbours (`ip neigh add … nud permanent`, `ip neigh add proxy`),
//! a device's address lists (`bridge fdb add … self`, `ip maddr add`),
//! traffic control's qdiscs, classes, filters, chains and actions, IPsec
//! policies and states ([`xfrm`]), nexthop objects, IPv6 address labels
//! and IPv6 routes ([`dumped`]), the elements of ipset sets ([`ipset`]), the
//! rings of packet sockets ([`packet_rings`]), packets queued for a verdict
//! ([`queued`]). A probe put 996,781 entries on
//! one node's `cni0`, 457 MB of the host's memory, while the node's own
//! memory rose 53 KB; another 99,338 HTB classes, 322 MB. No sysctl bounds
//! them, and `lab` changes no host setting.
//!
//! How: one rtnetlink socket inside each node's namespace, joined to its
//! neighbour, traffic control and device events, which tell of every
//! forwarding and neighbour entry and traffic control object added,
//! changed or gone ([`watch`], [`tc`]). An entry past a table's bound
//! ([`crate::provider::netns::table_bounds::entries_a_node_keeps`], many
//! times what the lab itself puts there) is removed as soon as its event is
//! read ([`table`], [`entry`]). When events were lost (a burst filled the
//! socket's buffer: `ENOBUFS`), the node's tables are dumped and whatever is
//! past the bound removed (traffic control, which cannot be dumped whole, is
//! removed whole: see [`tc`]). No event tells of proxy neighbours, multicast
//! addresses or ipset elements: each sweep (every second, or less often when
//! a sweep is slow: at most 5 % of a core, in its own CPU time) dumps proxies, reads multicast
//! addresses ([`multicast`]) and lists the headers of the node's ipset sets,
//! flushing every set when their elements together pass the bound
//! ([`ipset`]).
//! What a node can add between two looks is bounded by the kernel's speed:
//! about a second's worth of proxy neighbours, nexthop objects, address
//! labels and ipset elements, an event buffer's worth of the rest. A node's
//! IPv4 routing tables, which the kernel frees only with the namespace, are
//! counted at each sweep too, and a node past their bound is stopped
//! ([`route_tables`]); so is one past its hashlimit or recent tables
//! ([`named_tables`]) or that raised its neighbour parameters
//! ([`neigh_params`]); a neighbour unresolved past what the host's
//! parameters allow is removed ([`unresolved`]). Orphaned TCP connections
//! past a node's share are reset ([`orphans`]). A node whose qdiscs hold
//! too many packets ([`qdisc_backlog`], looked at every 50 ms while it has
//! a qdisc of its own) or whose devices pass a packet loop's frames
//! ([`frame_rate`], every half second) is stopped.
//!
//! The guard runs in the lab's `.nat` namespace (so `destroy` also finds it
//! there) as the host's root, outside every node's PID namespace: a node
//! cannot signal it. It leaves when the namespaces it watches are gone.
//! It runs in a cgroup of its own, held to half of one CPU (see
//! `cgroups::GUARD_CPU_PERCENT`): a node's event flood costs the host no
//! more, and each node's events are read a round's share at a time
//! ([`watch`]'s `reads`), so one node's flood does not hold the others up.

mod accept_queues;
mod devices;
mod dumped;
pub mod entry;
mod fib_rules;
mod filter_requests;
mod frame_rate;
mod int_options;
mod ipset;
mod ipv4_routes;
mod l2_loops;
mod link_message;
mod listed_devices;
mod log;
mod loopback_routes;
mod macvlan_sources;
mod memberships;
mod multicast;
mod named_tables;
mod neigh_params;
mod nf_objects;
mod nft_sets;
mod orphans;
mod owned_table;
mod pacing;
mod packet_rings;
mod qdisc_backlog;
mod queued;
mod redirects;
mod refused_devices;
mod refused_rules;
mod reports;
mod rewrites;
mod ring_requests;
mod route_tables;
mod rules;
mod socket_requests;
mod sockets;
mod stopping;
mod supervisor;
mod table;
mod tc;
mod unresolved;
mod user_timeouts;
mod watch;
mod xfrm;

use super::names;
use crate::error::{LabError, Result};
use std::fs::File;
use std::time::{Duration, Instant};
use watch::Watch;

use log::say;
pub use log::{stopped_nodes, stopped_nodes_why};
pub use orphans::{Cleared, reset_every};
use pacing::{SWEEP, cleanup_cpu, cpu_time, sweep_gap, take_cleanup};
pub use rewrites::REMAKE;
use stopping::{stop, stop_node};

/// What the log line that says the guard watches starts with (`up` waits
/// for it).
pub const WATCHING: &str = "watching";

/// What the guard's log says of a node it stopped.
pub const NODE_STOPPED: &str = "the node is stopped";

/// Let the process hold, for each node, its namespace, its sockets (events,
/// multicast, IPsec, ipset, the sweep's dumps, nexthop events, sock_diag,
/// macvlan, netfilter objects, neighbour parameters) and its files (the
/// multicast list, routing tables, named tables' folders, queues, NFLOG
/// groups, netlink sockets, sockstat): about twenty, room for more.
fn allow_files(n: u64) {
    // SAFETY: getrlimit/setrlimit on a struct of ours.
    unsafe {
        let mut r: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) == 0 && r.rlim_cur < n {
            // The guard is the host's root: it may raise the hard limit too
            // (a look it cannot open is a bound it does not keep).
            let raised = libc::rlimit {
                rlim_cur: n,
                rlim_max: r.rlim_max.max(n),
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) != 0 {
                r.rlim_cur = n.min(r.rlim_max);
                libc::setrlimit(libc::RLIMIT_NOFILE, &r);
            }
        }
    }
}

/// The nodes' namespaces, refused unless the lab's and the nodes' names
/// are what a lab file allows (DNS labels: no `/`, no `.`).
fn namespaces(lab: &str, nodes: &[String]) -> Result<Vec<String>> {
    use crate::testbed::validate::is_dns_label;
    let bad =
        |what: &str| LabError::Usage(format!("lab guard: {what} is not a lab's or a node's name"));
    if !is_dns_label(lab) {
        return Err(bad(lab));
    }
    nodes
        .iter()
        .map(|n| match is_dns_label(n) {
            true => Ok(names::node_ns(lab, n)),
            false => Err(bad(n)),
        })
        .collect()
}

/// What the guard keeps each node of a lab within.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// Entries in each of a node's tables.
    pub entries: usize,
    /// Orphaned TCP connections (see [`orphans`]).
    pub orphans: u64,
    /// Network devices (see [`devices`]).
    pub devices: usize,
    /// IPv4 routes, every table together (see [`ipv4_routes`]).
    pub routes: usize,
    /// Elements of a node's ipset sets together: the lab's share (see
    /// `table_bounds::ipset_elements_a_node_keeps`).
    pub ipset: u64,
    /// Sweeps between two looks at a node's neighbours (see
    /// [`unresolved::every_sweeps`]).
    pub unresolved_every: u64,
}

impl Bounds {
    /// The bounds of each node of a lab of `nodes` nodes, given what `lab
    /// guard` is told (`--bound` `entries`, `--orphans`, `--devices`,
    /// `--routes`): the rest follow from them and the lab's size.
    pub fn new(entries: usize, orphans: u64, devices: usize, routes: usize, nodes: usize) -> Self {
        Bounds {
            entries,
            orphans,
            devices,
            routes,
            ipset: super::table_bounds::ipset_elements_a_node_keeps(nodes, entries),
            unresolved_every: unresolved::every_sweeps(nodes),
        }
    }
}

/// Watch the nodes `nodes` of lab `lab`, keeping each within `bounds`,
/// until their namespaces are gone; answer the ring requests of every entry
/// that hands its listener over on the socket `listeners` ([`supervisor`]).
/// Each node's table of bounds its root cannot take off is made from its
/// ruleset in `owned` ([`owned_table`]).
pub fn run(
    lab: &str,
    bounds: Bounds,
    nodes: &[String],
    listeners: &std::path::Path,
    owned: &std::path::Path,
) -> Result<()> {
    let bound = bounds.entries;
    let namespaces = namespaces(lab, nodes)?;
    allow_files(32 * namespaces.len() as u64 + 64 + supervisor::LISTENERS as u64);
    let home = File::open("/proc/thread-self/ns/net")
        .map_err(|e| LabError::io("opening the guard's own network namespace", e))?;
    let mut supervisor = supervisor::Supervisor::bind(listeners, &home)
        .map_err(|e| LabError::io(format!("listening on {}", listeners.display()), e))?;
    let mut watches = Vec::with_capacity(namespaces.len());
    for (i, ns) in namespaces.iter().enumerate() {
        let mut w = Watch::open(ns, &home, bounds)
            .map_err(|e| LabError::io(format!("watching namespace {ns}"), e))?;
        w.phase = i as u64;
        watches.push(w);
    }
    rewrites::listen().map_err(|e| LabError::io("hearing lab's signals", e))?;
    let mut buf = vec![0u8; 256 << 10];
    let pairs: Vec<(String, String)> = namespaces
        .iter()
        .cloned()
        .zip(nodes.iter().cloned())
        .collect();
    let mut holders = owned_table::Holders::start(&pairs, owned, &mut |ns| {
        watches
            .iter_mut()
            .find(|w| w.name == ns)
            .is_some_and(|w| w.owned_table_there(&mut buf))
    })
    .map_err(|e| LabError::io("making the nodes' tables of bounds", e))?;
    say(&format!(
        "{WATCHING} {} node(s) of lab {lab}: at most {bound} entries in each table of each",
        watches.len()
    ));
    let mut fds = poll_list(&watches);
    let mut next_sweep = Instant::now() + SWEEP;
    let mut host_table = unresolved::HostTable::default();
    host_table.rose(unresolved::rise_gap(namespaces.len()));
    let mut host_looked = Instant::now();
    loop {
        for w in &mut watches {
            if let Err(e) = w.next_dump() {
                say(&format!("{}: cannot dump its tables: {e}", w.name));
            }
        }
        let watched = fds.len();
        fds.extend(supervisor.poll_list());
        // A node's frames, and the qdiscs of one with a qdisc of its own, are
        // looked at between sweeps (`frame_rate`, `qdisc_backlog`).
        let soonest = watches.iter().filter_map(Watch::looks_due).min();
        let wait = soonest
            .map_or(next_sweep, |t| t.min(next_sweep))
            .min(host_looked + unresolved::HOST_LOOK)
            .saturating_duration_since(Instant::now());
        // SAFETY: poll on an array of ours, of its length.
        let n = unsafe {
            libc::poll(
                fds.as_mut_ptr(),
                fds.len() as libc::nfds_t,
                // Rounded up: a look due in half a millisecond is not
                // waited for by turning round and round.
                wait.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32,
            )
        };
        if n > 0 {
            for (w, p) in watches.iter_mut().zip(fds.chunks(FDS_A_NODE)) {
                let mut r = Ok(());
                if p[0].revents != 0 {
                    r = w.read(&mut buf);
                }
                if p[1].revents != 0 {
                    r = r.and(w.read_xfrm(&mut buf));
                }
                if p[2].revents != 0 {
                    w.trim_told(&mut buf);
                }
                if p[3].revents != 0 {
                    w.hear_sets(&mut buf);
                }
                if let Err(e) = r {
                    say(&format!("{}: {e}", w.name));
                }
            }
            supervisor.ready(&fds[watched..], &mut buf);
        }
        fds.truncate(watched);
        // `lab` rewrote its rules: the tables anew.
        if rewrites::remake_due() {
            for (ns, why) in holders.make_anew() {
                say(&format!(
                    "{ns}: its table of bounds could not be made anew ({why})"
                ));
            }
        }
        // The host's neighbour table, read often: a node puts unresolved
        // neighbours there, which make no event, faster than sweeps come
        // (probe21bf: 300 in 8.8 ms), so a rise has every node looked at.
        if host_looked.elapsed() >= unresolved::HOST_LOOK {
            host_looked = Instant::now();
            if host_table.rose(unresolved::rise_gap(watches.len())) {
                for w in &mut watches {
                    w.look_at_unresolved(true, &mut buf);
                }
            }
        }
        // Devices are counted as they come (a node makes thousands between
        // two sweeps), and an object too heavy by itself stops its node.
        let before = watches.len();
        watches.retain_mut(|w| match w.why_stop_now(false, &mut buf) {
            Some(why) => {
                stop(w, &why);
                false
            }
            None => true,
        });
        if watches.len() != before {
            fds = poll_list(&watches);
        }
        if Instant::now() < next_sweep {
            continue;
        }
        let started = cpu_time();
        take_cleanup();
        watches.retain(|w| {
            let there = w.still_there();
            if !there {
                say(&format!("{}: gone; no longer watched", w.name));
            }
            there
        });
        // A node stopped with processes that would not stop is looked at
        // until they are gone.
        let lingering = stopping::lingering();
        if watches.is_empty() && !lingering {
            say("every node is gone: the guard leaves");
            return Ok(());
        }
        // A node whose `nft` ended lost its table of bounds with it.
        for ns in holders.ended() {
            if let Some(w) = watches.iter().find(|w| w.name == ns) {
                stop(
                    w,
                    "the table of bounds its root cannot take off went (its nft ended)",
                );
            }
            watches.retain(|w| w.name != ns);
        }
        reports::report_requests(&mut supervisor, &watches);
        watches.retain_mut(|w| {
            if let Err(e) = w.sweep(&mut buf) {
                say(&format!("{}: cannot look at its ipset sets: {e}", w.name));
            }
            reports::report(w);
            if let Some(what) = w.take_unheld() {
                say(&format!(
                    "{}: {what}, and no process of the node holds them (sent over a unix socket, \
                     or held where the guard cannot look): so {NODE_STOPPED} (its processes \
                     killed, its namespace removed); `lab destroy` removes the rest",
                    w.name
                ));
                stop_node(&w.name);
                return false;
            }
            let Some(why) = w.why_stop(&mut buf) else {
                return true;
            };
            stop(w, &why);
            false
        });
        holders.keep(&watches.iter().map(|w| w.name.as_str()).collect::<Vec<_>>());
        fds = poll_list(&watches);
        let spent = cpu_time()
            .saturating_sub(started)
            .saturating_sub(take_cleanup());
        next_sweep = Instant::now() + sweep_gap(spent, watches.len());
    }
}

/// The inodes of the sockets process `pid` holds (none when it is gone).
/// `None` once `until` passed: a node holding a million descriptors made
/// the walk of all of them take 14-19 s of the guard's one thread
/// (probe21w), so every look at descriptors is given [`WALK`].
fn sockets_of(pid: i32, until: Instant) -> impl Iterator<Item = Option<u64>> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .into_iter()
        .flatten()
        .flatten()
        .map(move |e| {
            if Instant::now() > until {
                return None;
            }
            let l = std::fs::read_link(e.path()).ok();
            Some(
                l.as_ref()
                    .and_then(|l| l.to_str())
                    .and_then(|l| l.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok())
                    .unwrap_or(0),
            )
        })
}

/// The most time one look at a node's descriptors takes (a node's own
/// few hundred take a millisecond); past it the look gives up, and what
/// asked for it fails closed.
pub(super) const WALK: Duration = Duration::from_millis(100);

/// The processes among `pids` that hold a socket of inode in `inodes`,
/// those found within [`WALK`].
fn socket_holders(pids: &[(i32, u64)], inodes: &[u32]) -> Vec<(i32, u64)> {
    let until = Instant::now() + WALK;
    pids.iter()
        .copied()
        .filter(|(pid, _)| {
            let mut found = false;
            for s in sockets_of(*pid, until) {
                match s {
                    None => break,
                    Some(s) if inodes.iter().any(|i| *i as u64 == s) => {
                        found = true;
                        break;
                    }
                    Some(_) => {}
                }
            }
            found
        })
        .collect()
}

/// The holders to take away so that what the rest hold is at most `bound`:
/// the biggest first (`(holder, size)`; a ring's socket, a queue's owner).
fn biggest_past(sizes: &[(u32, u64)], bound: u64) -> Vec<u32> {
    let mut by_size = sizes.to_vec();
    by_size.sort_by_key(|r| std::cmp::Reverse(r.1));
    let mut total: u64 = sizes.iter().map(|r| r.1).sum();
    let mut out = Vec::new();
    for (holder, size) in by_size {
        if total <= bound {
            break;
        }
        total -= size;
        out.push(holder);
    }
    out
}

/// Kill the processes of the node whose namespace is `ns` that hold a
/// socket of inode in `inodes`: how many (none found within [`WALK`]
/// leaves the node to be stopped).
fn kill_socket_holders(ns: &str, inodes: &[u32]) -> usize {
    let procs = super::sys::pids_in(&[ns.to_string()]);
    let holders = socket_holders(&procs, inodes);
    super::sys::stop(&holders, Duration::ZERO);
    holders.len()
}

/// The sockets `poll` waits on for each node (see [`poll_list`]).
const FDS_A_NODE: usize = 4;

/// What `poll` waits on: [`FDS_A_NODE`] sockets a node, its rtnetlink
/// events, its IPsec events, its nexthop and multicast-entry events, and
/// its nf_tables events (made again only when a node goes).
fn poll_list(watches: &[Watch]) -> Vec<libc::pollfd> {
    watches
        .iter()
        .flat_map(|w| [w.fd(), w.xfrm_fd(), w.told_fd(), w.nft_events_fd()])
        .map(|fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect()
}

#[cfg(test)]
mod tests {

    use super::*;

    /// probe21w: a node of a million descriptors held the guard 14-19 s
    /// a look. A look past its time gives up at once, saying so.
    #[test]
    fn a_look_at_descriptors_gives_up_past_its_time() {
        let me = std::process::id() as i32;
        let now = Instant::now();
        assert!(sockets_of(me, now + WALK).all(|s| s.is_some()));
        let late = now.checked_sub(Duration::from_millis(1)).unwrap_or(now);
        let mut looked = sockets_of(me, late);
        assert_eq!(looked.next(), Some(None));
    }

    /// A sweep's share is counted in the guard's CPU time: waiting (here,
    /// asleep; in a sweep, on the kernel's network lock) costs none. Seen
    /// failing with the share counted in wall time.
    #[test]
    fn a_sweep_that_waits_uses_no_share() {
        let before = cpu_time();
        std::thread::sleep(Duration::from_millis(300));
        assert!(cpu_time().saturating_sub(before) < Duration::from_millis(100));
    }

    #[test]
    fn the_biggest_rings_go_first_until_the_rest_fit() {
        let rings = [(1, 2 << 20), (2, 256 << 20), (3, 100 << 20), (4, 2 << 20)];
        assert_eq!(biggest_past(&rings, 64 << 20), [2, 3]);
        assert!(biggest_past(&rings, 400 << 20).is_empty());
        assert_eq!(biggest_past(&rings, 0), [2, 3, 1, 4]);
    }

    #[test]
    fn only_the_labs_nodes_are_watched() {
        assert!(namespaces("lab", &["node1".into()]).is_ok());
        for (lab, node) in [
            ("a/b", "n"),
            ("a.b", "n"),
            ("", "n"),
            ("lab", "../x"),
            ("lab", ""),
        ] {
            assert!(
                namespaces(lab, &[node.to_string()]).is_err(),
                "{lab} {node}"
            );
        }
    }
}
