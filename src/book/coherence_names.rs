//! The pod names of the book's `kubectl get pods` tables, against kubectl
//! and against each other (probe21be, lesser 1: only the row count and the
//! READY/STATUS/NODE/IP columns were compared, so a name no cluster makes,
//! two rows of one name, or a pod renamed between two tables of the same
//! pods all passed):
//! - a pod's name is a DNS-1123 subdomain (lower-case letters, digits, `-`
//!   and `.`), and its generated tail has the shape its controller gives
//!   it: a DaemonSet's pod `NAME-xxxxx`, a Deployment's
//!   `NAME-<template hash>-xxxxx`, each `x` of the alphabet Kubernetes
//!   draws names from;
//! - one table shows a pod (in its namespace) once;
//! - a controller's pod a table shows is in the next table of its pods,
//!   unless a line between ends or replaces them (a `delete -f`, an apply
//!   of other content: [`super::bind::Deletion`]), makes them anew (the
//!   apply after a `delete -f`), or is a kubectl or kubeadm command the
//!   replay does not read.
//!
//! Each is a sentence at the table's line ([`super::coherence`]): drift of
//! that block.

use super::bind::{Binding, PodKind, Table, kind_of, owner_of};
use super::parse::Step;
use super::recognize::{Cmd, KubeAction, Resource};
use crate::spec::Lab;
use std::collections::BTreeMap;

/// The characters Kubernetes draws a generated name's tail from
/// (`utilrand.String`: no vowels, no `0`, `1`, `3`).
const GENERATED: &str = "bcdfghjklmnpqrstvwxz2456789";

/// Whether `name` is a DNS-1123 subdomain, as every pod's name is.
fn valid_name(name: &str) -> bool {
    let ok = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 253
        && b.iter().all(|c| ok(*c) || *c == b'-' || *c == b'.')
        && ok(b[0])
        && ok(b[b.len() - 1])
}

/// Whether `s` is a generated tail of a pod's name: five characters of
/// [`GENERATED`].
fn generated_tail(s: &str) -> bool {
    s.len() == 5 && s.chars().all(|c| GENERATED.contains(c))
}

/// What is wrong with the generated part of `name`, a pod's of the pod
/// network's DaemonSet (`kube-flannel…`) or of a Deployment of `lab` (its
/// name then `-`); `None`: nothing, or a pod of no controller the lab
/// knows.
fn shape_wrong(lab: &Lab, name: &str) -> Option<String> {
    if name.starts_with("kube-flannel") {
        let tail = name.rsplit_once('-').map(|(_, t)| t).unwrap_or("");
        return (!generated_tail(tail)).then(|| {
            format!(
                "the DaemonSet gives its pod a tail of 5 characters of `{GENERATED}`, not `{tail}`"
            )
        });
    }
    let rest = lab
        .workloads
        .iter()
        .filter_map(|w| name.strip_prefix(&format!("{}-", w.name)))
        .min_by_key(|r| r.len())?;
    let ok = match rest.split_once('-') {
        Some((hash, tail)) => {
            (1..=10).contains(&hash.len())
                && hash
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                && generated_tail(tail)
        }
        None => false,
    };
    (!ok).then(|| {
        format!(
            "a Deployment's pod is named NAME-<template hash of up to 10 characters>-<5 characters of `{GENERATED}`>, not `…-{rest}`"
        )
    })
}

/// One `kubectl get pods` table of the book: its line, its rows' names
/// (with their namespace where it shows one), whether it is cut.
struct Shown {
    line: usize,
    names: Vec<(Option<String>, String)>,
    cut: bool,
}

fn table_of(step: &Step, cmd: &Result<Cmd, String>) -> Option<Shown> {
    let Ok(Cmd::Kubectl(k)) = cmd else {
        return None;
    };
    let KubeAction::Get(g) = &k.action else {
        return None;
    };
    if g.what != Resource::Pods {
        return None;
    }
    let t = Table::parse(&step.output)?;
    let name = t.col("NAME")?;
    let ns = t.col("NAMESPACE");
    Some(Shown {
        line: step.line,
        names: t
            .rows
            .iter()
            .map(|r| (ns.map(|i| r[i].clone()), r[name].clone()))
            .collect(),
        cut: step.cut > 0 || step.output.iter().any(|l| super::compare::is_elision(l)),
    })
}

/// Whether `step` may change pods in a way the replay does not follow: a
/// kubectl or kubeadm command it does not read as a get, exec, logs, apply
/// or delete (`kubectl delete pod`, `scale`, `rollout restart`, `kubeadm
/// reset`).
fn unread_event(step: &Step, cmd: &Result<Cmd, String>) -> bool {
    if matches!(cmd, Ok(Cmd::Kubectl(_))) {
        return false;
    }
    step.command
        .split_whitespace()
        .any(|w| w == "kubectl" || w == "kubeadm" || w.ends_with("/kubectl"))
}

/// Check the names of every pod table of the chapter (see the header).
pub fn check(lab: &Lab, b: &mut Binding, blocks: &[Vec<(Step, Result<Cmd, String>)>]) {
    let mut found: Vec<(usize, String)> = Vec::new();
    // Each controller's pods as the last table that showed them did.
    let mut last: BTreeMap<String, (usize, Vec<String>)> = BTreeMap::new();
    for (step, cmd) in blocks.iter().flatten() {
        if unread_event(step, cmd) {
            last.clear();
        }
        // A line that ends pods (a `delete -f`, an apply of other content)
        // or makes them anew after a `delete -f` (probe21bk, wrong red 2:
        // the table a deleted DaemonSet's apply made was held against one
        // shown between the delete and the apply).
        let ends = |d: &&super::bind::Deletion| d.line == step.line || d.applied == Some(step.line);
        for d in b.deletions.iter().filter(ends) {
            last.retain(|_, (_, names)| !names.iter().any(|n| d.ends(&kind_of(lab, n))));
        }
        let Some(t) = table_of(step, cmd) else {
            continue;
        };
        // A workload's apply that makes pods anew (after a delete, or of
        // other content) starts a new generation of workload pods: the last
        // table's are gone.
        let epoch = b.epochs.get(&step.line).copied();
        last.retain(|_, (line, names)| {
            b.epochs.get(line).copied() == epoch
                || !names
                    .iter()
                    .any(|n| matches!(kind_of(lab, n), PodKind::Workload { .. }))
        });
        let mut seen: Vec<&(Option<String>, String)> = Vec::new();
        for row in &t.names {
            let name = &row.1;
            if !valid_name(name) {
                found.push((
                    t.line,
                    format!(
                        "kubectl get pods: the book's pod name {name} is no name kubectl prints: a pod's name is lower-case letters, digits, `-` and `.`"
                    ),
                ));
            } else if let Some(why) = shape_wrong(lab, name) {
                found.push((
                    t.line,
                    format!("kubectl get pods: the book's pod name {name} is no name kubectl prints: {why}"),
                ));
            }
            if seen.contains(&row) {
                found.push((
                    t.line,
                    format!(
                        "kubectl get pods: the book's table shows pod {name} on two rows; a table shows each pod once"
                    ),
                ));
            }
            seen.push(row);
        }
        // Each controller's pods this table shows, against the last table.
        let mut now: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (_, name) in &t.names {
            if kind_of(lab, name) != PodKind::Unknown {
                now.entry(owner_of(name).to_string())
                    .or_default()
                    .push(name.clone());
            }
        }
        for (owner, names) in now {
            if let Some((before, was)) = last.get(&owner)
                && !t.cut
            {
                for gone in was.iter().filter(|n| !names.contains(n)) {
                    found.push((
                        t.line,
                        format!(
                            "kubectl get pods: the book's pod {gone} of {owner} (line {before}) is not in this table of the same pods, and no line between ends or replaces them (a pod keeps its name for its life)"
                        ),
                    ));
                }
            }
            if !t.cut {
                last.insert(owner, (t.line, names));
            }
        }
    }
    for (line, s) in found {
        super::coherence::conflict(b, line, s);
    }
}

#[cfg(test)]
#[path = "coherence_names_tests.rs"]
mod tests;
