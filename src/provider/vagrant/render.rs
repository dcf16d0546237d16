//! Renders the lab's Vagrantfile and provisioning scripts from the Tera
//! templates shipped in the crate (`Vagrantfile.tera`, `templates/*.sh.tera`).
//!
//! The templates are embedded in the binary, so `lab` renders the same files
//! wherever it is installed. The context is built here, once, from the
//! validated [`Lab`]: every value that reaches Ruby or a shell has already been
//! held to a safe alphabet by `testbed::validate`. `templates/README.md` lists
//! the context variables; Tera fails on a missing one, which the tests catch.

use super::guest_net;
use crate::error::{LabError, Result};
use crate::spec::{Lab, Node, Role};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::fmt;

const VAGRANTFILE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/Vagrantfile.tera"));
const COMMON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/templates/common.sh.tera"
));
const CONTROL_PLANE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/templates/control-plane.sh.tera"
));
const WORKER: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/templates/worker.sh.tera"
));

/// The script names `lab render --script` accepts, in the order they run.
pub const SCRIPTS: [&str; 3] = ["common", "control-plane", "worker"];

/// The hypervisor under Vagrant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Vm {
    /// VirtualBox: the chapter's setup (NICs enp0s3/enp0s8, NAT 10.0.2.15 on every VM).
    #[default]
    Virtualbox,
    /// libvirt/KVM through the vagrant-libvirt plugin.
    Libvirt,
}

impl Vm {
    /// The VM provider a name means (`LAB_VAGRANT_VM`,
    /// `VAGRANT_DEFAULT_PROVIDER`: any case, spaces around ignored).
    pub fn parse(s: &str) -> Option<Vm> {
        <Vm as clap::ValueEnum>::from_str(s.trim(), true).ok()
    }
}

/// The name Vagrant uses (`--provider`, `VAGRANT_DEFAULT_PROVIDER`): clap's
/// value name, which serde's lowercase renaming agrees with.
impl fmt::Display for Vm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use clap::ValueEnum;
        let v = self.to_possible_value().expect("no variant is skipped");
        f.write_str(v.get_name())
    }
}

fn node_value(n: &Node) -> Value {
    json!({
        "name": n.name,
        "role": n.role.as_str(),
        "ip": n.ip.to_string(),
        "cpus": n.cpus,
        "memory": n.memory,
    })
}

/// Where the libvirt machines run, when `lab` knows (at `up`): the domain
/// type and lab's own libvirtd. Default: as vagrant-libvirt decides.
#[derive(Debug, Clone, Default)]
pub struct LibvirtHost {
    /// `kvm` or `qemu` (TCG), as detected.
    pub driver: Option<String>,
    /// Why that driver (a comment in the Vagrantfile).
    pub why: String,
    /// The socket of lab's libvirtd, when lab runs one.
    pub socket: Option<String>,
    pub netns: String,
}

/// The template context shared by every file (see `templates/README.md`).
fn context(lab: &Lab, vm: Vm) -> Result<Value> {
    context_on(lab, vm, &LibvirtHost::default())
}

/// On libvirt, each node's NICs as [`guest_net`] makes them (VirtualBox's
/// look): their MACs, and the kernel command line naming them when the box
/// is lab's own.
fn libvirt_nodes(lab: &Lab) -> Result<Vec<Value>> {
    let ours = lab.box_name == super::box_build::BOX_NAME;
    let mut out = Vec::new();
    for (i, n) in lab.nodes.iter().enumerate() {
        let m = guest_net::macs(lab, i)?;
        let mut v = node_value(n);
        v["nat_mac"] = json!(m.nat);
        v["private_mac"] = json!(m.private);
        v["nat_device"] = json!(guest_net::nat_device(&m));
        v["cmd_line"] = json!(if ours {
            guest_net::cmd_line(lab, &m)
        } else {
            String::new()
        });
        out.push(v);
    }
    Ok(out)
}

fn context_on(lab: &Lab, vm: Vm, host: &LibvirtHost) -> Result<Value> {
    let cp = lab.control_plane();
    let (nodes, nat_netdev) = if vm == Vm::Libvirt {
        (libvirt_nodes(lab)?, guest_net::nat_netdev(lab)?)
    } else {
        (lab.nodes.iter().map(node_value).collect(), String::new())
    };
    Ok(json!({
        "lab": {
            "name": lab.name,
            "title": lab.title,
            "box": lab.box_name,
            "kubernetes": lab.kubernetes,
        },
        "vm": vm.to_string(),
        "interfaces": { "nat": lab.interfaces.nat, "private": lab.interfaces.private },
        "network": {
            "private": lab.network.private.to_string(),
            "private_netmask": lab.network.private.netmask().to_string(),
            "pods": lab.network.pods.to_string(),
            "nat": lab.network.nat.to_string(),
        },
        "nodes": nodes,
        "control_plane": { "name": cp.name, "ip": cp.ip.to_string() },
        "libvirt": {
            "driver": host.driver.clone().unwrap_or_default(),
            "why": host.why,
            "socket": host.socket.clone().unwrap_or_default(),
            "netns": host.netns,
            "network": guest_net::network_name(lab),
            "nat_netdev": nat_netdev,
        },
    }))
}

fn render_one(name: &str, template: &str, ctx: &Value) -> Result<String> {
    let fail = |e: tera::Error| {
        // Tera puts the useful part (which variable, which line) in the sources.
        let mut msg = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            msg.push_str(&format!(": {s}"));
            src = s.source();
        }
        LabError::Usage(format!("rendering {name}: {msg}"))
    };
    let mut tera = tera::Tera::default();
    tera.autoescape_on(vec![]);
    tera.add_raw_template(name, template).map_err(fail)?;
    let ctx = tera::Context::from_value(ctx.clone()).map_err(fail)?;
    tera.render(name, &ctx).map_err(fail)
}

/// The lab's Vagrantfile for `vm`: the control plane and every worker, with
/// hostname, private address, CPUs and memory.
pub fn vagrantfile(lab: &Lab, vm: Vm) -> Result<String> {
    render_one("Vagrantfile.tera", VAGRANTFILE, &context(lab, vm)?)
}

/// The Vagrantfile as `up` writes it for libvirt on this machine.
pub fn vagrantfile_on(lab: &Lab, vm: Vm, host: &LibvirtHost) -> Result<String> {
    render_one("Vagrantfile.tera", VAGRANTFILE, &context_on(lab, vm, host)?)
}

/// A provisioning script (`common`, `control-plane` or `worker`) for `node`.
/// `control-plane` is only for the control plane and `worker` only for workers.
pub fn script(lab: &Lab, name: &str, node: &str) -> Result<String> {
    let n = lab.require_node(node)?;
    let template = match (name, n.role) {
        ("common", _) => COMMON,
        ("control-plane", Role::ControlPlane) => CONTROL_PLANE,
        ("worker", Role::Worker) => WORKER,
        ("control-plane" | "worker", role) => {
            return Err(LabError::Usage(format!(
                "the {name} script does not run on {node}, which is a {} node; pick a node with that role",
                role.as_str()
            )));
        }
        _ => {
            return Err(LabError::Usage(format!(
                "no script '{name}' (scripts: {})",
                SCRIPTS.join(", ")
            )));
        }
    };
    let mut ctx = context(lab, Vm::default())?;
    ctx["node"] = node_value(n);
    // kubeadm init's flags are the cluster step's own, one per line.
    ctx["kubeadm"] = json!({
        "init_flags": crate::cluster::init::init_flags(lab).join(" \\\n    "),
    });
    render_one(&format!("{name}.sh.tera"), template, &ctx)
}

/// The scripts a node runs, in order: `common`, then its role's script.
pub fn scripts_for(node: &Node) -> [&'static str; 2] {
    match node.role {
        Role::ControlPlane => ["common", "control-plane"],
        Role::Worker => ["common", "worker"],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_vm_names() {
        assert_eq!(Vm::parse("LibVirt"), Some(Vm::Libvirt));
        assert_eq!(Vm::parse("virtualbox"), Some(Vm::Virtualbox));
        assert_eq!(Vm::parse("kvm"), None);
    }
}
