//! Diagnostics of results that did not pass, collected before anything is
//! torn down: each involved node's addresses, routes, neighbours, FDB and
//! iptables rules, with what the pod network plugin says is its own
//! evidence (its overlay device, its state file, its log: see
//! [`crate::cni`]), and a short capture on the overlay and both NICs while
//! the failing probe's traffic is made again (the probe says which:
//! [`crate::probe::Traffic`]).
//!
//! Files go to `<variant>/` under the run's artifacts root
//! (`.lab/<lab>/artifacts/<run_id>/`, see [`crate::report::run`]); the
//! report names them. The folder is made exclusively on first use, so two
//! verifies of one variant in one run never write into one folder, and a
//! run that needs no diagnostics leaves none behind.

use crate::probe::target::Endpoint;
use crate::probe::{Cx, Judged, Traffic, listen};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// The node-side commands every lab gets, one file each (the plugin adds
/// its own: [`crate::cni::Cni::evidence`]).
const NODE_SECTIONS: &[(&str, &str)] = &[
    ("ip-addr", "ip addr"),
    ("ip-route", "ip route"),
    ("ip-neigh", "ip neigh"),
    ("bridge-fdb", "bridge fdb show"),
    ("iptables", "iptables-save"),
];

/// The programs diagnostics run on a node (declared beside the probes',
/// in [`crate::probe`], which lists every program run on a node).
pub use crate::probe::DIAGNOSTIC_PROGRAMS as PROGRAMS;

/// Captures per check: a sweep with many failed sources collects the state
/// of every node involved, and captures the traffic of the first few.
pub const CAPTURES_PER_CHECK: usize = 3;

/// Artifacts of one verify (or the evidence) of a run.
pub struct Artifacts {
    /// The run's artifacts root.
    base: PathBuf,
    /// This verify's folder in it (its variant).
    name: String,
    /// The run's own folder, made on first use (a run that needs no
    /// diagnostics leaves none behind).
    dir: Mutex<Option<PathBuf>>,
    /// Files collected per node: each node once per run, the nodes at once
    /// (a node's cell is held only while that node is collected).
    nodes: Mutex<HashMap<String, Arc<OnceCell<Vec<PathBuf>>>>>,
}

/// A check's own folder's name: [`crate::report::table::check_folder`].
use crate::report::table::check_folder as slug;

fn write(path: &Path, text: &str) -> Option<PathBuf> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).ok()?;
    }
    std::fs::write(path, text).ok()?;
    Some(path.to_path_buf())
}

/// Make a new folder `<base>/<name>`, or `<name>-2`, `-3`, ... when taken:
/// made exclusively, so runs started in the same second (several verifies
/// of one lab at once) never share one.
fn make_unique_dir(base: &Path, name: &str) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(base)?;
    let mut dir = base.join(name);
    let mut n = 1;
    loop {
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                n += 1;
                dir = base.join(format!("{name}-{n}"));
            }
            Err(e) => return Err(e),
        }
    }
}

impl Artifacts {
    /// Artifacts under `<run_root>/<name>/` (`name`: the variant).
    pub fn new(run_root: &Path, name: &str) -> Self {
        Artifacts {
            base: run_root.to_path_buf(),
            name: name.to_string(),
            dir: Mutex::new(None),
            nodes: Mutex::new(HashMap::new()),
        }
    }

    /// This run's folder, made (uniquely) the first time it is asked for.
    /// If it cannot be made, the path it would have is returned and the
    /// writes into it fail (diagnostics are best effort).
    pub fn dir(&self) -> PathBuf {
        let mut dir = self.dir.lock().unwrap();
        if let Some(d) = dir.as_ref() {
            return d.clone();
        }
        match make_unique_dir(&self.base, &self.name) {
            Ok(d) => dir.insert(d).clone(),
            Err(_) => self.base.join(&self.name),
        }
    }

    /// Keep the lab's runs within [`super::kept::MAX_KEPT`]: the oldest
    /// runs' folders go (this run stays), said when any does.
    pub fn bound_kept(&self, rep: &crate::report::Reporter) {
        let Some(all) = self.base.parent() else {
            return;
        };
        let gone = super::kept::bound(all, &self.base, super::kept::MAX_KEPT);
        if !gone.is_empty() {
            let names: Vec<String> = gone
                .iter()
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect();
            rep.info(format!(
                "removed the oldest runs' diagnostics to keep {} under {} MiB: {}",
                all.display(),
                super::kept::MAX_KEPT >> 20,
                names.join(", ")
            ));
        }
    }

    /// Collect a node's state (once per run) and return its files.
    pub async fn node(&self, cx: &Cx<'_>, node: &str) -> Vec<PathBuf> {
        let cell = self
            .nodes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(node.to_string())
            .or_default()
            .clone();
        cell.get_or_init(|| self.collect_node(cx, node))
            .await
            .clone()
    }

    /// A node's state and its pod network plugin's log, asked at once.
    async fn collect_node(&self, cx: &Cx<'_>, node: &str) -> Vec<PathBuf> {
        let dir = self.dir().join("nodes").join(node);
        let sections: Vec<(String, String)> = NODE_SECTIONS
            .iter()
            .map(|(n, c)| (n.to_string(), c.to_string()))
            .chain(cx.cni.evidence())
            .collect();
        let script: String = sections
            .iter()
            .map(|(name, cmd)| format!("echo '### {name}'; {cmd} 2>&1; "))
            .collect();
        let (out, log) = tokio::join!(
            cx.session.output(node, &script, None),
            cx.cni.log(cx.session, cx.cni_runs, node)
        );
        let mut files = Vec::new();
        match out {
            Ok(out) => {
                for (name, body) in split_sections(&out.stdout) {
                    files.extend(write(&dir.join(format!("{name}.txt")), &body));
                }
            }
            Err(e) => files.extend(write(&dir.join("ssh-error.txt"), &format!("{e}\n"))),
        }
        let log = match log {
            Ok(o) => o.text(),
            Err(e) => format!("could not read {}'s log: {e}\n", cx.cni.name()),
        };
        files.extend(write(&dir.join(format!("{}.log", cx.cni.name())), &log));
        files
    }

    /// Diagnostics of one result that did not pass (`name`: the check's,
    /// with the result's suffix): its nodes, and, if `capture`, a capture
    /// while its traffic is made again.
    pub async fn for_result(
        &self,
        cx: &Cx<'_>,
        name: &str,
        judged: &Judged,
        capture: bool,
    ) -> Vec<PathBuf> {
        let per_node =
            futures::future::join_all(judged.nodes.iter().map(|n| self.node(cx, n))).await;
        let mut files: Vec<PathBuf> = per_node.into_iter().flatten().collect();
        if capture && let Some(t) = &judged.replay {
            files.extend(self.capture(cx, name, t).await);
        }
        files
    }

    /// tcpdump on the overlay and both NICs of the node the traffic starts
    /// on while it is made again, once every tcpdump listens: in the same
    /// shell when it starts on the node, from the pod (through the session)
    /// when it starts in one, told by a handshake on the node when to start
    /// and telling it when the traffic was made (see [`listen`]).
    async fn capture(&self, cx: &Cx<'_>, name: &str, t: &Traffic) -> Vec<PathBuf> {
        let node = t.from.node().to_string();
        let ifaces = [
            cx.cni.overlay_device(),
            cx.lab.interfaces.nat.clone(),
            cx.lab.interfaces.private.clone(),
        ];
        let filter = cx.cni.capture_filter(t.to);
        let out = if matches!(t.from, Endpoint::Node(_)) {
            let script = listen::script(&ifaces, &filter, 20, &t.command);
            cx.session.output(&node, &script, None).await
        } else {
            match cx
                .session
                .output(&node, listen::HANDSHAKE_SETUP, None)
                .await
                .and_then(|o| {
                    listen::handshake_dir(&o.stdout).ok_or_else(|| {
                        crate::error::LabError::Usage(format!(
                            "no capture handshake on {node}: {}",
                            o.text().trim()
                        ))
                    })
                }) {
                Err(e) => Err(e),
                Ok(dir) => {
                    let script = listen::script(&ifaces, &filter, 20, &listen::handshake(&dir));
                    let from_pod = async {
                        let _ = cx
                            .session
                            .output(&node, &listen::handshake_wait(&dir), None)
                            .await;
                        let _ = cx.run_from(&t.from, &t.command).await;
                        let _ = cx
                            .session
                            .output(&node, &listen::handshake_done(&dir), None)
                            .await;
                    };
                    tokio::join!(cx.session.output(&node, &script, None), from_pod).0
                }
            }
        };
        let dir = self.dir().join(slug(name));
        match out {
            Ok(out) => split_sections(&out.stdout)
                .into_iter()
                .filter_map(|(name, body)| write(&dir.join(format!("{node}-{name}.txt")), &body))
                .collect(),
            Err(e) => write(
                &dir.join(format!("{node}-capture-error.txt")),
                &format!("{e}\n"),
            )
            .into_iter()
            .collect(),
        }
    }
}

/// Split `### name` sections.
fn split_sections(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("### ") {
            out.push((name.trim().to_string(), String::new()));
        } else if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_started_at_once_get_their_own_folders() {
        // Four verifies failing in the same second.
        let lab = tempfile::tempdir().unwrap();
        let dirs: Vec<PathBuf> = std::thread::scope(|s| {
            let runs: Vec<_> = (0..4)
                .map(|_| s.spawn(|| Artifacts::new(lab.path(), "broken").dir()))
                .collect();
            runs.into_iter().map(|r| r.join().unwrap()).collect()
        });
        let mut unique = dirs.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 4, "{dirs:?}");
        assert!(dirs.iter().all(|d| d.is_dir()));
        // A run that needs no diagnostics makes no folder.
        let quiet = tempfile::tempdir().unwrap();
        let root = quiet.path().join("run");
        drop(Artifacts::new(&root, "fixed"));
        assert!(!root.exists());
    }

    /// A session whose evidence script on each node returns only once all
    /// `n` nodes have asked for theirs: collecting nodes one after another
    /// never gets past the first.
    struct AllAtOnce {
        inner: crate::session::fake::FakeSession,
        all: tokio::sync::Barrier,
    }

    use crate::session::Session;

    #[async_trait::async_trait]
    impl Session for AllAtOnce {
        async fn output(
            &self,
            node: &str,
            command: &str,
            stdin: Option<Vec<u8>>,
        ) -> crate::error::Result<crate::session::Output> {
            if command.starts_with("echo '### ip-addr'") {
                self.all.wait().await;
            }
            Session::output(&self.inner, node, command, stdin).await
        }
        async fn pod_output(
            &self,
            pod: &crate::provider::PodRef,
            command: &str,
        ) -> crate::error::Result<crate::session::Output> {
            Session::pod_output(&self.inner, pod, command).await
        }
        async fn kubectl(&self, args: &[&str]) -> crate::error::Result<crate::session::Output> {
            Session::kubectl(&self.inner, args).await
        }
        fn kubernetes(&self) -> std::result::Result<(), String> {
            Session::kubernetes(&self.inner)
        }
        async fn close(&self) {}
    }

    #[tokio::test]
    async fn the_nodes_are_collected_at_once_and_each_once() {
        let lab = crate::probe::tests::lab();
        let mut s = crate::session::fake::FakeSession::new();
        for n in &lab.nodes {
            s = s.on(
                &n.name,
                "### ip-addr",
                &format!("### ip-addr\n{} addr\n", n.name),
            );
        }
        let session = AllAtOnce {
            inner: s,
            all: tokio::sync::Barrier::new(lab.nodes.len()),
        };
        let cx = crate::probe::tests::cx_with(&lab, &session);
        let root = tempfile::tempdir().unwrap();
        let a = Artifacts::new(root.path(), "broken-evidence");
        // A deadlock (nodes one after another) fails here, not a timing.
        let files = tokio::time::timeout(
            std::time::Duration::from_secs(30),
            futures::future::join_all(lab.nodes.iter().map(|n| a.node(&cx, &n.name))),
        )
        .await
        .expect("every node's evidence is asked for at once");
        for (n, f) in lab.nodes.iter().zip(&files) {
            let addr = f.iter().find(|p| p.ends_with("ip-addr.txt")).unwrap();
            assert_eq!(
                std::fs::read_to_string(addr).unwrap(),
                format!("{} addr\n", n.name)
            );
        }
        // Asked again: the files of the first time, nothing run again.
        let asked = session.inner.ran().len();
        assert_eq!(a.node(&cx, &lab.nodes[0].name).await, files[0]);
        assert_eq!(session.inner.ran().len(), asked);
    }

    #[test]
    fn sections_and_names() {
        let s = split_sections("### a\n1\n2\n### b\n3\n");
        assert_eq!(
            s,
            vec![("a".into(), "1\n2\n".into()), ("b".into(), "3\n".into())]
        );
        assert_eq!(
            slug("Route to node2's pods goes through flannel.1"),
            "route-to-node2-s-pods-goes-through-flannel-1"
        );
    }
}
