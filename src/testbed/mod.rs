//! A lab's testbed: what its file says to build (nodes, networks, pod
//! network variants, workloads, the chapter), read and validated, without
//! its checks. It sits below `probe` because checks resolve against it
//! (a check names nodes, pod labels and variants) and probes run against
//! it; the lab with its checks resolved is `spec::Lab`, above `probe`.
//!
//! Input goes through three phases, as containerlab does it: a strict parse
//! into raw types (`raw`, behind the limits of `guard`), a validation pass
//! that collects every problem with its file, line and field (`validate`,
//! located in the text by `locate`), and the resolved, typed [`Testbed`]
//! that the rest of `lab` trusts. The checks' values are resolved in the
//! same pass, by the caller's `then` (`load_file_with`: `spec` passes the
//! probe registry's), so that every problem of a file is reported at once.

pub mod guard;
pub mod locate;
pub mod manifest;
pub mod raw;
pub(crate) mod validate;

use crate::error::{LabError, Problem, Problems, Result};
use ipnet::Ipv4Net;
pub use manifest::Workload;
use serde::Serialize;
use serde_norway::Value;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use validate::Collector;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    ControlPlane,
    Worker,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::ControlPlane => "control-plane",
            Role::Worker => "worker",
        }
    }
}

/// A machine of the lab, after `count` expansion.
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    pub name: String,
    pub role: Role,
    /// Address on the private (host-only) network.
    pub ip: Ipv4Addr,
    pub cpus: u32,
    pub memory: u32,
    /// Position in node order (control plane first), as kube-controller-manager
    /// hands out pod CIDRs.
    pub index: usize,
    /// This node's pod subnet (a /24 of `network.pods`).
    pub pod_subnet: Ipv4Net,
}

#[derive(Debug, Clone, Serialize)]
pub struct Interfaces {
    pub nat: String,
    pub private: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Network {
    pub private: Ipv4Net,
    pub nat: Ipv4Net,
    pub pods: Ipv4Net,
}

impl Network {
    /// The NAT address every node has (VirtualBox: 10.0.2.15).
    pub fn nat_ip(&self) -> Ipv4Addr {
        nth_host(self.nat, 15)
    }
    /// The NAT gateway (VirtualBox: 10.0.2.2).
    pub fn nat_gateway(&self) -> Ipv4Addr {
        nth_host(self.nat, 2)
    }
}

/// The `n`-th address of a network.
pub fn nth_host(net: Ipv4Net, n: u32) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(net.network()) + n)
}

/// A pod network variant: a CNI manifest and what it configures.
#[derive(Debug, Clone, Serialize)]
pub struct Variant {
    pub name: String,
    pub manifest: PathBuf,
    pub about: String,
    /// The pod network its manifest configures.
    pub cni: crate::cni::CniConfig,
}

/// A pod as the scheduler would place it: which node, which address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PodPlacement {
    pub name: String,
    pub app: String,
    pub node: String,
    pub ip: Ipv4Addr,
    pub port: u16,
}

impl PodPlacement {
    /// The running pod this placement makes, as the checks see it (in
    /// Kubernetes' `default` namespace, where the lab's workloads run).
    pub fn pod_ref(&self) -> crate::session::PodRef {
        crate::session::PodRef {
            name: self.name.clone(),
            app: self.app.clone(),
            node: self.node.clone(),
            ip: self.ip,
            port: self.port,
            namespace: "default".into(),
        }
    }
}

/// A validated lab definition without its checks: every value here has
/// been checked.
#[derive(Debug, Clone)]
pub struct Testbed {
    /// The name every resource of the lab carries: the lab file's `name`,
    /// or the instance's when it runs under another (`--name`, see
    /// [`crate::state::instance`]).
    pub name: String,
    /// The lab file's own `name` when this is an instance under another
    /// name; None when `name` is the lab's own.
    pub instance_of: Option<String>,
    pub title: String,
    pub kubernetes: String,
    pub box_name: String,
    /// The lab's folder and its `lab.yaml`.
    pub dir: PathBuf,
    pub file: PathBuf,
    pub interfaces: Interfaces,
    pub network: Network,
    /// Control plane first, then workers in order.
    pub nodes: Vec<Node>,
    /// In the order `lab.yaml` lists them.
    pub variants: Vec<Variant>,
    pub default_variant: String,
    pub workload_files: Vec<PathBuf>,
    pub workloads: Vec<Workload>,
    /// The chapter (`book:`), a Markdown file in the lab's folder.
    pub book: Option<PathBuf>,
    /// The worker count given with `--nodes`, if any.
    pub workers_override: Option<u32>,
}

impl Testbed {
    /// The files the lab is read from: the lab file, its manifests, its
    /// chapter and the chapter's known-drift file (which a run must never
    /// write: see `report::output::Reports::check_inputs`).
    pub fn input_files(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::iter::once(&self.file)
            .chain(self.variants.iter().map(|v| &v.manifest))
            .chain(self.workload_files.iter())
            .chain(self.book.iter())
            .cloned()
            .collect();
        if let Some(b) = &self.book {
            v.push(known_drift_path(b));
        }
        v
    }

    /// A problem a provider finds with the node `node` of the lab file
    /// (a name it reserves), located at that node's `name` in the file as
    /// the validation pass locates its own: exit 2 with file, line, field.
    pub fn node_problem(&self, node: &str, message: String) -> crate::error::LabError {
        use crate::error::{LabError, Problems};
        let text = std::fs::read_to_string(&self.file).unwrap_or_default();
        let raw: Option<raw::RawLab> = serde_norway::from_str(&text).ok();
        let field = raw
            .and_then(|r| r.nodes.iter().position(|n| n.name == node))
            .map_or_else(|| "nodes".to_string(), |i| format!("nodes[{i}].name"));
        let mut c = validate::Collector::new(&self.file, &text);
        c.push(field, message);
        LabError::Invalid(Problems(c.finish()))
    }

    /// The lab file, the manifests it names and its chapter, relative to the
    /// lab file's folder (what `up` copies into the state, and what the run
    /// record digests).
    pub fn own_files(&self) -> Vec<PathBuf> {
        let base = self.file.parent().unwrap_or(Path::new("."));
        let mut out: Vec<PathBuf> = Vec::new();
        let all = std::iter::once(&self.file)
            .chain(self.variants.iter().map(|v| &v.manifest))
            .chain(self.workload_files.iter())
            .chain(self.book.iter());
        for f in all {
            let rel = f.strip_prefix(base).unwrap_or(f);
            // Manifests are validated to be inside the lab folder; anything
            // else is not copied.
            if rel.is_relative()
                && !rel
                    .components()
                    .any(|c| c == std::path::Component::ParentDir)
            {
                let rel = rel.to_path_buf();
                if !out.contains(&rel) {
                    out.push(rel);
                }
            }
        }
        out
    }

    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.name == name)
    }

    /// The node `name`, or an error listing the lab's nodes.
    pub fn require_node(&self, name: &str) -> Result<&Node> {
        self.node(name).ok_or_else(|| {
            let names: Vec<&str> = self.nodes.iter().map(|n| n.name.as_str()).collect();
            LabError::Usage(format!(
                "lab '{}' has no node '{name}' (nodes: {})",
                self.name,
                names.join(", ")
            ))
        })
    }

    pub fn control_plane(&self) -> &Node {
        self.nodes
            .iter()
            .find(|n| n.role == Role::ControlPlane)
            .expect("validated: one control plane")
    }

    pub fn workers(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| n.role == Role::Worker)
    }

    pub fn variant(&self, name: &str) -> Result<&Variant> {
        self.variants
            .iter()
            .find(|v| v.name == name)
            .ok_or_else(|| {
                LabError::Usage(format!(
                    "lab '{}' has no variant '{name}' (variants: {})",
                    self.name,
                    self.variants
                        .iter()
                        .map(|v| v.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
    }

    /// Where the scheduler puts the workloads' replicas: round-robin over the
    /// workers (the control plane carries the NoSchedule taint), which also
    /// satisfies a hostname spread of skew 1. Each node's CNI hands out
    /// addresses from `.2` of its pod subnet in order.
    pub fn placements(&self) -> Vec<PodPlacement> {
        let workers: Vec<&Node> = self.workers().collect();
        let mut next_host = vec![2u32; self.nodes.len()];
        let mut out = Vec::new();
        if workers.is_empty() {
            return out;
        }
        for w in &self.workloads {
            for r in 0..w.replicas as usize {
                let node = workers[r % workers.len()];
                let host = &mut next_host[node.index];
                out.push(PodPlacement {
                    name: format!("{}-{}-{}", w.name, node.name, r / workers.len()),
                    app: w.app.clone(),
                    node: node.name.clone(),
                    ip: nth_host(node.pod_subnet, *host),
                    port: w.port,
                });
                *host += 1;
            }
        }
        out
    }
}

pub use crate::places::known_drift_path;

/// Options that change how a lab file resolves.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// `--nodes N`: the worker count, overriding `count` in the file.
    pub workers: Option<u32>,
}

/// Parse and validate a lab file's testbed; its checks are not read.
pub fn load_file(file: &Path, opts: LoadOptions) -> Result<Testbed> {
    load_file_with(file, opts, |_, _, _, _| ()).map(|(testbed, ())| testbed)
}

/// Parse and validate a lab file: its testbed, and what `then` makes of
/// its raw `checks:` in the same pass (problems to the collector, fields
/// under `checks[i]`). `then` is given the testbed and, with `--nodes`, the
/// nominal one (the file's own worker counts); it is not called when a
/// node, variant or workload is missing, since every reference to it would
/// be noise (`T::default()` then). All problems are reported at once.
pub(crate) fn load_file_with<T: Default>(
    file: &Path,
    opts: LoadOptions,
    then: impl FnOnce(&mut Collector, &Testbed, Option<&Testbed>, &[Value]) -> T,
) -> Result<(Testbed, T)> {
    let refused = |field: &str, e: guard::Refused| {
        LabError::Invalid(Problems(vec![Problem {
            file: file.to_path_buf(),
            line: e.line,
            column: None,
            field: field.into(),
            message: e.message,
        }]))
    };
    let text = guard::read(file).map_err(|e| refused("(file)", e))?;
    guard::check_nesting(&text).map_err(|e| refused("(document)", e))?;
    let raw: raw::RawLab = serde_norway::from_str(&text)
        .map_err(|e| LabError::Invalid(Problems(vec![parse_problem(file, &text, &e)])))?;
    validate::validate(file, &text, raw, opts, then)
}

/// Turn a serde error into a problem naming the field where serde says which.
fn parse_problem(file: &Path, text: &str, e: &serde_norway::Error) -> Problem {
    let msg = e.to_string();
    // serde_norway prefixes the path of the field ("nodes[0]: unknown field ...")
    // and suffixes the position (" at line L column C").
    let body = msg.split(" at line ").next().unwrap_or(&msg).to_string();
    let (mut field, message) = match body.split_once(": ") {
        Some((path, rest)) if !path.contains(' ') => (path.to_string(), rest.to_string()),
        _ => ("(document)".to_string(), body.clone()),
    };
    // Name the field itself where serde says which one it is about.
    for (marker, close) in [
        ("unknown field `", '`'),
        ("missing field `", '`'),
        ("duplicate field `", '`'),
        ("duplicate key '", '\''),
    ] {
        if let Some(start) = message.find(marker) {
            let name = &message[start + marker.len()..];
            if let Some(end) = name.find(close) {
                let name = &name[..end];
                field = if field == "(document)" || field == "." {
                    name.to_string()
                } else {
                    format!("{field}.{name}")
                };
                break;
            }
        }
    }
    let mut pos = e.location().map(|l| (l.line(), l.column()));
    // A duplicate key is reported at the start of its mapping; point at the
    // second occurrence instead, the one to remove.
    if let (Some((line, col)), Some(key)) = (pos, duplicate_key(&message)) {
        let indent = col.saturating_sub(1);
        let pat = format!("{key}:");
        let second = text
            .lines()
            .enumerate()
            .skip(line.saturating_sub(1))
            .filter(|(_, l)| {
                l.len() > indent && l[..indent].trim().is_empty() && l[indent..].starts_with(&pat)
            })
            .nth(1);
        if let Some((i, _)) = second {
            pos = Some((i + 1, col));
        }
    }
    Problem {
        file: file.to_path_buf(),
        line: pos.map(|p| p.0),
        column: pos.map(|p| p.1),
        field,
        message,
    }
}

/// The key a "duplicate field `k`" or "duplicate key 'k'" message names.
fn duplicate_key(message: &str) -> Option<&str> {
    for (marker, close) in [("duplicate field `", '`'), ("duplicate key '", '\'')] {
        if let Some(start) = message.find(marker) {
            let rest = &message[start + marker.len()..];
            return rest.find(close).map(|end| &rest[..end]);
        }
    }
    None
}

/// What a lab name is, in the one wording of every message that refuses
/// one (the lab file's `name`, `destroy`, `up`): a DNS label, shorter
/// still, since namespace and pod names are built from it.
pub const NAME_RULE: &str = "lowercase letters, digits and '-', not at either end, at most 40 characters: node and pod names are built from it";

/// Whether `s` is a valid lab name (a DNS label).
pub fn validate_name(s: &str) -> bool {
    validate::is_dns_label(s)
}
