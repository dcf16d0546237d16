//! ICMP redirects a node's devices accept: a node that turns them on is
//! stopped.
//!
//! Why: a redirect the kernel accepts makes a route exception (`struct
//! fib_nh_exception`, up to about 14,000 on each of a node's routes) that
//! the host keeps for five minutes, charged to no one. lab keeps
//! `accept_redirects` at 0 (`table_bounds::NAMESPACE_SYSCTLS`), but a node's
//! root may write it, and then redirects it sends itself over loopback make
//! them (probe21y: 800,000 in 11.7 s, 54 MB of the host's over 40 routes,
//! the node charged nothing; as many routes as the guard allows would hold
//! about 400 MB a table). No event tells of the setting: it is read at each
//! sweep and whenever the node's devices are counted ([`super::devices`]).
//!
//! How: the kernel takes a redirect arriving on a device when
//! `IN_DEV_RX_REDIRECTS` holds: on a forwarding device, `all` and the
//! device's `accept_redirects` both; on another, either. The devices'
//! settings come with the link dump (`IFLA_AF_SPEC` › `AF_INET` ›
//! `IFLA_INET_CONF`); `all`'s from its file under `/proc/sys`, opened in
//! the node's namespace (the file reads that namespace's value after).

use super::link_message::LinkMessage;

/// Indices into `IFLA_INET_CONF`'s array (`IPV4_DEVCONF_*` less one).
const FORWARDING: usize = 0;
const ACCEPT_REDIRECTS: usize = 3;

/// `net.ipv4.conf.all.accept_redirects` of the namespace it was opened in.
pub struct All(std::fs::File);

impl All {
    /// Open it in the namespace the calling thread is in.
    pub fn open() -> std::io::Result<All> {
        std::fs::File::open("/proc/sys/net/ipv4/conf/all/accept_redirects").map(All)
    }

    /// Whether it is on; a read that fails counts as on (the devices'
    /// own settings then decide).
    pub fn on(&self) -> bool {
        use std::os::unix::fs::FileExt;
        let mut b = [0u8; 16];
        match self.0.read_at(&mut b, 0) {
            Ok(n) => String::from_utf8_lossy(&b[..n]).trim() != "0",
            Err(_) => true,
        }
    }
}

/// Whether a device takes redirects, as the kernel decides
/// (`IN_DEV_RX_REDIRECTS`).
pub fn accepted(all: bool, forwarding: bool, device: bool) -> bool {
    if forwarding {
        all && device
    } else {
        all || device
    }
}

/// The name of the device a dumped link message `m` tells of, if it takes
/// redirects with `all`.
pub fn accepting(m: &LinkMessage, all: bool) -> Option<String> {
    let conf = m.inet_conf?;
    let value = |i: usize| {
        conf.get(4 * i..4 * i + 4)
            .is_some_and(|v| u32::from_ne_bytes(v.try_into().expect("4 bytes")) != 0)
    };
    accepted(all, value(FORWARDING), value(ACCEPT_REDIRECTS))
        .then(|| String::from_utf8_lossy(m.name).into_owned())
}

/// Why a node whose devices `names` take redirects must be stopped.
pub fn why_stop(names: &[String]) -> Option<String> {
    (!names.is_empty()).then(|| {
        format!(
            "accepts ICMP redirects on {} (net.ipv4.conf.*.accept_redirects, which lab keeps \
             at 0): each redirect makes a route exception the host keeps, outside the node's \
             limit",
            names.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::super::link_message::{IFINFOMSG, IFLA_AF_SPEC, IFLA_IFNAME, IFLA_INET_CONF};
    use super::*;
    use crate::provider::netns::netlink::msg::attr;

    /// `accepting` of the link message of `attributes`.
    fn accepting(attributes: &[u8], all: bool) -> Option<String> {
        let body = [&[0u8; IFINFOMSG][..], attributes].concat();
        super::accepting(&LinkMessage::parse(&body).unwrap(), all)
    }

    fn link(name: &str, forwarding: u32, redirects: u32) -> Vec<u8> {
        let mut conf = [0u32; 30];
        conf[FORWARDING] = forwarding;
        conf[ACCEPT_REDIRECTS] = redirects;
        let conf: Vec<u8> = conf.iter().flat_map(|v| v.to_ne_bytes()).collect();
        let mut inet = Vec::new();
        attr(&mut inet, IFLA_INET_CONF, &conf);
        let mut spec = Vec::new();
        attr(&mut spec, libc::AF_INET as u16, &inet);
        let mut a = Vec::new();
        attr(&mut a, IFLA_IFNAME, format!("{name}\0").as_bytes());
        attr(&mut a, IFLA_AF_SPEC | 0x8000, &spec);
        a
    }

    #[test]
    fn a_device_takes_redirects_as_the_kernel_decides() {
        // Forwarding: `all` and the device; not forwarding: either.
        assert_eq!(accepting(&link("enp0s8", 1, 1), false), None);
        assert_eq!(
            accepting(&link("enp0s8", 1, 1), true).as_deref(),
            Some("enp0s8")
        );
        assert_eq!(accepting(&link("lo", 1, 0), true), None);
        assert_eq!(accepting(&link("lo", 0, 0), true).as_deref(), Some("lo"));
        assert_eq!(accepting(&link("d0", 0, 1), false).as_deref(), Some("d0"));
        assert_eq!(accepting(&link("d0", 0, 0), false), None);
        // No IPv4 settings (a device without IPv4): nothing to take.
        let mut bare = Vec::new();
        attr(&mut bare, IFLA_IFNAME, b"x\0");
        assert_eq!(accepting(&bare, true), None);
        assert!(why_stop(&[]).is_none());
        assert!(
            why_stop(&["lo".into()])
                .unwrap()
                .contains("redirects on lo")
        );
    }

    /// A live read, of the namespace the test runs in.
    #[test]
    fn all_is_read_from_its_file() {
        let all = All::open().unwrap();
        let file = std::fs::read_to_string("/proc/sys/net/ipv4/conf/all/accept_redirects").unwrap();
        assert_eq!(all.on(), file.trim() != "0");
    }
}
