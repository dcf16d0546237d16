//! The vagrant provider: VMs with kubeadm, flannel and nginx, the chapter
//! as written, reached over SSH.
use super::{Access, Kind, Provider, Status, UpOptions};
use crate::error::{LabError, Result};
use crate::report::Reporter;
use crate::spec::Lab;
use crate::state::State;
use async_trait::async_trait;
use std::path::{Path, PathBuf};

pub struct Vagrant;

impl Vagrant {
    pub fn new() -> Self {
        Vagrant
    }
}

impl Default for Vagrant {
    fn default() -> Self {
        Self::new()
    }
}

fn todo_err() -> LabError {
    LabError::Unavailable {
        provider: "vagrant".into(),
        why: "not built yet".into(),
    }
}

#[async_trait]
impl Provider for Vagrant {
    fn kind(&self) -> Kind {
        Kind::Vagrant
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
        (node.to_string(), "true".into())
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

pub mod render;

/// One line of `lab doctor` for vagrant.
pub struct DoctorLine {
    pub ok: bool,
    pub what: String,
    pub fix: Option<String>,
}

pub fn doctor(_lab: Option<&Lab>, _vm: render::Vm) -> Vec<DoctorLine> {
    vec![]
}
