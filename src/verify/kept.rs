//! What a lab keeps of its runs (`artifacts/<run_id>/`, kept after
//! `destroy` as evidence) has a bound of its own: a failing run copies its
//! nodes' logs (up to 16 MiB each, `provider::collect_logs`), so a node
//! writing big logs grew the state folder by tens of MiB a run, for ever
//! (the ninth probe of issue 21: 92 MiB after three runs). The oldest
//! runs' folders go first; the run that just wrote is kept whole.

use std::path::{Path, PathBuf};

/// The most a lab's `artifacts/` keeps, all runs together (more only when
/// the newest run alone is bigger).
pub const MAX_KEPT: u64 = 64 << 20;

/// The bytes of the files under `dir`, links not followed.
fn size_of(dir: &Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    rd.flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => size_of(&e.path()),
            Ok(_) => e.metadata().map_or(0, |m| m.len()),
            Err(_) => 0,
        })
        .sum()
}

/// Remove the oldest run folders of `artifacts` (by name: a run id begins
/// with its UTC time) until all of them, `current` included, hold at most
/// `budget` bytes; `current` is never removed. Returns what was removed.
pub fn bound(artifacts: &Path, current: &Path, budget: u64) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(artifacts) else {
        return vec![];
    };
    let mut runs: Vec<(PathBuf, u64)> = rd
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| (e.path(), size_of(&e.path())))
        .collect();
    runs.sort();
    let mut total: u64 = runs.iter().map(|(_, n)| n).sum();
    let mut removed = Vec::new();
    for (run, n) in runs {
        if total <= budget {
            break;
        }
        if run == current {
            continue;
        }
        if std::fs::remove_dir_all(&run).is_ok() {
            total -= n;
            removed.push(run);
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::bound;

    fn run(artifacts: &std::path::Path, id: &str, bytes: usize) -> std::path::PathBuf {
        let dir = artifacts.join(id);
        std::fs::create_dir_all(dir.join("broken/provider")).unwrap();
        std::fs::write(
            dir.join("broken/provider/node1-flanneld.log"),
            vec![b'x'; bytes],
        )
        .unwrap();
        dir
    }

    #[test]
    fn the_oldest_runs_go_first_and_the_current_one_stays() {
        let t = tempfile::tempdir().unwrap();
        let a = t.path().join("artifacts");
        let r1 = run(&a, "20261205T010000Z-l-netns-aaaa", 400);
        let r2 = run(&a, "20261205T020000Z-l-netns-bbbb", 400);
        let r3 = run(&a, "20261205T030000Z-l-netns-cccc", 400);
        // Within the budget: nothing goes.
        assert!(bound(&a, &r3, 1200).is_empty());
        // Over it: the oldest first, until it holds.
        assert_eq!(bound(&a, &r3, 800), vec![r1.clone()]);
        assert!(!r1.exists() && r2.exists() && r3.exists());
        // The current run is kept, even alone over the budget.
        let r4 = run(&a, "20261205T040000Z-l-netns-dddd", 2000);
        assert_eq!(bound(&a, &r4, 800), vec![r2.clone(), r3.clone()]);
        assert!(r4.exists());
        // A link in a run is not followed (nor counted through).
        let big = t.path().join("big");
        std::fs::write(&big, vec![b'y'; 5000]).unwrap();
        std::os::unix::fs::symlink(&big, r4.join("link")).unwrap();
        assert!(bound(&a, &r4, 2100).is_empty());
        assert!(big.exists());
    }
}
