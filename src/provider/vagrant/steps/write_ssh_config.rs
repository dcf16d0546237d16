//! Step: read `vagrant ssh-config` once and write the lab's own OpenSSH
//! config (`.lab/<lab>/ssh_config`, one Host per node), which every later
//! SSH connection uses; then open the SSH sessions from it, which records
//! the VMs' host keys in the lab's `known_hosts`.

use crate::bringup::Step;
use crate::error::{LabError, Result};
use crate::exec;
use crate::provider::vagrant::ctx::{KNOWN_HOSTS, SSH_CONFIG, VagrantCtx};
use crate::provider::vagrant::provider_state::VagrantState;
use crate::provider::vagrant::ssh_config::{self, HostKeys};
use crate::state::write_atomic_mode;
use async_trait::async_trait;

pub struct WriteSshConfig;

#[async_trait]
impl Step<VagrantCtx> for WriteSshConfig {
    async fn run(&self, ctx: &mut VagrantCtx) -> Result<()> {
        let mut args = vec!["ssh-config"];
        let names: Vec<String> = ctx.lab.nodes.iter().map(|n| n.name.clone()).collect();
        args.extend(names.iter().map(String::as_str));
        let out = exec::run_async(&ctx.rep, ctx.vagrant(&args), None).await?;
        let mut hosts = ssh_config::parse(&String::from_utf8_lossy(&out.stdout))?;
        // Guests on lab's libvirt are reachable only inside its namespace.
        if ctx.state.provider_state["libvirt_ns"].as_bool() == Some(true) {
            let exe = crate::exec::lab_exe();
            for h in &mut hosts {
                h.proxy_command = Some(format!(
                    "{} tcp-proxy %h %p",
                    crate::exec::quote(&exe.display().to_string())
                ));
            }
        }
        let missing: Vec<&str> = names
            .iter()
            .filter(|n| !hosts.iter().any(|h| &h.host == *n))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(LabError::Step {
                step: "vagrant ssh-config".into(),
                message: format!("it gave no entry for {}", missing.join(", ")),
            });
        }
        let path = ctx.dir.join(SSH_CONFIG);
        // A fresh known-hosts file: these VMs are new, their keys are learned now.
        let known = ctx.dir.join(KNOWN_HOSTS);
        write_atomic_mode(&known, b"", 0o600)?;
        let text = ssh_config::write(&hosts, HostKeys::LabFile(&known));
        ctx.record(SSH_CONFIG, text.as_bytes())?;
        write_atomic_mode(&path, text.as_bytes(), 0o600)?;
        let mut recorded = VagrantState::from_value(&ctx.state.provider_state)?;
        recorded.ssh_config = Some(path.clone());
        ctx.state.provider_state = recorded.to_value();
        ctx.state.save()?;
        let ssh = ctx.ssh()?;
        // Open every session now: a node SSH cannot reach fails here, by name.
        for n in &names {
            ssh.session(n).await?;
        }
        Ok(())
    }
}
