//! The host side of the netns provider: namespaces found by the lab's
//! prefix, work done on a thread inside a namespace, and (one module each)
//! batches for `ip`/`bridge` run concurrently, processes found, started and
//! stopped, daemons waited for, and the `lab proxy` byte pipe.

mod batch;
mod procs;
mod proxy;
mod ready;
mod tasks;
pub mod userns;

pub use batch::*;
pub use procs::*;
pub use proxy::proxy;
pub use ready::*;
pub use tasks::tgid_of;

use super::names;
use crate::error::{LabError, Result};
use nix::sched::{CloneFlags, setns};
use std::fs::File;
use std::path::{Path, PathBuf};

/// Where `ip netns` keeps named namespaces.
pub const NETNS_DIR: &str = "/run/netns";

pub fn netns_path(ns: &str) -> PathBuf {
    Path::new(NETNS_DIR).join(ns)
}

/// The lab's namespaces that exist now, found by the lab's prefix.
pub fn lab_namespaces(lab: &str) -> Vec<String> {
    let prefix = names::prefix(lab);
    let mut v: Vec<String> = std::fs::read_dir(NETNS_DIR)
        .map(|rd| {
            rd.filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| n.starts_with(&prefix))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Move the calling thread into the network namespace `ns`.
pub fn enter_netns(ns: &str) -> std::io::Result<()> {
    let f = File::open(netns_path(ns))?;
    setns(&f, CloneFlags::CLONE_NEWNET).map_err(std::io::Error::from)
}

/// Set sysctls (paths under /proc/sys) in each namespace, from a thread that
/// enters them in turn (net sysctls are those of the writer's namespace). A
/// sysctl the kernel does not have (IPv6 compiled out) is skipped.
pub async fn sysctls(
    namespaces: Vec<String>,
    settings: &'static [(&'static str, &'static str)],
) -> Result<()> {
    on_thread(move || -> std::result::Result<(), String> {
        for ns in &namespaces {
            enter_netns(ns).map_err(|e| format!("entering {ns}: {e}"))?;
            for (key, value) in settings {
                match std::fs::write(Path::new("/proc/sys").join(key), value) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(format!("{}={value} in {ns}: {e}", key.replace('/', ".")));
                    }
                }
            }
        }
        Ok(())
    })
    .await?
    .map_err(|message| LabError::Step {
        step: "sysctls".into(),
        message,
    })
}

/// Run `f` on a new thread (which may `setns`, as it ends with `f`) without
/// blocking the async runtime.
pub async fn on_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("lab-netns".into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|e| LabError::io("starting a thread", e))?;
    rx.await
        .map_err(|_| LabError::Internal("a namespace thread panicked".into()))
}
