//! Step: on libvirt with a box other than lab's own, write systemd `.link`
//! files pinning the lab's NIC names (`interfaces:`) to each node's MACs
//! (see [`guest_net`]). lab's box takes the names from the kernel command
//! line at its first boot; another box boots with its own names, and takes
//! these at its next boot.

use crate::bringup::Step;
use crate::error::{LabError, Result};
use crate::provider::vagrant::ctx::VagrantCtx;
use crate::provider::vagrant::guest_net;
use async_trait::async_trait;

pub struct PinNicNames;

/// The script that writes a node's `.link` files (run as root).
pub fn script(files: &[(String, String)]) -> String {
    let mut s = String::from("set -eu\nmkdir -p /etc/systemd/network\n");
    for (name, text) in files {
        s.push_str(&format!(
            "cat > /etc/systemd/network/{name} <<'LAB_LINK'\n{text}LAB_LINK\n"
        ));
    }
    s
}

#[async_trait]
impl Step<VagrantCtx> for PinNicNames {
    async fn run(&self, ctx: &mut VagrantCtx) -> Result<()> {
        let ssh = ctx.ssh()?;
        let mut failed = Vec::new();
        for (i, node) in ctx.lab.nodes.iter().enumerate() {
            let macs = guest_net::macs(&ctx.lab, i)?;
            let text = script(&guest_net::link_files(&ctx.lab, &macs));
            if let Err(e) = ssh.script(&node.name, &text, &[]).await {
                failed.push(format!("{}: {e}", node.name));
            }
        }
        if failed.is_empty() {
            Ok(())
        } else {
            Err(LabError::Usage(format!(
                "writing the NIC names failed on {} node(s):\n{}",
                failed.len(),
                failed.join("\n")
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_each_file_whole() {
        let s = script(&[("10-lab-enp0s8.link".into(), "[Link]\nName=enp0s8\n".into())]);
        assert!(s.contains(
            "cat > /etc/systemd/network/10-lab-enp0s8.link <<'LAB_LINK'\n[Link]\nName=enp0s8\nLAB_LINK\n"
        ));
    }
}
