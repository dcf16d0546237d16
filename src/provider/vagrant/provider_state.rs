//! What the vagrant provider records in the lab's state (`provider_state`):
//! the VM provider the machines run on, and the files later commands use
//! (the ssh config written from `vagrant ssh-config`, kubeadm's
//! `admin.conf`).

use super::render::Vm;
use crate::error::{LabError, Result};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VagrantState {
    /// VirtualBox or libvirt, as `up` chose it.
    #[serde(default)]
    pub vm: Vm,
    /// The ssh config of the machines, once written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_config: Option<PathBuf>,
    /// kubeadm's admin kubeconfig, once fetched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_conf: Option<PathBuf>,
}

impl VagrantState {
    /// The record in a state's `provider_state` (empty when null).
    pub fn from_value(v: &serde_json::Value) -> Result<VagrantState> {
        if v.is_null() {
            return Ok(VagrantState::default());
        }
        serde_json::from_value(v.clone()).map_err(|e| {
            LabError::NeedsRepair(format!(
                "the lab's vagrant state is not valid ({e}); `lab destroy` removes the lab"
            ))
        })
    }

    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("state serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_it_writes_and_refuses_a_bad_record() {
        let s = VagrantState {
            vm: Vm::Libvirt,
            ssh_config: Some("/s/ssh_config".into()),
            admin_conf: None,
        };
        let v = s.to_value();
        assert_eq!(
            v,
            serde_json::json!({ "vm": "libvirt", "ssh_config": "/s/ssh_config" })
        );
        assert_eq!(VagrantState::from_value(&v).unwrap(), s);
        assert_eq!(
            VagrantState::from_value(&serde_json::Value::Null).unwrap(),
            VagrantState::default()
        );
        assert!(matches!(
            VagrantState::from_value(&serde_json::json!({ "vm": "qemu" })),
            Err(LabError::NeedsRepair(_))
        ));
    }
}
