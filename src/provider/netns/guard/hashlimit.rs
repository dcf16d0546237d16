//! A node's `hashlimit` tables (`iptables -m hashlimit --hashlimit-name
//! N`): counted at every sweep, and a node past the bound
//! ([`table_bounds::HASHLIMIT_TABLES_A_NODE_KEEPS`]) is stopped, since
//! only removing their rules frees them.
//!
//! Why: each differently named table is an array of buckets whose size the
//! rule chooses (`--hashlimit-htable-size`, up to 1,048,576: 8 MiB), in
//! memory the kernel charges to no one, kept while a rule uses it (probe21o:
//! 20 rules, 205 MB of the host's, the node charged 0.56 MB). No event
//! tells of one, and the guard cannot remove a rule.
//!
//! How: the kernel lists a namespace's tables by name in its
//! `/proc/net/ipt_hashlimit` and `ip6t_hashlimit` folders, which the guard
//! opens inside each node and lists again through what it opened at each
//! sweep. A node past the bound is stopped as one past its routing tables
//! is (see [`super::route_tables`]).

#[cfg(doc)]
use super::super::table_bounds;
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

/// Where the kernel lists a namespace's tables (opened inside it).
const FOLDERS: [&str; 2] = [
    "/proc/thread-self/net/ipt_hashlimit",
    "/proc/thread-self/net/ip6t_hashlimit",
];

/// A node's lists of hashlimit tables, open (those the kernel has).
pub struct Hashlimit(Vec<File>);

impl Hashlimit {
    /// Open the lists of the namespace the calling thread is in; `Err`
    /// where the kernel has neither (no hashlimit: nothing to count).
    pub fn open() -> io::Result<Hashlimit> {
        let open: Vec<File> = FOLDERS.iter().filter_map(|f| File::open(f).ok()).collect();
        if open.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "no hashlimit tables listed",
            ));
        }
        Ok(Hashlimit(open))
    }

    /// How many tables the node has.
    pub fn count(&self) -> io::Result<usize> {
        let mut n = 0;
        for f in &self.0 {
            n += entries(f)?;
        }
        Ok(n)
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
