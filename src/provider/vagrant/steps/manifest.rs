//! Step: apply or delete a manifest the lab ships (the variant's pod network,
//! the workloads), as the chapter does with `kubectl apply -f` / `kubectl
//! delete -f`: the file is sent on stdin to kubectl on the control plane,
//! which runs it with the admin kubeconfig.

use crate::bringup::Step;
use crate::error::{LabError, Result};
use crate::provider::vagrant::ctx::VagrantCtx;
use crate::provider::vagrant::kube::KUBECTL;
use async_trait::async_trait;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Apply,
    Delete,
}

pub struct Manifest {
    pub action: Action,
    pub file: PathBuf,
}

/// The kubectl command line for `action`, reading the manifest from stdin.
pub fn kubectl_command(action: Action) -> String {
    match action {
        Action::Apply => format!("{KUBECTL} apply -f -"),
        // Gone already is fine (a half-applied lab); wait until it really is gone.
        Action::Delete => format!("{KUBECTL} delete --ignore-not-found --wait=true -f -"),
    }
}

#[async_trait]
impl Step<VagrantCtx> for Manifest {
    async fn run(&self, ctx: &mut VagrantCtx) -> Result<()> {
        let text = std::fs::read(&self.file)
            .map_err(|e| LabError::io(format!("reading {}", self.file.display()), e))?;
        let cp = ctx.lab.control_plane().name.clone();
        ctx.ssh()?
            .run(&cp, &kubectl_command(self.action), Some(text))
            .await?;
        Ok(())
    }
}
