//! Delete flannel's VXLAN device on every node (as flanneld does when it
//! finds `flannel.1` with another local address or device): it takes its
//! neighbours, FDB entries and routes with it. `cni0` stays.

use super::super::ctx::NetnsCtx;
use super::super::names;
use super::super::netlink::{self, Op, Work};
use crate::bringup::Step;
use crate::error::Result;
use async_trait::async_trait;

pub struct RemoveFlannel;

#[async_trait]
impl Step<NetnsCtx> for RemoveFlannel {
    async fn run(&self, ctx: &mut NetnsCtx) -> Result<()> {
        // Each deletion waits for an RCU grace period under the kernel's
        // global RTNL lock: the VXLAN device only (cni0 stays, as flannel
        // leaves it on a real node).
        let del = Op::Delete {
            dev: names::VXLAN_IF.into(),
        };
        let works = ctx
            .lab
            .nodes
            .iter()
            .map(|n| Work::new(ctx.ns_of_node(&n.name), vec![del.clone()]).tolerant())
            .collect();
        netlink::apply(&ctx.rep, works).await?;
        ctx.ps.leases.clear();
        ctx.save()
    }
}
