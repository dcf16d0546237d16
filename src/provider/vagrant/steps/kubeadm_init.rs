//! Step: create the cluster on the control plane (`control-plane.sh`:
//! `kubeadm init --apiserver-advertise-address <ip> --pod-network-cidr
//! <pods>`) and keep the join command it prints for the workers.

use crate::bringup::Step;
use crate::error::{LabError, Result};
use crate::provider::vagrant::ctx::VagrantCtx;
use crate::provider::vagrant::steps::provision::read_script;
use async_trait::async_trait;

/// The marker `control-plane.sh` puts before the join command.
pub const JOIN_MARKER: &str = "LAB_JOIN_COMMAND: ";

pub struct KubeadmInit;

/// The `kubeadm join ...` command from the control-plane script's output.
pub fn join_command(output: &str) -> Option<String> {
    output
        .lines()
        .filter_map(|l| l.trim_end().strip_prefix(JOIN_MARKER))
        .map(str::trim)
        .rfind(|c| {
            c.starts_with("kubeadm join ") && !c.contains(['\'', '\n', '`', '$', ';', '&', '|'])
        })
        .map(str::to_string)
}

#[async_trait]
impl Step<VagrantCtx> for KubeadmInit {
    async fn run(&self, ctx: &mut VagrantCtx) -> Result<()> {
        let cp = ctx.lab.control_plane().name.clone();
        let text = read_script(ctx, &cp, "control-plane")?;
        let out = ctx.ssh()?.script(&cp, &text, &[]).await?;
        let join = join_command(&out.stdout).ok_or_else(|| {
            LabError::Usage(format!("control-plane.sh on {cp} printed no `{JOIN_MARKER}kubeadm join ...` line; its output ends with:\n{}", crate::ssh::tail(&out.text(), 20)))
        })?;
        ctx.join_command = Some(join);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_join_line() {
        let out = "==> [master] kubeadm init\nYour Kubernetes control-plane has initialized successfully!\nLAB_JOIN_COMMAND: kubeadm join 10.100.198.200:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:0a1b \n";
        assert_eq!(
            join_command(out).as_deref(),
            Some(
                "kubeadm join 10.100.198.200:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:0a1b"
            )
        );
        assert_eq!(
            join_command("kubeadm join x\n"),
            None,
            "only the marked line counts"
        );
        assert_eq!(join_command("LAB_JOIN_COMMAND: rm -rf /\n"), None);
        assert_eq!(
            join_command("LAB_JOIN_COMMAND: kubeadm join x; reboot\n"),
            None
        );
    }
}
