//! The guard's side of [`super::super::owned_bounds`]: in each node's
//! namespace an `nft -i` of the guard's (a child, outside every node's PID
//! namespace: a node cannot see it or signal it) makes the table of bounds
//! whose owner is its netlink socket, and keeps it as long as it runs.
//!
//! The ruleset of each node is the lab's (`owned-bounds/NODE.nft` in the
//! lab's state folder, written by the pod network step); when `lab` says it
//! rewrote its rules (`apply`: see [`super::rewrites`]) the table is made
//! anew from it, in one transaction, through the same socket. A node whose
//! `nft` ended (its table went with it) is stopped.

use super::super::owned_bounds::TABLE;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

/// The largest ruleset file read (a lab of 1000 workers' is about 30 KB).
const RULESET_BYTES: u64 = 1 << 20;
/// How long the tables get to be there after `nft` was given them.
const MADE_WITHIN: Duration = Duration::from_secs(10);

/// One node's `nft` and its table's ruleset file.
struct Holder {
    ns: String,
    child: Child,
    stdin: Option<ChildStdin>,
    file: PathBuf,
}

impl Drop for Holder {
    fn drop(&mut self) {
        // Its stdin closed, `nft` leaves (and its table with it).
        self.stdin.take();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every node's `nft`.
pub struct Holders {
    held: Vec<Holder>,
}

/// The ruleset in `file`, one line, read within [`RULESET_BYTES`].
fn ruleset(file: &Path) -> io::Result<String> {
    let mut text = String::new();
    std::fs::File::open(file)?
        .take(RULESET_BYTES)
        .read_to_string(&mut text)?;
    Ok(text.trim().replace('\n', " "))
}

impl Holders {
    /// Start an `nft -i` in each namespace of `nodes` (`(namespace,
    /// node)`), giving it the node's ruleset from `dir`; `there(ns)` says
    /// whether a node's table is there (a look through the guard's own
    /// socket in it), waited for up to [`MADE_WITHIN`].
    pub fn start(
        nodes: &[(String, String)],
        dir: &Path,
        there: &mut dyn FnMut(&str) -> bool,
    ) -> io::Result<Holders> {
        let mut held = Vec::with_capacity(nodes.len());
        for (ns, node) in nodes {
            let file = dir.join(format!("{node}.nft"));
            let text = ruleset(&file)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", file.display())))?;
            let netns = std::fs::File::open(Path::new("/run/netns").join(ns))?;
            let mut cmd = Command::new("nft");
            cmd.arg("-i")
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::inherit());
            super::super::sys::enter_netns_before_exec(&mut cmd, &netns);
            let mut child = cmd
                .spawn()
                .map_err(|e| io::Error::new(e.kind(), format!("starting nft in {ns}: {e}")))?;
            let mut stdin = child.stdin.take();
            if let Some(s) = stdin.as_mut() {
                writeln!(s, "{text}")?;
                s.flush()?;
            }
            held.push(Holder {
                ns: ns.clone(),
                child,
                stdin,
                file,
            });
        }
        let deadline = Instant::now() + MADE_WITHIN;
        for h in &held {
            while !there(&h.ns) {
                if Instant::now() > deadline {
                    return Err(io::Error::other(format!(
                        "{}: nft did not make the table `ip {TABLE}` of the lab's bounds within \
                         {MADE_WITHIN:?} (its errors are above)",
                        h.ns
                    )));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Ok(Holders { held })
    }

    /// Make every table anew from its file (the lab rewrote them), in one
    /// transaction each: the namespaces whose file could not be read or
    /// written to `nft`, and why (their old table stays).
    pub fn make_anew(&mut self) -> Vec<(String, String)> {
        let mut failed = Vec::new();
        for h in &mut self.held {
            let written = ruleset(&h.file).and_then(|text| {
                let s = h
                    .stdin
                    .as_mut()
                    .ok_or_else(|| io::Error::other("its nft has no input"))?;
                writeln!(s, "delete table ip {TABLE}; {text}")?;
                s.flush()
            });
            if let Err(e) = written {
                failed.push((h.ns.clone(), e.to_string()));
            }
        }
        failed
    }

    /// The namespaces whose `nft` ended (their tables went with it),
    /// forgotten here.
    pub fn ended(&mut self) -> Vec<String> {
        let mut gone = Vec::new();
        self.held.retain_mut(|h| match h.child.try_wait() {
            Ok(None) => true,
            _ => {
                gone.push(h.ns.clone());
                false
            }
        });
        gone
    }

    /// Keep only the `nft` of the namespaces `watched` (a stopped node's
    /// goes).
    pub fn keep(&mut self, watched: &[&str]) {
        self.held.retain(|h| watched.contains(&h.ns.as_str()));
    }
}
