//! The machines' network namespaces: the private network, each node and
//! its NAT dead end, made from lab's own process (recorded before they
//! exist), IPv4 only.

use super::super::ctx::NetnsCtx;
use super::super::{netlink, plan, sys};
use crate::bringup::Step;
use crate::error::Result;
use async_trait::async_trait;

pub struct Namespaces;

#[async_trait]
impl Step<NetnsCtx> for Namespaces {
    async fn run(&self, ctx: &mut NetnsCtx) -> Result<()> {
        let all = plan::machine_namespaces(&ctx.lab);
        ctx.ps.add_namespaces(all.iter().cloned());
        ctx.save()?;
        netlink::add_namespaces(&ctx.rep, all, sys::NO_IPV6).await
    }
}
