//! Each node's own files: an overlay over the host's `/` with the node's
//! upper layer in the lab's state folder, mounted once per node (see
//! `files::mount_node_root`); every entry to the node (`lab ssh`, a check,
//! a pod's nginx) pivots into it, so what runs "on node1" writes into the
//! lab, never into the host.

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
