//! The multicast groups a node's sockets joined (`IP_ADD_MEMBERSHIP`,
//! `IPV6_JOIN_GROUP`, and their source filters): counted at every sweep, and
//! a node past
//! [`MEMBERSHIPS_A_NODE_KEEPS`](super::super::table_bounds::MEMBERSHIPS_A_NODE_KEEPS)
//! is stopped.
//!
//! Why: joining a group needs no capability (any process of a node or a pod
//! may), 20 groups a socket, and most of what it costs the kernel is charged
//! to no one: probe21ap joined 400,000 memberships over 100 veths in 4.9 s,
//! +185 MB of the host's slab while the node was charged 61 MB, and each
//! source filter adds more. No event tells of a membership, and only its
//! socket can leave the group: the guard counts them where the kernel lists
//! them and stops the node (its processes' sockets go with it).
//!
//! How: `/proc/net/igmp` and `igmp6` list each device's groups with how many
//! joined each (the kernel's own joins among them, one a device),
//! `mcfilter` and `mcfilter6` each source filter; all four are opened inside
//! the node once and read again at each sweep, the reading stopping once the
//! count is past the bound.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Seek, SeekFrom};

/// The kernel's lists of a namespace's groups, joiners and sources.
const LISTS: [(&str, Form); 4] = [
    ("/proc/thread-self/net/igmp", Form::Igmp),
    ("/proc/thread-self/net/igmp6", Form::Igmp6),
    ("/proc/thread-self/net/mcfilter", Form::Filter),
    ("/proc/thread-self/net/mcfilter6", Form::Filter),
];

/// How a list tells what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// A device's line (`1\tlo        :     1      V3`), then a line a
    /// group: `\t\t\t\t010000E0     1 0:00000000\t\t0` (group, users, …).
    Igmp,
    /// A line a device and group: index, device, group, users, flags, timer.
    Igmp6,
    /// A header, then a line a source filter.
    Filter,
}

/// What one line of a list `form` counts: the joiners of a group; one a
/// source filter; nothing for a header or a device's line.
fn weight(form: Form, line: &str) -> usize {
    let f: Vec<&str> = line.split_whitespace().collect();
    match form {
        // A group's line starts with a tab and holds the group in hex.
        Form::Igmp if line.starts_with('\t') => f.get(1).and_then(|u| u.parse().ok()).unwrap_or(0),
        Form::Igmp => 0,
        Form::Igmp6 => f.get(3).and_then(|u| u.parse().ok()).unwrap_or(0),
        Form::Filter => usize::from(f.first().is_some_and(|i| i.parse::<u32>().is_ok())),
    }
}

/// A node's lists, open (those the kernel has).
pub struct Memberships(Vec<(File, Form)>);

impl Memberships {
    /// Open the lists of the namespace the calling thread is in; `Err`
    /// where the kernel has none.
    pub fn open() -> io::Result<Memberships> {
        let open: Vec<(File, Form)> = LISTS
            .iter()
            .filter_map(|(path, form)| Some((File::open(path).ok()?, *form)))
            .collect();
        if open.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "no multicast lists",
            ));
        }
        Ok(Memberships(open))
    }

    /// The node's joiners and source filters, counted until past `bound`.
    pub fn count(&self, bound: usize) -> usize {
        let mut n = 0;
        for (file, form) in &self.0 {
            let mut f = file;
            if f.seek(SeekFrom::Start(0)).is_err() {
                continue;
            }
            for line in BufReader::new(f).lines().map_while(Result::ok) {
                n += weight(*form, &line);
                if n > bound {
                    return n;
                }
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(form: Form, text: &str) -> usize {
        text.lines().map(|l| weight(form, l)).sum()
    }

    #[test]
    fn each_list_counts_its_joiners_and_sources() {
        let igmp = "Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter\n\
                    1\tlo        :     1      V3\n\
                    \t\t\t\t010000E0     1 0:00000000\t\t0\n\
                    2\tenp0s8    :     2      V3\n\
                    \t\t\t\t0A0000EF    20 0:00000000\t\t0\n\
                    \t\t\t\t010000E0     1 0:00000000\t\t0\n";
        assert_eq!(total(Form::Igmp, igmp), 22);
        let igmp6 = "1    lo              ff020000000000000000000000000001     1 0000000C 0\n\
                     3    enp0s8          ff0e0000000000000000000000000101     5 00000004 0\n";
        assert_eq!(total(Form::Igmp6, igmp6), 6);
        let filter = "Idx Device        MCA        SRC    INC    EXC\n\
                      3 enp0s8     0xef00000a 0x0a000001      1      0\n\
                      3 enp0s8     0xef00000a 0x0a000002      1      0\n";
        assert_eq!(total(Form::Filter, filter), 2);
    }
}
