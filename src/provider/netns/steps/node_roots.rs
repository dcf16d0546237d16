//! Each node's own files: an overlay over the lab's `rootfs` (made here,
//! see [`super::super::rootfs`]) with the node's upper layer in the lab's
//! state folder, mounted once per node (see `files::mount_node_root`);
//! every entry to the node (`lab ssh`, a check, a pod's nginx) pivots into
//! it, so what runs "on node1" writes into the lab, never into the host,
//! and reads none of the host's secrets.

use super::super::ctx::NetnsCtx;
use super::super::files;
use crate::bringup::Step;
use crate::error::Result;
use async_trait::async_trait;

pub struct NodeRoots;

#[async_trait]
impl Step<NetnsCtx> for NodeRoots {
    async fn run(&self, ctx: &mut NetnsCtx) -> Result<()> {
        for node in &ctx.lab.nodes {
            // Old overlays over an old rootfs go before it is made again.
            for m in files::mounts_under(&files::node_rootfs(&ctx.lab.name, &node.name)) {
                let _ = nix::mount::umount2(&m, nix::mount::MntFlags::MNT_DETACH);
            }
        }
        super::super::rootfs::build(&ctx.layout, &ctx.lab)?;
        for node in &ctx.lab.nodes {
            files::mount_node_root(&ctx.layout, &ctx.lab.name, &node.name)?;
            ctx.rep.log(&format!(
                "mounted node {}'s root: {}",
                node.name,
                files::node_rootfs(&ctx.lab.name, &node.name).display()
            ));
        }
        Ok(())
    }
}
