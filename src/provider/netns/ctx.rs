//! The context the netns bring-up steps share.

use super::cgroups::Limits;
use super::claimed;
use super::files::Layout;
use super::provider_state::NetnsState;
use crate::error::Result;
use crate::report::Reporter;
use crate::spec::{Lab, Variant};
use crate::state::State;
use std::path::PathBuf;

/// Absolute paths of the daemons (sshd refuses to run from a relative path).
#[derive(Debug, Clone)]
pub struct Programs {
    pub sshd: PathBuf,
    pub nginx: PathBuf,
}

impl Programs {
    pub fn find() -> Programs {
        let find = |name: &str| {
            which::which(name)
                .ok()
                .or_else(|| {
                    ["/usr/sbin", "/sbin"]
                        .iter()
                        .map(|d| PathBuf::from(d).join(name))
                        .find(|p| p.is_file())
                })
                .unwrap_or_else(|| PathBuf::from("/usr/sbin").join(name))
        };
        Programs {
            sshd: find("sshd"),
            nginx: find("nginx"),
        }
    }
}

pub struct NetnsCtx {
    pub lab: Lab,
    /// The variant being brought up or applied.
    pub variant: crate::spec::Variant,
    pub state: State,
    pub ps: NetnsState,
    pub rep: Reporter,
    pub layout: Layout,
    /// The `lab` binary, for the ssh `ProxyCommand`.
    pub exe: PathBuf,
    pub programs: Programs,
    /// The nodes' and pods' cgroup limits, once looked up (see
    /// [`NetnsCtx::cgroup_limits`]).
    cgroup_limits: Option<(Limits, Limits)>,
    /// The namespaces this command recorded before making them, and those
    /// it deleted: the only changes [`NetnsCtx::save`] makes to the claim.
    made: Vec<String>,
    deleted: Vec<String>,
}

impl NetnsCtx {
    /// The limits of the nodes' and of the pods' cgroups
    /// ([`super::limits::cgroup_limits`]), the host looked at once a run,
    /// before the lab's own processes start: nodes and pods cut to one
    /// picture of the host's process IDs.
    pub fn cgroup_limits(&mut self) -> (Limits, Limits) {
        let lab = &self.lab;
        *self
            .cgroup_limits
            .get_or_insert_with(|| super::limits::cgroup_limits(lab, &super::limits::Host::read()))
    }

    pub fn new(
        lab: &Lab,
        variant: &Variant,
        state: State,
        ps: NetnsState,
        rep: &Reporter,
    ) -> NetnsCtx {
        let layout = Layout::new(state.dir());
        NetnsCtx {
            lab: lab.clone(),
            variant: variant.clone(),
            state,
            ps,
            rep: rep.clone(),
            layout,
            exe: lab_exe(),
            programs: Programs::find(),
            cgroup_limits: None,
            made: Vec::new(),
            deleted: Vec::new(),
        }
    }

    /// Record namespaces this command is about to make (before making
    /// them): in the state, and in the claim at the next [`NetnsCtx::save`].
    pub fn record_namespaces(&mut self, names: impl IntoIterator<Item = String>) {
        let names: Vec<String> = names.into_iter().collect();
        self.deleted.retain(|n| !names.contains(n));
        for n in &names {
            if !self.made.contains(n) {
                self.made.push(n.clone());
            }
        }
        self.ps.add_namespaces(names);
    }

    /// Forget namespaces this command deleted: out of the state, and out of
    /// the claim at the next [`NetnsCtx::save`].
    pub fn forget_namespaces(&mut self, gone: &[String]) {
        self.made.retain(|n| !gone.contains(n));
        for n in gone {
            if !self.deleted.contains(n) {
                self.deleted.push(n.clone());
            }
        }
        self.ps.namespaces.retain(|n| !gone.contains(n));
    }

    /// Write the state (atomically), with what the provider recorded so far,
    /// and keep the lab's host-wide claim listing what this command made and
    /// deleted ([`claimed::claim_after`]): never a name read from the state
    /// file, which can be edited (probe21bv finding 3). A name is claimed
    /// before the state lists it, and unclaimed after the state no longer
    /// does: a command stopped in between leaves a claim that covers its
    /// state.
    pub fn save(&mut self) -> Result<()> {
        self.ps.record_exes();
        self.state.provider_state = self.ps.to_value();
        let mine = self.state.instance.as_ref().and_then(|instance| {
            crate::state::claim::read(&self.state.name).filter(|c| c.instance == *instance)
        });
        if let Some(c) = &mine {
            let wider = claimed::claim_after(&c.namespaces, &self.made, &[]);
            if wider != c.namespaces {
                crate::state::claim::update(&crate::state::claim::Claim {
                    namespaces: wider,
                    ..c.clone()
                })?;
            }
        }
        self.state.save()?;
        if let Some(c) = mine {
            let after = claimed::claim_after(&c.namespaces, &self.made, &self.deleted);
            let wider = claimed::claim_after(&c.namespaces, &self.made, &[]);
            if after != wider {
                crate::state::claim::update(&crate::state::claim::Claim {
                    namespaces: after,
                    ..c
                })?;
            }
        }
        Ok(())
    }

    /// The lab's host uids and gids (see `ids`), chosen at `up`: the
    /// state's, once its claim says the same ([`super::ids::trusted`]).
    pub fn ids(&self) -> Result<super::ids::Ids> {
        super::ids::trusted(&self.lab.name, self.ps.ids)
    }

    /// A node's root on the host: uid and gid (see `ids`).
    pub fn node_root(&self) -> Result<(u32, u32)> {
        let ids = self.ids()?;
        Ok((ids.root(), ids.root()))
    }

    pub fn ns_of_node(&self, node: &str) -> String {
        super::names::node_ns(&self.lab.name, node)
    }
}

/// The `lab` binary that ssh runs as `ProxyCommand`: `LAB_EXE` when set
/// (tests that drive the library from another executable), else this one.
pub fn lab_exe() -> PathBuf {
    crate::exec::lab_exe()
}
