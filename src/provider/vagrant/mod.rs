//! The vagrant provider: the chapter as written, on VMs. Vagrant makes the
//! machines (VirtualBox, as in the chapter, or libvirt); `lab` then installs
//! and wires Kubernetes over SSH itself (kubeadm, the variant's flannel
//! manifest, the workloads), as a list of small steps with deadlines, and
//! hands the verify engine an SSH config and the pods it found.
//!
//! Everything of a lab lives in its state folder `.lab/<lab>/`, which is
//! also the Vagrant project folder: `Vagrantfile`, `scripts/`, `ssh_config`,
//! `admin.conf`, `state.json`, `lab.log`, and Vagrant's own `.vagrant/`.

pub mod box_build;
pub mod ctx;
pub mod doctor;
pub mod guest_net;
pub mod kube;
pub mod libvirt_ns;
pub mod libvirt_plan;
pub mod provider_state;
pub mod render;
pub mod session;
pub mod ssh_config;
pub mod status;
pub mod steps;

pub use doctor::{DoctorLine, doctor};
pub use render::{Vm, script, vagrantfile};

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
use crate::error::{LabError, Result};
use crate::exec;
use crate::report::Reporter;
use crate::spec::Lab;
use crate::state::{self, Phase, State};
use async_trait::async_trait;
use ctx::{SSH_CONFIG, VAGRANTFILE, VagrantCtx, planned};
use kube::KUBECTL;
use provider_state::VagrantState;
use std::path::{Path, PathBuf};
use std::time::Duration;
use steps::*;

/// Environment variable choosing the VM provider when `--vm` is not given.
pub const VM_ENV: &str = "LAB_VAGRANT_VM";

const MIN: Duration = Duration::from_secs(60);

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

/// `--vm`, else `LAB_VAGRANT_VM` (which must be valid), else
/// `VAGRANT_DEFAULT_PROVIDER` when it is one of ours, else VirtualBox (the
/// chapter's).
pub fn resolve_vm(
    explicit: Option<Vm>,
    lab_env: Option<&str>,
    vagrant_env: Option<&str>,
) -> Result<Vm> {
    if let Some(vm) = explicit {
        return Ok(vm);
    }
    if let Some(v) = lab_env.filter(|v| !v.trim().is_empty()) {
        return Vm::parse(v).ok_or_else(|| {
            LabError::Usage(format!(
                "{VM_ENV}='{v}' is not a VM provider (virtualbox or libvirt)"
            ))
        });
    }
    Ok(vagrant_env.and_then(Vm::parse).unwrap_or_default())
}

/// The VM provider a lab was brought up with (VirtualBox when its state
/// does not say).
fn state_vm(state: Option<&State>) -> Vm {
    state
        .and_then(|s| VagrantState::from_value(&s.provider_state).ok())
        .map(|v| v.vm)
        .unwrap_or_default()
}

/// The steps of `up`, from the lab as data.
pub fn up_plan(lab: &Lab, variant: &str) -> Result<Vec<Planned<VagrantCtx>>> {
    let v = lab.variant(variant)?;
    let cp = lab.control_plane().name.clone();
    let workers: Vec<String> = lab.workers().map(|n| n.name.clone()).collect();
    let all: Vec<String> = lab.nodes.iter().map(|n| n.name.clone()).collect();
    let mut plan = vec![
        planned(format!("write .lab/{}", lab.name), MIN, WriteFiles),
        // The first `up` may download the box.
        planned(
            format!("vagrant up {cp}"),
            30 * MIN,
            VagrantUp {
                machines: vec![cp.clone()],
            },
        ),
    ];
    if !workers.is_empty() {
        let limit = MIN * (15 + 10 * workers.len() as u32);
        plan.push(planned(
            format!("vagrant up {}", workers.join(" ")),
            limit,
            VagrantUp {
                machines: workers.clone(),
            },
        ));
    }
    plan.push(planned("read vagrant ssh-config", 3 * MIN, WriteSshConfig));
    plan.push(planned(
        format!("install containerd and kubeadm on {}", all.join(", ")),
        30 * MIN,
        Provision {
            script: "common",
            nodes: all,
        },
    ));
    plan.push(planned(
        format!("kubeadm init on {cp}"),
        15 * MIN,
        KubeadmInit,
    ));
    plan.push(planned(
        format!("copy admin.conf to .lab/{}/admin.conf", lab.name),
        MIN,
        FetchAdminConf,
    ));
    if !workers.is_empty() {
        plan.push(planned(
            format!("kubeadm join {}", workers.join(", ")),
            15 * MIN,
            JoinWorkers { nodes: workers },
        ));
    }
    plan.extend(network_and_workloads(lab, v));
    Ok(plan)
}

/// Apply the variant's network, wait for it and the nodes, deploy the
/// workloads and wait for them: the end of `up` and of `apply`.
fn network_and_workloads(lab: &Lab, v: &crate::spec::Variant) -> Vec<Planned<VagrantCtx>> {
    let mut plan = vec![
        planned(
            format!("apply network {} ({})", v.name, file_name(&v.manifest)),
            5 * MIN,
            Manifest {
                action: Action::Apply,
                file: v.manifest.clone(),
            },
        ),
        planned(
            "wait for flannel on every node",
            10 * MIN,
            WaitPods {
                namespace: Some("kube-system".into()),
                app: "flannel".into(),
                count: lab.nodes.len(),
                limit: 9 * MIN,
            },
        ),
        planned(
            "wait for nodes Ready",
            10 * MIN,
            WaitNodesReady {
                nodes: lab.nodes.iter().map(|n| n.name.clone()).collect(),
                limit: 9 * MIN,
            },
        ),
    ];
    for f in &lab.workload_files {
        plan.push(planned(
            format!("deploy {}", file_name(f)),
            5 * MIN,
            Manifest {
                action: Action::Apply,
                file: f.clone(),
            },
        ));
    }
    for w in &lab.workloads {
        plan.push(planned(
            format!("wait for {} pod(s) app={}", w.replicas, w.app),
            10 * MIN,
            WaitPods {
                namespace: None,
                app: w.app.clone(),
                count: w.replicas as usize,
                limit: 9 * MIN,
            },
        ));
    }
    plan
}

/// The steps of `apply`: as the chapter does it, workloads and the old
/// network deleted, the new network applied, workloads deployed again.
pub fn apply_plan(lab: &Lab, from: &str, to: &str) -> Result<Vec<Planned<VagrantCtx>>> {
    let old = lab.variant(from)?;
    let new = lab.variant(to)?;
    let mut plan = Vec::new();
    for f in &lab.workload_files {
        plan.push(planned(
            format!("delete {}", file_name(f)),
            5 * MIN,
            Manifest {
                action: Action::Delete,
                file: f.clone(),
            },
        ));
    }
    plan.push(planned(
        format!("delete network {} ({})", old.name, file_name(&old.manifest)),
        5 * MIN,
        Manifest {
            action: Action::Delete,
            file: old.manifest.clone(),
        },
    ));
    plan.extend(network_and_workloads(lab, new));
    Ok(plan)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// Stop a `vagrant up` left running (recorded in `dir`), `vagrant destroy
/// -f` in `dir` if it holds a Vagrantfile, then remove
/// everything in `dir` but the evidence ([`state::EVIDENCE`]), and `dir` itself
/// when nothing is left. Nothing there: nothing to do.
pub async fn teardown(dir: &Path, vm: Vm, rep: &Reporter) -> Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    // A `vagrant up` still running (its `lab up` was killed) would hold the
    // machines' locks and go on making machines: stop it and its group first.
    let record = dir.join(steps::vagrant_up::VAGRANT_PROCESS);
    if let Some(r) =
        tokio::task::spawn_blocking(move || exec::stop_recorded(&record, Duration::from_secs(10)))
            .await
            .map_err(|e| LabError::Usage(format!("stopping vagrant: {e}")))?
    {
        rep.info(format!(
            "stopped `{}` (PID {} and its process group), left running by a `lab up` that did not finish",
            r.command, r.pid
        ));
    }
    if dir.join(VAGRANTFILE).is_file() {
        exec::run_async(rep, ctx::vagrant(dir, vm, &["destroy", "-f"]), None).await?;
    }
    if vm == Vm::Libvirt {
        let (dir, rep) = (dir.to_path_buf(), rep.clone());
        tokio::task::spawn_blocking(move || {
            libvirt_ns::forget_lab(&dir, &mut |l| rep.info(l.to_string()))
        })
        .await
        .map_err(|e| LabError::Usage(format!("stopping libvirt: {e}")))??;
    }
    state::clear_lab_dir(dir, true)
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
        teardown(&dir, vm, rep).await
    }

    async fn status(&self, lab: &Lab, state: &State, rep: &Reporter) -> Result<Status> {
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
        Ok(Status { nodes, pods })
    }

    async fn access(&self, lab: &Lab, state: &State, rep: &Reporter) -> Result<Access> {
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
            pool: crate::ssh::Pool::new(&access.ssh_config, rep, opts)?,
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
        wanted.push((cp.clone(), "cluster.txt".into(), format!("{KUBECTL} get nodes -o wide; {KUBECTL} get pods -A -o wide; {KUBECTL} describe nodes")));
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
            &format!("{KUBECTL} get pods --all-namespaces -o json"),
            None,
        )
        .await;
    ssh.close().await;
    let apps: Vec<String> = lab.workloads.iter().map(|w| w.app.clone()).collect();
    Ok(kube::pod_refs(&kube::pods(&out?.stdout)?, &apps))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_choice_order() {
        assert_eq!(
            resolve_vm(Some(Vm::Libvirt), Some("virtualbox"), None).unwrap(),
            Vm::Libvirt
        );
        assert_eq!(
            resolve_vm(None, Some("libvirt"), Some("virtualbox")).unwrap(),
            Vm::Libvirt
        );
        assert_eq!(
            resolve_vm(None, None, Some("libvirt")).unwrap(),
            Vm::Libvirt
        );
        assert_eq!(
            resolve_vm(None, None, Some("docker")).unwrap(),
            Vm::Virtualbox
        );
        assert_eq!(resolve_vm(None, Some(""), None).unwrap(), Vm::Virtualbox);
        assert!(resolve_vm(None, Some("kvm"), None).is_err());
    }

    fn titles(plan: &[Planned<VagrantCtx>]) -> Vec<&str> {
        plan.iter().map(|p| p.title.as_str()).collect()
    }

    #[test]
    fn plans_follow_the_lab() {
        let lab =
            crate::spec::load("chapter4", crate::spec::LoadOptions { workers: Some(2) }).unwrap();
        assert_eq!(
            titles(&up_plan(&lab, "broken").unwrap()),
            [
                "write .lab/chapter4",
                "vagrant up master",
                "vagrant up node1 node2",
                "read vagrant ssh-config",
                "install containerd and kubeadm on master, node1, node2",
                "kubeadm init on master",
                "copy admin.conf to .lab/chapter4/admin.conf",
                "kubeadm join node1, node2",
                "apply network broken (flannel.yml)",
                "wait for flannel on every node",
                "wait for nodes Ready",
                "deploy nginx-deployment.yaml",
                "wait for 2 pod(s) app=nginx",
            ]
        );
        assert_eq!(
            titles(&apply_plan(&lab, "broken", "fixed").unwrap()),
            [
                "delete nginx-deployment.yaml",
                "delete network broken (flannel.yml)",
                "apply network fixed (flannel_fix.yml)",
                "wait for flannel on every node",
                "wait for nodes Ready",
                "deploy nginx-deployment.yaml",
                "wait for 2 pod(s) app=nginx",
            ]
        );
        assert!(up_plan(&lab, "nope").is_err());
    }
}
