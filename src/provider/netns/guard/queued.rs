//! Packets a node's netfilter queues hold (`-j NFQUEUE`, `nfnetlink_queue`)
//! and the groups its processes log packets to (`-j NFLOG`,
//! `nfnetlink_log`): counted at every sweep, and past the bound the
//! processes that hold the fullest queues, or listen on the most groups,
//! are killed, which drops what they held.
//!
//! Why: a packet waiting for a userspace verdict is kernel memory charged to
//! no one, and the queue's owner sets its length (up to 2^32 packets of up
//! to 64 KiB; 65,536 queues a namespace): probe21n queued 50,000 datagrams
//! of 60,000 bytes on 127.0.0.1, 4.6 GB of the host's, while node1 used
//! 6.9 MB. Only the queue's owner may give a verdict or shorten it. A
//! group's listener sets how much it buffers (up to 256 KB of packets,
//! held until a threshold or a timeout it also sets): probe21t's 1000
//! groups held 255 MB of the host's, node1 5.6 MB.
//!
//! How: the kernel lists a namespace's queues with their owners' netlink
//! port ids and lengths in `nfnetlink_queue` (its groups with their
//! listeners' in `nfnetlink_log`), and its netlink sockets with
//! their port ids and inodes in `netlink`; the guard opens both inside each
//! node and reads them at each sweep. Past
//! [`table_bounds::PACKETS_A_NODE_QUEUES`] the fullest queues' owners are
//! found by the socket's inode among the node's processes' descriptors and
//! killed. What a node queues between two sweeps is a second's worth.

#[cfg(doc)]
use super::super::table_bounds;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

const QUEUES: &str = "/proc/thread-self/net/netfilter/nfnetlink_queue";
const LOGS: &str = "/proc/thread-self/net/netfilter/nfnetlink_log";
const SOCKETS: &str = "/proc/thread-self/net/netlink";
/// `NETLINK_NETFILTER`, the protocol of a queue's owner.
const NETFILTER: u32 = 12;
/// The most of either file read (a node with more queues than fit has far
/// more than the bound queued, or none).
const MOST_BYTES: u64 = 4 << 20;

/// A node's lists of queues, NFLOG groups (none on a kernel without
/// nfnetlink_log) and netlink sockets, open.
pub struct Queued {
    queues: File,
    logs: Option<File>,
    sockets: File,
}

fn read_all(f: &mut File) -> io::Result<String> {
    f.seek(SeekFrom::Start(0))?;
    let mut s = String::new();
    f.take(MOST_BYTES).read_to_string(&mut s)?;
    Ok(s)
}

/// The queues of `nfnetlink_queue` text: `(owner's port id, packets)`.
fn queues(text: &str) -> Vec<(u32, u64)> {
    text.lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            Some((w.get(1)?.parse().ok()?, w.get(2)?.parse().ok()?))
        })
        .collect()
}

/// The inode of the netfilter socket of port id `port`, in `netlink` text
/// (`sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode`).
fn socket_of(text: &str, port: u32) -> Option<u32> {
    text.lines().skip(1).find_map(|l| {
        let w: Vec<&str> = l.split_whitespace().collect();
        let eth: u32 = w.get(1)?.parse().ok()?;
        let pid: u32 = w.get(2)?.parse().ok()?;
        (eth == NETFILTER && pid == port).then(|| w.get(9)?.parse().ok())?
    })
}

impl Queued {
    /// Open both lists of the namespace the calling thread is in.
    pub fn open() -> io::Result<Queued> {
        Ok(Queued {
            queues: File::open(QUEUES)?,
            logs: File::open(LOGS).ok(),
            sockets: File::open(SOCKETS)?,
        })
    }

    /// The packets queued, and the inodes of the sockets to take away so
    /// that at most `bound` stay (the fullest queues' owners first).
    pub fn past_bound(&mut self, bound: u64) -> io::Result<(u64, Vec<u32>)> {
        let qs = queues(&read_all(&mut self.queues)?);
        let held: u64 = qs.iter().map(|q| q.1).sum();
        let owners = super::biggest_past(&qs, bound);
        Ok((held, self.sockets_of(owners)?))
    }

    /// The NFLOG groups listened on, and the inodes of the sockets to take
    /// away so that at most `bound` stay (the owners of the most first).
    pub fn groups_past_bound(&mut self, bound: u64) -> io::Result<(u64, Vec<u32>)> {
        let Some(logs) = self.logs.as_mut() else {
            return Ok((0, Vec::new()));
        };
        let groups = queues(&read_all(logs)?);
        let mut by_owner: Vec<(u32, u64)> = Vec::new();
        for (owner, _) in &groups {
            match by_owner.iter_mut().find(|o| o.0 == *owner) {
                Some(o) => o.1 += 1,
                None => by_owner.push((*owner, 1)),
            }
        }
        let owners = super::biggest_past(&by_owner, bound);
        Ok((groups.len() as u64, self.sockets_of(owners)?))
    }

    /// The inodes of the netfilter sockets of port ids `owners`.
    fn sockets_of(&mut self, owners: Vec<u32>) -> io::Result<Vec<u32>> {
        if owners.is_empty() {
            return Ok(owners);
        }
        let sockets = read_all(&mut self.sockets)?;
        Ok(owners
            .into_iter()
            .filter_map(|p| socket_of(&sockets, p))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fullest_queues_owners_are_found_by_port() {
        let q = "    8   4242 50000 2 65535     0     0    50000  1\n    9   4243     3 2 65535     0     0        3  1\n";
        assert_eq!(queues(q), [(4242, 50000), (4243, 3)]);
        let n = "sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode\n\
                 0000000000000000 0   4242       00000000 0        0        0     2        0        111\n\
                 0000000000000000 12  4242       00000000 0        0        0     2        0        222\n\
                 0000000000000000 12  4243       00000000 0        0        0     2        0        333\n";
        assert_eq!(socket_of(n, 4242), Some(222));
        assert_eq!(socket_of(n, 4243), Some(333));
        assert_eq!(socket_of(n, 9), None);
    }
}
