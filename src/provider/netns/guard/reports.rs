//! What the guard's log says of each node after a sweep: what it removed,
//! took back or refused since the last report.

use super::super::table_bounds;
use super::watch::Watch;
use super::{accept_queues, dumped, entry, nf_objects, say, supervisor};

/// Say what ring requests were refused since the last report, by
/// namespace (a node's by its name).
pub(super) fn report_requests(s: &mut supervisor::Supervisor, watches: &[Watch]) {
    let name_of = |inode: u64| {
        watches
            .iter()
            .find(|w| w.netns_inode() == inode)
            .map_or(format!("namespace {inode} (a pod's)"), |w| w.name.clone())
    };
    for (inode, n) in std::mem::take(&mut s.filters_refused) {
        say(&format!(
            "{}: {n} socket filters refused (at most {} sockets with a filter of at most {} \
             instructions)",
            name_of(inode),
            table_bounds::SOCKET_FILTERS_A_NODE_HOLDS,
            table_bounds::SOCKET_FILTER_INSTRUCTIONS
        ));
    }
    for (inode, (n, held)) in std::mem::take(&mut s.sockets_refused) {
        let held = match held {
            u64::MAX => "they could not be counted".to_string(),
            h => format!("it held {h}"),
        };
        say(&format!(
            "{}: {n} netlink, packet or raw sockets refused ({held}; the bound is {})",
            name_of(inode),
            table_bounds::RECEIVING_SOCKETS_A_NAMESPACE_HOLDS
        ));
    }
    for (inode, r) in std::mem::take(&mut s.refused) {
        let name = name_of(inode);
        let held = match r.held {
            u64::MAX => "its rings could not be listed".to_string(),
            h => format!("its rings held {} MiB", h >> 20),
        };
        say(&format!(
            "{name}: {} packet ring requests refused, the biggest of {} MiB ({held}, the \
             bound is {} MiB)",
            r.count,
            r.biggest >> 20,
            table_bounds::PACKET_RING_BYTES_A_NODE_KEEPS >> 20
        ));
    }
}

/// Say what was removed from a node since the last report.
pub(super) fn report(w: &mut Watch) {
    for c in entry::Class::ALL {
        let n = std::mem::take(&mut w.removed[c.index()]);
        if n > 0 {
            say(&format!(
                "{}: removed {n} {} entries past the bound of {} ({} kept)",
                w.name,
                c.name(),
                w.table.bound(),
                w.table.len(c)
            ));
        }
    }
    for kind in dumped::Kind::ALL {
        let n = std::mem::take(&mut w.removed_dumped[kind.index()]);
        if n > 0 {
            say(&format!(
                "{}: removed {n} {} past the bound of {}",
                w.name,
                kind.name(),
                w.table.bound()
            ));
        }
    }
    // What was taken from the holders of rings, listeners and queues past
    // their bounds: how much, how many processes, and whose.
    type Taken = ((u64, usize), fn(u64) -> String, &'static str);
    let taken: [Taken; 4] = [
        (
            std::mem::take(&mut w.rings_killed),
            |bytes| {
                format!(
                    "packet sockets' rings of {} MiB, past the bound of {} MiB",
                    bytes >> 20,
                    table_bounds::PACKET_RING_BYTES_A_NODE_KEEPS >> 20
                )
            },
            "holding the biggest",
        ),
        (
            std::mem::take(&mut w.accepted_killed),
            accept_queues::what,
            "holding the fullest",
        ),
        (
            std::mem::take(&mut w.queued_killed),
            |packets| {
                format!(
                    "{packets} packets held in netfilter queues, past the bound of {}",
                    table_bounds::PACKETS_A_NODE_QUEUES
                )
            },
            "owning the fullest",
        ),
        (
            std::mem::take(&mut w.logged_killed),
            |groups| {
                format!(
                    "{groups} NFLOG groups listened on, past the bound of {}",
                    table_bounds::NFLOG_GROUPS_A_NODE_KEEPS
                )
            },
            "listening on the most",
        ),
    ];
    for ((held, killed), what, whose) in taken {
        if held > 0 {
            say(&format!(
                "{}: {}: {killed} processes {whose} killed",
                w.name,
                what(held)
            ));
        }
    }
    let o = std::mem::take(&mut w.orphans_reset);
    if o.found > 0 {
        say(&format!(
            "{}: {} orphaned TCP connections (closed by its processes, still kept by the \
             kernel), past its share of {}: {} reset",
            w.name, o.found, o.kept, o.reset
        ));
    }
    let n = std::mem::take(&mut w.unresolved_removed);
    if n > 0 {
        say(&format!(
            "{}: removed {n} neighbours unresolved for more than {} s (the host's parameters \
             resolve or drop one within about 3 s), and the packets queued for them",
            w.name,
            super::unresolved::UNRESOLVED_FOR / 100
        ));
    }
    let f = std::mem::take(&mut w.macs_flushed);
    if f.blind > 0 {
        say(&format!(
            "{}: the dump of its macvlan devices failed: a flush of their source MACs sent to \
             each of its {} devices",
            w.name, f.blind
        ));
    }
    if f.lists > 0 {
        say(&format!(
            "{}: {} source MACs of macvlan devices, past the bound of {}: the biggest lists \
             flushed ({})",
            w.name,
            f.held,
            w.table.bound(),
            f.lists
        ));
    }
    let n = std::mem::take(&mut w.removed_multicast);
    if n > 0 {
        say(&format!(
            "{}: removed {n} multicast addresses past the bound of {}",
            w.name,
            w.table.bound()
        ));
    }
    if std::mem::take(&mut w.wiped_tc) > 0 {
        say(&format!(
            "{}: events were lost: every qdisc attached and every action removed",
            w.name
        ));
    }
    for (kind, n) in nf_objects::KINDS
        .iter()
        .zip(std::mem::take(&mut w.nf_removed))
    {
        if n > 0 {
            say(&format!(
                "{}: {n} {}, past the bound of {}: every one no rule uses removed",
                w.name,
                kind.name,
                w.table.bound()
            ));
        }
    }
    let n = std::mem::take(&mut w.ipset_flushed);
    if n > 0 {
        say(&format!(
            "{}: removed {n} ipset elements past the bound of {}: every set flushed",
            w.name, w.ipset_bound
        ));
    }
    if std::mem::take(&mut w.xfrm_flushed) > 0 {
        say(&format!(
            "{}: IPsec policies or states past the bound of {}: all removed",
            w.name,
            w.table.bound()
        ));
    }
    let refused = std::mem::take(&mut w.refused);
    if refused > 0 {
        say(&format!(
            "{}: the kernel refused {refused} removals",
            w.name
        ));
    }
}
