//! Removing a vagrant lab: a `vagrant up` left running stopped, the VMs
//! destroyed, libvirt's namespace forgotten, the state folder cleared but
//! for the evidence. Works on a half-built lab and without state; runs
//! nothing (neither `vagrant` nor a recorded process is touched) from a
//! folder the host's record does not vouch for ([`crate::state::made`]).

use super::ctx::{self, VAGRANTFILE};
use super::{Vm, libvirt_ns, steps};
use crate::error::{LabError, Result};
use crate::exec;
use crate::report::Reporter;
use crate::state;
use std::path::Path;
use std::time::Duration;

/// Stop a `vagrant up` left running (recorded in `dir`), `vagrant destroy
/// -f` in `dir` if it holds a Vagrantfile, then remove
/// everything in `dir` but the evidence ([`state::EVIDENCE`]), and `dir` itself
/// when nothing is left. Nothing there: nothing to do. `instance` is the
/// state's bring-up (None: no state could be read).
pub async fn teardown(dir: &Path, vm: Vm, instance: Option<&str>, rep: &Reporter) -> Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    let record = dir.join(steps::vagrant_up::VAGRANT_PROCESS);
    let runs = [dir.join(VAGRANTFILE), record.clone()]
        .iter()
        .any(|f| std::fs::symlink_metadata(f).is_ok());
    if runs {
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        super::vouch_folder(dir, name, instance)?;
    }
    // A `vagrant up` still running (its `lab up` was killed) would hold the
    // machines' locks and go on making machines: stop it and its group first.
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
    state::clear_lab_dir(dir, true)?;
    state::made::forget(dir);
    Ok(())
}
