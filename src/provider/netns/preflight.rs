//! What must hold before a lab is made: its name is a DNS label and free on
//! this host (namespace names are host-wide), no node takes a name the
//! provider reserves, and the variant is one the provider reproduces.

use super::{flanneld, names, sys};
use crate::error::{LabError, Result};
use crate::spec::{Lab, Variant};
use crate::state::claim;
use std::path::Path;

/// What must hold before anything is made: names, backend, no leftovers.
pub(super) fn preflight(lab: &Lab, variant: &Variant) -> Result<()> {
    if !names::valid_lab_name(&lab.name) {
        return Err(LabError::Usage(format!(
            "'{}' is not a valid lab name ({})",
            lab.name,
            crate::testbed::NAME_RULE
        )));
    }
    if let Some(n) = lab
        .nodes
        .iter()
        .find(|n| names::RESERVED_NODE_NAMES.contains(&n.name.as_str()))
    {
        return Err(lab.node_problem(
            &n.name,
            format!(
                "'{}' is reserved by the netns provider (namespaces {}.net, {}.nat and {}.pod.* are the lab's own); rename the node",
                n.name, lab.name, lab.name, lab.name
            ),
        ));
    }
    check_variant(lab, variant)?;
    let dir = crate::state::lab_dir(&lab.name);
    outside_what_nodes_see(&dir)?;
    check_name(lab, &dir)
}

/// A state folder under a host folder that every node, pod and probe sees
/// read-only (`/usr`, `/bin`, ..., [`super::enter::HOST_READ_ONLY`]; `.lab`
/// of a project in `/usr/src`) would let every node read the lab's keys,
/// state and log, and the pods' nginx could not reach their files there
/// (`up` failed with exit 3 naming nginx.conf): refused before anything is
/// made, naming `LAB_STATE_DIR`.
fn outside_what_nodes_see(dir: &Path) -> Result<()> {
    let real = crate::places::real_path(dir);
    for d in super::enter::HOST_READ_ONLY {
        let host = Path::new("/").join(d);
        let host = std::fs::canonicalize(&host).unwrap_or(host);
        if real.starts_with(&host) {
            return Err(LabError::Usage(format!(
                "the lab's state folder {} is under {}, which every node sees (read-only): its keys, state and log would be readable from the nodes, and its pods could not reach their files; set LAB_STATE_DIR to a folder elsewhere (nothing of the lab was made)",
                real.display(),
                host.display()
            )));
        }
    }
    Ok(())
}

/// Whether a claim's lab still has anything: its state, a namespace, or the
/// `up` that made the claim (which may not have saved its state yet).
fn claim_alive(c: &claim::Claim, existing: &[String]) -> bool {
    c.state_dir.join(crate::state::STATE_FILE).is_file()
        || c.namespaces.iter().any(|n| existing.contains(n))
        || c.owner
            .is_some_and(|(pid, start)| sys::is_alive(pid, start))
}

/// Check that the lab name is free on this host for the state folder `dir`
/// (namespace names are host-wide, so a lab's name is too); a stale claim
/// (nothing of its lab left) is removed. Namespaces of the lab's prefix that
/// no claim lists were not made by `lab` for this lab: they are refused,
/// never removed.
fn check_name(lab: &Lab, dir: &Path) -> Result<()> {
    let name = &lab.name;
    let existing = sys::lab_namespaces(name);
    if let Some(c) = claim::read(name) {
        if claim_alive(&c, &existing) {
            if c.state_dir != dir {
                let root = c.state_dir.parent().unwrap_or(&c.state_dir);
                return Err(LabError::Usage(format!(
                    "lab '{name}' is already up on this host from another state folder, {} (namespace names are host-wide, so one lab '{name}' runs per host); use it there (LAB_STATE_DIR={}) or give this lab another name",
                    c.state_dir.display(),
                    root.display()
                )));
            }
            return Err(LabError::Usage(format!(
                "lab '{name}' has leftovers of an interrupted run in this state folder ({}); `lab destroy {name}` removes them",
                list(
                    &c.namespaces
                        .iter()
                        .filter(|n| existing.contains(n))
                        .cloned()
                        .collect::<Vec<_>>()
                )
            )));
        }
        // Stale: nothing of it is left.
        claim::remove(name);
    }
    if !existing.is_empty() {
        return Err(LabError::Usage(format!(
            "namespaces named like lab '{name}' exist ({}) that lab did not make for it (no record of them): lab will not use or remove them; if they are yours remove them (`ip netns delete NAME`), or give this lab another name",
            list(&existing)
        )));
    }
    // A cgroup lab makes always has a claim until `destroy` removes both:
    // one without is not the lab's (adopted, its limits were rewritten and
    // `destroy` stopped the processes in it).
    let groups: Vec<String> = super::cgroups::named_like(name)
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    if !groups.is_empty() {
        return Err(LabError::Usage(format!(
            "cgroups named like lab '{name}' exist ({}) that lab did not make for it (no record of them): lab will not use, change or remove them; if they are yours remove them (`rmdir`), or give this lab another name",
            list(&groups)
        )));
    }
    Ok(())
}

fn list(v: &[String]) -> String {
    format!(
        "{}{}",
        v.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
        if v.len() > 3 { ", ..." } else { "" }
    )
}

/// Claim the lab's name for `instance` (after [`check_name`]); losing a
/// race to another `up` is the same refusal.
pub(super) fn take_name(lab: &Lab, dir: &Path, instance: &str) -> Result<()> {
    let me = std::process::id() as i32;
    let c = claim::Claim {
        name: lab.name.clone(),
        instance: instance.to_string(),
        state_dir: dir.to_path_buf(),
        namespaces: vec![],
        owner: sys::proc_stat(me).map(|s| (me, s.start_time)),
        ids: None,
    };
    match claim::create(&c)? {
        Ok(()) => Ok(()),
        Err(other) => Err(LabError::Usage(format!(
            "lab '{}' was claimed just now by another `lab up`{}",
            lab.name,
            other
                .map(|o| format!(" from the state folder {}", o.state_dir.display()))
                .unwrap_or_default()
        ))),
    }
}

/// The variant can be reproduced: vxlan backend, flannel finds an interface.
/// The flannel configuration of `variant`: netns stands in for flanneld.
pub fn flannel_of(variant: &Variant) -> Result<&crate::cni::flannel::FlannelConfig> {
    variant.cni.flannel().ok_or_else(|| {
        LabError::Usage(format!(
            "variant '{}' uses the {} pod network; the netns provider reproduces flannel only (use --provider vagrant)",
            variant.name,
            variant.cni.plugin().name()
        ))
    })
}

pub(super) fn check_variant(lab: &Lab, variant: &Variant) -> Result<()> {
    let flannel = flannel_of(variant)?;
    if flannel.backend != "vxlan" {
        return Err(LabError::Usage(format!(
            "variant '{}' uses flannel's '{}' backend; the netns provider reproduces the vxlan backend only (use --provider vagrant)",
            variant.name, flannel.backend
        )));
    }
    flanneld::leases(lab, flannel)
        .map(drop)
        .map_err(|e| LabError::Usage(format!("variant '{}': {e}", variant.name)))
}

#[cfg(test)]
mod tests {
    use super::super::plan;
    use super::*;

    #[test]
    fn reserved_node_names_are_refused() {
        let mut lab = plan::tests::lab();
        lab.nodes[1].name = "net".into();
        let v = Variant {
            name: "broken".into(),
            manifest: "/x".into(),
            about: String::new(),
            cni: crate::cni::CniConfig::new(crate::cni::flannel::FlannelConfig::vxlan(
                "10.244.0.0/16".parse().unwrap(),
            )),
        };
        assert!(
            preflight(&lab, &v)
                .unwrap_err()
                .to_string()
                .contains("reserved")
        );
        let mut v2 = v.clone();
        let mut f = v2.cni.flannel().unwrap().clone();
        f.backend = "host-gw".into();
        v2.cni = crate::cni::CniConfig::new(f);
        assert!(
            check_variant(&plan::tests::lab(), &v2)
                .unwrap_err()
                .to_string()
                .contains("vxlan backend only")
        );
    }
}
