//! The validation pass: raw values in, a trusted `Lab` out, or every problem
//! found, each with file, line, field and what would be valid.
//!
//! Values that end up in a shell script or a Vagrantfile (names, box,
//! interfaces, versions) are held to a safe alphabet here, so no lab file can
//! inject code into what `lab` renders.

use super::locate::Locator;
use super::manifest::{self, ManifestError};
use super::raw::{RawLab, RawNode};
use super::{Interfaces, Lab, LoadOptions, Network, Node, Role, Variant, checks, nth_host};
use crate::error::{LabError, Problem, Problems, Result};
use ipnet::Ipv4Net;
use std::collections::HashSet;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

/// kubeadm's preflight minimum for a control plane.
const MIN_CP_CPUS: u32 = 2;
const MIN_CP_MEMORY: u32 = 1700;
/// The most problems reported for one lab; the rest are counted.
const MAX_SHOWN: usize = 20;

/// Collects problems, locating each field in the lab file's text.
pub(crate) struct Collector<'a> {
    file: &'a Path,
    locator: Locator<'a>,
    pub problems: Vec<Problem>,
}

impl<'a> Collector<'a> {
    pub fn new(file: &'a Path, text: &'a str) -> Self {
        Collector {
            file,
            locator: Locator::new(text),
            problems: Vec::new(),
        }
    }

    /// An empty collector over the same file, for trial resolutions whose
    /// problems may be dropped.
    pub fn scratch(&self) -> Collector<'a> {
        Collector {
            file: self.file,
            locator: self.locator.clone(),
            problems: Vec::new(),
        }
    }

    /// A problem of the lab file; its line is found by `finish`.
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            file: self.file.to_path_buf(),
            line: None,
            column: None,
            field: field.into(),
            message: message.into(),
        });
    }

    /// The problems to report: the first `MAX_SHOWN`, located in the lab
    /// file, and a count of the rest. Locating scans the text, so a file
    /// with a problem on each of its many lines must not locate them all.
    fn finish(self) -> Vec<Problem> {
        let mut problems = self.problems;
        let more = problems.len().saturating_sub(MAX_SHOWN);
        problems.truncate(MAX_SHOWN);
        for p in &mut problems {
            if p.file == self.file && p.line.is_none() {
                let pos = self.locator.locate(&p.field);
                p.line = pos.map(|p| p.0);
                p.column = pos.map(|p| p.1);
            }
        }
        if more > 0 {
            problems.push(Problem {
                file: self.file.to_path_buf(),
                line: None,
                column: None,
                field: "(file)".into(),
                message: format!("{more} more problems not shown"),
            });
        }
        problems
    }

    /// A problem inside a manifest file the lab names.
    fn push_manifest(&mut self, lab_field: &str, path: &Path, e: ManifestError) {
        let field = if e.field.is_empty() {
            lab_field.to_string()
        } else {
            format!("{lab_field} -> {}", e.field)
        };
        self.problems.push(Problem {
            file: path.to_path_buf(),
            line: e.line,
            column: None,
            field,
            message: e.message,
        });
    }
}

/// A DNS label (RFC 1123): what Kubernetes and hostnames accept.
pub(crate) fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// A Linux interface name that is also safe in a shell: 1 to 15 characters of
/// letters, digits, `.`, `_` and `-`, not starting with `-` or `.`.
fn is_ifname(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 15
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
        && !s.starts_with('-')
        && !s.starts_with('.')
}

/// A Vagrant box name: `owner/name` of letters, digits, `.`, `_`, `-`.
pub(crate) fn is_box(s: &str) -> bool {
    let ok_part = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
    };
    match s.split_once('/') {
        Some((a, b)) => ok_part(a) && ok_part(b),
        None => ok_part(s),
    }
}

/// A manifest path: relative, inside the lab folder, safe characters.
fn manifest_path(c: &mut Collector, dir: &Path, field: &str, value: &str) -> Option<PathBuf> {
    let safe = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/".contains(&b))
        && !value.starts_with('/')
        && !value.split('/').any(|p| p == "..");
    if !safe {
        c.push(field, format!("'{value}' is not a valid manifest path (a relative path inside the lab folder, letters, digits, . _ - /)"));
        return None;
    }
    let path = dir.join(value);
    if !path.is_file() {
        c.push(
            field,
            format!(
                "{} '{value}' does not exist (looked for {})",
                if field == "book" {
                    "chapter"
                } else {
                    "manifest"
                },
                path.display()
            ),
        );
        return None;
    }
    // Symlinks included: what is read must be the lab folder's own file.
    let home = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let (real, home) = (std::fs::canonicalize(&path), std::fs::canonicalize(home));
    match (real, home) {
        (Ok(real), Ok(home)) if real.starts_with(&home) => Some(path),
        (Ok(real), _) => {
            c.push(
                field,
                format!(
                    "'{value}' resolves (through a symlink) to {}, outside the lab folder; a lab reads only its own files",
                    real.display()
                ),
            );
            None
        }
        (Err(e), _) => {
            c.push(field, format!("'{value}' cannot be resolved: {e}"));
            None
        }
    }
}

pub(crate) fn validate(file: &Path, text: &str, raw: RawLab, opts: LoadOptions) -> Result<Lab> {
    let mut c = Collector::new(file, text);
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();

    if !is_dns_label(&raw.name) {
        c.push("name", format!("'{}' is not a valid lab name (a DNS label: lowercase letters, digits and '-', at most 63)", raw.name));
    } else if raw.name.len() > 40 {
        c.push(
            "name",
            format!(
                "'{}' is too long (at most 40 characters: node and pod names are built from it)",
                raw.name
            ),
        );
    }
    if raw.title.chars().any(char::is_control) {
        c.push("title", "must be one line of text (no control characters)");
    }
    let kube_ok = raw.kubernetes.split_once('.').is_some_and(|(a, b)| {
        !a.is_empty()
            && !b.is_empty()
            && a.bytes().all(|x| x.is_ascii_digit())
            && b.bytes().all(|x| x.is_ascii_digit())
    });
    if !kube_ok {
        c.push(
            "kubernetes",
            format!(
                "'{}' is not a Kubernetes minor version (like \"1.32\")",
                raw.kubernetes
            ),
        );
    }
    if !is_box(&raw.box_) {
        c.push("box", format!("'{}' is not a valid box name (like ubuntu/jammy64: letters, digits, . _ - and one /)", raw.box_));
    }
    for (field, v) in [
        ("interfaces.nat", &raw.interfaces.nat),
        ("interfaces.private", &raw.interfaces.private),
    ] {
        if !is_ifname(v) {
            c.push(
                field,
                format!(
                    "'{v}' is not a valid Linux interface name (1-15 of letters, digits, . _ -)"
                ),
            );
        }
    }
    if raw.interfaces.nat == raw.interfaces.private && is_ifname(&raw.interfaces.nat) {
        c.push("interfaces.private", "must differ from interfaces.nat");
    }

    // Networks.
    let mut net = |field: &str, v: &str| -> Option<Ipv4Net> {
        match v.parse::<Ipv4Net>() {
            Ok(n) if n.network() == n.addr() => Some(n),
            Ok(n) => {
                c.push(
                    field,
                    format!("'{v}' has host bits set (did you mean {}?)", n.trunc()),
                );
                None
            }
            Err(_) => {
                c.push(
                    field,
                    format!("'{v}' is not an IPv4 CIDR (like 10.244.0.0/16)"),
                );
                None
            }
        }
    };
    let private = net("network.private", &raw.network.private);
    let nat = net("network.nat", &raw.network.nat);
    let pods = net("network.pods", &raw.network.pods);
    for (other, name) in [(private, "network.private"), (nat, "network.nat")] {
        if let (Some(p), Some(o)) = (pods, other)
            && (p.contains(&o.network()) || o.contains(&p.network()))
        {
            c.push(
                "network.pods",
                format!("{p} overlaps {name} {o}; pick a pod range apart from both"),
            );
        }
    }
    if let (Some(p), Some(n)) = (private, nat)
        && (p.contains(&n.network()) || n.contains(&p.network()))
    {
        c.push("network.nat", format!("{n} overlaps network.private {p}"));
    }
    if let Some(n) = nat
        && n.prefix_len() > 27
    {
        c.push(
            "network.nat",
            format!("{n} is too small: it must hold the gateway .2 and the node address .15"),
        );
    }
    if let Some(p) = pods
        && p.prefix_len() > 24
    {
        c.push(
            "network.pods",
            format!("{p} is smaller than one /24; each node gets a /24 of it"),
        );
    }

    // Nodes.
    let expanded = expand_nodes(&mut c, &raw.nodes, private, nat, pods, opts.workers);
    let nodes = expanded.nodes;

    // Variants.
    let mut variants = Vec::new();
    if raw.variants.0.is_empty() {
        c.push(
            "variants",
            "no variants: name at least one pod network manifest",
        );
    }
    for (name, v) in &raw.variants.0 {
        let field = format!("variants.{name}");
        if !is_dns_label(name) {
            c.push(
                &field,
                format!("'{name}' is not a valid variant name (lowercase letters, digits, '-')"),
            );
            continue;
        }
        let Some(path) = manifest_path(&mut c, &dir, &format!("{field}.network"), &v.network)
        else {
            continue;
        };
        match manifest::read_documents(&path).and_then(|m| manifest::flannel_config(&m.docs)) {
            Ok(flannel) => {
                if let Some(p) = pods
                    && flannel.network != p
                {
                    c.push(format!("{field}.network"), format!("{}: flannel's Network {} differs from network.pods {p} (kubeadm --pod-network-cidr)", v.network, flannel.network));
                }
                if flannel.backend != "vxlan" {
                    c.push(
                        format!("{field}.network"),
                        format!(
                            "{}: flannel backend '{}' is not reproduced; use vxlan",
                            v.network, flannel.backend
                        ),
                    );
                }
                for i in &flannel.iface {
                    if !is_ifname(i) {
                        c.push(
                            format!("{field}.network"),
                            format!("{}: --iface={i} is not a valid interface name", v.network),
                        );
                    }
                }
                variants.push(Variant {
                    name: name.clone(),
                    manifest: path,
                    about: v.about.clone(),
                    cni: crate::cni::CniConfig::Flannel(flannel),
                });
            }
            Err(e) => c.push_manifest(&format!("{field}.network"), &path, e),
        }
    }
    if !raw
        .variants
        .0
        .iter()
        .any(|(n, _)| *n == raw.default_variant)
    {
        let known: Vec<&str> = raw.variants.0.iter().map(|(n, _)| n.as_str()).collect();
        c.push(
            "default_variant",
            format!(
                "'{}' is not a variant (variants: {})",
                raw.default_variant,
                known.join(", ")
            ),
        );
    }

    // Workloads.
    let mut workloads = Vec::new();
    let mut workload_files = Vec::new();
    // The field and file each workload comes from.
    let mut sources = Vec::new();
    for (i, w) in raw.workloads.iter().enumerate() {
        let field = format!("workloads[{i}]");
        let Some(path) = manifest_path(&mut c, &dir, &field, w) else {
            continue;
        };
        match manifest::read_documents(&path).and_then(|m| manifest::workloads(&m)) {
            Ok(ws) => {
                for wl in &ws {
                    if !is_dns_label(&wl.app) || !is_dns_label(&wl.name) {
                        c.push(
                            &field,
                            format!(
                                "{w}: Deployment '{}' app '{}': names must be DNS labels",
                                wl.name, wl.app
                            ),
                        );
                    }
                }
                sources.extend(ws.iter().map(|_| (field.clone(), path.clone())));
                workloads.extend(ws);
                workload_files.push(path);
            }
            Err(e) => c.push_manifest(&field, &path, e),
        }
    }
    // Placements are made one per replica: never for more than fit.
    let mut fits = true;
    if expanded.complete && pods.is_some_and(|p| p.prefix_len() <= 24) {
        fits = pods_fit(&mut c, &nodes, &workloads, &sources);
    } else {
        for (w, (field, path)) in workloads.iter().zip(&sources) {
            if u64::from(w.replicas) > MAX_REPLICAS {
                fits = false;
                c.push_manifest(
                    field,
                    path,
                    ManifestError {
                        field: format!("Deployment {}.spec.replicas", w.name),
                        line: w.replicas_line,
                        message: format!(
                            "{} replicas: a lab holds at most {MAX_REPLICAS} pods",
                            w.replicas
                        ),
                    },
                );
            }
        }
    }

    // Checks name nodes, pod labels and variants: resolve them whenever those
    // are all known, even if other fields have problems, so that every
    // problem is reported at once; skip them when a node, variant or
    // workload is missing, since every reference to it would be noise.
    let refs_known = expanded.complete
        && fits
        && variants.len() == raw.variants.0.len()
        && workload_files.len() == raw.workloads.len();

    let book = raw.book.as_ref().and_then(|b| {
        if !b.ends_with(".md") {
            c.push(
                "book",
                format!("'{b}' is not a Markdown chapter (a .md file in the lab folder)"),
            );
            return None;
        }
        manifest_path(&mut c, &dir, "book", b)
    });
    let lab_name = raw.name.clone();
    let mut lab = Lab {
        name: lab_name,
        instance_of: None,
        title: raw.title,
        kubernetes: raw.kubernetes,
        box_name: raw.box_,
        dir: dir.clone(),
        file: file.to_path_buf(),
        interfaces: Interfaces {
            nat: raw.interfaces.nat,
            private: raw.interfaces.private,
        },
        network: Network {
            private: private.unwrap_or_default(),
            nat: nat.unwrap_or_default(),
            pods: pods.unwrap_or_default(),
        },
        nodes,
        variants,
        default_variant: raw.default_variant,
        workload_files,
        workloads,
        book,
        checks: Vec::new(),
        skipped_checks: Vec::new(),
        workers_override: opts.workers,
    };
    if refs_known {
        // With `--nodes N`, a check about a node that only the file's own
        // count makes (node2 with --nodes 1) does not apply: it is left out
        // and said so, not an error. A node unknown either way still is.
        let nominal = opts.workers.and_then(|_| {
            let mut scratch = c.scratch();
            let e = expand_nodes(&mut scratch, &raw.nodes, private, nat, pods, None);
            (e.complete && scratch.problems.is_empty()).then(|| Lab {
                nodes: e.nodes,
                ..lab.clone()
            })
        });
        let (resolved, skipped) = checks::resolve(&mut c, &lab, nominal.as_ref(), &raw.checks);
        lab.checks = resolved;
        lab.skipped_checks = skipped;
    }
    if c.problems.is_empty() {
        Ok(lab)
    } else {
        Err(LabError::Invalid(Problems(c.finish())))
    }
}

/// Every replica takes an address of its node's pod subnet, from .2 to the
/// last before the broadcast address (.1 is the node's cni0), as
/// `Lab::placements` hands them out: round-robin over the workers, each
/// workload from the first worker on, so the first worker is the fullest.
/// Replicas that do not fit are a problem of the manifest, found here, not
/// a failed `ip route` or an allocation without end at bring-up.
/// Whether they fit (else the problem is pushed).
fn pods_fit(
    c: &mut Collector,
    nodes: &[Node],
    workloads: &[super::Workload],
    sources: &[(String, PathBuf)],
) -> bool {
    let workers: Vec<&Node> = nodes.iter().filter(|n| n.role == Role::Worker).collect();
    let Some(first) = workers.first() else {
        return true;
    };
    let n = workers.len() as u64;
    let subnet = first.pod_subnet;
    let room = (1u64 << (32 - subnet.prefix_len())).saturating_sub(3);
    let mut pods = 0u64;
    for (w, (field, path)) in workloads.iter().zip(sources) {
        let r = u64::from(w.replicas);
        let here = r.div_ceil(n);
        pods += here;
        if pods > room {
            let earlier = match pods - here {
                0 => String::new(),
                k => format!(" (with {k} of the workloads before it)"),
            };
            c.push_manifest(
                field,
                path,
                ManifestError {
                    field: format!("Deployment {}.spec.replicas", w.name),
                    line: w.replicas_line,
                    message: format!(
                        "{r} replicas on {n} worker{} put {pods} pods on {}{earlier}, but its pod subnet {subnet} holds {room} ({} to {})",
                        if n == 1 { "" } else { "s" },
                        first.name,
                        nth_host(subnet, 2),
                        nth_host(subnet, room as u32 + 1),
                    ),
                },
            );
            return false;
        }
    }
    true
}

/// The most pods of a lab whose pod subnets were not checked one by one:
/// as many as 1022 workers (the bridge's ports) hold at 253 pods each.
const MAX_REPLICAS: u64 = 1022 * 253;

/// The nodes of a lab after `count` expansion, control plane first.
struct Expanded {
    nodes: Vec<Node>,
    /// Every node entry expanded into its nodes. When false, some nodes are
    /// missing, so a check naming them would only add follow-on noise.
    complete: bool,
}

/// Validate the `nodes:` entries and expand `count` (or `--nodes`) into
/// nodes with their addresses and pod subnets.
fn expand_nodes(
    c: &mut Collector,
    raw: &[RawNode],
    private: Option<Ipv4Net>,
    nat: Option<Ipv4Net>,
    pods: Option<Ipv4Net>,
    workers: Option<u32>,
) -> Expanded {
    let mut nodes: Vec<Node> = Vec::new();
    let mut complete = true;
    let mut names = HashSet::new();
    let mut ips: HashSet<Ipv4Addr> = HashSet::new();
    let mut control_planes = 0;
    let mut bad_roles = 0;
    let mut counted_workers = 0;
    for (i, n) in raw.iter().enumerate() {
        let f = |k: &str| format!("nodes[{i}].{k}");
        let role = match n.role.as_str() {
            "control-plane" => Role::ControlPlane,
            "worker" => Role::Worker,
            other => {
                c.push(
                    f("role"),
                    format!("'{other}' is not a role (control-plane or worker)"),
                );
                bad_roles += 1;
                complete = false;
                continue;
            }
        };
        // Role-level facts first, so that a bad name or address in the
        // control plane's entry does not also read as "no control plane".
        let (def_cpus, def_memory) = match role {
            Role::ControlPlane => (MIN_CP_CPUS, 2048),
            Role::Worker => (1, 1024),
        };
        let (cpus, memory) = (n.cpus.unwrap_or(def_cpus), n.memory.unwrap_or(def_memory));
        if role == Role::ControlPlane {
            control_planes += 1;
            if control_planes == 2 {
                c.push(f("role"), "a second control-plane: the lab has exactly one");
            }
            if cpus < MIN_CP_CPUS {
                c.push(
                    f("cpus"),
                    format!(
                        "{cpus} is below kubeadm's minimum for a control plane ({MIN_CP_CPUS})"
                    ),
                );
            }
            if memory < MIN_CP_MEMORY {
                c.push(f("memory"), format!("{memory} MB is below kubeadm's minimum for a control plane ({MIN_CP_MEMORY} MB)"));
            }
        } else if cpus == 0 || memory == 0 {
            c.push(
                f(if cpus == 0 { "cpus" } else { "memory" }),
                "must be at least 1",
            );
        }
        let count = match (role, n.count, workers) {
            (Role::ControlPlane, Some(_), _) => {
                c.push(
                    f("count"),
                    "a control plane cannot have a count (exactly one control plane)",
                );
                1
            }
            (Role::Worker, Some(_), Some(over)) => {
                counted_workers += 1;
                over
            }
            (Role::Worker, Some(k), None) => {
                counted_workers += 1;
                k
            }
            (_, None, _) => 1,
        };
        if count == 0 {
            let what = match workers {
                Some(_) if n.count.is_some() => "--nodes 0",
                _ => "count: 0",
            };
            c.push(
                f("count"),
                format!("{what}: give at least one worker (the control plane is tainted NoSchedule, so workloads run on workers)"),
            );
            complete = false;
            continue;
        }
        if !is_dns_label(&n.name) {
            c.push(f("name"), format!("'{}' is not a valid node name (a DNS label: lowercase letters, digits and '-')", n.name));
            complete = false;
            continue;
        }
        let Ok(ip) = n.ip.parse::<Ipv4Addr>() else {
            c.push(f("ip"), format!("'{}' is not an IPv4 address", n.ip));
            complete = false;
            continue;
        };
        let Some(private) = private else {
            complete = false;
            continue;
        };
        let last = u32::from(ip).checked_add(count - 1);
        let in_range = |a: u32| {
            private.contains(&Ipv4Addr::from(a))
                && a != u32::from(private.network())
                && a != u32::from(private.broadcast())
        };
        if !in_range(u32::from(ip)) {
            c.push(
                f("ip"),
                format!("{ip} is not a host address in network.private {private}"),
            );
            complete = false;
            continue;
        }
        let host = u32::from(private.network()) + 1;
        if (u32::from(ip)..=last.unwrap_or(u32::MAX)).contains(&host) {
            c.push(
                f("ip"),
                format!("{} is the host's own address on network.private (VirtualBox and libvirt give the host .1); start at .2 or above", Ipv4Addr::from(host)),
            );
            complete = false;
            continue;
        }
        if !last.is_some_and(in_range) {
            let room = u32::from(private.broadcast()) - u32::from(ip);
            let from = match workers {
                Some(w) if n.count.is_some() => format!("--nodes {w}: "),
                _ => String::new(),
            };
            c.push(
                f(if n.count.is_some() { "count" } else { "ip" }),
                format!("{from}{count} workers from {ip} do not fit in network.private {private}: room for {room}"),
            );
            complete = false;
            continue;
        }
        for k in 0..count {
            let name = if n.count.is_some() {
                format!("{}{}", n.name, k + 1)
            } else {
                n.name.clone()
            };
            let addr = Ipv4Addr::from(u32::from(ip) + k);
            if !names.insert(name.clone()) {
                c.push(f("name"), format!("node name '{name}' is used twice"));
            }
            if name.len() > 40 {
                c.push(
                    f("name"),
                    format!("node name '{name}' is too long (at most 40 characters)"),
                );
            }
            if !ips.insert(addr) {
                c.push(
                    f("ip"),
                    format!("address {addr} (node '{name}') is used twice"),
                );
            }
            nodes.push(Node {
                name,
                role,
                ip: addr,
                cpus,
                memory,
                index: 0,
                pod_subnet: Ipv4Net::default(),
            });
        }
    }
    if raw.is_empty() {
        c.push(
            "nodes",
            "no nodes: add a control-plane and at least one worker",
        );
    } else if control_planes == 0 && bad_roles == 0 {
        c.push(
            "nodes",
            "no control-plane node: add one node with role: control-plane",
        );
    }
    if workers.is_some() && counted_workers == 0 {
        c.push(
            "nodes",
            "--nodes needs a worker entry with `count` to override",
        );
    }
    // Control plane first, then the others in file order; hand out pod /24s.
    nodes.sort_by_key(|n| n.role != Role::ControlPlane);
    for (i, n) in nodes.iter_mut().enumerate() {
        n.index = i;
    }
    if let Some(p) = pods
        && p.prefix_len() <= 24
    {
        let available = 1u64 << (24 - p.prefix_len());
        if nodes.len() as u64 > available {
            c.push(
                "network.pods",
                format!(
                    "{p} has {available} /24 subnets, not enough for {} nodes",
                    nodes.len()
                ),
            );
        } else {
            for n in nodes.iter_mut() {
                n.pod_subnet = Ipv4Net::new(nth_host(p, (n.index as u32) << 8), 24).expect("/24");
            }
        }
    }
    if let Some(n) = nat
        && let Some(node) = nodes.iter().find(|node| n.contains(&node.ip))
    {
        c.push(
            "network.nat",
            format!("{n} contains node address {}", node.ip),
        );
    }
    Expanded { nodes, complete }
}
