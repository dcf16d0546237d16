//! A node's IPv4 routing tables: counted at every sweep, and a node past
//! the bound ([`table_bounds::ROUTING_TABLES_A_NODE_KEEPS`]) is stopped,
//! since only that frees them.
//!
//! Why: root in a node may add a route to any of 2^32 table ids, and the
//! kernel makes the table before it checks the route, so even a route it
//! refuses leaves one (`ip route add 192.0.2.0/24 via 198.51.100.1 table
//! T`: "Nexthop has invalid gateway", and table T stays); `ip rule add`
//! without a table makes a fresh empty one each time. No event tells of a
//! table, none is charged to the node's memory limit (probe21m: 131,000
//! tables, 56 MB of the host's, in a minute), and the kernel frees one only
//! with its namespace.
//!
//! How: the kernel lists every IPv4 table of a namespace, empty or not, in
//! `fib_triestat`, which the guard opens inside each node and reads again
//! at each sweep, stopping at the first table past the bound. A node past
//! it is stopped as a hypervisor stops a VM that broke its limits: every
//! process in its network namespace is killed and the namespace removed,
//! which frees its tables; the guard says so in its log, and the lab is left
//! for `lab destroy` (and `lab verify` finds the node gone). What a node can
//! make between two sweeps is a second's worth.
//!
//! IPv6 tables have no such list: the kernel neither tells of them nor
//! shows an empty one, so they are not bounded here (README says so).

#[cfg(doc)]
use super::super::table_bounds;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

/// Where the kernel lists a namespace's IPv4 tables (opened inside it).
const TRIE_STATS: &str = "/proc/thread-self/net/fib_triestat";

/// A node's list of IPv4 tables, open.
pub struct RouteTables(File);

impl RouteTables {
    /// Open the list of the namespace the calling thread is in.
    pub fn open() -> io::Result<RouteTables> {
        File::open(TRIE_STATS).map(RouteTables)
    }

    /// How many tables the node has, read up to one past `bound` (a node
    /// with a million tables is not read whole).
    pub fn count(&mut self, bound: usize) -> io::Result<usize> {
        self.0.seek(SeekFrom::Start(0))?;
        let mut counter = TableCounter::default();
        let mut buf = vec![0u8; 16 << 10];
        loop {
            let n = match self.0.read(&mut buf) {
                Ok(0) => return Ok(counter.tables),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            counter.feed(&buf[..n]);
            if counter.tables > bound {
                return Ok(counter.tables);
            }
        }
    }
}

/// Counts the tables of `fib_triestat` text fed in pieces: a table starts
/// with a line `Main:`, `Local:` or `Id N:` (its statistics follow,
/// indented).
#[derive(Default)]
struct TableCounter {
    tables: usize,
    line: Vec<u8>,
}

impl TableCounter {
    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if b != b'\n' {
                // A table's line is short; longer ones are statistics.
                if self.line.len() < 32 {
                    self.line.push(b);
                }
                continue;
            }
            if is_table_line(&self.line) {
                self.tables += 1;
            }
            self.line.clear();
        }
    }
}

fn is_table_line(line: &[u8]) -> bool {
    match line {
        b"Main:" | b"Local:" => true,
        _ => line
            .strip_prefix(b"Id ")
            .and_then(|rest| rest.strip_suffix(b":"))
            // The kernel prints the id signed: table 4294967280 is `Id -16:`.
            .map(|id| id.strip_prefix(b"-").unwrap_or(id))
            .is_some_and(|id| !id.is_empty() && id.iter().all(u8::is_ascii_digit)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATS: &str = "Basic info: size of leaf: 40 bytes, size of tnode: 40 bytes.
Main:
\tAver depth:     2.00
\tMax depth:      2
\tLeaves:         3
Local:
\tAver depth:     2.50
\tLeaves:         4
Id 6001:
\tAver depth:     0.00
\tLeaves:         0
Id -16:
\tLeaves:         0
Counters:
---------
gets = 12
";

    #[test]
    fn every_table_is_counted_empty_or_not_in_any_pieces() {
        let mut whole = TableCounter::default();
        whole.feed(STATS.as_bytes());
        assert_eq!(whole.tables, 4);
        for size in [1, 3, 7, 64] {
            let mut c = TableCounter::default();
            for piece in STATS.as_bytes().chunks(size) {
                c.feed(piece);
            }
            assert_eq!(c.tables, 4, "pieces of {size}");
        }
    }

    #[test]
    fn only_a_tables_own_line_starts_one() {
        for line in ["Main:", "Local:", "Id 1:", "Id 2147483647:", "Id -16:"] {
            assert!(is_table_line(line.as_bytes()), "{line}");
        }
        for line in [
            "\tMain:",
            "Id :",
            "Id -:",
            "Id x:",
            "Id 5",
            "Counters:",
            "Main: x",
            "",
        ] {
            assert!(!is_table_line(line.as_bytes()), "{line}");
        }
    }
}
