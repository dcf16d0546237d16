//! Each node's two NICs: `enp0s3` to its NAT dead end (10.0.2.15, default
//! route via 10.0.2.2) and `enp0s8` on the lab's host-only bridge. Two
//! rounds of per-namespace batches, each round concurrent.

use super::super::ctx::NetnsCtx;
use super::super::sys::{self, Batch};
use super::super::{names, plan};
use crate::bringup::Step;
use crate::error::Result;
use async_trait::async_trait;

pub struct Nics;

#[async_trait]
impl Step<NetnsCtx> for Nics {
    async fn run(&self, ctx: &mut NetnsCtx) -> Result<()> {
        let lab = &ctx.lab;
        // Round 1: the nodes make their veths (peers land in the NAT and
        // private namespaces); the private network makes its bridge.
        let mut round1 = vec![Batch::ip(names::net_ns(&lab.name), plan::net_bridge())];
        round1.extend(
            lab.nodes
                .iter()
                .map(|n| Batch::ip(names::node_ns(&lab.name, &n.name), plan::node_nics(lab, n))),
        );
        sys::run_batches(&ctx.rep, round1).await?;
        // Round 2: the peers' side.
        let mut round2 = vec![Batch::ip(names::net_ns(&lab.name), plan::net_ports(lab))];
        round2.extend(
            lab.nodes
                .iter()
                .map(|n| Batch::ip(names::nat_ns(&lab.name, &n.name), plan::nat_gateway(lab))),
        );
        sys::run_batches(&ctx.rep, round2).await
    }
}
