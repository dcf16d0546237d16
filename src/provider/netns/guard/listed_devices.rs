//! A node's network devices as its own `/proc/net/dev` lists them: every
//! device, whatever the size of its link message. A link dump cannot: one
//! device whose message is past a dump message's 32 KB (260 alternative
//! names of 120 characters) ends the dump early with no error, hiding
//! itself and every device made after it (probe21ae: two veth pairs of
//! 4096 queues, 61 MB of the host's, ran on unseen). A node whose dump
//! falls short of the list, read before and after it, at two dumps in a
//! row is stopped (one short dump may be a device made and removed while
//! the guard looked).
//!
//! The one owner of the node's `/proc/net/dev`: [`super::frame_rate`]
//! reads its counters through [`ListedDevices::read`].

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

/// Dumps in a row that may fall short before the node is stopped.
const SHORT_DUMPS: u32 = 2;

/// The node's `/proc/net/dev`, opened in its namespace (a `/proc` file of
/// the network stays bound to the namespace it was opened in).
pub struct ListedDevices {
    file: File,
    /// Dumps in a row that fell short of the list.
    short: u32,
}

impl ListedDevices {
    /// Open it in the namespace the calling thread is in.
    pub fn open() -> io::Result<ListedDevices> {
        Ok(ListedDevices {
            file: File::open("/proc/thread-self/net/dev")?,
            short: 0,
        })
    }

    /// The whole list now, into `text` (cleared first): each device's
    /// counters as well.
    pub fn read(&self, text: &mut String) -> io::Result<()> {
        use std::io::{Read, Seek, SeekFrom};
        text.clear();
        let mut f = &self.file;
        f.seek(SeekFrom::Start(0))?;
        f.read_to_string(text).map(|_| ())
    }

    /// How many devices the list has now.
    pub fn count(&self, buf: &mut [u8]) -> io::Result<usize> {
        let (mut at, mut lines) = (0u64, 0usize);
        loop {
            let n = self.file.read_at(buf, at)?;
            if n == 0 {
                // Two lines of headings.
                return Ok(lines.saturating_sub(2));
            }
            lines += buf[..n].iter().filter(|b| **b == b'\n').count();
            at += n as u64;
        }
    }

    /// How many devices the list showed, read before and after it, that a
    /// dump of `dumped` devices did not, when it is the second dump in a
    /// row that fell short (0 otherwise).
    pub fn hidden(&mut self, before: usize, dumped: usize, after: usize) -> usize {
        let missing = before.min(after).saturating_sub(dumped);
        self.short = if missing > 0 { self.short + 1 } else { 0 };
        if self.short >= SHORT_DUMPS {
            missing
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dump short of the list twice in a row tells of what it hid; once
    /// (a device made and removed while the guard looked), or a device
    /// made or removed between the two reads, does not.
    #[test]
    fn a_dump_short_of_the_list_twice_in_a_row_hides_devices() {
        let mut l = ListedDevices::open().expect("this thread's /proc/net/dev");
        assert_eq!(l.hidden(8, 7, 8), 0);
        assert_eq!(l.hidden(8, 7, 9), 1);
        assert_eq!(l.hidden(9, 9, 9), 0);
        assert_eq!(l.hidden(9, 8, 8), 0);
        assert_eq!(l.hidden(8, 8, 8), 0);
        assert_eq!(l.hidden(9, 6, 8), 0);
        assert_eq!(l.hidden(10, 6, 12), 4);
    }

    /// The list is this namespace's devices: loopback at least, as many as
    /// its lines past the two headings, read again from the start.
    #[test]
    fn the_list_counts_the_namespaces_devices() {
        let l = ListedDevices::open().expect("this thread's /proc/net/dev");
        let mut buf = [0u8; 64];
        let n = l.count(&mut buf).expect("read");
        let text = std::fs::read_to_string("/proc/thread-self/net/dev").expect("read");
        assert!(n >= 1);
        assert_eq!(n, text.lines().count() - 2);
        assert_eq!(l.count(&mut buf).expect("read again"), n);
        let mut read = String::from("old");
        l.read(&mut read).expect("read whole");
        assert_eq!(read.lines().count() - 2, n);
        assert!(read.contains("lo:"));
    }
}
