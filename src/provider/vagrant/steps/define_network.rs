//! Step: define and start the lab's libvirt network `lab-<lab>` before any
//! machine exists (see [`guest_net`]): isolated, with a DHCP reservation
//! per node, written to `.lab/<lab>/libvirt-network.xml` first so what was
//! asked of libvirt can be read afterwards. A network of that name left by
//! an earlier run of the same lab is replaced.

use crate::bringup::Step;
use crate::error::{LabError, Result};
use crate::provider::vagrant::ctx::VagrantCtx;
use crate::provider::vagrant::guest_net;
use crate::provider::vagrant::libvirt_ns;
use crate::state::write_atomic;
use async_trait::async_trait;

/// The network's definition, in the lab's folder.
pub const NETWORK_XML: &str = "libvirt-network.xml";

pub struct DefineNetwork;

#[async_trait]
impl Step<VagrantCtx> for DefineNetwork {
    async fn run(&self, ctx: &mut VagrantCtx) -> Result<()> {
        let xml = guest_net::network_xml(&ctx.lab)?;
        let path = ctx.dir.join(NETWORK_XML);
        write_atomic(&path, xml.as_bytes())?;
        let name = guest_net::network_name(&ctx.lab);
        let ours = ctx.state.provider_state["libvirt_ns"].as_bool() == Some(true);
        tokio::task::spawn_blocking(move || {
            libvirt_ns::remove_network(ours, &name);
            for args in [
                vec!["net-define".to_string(), path.display().to_string()],
                vec!["net-start".to_string(), name.clone()],
            ] {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let out = libvirt_ns::virsh_on(ours, &args)
                    .output()
                    .map_err(|e| LabError::io("running virsh", e))?;
                if !out.status.success() {
                    return Err(LabError::Step {
                        step: format!("define libvirt network {name}"),
                        message: format!(
                            "`virsh {}` failed: {}",
                            args.join(" "),
                            String::from_utf8_lossy(&out.stderr).trim()
                        ),
                    });
                }
            }
            Ok(())
        })
        .await
        .map_err(|e| LabError::Usage(format!("defining the libvirt network: {e}")))?
    }
}
