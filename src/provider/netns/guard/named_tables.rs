//! The tables a node's netfilter matches make by name (`iptables -m
//! hashlimit --hashlimit-name N`, `-m recent --name N`): counted at every
//! sweep, and a node past a kind's bound is stopped, since only removing
//! their rules frees them.
//!
//! Why: each differently named table is memory the kernel charges to no
//! one, kept while a rule uses it, and no event tells of one; the guard
//! cannot remove a rule. A hashlimit table is an array of buckets whose
//! size the rule chooses (`--hashlimit-htable-size`, up to 1,048,576: 8
//! MiB; probe21o: 20 rules, 205 MB of the host's, the node charged 0.56
//! MB). A recent table keeps 100 addresses with up to 255 times each, made
//! on the packet path (probe21t: 500 tables, 197 MB, the node charged 4
//! MB, about 400 KB a table from a rule of about 1 KB).
//!
//! How: the kernel lists a namespace's tables by name, a file each, in
//! `/proc/net/ipt_hashlimit`, `ip6t_hashlimit` and `xt_recent`, which the
//! guard opens inside each node and lists again through what it opened at
//! each sweep. A node past a bound is stopped as one past its routing
//! tables is (see [`super::route_tables`]).

use super::super::table_bounds;
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

/// A kind of named table: what it is called, where the kernel lists a
/// namespace's (opened inside it), and how many a node keeps.
pub struct Kind {
    pub name: &'static str,
    folders: &'static [&'static str],
    pub bound: usize,
    /// Why only stopping the node frees them, for the guard's log.
    pub why: &'static str,
}

/// Every kind, counted at every sweep.
pub const KINDS: [Kind; 2] = [
    Kind {
        name: "hashlimit",
        folders: &[
            "/proc/thread-self/net/ipt_hashlimit",
            "/proc/thread-self/net/ip6t_hashlimit",
        ],
        bound: table_bounds::HASHLIMIT_TABLES_A_NODE_KEEPS,
        why: "each up to 8 MiB of buckets charged to no one",
    },
    Kind {
        name: "recent",
        folders: &["/proc/thread-self/net/xt_recent"],
        bound: table_bounds::RECENT_TABLES_A_NODE_KEEPS,
        why: "each about 400 KB charged to no one",
    },
];

/// A node's lists of named tables, open (those the kernel has), by kind.
pub struct NamedTables(Vec<(&'static Kind, Vec<File>)>);

impl NamedTables {
    /// Open the lists of the namespace the calling thread is in; `Err`
    /// where the kernel has none (no such match: nothing to count).
    pub fn open() -> io::Result<NamedTables> {
        let open: Vec<(&'static Kind, Vec<File>)> = KINDS
            .iter()
            .map(|k| {
                let folders = k.folders.iter().filter_map(|f| File::open(f).ok());
                (k, folders.collect::<Vec<File>>())
            })
            .filter(|(_, f)| !f.is_empty())
            .collect();
        if open.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "no named tables listed",
            ));
        }
        Ok(NamedTables(open))
    }

    /// The first kind the node has more tables of than its bound, with
    /// how many.
    pub fn past_bound(&self) -> Option<(&'static Kind, usize)> {
        self.0.iter().find_map(|(kind, folders)| {
            let n: usize = folders.iter().filter_map(|f| entries(f).ok()).sum();
            (n > kind.bound).then_some((*kind, n))
        })
    }
}

/// The entries of the open folder `f` (but `.` and `..`), listed anew.
fn entries(f: &File) -> io::Result<usize> {
    // SAFETY: a descriptor of ours, duplicated for the listing to own.
    let fd = unsafe { libc::fcntl(f.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the duplicate is handed to the listing, which closes it.
    let dir = unsafe { libc::fdopendir(fd) };
    if dir.is_null() {
        let e = io::Error::last_os_error();
        // SAFETY: the duplicate was not taken.
        unsafe { libc::close(fd) };
        return Err(e);
    }
    let mut n = 0;
    // SAFETY: a listing of ours, read to its end and closed once.
    unsafe {
        libc::rewinddir(dir);
        loop {
            let e = libc::readdir(dir);
            if e.is_null() {
                break;
            }
            let name = std::ffi::CStr::from_ptr((*e).d_name.as_ptr()).to_bytes();
            if name != b"." && name != b".." {
                n += 1;
            }
        }
        libc::closedir(dir);
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_folders_entries_are_counted_anew_at_each_listing() {
        let d = tempfile::tempdir().unwrap();
        let f = std::fs::File::open(d.path()).unwrap();
        assert_eq!(super::entries(&f).unwrap(), 0);
        for name in ["a", "b", "c"] {
            std::fs::write(d.path().join(name), "").unwrap();
        }
        assert_eq!(super::entries(&f).unwrap(), 3);
        std::fs::remove_file(d.path().join("b")).unwrap();
        assert_eq!(super::entries(&f).unwrap(), 2);
    }
}
