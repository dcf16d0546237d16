//! Step: run one rendered script as root on several nodes at once over SSH
//! (`sudo bash -s`, the script on stdin). Used for `common.sh` on every node.

use crate::bringup::Step;
use crate::error::{LabError, Result};
use crate::provider::vagrant::ctx::VagrantCtx;
use async_trait::async_trait;

pub struct Provision {
    pub script: &'static str,
    pub nodes: Vec<String>,
}

/// Read a rendered script from the lab's folder.
pub fn read_script(ctx: &VagrantCtx, node: &str, script: &str) -> Result<String> {
    let path = ctx.script_path(node, script);
    std::fs::read_to_string(&path)
        .map_err(|e| LabError::io(format!("reading {}", path.display()), e))
}

#[async_trait]
impl Step<VagrantCtx> for Provision {
    async fn run(&self, ctx: &mut VagrantCtx) -> Result<()> {
        let ssh = ctx.ssh()?;
        let mut tasks = tokio::task::JoinSet::new();
        for node in &self.nodes {
            let text = read_script(ctx, node, self.script)?;
            let (ssh, node) = (ssh.clone(), node.clone());
            tasks.spawn(async move { (node.clone(), ssh.script(&node, &text, &[]).await) });
        }
        let mut failed = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((_, Ok(_))) => {}
                Ok((node, Err(e))) => failed.push(format!("{node}: {e}")),
                Err(e) => failed.push(format!("a provisioning task panicked: {e}")),
            }
        }
        if failed.is_empty() {
            Ok(())
        } else {
            failed.sort();
            Err(LabError::Usage(format!(
                "{}.sh failed on {} node(s):\n{}",
                self.script,
                failed.len(),
                failed.join("\n")
            )))
        }
    }
}
