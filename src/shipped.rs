//! The labs shipped with `lab` (the repository's `labs/`), embedded in the
//! binary so a copied or `cargo install`ed `lab` finds `chapter4` wherever
//! it runs. They are written out, once per content, into a cache folder
//! `lab` owns (`LAB_CACHE_DIR`, else `$XDG_CACHE_HOME/lab`, else
//! `~/.cache/lab`; then `shipped/<digest>/`), only when a name is not found
//! elsewhere or `lab list` lists them. A lab that is up does not depend on
//! it: `up` copies its files into the lab's state. Without a home the state
//! root holds it (`<LAB_STATE_DIR>/.shipped/`; a folder whose name starts
//! with a dot is never a lab's state folder), never a shared temporary
//! folder another user could fill first.

use crate::error::{LabError, Result};
use include_dir::{Dir, include_dir};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

static LABS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/labs");

/// A digest of every embedded file (path and bytes): the folder's name, so
/// a binary with other labs never reads files another binary wrote.
fn digest() -> String {
    fn walk(d: &Dir<'_>, h: &mut Sha256) {
        let mut files: Vec<_> = d.files().collect();
        files.sort_by_key(|f| f.path());
        for f in files {
            h.update(f.path().to_string_lossy().as_bytes());
            h.update([0]);
            h.update((f.contents().len() as u64).to_le_bytes());
            h.update(f.contents());
        }
        let mut dirs: Vec<_> = d.dirs().collect();
        dirs.sort_by_key(|d| d.path());
        for sub in dirs {
            walk(sub, h);
        }
    }
    let mut h = Sha256::new();
    walk(&LABS, &mut h);
    h.finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Where the shipped labs are (or will be) written out.
pub fn dir() -> PathBuf {
    let root = match crate::places::cache_dir() {
        Some(c) => c.join("shipped").join(digest()),
        None => crate::places::state_root().join(".shipped").join(digest()),
    };
    std::path::absolute(&root).unwrap_or(root)
}

/// The shipped labs on disk: written out (atomically, into a folder named
/// by their content) when they are not there yet.
pub fn materialise() -> Result<PathBuf> {
    let target = dir();
    if target.is_dir() {
        return Ok(target);
    }
    // The user's setting, said as such (a cache at /dev/null, a FIFO,
    // under /proc), before anything is tried there.
    if let Some(why) = crate::places::cache_problem() {
        return Err(LabError::Usage(why));
    }
    if crate::places::cache_dir().is_none() {
        let root = crate::places::state_root();
        if let Some(why) = crate::places::unusable(&root) {
            return Err(LabError::Usage(format!(
                "the state root {} (LAB_STATE_DIR, else ./.lab; there is no home for a cache) {why}",
                root.display()
            )));
        }
    }
    let parent = target.parent().expect("a folder under the state root");
    std::fs::create_dir_all(parent)
        .map_err(|e| LabError::io(format!("creating {}", parent.display()), e))?;
    let tmp = tempfile::Builder::new()
        .prefix(".writing-")
        .tempdir_in(parent)
        .map_err(|e| LabError::io(format!("creating a folder in {}", parent.display()), e))?;
    write_dir(&LABS, tmp.path())?;
    let tmp = tmp.keep();
    match std::fs::rename(&tmp, &target) {
        Ok(()) => Ok(target),
        // Another `lab` wrote the same content first.
        Err(_) if target.is_dir() => {
            let _ = std::fs::remove_dir_all(&tmp);
            Ok(target)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            Err(LabError::io(format!("writing {}", target.display()), e))
        }
    }
}

fn write_dir(d: &Dir<'_>, to: &Path) -> Result<()> {
    for f in d.files() {
        let p = to.join(f.path());
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| LabError::io(format!("creating {}", parent.display()), e))?;
        }
        std::fs::write(&p, f.contents())
            .map_err(|e| LabError::io(format!("writing {}", p.display()), e))?;
    }
    for sub in d.dirs() {
        write_dir(sub, to)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn chapter4_is_shipped_with_its_files() {
        let lab = super::LABS.get_dir("chapter4").expect("chapter4");
        for f in ["lab.yaml", "chapter.md", "flannel.yml", "flannel_fix.yml"] {
            assert!(
                lab.get_file(format!("chapter4/{f}")).is_some(),
                "{f} not embedded"
            );
        }
    }
}
