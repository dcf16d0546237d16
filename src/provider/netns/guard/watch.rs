//! One node watched: a rtnetlink socket opened inside the node's network
//! namespace, joined to its neighbour events, that dumps the node's tables
//! one at a time and removes the entries the node's [`Table`] does not keep.

use super::super::netlink::msg::{
    Message, NLM_F_DUMP, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, RTM_DELLINK, RTM_NEWLINK, message,
    messages, put_message,
};
use super::dumped::{self, Dumped};
use super::entry::{self, Class, Entry, RTM_DELNEIGH, RTM_NEWNEIGH};
use super::macvlan_sources::{self, MacvlanSources};
use super::packet_rings::SockDiag;
use super::route_tables::RouteTables;
use super::sockets::{self, inside};
use super::table::{Table, Verdict};
use super::{ipset, multicast, tc, xfrm};
use std::collections::{HashSet, VecDeque};
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::time::{Duration, Instant};

mod dumps;
mod held;
mod host_work;
mod reads;
mod removals;
mod sets_heard;
mod traffic_control;

/// `RTMGRP_LINK`, `RTMGRP_NEIGH`, `RTMGRP_TC`, `RTMGRP_IPV4_ROUTE`,
/// `RTMGRP_IPV6_ROUTE`: devices, neighbour and forwarding entries, traffic
/// control objects and routes added, changed, gone.
const GROUPS: u32 = 0x1 | 0x4 | 0x8 | 0x40 | 0x400;
const NLM_F_ROOT: u16 = 0x100;
/// The receive buffer: events of a burst wait here (past it they are lost,
/// the kernel says so with `ENOBUFS`, and the tables are dumped again).
const RECEIVE_BYTES: libc::c_int = 4 << 20;
/// Bytes of removals sent at once (below the socket's send buffer).
const SEND_BYTES: usize = 64 * 1024;

pub struct Watch {
    /// The node's namespace name (`LAB.NODE`).
    pub name: String,
    netns: File,
    /// The guard's own namespace, to come back to after opening a socket
    /// inside the node again.
    home: File,
    fd: OwnedFd,
    multicast: multicast::Multicast,
    /// The node's IPsec events (see [`xfrm`]); none on a kernel without
    /// IPsec's netlink (nothing to bound there).
    xfrm: Option<OwnedFd>,
    xfrm_counts: xfrm::Counts,
    /// The node's list of IPv4 routing tables (none where the kernel has
    /// no such list: nothing to count there).
    route_tables: Option<RouteTables>,
    /// The node's lists of named tables (none where the kernel has neither
    /// hashlimit nor recent).
    named_tables: Option<super::named_tables::NamedTables>,
    /// The node's neighbour parameters (see [`super::neigh_params`]).
    neigh_params: Option<super::neigh_params::NeighParams>,
    /// The node's policy routing rules (see [`super::fib_rules`]).
    fib_rules: Option<super::fib_rules::FibRules>,
    /// The multicast groups its sockets joined (see [`super::memberships`]).
    memberships: Option<super::memberships::Memberships>,
    /// The node's netfilter rules, counted every few sweeps (see
    /// [`super::rules`]).
    rules: Option<super::rules::Rules>,
    /// The node's list of devices, and how many it may hold (see
    /// [`super::devices`]).
    /// Events told of a device made or changed, or were lost, since the
    /// last count of the node's devices (see [`super::devices`]).
    devices_due: bool,
    /// When the last count of the node's devices ended, and how long it
    /// took (see [`super::devices::count_now`]).
    devices_counted: Option<(Instant, Duration)>,
    devices_bound: usize,
    /// Why the node is to be stopped, found between two looks (see
    /// [`Watch::why_stop_now`]).
    stop_now: Option<String>,
    /// An event told of a route, or events were lost: the IPv4 routes are
    /// counted at once.
    routes_due: bool,
    /// Events were lost: the IPv6 routes are dumped at once too (a route
    /// out of `lo` added meanwhile is told of by no event, see
    /// [`super::loopback_routes`]).
    ipv6_routes_due: bool,
    /// The node's nf_tables events were heard since the last check of
    /// its sets (see [`sets_heard`]).
    sets_due: bool,
    /// The most IPv4 routes it may have (see [`super::ipv4_routes`]).
    pub(super) routes_bound: usize,
    /// Neighbours unresolved for too long removed since the last report
    /// (see [`super::unresolved`]).
    pub unresolved_removed: u64,
    /// The socket of the sweep's dumps (see [`dumped`]).
    dumped: Option<Dumped>,
    /// The node's socket lists: packet rings and TCP listeners (see
    /// [`super::packet_rings`], [`super::accept_queues`]).
    sock_diag: Option<SockDiag>,
    /// The node's count of TCP sockets, and its share of orphans (see
    /// [`super::orphans`]).
    orphans: Option<super::orphans::Orphans>,
    /// Orphans found past the share, and reset, since the last report.
    pub orphans_reset: super::orphans::Reset,
    /// Bytes of rings past the bound, and processes killed for them, since
    /// the last report.
    pub rings_killed: (u64, usize),
    /// Connections queued on listeners past the bound, and processes killed
    /// for them, since the last report ([`super::accept_queues`]).
    pub accepted_killed: (u64, usize),
    /// Rings or queues past the bound that no process of the node holds
    /// (see [`Watch::take_unheld`]).
    unheld: Option<String>,
    /// The node's netfilter queues (see [`super::queued`]).
    queued: Option<super::queued::Queued>,
    /// Packets queued past the bound, and processes killed for them, since
    /// the last report.
    pub queued_killed: (u64, usize),
    /// NFLOG groups past the bound, and processes killed for them.
    pub logged_killed: (u64, usize),
    /// Nexthop objects, address labels and IPv6 routes removed since the
    /// last report.
    pub removed_dumped: [u64; 4],
    /// IPsec tables flushed since the last report.
    pub xfrm_flushed: u64,
    /// The node's macvlan devices' source-MAC lists (see
    /// [`macvlan_sources`]).
    macvlan_sources: Option<MacvlanSources>,
    /// What the last sweeps flushed of them, since the last report.
    pub macs_flushed: macvlan_sources::Flushed,
    /// The node's ipset sets (see [`ipset`]); none on a kernel without
    /// netfilter's netlink.
    ipset: Option<ipset::Ipset>,
    /// ipset elements flushed since the last report.
    pub ipset_flushed: u64,
    /// The most elements the node's sets may hold together (its
    /// [`super::Bounds::ipset`]).
    pub ipset_bound: u64,
    /// Sweeps between two looks at its neighbours (its
    /// [`super::Bounds::unresolved_every`]).
    pub unresolved_every: u64,
    /// The node's accounting objects and timeout policies (see
    /// [`super::nf_objects`]).
    nf_objects: Option<super::nf_objects::NfObjects>,
    /// How many of each there were when they were last removed, since the
    /// last report.
    pub nf_removed: [u64; 2],
    /// Sweeps so far (some looks are not taken at every one).
    pub(super) sweeps: u64,
    /// The node's place among the watched (its looks taken every few
    /// sweeps fall on different sweeps from its neighbours').
    pub phase: u64,
    pub table: Table,
    /// Tables to dump, in turn; the first runs when `dumping` is set.
    queue: VecDeque<Class>,
    dumping: Option<(Class, u32)>,
    /// When the running dump started (see `reads::dump_holds_removals`).
    dump_started_at: Instant,
    seq: u32,
    out: Vec<u8>,
    /// Multicast addresses to remove with `SIOCDELMULTI`, with the
    /// `RTM_DELNEIGH` to send if that fails.
    multicast_out: Vec<(i32, [u8; 6], Vec<u8>)>,
    /// Entries removed since the last report, by table.
    pub removed: [u64; 4],
    /// Multicast addresses removed since the last report.
    pub removed_multicast: u64,
    /// Removals the kernel refused since the last report.
    pub refused: u64,
    /// Entries asked to be removed whose removal the kernel has not told
    /// of yet (a neighbour's addition is told twice): not asked again
    /// until the next sweep.
    removing: HashSet<Vec<u8>>,
    /// Entries whose removal the kernel refused (see `removals`).
    unremovable: removals::Unremovable,
    /// The next dump of qdiscs removes every attached one (events lost).
    wipe_tc: bool,
    /// Kinds of actions seen (to flush them when events were lost).
    action_kinds: HashSet<Vec<u8>>,
    /// Traffic control wiped since the last report.
    pub wiped_tc: u64,
    /// What the node's qdiscs hold, and its devices' frames (see `host_work`).
    qdisc_backlog: Option<super::qdisc_backlog::QdiscBacklog>,
    frame_rate: Option<super::frame_rate::FrameRate>,
    /// The node's `/proc/net/dev` as last read for its frames.
    net_dev_text: String,
}

fn neighbour_socket() -> io::Result<OwnedFd> {
    let fd = sockets::netlink(libc::NETLINK_ROUTE, GROUPS)?;
    sockets::set_option(&fd, libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, &RECEIVE_BYTES)?;
    Ok(fd)
}

impl Watch {
    /// Watch the namespace `name`, from the guard's own namespace `home`,
    /// keeping `bound` entries in a table and `orphans` orphaned
    /// connections.
    pub fn open(name: &str, home: &File, bounds: super::Bounds) -> io::Result<Watch> {
        let (bound, orphans) = (bounds.entries, bounds.orphans);
        let netns = File::open(super::super::sys::netns_path(name))?;
        let (fd, multicast, xfrm, route_tables, dumped, ipset, rings, queued, sources, limits, nf) =
            inside(&netns, home, || {
                Ok::<_, io::Error>((
                    neighbour_socket()?,
                    multicast::Multicast::open()?,
                    xfrm::socket().ok(),
                    RouteTables::open().ok(),
                    Dumped::open().ok(),
                    ipset::Ipset::open().ok(),
                    SockDiag::open().ok(),
                    super::queued::Queued::open().ok(),
                    MacvlanSources::open().ok(),
                    super::named_tables::NamedTables::open().ok(),
                    super::nf_objects::NfObjects::open().ok(),
                ))
            })??;
        let (orphans, mut neigh_params, rules, qdisc_backlog, frame_rate) =
            inside(&netns, home, || {
                (
                    super::orphans::Orphans::open(orphans).ok(),
                    super::neigh_params::NeighParams::open().ok(),
                    super::rules::Rules::open().ok(),
                    super::qdisc_backlog::QdiscBacklog::open().ok(),
                    Some(super::frame_rate::FrameRate::default()),
                )
            })?;
        let (fib_rules, memberships) = inside(&netns, home, || {
            (
                super::fib_rules::FibRules::open().ok(),
                super::memberships::Memberships::open().ok(),
            )
        })?;
        // The first count knows the node's wires (see `l2_loops::Wires`):
        // it comes before the lab makes the pods' veths.
        if let Some(n) = neigh_params.as_mut() {
            n.devices(&mut vec![0u8; 1 << 16])?;
        }
        Ok(Watch {
            name: name.to_string(),
            netns,
            home: home.try_clone()?,
            fd,
            multicast,
            xfrm,
            xfrm_counts: Default::default(),
            route_tables,
            named_tables: limits,
            neigh_params,
            unresolved_removed: 0,
            rules,
            fib_rules,
            memberships,
            devices_due: false,
            devices_counted: None,
            devices_bound: bounds.devices,
            stop_now: None,
            routes_due: true,
            ipv6_routes_due: false,
            sets_due: false,
            routes_bound: bounds.routes,
            dumped,
            sock_diag: rings,
            orphans,
            orphans_reset: Default::default(),
            rings_killed: (0, 0),
            accepted_killed: (0, 0),
            unheld: None,
            queued,
            queued_killed: (0, 0),
            logged_killed: (0, 0),
            removed_dumped: [0; 4],
            xfrm_flushed: 0,
            macvlan_sources: sources,
            macs_flushed: Default::default(),
            ipset,
            ipset_flushed: 0,
            ipset_bound: bounds.ipset,
            unresolved_every: bounds.unresolved_every,
            nf_objects: nf,
            nf_removed: [0; 2],
            sweeps: 0,
            phase: 0,
            table: Table::new(bound),
            queue: Class::ALL.into_iter().collect(),
            dumping: None,
            dump_started_at: Instant::now(),
            seq: 0,
            out: Vec::new(),
            multicast_out: Vec::new(),
            removed: [0; 4],
            removed_multicast: 0,
            refused: 0,
            removing: HashSet::new(),
            unremovable: Default::default(),
            wipe_tc: false,
            action_kinds: HashSet::new(),
            wiped_tc: 0,
            qdisc_backlog,
            frame_rate,
            net_dev_text: String::new(),
        })
    }

    pub fn fd(&self) -> i32 {
        self.fd.as_raw_fd()
    }

    /// The inode of the node's namespace (what a socket's names).
    pub fn netns_inode(&self) -> u64 {
        self.netns.metadata().map_or(0, |m| m.ino())
    }

    /// The IPsec socket (-1, which `poll` passes over, when there is none).
    pub fn xfrm_fd(&self) -> i32 {
        self.xfrm.as_ref().map_or(-1, |f| f.as_raw_fd())
    }

    /// Whether `/run/netns/NAME` is still the namespace watched (`destroy`
    /// deleted it, or it was made again): a guard must not keep a
    /// namespace alive that the lab let go.
    pub fn still_there(&self) -> bool {
        let (Ok(a), Ok(b)) = (
            self.netns.metadata(),
            std::fs::metadata(super::super::sys::netns_path(&self.name)),
        ) else {
            return false;
        };
        a.ino() == b.ino() && a.dev() == b.dev()
    }

    /// Dump `class` again (unless it is waiting already: one running may
    /// have passed what was lost).
    pub fn queue(&mut self, class: Class) {
        if !self.queue.contains(&class) {
            self.queue.push_back(class);
        }
    }

    /// The sweep's look at what no event tells of: proxy neighbours and
    /// forwarding entries are dumped, multicast addresses read and
    /// trimmed, nexthop objects and address labels dumped and trimmed, macvlan source-MAC lists and
    /// ipset elements counted and flushed past the bound (`Err` when that look failed).
    /// (A rise of the host's neighbour table has every node looked at as
    /// soon as it is read: see [`super::unresolved::HOST_LOOK`].)
    pub fn sweep(&mut self, buf: &mut [u8]) -> io::Result<()> {
        self.removing.clear();
        self.queue(Class::Proxy);
        // Counted from the kernel, not the guard's record (see `reads`).
        self.queue(Class::Fdb);
        self.removed_multicast += self.multicast.trim(self.table.bound()) as u64;
        let bound = self.table.bound();
        self.trim_dumped(&dumped::Kind::ALL, buf);
        self.bound_packet_rings(buf);
        let sockets = self.sock_diag.as_mut();
        if let Some((total, gone)) = sockets.and_then(|s| super::accept_queues::past_bound(s, buf))
        {
            self.accepted_killed.0 = self.accepted_killed.0.max(total);
            let what = || super::accept_queues::what(total);
            self.accepted_killed.1 += self.take_from_holders(&gone, what);
        }
        self.bound_queued();
        self.bound_logged();
        self.bound_orphans(buf);
        self.look_at_unresolved(false, buf);
        if let Some(m) = self.macvlan_sources.as_mut() {
            match m.bound(bound as u64, buf) {
                Ok(f) if f.lists > 0 || f.blind > 0 => {
                    self.macs_flushed.held = self.macs_flushed.held.max(f.held);
                    self.macs_flushed.lists += f.lists;
                    self.macs_flushed.blind = self.macs_flushed.blind.max(f.blind);
                    // A dump that failed stays the socket's, retried (and
                    // failing: its buffer was sized for the list) at each
                    // read, and every later dump is refused as busy: a new
                    // socket starts clean.
                    if f.blind > 0 {
                        self.macvlan_sources =
                            inside(&self.netns, &self.home, MacvlanSources::open)
                                .ok()
                                .and_then(Result::ok);
                    }
                }
                Ok(_) => {}
                Err(_) => self.refused += 1,
            }
        }
        self.sweeps = self.sweeps.wrapping_add(1);
        if let Some(nf) = self
            .nf_objects
            .as_mut()
            .filter(|_| self.sweeps % super::nf_objects::EVERY_SWEEPS == 1)
        {
            for (i, kind) in super::nf_objects::KINDS.into_iter().enumerate() {
                if let Ok(Some(n)) = nf.bound(kind, bound as u64, buf) {
                    self.nf_removed[i] = self.nf_removed[i].max(n);
                }
            }
        }
        if let Some(why) = self.look_at_ipset(buf)? {
            self.stop_now = Some(why);
        }
        Ok(())
    }

    /// Have the devices counted again (see [`Watch::why_stop_now`]).
    fn devices_changed(&mut self) {
        self.devices_due = true;
    }

    /// Why the node must be stopped at once, if it must: an object too
    /// heavy by itself or a route out of `lo` (see [`Watch::trim_dumped`]),
    /// its IPv4 routes or the devices it holds, each counted when events
    /// told of one or were lost (`at_sweep`: in any case).
    pub fn why_stop_now(&mut self, at_sweep: bool, buf: &mut [u8]) -> Option<String> {
        if std::mem::take(&mut self.ipv6_routes_due) {
            self.trim_dumped(&[dumped::Kind::Ipv6Routes], buf);
        }
        if let Some(why) = self.stop_now.take() {
            return Some(why);
        }
        if let Some(why) = self.host_work_past_bound(at_sweep, buf) {
            return Some(why);
        }
        if (std::mem::take(&mut self.routes_due) || at_sweep)
            && let Some(why) = self.routes_past_bound(buf)
        {
            return Some(why);
        }
        if std::mem::take(&mut self.sets_due)
            && let Some(why) = self.sets_heard_past_bound(buf)
        {
            return Some(why);
        }
        let started = Instant::now();
        if !super::devices::count_now(at_sweep, self.devices_due, self.devices_counted, started) {
            return None;
        }
        self.devices_due = false;
        let held = match self.neigh_params.as_mut()?.devices(buf) {
            Ok(held) => held,
            Err(e) => return Some(format!("its network devices could not be counted ({e})")),
        };
        self.devices_counted = Some((Instant::now(), started.elapsed()));
        super::devices::why_stop(&held, self.devices_bound)
    }

    /// Have the next sweep dump the node's macvlan devices.
    fn macvlan_sources_due(&mut self) {
        if let Some(m) = self.macvlan_sources.as_mut() {
            m.due = true;
        }
    }

    /// Start the next dump if none runs.
    pub fn next_dump(&mut self) -> io::Result<()> {
        if self.dumping.is_some() {
            return Ok(());
        }
        let Some(class) = self.queue.pop_front() else {
            return Ok(());
        };
        let seq = sockets::next_seq(&mut self.seq);
        let (ty, body) = class.dump_request();
        self.send(&message(ty, NLM_F_REQUEST | NLM_F_DUMP, seq, &body))?;
        // Qdiscs alone are no table of traffic control (see `tc`).
        if class != Class::Tc {
            self.table.dump_started(class);
            self.unremovable.dump_started(class);
        }
        self.dumping = Some((class, self.seq));
        self.dump_started_at = Instant::now();
        Ok(())
    }

    fn send(&self, b: &[u8]) -> io::Result<()> {
        sockets::send(&self.fd, b)
    }

    /// Decide on an entry the kernel told of: kept, or removed.
    fn judge(&mut self, e: &Entry) {
        if self.table.added(e) == Verdict::Keep
            || self.unremovable.holds(&e.key)
            || !self.removing.insert(e.key.clone())
        {
            return;
        }
        self.removed[e.class.index()] += 1;
        let m = message(e.del_type, NLM_F_REQUEST, 0, &e.delete);
        match e.multicast {
            Some((index, mac)) => self.multicast_out.push((index, mac, m)),
            None => self.out.extend_from_slice(&m),
        }
    }

    fn gone(&mut self, e: &Entry) {
        self.table.removed(e);
        self.removing.remove(&e.key);
        self.unremovable.remove(&e.key);
    }

    /// Queue a removal that is not of one entry (see [`tc`]).
    fn remove_raw(&mut self, ty: u16, flags: u16, body: &[u8]) {
        put_message(&mut self.out, ty, NLM_F_REQUEST | flags, 0, body);
    }

    /// Handle the messages of one receive.
    fn handle(&mut self, b: &[u8]) {
        for Message { ty, seq, body } in messages(b) {
            match ty {
                RTM_NEWNEIGH => {
                    if let Some(e) = entry::parse(body) {
                        self.judge(&e);
                    }
                }
                RTM_DELNEIGH => {
                    if let Some(e) = entry::parse(body) {
                        self.gone(&e);
                    }
                }
                RTM_NEWLINK => {
                    self.devices_changed();
                    // Removed before the node's next command can fill it.
                    if let Some((l, why)) = super::l2_loops::link_of(body)
                        .and_then(|l| Some((l.index, super::refused_devices::why(&l)?)))
                    {
                        let mut gone = vec![0u8; 16];
                        gone[4..8].copy_from_slice(&l.to_ne_bytes());
                        self.remove_raw(RTM_DELLINK, 0, &gone);
                        self.stop_now = Some(why.to_string());
                    }
                    if macvlan_sources::is_of_kind(body) {
                        self.macvlan_sources_due();
                    }
                }
                // A route: counted at once, and one of too many nexthops
                // or out of `lo` stops the node (see `ipv4_routes`,
                // `loopback_routes`).
                super::ipv4_routes::RTM_NEWROUTE => {
                    self.routes_due = true;
                    let lo = || {
                        super::loopback_routes::out_of_loopback(body)
                            .then(|| super::loopback_routes::WHY.to_string())
                    };
                    if let Some(why) = super::ipv4_routes::too_many_nexthops(body).or_else(lo) {
                        self.stop_now = Some(why);
                    }
                }
                // A device gone takes its entries and objects with it.
                RTM_DELLINK => {
                    if let Some(index) = body.get(4..8) {
                        self.table.device_gone(index);
                        self.unremovable.device_gone(index);
                    }
                }
                _ if tc::is_added(ty) || tc::is_removed(ty) => self.handle_tc(ty, seq, body),
                NLMSG_DONE | NLMSG_ERROR => match self.dumping {
                    Some((class, s)) if s == seq && seq != 0 => {
                        self.dumping = None;
                        if class == Class::Tc {
                            self.tc_dump_ended();
                        } else if ty == NLMSG_DONE {
                            self.table.dump_ended(class);
                            self.unremovable_counted(class);
                        } else {
                            // The dump failed (it is tried at the next sweep).
                            self.table.dump_abandoned(class);
                        }
                    }
                    // A removal refused, or its entry gone meanwhile.
                    _ if ty == NLMSG_ERROR => self.removal_answered(body),
                    _ => {}
                },
                _ => {}
            }
        }
    }
}
