//! Step: copy the cluster's admin kubeconfig to `.lab/<lab>/admin.conf`
//! (mode 0600), so that, as in the chapter, `kubectl --kubeconfig
//! .lab/<lab>/admin.conf get nodes` works from the host: its server is the
//! control plane's private address, which the host reaches. It is also
//! installed as the SSH user's `~/.kube/config` on the control plane, so
//! that plain `kubectl` works after `lab ssh master`, as the chapter types it.

use crate::bringup::Step;
use crate::cluster::ADMIN_CONF as ON_NODE;
use crate::error::{LabError, Result};
use crate::provider::vagrant::ctx::{ADMIN_CONF, VagrantCtx};
use crate::provider::vagrant::provider_state::VagrantState;
use crate::state::write_atomic_mode;
use async_trait::async_trait;

pub struct FetchAdminConf;

/// The command line that installs the admin kubeconfig for the SSH user.
pub fn user_kubeconfig() -> String {
    format!(
        "install -d -m 0700 \"$HOME/.kube\" && sudo install -o \"$(id -u)\" -g \"$(id -g)\" -m 0600 {ON_NODE} \"$HOME/.kube/config\""
    )
}

#[async_trait]
impl Step<VagrantCtx> for FetchAdminConf {
    async fn run(&self, ctx: &mut VagrantCtx) -> Result<()> {
        let cp = ctx.lab.control_plane().name.clone();
        let ssh = ctx.ssh()?;
        let out = ssh.run(&cp, &format!("sudo cat {ON_NODE}"), None).await?;
        if !out.stdout.contains("apiVersion") || !out.stdout.contains("server:") {
            return Err(LabError::Step {
                step: "fetch admin.conf".into(),
                message: format!("{ON_NODE} on {cp} is not a kubeconfig"),
            });
        }
        ssh.run(&cp, &user_kubeconfig(), None).await?;
        let path = ctx.dir.join(ADMIN_CONF);
        write_atomic_mode(&path, out.stdout.as_bytes(), 0o600)?;
        let mut recorded = VagrantState::from_value(&ctx.state.provider_state)?;
        recorded.admin_conf = Some(path);
        ctx.state.provider_state = recorded.to_value();
        ctx.state.save()
    }
}
