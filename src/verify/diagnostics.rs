//! Diagnostics of failed checks, collected before anything is torn down:
//! each involved node's addresses, routes, neighbours, FDB, VXLAN device,
//! subnet.env, flannel's log and iptables rules, and a short capture on the
//! overlay and both NICs while the failing probe runs again.
//!
//! Files go to `.lab/<lab>/artifacts/<run>/`; the report names them.

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

/// Artifacts of one verify run.
pub struct Artifacts {
    pub dir: PathBuf,
    pub enabled: bool,
    /// Files already collected per node (each node once per run).
    nodes: Mutex<HashMap<String, Vec<PathBuf>>>,
}

/// A run name: UTC time and variant, sortable (`20261127-024501-broken`).
pub fn run_name(variant: &str) -> String {
    let t = crate::clock::Utc::now();
    format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}-{variant}",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
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

impl Artifacts {
    pub fn new(lab_dir: &Path, variant: &str, enabled: bool) -> Self {
        let base = lab_dir.join("artifacts");
        let mut dir = base.join(run_name(variant));
        let mut n = 1;
        while dir.exists() {
            n += 1;
            dir = base.join(format!("{}-{n}", run_name(variant)));
        }
        Artifacts {
            dir,
            enabled,
            nodes: Mutex::new(HashMap::new()),
        }
    }

    /// Collect a node's state (once per run) and return its files.
    pub async fn node(
        &self,
        pool: &dyn Session,
        node: &str,
        flannel_log: &(String, String),
    ) -> Vec<PathBuf> {
        let mut done = self.nodes.lock().await;
        if let Some(files) = done.get(node) {
            return files.clone();
        }
        let dir = self.dir.join("nodes").join(node);
        let script: String = NODE_SECTIONS
            .iter()
            .map(|(name, cmd)| format!("echo '### {name}'; {cmd} 2>&1; "))
            .collect();
        let mut files = Vec::new();
        match pool.output(node, &script, None).await {
            Ok(out) => {
                for (name, body) in split_sections(&out.stdout) {
                    files.extend(write(&dir.join(format!("{name}.txt")), &body));
                }
            }
            Err(e) => files.extend(write(&dir.join("ssh-error.txt"), &format!("{e}\n"))),
        }
        let (log_node, log_cmd) = flannel_log;
        let log = match pool.output(log_node, log_cmd, None).await {
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
        let dir = self.dir.join(slug(&check.name));
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
        let n = run_name("broken");
        assert_eq!(n.len(), "20261127-024501-broken".len());
        assert!(n.ends_with("-broken"));
    }
}
