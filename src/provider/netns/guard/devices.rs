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
//! How: the node's device list, `/proc/thread-self/net/dev` opened inside
//! it, is read again (up to one line past the bound) after each receive
//! that told of a device made or changed, after events were lost, and at
//! every sweep. A node past the bound is stopped: removing its namespace
//! removes its devices, those made while the guard looked included.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

/// Where the kernel lists a namespace's devices (opened inside it): two
/// lines of headings, then one line a device.
const LIST: &str = "/proc/thread-self/net/dev";
const HEADINGS: usize = 2;

/// A node's list of devices, open.
pub struct Devices {
    list: File,
    /// Events told of a device made or changed, or were lost, since the
    /// last count.
    pub changed: bool,
}

impl Devices {
    /// Open the list of the namespace the calling thread is in.
    pub fn open() -> io::Result<Devices> {
        Ok(Devices {
            list: File::open(LIST)?,
            changed: false,
        })
    }

    /// How many devices the node has, read up to one past `bound`.
    pub fn count(&mut self, bound: usize) -> io::Result<usize> {
        self.changed = false;
        self.list.seek(SeekFrom::Start(0))?;
        let mut lines = 0;
        let mut buf = [0u8; 16 << 10];
        loop {
            let n = match self.list.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            lines += buf[..n].iter().filter(|&&b| b == b'\n').count();
            if lines > bound + HEADINGS {
                break;
            }
        }
        Ok(lines.saturating_sub(HEADINGS))
    }
}

/// Why a node holding `devices` must be stopped, past `bound`.
pub fn why_stop(devices: usize, bound: usize) -> Option<String> {
    (devices > bound).then(|| {
        format!(
            "{devices} network devices or more, past the bound of {bound} (each keeps about \
             14 KB of the host's outside the node's limit, and removing many at once holds the \
             host's network lock)"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_devices_of_the_namespace_are_counted_without_their_headings() {
        let mut d = Devices::open().unwrap();
        let n = d.count(usize::MAX - HEADINGS).unwrap();
        let listed = std::fs::read_to_string(LIST).unwrap().lines().count() - HEADINGS;
        assert_eq!(n, listed);
        assert!(n >= 1, "lo at least");
        assert!(!d.changed);
        assert_eq!(why_stop(n, n), None);
        assert!(why_stop(n + 1, n).unwrap().contains("past the bound"));
    }
}
