//! The context the netns bring-up steps share.

use super::cgroups::Limits;
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
        }
    }

    /// Write the state (atomically), with what the provider recorded so far,
    /// and keep the lab's host-wide claim listing the same namespaces.
    pub fn save(&mut self) -> Result<()> {
        self.ps.record_exes();
        self.state.provider_state = self.ps.to_value();
        self.state.save()?;
        if let Some(instance) = &self.state.instance
            && let Some(c) = crate::state::claim::read(&self.state.name)
            && c.instance == *instance
            && c.namespaces != self.ps.namespaces
        {
            crate::state::claim::update(&crate::state::claim::Claim {
                namespaces: self.ps.namespaces.clone(),
                ..c
            })?;
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
