//! Each node's two NICs: `enp0s3` to its NAT dead end (10.0.2.15, default
//! route via 10.0.2.2) and `enp0s8` on the lab's host-only bridge. Two
//! rounds of netlink ops (the NAT namespace and the private network at
//! once, then every node); the veths are made from the lab's side (see
//! `plan::PEER_IFINDEX` for why).

use super::super::ctx::NetnsCtx;
use super::super::netlink::{self, Work};
use super::super::{names, plan};
use crate::bringup::Step;
use crate::error::Result;
use async_trait::async_trait;

pub struct Nics;

#[async_trait]
impl Step<NetnsCtx> for Nics {
    async fn run(&self, ctx: &mut NetnsCtx) -> Result<()> {
        let lab = &ctx.lab;
        // Round 1: the NAT namespace makes a veth per node with `enp0s3`
        // in the node, and the private network its bridge and a port per
        // node with `enp0s8` in the node (each at its fixed index).
        netlink::apply(
            &ctx.rep,
            vec![
                Work::new(names::nat_ns(&lab.name), plan::nat_ends(lab)),
                Work::new(names::net_ns(&lab.name), plan::net_bridge(lab)),
            ],
        )
        .await?;
        // Round 2: the nodes configure their side.
        let nodes = lab
            .nodes
            .iter()
            .map(|n| Work::new(names::node_ns(&lab.name, &n.name), plan::node_nics(lab, n)))
            .collect();
        netlink::apply(&ctx.rep, nodes).await
    }
}
