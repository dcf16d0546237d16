//! What a merge refuses before anything changes, looking at every
//! database it was given (the target too): a night or run dated after now
//! (it would become "the last night" of the history, the one a summary is
//! of), and a run id recorded under two nights or for two runs (a copy of
//! one night's run passed off as another's). Apart from [`super::merge`],
//! which decides run by run, because these are refusals of the whole
//! merge: exit 2, nothing merged, naming the database and the night.

use super::Snapshot;
use crate::error::{LabError, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// The clock skew allowed between the machines of one CI run: an hour (a
/// day let a night 20 hours ahead become "tonight", probe21cc).
pub const SKEW_SECS: u64 = 3_600;

/// Refuse what no merge takes from `dbs` (each database with its nights),
/// as of `now` (seconds since the epoch).
pub fn check(dbs: &[(&Path, &Snapshot)], now: u64) -> Result<()> {
    // Times as lab writes them (`2026-12-07T13:52:03Z`) order as text,
    // which is how the history orders its nights.
    let limit = crate::clock::Utc::from_unix(now + SKEW_SECS).rfc3339();
    let refuse = |db: &Path, why: String| {
        Err(LabError::Usage(format!(
            "merge source {}: {why}; nothing was merged",
            db.display()
        )))
    };
    let mut seen: BTreeMap<&str, (&str, &str, &str, &Path)> = BTreeMap::new();
    for (db, snap) in dbs {
        for n in &snap.nights {
            let times = [Some(&n.started_at), n.finished_at.as_ref()];
            let runs = n
                .runs
                .iter()
                .flat_map(|r| [r.data.started_at.as_ref(), r.data.finished_at.as_ref()]);
            if let Some(t) = times
                .into_iter()
                .chain(runs)
                .flatten()
                .find(|t| **t > limit)
            {
                return refuse(
                    db,
                    format!(
                        "night '{}' is dated {t:?}, after now ({} with an hour of clock skew)",
                        n.name,
                        crate::clock::Utc::from_unix(now).rfc3339()
                    ),
                );
            }
            for r in &n.runs {
                let Some(id) = r.data.run_id.as_deref() else {
                    continue;
                };
                let here = (n.name.as_str(), r.lab.as_str(), r.provider.as_str(), *db);
                match seen.get(id) {
                    None => {
                        seen.insert(id, here);
                    }
                    Some(&(night, lab, provider, other)) => {
                        if (night, lab, provider) != (here.0, here.1, here.2) {
                            return refuse(
                                db,
                                format!(
                                    "run {id} is recorded in night '{}' ({} · {}) and in night \
                                     '{night}' ({lab} · {provider}) of {}; a run belongs to one night",
                                    n.name,
                                    r.lab,
                                    r.provider,
                                    other.display()
                                ),
                            );
                        }
                    }
                }
            }
        }
    }
    Ok(())
}
