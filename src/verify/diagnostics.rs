//! Diagnostics of failed checks, collected before anything is torn down:
//! each involved node's addresses, routes, neighbours, FDB, VXLAN device,
//! subnet.env, flannel's log and iptables rules, and a short capture on the
//! overlay and both NICs while the failing probe runs again.
//!
//! Files go to `<variant>/` under the run's artifacts root
//! (`.lab/<lab>/artifacts/<run_id>/`, see [`crate::report::run`]); the
//! report names them. The folder is made exclusively on first use, so two
//! verifies of one variant in one run never write into one folder, and a
//! run that needs no diagnostics leaves none behind.

use super::{Ctx, join_all, probe};
use crate::session::Session;
use crate::spec::{Check, Endpoint, Probe};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tokio::sync::Mutex;

/// The node-side commands, one file each.
const NODE_SECTIONS: &[(&str, &str)] = &[
    ("ip-addr", "ip addr"),
    ("ip-route", "ip route"),
    ("ip-neigh", "ip neigh"),
    ("bridge-fdb", "bridge fdb show"),
    ("flannel.1", "ip -d link show flannel.1"),
    ("subnet.env", "cat /run/flannel/subnet.env"),
    ("iptables", "iptables-save"),
];

/// Artifacts of one verify (or the evidence) of a run.
pub struct Artifacts {
    /// The run's artifacts root.
    base: PathBuf,
    /// This verify's folder in it (its variant).
    name: String,
    pub enabled: bool,
    /// The run's own folder, made on first use (a run that needs no
    /// diagnostics leaves none behind).
    dir: std::sync::Mutex<Option<PathBuf>>,
    /// Files already collected per node (each node once per run).
    nodes: Mutex<HashMap<String, Vec<PathBuf>>>,
}

fn slug(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    while out.contains("--") {
        out = out.replace("--", "-");
    }
    out.trim_matches('-').chars().take(60).collect()
}

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
    pub fn new(run_root: &Path, name: &str, enabled: bool) -> Self {
        Artifacts {
            base: run_root.to_path_buf(),
            name: name.to_string(),
            enabled,
            dir: std::sync::Mutex::new(None),
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

    /// Collect a node's state (once per run) and return its files.
    pub async fn node(
        &self,
        session: &dyn Session,
        node: &str,
        flannel_log: &(String, String),
    ) -> Vec<PathBuf> {
        let mut done = self.nodes.lock().await;
        if let Some(files) = done.get(node) {
            return files.clone();
        }
        let dir = self.dir().join("nodes").join(node);
        let script: String = NODE_SECTIONS
            .iter()
            .map(|(name, cmd)| format!("echo '### {name}'; {cmd} 2>&1; "))
            .collect();
        let mut files = Vec::new();
        match session.output(node, &script, None).await {
            Ok(out) => {
                for (name, body) in split_sections(&out.stdout) {
                    files.extend(write(&dir.join(format!("{name}.txt")), &body));
                }
            }
            Err(e) => files.extend(write(&dir.join("ssh-error.txt"), &format!("{e}\n"))),
        }
        let (log_node, log_cmd) = flannel_log;
        let log = match session.output(log_node, log_cmd, None).await {
            Ok(o) => o.text(),
            Err(e) => format!("could not read flannel's log: {e}\n"),
        };
        files.extend(write(&dir.join("flannel.log"), &log));
        done.insert(node.to_string(), files.clone());
        files
    }

    /// Diagnostics of one failed check: its nodes, and a capture while its
    /// probe runs again.
    pub async fn for_check(&self, ctx: &Ctx, check: &Check) -> Vec<PathBuf> {
        if !self.enabled {
            return vec![];
        }
        let nodes = check.probe.nodes();
        let per_node = join_all(nodes.iter().map(|n| {
            let log = ctx
                .flannel_logs
                .iter()
                .find(|(x, _)| x == n)
                .map(|(_, l)| l.clone())
                .unwrap_or_default();
            async move { self.node(ctx.session.as_ref(), n, &log).await }
        }))
        .await;
        let mut files: Vec<PathBuf> = per_node.into_iter().flatten().collect();
        files.extend(self.capture(ctx, check).await);
        files
    }

    /// tcpdump on flannel.1 and both NICs of the probing node while the
    /// failing probe runs again.
    async fn capture(&self, ctx: &Ctx, check: &Check) -> Vec<PathBuf> {
        let (from, target, cmd) = match &check.probe {
            Probe::Ping { from, to } => (from, to, None),
            Probe::Http {
                from,
                to,
                port,
                path,
            } => (from, to, Some((*port, path.clone()))),
            Probe::Capture { on, ping, .. } => (&Endpoint::Node(on.clone()), ping, None),
            _ => return vec![],
        };
        let Ok(ip) = ctx.target_ip(target) else {
            return vec![];
        };
        let probe_cmd = match cmd {
            Some((port, path)) => probe::http(ip, port, &path),
            None => probe::ping(ip, false),
        };
        let (node, probe_cmd) = match from {
            Endpoint::Node(n) => (n.clone(), probe_cmd),
            Endpoint::Pod { app, on } => match ctx.pod(app, on) {
                Ok(p) => (
                    p.exec_node.clone(),
                    probe::in_pod(&p.exec_prefix, &probe_cmd),
                ),
                Err(_) => return vec![],
            },
        };
        let ifaces = [
            "flannel.1",
            ctx.lab.interfaces.nat.as_str(),
            ctx.lab.interfaces.private.as_str(),
        ];
        let script = format!(
            "d=$(mktemp -d); for i in {ifs}; do timeout 3 tcpdump -l -n -i \"$i\" -c 20 'host {ip} or udp port 8472' >\"$d/$i\" 2>&1 & done; \
             sleep 0.5; {probe_cmd} >/dev/null 2>&1; wait; for i in {ifs}; do echo \"### capture-$i\"; cat \"$d/$i\"; done; rm -rf \"$d\"",
            ifs = ifaces.join(" ")
        );
        let dir = self.dir().join(slug(&check.name));
        match ctx.session.output(&node, &script, None).await {
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
                .map(|_| s.spawn(|| Artifacts::new(lab.path(), "broken", true).dir()))
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
        drop(Artifacts::new(&root, "fixed", true));
        assert!(!root.exists());
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
