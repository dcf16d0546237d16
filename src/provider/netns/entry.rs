//! netns's line in the provider registry ([`crate::provider::registry`]):
//! the default on Linux as root; nodes are namespaces whose shells run as
//! root, flannel is the stand-in daemon the provider starts on each node,
//! and there is no Kubernetes API server.

use super::Netns;
use crate::cni::Runs;
use crate::provider::registry::{Capabilities, Entry, Options};
use crate::provider::{Kind, Provider};
use crate::spec::Lab;

impl Kind {
    /// This provider's name, as `--provider` and the state file write it.
    #[allow(non_upper_case_globals)]
    pub const Netns: Kind = Kind::named("netns");
}

pub static ENTRY: Entry = Entry {
    kind: Kind::Netns,
    about: "Linux network namespaces, veth, bridges and VXLAN (root)",
    make,
    unavailable,
    capabilities: Capabilities {
        kubernetes: false,
        cni_runs: Runs::HostDaemon,
        node_is_root: true,
        boots_box: false,
        takes_vm: false,
        cluster_files: Some(super::rootfs::CLUSTER_FILES),
        absent_servers: crate::cluster::ports::KUBEADM_NODE_SERVERS,
    },
    doctor: super::doctor::report,
};

fn make(_: &Options) -> Box<dyn Provider> {
    Box::new(Netns::new())
}

/// Not root, missing programs, or a lab larger than this host allows.
fn unavailable(lab: &Lab, _: &Options) -> Option<String> {
    if let Err(e) = crate::provider::default_kind() {
        return Some(e.to_string());
    }
    let missing = super::missing_programs();
    if !missing.is_empty() {
        let progs: Vec<&str> = missing.iter().map(|(p, _)| *p).collect();
        return Some(format!(
            "netns: missing programs {} (`lab doctor --fix`)",
            progs.join(", ")
        ));
    }
    use super::limits;
    limits::exceeded(lab, &limits::Host::read())
}
