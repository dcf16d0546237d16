//! The host folders `lab` keeps its own files in, each from its environment
//! variable or its default: the state root (`LAB_STATE_DIR`, else `./.lab`)
//! and the cache (`LAB_CACHE_DIR`, else `$XDG_CACHE_HOME/lab`, else
//! `~/.cache/lab`). In the foundations, so that the state folders
//! (`state`) and the labs shipped in the binary (`shipped`, which the lab
//! definition's discovery reads) ask the same rule.

use std::path::PathBuf;

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
