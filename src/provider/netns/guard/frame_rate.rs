//! The frames a node's devices pass each second: a node past
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
//! passes frames through the node's devices, which count them.
//!
//! How: `/proc/net/dev` of the node's namespace (opened inside it, as
//! [`super::multicast`]'s file, and listing every device whatever its
//! netlink message's size) is read every [`EVERY`], not at the sweep: a
//! bridges' loop floods the guard with neighbour events, whose losses make
//! its sweeps slow and put the next off (under other tests' load a loop ran
//! 4.5 s without two sweeps stopping it; read so, it is stopped 0.7 to
//! 1.4 s after it begins); each device's received
//! and sent packets since the last read, summed over the devices and
//! divided by the time between, is the node's rate. A device new since the
//! last read counts its whole count (it starts at zero); one gone counts
//! nothing. Removing the namespace removes the loop's devices, and ends it.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::time::{Duration, Instant};

/// The most frames a second a node's devices may pass, received and sent
/// summed over them all, for longer than a sweep. Measured here (2 cores,
/// shared with other builds), as fast as a C sender in node1 could, TCP
/// with `TCP_NODELAY`: 634,000 with 100-byte writes to node1's pod (its
/// receiver outside the node's CPU quota), 254,000 with 1400-byte ones,
/// 129,000 with 64 KiB ones (3.6 GB/s); 216,000 at most to node2; python's
/// 100-byte writes 520,000. The loops made 1.25 to 2.4 M (two bridges, one
/// ARP broadcast: about a host core) and 4.5 to 6.9 M (a netdev `fwd`
/// pair); with other tests busy on both cores, a bound of 1 M read at the
/// sweep missed the bridges' loop once in 4.5 s. With both ends of a flow inside the node's one-core quota
/// it passes less than the 634,000 above (measured with the receiver
/// outside it). The count follows the softirq work a frame costs (one
/// count a device it passes): a loop held below the bound costs the host
/// up to about half a core, and stops when its node goes.
pub const FRAMES_BOUND: u64 = 800_000;

/// Looks in a row past the bound that stop a node.
const SWEEPS_PAST: u32 = 2;

/// How often the counters are read.
pub const EVERY: Duration = Duration::from_millis(500);

/// Each device's received and sent packets in the text of `/proc/net/dev`.
fn counts(text: &str) -> HashMap<String, u64> {
    text.lines()
        .skip(2)
        .filter_map(|l| {
            let (dev, rest) = l.split_once(':')?;
            let f: Vec<u64> = rest
                .split_whitespace()
                .map(|x| x.parse().unwrap_or(0))
                .collect();
            Some((dev.trim().to_string(), f.get(1)? + f.get(9)?))
        })
        .collect()
}

/// The frames passed from `before` to `now`, each device on its own.
fn passed(before: &HashMap<String, u64>, now: &HashMap<String, u64>) -> u64 {
    now.iter()
        .map(|(dev, n)| n.saturating_sub(before.get(dev).copied().unwrap_or(0)))
        .sum()
}

/// A node's device counters, read from its namespace's `/proc/net/dev`.
pub struct FrameRate {
    file: File,
    last: Option<(Instant, HashMap<String, u64>)>,
    past: u32,
    text: String,
}

impl FrameRate {
    /// The calling thread's namespace's.
    pub fn open() -> io::Result<FrameRate> {
        Ok(FrameRate {
            file: File::open("/proc/thread-self/net/dev")?,
            last: None,
            past: 0,
            text: String::new(),
        })
    }

    /// When the counters are next to be read.
    pub fn due(&self) -> Instant {
        self.last
            .as_ref()
            .map_or_else(Instant::now, |(t, _)| *t + EVERY)
    }

    /// Read the counters if due: why to stop the node, if its devices
    /// passed more than the bound since each of the last [`SWEEPS_PAST`]
    /// reads.
    pub fn why_stop(&mut self) -> Option<String> {
        if self.due() > Instant::now() {
            return None;
        }
        self.text.clear();
        let mut f = &self.file;
        if f.seek(SeekFrom::Start(0)).is_err() || f.read_to_string(&mut self.text).is_err() {
            return None;
        }
        let now = (Instant::now(), counts(&self.text));
        let (then, before) = self.last.replace(now)?;
        let (at, after) = self.last.as_ref().expect("just put");
        let secs = at.duration_since(then).as_secs_f64().max(0.001);
        let rate = (passed(&before, after) as f64 / secs) as u64;
        self.past = if rate > FRAMES_BOUND {
            self.past + 1
        } else {
            0
        };
        (self.past >= SWEEPS_PAST).then(|| {
            format!(
                "its network devices passed {rate} frames a second, past the bound of \
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

    #[test]
    fn received_and_sent_packets_of_each_device() {
        let c = counts(DEV);
        assert_eq!(c["lo"], 12);
        assert_eq!(c["cni0"], 320);
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn a_device_gone_counts_nothing_and_a_new_one_all() {
        let before = counts(DEV);
        let mut now = before.clone();
        now.remove("cni0");
        now.insert("l1a".into(), 1000);
        *now.get_mut("lo").unwrap() += 5;
        assert_eq!(passed(&before, &now), 1005);
        // Counters that went down (a device made again) count nothing.
        assert_eq!(passed(&now, &before), 320);
    }

    /// The bound is past what a node was measured to pass, and below the
    /// slowest loop measured.
    const _: () = assert!(FRAMES_BOUND > 634_000 && FRAMES_BOUND < 1_250_000);
}
