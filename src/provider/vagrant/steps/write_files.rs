//! Step: write the lab's folder (`.lab/<lab>/`): the Vagrantfile, every
//! node's rendered scripts and the state, before any machine exists, so a
//! failed or interrupted `up` can always be destroyed from what is on disk;
//! the host's record that lab made them first ([`crate::state::made`]).

use crate::bringup::Step;
use crate::error::{LabError, Result};
use crate::provider::vagrant::ctx::{SCRIPTS_DIR, VAGRANTFILE, VagrantCtx};
use crate::provider::vagrant::libvirt_ns;
use crate::provider::vagrant::render::{self, LibvirtHost, Vm};
use crate::state::write_atomic;
use async_trait::async_trait;

pub struct WriteFiles;

#[async_trait]
impl Step<VagrantCtx> for WriteFiles {
    async fn run(&self, ctx: &mut VagrantCtx) -> Result<()> {
        let scripts = ctx.dir.join(SCRIPTS_DIR);
        std::fs::create_dir_all(&scripts)
            .map_err(|e| LabError::io(format!("creating {}", scripts.display()), e))?;
        let host = if ctx.vm == Vm::Libvirt {
            let ours = libvirt_ns::running() || !libvirt_ns::system_libvirtd();
            ctx.state.provider_state["libvirt_ns"] = serde_json::json!(ours);
            let driver = libvirt_ns::driver();
            LibvirtHost {
                driver: Some(driver.to_string()),
                why: if driver == "kvm" {
                    "KVM runs guests here".into()
                } else {
                    "KVM cannot run guests here (no vmx/svm in /proc/cpuinfo, or no usable /dev/kvm): QEMU emulates (TCG)".into()
                },
                socket: ours.then(|| libvirt_ns::socket().display().to_string()),
                netns: libvirt_ns::NETNS.into(),
            }
        } else {
            LibvirtHost::default()
        };
        let vagrantfile = render::vagrantfile_on(&ctx.lab, ctx.vm, &host)?;
        // The host's record that lab made this folder and this Vagrantfile,
        // before either the state or the file is there ([`state::made`]).
        ctx.record(VAGRANTFILE, vagrantfile.as_bytes())?;
        ctx.state.save()?;
        write_atomic(&ctx.dir.join(VAGRANTFILE), vagrantfile.as_bytes())?;
        for node in &ctx.lab.nodes {
            for script in render::scripts_for(node) {
                let text = render::script(&ctx.lab, script, &node.name)?;
                write_atomic(&ctx.script_path(&node.name, script), text.as_bytes())?;
            }
        }
        Ok(())
    }
}
