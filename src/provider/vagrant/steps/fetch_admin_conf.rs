//! Step: copy the cluster's admin kubeconfig to `.lab/<lab>/admin.conf`
//! (mode 0600), so that, as in the chapter, `kubectl --kubeconfig
//! .lab/<lab>/admin.conf get nodes` works from the host: its server is the
//! control plane's private address, which the host reaches.

use crate::bringup::Step;
use crate::error::{LabError, Result};
use crate::provider::vagrant::ctx::{ADMIN_CONF, VagrantCtx};
use crate::provider::vagrant::provider_state::VagrantState;
use crate::state::write_atomic_mode;
use async_trait::async_trait;

pub struct FetchAdminConf;

#[async_trait]
impl Step<VagrantCtx> for FetchAdminConf {
    async fn run(&self, ctx: &mut VagrantCtx) -> Result<()> {
        let cp = ctx.lab.control_plane().name.clone();
        let out = ctx
            .ssh()?
            .run(&cp, "sudo cat /etc/kubernetes/admin.conf", None)
            .await?;
        if !out.stdout.contains("apiVersion") || !out.stdout.contains("server:") {
            return Err(LabError::Step {
                step: "fetch admin.conf".into(),
                message: format!("/etc/kubernetes/admin.conf on {cp} is not a kubeconfig"),
            });
        }
        let path = ctx.dir.join(ADMIN_CONF);
        write_atomic_mode(&path, out.stdout.as_bytes(), 0o600)?;
        let mut recorded = VagrantState::from_value(&ctx.state.provider_state)?;
        recorded.admin_conf = Some(path);
        ctx.state.provider_state = recorded.to_value();
        ctx.state.save()
    }
}
