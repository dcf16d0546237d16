//! A node's nexthop objects, address labels, IPv6 routes and bridge
//! multicast entries (see [`super::super::dumped`]): trimmed as their events
//! come and at the sweep, and a node whose object is too heavy by itself,
//! or whose table is too long to read in a sweep, stopped at once.

use super::super::dumped;
use super::Watch;

impl Watch {
    /// The socket that hears its nexthop and multicast-entry events (-1:
    /// none, which `poll` passes over).
    pub fn told_fd(&self) -> i32 {
        self.dumped.as_ref().map_or(-1, |d| d.told_fd())
    }

    /// Dump and trim the nexthops and multicast entries an event told of,
    /// as the events come: a node makes a resilient nexthop group of 2 MB
    /// of the host's in about a millisecond (probe21y), so a second's
    /// wait for the sweep is too long.
    pub fn trim_told(&mut self, buf: &mut [u8]) {
        self.trim_dumped(&[dumped::Kind::Nexthops, dumped::Kind::Mdb], buf);
    }

    /// Dump each of `kinds` that is due (see [`dumped::Dumped::due`]) and
    /// remove what is past the bound. A unicast route out of `lo` has the
    /// node stopped (see `loopback_routes`), and so has an object heavier
    /// than the whole bound by itself (a resilient nexthop group of
    /// thousands of buckets: 2 MB of the host's, made in a millisecond): a
    /// loop that makes them again would keep what the guard's lag lets it
    /// (probe21aa: 435 MB at the peak).
    pub(super) fn trim_dumped(&mut self, kinds: &[dumped::Kind], buf: &mut [u8]) {
        let bound = self.table.bound();
        let Some(d) = self.dumped.as_mut() else {
            return;
        };
        let heavy = |d: &mut dumped::Dumped| {
            let w = d.take_heaviest();
            (w > bound).then(|| {
                format!(
                    "a nexthop object weighing {w} entries by itself, past the bound of \
                     {bound} (a resilient group's buckets are the host's memory)"
                )
            })
        };
        for &kind in kinds {
            if !d.due(kind, buf) {
                continue;
            }
            match d.trim(kind, bound, buf) {
                Ok((n, refused)) => {
                    self.removed_dumped[kind.index()] += n;
                    self.refused += refused;
                }
                Err(_) => self.refused += 1,
            }
        }
        let overflowed = d.take_overflowed();
        if let Some(why) = heavy(d) {
            self.stop_now = Some(why);
        } else if let Some(kind) = overflowed {
            self.stop_now = Some(format!(
                "more than {} {}, past the bound of {bound} by more than {}: reading them \
                 costs the guard more than a sweep (the kernel's dump of them grows as the \
                 square of their number), so the node is stopped",
                bound + dumped::READ_PAST_THE_BOUND,
                kind.name(),
                dumped::READ_PAST_THE_BOUND
            ));
        }
        // A route out of `lo` (see `loopback_routes`).
        if d.take_out_of_loopback() {
            self.stop_now = Some(super::super::loopback_routes::WHY.to_string());
        }
    }
}
