//! Ops for many namespaces at once: the namespaces spread over a thread per
//! core, each thread entering its namespaces in turn with a socket of each.
//! And the lab's namespaces made and deleted from lab's own process, as
//! `ip netns add`/`del` do it (a file under `/run/netns` that a namespace is
//! bind-mounted on), a thread per core unsharing one after another.

use super::Op;
use super::socket::{Refused, Socket};
use crate::error::{LabError, Result};
use crate::provider::netns::sys::{self, NETNS_DIR, netns_path};
use crate::report::Reporter;
use nix::sched::{CloneFlags, setns, unshare};
use std::fs::File;
use std::path::Path;

/// The ops of one namespace.
#[derive(Debug, Clone)]
pub struct Work {
    pub netns: String,
    pub ops: Vec<Op>,
    /// Every op may fail (deletions of what may be gone).
    pub tolerant: bool,
}

impl Work {
    pub fn new(netns: impl Into<String>, ops: Vec<Op>) -> Work {
        Work {
            netns: netns.into(),
            ops,
            tolerant: false,
        }
    }
    pub fn tolerant(mut self) -> Work {
        self.tolerant = true;
        self
    }
}

/// How many threads share the namespaces: one per core.
fn threads(n: usize) -> usize {
    std::thread::available_parallelism()
        .map(|p| p.get())
        .unwrap_or(2)
        .min(n)
        .max(1)
}

/// `items` dealt to `k` threads in turn (so each gets large and small alike).
fn deal<T>(items: Vec<T>, k: usize) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = (0..k).map(|_| Vec::new()).collect();
    for (i, it) in items.into_iter().enumerate() {
        out[i % k].push(it);
    }
    out
}

/// Run `f` on each share of `items` on its own thread; the first error.
async fn on_threads<T: Send + 'static>(
    items: Vec<T>,
    f: fn(Vec<T>) -> std::result::Result<(), String>,
) -> std::result::Result<(), String> {
    let k = threads(items.len());
    let mut handles = Vec::new();
    for share in deal(items, k) {
        handles.push(sys::on_thread(move || f(share)));
    }
    let mut first = Ok(());
    for h in handles {
        match h.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                if first.is_ok() {
                    first = Err(e);
                }
            }
            Err(e) => {
                if first.is_ok() {
                    first = Err(e.to_string());
                }
            }
        }
    }
    first
}

fn apply_share(works: Vec<Work>) -> std::result::Result<(), String> {
    for w in works {
        let ns = File::open(netns_path(&w.netns))
            .map_err(|e| format!("opening namespace {}: {e}", w.netns))?;
        setns(&ns, CloneFlags::CLONE_NEWNET).map_err(|e| format!("entering {}: {e}", w.netns))?;
        let mut s = Socket::open().map_err(|e| format!("a netlink socket in {}: {e}", w.netns))?;
        let r = (0..w.ops.len())
            .try_for_each(|at| s.push(&w.ops, at, w.tolerant))
            .and_then(|()| s.flush(&w.ops));
        if let Err(Refused { op, error }) = r {
            return Err(format!("in netns {}: `{op}`: {error}", w.netns));
        }
    }
    Ok(())
}

/// Apply every namespace's ops, the namespaces spread over a thread per
/// core; the first refusal (its namespace, op and the kernel's reason) after
/// all have finished.
pub async fn apply(rep: &Reporter, works: Vec<Work>) -> Result<()> {
    let works: Vec<Work> = works.into_iter().filter(|w| !w.ops.is_empty()).collect();
    if works.is_empty() {
        return Ok(());
    }
    let ops: usize = works.iter().map(|w| w.ops.len()).sum();
    rep.log(&format!(
        "netlink: {ops} ops in {} namespaces, {} threads",
        works.len(),
        threads(works.len())
    ));
    on_threads(works, apply_share)
        .await
        .map_err(|message| LabError::Step {
            step: "netlink".into(),
            message,
        })
}

/// `/run/netns` as `ip netns add` leaves it: a mount point with shared
/// propagation, so a namespace mounted there is seen from every mount
/// namespace (nodes', too).
fn prepare_netns_dir() -> std::result::Result<(), String> {
    use nix::mount::{MsFlags, mount};
    std::fs::create_dir_all(NETNS_DIR).map_err(|e| format!("creating {NETNS_DIR}: {e}"))?;
    let shared = || {
        mount(
            Some(""),
            NETNS_DIR,
            Some("none"),
            MsFlags::MS_SHARED | MsFlags::MS_REC,
            None::<&str>,
        )
    };
    match shared() {
        Ok(()) => Ok(()),
        Err(nix::errno::Errno::EINVAL) => {
            mount(
                Some(NETNS_DIR),
                NETNS_DIR,
                Some("none"),
                MsFlags::MS_BIND | MsFlags::MS_REC,
                None::<&str>,
            )
            .map_err(|e| format!("bind-mounting {NETNS_DIR} on itself: {e}"))?;
            shared().map_err(|e| format!("making {NETNS_DIR} shared: {e}"))
        }
        Err(e) => Err(format!("making {NETNS_DIR} shared: {e}")),
    }
}

/// Who owns a new network namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// The host's user namespace (the lab's private network and NAT ends).
    Host,
    /// A user namespace of its own (a node, a pod: see `sys::userns`),
    /// mapping the lab's ids.
    OwnUser(super::super::ids::Ids),
}

type NewNs = (String, Owner, &'static [(&'static str, &'static str)]);

fn add_share(names: Vec<NewNs>) -> std::result::Result<(), String> {
    use nix::mount::{MsFlags, mount};
    use std::os::unix::fs::OpenOptionsExt;
    for (name, owner, settings) in names {
        let path = netns_path(&name);
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o000)
            .open(&path)
            .map_err(|e| format!("creating {}: {e}", path.display()))?;
        let made = match owner {
            Owner::Host => unshare(CloneFlags::CLONE_NEWNET)
                .map_err(|e| format!("a new network namespace for {name}: {e}"))
                .and_then(|()| {
                    mount(
                        Some("/proc/thread-self/ns/net"),
                        &path,
                        Some("none"),
                        MsFlags::MS_BIND,
                        None::<&str>,
                    )
                    .map_err(|e| format!("mounting namespace {name}: {e}"))
                }),
            Owner::OwnUser(ids) => sys::userns::new_owned_netns(&path, ids)
                .map_err(|e| format!("{name}: {e}"))
                .and_then(|ns| {
                    setns(&ns, CloneFlags::CLONE_NEWNET)
                        .map_err(|e| format!("entering {name}: {e}"))
                }),
        };
        if let Err(e) = made {
            let _ = nix::mount::umount2(&path, nix::mount::MntFlags::MNT_DETACH);
            let _ = std::fs::remove_file(&path);
            return Err(e);
        }
        // The thread is inside the new namespace: its net sysctls are these.
        for (key, value) in settings {
            match std::fs::write(Path::new("/proc/sys").join(key), value) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(format!("{}={value} in {name}: {e}", key.replace('/', "."))),
            }
        }
    }
    Ok(())
}

/// Make the namespaces `names` (none may exist), each owned as it says,
/// with the sysctls `settings` set before any interface is made in it.
pub async fn add_namespaces(
    rep: &Reporter,
    names: Vec<(String, Owner)>,
    settings: &'static [(&'static str, &'static str)],
) -> Result<()> {
    if names.is_empty() {
        return Ok(());
    }
    let own = names
        .iter()
        .filter(|(_, o)| matches!(o, Owner::OwnUser(_)))
        .count();
    rep.log(&format!(
        "netns add: {} namespaces ({own} with a user namespace of their own)",
        names.len()
    ));
    sys::on_thread(prepare_netns_dir)
        .await?
        .map_err(|message| LabError::Step {
            step: "namespaces".into(),
            message,
        })?;
    let items: Vec<NewNs> = names.into_iter().map(|(n, o)| (n, o, settings)).collect();
    on_threads(items, add_share)
        .await
        .map_err(|message| LabError::Step {
            step: "namespaces".into(),
            message,
        })
}

/// Delete the namespaces `names` as `ip netns del` does (detach the mount,
/// remove the file): the kernel frees each, and everything in it, once
/// nothing holds it any more. One that is gone already is no error; the
/// names that could not be deleted are returned (and logged).
pub async fn delete_namespaces(rep: &Reporter, names: Vec<String>) -> Result<Vec<String>> {
    if names.is_empty() {
        return Ok(vec![]);
    }
    rep.log(&format!("netns del: {} namespaces", names.len()));
    let left = sys::on_thread(move || {
        let mut left = Vec::new();
        for n in names {
            let path = netns_path(&n);
            let _ = nix::mount::umount2(&path, nix::mount::MntFlags::MNT_DETACH);
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => left.push(format!("{n}: {e}")),
            }
        }
        left
    })
    .await?;
    for l in &left {
        rep.log(&format!("netns del {l}"));
    }
    Ok(left)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_are_dealt_in_turn() {
        assert_eq!(
            deal(vec![1, 2, 3, 4, 5], 2),
            vec![vec![1, 3, 5], vec![2, 4]]
        );
        assert_eq!(deal(vec![1], 1), vec![vec![1]]);
        assert!(threads(1) == 1 && threads(1000) >= 1);
    }
}
