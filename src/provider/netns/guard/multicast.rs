//! A node's multicast addresses (`ip maddr add`, the `SIOCADDMULTI` ioctl):
//! no event tells of one added, and a VXLAN device's are in no dump, so
//! the guard reads them where the kernel lists them all
//! (`/proc/net/dev_mcast` of the node's namespace) and removes those past
//! the bound with `SIOCDELMULTI`, the one way to remove an address
//! `SIOCADDMULTI` added. What the kernel itself joined (`global_use` 0) is
//! never touched. The file and the socket are opened inside the node's
//! namespace and stay its: a look needs no entering.

use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};

/// The most removals one look makes (the next look makes more).
const AT_ONCE: usize = 100_000;

/// A line of `dev_mcast`: ifindex, device, users, `global_use`, address
/// (hex, no colons). Returns (device, address, whether `ip maddr` added
/// it).
fn listed(line: &str) -> Option<(String, [u8; 6], bool)> {
    let f: Vec<&str> = line.split_whitespace().collect();
    let [_, dev, _, global, hex] = f.as_slice() else {
        return None;
    };
    if hex.len() != 12 {
        return None;
    }
    let mut mac = [0u8; 6];
    for (i, b) in mac.iter_mut().enumerate() {
        *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some((dev.to_string(), mac, *global != "0"))
}

/// (device, address) of a line of an address `ip maddr` added.
fn added_by_hand(line: &str) -> Option<(String, [u8; 6])> {
    listed(line).and_then(|(dev, mac, by_hand)| by_hand.then_some((dev, mac)))
}

/// Given the file twice (its lines, in order), the addresses added by hand
/// to remove so that at most `bound` lines stay: the last ones added by
/// hand (the kernel's own stay, wherever they stand).
pub fn past_bound<I: Iterator<Item = String>>(
    mut read: impl FnMut() -> I,
    bound: usize,
) -> Vec<(String, [u8; 6])> {
    let (mut total, mut by_hand) = (0usize, 0usize);
    for l in read() {
        total += 1;
        by_hand += usize::from(added_by_hand(&l).is_some());
    }
    let excess = total.saturating_sub(bound).min(by_hand);
    if excess == 0 {
        return vec![];
    }
    read()
        .filter_map(|l| added_by_hand(&l))
        .skip(by_hand - excess)
        .take(AT_ONCE)
        .collect()
}

/// Of the lines of `dev_mcast`: the groups the kernel joined itself, and
/// on how many devices.
fn joined_by_kernel(lines: impl Iterator<Item = String>) -> (usize, usize) {
    let mut devices = std::collections::HashSet::new();
    let mut groups = 0;
    for (dev, _, by_hand) in lines.filter_map(|l| listed(&l)) {
        if !by_hand {
            groups += 1;
            devices.insert(dev);
        }
    }
    (groups, devices.len())
}

/// Remove the multicast address `mac` of device `dev` that `SIOCADDMULTI`
/// added, with the socket `s` of the calling thread's namespace.
fn remove(s: libc::c_int, dev: &[u8], mac: [u8; 6]) -> bool {
    if dev.is_empty() || dev.len() >= libc::IFNAMSIZ {
        return false;
    }
    // SAFETY: an ifreq of ours, its name NUL-terminated within IFNAMSIZ.
    unsafe {
        let mut r: libc::ifreq = std::mem::zeroed();
        for (d, b) in r.ifr_name.iter_mut().zip(dev) {
            *d = *b as libc::c_char;
        }
        r.ifr_ifru.ifru_hwaddr.sa_family = libc::AF_UNSPEC as u16;
        for (d, b) in r.ifr_ifru.ifru_hwaddr.sa_data.iter_mut().zip(mac) {
            *d = b as libc::c_char;
        }
        libc::ioctl(s, libc::SIOCDELMULTI, &r) == 0
    }
}

/// A namespace's multicast addresses: its `dev_mcast` and a socket for
/// its ioctls, both opened inside it.
pub struct Multicast {
    list: File,
    socket: std::os::fd::OwnedFd,
}

impl Multicast {
    /// Open the calling thread's namespace's.
    pub fn open() -> std::io::Result<Multicast> {
        let list = File::open("/proc/thread-self/net/dev_mcast")?;
        // SAFETY: a plain socket call, owned at once.
        let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `fd` was just returned by socket(2) and is ours.
        let socket = unsafe { std::os::fd::FromRawFd::from_raw_fd(fd) };
        Ok(Multicast { list, socket })
    }

    fn fd(&self) -> libc::c_int {
        std::os::fd::AsRawFd::as_raw_fd(&self.socket)
    }

    /// The name of device `index` of the namespace.
    pub fn name_of(&self, index: i32) -> Option<Vec<u8>> {
        // SAFETY: an ifreq of ours; the kernel writes a NUL-terminated
        // name within IFNAMSIZ.
        unsafe {
            let mut r: libc::ifreq = std::mem::zeroed();
            r.ifr_ifru.ifru_ifindex = index;
            if libc::ioctl(self.fd(), libc::SIOCGIFNAME, &mut r) != 0 {
                return None;
            }
            Some(
                r.ifr_name
                    .iter()
                    .take_while(|c| **c != 0)
                    .map(|c| *c as u8)
                    .collect(),
            )
        }
    }

    /// Remove the multicast address `mac` of device `dev` that
    /// `SIOCADDMULTI` added.
    pub fn remove(&self, dev: &[u8], mac: [u8; 6]) -> bool {
        remove(self.fd(), dev, mac)
    }

    fn lines(&self) -> impl Iterator<Item = String> + '_ {
        let mut f = &self.list;
        let at_start = f.seek(SeekFrom::Start(0)).is_ok();
        at_start
            .then(|| BufReader::new(f).lines().map_while(Result::ok))
            .into_iter()
            .flatten()
    }

    /// Every address of the devices' own lists, as (device, address): one
    /// there that `SIOCDELMULTI` cannot remove is the kernel's own (a group
    /// it joined, 224.0.0.1 on every device up), which only a removal that
    /// takes the kernel's own reference would take (probe21bn).
    pub fn listed(&self) -> std::collections::HashSet<(Vec<u8>, [u8; 6])> {
        self.lines()
            .filter_map(|l| listed(&l))
            .map(|(dev, mac, _)| (dev.into_bytes(), mac))
            .collect()
    }

    /// The groups the kernel joined itself on the namespace's devices (not
    /// by hand: `global_use` 0), and how many devices those are: what a
    /// stop for the forwarding entries they make names (probe21bq, lesser
    /// 2: each device up joins 224.0.0.1's and ff02::1's by itself).
    pub fn joined_by_kernel(&self) -> (usize, usize) {
        joined_by_kernel(self.lines())
    }

    /// Remove the addresses added by hand past the first `bound`; returns
    /// how many went.
    pub fn trim(&self, bound: usize) -> usize {
        past_bound(|| self.lines(), bound)
            .into_iter()
            .filter(|(dev, mac)| self.remove(dev.as_bytes(), *mac))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_addresses_added_by_hand_past_the_bound_go() {
        let file = "2    enp0s3          1     0     333300000001\n\
                    2    enp0s3          1     1     01005e7e0001\n\
                    4    flannel.1       1     1     01005e7e0002\n\
                    4    flannel.1       1     0     01005e000001\n\
                    4    flannel.1       1     1     01005e7e00\n";
        let lines = || file.lines().map(str::to_string);
        assert_eq!(past_bound(lines, 5), vec![]);
        // Two lines too many: the last two added by hand go, the kernel's
        // own line after them stays.
        assert_eq!(
            past_bound(lines, 3),
            vec![
                ("enp0s3".to_string(), [1, 0, 0x5e, 0x7e, 0, 1]),
                ("flannel.1".to_string(), [1, 0, 0x5e, 0x7e, 0, 2]),
            ]
        );
        assert_eq!(
            past_bound(lines, 4),
            vec![("flannel.1".to_string(), [1, 0, 0x5e, 0x7e, 0, 2])]
        );
        // Never more than were added by hand.
        assert_eq!(past_bound(lines, 0).len(), 2);
        // The kernel's own: two groups, on two devices.
        assert_eq!(joined_by_kernel(lines()), (2, 2));
    }
}
