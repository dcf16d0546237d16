//! `lab destroy`: remove a lab's machines or namespaces, processes and
//! files. Idempotent while anything of the lab is left; a teardown is finished, not stopped half way, whatever
//! signal arrives. `artifacts/` and `lab.log` stay unless purged. A lab of
//! which nothing exists here is an error (a typo must not read "destroyed").

use super::log_to_lab;
use crate::error::{LabError, Result};
use crate::provider;
use crate::report::Reporter;
use crate::state::{self, Lock, State};

/// What `lab destroy` was asked.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The lab (a name or a path).
    pub lab: String,
    /// Also remove the evidence (`artifacts/`, `lab.log`).
    pub purge: bool,
}

/// Remove the lab; returns its name.
pub async fn destroy(s: &Settings, rep: &Reporter) -> Result<String> {
    let name = super::lab_name(&s.lab)?;
    // Lock the lab's folder if it has one: destroying a lab that is not
    // there must not leave a folder behind.
    let dir = state::lab_dir(&name);
    let exists = dir.exists();
    if !exists && state::claim::read(&name).is_none() {
        // Nothing of that name here: saying "destroyed" would hide a typo
        // (or a state root where no lab can ever be).
        state::root_is_usable()?;
        return Err(LabError::NothingToDestroy {
            hint: crate::suggest::hint(&name, &super::labs_up(), "labs up here"),
            name,
            dir,
        });
    }
    let lock_file = dir.join(state::LOCK_FILE);
    let new_lock = exists && !lock_file.exists();
    let lock = if exists {
        Some(Lock::acquire(&name, "destroy")?)
    } else {
        None
    };
    let r = destroy_locked(&name, exists, s.purge, rep).await;
    if matches!(r, Err(LabError::Untrusted(_))) && new_lock {
        // A refusal touches nothing, not even with a lock file.
        let _ = std::fs::remove_file(&lock_file);
    }
    drop(lock);
    r.map(|()| name)
}

async fn destroy_locked(name: &str, exists: bool, purge: bool, rep: &Reporter) -> Result<()> {
    // A state that cannot be read is as good as none (what is left is
    // found by the lab's claim); one that does not belong here is refused.
    let st = match State::load(name) {
        Ok(st) => st,
        Err(e @ LabError::Untrusted(_)) => return Err(e),
        Err(_) => None,
    };
    // A state lab did not make is refused before anything is written there.
    let p = st.as_ref().map(provider::for_state).transpose()?;
    if exists {
        log_to_lab(rep, name);
    }
    match (&st, p) {
        (Some(st), Some(p)) => {
            if let Some(w) = st.lab_drift() {
                rep.info(format!("warning: {w}"));
            }
            p.destroy(name, Some(st), rep).await?
        }
        _ => {
            // No state: what is left is found by the lab's claim.
            provider::registry::destroy_unrecorded(name, rep).await?;
        }
    }
    // Whatever the provider left (a folder without state), and with
    // --purge the evidence too.
    state::clear_lab_dir(&state::lab_dir(name), !purge)
}
