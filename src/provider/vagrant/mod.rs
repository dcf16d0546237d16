//! The vagrant provider: the chapter as written, on VMs. Vagrant makes the
//! machines (VirtualBox, as in the chapter, or libvirt); `lab` then installs
//! the packages over SSH itself and makes the cluster with the
//! provider-neutral steps of [`crate::cluster`] (kubeadm, the variant's
//! pod network, the workloads) over its SSH session, as a list of small
//! steps with deadlines, and hands the verify engine an SSH config and the
//! pods it found.
//!
//! Everything of a lab lives in its state folder `.lab/<lab>/`, which is
//! also the Vagrant project folder: `Vagrantfile`, `scripts/`, `ssh_config`,
//! `admin.conf`, `state.json`, `lab.log`, and Vagrant's own `.vagrant/`.

pub mod box_build;
pub mod ctx;
pub mod doctor;
pub mod entry;
pub mod guest_net;
pub mod kube;
pub mod libvirt_ns;
pub mod libvirt_plan;
pub mod plan;
pub mod provider_state;
pub mod render;
pub mod session;
pub mod ssh_config;
pub mod status;
pub mod steps;
pub mod teardown;
pub mod vm_choice;

pub use doctor::{DoctorLine, doctor};
pub use plan::{apply_plan, up_plan};
pub use render::{Vm, script, vagrantfile};
pub use teardown::teardown;
pub use vm_choice::{VM_ENV, resolve_vm};

/// The files of a lab's folder that lab hands to a program: the
/// Vagrantfile (Ruby, evaluated by `vagrant`) and the ssh config (its
/// `ProxyCommand` runs); only what the host's record says lab wrote is used.
pub const HANDED_ON: [&str; 2] = [ctx::VAGRANTFILE, ctx::SSH_CONFIG];

/// A vagrant lab's state is believed only where the host's record says lab
/// made its folder, in the bring-up the state names, with the files lab
/// wrote there ([`state::made`]): a `.lab/` that came with a repository
/// holds a Vagrantfile of anyone's (probe21at).
pub fn vouch(st: &State) -> Result<()> {
    vouch_folder(&st.dir(), &st.name, st.instance.as_deref())
}

/// [`vouch`] of the folder `dir` of lab `name`, bring-up `instance`.
pub fn vouch_folder(dir: &Path, name: &str, instance: Option<&str>) -> Result<()> {
    state::made::vouch(dir, name, instance, &HANDED_ON)
}

/// How the vagrant provider uses SSH: a new VM's host key is learned into the
/// lab's own known_hosts on first contact (emptied at each `up`) and checked
/// after; a VM's sshd may need a while after boot.
pub fn ssh_options() -> crate::ssh::Options {
    crate::ssh::Options {
        known_hosts: openssh::KnownHosts::Add,
        connect_for: std::time::Duration::from_secs(90),
        ..Default::default()
    }
}

use super::{Access, Kind, NodeStatus, Provider, Status};
use crate::bringup::{self, Planned};
use crate::cluster::objects;
use crate::error::{LabError, Result};
use crate::exec;
use crate::report::Reporter;
use crate::spec::Lab;
use crate::state::{self, Phase, State};
use async_trait::async_trait;
use ctx::{SSH_CONFIG, VagrantCtx};
use provider_state::VagrantState;
use std::path::{Path, PathBuf};
use std::time::Duration;
use vm_choice::state_vm;

pub struct Vagrant {
    /// `--vm`, when given; else [`VM_ENV`], `VAGRANT_DEFAULT_PROVIDER`, VirtualBox.
    vm: Option<Vm>,
}

impl Vagrant {
    pub fn new() -> Self {
        Vagrant { vm: None }
    }

    /// The provider with the VM provider chosen on the command line.
    pub fn with_vm(vm: Vm) -> Self {
        Vagrant { vm: Some(vm) }
    }

    /// The VM provider for a new lab.
    pub fn vm(&self) -> Result<Vm> {
        resolve_vm(
            self.vm,
            std::env::var(VM_ENV).ok().as_deref(),
            std::env::var("VAGRANT_DEFAULT_PROVIDER").ok().as_deref(),
        )
    }
}

impl Default for Vagrant {
    fn default() -> Self {
        Self::new()
    }
}

/// Run a plan; on failure, close SSH and return the error naming the step.
async fn run_plan(
    plan: Vec<Planned<VagrantCtx>>,
    ctx: &mut VagrantCtx,
    rep: &Reporter,
) -> Result<()> {
    let r = bringup::run(plan, ctx, rep).await;
    ctx.close().await;
    r
}

#[async_trait]
impl Provider for Vagrant {
    fn kind(&self) -> Kind {
        Kind::Vagrant
    }

    fn available(&self) -> Result<()> {
        doctor::available(self.vm()?)
    }

    async fn up(&self, lab: &Lab, variant: &str, rep: &Reporter) -> Result<State> {
        let vm = self.vm()?;
        doctor::available(vm)?;
        if let Some(s) = State::load(&lab.name)? {
            return Err(LabError::AlreadyUp {
                name: s.name,
                provider: s.provider.to_string(),
                variant: s.variant,
            });
        }
        let mut plan = up_plan(lab, variant)?;
        if vm == Vm::Libvirt {
            libvirt_plan::add(lab, &mut plan);
        }
        let dir = state::lab_dir(&lab.name);
        let st = State::new(
            lab,
            Kind::Vagrant,
            variant,
            VagrantState {
                vm,
                ..Default::default()
            }
            .to_value(),
        );
        let mut ctx = VagrantCtx::new(lab, vm, &dir, st, rep);
        run_plan(plan, &mut ctx, rep).await?;
        ctx.state.phase = Phase::Up;
        ctx.state.save()?;
        Ok(ctx.state)
    }

    async fn apply(
        &self,
        lab: &Lab,
        state: &mut State,
        variant: &str,
        rep: &Reporter,
    ) -> Result<()> {
        let plan = apply_plan(lab, &state.variant, variant)?;
        let vm = state_vm(Some(state));
        state.phase = Phase::Applying;
        state.save()?;
        let mut ctx = VagrantCtx::new(lab, vm, &state.dir(), state.clone(), rep);
        run_plan(plan, &mut ctx, rep).await?;
        state.variant = variant.to_string();
        state.phase = Phase::Up;
        state.save()
    }

    async fn destroy(&self, name: &str, state: Option<&State>, rep: &Reporter) -> Result<()> {
        let dir = state::lab_dir(name);
        if !dir.exists() {
            return Ok(());
        }
        if let Some(s) = state {
            let mut s = s.clone();
            s.phase = Phase::Destroying;
            let _ = s.save();
        }
        let vm = match state {
            Some(_) => state_vm(state),
            None => self.vm().unwrap_or_default(),
        };
        teardown(&dir, vm, state.and_then(|s| s.instance.as_deref()), rep).await
    }

    async fn status(&self, lab: &Lab, state: &State, rep: &Reporter) -> Result<Status> {
        vouch(state)?;
        let dir = state.dir();
        let out = exec::run_async(
            rep,
            ctx::vagrant(
                &dir,
                state_vm(Some(state)),
                &["status", "--machine-readable"],
            ),
            None,
        )
        .await?;
        let report = status::parse(&String::from_utf8_lossy(&out.stdout));
        let nodes: Vec<NodeStatus> = lab
            .nodes
            .iter()
            .map(|n| NodeStatus {
                name: n.name.clone(),
                role: n.role.as_str().to_string(),
                state: report
                    .machine(&n.name)
                    .map(|m| m.state.clone())
                    .unwrap_or_else(|| "unknown".into()),
                addresses: vec![n.ip.to_string()],
            })
            .collect();
        let cp = lab.control_plane().name.clone();
        let cp_running = nodes.iter().any(|n| n.name == cp && n.state == "running");
        let pods = if cp_running && dir.join(SSH_CONFIG).is_file() {
            match workload_pods(lab, &dir, rep).await {
                Ok(p) => p,
                Err(e) => {
                    rep.info(format!("could not list pods: {e}"));
                    vec![]
                }
            }
        } else {
            vec![]
        };
        Ok(Status {
            nodes,
            pods,
            warnings: Vec::new(),
        })
    }

    async fn access(&self, lab: &Lab, state: &State, rep: &Reporter) -> Result<Access> {
        vouch(state)?;
        let dir = state.dir();
        let ssh_config = dir.join(SSH_CONFIG);
        if !ssh_config.is_file() {
            return Err(LabError::NeedsRepair(format!(
                "{} does not exist: lab '{}' did not finish coming up; `lab destroy {}` and up again",
                ssh_config.display(),
                lab.name,
                lab.name
            )));
        }
        // Pods exist only once `up` has finished: a failed `up` kept for
        // inspection may have no Kubernetes at all, and `lab ssh` into it
        // needs only the ssh config.
        let pods = if matches!(state.phase, Phase::Up | Phase::Applying) {
            workload_pods(lab, &dir, rep).await?
        } else {
            vec![]
        };
        Ok(Access { ssh_config, pods })
    }

    async fn session(
        &self,
        lab: &Lab,
        _state: &State,
        access: &Access,
        deadline: Option<Duration>,
        rep: &Reporter,
    ) -> Result<Box<dyn crate::session::Session>> {
        let opts = crate::ssh::Options {
            deadline,
            ..Default::default()
        };
        Ok(Box::new(session::VagrantSession {
            pool: std::sync::Arc::new(crate::ssh::Pool::new(&access.ssh_config, rep, opts)?),
            control_plane: lab.control_plane().name.clone(),
        }))
    }

    async fn collect_logs(
        &self,
        lab: &Lab,
        state: &State,
        dir: &Path,
        rep: &Reporter,
    ) -> Result<Vec<PathBuf>> {
        std::fs::create_dir_all(dir)
            .map_err(|e| LabError::io(format!("creating {}", dir.display()), e))?;
        let config = state.dir().join(SSH_CONFIG);
        if !config.is_file() {
            return Ok(vec![]);
        }
        vouch(state)?;
        let ssh = crate::ssh::Pool::new(&config, rep, ssh_options())?;
        let cp = lab.control_plane().name.clone();
        let mut wanted: Vec<(String, String, String)> = lab
            .nodes
            .iter()
            .flat_map(|n| {
                [
                    (
                        n.name.clone(),
                        format!("{}-kubelet.log", n.name),
                        "sudo journalctl -u kubelet --no-pager -n 500".to_string(),
                    ),
                    (
                        n.name.clone(),
                        format!("{}-containerd.log", n.name),
                        "sudo journalctl -u containerd --no-pager -n 200".to_string(),
                    ),
                ]
            })
            .collect();
        let k = kube::kubectl();
        wanted.push((
            cp.clone(),
            "cluster.txt".into(),
            format!("{k} get nodes -o wide; {k} get pods -A -o wide; {k} describe nodes"),
        ));
        let mut written = Vec::new();
        for (node, file, cmd) in wanted {
            let text = match ssh.output(&node, &cmd, None).await {
                Ok(o) => o.text(),
                Err(e) => format!("could not collect: {e}\n"),
            };
            let path = dir.join(file);
            state::write_atomic(&path, text.as_bytes())?;
            written.push(path);
        }
        ssh.close().await;
        Ok(written)
    }
}

/// The lab's workload pods, from `kubectl get pods -o json` on the control plane.
async fn workload_pods(
    lab: &Lab,
    dir: &Path,
    rep: &Reporter,
) -> Result<Vec<crate::provider::PodRef>> {
    let ssh = crate::ssh::Pool::new(&dir.join(SSH_CONFIG), rep, ssh_options())?;
    let cp = lab.control_plane().name.clone();
    let out = ssh
        .run(
            &cp,
            &format!("{} get pods --all-namespaces -o json", kube::kubectl()),
            None,
        )
        .await;
    ssh.close().await;
    let apps: Vec<String> = lab.workloads.iter().map(|w| w.app.clone()).collect();
    Ok(objects::pod_refs(&objects::pods(&out?.stdout)?, &apps))
}
