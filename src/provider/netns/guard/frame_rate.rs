//! The frames a node's devices send each second: a node past
//! [`FRAMES_BOUND`] at two looks in a row ([`EVERY`] apart) is stopped.
//!
//! Why: a packet loop of a node's own needs no process once started, and
//! its work runs in the host's softirq, charged to no cgroup: two bridges
//! joined by two veth pairs keep one ARP broadcast circling (about a host
//! core), two nf_tables netdev chains that `fwd` each frame back out of the
//! veth it came in on do it without a bridge and without an event the guard
//! hears, and with three links the copies fill the host's per-CPU backlog,
//! so that the host's own loopback lost 15 % of its packets (probe21ae
//! finding 2). There are more ways to close a loop than to list; every one
//! sends frames out of the node's devices, which count them. The ways
//! known are refused by what makes them (a bridge on a cycle,
//! [`super::l2_loops`]; nf_tables' `fwd`/`dup`,
//! [`super::refused_rules`]; tc's `mirred`, [`super::tc`]), since a
//! frame's cost is the node's to choose and a loop of costly frames stays
//! under any count of frames a real workload stays below (probe21ah
//! finding 2: a core at 185,000 a second). This bound is what is left for
//! a way not known.
//!
//! What is counted: frames sent (`tx`), every device but `lo`. Each pass
//! of a loop is a frame sent again. A frame received was sent by someone:
//! the node itself (counted when sent) or another node, whose frames a
//! GSO send makes 64 at the receiver for one at the sender (probe21ah
//! finding 3: node2 was stopped for node1's VXLAN datagrams, counted on
//! four of its devices each). Loopback carries only what the node's own
//! processes send, on their CPU: a UDP load test on `127.0.0.1` at 430,000
//! datagrams a second was stopped as a loop (probe21ah lesser 1).
//!
//! How: `/proc/net/dev` of the node's namespace (read through
//! [`super::listed_devices`], its one owner, and listing every device
//! whatever its netlink message's size) is read every [`EVERY`] while the
//! node sends more than a quarter of the bound ([`QUIET`] otherwise), not at the sweep: a
//! bridges' loop floods the guard with neighbour events, whose losses make
//! its sweeps slow and put the next off (under other tests' load a loop ran
//! 4.5 s without two sweeps stopping it; read so, it is stopped 0.7 to
//! 1.4 s after it begins); each device's sent packets since the last
//! read, summed over the devices and
//! divided by the time between, is the node's rate. A device new since the
//! last read counts its whole count (it starts at zero); one gone counts
//! nothing. Removing the namespace removes the loop's devices, and ends it.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The most frames a second a node's devices may send, summed over them
/// all but `lo`, for longer than a sweep. Measured here before the count
/// left out received frames and `lo`, which can only lower it (2 cores,
/// shared with other builds), as fast as a C sender in node1 could, TCP
/// with `TCP_NODELAY`: 634,000 with 100-byte writes to node1's pod (its
/// receiver outside the node's CPU quota), 254,000 with 1400-byte ones,
/// 129,000 with 64 KiB ones (3.6 GB/s); 216,000 at most to node2; python's
/// 100-byte writes 520,000. The loops made 1.25 to 2.4 M (two bridges, one
/// ARP broadcast: about a host core) and 4.5 to 6.9 M (a netdev `fwd`
/// pair); with other tests busy on both cores, a bound of 1 M read at the
/// sweep missed the bridges' loop once in 4.5 s. With both ends of a flow inside the node's one-core quota
/// it passes less than the 634,000 above (measured with the receiver
/// outside it). A loop of a kind not known held below the bound costs the
/// host up to a whole core (probe21ah: 185,000 frames a second behind
/// 1,500 rules; probe21ak: 217,000 behind 500), and stops when its node
/// goes: the kinds known are refused by what makes them.
pub const FRAMES_BOUND: u64 = 800_000;

/// Looks in a row past the bound that stop a node.
const SWEEPS_PAST: u32 = 2;

/// How often the counters are read while the node sends more than a
/// quarter of the bound.
pub const EVERY: Duration = Duration::from_millis(500);

/// How often they are read otherwise: at 251 nodes, a read every half
/// second took the guard at rest from 4.6 % of a core to 14 % (637 ticks
/// of `utime+stime` in 45 s, measured on this project's machine). A loop
/// of a kind not known is seen within a quiet look's time and two busy
/// ones (about 3 s); the kinds known are refused as they are made.
pub const QUIET: Duration = Duration::from_secs(2);

/// Each device's sent packets in the text of `/proc/net/dev`, loopback
/// left out.
fn counts(text: &str) -> HashMap<String, u64> {
    text.lines()
        .skip(2)
        .filter_map(|l| {
            let (dev, rest) = l.split_once(':')?;
            let dev = dev.trim();
            let sent = rest.split_whitespace().nth(9)?.parse().unwrap_or(0);
            (dev != "lo").then(|| (dev.to_string(), sent))
        })
        .collect()
}

/// The frames passed from `before` to `now`, each device on its own.
fn passed(before: &HashMap<String, u64>, now: &HashMap<String, u64>) -> u64 {
    now.iter()
        .map(|(dev, n)| n.saturating_sub(before.get(dev).copied().unwrap_or(0)))
        .sum()
}

/// A node's device counters, as its namespace's `/proc/net/dev` gave
/// them at the last look.
#[derive(Default)]
pub struct FrameRate {
    last: Option<(Instant, HashMap<String, u64>)>,
    past: u32,
    /// The last look's rate was past a quarter of the bound.
    busy: bool,
}

impl FrameRate {
    /// When the counters are next to be read.
    pub fn due(&self) -> Instant {
        let every = if self.busy { EVERY } else { QUIET };
        self.last
            .as_ref()
            .map_or_else(Instant::now, |(t, _)| *t + every)
    }

    /// Take the counters of `text` (the node's `/proc/net/dev` read now,
    /// when [`FrameRate::due`]): why to stop the node, if its devices sent
    /// more than the bound since each of the last [`SWEEPS_PAST`] reads.
    pub fn why_stop(&mut self, text: &str) -> Option<String> {
        let now = (Instant::now(), counts(text));
        let (then, before) = self.last.replace(now)?;
        let (at, after) = self.last.as_ref().expect("just put");
        let secs = at.duration_since(then).as_secs_f64().max(0.001);
        let rate = (passed(&before, after) as f64 / secs) as u64;
        self.busy = rate > FRAMES_BOUND / 4;
        self.past = if rate > FRAMES_BOUND {
            self.past + 1
        } else {
            0
        };
        (self.past >= SWEEPS_PAST).then(|| {
            format!(
                "its network devices sent {rate} frames a second, past the bound of \
                 {FRAMES_BOUND}, at {SWEEPS_PAST} looks in a row (a packet loop: its work is \
                 the host's, charged to no one)"
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEV: &str = "Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:       0       7    0    0    0     0          0         0        0       5    0    0    0     0       0          0
  cni0:     100     300    0    0    0     0          0         0       54      20    0    1    0     0       0          0
";

    /// Probe21ah finding 3 and lesser 1: frames received (another node's
    /// GSO sends, counted many times here) and loopback are left out.
    #[test]
    fn sent_packets_of_each_device_but_loopback() {
        let c = counts(DEV);
        assert_eq!(c.get("lo"), None);
        assert_eq!(c["cni0"], 20);
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn a_device_gone_counts_nothing_and_a_new_one_all() {
        let before = counts(DEV);
        let mut now = before.clone();
        now.remove("cni0");
        now.insert("l1a".into(), 1000);
        assert_eq!(passed(&before, &now), 1000);
        // Counters that went down (a device made again) count nothing.
        assert_eq!(passed(&now, &before), 20);
    }

    /// A node is read fast only while it sends more than a quarter of the
    /// bound, and stopped at two fast looks past it.
    #[test]
    fn a_quiet_node_is_read_seldom_and_a_busy_one_often() {
        let quiet = "h\nh\n  eth0: 0 0 0 0 0 0 0 0 0 10 0 0 0 0 0 0\n";
        let busy = "h\nh\n  eth0: 0 0 0 0 0 0 0 0 0 100000000 0 0 0 0 0 0\n";
        let mut f = FrameRate::default();
        assert!(f.due() <= Instant::now());
        assert_eq!(f.why_stop(quiet), None);
        assert!(f.due() > Instant::now() + EVERY);
        f.last.as_mut().unwrap().0 -= Duration::from_secs(1);
        assert_eq!(f.why_stop(busy), None);
        assert!(f.due() <= Instant::now() + EVERY);
        f.last.as_mut().unwrap().0 -= Duration::from_secs(1);
        let mut more = busy.replace("100000000", "200000000");
        assert!(f.why_stop(&more).unwrap().contains("frames a second"));
        more = more.replace("200000000", "200000001");
        f.last.as_mut().unwrap().0 -= Duration::from_secs(1);
        f.past = 0;
        assert_eq!(f.why_stop(&more), None);
        assert!(f.due() > Instant::now() + EVERY);
    }

    /// The bound is past what a node was measured to pass, and below the
    /// slowest loop measured.
    const _: () = assert!(FRAMES_BOUND > 634_000 && FRAMES_BOUND < 1_250_000);
}
