//! Step: make sure lab's libvirtd runs in its namespace (started when no
//! lab uses it yet) and count this lab as a user of it, so the last lab's
//! `destroy` stops it. Nothing to do when a system libvirtd serves.

use crate::bringup::Step;
use crate::error::Result;
use crate::provider::vagrant::ctx::VagrantCtx;
use crate::provider::vagrant::libvirt_ns;
use async_trait::async_trait;

pub struct StartLibvirt;

#[async_trait]
impl Step<VagrantCtx> for StartLibvirt {
    async fn run(&self, ctx: &mut VagrantCtx) -> Result<()> {
        if ctx.state.provider_state["libvirt_ns"].as_bool() != Some(true) {
            return Ok(());
        }
        let dir = ctx.dir.clone();
        let rep = ctx.rep.clone();
        tokio::task::spawn_blocking(move || {
            libvirt_ns::acquire(&dir, &mut |l| rep.info(l.to_string())).map(drop)
        })
        .await
        .map_err(|e| crate::error::LabError::Usage(format!("starting libvirt: {e}")))?
    }
}
