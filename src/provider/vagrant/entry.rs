//! vagrant's line in the provider registry ([`crate::provider::registry`]):
//! VMs from a box, with `--vm`; kubeadm makes a real cluster, flannel runs
//! as its DaemonSet's pods, and node commands run as the `vagrant` user.

use super::{Vagrant, Vm};
use crate::cni::Runs;
use crate::provider::registry::{Capabilities, Entry, Options};
use crate::provider::{Kind, Provider};
use crate::spec::Lab;

impl Kind {
    /// This provider's name, as `--provider` and the state file write it.
    #[allow(non_upper_case_globals)]
    pub const Vagrant: Kind = Kind::named("vagrant");
}

pub static ENTRY: Entry = Entry {
    kind: Kind::Vagrant,
    about: "VMs made by Vagrant (VirtualBox or libvirt), kubeadm and the real flannel",
    make,
    unavailable,
    capabilities: Capabilities {
        kubernetes: true,
        cni_runs: Runs::KubernetesPods,
        node_is_root: false,
        boots_box: true,
        takes_vm: true,
        cluster_files: None,
        absent_servers: &[],
    },
    doctor: super::doctor::report,
};

fn make(o: &Options) -> Box<dyn Provider> {
    match o.vm {
        Some(vm) => Box::new(Vagrant::with_vm(vm)),
        None => Box::new(Vagrant::new()),
    }
}

/// What `lab doctor --provider vagrant` finds missing for `lab`.
fn unavailable(lab: &Lab, o: &Options) -> Option<String> {
    let vm: Vm = match o.vm {
        Some(v) => v,
        None => match Vagrant::new().vm() {
            Ok(v) => v,
            Err(e) => return Some(e.to_string()),
        },
    };
    let problems: Vec<String> = super::doctor(Some(lab), vm)
        .into_iter()
        .filter(|l| !l.ok)
        .map(|l| l.what)
        .collect();
    (!problems.is_empty()).then(|| {
        format!(
            "vagrant ({}): {} (`lab doctor --provider vagrant --lab {}`)",
            vm,
            problems.join("; "),
            lab.name
        )
    })
}
