//! The host-wide record of the uid ranges labs hold (see `ids`): uids are
//! one space for the whole host, while claims live in a folder that
//! `LAB_RUN_DIR` may move (tests use folders of their own), so two labs
//! whose claims lived apart got the same range (the eighteenth probe of
//! issue 21: one lab's node then used up the per-uid counters of the
//! other's). Every range `up` reserves is also recorded here, in [`DIR`],
//! a fixed root-only folder that no setting moves, under a lock of its own
//! taken after the claims' folder's: `<base>.json` names the claim that
//! holds it. A record counts while that claim still holds that range
//! ([`live`]); `destroy` removes the claim, and the next `up` drops the
//! record. Claims of the default folder `/run/lab` count as well, so labs of
//! an older `lab` (which record nothing here) are left out too.

use super::ids::{Ids, LOCK_WAIT, lock_ids};
use crate::error::{LabError, Result};
use crate::state::claim;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Where the ranges of every lab of the host are recorded, whatever
/// `LAB_RUN_DIR` says.
pub const DIR: &str = claim::IDS_DIR;

/// The default claims' folder, whose claims count wherever this lab's are.
const DEFAULT_CLAIMS: &str = "/run/lab";

/// One range's record: the claim (its file, absolute) that holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Record {
    base: u32,
    claim: PathBuf,
}

/// The folder [`DIR`] (or `dir`, a test's), made 0700 and checked to be a
/// folder of this process's uid, not a link.
fn private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    match std::fs::create_dir(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(LabError::io(format!("creating {}", dir.display()), e)),
    }
    let m = std::fs::symlink_metadata(dir)
        .map_err(|e| LabError::io(format!("reading {}", dir.display()), e))?;
    // SAFETY: geteuid has no arguments and cannot fail.
    let me = unsafe { libc::geteuid() };
    if !m.is_dir() || m.uid() != me {
        return Err(LabError::Untrusted(format!(
            "{} is not a folder of uid {me}: lab will not record the host's uid ranges there; remove it",
            dir.display()
        )));
    }
    if m.mode() & 0o7777 != 0o700 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| LabError::io(format!("making {} private", dir.display()), e))?;
    }
    Ok(())
}

/// The host-wide lock: held while a range is chosen and recorded.
pub fn lock(dir: &Path) -> Result<std::fs::File> {
    private_dir(dir)?;
    lock_ids(&dir.join(".lock"), LOCK_WAIT)
}

/// The bases recorded in `dir` whose claim still holds them; records whose
/// claim is gone or holds another range are removed (call under [`lock`]).
pub fn live(dir: &Path) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return vec![];
    };
    let mut bases = vec![];
    for e in entries.flatten() {
        let path = e.path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let record: Option<Record> = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        match record {
            Some(r) if claim::read_at(&r.claim).and_then(|c| c.ids) == Some(r.base) => {
                bases.push(r.base)
            }
            _ => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    bases
}

/// The ranges held by claims of the default claims' folder.
pub fn default_claims() -> Vec<u32> {
    claim::all_in(Path::new(DEFAULT_CLAIMS))
        .into_iter()
        .filter_map(|c| c.ids)
        .collect()
}

/// Record in `dir` that the claim at `claim_path` holds `ids` (call under
/// [`lock`], after the claim says so).
pub fn record(dir: &Path, ids: Ids, claim_path: &Path) -> Result<()> {
    let claim = std::path::absolute(claim_path)
        .map_err(|e| LabError::io(format!("resolving {}", claim_path.display()), e))?;
    let r = Record {
        base: ids.base,
        claim,
    };
    crate::state::write_atomic(
        &dir.join(format!("{}.json", ids.base)),
        &serde_json::to_vec(&r).expect("record serializes"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_counts_while_its_claim_holds_its_range() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("ids");
        let _lock = lock(&dir).unwrap();
        let claim_path = t.path().join("l.json");
        let claim_with = |ids: Option<u32>| {
            let c = serde_json::json!({
                "name": "l", "state_dir": "/x", "instance": "i", "ids": ids
            });
            std::fs::write(&claim_path, c.to_string()).unwrap();
        };
        let base = super::super::ids::FIRST;
        claim_with(Some(base));
        record(&dir, Ids { base }, &claim_path).unwrap();
        assert_eq!(live(&dir), vec![base]);
        // The claim now holds another range: the record is dropped.
        claim_with(Some(base + 1));
        assert_eq!(live(&dir), Vec::<u32>::new());
        assert!(!dir.join(format!("{base}.json")).exists());
        // The claim gone (destroyed): dropped too.
        claim_with(Some(base));
        record(&dir, Ids { base }, &claim_path).unwrap();
        std::fs::remove_file(&claim_path).unwrap();
        assert_eq!(live(&dir), Vec::<u32>::new());
    }
}
