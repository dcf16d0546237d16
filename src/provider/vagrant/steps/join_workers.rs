//! Step: join the workers to the cluster, all at once (`worker.sh`, with
//! `JOIN_COMMAND` exported on the script's stdin: sudo drops the caller's
//! environment, and stdin keeps the token out of the process list).

use crate::bringup::Step;
use crate::error::{LabError, Result};
use crate::provider::vagrant::ctx::VagrantCtx;
use crate::provider::vagrant::steps::provision::read_script;
use async_trait::async_trait;

pub struct JoinWorkers {
    pub nodes: Vec<String>,
}

#[async_trait]
impl Step<VagrantCtx> for JoinWorkers {
    async fn run(&self, ctx: &mut VagrantCtx) -> Result<()> {
        let join = ctx.join_command.clone().ok_or_else(|| LabError::Step {
            step: "join workers".into(),
            message: "no join command: kubeadm init did not run".into(),
        })?;
        let ssh = ctx.ssh()?;
        let mut tasks = tokio::task::JoinSet::new();
        for node in &self.nodes {
            let text = read_script(ctx, node, "worker")?;
            let (ssh, node, join) = (ssh.clone(), node.clone(), join.clone());
            tasks.spawn(async move {
                (
                    node.clone(),
                    ssh.script(&node, &text, &[("JOIN_COMMAND", &join)]).await,
                )
            });
        }
        let mut failed = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((_, Ok(_))) => {}
                Ok((node, Err(e))) => failed.push(format!("{node}: {e}")),
                Err(e) => failed.push(format!("a join task panicked: {e}")),
            }
        }
        if failed.is_empty() {
            Ok(())
        } else {
            failed.sort();
            Err(LabError::Usage(format!(
                "kubeadm join failed on {} worker(s):\n{}",
                failed.len(),
                failed.join("\n")
            )))
        }
    }
}
