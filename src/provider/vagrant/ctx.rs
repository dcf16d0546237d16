//! The context every vagrant bring-up step shares: the lab, where its files
//! live, how to call Vagrant there, the SSH sessions, and what earlier steps
//! learned (the join command); as a [`ClusterCtx`], the cluster's steps run
//! over it. Also the timeout wrapper that gives each step its own deadline.

use super::render::Vm;
use crate::bringup::{Planned, Step};
use crate::cluster::{ClusterCtx, JoinCommand, Root};
use crate::error::{LabError, Result};
use crate::report::Reporter;
use crate::spec::Lab;
use crate::ssh::Pool;
use crate::state::State;
use async_trait::async_trait;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

/// File names inside the lab's state folder.
pub const VAGRANTFILE: &str = "Vagrantfile";
pub const SSH_CONFIG: &str = "ssh_config";
pub const KNOWN_HOSTS: &str = "known_hosts";
pub const ADMIN_CONF: &str = "admin.conf";
pub const SCRIPTS_DIR: &str = "scripts";
pub use crate::state::LOG_FILE;

pub struct VagrantCtx {
    pub lab: Lab,
    pub vm: Vm,
    /// The lab's state folder (`.lab/<lab>/`), Vagrant's project folder too.
    pub dir: PathBuf,
    pub rep: Reporter,
    pub state: State,
    /// SSH sessions, once the ssh config is written.
    pub ssh: Option<Arc<Pool>>,
    /// `kubeadm join ...`, printed by the control plane at `kubeadm init`.
    pub join_command: Option<JoinCommand>,
}

impl VagrantCtx {
    pub fn new(lab: &Lab, vm: Vm, dir: &Path, state: State, rep: &Reporter) -> Self {
        VagrantCtx {
            lab: lab.clone(),
            vm,
            dir: dir.to_path_buf(),
            rep: rep.clone(),
            state,
            ssh: None,
            join_command: None,
        }
    }

    /// The SSH sessions; opened from the lab's ssh config on first use.
    pub fn ssh(&mut self) -> Result<Arc<Pool>> {
        if let Some(r) = &self.ssh {
            return Ok(r.clone());
        }
        let config = self.dir.join(SSH_CONFIG);
        if !config.is_file() {
            return Err(LabError::NeedsRepair(format!(
                "{} does not exist: the machines were never reached over SSH",
                config.display()
            )));
        }
        let r = Arc::new(Pool::new(&config, &self.rep, super::ssh_options())?);
        self.ssh = Some(r.clone());
        Ok(r)
    }

    /// A rendered script of a node, as written by the first step.
    pub fn script_path(&self, node: &str, script: &str) -> PathBuf {
        script_path(&self.dir, node, script)
    }

    pub fn vagrant(&self, args: &[&str]) -> Command {
        vagrant(&self.dir, self.vm, args)
    }

    /// Record, before writing it, that lab writes `bytes` as `file` in
    /// the lab's folder ([`crate::state::made`]).
    pub fn record(&self, file: &str, bytes: &[u8]) -> Result<()> {
        let instance = self.state.instance.as_deref().ok_or_else(|| {
            LabError::Internal("a vagrant bring-up without an instance id".into())
        })?;
        crate::state::made::record(&self.dir, &self.state.name, instance, file, bytes)
    }

    /// Close the SSH sessions.
    pub async fn close(&mut self) {
        if let Some(r) = self.ssh.take() {
            r.close().await;
        }
    }
}

pub fn script_path(dir: &Path, node: &str, script: &str) -> PathBuf {
    dir.join(SCRIPTS_DIR).join(format!("{node}.{script}.sh"))
}

/// `vagrant <args>` run in the lab's folder, with its provider chosen. For
/// libvirt, Vagrant's home is lab's own (where `lab box build` adds its box),
/// unless `VAGRANT_HOME` is set; and while lab's libvirtd runs, vagrant runs
/// in its network namespace, where the guests are.
pub fn vagrant(dir: &Path, vm: Vm, args: &[&str]) -> Command {
    let mut c = if vm == Vm::Libvirt && super::libvirt_ns::running() {
        super::libvirt_ns::in_netns("vagrant")
    } else {
        Command::new("vagrant")
    };
    if vm == Vm::Libvirt && std::env::var_os("VAGRANT_HOME").is_none() {
        c.env("VAGRANT_HOME", super::box_build::vagrant_home());
    }
    c.args(args)
        .arg("--no-color")
        .current_dir(dir)
        .env("VAGRANT_CWD", dir)
        .env("VAGRANT_DEFAULT_PROVIDER", vm.to_string())
        // No call home for version checks: quiet and offline-safe.
        .env("VAGRANT_CHECKPOINT_DISABLE", "1");
    c
}

impl ClusterCtx for VagrantCtx {
    fn lab(&self) -> &Lab {
        &self.lab
    }

    fn reporter(&self) -> &Reporter {
        &self.rep
    }

    fn root(&self) -> Root {
        super::kube::root()
    }

    /// Commands over the lab's SSH sessions; kubectl on the control plane.
    fn session(&mut self) -> Result<Arc<dyn crate::session::Session>> {
        Ok(Arc::new(super::session::VagrantSession {
            pool: self.ssh()?,
            control_plane: self.lab.control_plane().name.clone(),
        }))
    }

    fn join_command(&mut self) -> &mut Option<JoinCommand> {
        &mut self.join_command
    }
}

/// A step with a deadline: past it, the step is abandoned (its commands are
/// killed) and fails saying how long it was given.
pub struct Timed<S> {
    title: String,
    limit: Duration,
    step: S,
}

#[async_trait]
impl<S: Step<VagrantCtx>> Step<VagrantCtx> for Timed<S> {
    async fn run(&self, ctx: &mut VagrantCtx) -> Result<()> {
        match tokio::time::timeout(self.limit, self.step.run(ctx)).await {
            Ok(r) => r,
            Err(_) => Err(LabError::Step {
                step: self.title.clone(),
                message: format!(
                    "timed out after {} (see {} for what it was doing)",
                    human(self.limit),
                    ctx.dir.join(LOG_FILE).display()
                ),
            }),
        }
    }
}

/// A planned step with a deadline.
pub fn planned(
    title: impl Into<String>,
    limit: Duration,
    step: impl Step<VagrantCtx> + 'static,
) -> Planned<VagrantCtx> {
    let title = title.into();
    Planned::new(title.clone(), Timed { title, limit, step })
}

/// `90s`, `5m`, `2m30s`.
pub fn human(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 60, s % 60) {
        (0, s) => format!("{s}s"),
        (m, 0) => format!("{m}m"),
        (m, s) => format!("{m}m{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(human(Duration::from_secs(90)), "1m30s");
        assert_eq!(human(Duration::from_secs(600)), "10m");
        assert_eq!(human(Duration::from_secs(5)), "5s");
    }
}
