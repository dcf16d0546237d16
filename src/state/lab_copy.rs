//! The lab as it was brought up: `up` copies the lab file and the manifests
//! it names into `.lab/<name>/lab/` and records their digest, so later
//! commands use the lab that is up, not a file edited or moved since.

use super::LAB_COPY;
use crate::error::{LabError, Result};
use std::path::{Path, PathBuf};

/// Copy the lab's files (the lab file and the manifests it names) into its
/// state folder `dir`, where later commands read the lab as it was brought
/// up ([`State::lab_source`]).
pub fn copy_lab_files(lab: &crate::spec::Lab, dir: &Path) -> Result<()> {
    let base = lab.file.parent().unwrap_or(Path::new("."));
    let to = dir.join(LAB_COPY);
    // Private, whatever the source's mode or the umask: a copy others can
    // write is refused by every later command ([`super::trust::check`]).
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    let private = |p: &Path, mode: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
            .map_err(|e| LabError::io(format!("making {} private", p.display()), e))
    };
    for f in lab_files_of(lab) {
        let dst = to.join(&f);
        if let Some(p) = dst.parent() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(p)
                .map_err(|e| LabError::io(format!("creating {}", p.display()), e))?;
            let mut d = p;
            while d.starts_with(&to) {
                private(d, 0o700)?;
                match d.parent() {
                    Some(up) => d = up,
                    None => break,
                }
            }
        }
        std::fs::copy(base.join(&f), &dst)
            .map_err(|e| LabError::io(format!("copying {}", base.join(&f).display()), e))?;
        private(&dst, 0o600)?;
    }
    Ok(())
}

/// The lab file and the manifests it names, relative to the lab file's
/// folder ([`crate::spec::Lab::own_files`]).
pub fn lab_files_of(lab: &crate::spec::Lab) -> Vec<PathBuf> {
    lab.own_files()
}

/// A digest of files (SHA-256 over each name and content, `sha256:<hex>`):
/// enough to notice an edit. `None` when a file cannot be read.
pub fn digest_files(base: &Path, files: &[PathBuf]) -> Option<String> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for f in files {
        h.update(f.to_string_lossy().as_bytes());
        h.update([0]);
        h.update(std::fs::read(base.join(f)).ok()?);
        h.update([0]);
    }
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Some(format!("sha256:{hex}"))
}

/// The digest a state records for the lab in state folder `dir`: its
/// copy's, which every later command checks the copy against
/// ([`super::trust::check_copy_digest`]) and the source against
/// ([`super::State::lab_drift`]), where the copy was made; else (a state
/// made without a copy) the source's at `base`. Taken from the source
/// instead, an edit between the copy and the digest made the copy refused
/// as tampered with for good.
pub fn digest_to_record(dir: &Path, base: &Path, files: &[PathBuf]) -> Option<String> {
    digest_files(&dir.join(LAB_COPY), files).or_else(|| digest_files(base, files))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_recorded_is_the_copys_when_the_source_changed_after_it() {
        let src = tempfile::tempdir().unwrap();
        let state = tempfile::tempdir().unwrap();
        let files = vec![PathBuf::from("lab.yaml")];
        std::fs::write(src.path().join("lab.yaml"), "count: 2\n").unwrap();
        std::fs::create_dir(state.path().join(LAB_COPY)).unwrap();
        std::fs::copy(
            src.path().join("lab.yaml"),
            state.path().join(LAB_COPY).join("lab.yaml"),
        )
        .unwrap();
        let copied = digest_files(&state.path().join(LAB_COPY), &files).unwrap();
        // Edited after the copy, before the state is made.
        std::fs::write(src.path().join("lab.yaml"), "count: 3\n").unwrap();
        assert_eq!(
            digest_to_record(state.path(), src.path(), &files).unwrap(),
            copied
        );
        // No copy: the source's.
        let bare = tempfile::tempdir().unwrap();
        assert_eq!(
            digest_to_record(bare.path(), src.path(), &files),
            digest_files(src.path(), &files)
        );
    }

    #[test]
    fn digest_notices_an_edit_and_a_missing_file() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("lab.yaml"), "count: 2\n").unwrap();
        let files = vec![PathBuf::from("lab.yaml")];
        let a = digest_files(d.path(), &files).unwrap();
        assert_eq!(digest_files(d.path(), &files).unwrap(), a);
        std::fs::write(d.path().join("lab.yaml"), "count: 3\n").unwrap();
        assert_ne!(digest_files(d.path(), &files).unwrap(), a);
        assert_eq!(digest_files(d.path(), &[PathBuf::from("gone.yml")]), None);
    }
}
