//! The host folders `lab` keeps its own files in, each from its environment
//! variable or its default: the state root (`LAB_STATE_DIR`, else `./.lab`)
//! and the cache (`LAB_CACHE_DIR`, else `$XDG_CACHE_HOME/lab`, else
//! `~/.cache/lab`). In the foundations, so that the state folders
//! (`state`) and the labs shipped in the binary (`shipped`, which the lab
//! definition's discovery reads) ask the same rule.

use std::path::{Path, PathBuf};

/// A variable's value, when it is set and not empty.
fn var(k: &str) -> Option<PathBuf> {
    std::env::var_os(k)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Where the state folders of all labs live: `LAB_STATE_DIR`, else `./.lab`.
pub fn state_root() -> PathBuf {
    var("LAB_STATE_DIR").unwrap_or_else(|| PathBuf::from(".lab"))
}

/// `lab`'s cache folder: `LAB_CACHE_DIR`, else `$XDG_CACHE_HOME/lab`, else
/// `~/.cache/lab`; None without any of them (no home).
pub fn cache_dir() -> Option<PathBuf> {
    var("LAB_CACHE_DIR")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("lab")))
        .or_else(|| var("HOME").map(|h| h.join(".cache").join("lab")))
}

/// Where the path `p` really is, whether or not it exists yet: absolute,
/// its longest existing ancestor resolved (links included), then the rest
/// as written. The one reading of "where will this land" for the checks
/// that keep lab's files apart from what they must not touch (report paths
/// and inputs, a state folder and what nodes see).
pub fn real_path(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut base = abs.as_path();
    let mut rest = Vec::new();
    while !base.exists() {
        match (base.parent(), base.file_name()) {
            (Some(up), Some(name)) => {
                rest.push(name);
                base = up;
            }
            _ => break,
        }
    }
    let mut real = std::fs::canonicalize(base).unwrap_or_else(|_| base.to_path_buf());
    real.extend(rest.iter().rev());
    real
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_path_that_does_not_exist_yet_is_resolved_through_its_existing_part() {
        let t = tempfile::tempdir().unwrap();
        let real = std::fs::canonicalize(t.path()).unwrap();
        std::os::unix::fs::symlink(&real, real.join("link")).unwrap();
        assert_eq!(super::real_path(&real.join("link/a/b")), real.join("a/b"));
        assert_eq!(super::real_path(&real.join("link")), real);
    }
}
