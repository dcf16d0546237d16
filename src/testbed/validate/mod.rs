//! The validation pass: raw values in, a trusted `Testbed` out, or every
//! problem found, each with file, line, field and what would be valid. One
//! idea per file: the collector of problems, the safe alphabets, the files a
//! lab names, its fields and networks, its nodes, variants and workloads;
//! this file runs them in order, assembles the `Testbed` and hands the raw
//! checks to the caller's resolver (`spec::checks`, above the probes).
//!
//! Values that end up in a shell script or a Vagrantfile (names, box,
//! interfaces, versions) are held to a safe alphabet here, so no lab file can
//! inject code into what `lab` renders.

mod alphabet;
mod collector;
mod files;
mod network;
mod nodes;
mod variants;
mod workloads;

pub(crate) use alphabet::{is_box, is_dns_label, is_ifname};
#[cfg(test)]
mod tests_cni_stub;
pub(crate) use collector::Collector;

use super::raw::RawLab;
use super::{Interfaces, LoadOptions, Network, Testbed};
use crate::error::{LabError, Problems, Result};
use files::manifest_path;
use nodes::expand_nodes;
use serde_norway::Value;
use std::path::Path;

/// The testbed of `raw`, and what `then` resolves of its checks (see
/// [`super::load_file_with`]).
pub(crate) fn validate<T: Default>(
    file: &Path,
    text: &str,
    raw: RawLab,
    opts: LoadOptions,
    then: impl FnOnce(&mut Collector, &Testbed, Option<&Testbed>, &[Value]) -> T,
) -> Result<(Testbed, T)> {
    let mut c = Collector::new(file, text);
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();

    network::lab_fields(&mut c, &raw);
    let network::Networks { private, nat, pods } = network::networks(&mut c, &raw);

    // Nodes.
    let expanded = expand_nodes(&mut c, &raw.nodes, private, nat, pods, opts.workers);
    let nodes = expanded.nodes;

    let variants = variants::variants(&mut c, &dir, &raw, pods);
    network::interfaces_free(&mut c, &raw, &variants);

    let workloads::Workloads {
        workloads,
        files: workload_files,
        fits,
    } = workloads::workloads(&mut c, &dir, &raw, &nodes, expanded.complete, pods);

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
    let lab = Testbed {
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
        workers_override: opts.workers,
    };
    let mut checks = T::default();
    if refs_known {
        // With `--nodes N`, a check about a node that only the file's own
        // count makes (node2 with --nodes 1) does not apply: it is left out
        // and said so, not an error. A node unknown either way still is.
        let nominal = opts.workers.and_then(|_| {
            let mut scratch = c.scratch();
            let e = expand_nodes(&mut scratch, &raw.nodes, private, nat, pods, None);
            (e.complete && scratch.problems.is_empty()).then(|| Testbed {
                nodes: e.nodes,
                ..lab.clone()
            })
        });
        checks = then(&mut c, &lab, nominal.as_ref(), &raw.checks);
    }
    if c.problems.is_empty() {
        Ok((lab, checks))
    } else {
        Err(LabError::Invalid(Problems(c.finish())))
    }
}
