//! Which VM provider a vagrant lab uses (VirtualBox, as in the chapter, or
//! libvirt): chosen once for a new lab, then read back from its state.

use super::Vm;
use super::provider_state::VagrantState;
use crate::error::{LabError, Result};
use crate::state::State;

/// Environment variable choosing the VM provider when `--vm` is not given.
pub const VM_ENV: &str = "LAB_VAGRANT_VM";

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
pub(super) fn state_vm(state: Option<&State>) -> Vm {
    state
        .and_then(|s| VagrantState::from_value(&s.provider_state).ok())
        .map(|v| v.vm)
        .unwrap_or_default()
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
}
