//! The netns provider: the chapter's cluster network on real Linux
//! networking (namespaces, veth, bridges, VXLAN), with real sshd and nginx.

use super::{Access, Kind, Provider, Status, UpOptions};
use crate::error::{LabError, Result};
use crate::report::Reporter;
use crate::spec::Lab;
use crate::state::State;
use async_trait::async_trait;
use std::path::{Path, PathBuf};

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

fn todo_err() -> LabError {
    LabError::Unavailable {
        provider: "netns".into(),
        why: "not built yet".into(),
    }
}

#[async_trait]
impl Provider for Netns {
    fn kind(&self) -> Kind {
        Kind::Netns
    }
    fn available(&self) -> Result<()> {
        Err(todo_err())
    }
    async fn up(
        &self,
        _lab: &Lab,
        _variant: &str,
        _opts: UpOptions,
        _rep: &Reporter,
    ) -> Result<State> {
        Err(todo_err())
    }
    async fn apply(
        &self,
        _lab: &Lab,
        _state: &mut State,
        _variant: &str,
        _rep: &Reporter,
    ) -> Result<()> {
        Err(todo_err())
    }
    async fn destroy(&self, _name: &str, _state: Option<&State>, _rep: &Reporter) -> Result<()> {
        Err(todo_err())
    }
    async fn status(&self, _lab: &Lab, _state: &State, _rep: &Reporter) -> Result<Status> {
        Err(todo_err())
    }
    async fn access(&self, _lab: &Lab, _state: &State, _rep: &Reporter) -> Result<Access> {
        Err(todo_err())
    }
    fn flannel_log(&self, _lab: &Lab, node: &str) -> (String, String) {
        (node.to_string(), "cat /run/flannel/flanneld.log".into())
    }
    async fn collect_logs(
        &self,
        _lab: &Lab,
        _state: &State,
        _dir: &Path,
        _rep: &Reporter,
    ) -> Result<Vec<PathBuf>> {
        Ok(vec![])
    }
}

/// Programs the netns provider runs, and the Debian packages that have them.
pub const PACKAGES: &[(&str, &str)] = &[("ip", "iproute2")];

/// Relay stdin/stdout to `port` inside the node's network namespace.
pub fn proxy(_lab: &str, _node: &str, _port: u16) -> Result<()> {
    Err(todo_err())
}
