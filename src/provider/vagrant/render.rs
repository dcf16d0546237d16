//! Rendering the Vagrantfile and provisioning scripts (placeholder until the vagrant branch lands).
use crate::error::{LabError, Result};
use crate::spec::Lab;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Vm {
    Virtualbox,
    Libvirt,
}

pub fn vagrantfile(_lab: &Lab, _vm: Vm) -> Result<String> {
    Err(LabError::Usage("render: not built yet".into()))
}

pub fn script(_lab: &Lab, _name: &str, _node: &str) -> Result<String> {
    Err(LabError::Usage("render: not built yet".into()))
}
