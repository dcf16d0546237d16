//! The state folder of a lab (`.lab/<name>/`, like `.vagrant/`): what is up,
//! on which provider, with which variant, and what the provider created.
//!
//! State is written atomically (temporary file, then rename), so a crash or a
//! Ctrl-C never leaves a half-written `state.json` behind.

use crate::error::{LabError, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// File name of the state inside a lab's state folder.
pub const STATE_FILE: &str = "state.json";

/// Where the state folders of all labs live: `LAB_STATE_DIR`, else `./.lab`.
pub fn root() -> PathBuf {
    match std::env::var_os("LAB_STATE_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => PathBuf::from(".lab"),
    }
}

/// The state folder of the lab `name`, as an absolute path.
pub fn lab_dir(name: &str) -> PathBuf {
    let dir = root().join(name);
    if dir.is_absolute() {
        dir
    } else {
        std::env::current_dir().map(|c| c.join(&dir)).unwrap_or(dir)
    }
}

/// What a lab's state folder keeps after `destroy`: the log and the
/// diagnostics, the evidence of a failed night (removed by `--purge`).
pub const EVIDENCE: [&str; 2] = [LOG_FILE, "artifacts"];

/// Every command of a lab and its output, in its state folder.
pub const LOG_FILE: &str = "lab.log";

/// Empty a lab's state folder `dir`, keeping [`EVIDENCE`] when asked, and
/// remove the folder when nothing is left. A missing folder is fine.
pub fn clear_lab_dir(dir: &Path, keep_evidence: bool) -> Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(LabError::io(format!("reading {}", dir.display()), e)),
    };
    for e in entries.flatten() {
        if keep_evidence
            && e.file_name()
                .to_str()
                .is_some_and(|n| EVIDENCE.contains(&n))
        {
            continue;
        }
        let p = e.path();
        let r = if e.file_type().is_ok_and(|t| t.is_dir()) {
            std::fs::remove_dir_all(&p)
        } else {
            std::fs::remove_file(&p)
        };
        match r {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                return Err(LabError::io(format!("removing {}", p.display()), err));
            }
            _ => {}
        }
    }
    // Fails, as it should, when evidence is left in it.
    let _ = std::fs::remove_dir(dir);
    Ok(())
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
    pub provider: String,
    /// The `lab.yaml` the lab was brought up from (absolute).
    pub lab_file: PathBuf,
    /// `--nodes` given at `up`.
    pub workers: Option<u32>,
    pub variant: String,
    pub phase: Phase,
    /// What the provider records for itself (namespaces, PIDs, machines).
    #[serde(default)]
    pub provider_state: serde_json::Value,
}

impl State {
    pub fn dir(&self) -> PathBuf {
        lab_dir(&self.name)
    }

    /// Read the state of the lab `name`, if it has any.
    pub fn load(name: &str) -> Result<Option<State>> {
        let path = lab_dir(name).join(STATE_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                LabError::Usage(format!(
                    "{} is not valid lab state ({e}); `lab destroy {name}` removes it",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(LabError::io(format!("reading {}", path.display()), e)),
        }
    }

    /// Read the state of the lab `name`, which must be up.
    pub fn require(name: &str) -> Result<State> {
        State::load(name)?.ok_or_else(|| LabError::NotUp(name.to_string(), lab_dir(name)))
    }

    pub fn save(&self) -> Result<()> {
        let dir = self.dir();
        std::fs::create_dir_all(&dir)
            .map_err(|e| LabError::io(format!("creating {}", dir.display()), e))?;
        let json = serde_json::to_vec_pretty(self).expect("state serializes");
        write_atomic(&dir.join(STATE_FILE), &json)
    }
}

/// Write a file atomically: a temporary file beside it, synced, then renamed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_mode(path, bytes, 0o644)
}

/// Write a file atomically, created with the given Unix permissions (so a
/// private key is never readable by others, not even for a moment).
pub fn write_atomic_mode(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    replace_file(path, bytes, mode, true)
}

/// Replace a file by renaming a temporary one over it, so readers never see
/// it half-written; `sync` makes it durable too (state), which files remade
/// by every `up` can skip.
pub fn replace_file(path: &Path, bytes: &[u8], mode: u32, sync: bool) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(mode)
            .open(&tmp)?;
        f.write_all(bytes)?;
        if sync {
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        LabError::io(format!("writing {}", path.display()), e)
    })
}
