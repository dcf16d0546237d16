//! The host uids and gids of a lab's nodes and pods: a range of its own,
//! chosen at `up`, recorded in the lab's state and in its host-wide claim
//! (so two labs never share one, and `destroy` and every later command read
//! it, never compute it again).
//!
//! Each node's and pod's user namespace maps its uids and gids 0..65535 to
//! the range's first half ([`Ids::map`]): a node's root is an unprivileged
//! host uid, so the kernel's per-user counters that go by the host uid
//! (epoll watches, pipe buffer pages, file descriptors in flight on unix
//! sockets) count against the lab's uids, never the host root's or a host
//! user's, and root in a node is no one on the host for permission checks
//! (`/proc/slabinfo`, root-only files of `/sys`: the host root's files are
//! `nobody` there). The counters the kernel keeps per user namespace
//! (inotify instances and watches, POSIX message queue bytes) are charged
//! to the *owner* of the namespace as well, so each namespace is owned by
//! a uid of the range's second half ([`Ids::owner`]), not by root.
//!
//! No host account and no `/etc/subuid` or `/etc/subgid` allocation may
//! hold a uid or gid of the range ([`choose`]): the owner of a user
//! namespace has every capability in it (a host account with that uid was
//! root in the node when owners were fixed numbers: the fifteenth probe of
//! issue 21), and a host user with a node's uid could signal or trace its
//! processes. The range is one per lab, not per node: every node's `/`
//! starts from the lab's one `rootfs`, whose owner must be mapped in each
//! node; a node can therefore use up the epoll watches of its lab's uids
//! (its own lab's, never the host's), while inotify and message queues go
//! by each namespace's own owner.

use crate::error::{LabError, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// How many uids (gids) a node sees: 0..65535 (root, sshd's privilege
/// separation user, www-data, nobody = 65534).
pub const MAPPED: u32 = 0x1_0000;

/// A lab's range: the mapped uids, then as many namespace owners.
pub const BLOCK: u32 = 2 * MAPPED;

/// The first candidate: above SSSD's default ID mapping (200000 to
/// 2000200000), which hands such uids to directory accounts that no
/// `/etc/passwd` lists.
pub const FIRST: u32 = 0x7740_0000;

/// The end of the candidates: systemd's "foreign" range begins here, and
/// from 2^31 on some tools read uids as negative.
pub const END: u32 = 0x7FFE_0000;

/// The lab's range, by its first uid (gid): the same number for both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ids {
    pub base: u32,
}

impl Ids {
    /// The host uid (gid) of `id` in a node.
    pub fn host(&self, id: u32) -> u32 {
        self.base + id
    }

    /// A node's root on the host.
    pub fn root(&self) -> u32 {
        self.base
    }

    /// `uid_map`'s (and `gid_map`'s) line: 0..65535 to the range.
    pub fn map(&self) -> String {
        format!("0 {} {MAPPED}\n", self.base)
    }

    /// The host uid that owns the user namespace of the network namespace
    /// `name`: one of the range's second half, by the name's FNV-1a hash
    /// (two namespaces of a lab whose names hash alike share their inotify
    /// and message queue counters; nothing else).
    pub fn owner(&self, name: &str) -> u32 {
        let mut h: u32 = 0x811c_9dc5;
        for b in name.bytes() {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
        self.base + MAPPED + (h % MAPPED)
    }

    /// Give `path` (not following a link) to the node's `uid`:`gid`.
    pub fn chown(&self, path: &Path, uid: u32, gid: u32) -> Result<()> {
        std::os::unix::fs::lchown(path, Some(self.host(uid)), Some(self.host(gid)))
            .map_err(|e| LabError::io(format!("giving {} to the lab's uids", path.display()), e))
    }

    /// Give `path` and everything under it (links not followed) to the
    /// node's ids of their owners: host uid (gid) `u` becomes `base + u`
    /// (the files `lab` made are root's: they become the node root's).
    pub fn chown_tree(&self, path: &Path) -> Result<()> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::symlink_metadata(path)
            .map_err(|e| LabError::io(format!("reading {}", path.display()), e))?;
        let shift = |id: u32| if id < MAPPED { id } else { 0 };
        if m.uid() < self.base || m.uid() >= self.base + MAPPED {
            self.chown(path, shift(m.uid()), shift(m.gid()))?;
        }
        if m.is_dir() {
            for e in std::fs::read_dir(path)
                .map_err(|e| LabError::io(format!("reading {}", path.display()), e))?
            {
                let e = e.map_err(|e| LabError::io(format!("reading {}", path.display()), e))?;
                self.chown_tree(&e.path())?;
            }
        }
        Ok(())
    }
}

/// The ids (third field) of `passwd`- or `group`-shaped text.
fn ids_of(text: &str) -> impl Iterator<Item = u32> + '_ {
    text.lines()
        .filter_map(|l| l.split(':').nth(2))
        .filter_map(|f| f.trim().parse().ok())
}

/// The ranges (first, count) of `subuid`- or `subgid`-shaped text.
fn ranges_of(text: &str) -> impl Iterator<Item = (u64, u64)> + '_ {
    text.lines().filter_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        Some((
            f.get(1)?.trim().parse().ok()?,
            f.get(2)?.trim().parse().ok()?,
        ))
    })
}

/// The host's account files, as [`choose`] reads them.
#[derive(Debug, Default, Clone)]
pub struct HostIds {
    pub passwd: String,
    pub group: String,
    pub subuid: String,
    pub subgid: String,
}

impl HostIds {
    pub fn read() -> HostIds {
        let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
        HostIds {
            passwd: read("/etc/passwd"),
            group: read("/etc/group"),
            subuid: read("/etc/subuid"),
            subgid: read("/etc/subgid"),
        }
    }
}

/// The first range of [`BLOCK`] ids from [`FIRST`], below [`END`], that
/// holds no uid of `host.passwd`, no gid of `host.group`, meets no
/// allocation of `host.subuid` or `host.subgid`, and is not one of `taken`
/// (other labs' bases); `None` when every candidate is used.
pub fn choose(host: &HostIds, taken: &[u32]) -> Option<Ids> {
    let mut used: Vec<(u64, u64)> = ids_of(&host.passwd)
        .chain(ids_of(&host.group))
        .map(|id| (u64::from(id), 1))
        .chain(ranges_of(&host.subuid))
        .chain(ranges_of(&host.subgid))
        .chain(taken.iter().map(|&b| (u64::from(b), u64::from(BLOCK))))
        .collect();
    used.sort_unstable();
    let mut base = u64::from(FIRST);
    while base + u64::from(BLOCK) <= u64::from(END) {
        let end = base + u64::from(BLOCK);
        match used
            .iter()
            .find(|&&(first, count)| first < end && first + count > base)
        {
            None => return Some(Ids { base: base as u32 }),
            // Past what it meets, on the next block boundary.
            Some(&(first, count)) => {
                let past = first + count;
                let step = u64::from(BLOCK);
                base = (past.max(base + 1) - u64::from(FIRST)).div_ceil(step) * step
                    + u64::from(FIRST);
            }
        }
    }
    None
}

/// How long [`reserve`] waits for another `lab` to let go of the ranges'
/// lock: each holds it for the time it takes to read the claims and the
/// host's account files (milliseconds), so a longer hold is a stuck or
/// hostile holder, which `up` names rather than waits for.
pub const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Open (making it) and lock the ranges' lock file `path`, trying for at
/// most `wait`; a signal ends the wait ([`LabError::Interrupted`], exit
/// 130). The file is root's and 0600 (opened `O_NOFOLLOW`, made 0600; one
/// an older `lab` made 0644 is made 0600): no host user can open it and
/// hold every `up` (the eighteenth probe of issue 21); a link, a folder or
/// a file of another owner there is refused, not used.
pub fn lock_ids(path: &Path, wait: std::time::Duration) -> Result<std::fs::File> {
    use crate::state::lock::{open_private, real_holder, take_within};
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| LabError::io(format!("creating {}", dir.display()), e))?;
    }
    let lock = open_private(path)?;
    if take_within(&lock, path, wait)? {
        return Ok(lock);
    }
    Err(LabError::Held {
        what: format!("{} (the lock on the host's uid ranges)", path.display()),
        holder: real_holder(path),
    })
}

/// Choose the lab `name`'s range among every claim's of this host (of
/// every claims' folder: `reservations`) and record it in its claim (made
/// by `take_name`) and host-wide, under a lock on the claims' folder and
/// the host-wide one: two `up`s at once never get the same one. A claim that
/// holds a range already keeps it.
pub fn reserve(name: &str) -> Result<Ids> {
    use super::reservations;
    use crate::state::claim;
    let lock_path = claim::root().join(".ids.lock");
    let _lock = lock_ids(&lock_path, LOCK_WAIT)?;
    // Uids are host-wide: the claims of every folder count (see
    // `reservations`), under the host-wide lock as well.
    let host_dir = Path::new(reservations::DIR);
    let _host_lock = reservations::lock(host_dir)?;
    let Some(mine) = claim::read(name) else {
        return Err(LabError::Internal(format!(
            "lab '{name}' has no claim to record its uids in"
        )));
    };
    if let Some(base) = mine.ids {
        return Ok(Ids { base });
    }
    let taken: Vec<u32> = claim::all()
        .into_iter()
        .filter(|c| c.name != name)
        .filter_map(|c| c.ids)
        .chain(reservations::live(host_dir))
        .chain(reservations::default_claims())
        .collect();
    let Some(ids) = choose(&HostIds::read(), &taken) else {
        return Err(LabError::Unavailable {
            provider: "netns".into(),
            why: format!(
                "no range of {BLOCK} host uids and gids between {FIRST} and {END} is free for the lab's nodes (each lab needs one that no host account, /etc/subuid or /etc/subgid allocation and no other lab ({} up) uses); destroy a lab, or free such a range",
                taken.len()
            ),
        });
    };
    claim::update(&claim::Claim {
        ids: Some(ids.base),
        ..mine
    })?;
    reservations::record(host_dir, ids, &claim::path(name))?;
    Ok(ids)
}

/// The range the lab `name`'s state records (`recorded`), once its claim,
/// which [`reserve`] wrote under the ranges' lock, records the same and it
/// lies within [`FIRST`]..[`END`]: a state edited to name another range
/// (uid 0: a pod's root the host's) is refused before anything is made
/// with it (exit 2; the eighteenth probe of issue 21). A state with none
/// is a lab of an older `lab`, whose nodes' root is the host's.
pub fn trusted(name: &str, recorded: Option<Ids>) -> Result<Ids> {
    let Some(ids) = recorded else {
        return Err(LabError::Usage(format!(
            "lab '{name}' was brought up by an older lab, whose nodes' root is the host's: `lab destroy` it and bring it up again"
        )));
    };
    let claimed = crate::state::claim::read(name).and_then(|c| c.ids);
    check(name, ids, claimed)
}

/// [`trusted`]'s rule: `ids` within the candidates and the claim's.
fn check(name: &str, ids: Ids, claimed: Option<u32>) -> Result<Ids> {
    let inside =
        (u64::from(FIRST)..=u64::from(END) - u64::from(BLOCK)).contains(&u64::from(ids.base));
    if inside && claimed == Some(ids.base) {
        return Ok(ids);
    }
    Err(LabError::Untrusted(format!(
        "lab '{name}''s state names the host uids from {} for its nodes, {}: lab will not use it (untrusted state, nothing changed); `lab destroy` it and bring it up again",
        ids.base,
        match claimed {
            _ if !inside => format!("outside the range lab uses ({FIRST} to {END})"),
            Some(c) => format!("but its claim reserved those from {c}"),
            None => "but its claim reserved none".into(),
        }
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(passwd: &str, subuid: &str) -> HostIds {
        HostIds {
            passwd: passwd.into(),
            subuid: subuid.into(),
            ..HostIds::default()
        }
    }

    #[test]
    fn a_host_account_in_a_candidate_range_makes_it_skipped() {
        let plain = "root:x:0:0::/root:/bin/bash\nnobody:x:65534:65534::/:/bin/false\n";
        assert_eq!(choose(&host(plain, ""), &[]), Some(Ids { base: FIRST }));
        // An account (from a directory, copied into passwd) in the first.
        let with = format!("{plain}ldap:x:{}:100::/home/l:/bin/sh\n", FIRST + 70_000);
        assert_eq!(
            choose(&host(&with, ""), &[]),
            Some(Ids {
                base: FIRST + BLOCK
            })
        );
        // A group's gid counts as well.
        let h = HostIds {
            group: format!("g:x:{}:\n", FIRST + BLOCK - 1),
            ..host(plain, "")
        };
        assert_eq!(
            choose(&h, &[]),
            Some(Ids {
                base: FIRST + BLOCK
            })
        );
    }

    #[test]
    fn subordinate_ranges_and_other_labs_are_skipped() {
        // An allocation over the first two blocks and a bit of the third.
        let sub = format!("alice:{}:{}\n", FIRST - 5, 2 * BLOCK + 10);
        let ids = choose(&host("", &sub), &[]).unwrap();
        assert_eq!(ids.base, FIRST + 3 * BLOCK);
        // Another lab's range.
        let ids = choose(&host("", ""), &[FIRST, FIRST + BLOCK]).unwrap();
        assert_eq!(ids.base, FIRST + 2 * BLOCK);
        // subgid counts as subuid does.
        let h = HostIds {
            subgid: format!("bob:{}:1\n", FIRST),
            ..HostIds::default()
        };
        assert_eq!(choose(&h, &[]).unwrap().base, FIRST + BLOCK);
    }

    #[test]
    fn no_free_range_is_none() {
        let sub = format!("all:{}:{}\n", FIRST, END - FIRST);
        assert_eq!(choose(&host("", &sub), &[]), None);
        // The last candidate ends at END, never past it.
        let sub = format!("all:{}:{}\n", FIRST, END - FIRST - BLOCK);
        assert_eq!(choose(&host("", &sub), &[]).unwrap().base, END - BLOCK);
    }

    #[test]
    fn the_ranges_lock_is_private_and_its_wait_bounded() {
        use std::os::unix::fs::PermissionsExt;
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join(".ids.lock");
        // One an older lab made 0644 is made 0600.
        std::fs::write(&path, "").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let held = lock_ids(&path, std::time::Duration::ZERO).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o600);
        // Held (another open file description): the next taker gives up,
        // naming this process.
        let e = lock_ids(&path, std::time::Duration::from_millis(200)).unwrap_err();
        assert_eq!(e.exit_code(), 5, "{e}");
        assert!(
            e.to_string()
                .contains(&format!("PID {}", std::process::id())),
            "{e}"
        );
        drop(held);
        // Let go: taken again (within a wait: a child another test forks
        // holds the file until its exec, longer on a loaded machine).
        assert!(lock_ids(&path, std::time::Duration::from_secs(5)).is_ok());
        // A link there is refused, not followed.
        let link = t.path().join("link.lock");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        assert!(lock_ids(&link, std::time::Duration::ZERO).is_err());
    }

    #[test]
    fn a_state_range_is_used_only_as_its_claim_reserved_it() {
        let ours = Ids {
            base: FIRST + BLOCK,
        };
        assert_eq!(check("l", ours, Some(FIRST + BLOCK)).unwrap(), ours);
        for (ids, claimed) in [
            (Ids { base: 0 }, Some(FIRST + BLOCK)),
            (Ids { base: FIRST }, Some(FIRST + BLOCK)),
            (ours, None),
            // The claim edited as well: still outside the candidates.
            (Ids { base: 0 }, Some(0)),
            (Ids { base: u32::MAX }, Some(u32::MAX)),
            (Ids { base: END }, Some(END)),
        ] {
            let e = check("l", ids, claimed).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{ids:?} {claimed:?}: {e}");
            assert!(e.to_string().contains("untrusted state"), "{e}");
        }
        assert_eq!(trusted("l", None).unwrap_err().exit_code(), 2);
    }

    #[test]
    fn maps_and_owners_stay_in_the_range() {
        let ids = Ids { base: FIRST };
        assert_eq!(ids.map(), format!("0 {FIRST} 65536\n"));
        assert_eq!(ids.host(33), FIRST + 33);
        for n in ["lab.node1", "lab.node2", "", "pod.x"] {
            let o = ids.owner(n);
            assert!((FIRST + MAPPED..FIRST + BLOCK).contains(&o), "{o}");
        }
        assert_ne!(ids.owner("lab.node1"), ids.owner("lab.node2"));
    }
}
