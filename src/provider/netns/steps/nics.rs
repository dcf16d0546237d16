//! Each node's two NICs: `enp0s3` to its NAT dead end (10.0.2.15, default
//! route via 10.0.2.2) and `enp0s8` on the lab's host-only bridge. Three
//! rounds of batches (the NAT namespace, the private network, then every
//! node concurrently); the veths are made from the lab's side (see
//! `plan::PEER_IFINDEX` for why).

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
        // Round 1: the NAT namespace makes a veth per node, sending `enp0s3`
        // into it (first, so it is the node's interface 2).
        sys::run_batches(
            &ctx.rep,
            vec![Batch::ip(names::nat_ns(&lab.name), plan::nat_ends(lab))],
        )
        .await?;
        // Round 2: the private network makes its bridge and a port per node,
        // sending `enp0s8` into each node.
        sys::run_batches(
            &ctx.rep,
            vec![Batch::ip(names::net_ns(&lab.name), plan::net_bridge(lab))],
        )
        .await?;
        // Round 3: the nodes configure their side.
        let nodes = lab
            .nodes
            .iter()
            .map(|n| Batch::ip(names::node_ns(&lab.name, &n.name), plan::node_nics(lab, n)))
            .collect();
        sys::run_batches(&ctx.rep, nodes).await
    }
}
