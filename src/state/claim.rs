//! The host-wide record of running labs: `/run/lab/<name>.json` (or under
//! `LAB_RUN_DIR`) says which state folder owns the lab name, with which
//! instance id, and which namespaces that instance made. `/run` is a tmpfs,
//! cleared at boot like the namespaces themselves.
//!
//! A claim is made before anything host-wide exists (a hard link of a
//! complete file: two `up`s from different folders cannot both win), kept
//! up to date as namespaces are recorded, and removed by `destroy`. It is
//! the mark `destroy` goes by: only namespaces a claim of this lab (whose
//! instance is the state's own) lists are removed, never another of the
//! same prefix.

use crate::error::{LabError, Result};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub name: String,
    pub instance: String,
    /// The state folder of the lab (absolute).
    pub state_dir: PathBuf,
    /// Every namespace the instance made or is about to make.
    #[serde(default)]
    pub namespaces: Vec<String>,
    /// The `up` that made the claim (PID, start time), alive until its
    /// state is saved.
    #[serde(default)]
    pub owner: Option<(i32, u64)>,
    /// The first host uid (and gid) of the lab's range, which its nodes'
    /// and pods' ids map to (`provider::netns::ids`): no other claim may
    /// hold the same.
    #[serde(default)]
    pub ids: Option<u32>,
}

/// Where the uid range of every lab of the host is recorded (see
/// `provider::netns::reservations`), whatever `LAB_RUN_DIR` says.
pub const IDS_DIR: &str = "/run/lab-ids";

/// The folders of the host's records of its labs, which no report or
/// picture may be written into: the claims, and the uid ranges.
pub fn host_records() -> Vec<PathBuf> {
    vec![root(), PathBuf::from(IDS_DIR)]
}

/// Where claims live.
pub fn root() -> PathBuf {
    match std::env::var_os("LAB_RUN_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => PathBuf::from("/run/lab"),
    }
}

pub fn path(name: &str) -> PathBuf {
    root().join(format!("{name}.json"))
}

/// The claim on the lab name `name`, if any (an unreadable one counts
/// as none).
pub fn read(name: &str) -> Option<Claim> {
    read_at(&path(name))
}

/// The claim in the file `path` (of any claims' folder), if readable.
pub fn read_at(path: &std::path::Path) -> Option<Claim> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// Every claim of this host (unreadable ones left out).
pub fn all() -> Vec<Claim> {
    all_in(&root())
}

/// Every claim in the claims' folder `dir` (unreadable ones left out).
pub fn all_in(dir: &std::path::Path) -> Vec<Claim> {
    let Ok(dir) = std::fs::read_dir(dir) else {
        return vec![];
    };
    dir.flatten()
        .filter(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            n.ends_with(".json") && !n.starts_with('.')
        })
        .filter_map(|e| read_at(&e.path()))
        .collect()
}

fn tmp_file(c: &Claim) -> Result<PathBuf> {
    let dir = root();
    std::fs::create_dir_all(&dir)
        .map_err(|e| LabError::io(format!("creating {}", dir.display()), e))?;
    let tmp = dir.join(format!(".{}.{}.tmp", c.name, std::process::id()));
    std::fs::write(
        &tmp,
        serde_json::to_vec_pretty(c).expect("claim serializes"),
    )
    .map_err(|e| LabError::io(format!("writing {}", tmp.display()), e))?;
    Ok(tmp)
}

/// Claim the name; `Ok(Err(existing))` when another claim holds it.
pub fn create(c: &Claim) -> Result<std::result::Result<(), Option<Claim>>> {
    let tmp = tmp_file(c)?;
    let r = std::fs::hard_link(&tmp, path(&c.name));
    let _ = std::fs::remove_file(&tmp);
    match r {
        Ok(()) => Ok(Ok(())),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(Err(read(&c.name))),
        Err(e) => Err(LabError::io(
            format!("writing {}", path(&c.name).display()),
            e,
        )),
    }
}

/// Rewrite our own claim (its namespaces changed).
pub fn update(c: &Claim) -> Result<()> {
    let tmp = tmp_file(c)?;
    std::fs::rename(&tmp, path(&c.name)).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        LabError::io(format!("writing {}", path(&c.name).display()), e)
    })
}

/// Remove the claim on `name` if it is `instance`'s.
pub fn release(name: &str, instance: &str) {
    if read(name).is_some_and(|c| c.instance == instance) {
        let _ = std::fs::remove_file(path(name));
    }
}

/// Remove the claim on `name` whatever it says (a stale one).
pub fn remove(name: &str) {
    let _ = std::fs::remove_file(path(name));
}

/// This host's labs as an output path is checked against them
/// ([`crate::report::host`]): the state root, the records' folders, and
/// every lab up, by its claim (whatever state folder it names) or by a
/// state of this state root, with the lab file it came from.
pub fn host() -> crate::report::host::Host {
    let of_state = |dir: &std::path::Path| -> Option<PathBuf> {
        let bytes = std::fs::read(dir.join(super::STATE_FILE)).ok()?;
        let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
        Some(PathBuf::from(v.get("lab_file")?.as_str()?))
    };
    let root = super::root();
    let mut labs_up: Vec<(String, PathBuf)> = all()
        .into_iter()
        .filter_map(|c| Some((c.name, of_state(&c.state_dir)?)))
        .collect();
    if let Ok(rd) = std::fs::read_dir(&root) {
        labs_up.extend(rd.flatten().filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            Some((name, of_state(&e.path())?))
        }));
    }
    crate::report::host::Host {
        state_root: root,
        records: host_records(),
        labs_up,
    }
}
