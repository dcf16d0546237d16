//! Delete flannel's devices on every node (as deleting flannel's DaemonSet
//! and its CNI bridge leaves the node): `flannel.1` takes its neighbours,
//! FDB entries and routes with it; `cni0` has no ports left.

use super::super::ctx::NetnsCtx;
use super::super::names;
use super::super::sys::{self, Batch};
use crate::bringup::Step;
use crate::error::Result;
use async_trait::async_trait;

pub struct RemoveFlannel;

#[async_trait]
impl Step<NetnsCtx> for RemoveFlannel {
    async fn run(&self, ctx: &mut NetnsCtx) -> Result<()> {
        let text = format!(
            "link del {}\nlink del {}\n",
            names::VXLAN_IF,
            names::CNI_BRIDGE
        );
        let batches = ctx
            .lab
            .nodes
            .iter()
            .map(|n| Batch::ip(ctx.ns_of_node(&n.name), text.clone()).tolerant())
            .collect();
        sys::run_batches(&ctx.rep, batches).await?;
        ctx.ps.leases.clear();
        ctx.save()
    }
}
