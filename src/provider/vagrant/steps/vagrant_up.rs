//! Step: `vagrant up --no-provision` for some machines. The control plane
//! comes up alone first; workers follow together, in parallel where the VM
//! provider allows it (libvirt), one by one where it does not (VirtualBox).
//! Vagrant provisions nothing: `lab` installs Kubernetes over SSH itself.
//! While it runs, `vagrant up` leads a process group of its own, recorded in
//! the lab's folder, which `lab destroy` stops if `lab up` died first.

use crate::bringup::Step;
use crate::error::Result;
use crate::exec;
use crate::provider::vagrant::ctx::VagrantCtx;
use crate::provider::vagrant::render::Vm;
use async_trait::async_trait;

/// The record of a running `vagrant up`, in the lab's folder
/// ([`exec::Recorded`]).
pub const VAGRANT_PROCESS: &str = "vagrant-up.json";

pub struct VagrantUp {
    pub machines: Vec<String>,
}

/// The arguments of `vagrant up` for `machines` under `vm`.
pub fn up_args(vm: Vm, machines: &[String]) -> Vec<String> {
    let mut args = vec![
        "up".to_string(),
        "--no-provision".into(),
        "--provider".into(),
        vm.to_string(),
    ];
    // VirtualBox cannot create machines in parallel; Vagrant would refuse.
    args.push(
        if vm == Vm::Libvirt && machines.len() > 1 {
            "--parallel"
        } else {
            "--no-parallel"
        }
        .into(),
    );
    args.extend(machines.iter().cloned());
    args
}

#[async_trait]
impl Step<VagrantCtx> for VagrantUp {
    async fn run(&self, ctx: &mut VagrantCtx) -> Result<()> {
        let args = up_args(ctx.vm, &self.machines);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        // Recorded, so that `lab destroy` can stop a `vagrant up` whose
        // `lab up` was killed before it could.
        let record = ctx.dir.join(VAGRANT_PROCESS);
        exec::run_async_recorded(&ctx.rep, ctx.vagrant(&args), &record).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_only_on_libvirt() {
        let two = vec!["node1".to_string(), "node2".to_string()];
        assert_eq!(
            up_args(Vm::Libvirt, &two).join(" "),
            "up --no-provision --provider libvirt --parallel node1 node2"
        );
        assert_eq!(
            up_args(Vm::Virtualbox, &two).join(" "),
            "up --no-provision --provider virtualbox --no-parallel node1 node2"
        );
    }
}
