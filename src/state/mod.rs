//! The state folder of a lab (`.lab/<name>/`, like `.vagrant/`): what is up,
//! on which provider, with which variant, and what the provider created.
//!
//! State is written atomically (temporary file, then rename), so a crash or a
//! Ctrl-C never leaves a half-written `state.json` behind.
//!
//! A state file is believed only where it agrees with where it was found:
//! its `name` is its folder's name (so a crafted `"name": "../victim"` can
//! never point `destroy` at another folder). What else the provider
//! records (namespaces, PIDs) is checked by the provider before use.
//!
//! Seven more things live here because every command needs them, one file
//! each:
//! - [`folder`]: the state folder itself (private, emptied by `destroy`)
//!   and atomic writes;
//! - [`lock`]: one mutating command per lab at a time (`flock` on
//!   `.lab/<name>/lock`, which says who holds it);
//! - [`lab_copy`]: the lab as it was brought up: `up` copies the lab file
//!   and the manifests it names into `.lab/<name>/lab/` and records their
//!   digest, so later commands use the lab that is up, not a file edited or
//!   moved since ([`State::lab_source`], [`State::lab_drift`]);
//! - [`instance`]: one lab up under several names (`--name`);
//! - [`claim`]: the host-wide record of which state folder owns a lab name
//!   (namespace names are host-wide, so a running lab's name is too);
//! - [`trust`]: whether a state folder and its state may be believed at
//!   all (lab's own, private, no links);
//! - [`made`]: the host's record of the state folders lab made whose files
//!   it hands to other programs (a Vagrantfile), which alone vouches for them.

pub mod claim;
pub mod folder;
pub mod instance;
pub mod lab_copy;
pub mod lock;
pub mod made;
pub mod provider_kind;
pub mod trust;

use crate::error::{LabError, Result};
use provider_kind::Kind;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub use folder::{
    EVIDENCE, LOG_FILE, clear_lab_dir, make_private_dir, refuse_links, replace_file,
    root_is_usable, write_atomic, write_atomic_mode,
};
pub use lab_copy::{copy_lab_files, digest_files, digest_to_record, lab_files_of};
pub use lock::{Holder, LOCK_FILE, Lock};

/// File name of the state inside a lab's state folder.
pub const STATE_FILE: &str = "state.json";

/// Where the state folders of all labs live: `LAB_STATE_DIR`, else `./.lab`
/// ([`crate::places::state_root`]).
pub use crate::places::state_root as root;

/// The state folder of the lab `name`, as an absolute path.
pub fn lab_dir(name: &str) -> PathBuf {
    let dir = root().join(name);
    if dir.is_absolute() {
        dir
    } else {
        std::env::current_dir().map(|c| c.join(&dir)).unwrap_or(dir)
    }
}

/// How far a lab got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// `up` is running or was interrupted: resources may be half made.
    Creating,
    Up,
    /// `apply` is switching variants.
    Applying,
    Destroying,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct State {
    pub name: String,
    pub provider: Kind,
    /// The `lab.yaml` the lab was brought up from (absolute).
    pub lab_file: PathBuf,
    /// The files of the lab at `up` (the lab file first, then the manifests
    /// it names), relative to the lab file's folder; copied into
    /// [`LAB_COPY`].
    #[serde(default)]
    pub lab_files: Vec<PathBuf>,
    /// Digest of those files as copied at `up` ([`digest_to_record`]).
    #[serde(default)]
    pub lab_digest: Option<String>,
    /// `--nodes` given at `up`.
    pub workers: Option<u32>,
    pub variant: String,
    pub phase: Phase,
    /// The variant `apply` is switching to, recorded before anything
    /// changes (phase [`Phase::Applying`]).
    #[serde(default)]
    pub applying: Option<String>,
    /// Why the last `apply` failed (not interrupted), recorded with the
    /// phase it left ([`Phase::Applying`]); cleared when `apply` starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply_failed: Option<String>,
    /// This bring-up of the lab: the mark its host-wide resources carry
    /// ([`claim`]).
    #[serde(default)]
    pub instance: Option<String>,
    /// The lab this is an instance of, when it runs under another name
    /// (`--name`, [`instance`]); None when `name` is the lab's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_of: Option<String>,
    /// What the provider records for itself (namespaces, PIDs, machines).
    #[serde(default)]
    pub provider_state: serde_json::Value,
}

/// The copy of the lab as it was brought up, inside its state folder.
pub const LAB_COPY: &str = "lab";

/// The most bytes a state file may have (a lab of 1000 workers writes
/// about a megabyte).
pub const STATE_BYTES: u64 = 64 << 20;

/// The bytes of the state file `path`: `NotFound` when there is none, an
/// error naming what it is when it is no regular file or is too large.
fn read_state_file(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let f = crate::input_file::open_regular(std::fs::OpenOptions::new().read(true), path)?;
    let mut bytes = Vec::new();
    f.take(STATE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > STATE_BYTES {
        return Err(std::io::Error::other(format!(
            "it is larger than {} MiB, which no lab's state is",
            STATE_BYTES >> 20
        )));
    }
    Ok(bytes)
}

impl State {
    /// A new state for bringing `lab` up: its files' digest, a fresh
    /// instance id, phase [`Phase::Creating`].
    pub fn new(
        lab: &crate::spec::Lab,
        provider: Kind,
        variant: &str,
        provider_state: serde_json::Value,
    ) -> State {
        let lab_file = std::fs::canonicalize(&lab.file).unwrap_or_else(|_| lab.file.clone());
        let lab_files = lab_files_of(lab);
        let base = lab.file.parent().unwrap_or(Path::new("."));
        State {
            name: lab.name.clone(),
            provider,
            lab_file,
            lab_digest: digest_to_record(&lab_dir(&lab.name), base, &lab_files),
            lab_files,
            workers: lab.workers_override,
            variant: variant.to_string(),
            phase: Phase::Creating,
            applying: None,
            apply_failed: None,
            instance: Some(new_instance_id()),
            instance_of: lab.instance_of.clone(),
            provider_state,
        }
    }

    /// The state folder: the folder of the name the state was found under
    /// ([`State::load`] refuses a state whose name says otherwise).
    pub fn dir(&self) -> PathBuf {
        lab_dir(&self.name)
    }

    /// Read the state of the lab `name`, if it has any. The file is opened
    /// without blocking and read only if it is a regular file of at most
    /// [`STATE_BYTES`] (a FIFO planted there blocked every command for
    /// minutes through SIGTERM; a 3 GB sparse file was read whole). A state whose name
    /// is not its folder's is refused ([`LabError::Untrusted`]).
    pub fn load(name: &str) -> Result<Option<State>> {
        // The one rule of every command: a root that is no folder lab can
        // use, or one others could swap, is refused before a state in it
        // is believed (`status` and `verify` read one that `apply`
        // refused: probe21bo lesser 6).
        folder::root_is_usable()?;
        trust::check(name, &lab_dir(name))?;
        let path = lab_dir(name).join(STATE_FILE);
        match read_state_file(&path) {
            Ok(bytes) => {
                let st: State = serde_json::from_slice(&bytes).map_err(|e| {
                    LabError::NeedsRepair(format!(
                        "{} is not valid lab state ({e}); `lab destroy {name}` removes it",
                        path.display()
                    ))
                })?;
                if st.name != name {
                    return Err(LabError::Untrusted(format!(
                        "{} names lab {:?}, but it is in the state folder of lab '{name}': it was copied or crafted, so it is not believed (remove the folder yourself if it is not needed)",
                        path.display(),
                        st.name
                    )));
                }
                if let Some(f) = st.lab_files.iter().find(|f| {
                    !f.is_relative()
                        || f.components()
                            .any(|c| !matches!(c, std::path::Component::Normal(_)))
                }) {
                    return Err(LabError::Untrusted(format!(
                        "{} names the lab file {} outside its state folder: it was crafted, so it is not believed",
                        path.display(),
                        f.display()
                    )));
                }
                if let Some(of) = st
                    .instance_of
                    .as_deref()
                    .filter(|of| !crate::spec::validate_name(of))
                {
                    return Err(LabError::Untrusted(format!(
                        "{} says it is an instance of {of:?}, which is no lab name: it was crafted, so it is not believed",
                        path.display()
                    )));
                }
                Ok(Some(st))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // No state, or a root where none can ever be: say which.
                folder::root_is_usable()?;
                Ok(None)
            }
            // No regular file, or too large: not lab's state (destroy
            // then goes by the lab's claim).
            Err(e) if e.kind() == std::io::ErrorKind::Other => Err(LabError::NeedsRepair(format!(
                "{} {e}: it is not lab state; `lab destroy {name}` removes it",
                path.display()
            ))),
            Err(e) => {
                folder::root_is_usable()?;
                Err(LabError::io(format!("reading {}", path.display()), e))
            }
        }
    }

    /// The lab file later commands load: the copy made at `up`, else (a
    /// state from before copies) the file it was brought up from. A copy
    /// whose files no longer match the digest `up` recorded is refused
    /// ([`trust::check_copy_digest`]).
    pub fn lab_source(&self) -> Result<PathBuf> {
        match self.lab_files.first() {
            Some(f) => {
                let copy = self.dir().join(LAB_COPY).join(f);
                if copy.is_file() {
                    if let Some(recorded) = &self.lab_digest {
                        trust::check_copy_digest(
                            &self.name,
                            &self.dir(),
                            &self.lab_files,
                            recorded,
                        )?;
                    }
                    Ok(copy)
                } else {
                    Ok(self.lab_file.clone())
                }
            }
            None => Ok(self.lab_file.clone()),
        }
    }

    /// A warning when the lab file the lab was brought up from has changed
    /// or moved since `up`.
    pub fn lab_drift(&self) -> Option<String> {
        let recorded = self.lab_digest.as_ref()?;
        if !self.lab_file.is_file() {
            return Some(format!(
                "{} was moved or removed since `lab up {}`; using the lab as it was brought up",
                self.lab_file.display(),
                self.name
            ));
        }
        let base = self.lab_file.parent().unwrap_or(Path::new("."));
        if digest_files(base, &self.lab_files).as_ref() != Some(recorded) {
            return Some(format!(
                "{} (or a manifest it names) changed since `lab up {}`; using the lab as it was brought up (`lab destroy {1}` then `lab up` uses the new one)",
                self.lab_file.display(),
                self.name
            ));
        }
        None
    }

    /// Read the state of the lab `name`, which must be up.
    pub fn require(name: &str) -> Result<State> {
        State::load(name)?.ok_or_else(|| LabError::NotUp(name.to_string(), lab_dir(name)))
    }

    pub fn save(&self) -> Result<()> {
        let dir = self.dir();
        make_private_dir(&dir)?;
        let json = serde_json::to_vec_pretty(self).expect("state serializes");
        write_atomic_mode(&dir.join(STATE_FILE), &json, 0o600)
    }
}

/// A random id (16 hex digits) for one bring-up of a lab
/// ([`crate::digest::random_id`]).
pub fn new_instance_id() -> String {
    crate::digest::random_id()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_ids_differ() {
        let a = new_instance_id();
        assert_eq!(a.len(), 16);
        assert_ne!(a, new_instance_id());
    }
}
