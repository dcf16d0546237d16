//! Bring-up and variant switch of the netns provider as lists of small
//! steps (one file each), built from the lab as data and run by
//! [`crate::bringup::run`].

pub(super) mod guard;
mod namespaces;
mod nics;
mod node_roots;
mod pod_network;
mod pods;
mod ready;
mod state_folder;
mod unflannel;
mod unpods;

pub use guard::Guard;
pub use namespaces::Namespaces;
pub use nics::Nics;
pub use node_roots::NodeRoots;
pub use pod_network::PodNetwork;
pub use pods::Pods;
pub use ready::Ready;
pub use state_folder::StateFolder;
pub use unflannel::RemoveFlannel;
pub use unpods::RemovePods;

use super::ctx::NetnsCtx;
use crate::bringup::Planned;
use crate::spec::{Lab, Variant};

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// `lab up`: machines and their NICs, the pod network, the pods. A node
/// runs no daemon: every session enters it (`lab ssh` through `sshd -i`,
/// see [`super::sys::proxy`]; checks directly, see [`super::session`]).
pub fn up(lab: &Lab, variant: &Variant) -> Vec<Planned<NetnsCtx>> {
    let nodes = lab.nodes.len();
    let pods = lab.placements().len();
    vec![
        Planned::new("state folder and SSH keys", StateFolder),
        Planned::new(
            format!("namespaces for {}", plural(nodes, "node")),
            Namespaces,
        ),
        Planned::new("NICs: NAT and host-only network", Nics),
        Planned::new(
            format!("own files for {}", plural(nodes, "node")),
            NodeRoots,
        ),
        Planned::new(
            format!("flannel ({}): vxlan, routes, cni0", variant.name),
            PodNetwork { new_bridge: true },
        ),
        // Before the pods: their nginx hands its filter's listener to it.
        Planned::new("guard of the nodes' tables", Guard),
        Planned::new(format!("{} with nginx", plural(pods, "pod")), Pods),
        Planned::new("wait for nginx", Ready),
    ]
}

/// `lab apply`: as the chapter does it, workloads and flannel removed, then
/// flannel with the new variant and the workloads again.
pub fn apply(lab: &Lab, variant: &Variant) -> Vec<Planned<NetnsCtx>> {
    let pods = lab.placements().len();
    vec![
        Planned::new(format!("delete {}", plural(pods, "pod")), RemovePods),
        Planned::new("delete flannel.1", RemoveFlannel),
        Planned::new(
            format!("flannel ({}): vxlan, routes", variant.name),
            PodNetwork { new_bridge: false },
        ),
        // Before the pods: their nginx hands its filter's listener to it.
        Planned::new("guard of the nodes' tables", Guard),
        Planned::new(format!("{} with nginx", plural(pods, "pod")), Pods),
        Planned::new("wait for nginx", Ready),
    ]
}
