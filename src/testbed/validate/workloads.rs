//! The `workloads:` manifests: their Deployments, with names Kubernetes
//! accepts, and replicas that fit in the pod subnets of the workers.

use super::{Collector, files::manifest_path, is_dns_label};
use crate::testbed::manifest::{self, ManifestError};
use crate::testbed::raw::RawLab;
use crate::testbed::{Node, Role, Workload, nth_host};
use ipnet::Ipv4Net;
use std::path::{Path, PathBuf};

/// The workloads that were read, the files they came from, and whether
/// their replicas fit.
pub(super) struct Workloads {
    pub workloads: Vec<Workload>,
    pub files: Vec<PathBuf>,
    pub fits: bool,
}

/// Read and check every workload file; `nodes_complete` says whether the
/// nodes (and so the pod subnets) are all known.
pub(super) fn workloads(
    c: &mut Collector,
    dir: &Path,
    raw: &RawLab,
    nodes: &[Node],
    nodes_complete: bool,
    pods: Option<Ipv4Net>,
) -> Workloads {
    let mut workloads = Vec::new();
    let mut workload_files = Vec::new();
    // The field and file each workload comes from.
    let mut sources = Vec::new();
    // Each manifest, and each Deployment's name, once: the pods of a
    // Deployment are named after it, so a second one (the same file listed
    // twice) failed `up` half way on a pod that already existed.
    let mut seen_files: Vec<(PathBuf, String)> = Vec::new();
    let mut seen_names: Vec<(String, String)> = Vec::new();
    for (i, w) in raw.workloads.iter().enumerate() {
        let field = format!("workloads[{i}]");
        let Some(path) = manifest_path(c, dir, &field, w) else {
            continue;
        };
        let real = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if let Some((_, first)) = seen_files.iter().find(|(p, _)| *p == real) {
            c.push(
                &field,
                format!("{w}: this manifest is listed twice (also as {first}); list it once"),
            );
            continue;
        }
        seen_files.push((real, field.clone()));
        match manifest::read_documents(&path).and_then(|m| manifest::workloads(&m)) {
            Ok(ws) => {
                for wl in &ws {
                    if let Some((_, first)) = seen_names.iter().find(|(n, _)| *n == wl.name) {
                        c.push(
                            &field,
                            format!(
                                "{w}: Deployment '{}' is defined twice (also in {first}); its pods are named after it, so each Deployment needs its own name",
                                wl.name
                            ),
                        );
                    } else {
                        seen_names.push((wl.name.clone(), field.clone()));
                    }
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
    if nodes_complete && pods.is_some_and(|p| p.prefix_len() <= 24) {
        fits = pods_fit(c, nodes, &workloads, &sources);
    } else {
        for (w, (field, path)) in workloads.iter().zip(&sources) {
            if u64::from(w.replicas) > MAX_REPLICAS {
                fits = false;
                too_many(
                    c,
                    w,
                    (field, path),
                    format!(
                        "{} replicas: a lab holds at most {MAX_REPLICAS} pods",
                        w.replicas
                    ),
                );
            }
        }
    }
    Workloads {
        workloads,
        files: workload_files,
        fits,
    }
}

/// Every replica takes an address of its node's pod subnet, from .2 to the
/// last before the broadcast address (.1 is the node's cni0), as
/// `Testbed::placements` hands them out: round-robin over the workers, each
/// workload from the first worker on, so the first worker is the fullest.
/// Replicas that do not fit are a problem of the manifest, found here, not
/// a failed `ip route` or an allocation without end at bring-up.
/// Whether they fit (else the problem is pushed).
fn pods_fit(
    c: &mut Collector,
    nodes: &[Node],
    workloads: &[Workload],
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
            too_many(
                c,
                w,
                (field, path),
                format!(
                    "{r} replicas on {n} worker{} put {pods} pods on {}{earlier}, but its pod subnet {subnet} holds {room} ({} to {})",
                    if n == 1 { "" } else { "s" },
                    first.name,
                    nth_host(subnet, 2),
                    nth_host(subnet, room as u32 + 1),
                ),
            );
            return false;
        }
    }
    true
}

/// A workload's replicas that do not fit: a problem of its manifest, at
/// its `replicas` line.
fn too_many(c: &mut Collector, w: &Workload, (field, path): (&str, &Path), message: String) {
    c.push_manifest(
        field,
        path,
        ManifestError {
            field: format!("Deployment {}.spec.replicas", w.name),
            line: w.replicas_line,
            message,
        },
    );
}

/// The most pods of a lab whose pod subnets were not checked one by one:
/// as many as 1022 workers (the bridge's ports) hold at 253 pods each.
const MAX_REPLICAS: u64 = 1022 * 253;
