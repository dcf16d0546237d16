//! The netns provider: the chapter's cluster network on real Linux
//! networking (namespaces, veth, bridges, VXLAN), with real sshd and nginx.
//!
//! A lab `L` is a set of network namespaces, all named `L.*` (see [`names`]):
//! `L.net` (the host-only network, bridge `br0`), `L.nat` (the NAT dead
//! ends), `L.<node>` (a node, with `enp0s3` to its dead end in `L.nat`, and
//! `enp0s8` on `br0`), and `L.pod.<pod>`. The host's own namespace never gets an
//! address, route or link: every batch runs inside a lab namespace, and
//! `ssh` reaches nodes through `lab proxy`, which enters the node's
//! namespace. Bring-up is a list of steps ([`steps`]) that program the
//! kernel in batches (one `ip -batch` per namespace, run concurrently).

mod ctx;
pub mod destroy;
pub mod enter;
pub mod entry;
pub mod files;
pub mod flanneld;
pub mod limits;
pub mod names;
pub mod plan;
pub mod provider_state;
pub mod rootfs;
pub mod session;
pub mod steps;
pub mod sys;

pub use ctx::NetnsCtx;
pub use provider_state::{NetnsState, ProcRecord};
pub use sys::proxy;

use super::{Access, Kind, NodeStatus, Provider, Status};
use crate::error::{LabError, Result};
use crate::report::Reporter;
use crate::spec::{Lab, Variant};
use crate::state::{Phase, State, claim};
use async_trait::async_trait;
use std::path::{Path, PathBuf};

/// The programs the netns provider runs (on the host or inside the lab's
/// namespaces) and the Debian packages that provide them.
pub const PACKAGES: &[(&str, &str)] = &[
    ("ip", "iproute2"),
    ("bridge", "iproute2"),
    ("sshd", "openssh-server"),
    ("ssh", "openssh-client"),
    ("ssh-keygen", "openssh-client"),
    ("nginx", "nginx-light"),
    ("ping", "iputils-ping"),
    ("fping", "fping"),
    ("tcpdump", "tcpdump"),
    ("iptables-restore", "iptables"),
    ("iptables-save", "iptables"),
    ("unshare", "util-linux"),
    ("nsenter", "util-linux"),
    ("curl", "curl"),
];

/// The programs the netns provider runs itself (on the host or entering a
/// node), where it runs them: `ip`/`bridge` batches (`sys::Batch`),
/// `iptables-restore` (the pod network step), `ssh-keygen` (the state
/// folder step), `sshd` and `nginx` (`ctx::Programs`), and the `ssh` client
/// of `lab ssh`. The probes, the CNI and diagnostics declare theirs
/// ([`crate::probe::programs`]).
pub const PROGRAMS: &[&str] = &[
    "ip",
    "bridge",
    "iptables-restore",
    "ssh-keygen",
    "sshd",
    "nginx",
    "ssh",
];

/// Programs of Debian's essential packages (dash, coreutils, grep), on
/// every Debian system: no package to install.
pub const ESSENTIAL: &[&str] = &[
    "sh", "cat", "rm", "mktemp", "mkfifo", "timeout", "sleep", "seq", "grep",
];

/// The programs of [`PACKAGES`] not found on this machine.
pub fn missing_programs() -> Vec<(&'static str, &'static str)> {
    PACKAGES
        .iter()
        .filter(|(prog, _)| {
            which::which(prog).is_err()
                && !["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
                    .iter()
                    .any(|d| Path::new(d).join(prog).is_file())
        })
        .copied()
        .collect()
}

pub struct Netns;

impl Netns {
    pub fn new() -> Self {
        Netns
    }
}

impl Default for Netns {
    fn default() -> Self {
        Self::new()
    }
}

fn unavailable(why: impl Into<String>) -> LabError {
    LabError::Unavailable {
        provider: "netns".into(),
        why: why.into(),
    }
}

/// What must hold before anything is made: names, backend, no leftovers.
fn preflight(lab: &Lab, variant: &Variant) -> Result<()> {
    if !names::valid_lab_name(&lab.name) {
        return Err(LabError::Usage(format!(
            "lab name '{}' must be a DNS label",
            lab.name
        )));
    }
    if let Some(n) = lab
        .nodes
        .iter()
        .find(|n| names::RESERVED_NODE_NAMES.contains(&n.name.as_str()))
    {
        return Err(LabError::Usage(format!(
            "node name '{}' is reserved by the netns provider (namespaces {}.net, {}.nat and {}.pod.* are the lab's own); rename the node",
            n.name, lab.name, lab.name, lab.name
        )));
    }
    check_variant(lab, variant)?;
    check_name(lab, &crate::state::lab_dir(&lab.name))
}

/// Whether a claim's lab still has anything: its state, a namespace, or the
/// `up` that made the claim (which may not have saved its state yet).
fn claim_alive(c: &claim::Claim, existing: &[String]) -> bool {
    c.state_dir.join(crate::state::STATE_FILE).is_file()
        || c.namespaces.iter().any(|n| existing.contains(n))
        || c.owner
            .is_some_and(|(pid, start)| sys::is_alive(pid, start))
}

/// Check that the lab name is free on this host for the state folder `dir`
/// (namespace names are host-wide, so a lab's name is too); a stale claim
/// (nothing of its lab left) is removed. Namespaces of the lab's prefix that
/// no claim lists were not made by `lab` for this lab: they are refused,
/// never removed.
fn check_name(lab: &Lab, dir: &Path) -> Result<()> {
    let name = &lab.name;
    let existing = sys::lab_namespaces(name);
    if let Some(c) = claim::read(name) {
        if claim_alive(&c, &existing) {
            if c.state_dir != dir {
                let root = c.state_dir.parent().unwrap_or(&c.state_dir);
                return Err(LabError::Usage(format!(
                    "lab '{name}' is already up on this host from another state folder, {} (namespace names are host-wide, so one lab '{name}' runs per host); use it there (LAB_STATE_DIR={}) or give this lab another name",
                    c.state_dir.display(),
                    root.display()
                )));
            }
            return Err(LabError::Usage(format!(
                "lab '{name}' has leftovers of an interrupted run in this state folder ({}); `lab destroy {name}` removes them",
                list(
                    &c.namespaces
                        .iter()
                        .filter(|n| existing.contains(n))
                        .cloned()
                        .collect::<Vec<_>>()
                )
            )));
        }
        // Stale: nothing of it is left.
        claim::remove(name);
    }
    if !existing.is_empty() {
        return Err(LabError::Usage(format!(
            "namespaces named like lab '{name}' exist ({}) that lab did not make for it (no record of them): lab will not use or remove them; if they are yours remove them (`ip netns delete NAME`), or give this lab another name",
            list(&existing)
        )));
    }
    Ok(())
}

fn list(v: &[String]) -> String {
    format!(
        "{}{}",
        v.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
        if v.len() > 3 { ", ..." } else { "" }
    )
}

/// Claim the lab's name for `instance` (after [`check_name`]); losing a
/// race to another `up` is the same refusal.
fn take_name(lab: &Lab, dir: &Path, instance: &str) -> Result<()> {
    let me = std::process::id() as i32;
    let c = claim::Claim {
        name: lab.name.clone(),
        instance: instance.to_string(),
        state_dir: dir.to_path_buf(),
        namespaces: vec![],
        owner: sys::proc_stat(me).map(|s| (me, s.start_time)),
    };
    match claim::create(&c)? {
        Ok(()) => Ok(()),
        Err(other) => Err(LabError::Usage(format!(
            "lab '{}' was claimed just now by another `lab up`{}",
            lab.name,
            other
                .map(|o| format!(" from the state folder {}", o.state_dir.display()))
                .unwrap_or_default()
        ))),
    }
}

/// The variant can be reproduced: vxlan backend, flannel finds an interface.
/// The flannel configuration of `variant`: netns stands in for flanneld.
pub fn flannel_of(variant: &Variant) -> Result<&crate::spec::FlannelConfig> {
    variant.cni.flannel().ok_or_else(|| {
        LabError::Usage(format!(
            "variant '{}' uses the {} pod network; the netns provider reproduces flannel only (use --provider vagrant)",
            variant.name,
            variant.cni.plugin().name()
        ))
    })
}

fn check_variant(lab: &Lab, variant: &Variant) -> Result<()> {
    let flannel = flannel_of(variant)?;
    if flannel.backend != "vxlan" {
        return Err(LabError::Usage(format!(
            "variant '{}' uses flannel's '{}' backend; the netns provider reproduces the vxlan backend only (use --provider vagrant)",
            variant.name, flannel.backend
        )));
    }
    flanneld::leases(lab, flannel)
        .map(drop)
        .map_err(|e| LabError::Usage(format!("variant '{}': {e}", variant.name)))
}

/// One address line of `ip -o -4 addr show`, as `"<dev> <addr>/<len>"`.
fn parse_addr_line(line: &str) -> Option<(String, String)> {
    let f: Vec<&str> = line.split_whitespace().collect();
    let i = f.iter().position(|x| *x == "inet")?;
    Some((
        f.get(1)?
            .trim_end_matches(':')
            .split('@')
            .next()?
            .to_string(),
        f.get(i + 1)?.to_string(),
    ))
}

#[async_trait]
impl Provider for Netns {
    fn kind(&self) -> Kind {
        Kind::Netns
    }

    fn available(&self) -> Result<()> {
        if !cfg!(target_os = "linux") {
            return Err(unavailable(
                "it needs Linux network namespaces; use VMs with `--provider vagrant`",
            ));
        }
        if !nix::unistd::geteuid().is_root() {
            return Err(unavailable(
                "it needs root (CAP_NET_ADMIN) to make network namespaces; run `sudo lab ...`, or use VMs with `--provider vagrant`",
            ));
        }
        let missing = missing_programs();
        if !missing.is_empty() {
            let progs: Vec<&str> = missing.iter().map(|(p, _)| *p).collect();
            let mut pkgs: Vec<&str> = missing.iter().map(|(_, p)| *p).collect();
            pkgs.dedup();
            return Err(unavailable(format!(
                "missing programs: {} (Debian packages: {}); run `lab doctor --fix` or `apt-get install {}`",
                progs.join(", "),
                pkgs.join(", "),
                pkgs.join(" ")
            )));
        }
        Ok(())
    }

    async fn up(&self, lab: &Lab, variant: &str, rep: &Reporter) -> Result<State> {
        self.available()?;
        let v = lab.variant(variant)?;
        preflight(lab, v)?;
        if let Some(why) = limits::exceeded(lab, &limits::Host::read()) {
            return Err(unavailable(why));
        }
        limits::raise_open_files();
        let state = State::new(lab, Kind::Netns, &v.name, serde_json::Value::Null);
        let instance = state.instance.clone().expect("a new state has an instance");
        take_name(lab, &state.dir(), &instance)?;
        let mut ctx = NetnsCtx::new(lab, v, state, NetnsState::default(), rep);
        if let Err(e) = ctx.save() {
            claim::release(&lab.name, &instance);
            return Err(e);
        }
        crate::bringup::run(steps::up(lab, v), &mut ctx, rep).await?;
        ctx.state.phase = Phase::Up;
        ctx.save()?;
        Ok(ctx.state)
    }

    async fn apply(
        &self,
        lab: &Lab,
        state: &mut State,
        variant: &str,
        rep: &Reporter,
    ) -> Result<()> {
        let v = lab.variant(variant)?;
        check_variant(lab, v)?;
        let ps = NetnsState::from_value(&state.provider_state)?;
        let mut ctx = NetnsCtx::new(lab, v, state.clone(), ps, rep);
        // The target first: an `apply` interrupted anywhere below leaves a
        // state that says so, and the next `apply` redoes the switch (its
        // steps remove whatever pods and flannel are there, half made or not).
        ctx.state.phase = Phase::Applying;
        ctx.state.applying = Some(v.name.clone());
        ctx.save()?;
        let r = crate::bringup::run(steps::apply(lab, v), &mut ctx, rep).await;
        if r.is_ok() {
            ctx.state.variant = v.name.clone();
            ctx.state.phase = Phase::Up;
            ctx.state.applying = None;
            ctx.save()?;
        }
        *state = ctx.state;
        r
    }

    async fn destroy(&self, name: &str, state: Option<&State>, rep: &Reporter) -> Result<()> {
        destroy::destroy(name, state, rep).await
    }

    async fn status(&self, lab: &Lab, state: &State, rep: &Reporter) -> Result<Status> {
        let ps = NetnsState::from_value(&state.provider_state)?;
        let existing = sys::lab_namespaces(&lab.name);
        let shown = [
            lab.interfaces.nat.as_str(),
            lab.interfaces.private.as_str(),
            names::VXLAN_IF,
            names::CNI_BRIDGE,
        ];
        let mut jobs = Vec::new();
        let mut asked = Vec::new();
        for n in &lab.nodes {
            let ns = names::node_ns(&lab.name, &n.name);
            if existing.contains(&ns) {
                let mut c = std::process::Command::new("ip");
                c.args(["-o", "-4", "addr", "show"]);
                jobs.push(sys::Job {
                    tolerant: true,
                    ..sys::Job::new(c, Some(ns.clone()), None)
                });
                asked.push(n.name.clone());
            }
        }
        let outs = sys::run_jobs(rep, jobs, sys::PARALLEL).await?;
        let nodes = lab
            .nodes
            .iter()
            .map(|n| {
                let ns = names::node_ns(&lab.name, &n.name);
                // A node runs no daemon of its own: it runs while its
                // namespace is there to be entered.
                let running = existing.contains(&ns) && ps.namespaces.contains(&ns);
                let addresses = asked
                    .iter()
                    .position(|a| *a == n.name)
                    .map(|i| {
                        let mut v: Vec<(String, String)> = String::from_utf8_lossy(&outs[i].stdout)
                            .lines()
                            .filter_map(parse_addr_line)
                            .filter(|(d, _)| shown.contains(&d.as_str()))
                            .collect();
                        v.sort_by_key(|(d, _)| shown.iter().position(|s| s == d));
                        v.into_iter().map(|(d, a)| format!("{d} {a}")).collect()
                    })
                    .unwrap_or_default();
                NodeStatus {
                    name: n.name.clone(),
                    role: n.role.as_str().to_string(),
                    state: if running {
                        "running"
                    } else if existing.contains(&ns) {
                        "stopped"
                    } else {
                        "not_created"
                    }
                    .to_string(),
                    addresses,
                }
            })
            .collect();
        Ok(Status {
            nodes,
            pods: ps.pods,
        })
    }

    async fn access(&self, _lab: &Lab, state: &State, _rep: &Reporter) -> Result<Access> {
        let ps = NetnsState::from_value(&state.provider_state)?;
        Ok(Access {
            ssh_config: files::Layout::new(state.dir()).ssh_config(),
            pods: ps.pods,
        })
    }

    async fn session(
        &self,
        lab: &Lab,
        state: &State,
        _access: &Access,
        deadline: Option<std::time::Duration>,
        rep: &Reporter,
    ) -> Result<Box<dyn crate::session::Session>> {
        Ok(Box::new(session::NetnsSession::new(
            &lab.name,
            &files::Layout::new(state.dir()),
            lab.nodes.iter().map(|n| n.name.clone()),
            deadline,
            rep,
        )?))
    }

    async fn collect_logs(
        &self,
        lab: &Lab,
        state: &State,
        dir: &Path,
        _rep: &Reporter,
    ) -> Result<Vec<PathBuf>> {
        let l = files::Layout::new(state.dir());
        let ps = NetnsState::from_value(&state.provider_state)?;
        std::fs::create_dir_all(dir)
            .map_err(|e| LabError::io(format!("creating {}", dir.display()), e))?;
        // (file, its name among the artifacts, the folder it must be in):
        // nodes and pods write these files themselves, so a symlink to
        // anywhere else (the host's /etc/shadow) is not followed.
        let mut copies: Vec<(PathBuf, String, PathBuf)> = Vec::new();
        for n in &lab.nodes {
            let f = l.flannel_dir(&n.name);
            let own = l.node_dir(&n.name);
            copies.push((
                f.join("flanneld.log"),
                format!("{}-flanneld.log", n.name),
                own.clone(),
            ));
            copies.push((
                f.join("subnet.env"),
                format!("{}-subnet.env", n.name),
                own.clone(),
            ));
            copies.push((l.sshd_log(&n.name), format!("{}-sshd.log", n.name), own));
        }
        for p in &ps.pods {
            let own = l.pod_dir(&p.name);
            copies.push((
                own.join("error.log"),
                format!("{}-nginx-error.log", p.name),
                own.clone(),
            ));
            copies.push((l.nginx_out(&p.name), format!("{}-nginx.out", p.name), own));
        }
        let mut out = Vec::new();
        for (from, name, own) in copies {
            let to = dir.join(name);
            if files::copy_own_file(&from, &own, &to) {
                out.push(to);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The programs the provider's own code starts: every
    /// `Command::new("...")`, `ip`/`bridge` tool and `ctx::Programs` name in
    /// its source.
    fn started_in_source() -> Vec<String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/provider/netns");
        let mut files: Vec<PathBuf> = Vec::new();
        for d in [dir.clone(), dir.join("steps")] {
            for e in std::fs::read_dir(d).unwrap().flatten() {
                if e.path().extension().is_some_and(|x| x == "rs") {
                    files.push(e.path());
                }
            }
        }
        let mut out = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            let text = text.split("#[cfg(test)]").next().unwrap();
            for pat in [
                "Command::new(\"",
                "Tool::Ip => \"",
                "Tool::Bridge => \"",
                "find(\"",
            ] {
                for (i, _) in text.match_indices(pat) {
                    let rest = &text[i + pat.len()..];
                    let name = &rest[..rest.find('"').unwrap()];
                    out.push(name.rsplit('/').next().unwrap().to_string());
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    #[test]
    fn packages_cover_every_program_the_provider_and_the_probes_run() {
        let started = started_in_source();
        for p in [
            "ip",
            "bridge",
            "iptables-restore",
            "ssh-keygen",
            "sshd",
            "nginx",
            "sh",
        ] {
            assert!(
                started.iter().any(|s| s == p),
                "the scan misses {p}: {started:?}"
            );
        }
        // What the code starts is declared ...
        for p in &started {
            assert!(
                PROGRAMS.contains(&p.as_str()) || ESSENTIAL.contains(&p.as_str()),
                "netns starts {p}: add it to netns::PROGRAMS (and its package to PACKAGES)"
            );
        }
        // ... and what is declared, by the provider, the probes, the CNI and
        // diagnostics, has a Debian package (or comes with every Debian).
        let cni = crate::spec::FlannelConfig::vxlan("10.244.0.0/16".parse().unwrap());
        let mut all: Vec<&str> = PROGRAMS.to_vec();
        all.extend(crate::probe::programs(&cni));
        for p in all {
            assert!(
                PACKAGES.iter().any(|(x, _)| *x == p) || ESSENTIAL.contains(&p),
                "{p} is run but no package of netns::PACKAGES provides it"
            );
        }
    }

    #[test]
    fn status_parses_ip_addr_lines() {
        let l = "4: flannel.1    inet 10.244.1.0/32 scope global flannel.1\\       valid_lft forever preferred_lft forever";
        assert_eq!(
            parse_addr_line(l),
            Some(("flannel.1".into(), "10.244.1.0/32".into()))
        );
        let l = "2: enp0s3    inet 10.0.2.15/24 scope global enp0s3\\       valid_lft forever preferred_lft forever";
        assert_eq!(
            parse_addr_line(l),
            Some(("enp0s3".into(), "10.0.2.15/24".into()))
        );
    }

    #[test]
    fn reserved_node_names_are_refused() {
        let mut lab = plan::tests::lab();
        lab.nodes[1].name = "net".into();
        let v = Variant {
            name: "broken".into(),
            manifest: "/x".into(),
            about: String::new(),
            cni: crate::cni::CniConfig::new(crate::spec::FlannelConfig::vxlan(
                "10.244.0.0/16".parse().unwrap(),
            )),
        };
        assert!(
            preflight(&lab, &v)
                .unwrap_err()
                .to_string()
                .contains("reserved")
        );
        let mut v2 = v.clone();
        let mut f = v2.cni.flannel().unwrap().clone();
        f.backend = "host-gw".into();
        v2.cni = crate::cni::CniConfig::new(f);
        assert!(
            check_variant(&plan::tests::lab(), &v2)
                .unwrap_err()
                .to_string()
                .contains("vxlan backend only")
        );
    }
}
