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
        // Old overlays over an old rootfs go before it is made again: the
        // host's mount table is read once (deepest mounts first).
        let old = files::mounts_under(&files::lab_mounts(&ctx.lab.name));
        let targets: Vec<_> = ctx
            .lab
            .nodes
            .iter()
            .map(|n| files::node_rootfs(&ctx.lab.name, &n.name))
            .collect();
        for m in old
            .iter()
            .filter(|m| targets.iter().any(|t| m.starts_with(t)))
        {
            let _ = nix::mount::umount2(m, nix::mount::MntFlags::MNT_DETACH);
        }
        let ids = ctx.ids()?;
        super::super::rootfs::build(&ctx.layout, &ctx.lab, ids)?;
        for node in &ctx.lab.nodes {
            files::mount_node_root(&ctx.layout, &ctx.lab.name, &node.name, ids)?;
            ctx.rep.log(&format!(
                "mounted node {}'s root: {}",
                node.name,
                files::node_rootfs(&ctx.lab.name, &node.name).display()
            ));
        }
        Ok(())
    }
}
