//! Wait until every recorded daemon (nginx, on its pod's port) accepts
//! connections, with a bounded deadline.

use super::super::ctx::NetnsCtx;
use super::super::sys;
use crate::bringup::Step;
use crate::error::{LabError, Result};
use async_trait::async_trait;
use std::time::Duration;

pub struct Ready;

/// How long daemons get to start (generous: 100 nodes on 2 cores).
pub const TIMEOUT: Duration = Duration::from_secs(30);

#[async_trait]
impl Step<NetnsCtx> for Ready {
    async fn run(&self, ctx: &mut NetnsCtx) -> Result<()> {
        let targets: Vec<sys::Ready> = ctx
            .ps
            .processes
            .iter()
            .filter_map(|p| {
                let (port, log) = match p.what.as_str() {
                    "nginx" => (
                        ctx.ps.pods.iter().find(|x| x.name == p.of)?.port,
                        ctx.layout.nginx_out(&p.of),
                    ),
                    _ => return None,
                };
                Some(sys::Ready {
                    netns: p.netns.clone(),
                    port,
                    what: format!("{} of {}", p.what, p.of),
                    pid: p.pid,
                    start_time: p.start_time,
                    log,
                })
            })
            .collect();
        sys::on_thread(move || sys::wait_ready(&targets, TIMEOUT))
            .await?
            .map_err(|message| LabError::Step {
                step: "wait for the nodes' daemons".into(),
                message,
            })
    }
}
