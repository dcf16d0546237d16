//! The host's record of the state folders `lab` made whose files it later
//! hands to another program: the vagrant provider's `Vagrantfile` (Ruby,
//! which `vagrant` evaluates, as root when `lab` is root) and `ssh_config`
//! (whose `ProxyCommand` ssh runs), in a folder that is also Vagrant's
//! project (`.vagrantplugins`, `.vagrant/` are read from it too).
//!
//! A state folder can come from elsewhere: `.lab/` under the current folder
//! is the default state root, and a cloned repository may hold one
//! (probe21at). Such a folder is believed only where this host's record,
//! kept where only this user (root: `/var/lib/lab/made`, 0700) can write,
//! says `lab` made it: the same path, the same folder (device and inode),
//! the same bring-up (the state's instance id, random, in no file another
//! user can read), and each file `lab` wrote there with the bytes it wrote.
//! The record is made before the file is written and before anything runs,
//! and removed by `destroy`. It is kept on disk, not in `/run`: a VM and its
//! state outlive a reboot, and so must the proof that `lab` made them.

use crate::error::{LabError, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Made {
    /// The state folder (absolute).
    pub state_dir: PathBuf,
    pub name: String,
    /// The bring-up that made it (the state's `instance`).
    pub instance: String,
    /// The folder's device and inode when the record was made.
    pub folder: (u64, u64),
    /// A file's name in the folder, and the SHA-256 of what `lab` wrote.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
}

/// Where the records live: `/var/lib/lab/made` for root, else
/// `$XDG_STATE_HOME/lab/made` or `~/.local/state/lab/made`.
pub fn root() -> Option<PathBuf> {
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        return Some(PathBuf::from("/var/lib/lab/made"));
    }
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("XDG_STATE_HOME")
        .or_else(|| var("HOME").map(|h| h.join(".local/state")))
        .map(|d| d.join("lab/made"))
}

/// The state folder `dir` as the record names it: its state root
/// resolved (however it was spelled: a relative `LAB_STATE_DIR`, a path
/// through a link), its own name as it is (a folder that is a link is
/// not the folder recorded).
fn real(dir: &Path) -> PathBuf {
    match (dir.parent().map(std::fs::canonicalize), dir.file_name()) {
        (Some(Ok(root)), Some(name)) => root.join(name),
        _ => dir.to_path_buf(),
    }
}

/// The record of the state folder `dir` (one file per folder, named by
/// the digest of its path).
fn path_of(root: &Path, dir: &Path) -> PathBuf {
    let key = crate::digest::sha256_hex(real(dir).as_os_str().as_encoded_bytes());
    root.join(format!("{}.json", &key[..32]))
}

fn folder_id(dir: &Path) -> Option<(u64, u64)> {
    let m = std::fs::symlink_metadata(dir).ok()?;
    m.is_dir().then(|| (m.dev(), m.ino()))
}

fn read(dir: &Path) -> Option<Made> {
    let bytes = std::fs::read(path_of(&root()?, dir)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Record that `lab` is about to write `bytes` as `file` in the state
/// folder `dir` of lab `name`, bring-up `instance` (before writing it, so
/// that no moment exists where the file is there and the record is not).
pub fn record(dir: &Path, name: &str, instance: &str, file: &str, bytes: &[u8]) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let Some(root) = root() else {
        return Err(LabError::Usage(
            "lab keeps a record of the state folders it makes under $HOME/.local/state/lab, \
             and HOME is not set; nothing was made"
                .into(),
        ));
    };
    let io = |what: &str, e| LabError::io(format!("{what} {}", root.display()), e);
    std::fs::create_dir_all(&root).map_err(|e| io("creating", e))?;
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| io("making private", e))?;
    let folder = folder_id(dir)
        .ok_or_else(|| LabError::Usage(format!("{} is not a folder of lab's", dir.display())))?;
    let mut made = read(dir)
        .filter(|m| m.instance == instance && m.state_dir == real(dir) && m.folder == folder)
        .unwrap_or_else(|| Made {
            state_dir: real(dir),
            name: name.to_string(),
            instance: instance.to_string(),
            folder,
            files: BTreeMap::new(),
        });
    made.files
        .insert(file.to_string(), crate::digest::sha256_hex(bytes));
    let json = serde_json::to_vec_pretty(&made).expect("record serializes");
    super::write_atomic_mode(&path_of(&root, dir), &json, 0o600)
}

/// Forget the state folder `dir` (its lab is gone).
pub fn forget(dir: &Path) {
    if let Some(root) = root() {
        let _ = std::fs::remove_file(path_of(&root, dir));
    }
}

/// Why the state folder `dir` is not one `lab` made here for lab `name`,
/// bring-up `instance` (None: its state could not be read, and the folder
/// alone must agree), with `files` as `lab` wrote them (a file that is not
/// there is fine: nothing runs it). None when it is.
pub fn disagrees(dir: &Path, name: &str, instance: Option<&str>, files: &[&str]) -> Option<String> {
    let Some(made) = read(dir) else {
        return Some(format!(
            "this host has no record of making it ({})",
            root().map(|r| r.display().to_string()).unwrap_or_default()
        ));
    };
    if made.state_dir != real(dir) || made.name != name {
        return Some("this host's record of it names another folder".into());
    }
    if instance.is_some_and(|i| i != made.instance) {
        return Some("its state is not of the bring-up this host recorded".into());
    }
    if folder_id(dir) != Some(made.folder) {
        return Some("it is not the folder this host recorded (made again, or replaced)".into());
    }
    for f in files {
        let p = dir.join(f);
        match std::fs::symlink_metadata(&p) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Ok(m) if m.is_file() => {}
            _ => return Some(format!("its {f} is not a file lab wrote")),
        }
        let ours = std::fs::read(&p)
            .ok()
            .map(|b| crate::digest::sha256_hex(&b))
            .is_some_and(|d| made.files.get(*f) == Some(&d));
        if !ours {
            return Some(format!("its {f} is not the one lab wrote"));
        }
    }
    None
}

/// [`disagrees`], as the refusal every command gives: nothing is run from
/// a folder `lab` did not make, and the user is told what to do.
pub fn vouch(dir: &Path, name: &str, instance: Option<&str>, files: &[&str]) -> Result<()> {
    match disagrees(dir, name, instance, files) {
        None => Ok(()),
        Some(why) => Err(LabError::Untrusted(format!(
            "the state folder {d} of lab '{name}' was not made by lab on this machine ({why}); \
             nothing was run from it. If it came with a repository or a copy, it is not a lab \
             of yours: remove it (rm -r {d}). If you brought it up with an older lab, read its \
             Vagrantfile, run `vagrant destroy -f` there yourself, then remove it",
            d = dir.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `lab` recorded vouches for the folder; a planted folder (no
    /// record), a file changed since, another bring-up's state or a folder
    /// made again at the same path do not.
    #[test]
    fn only_a_recorded_folder_with_its_files_is_believed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("t1");
        std::fs::create_dir(&dir).unwrap();
        let files = ["Vagrantfile", "ssh_config"];
        let e = vouch(&dir, "t1", Some("i1"), &files).unwrap_err();
        assert!(matches!(e, LabError::Untrusted(_)), "{e}");
        assert!(
            e.to_string().contains("not made by lab on this machine"),
            "{e}"
        );
        assert!(e.to_string().contains("nothing was run"), "{e}");

        record(&dir, "t1", "i1", "Vagrantfile", b"lab's").unwrap();
        assert_eq!(disagrees(&dir, "t1", Some("i1"), &files), None);
        // Written after the record: not there yet is fine.
        std::fs::write(dir.join("Vagrantfile"), "lab's").unwrap();
        assert_eq!(disagrees(&dir, "t1", Some("i1"), &files), None);
        assert_eq!(disagrees(&dir, "t1", None, &files), None);
        // The same folder, its state root spelled through a link.
        let alias = tmp.path().join("alias");
        std::os::unix::fs::symlink(tmp.path(), &alias).unwrap();
        assert_eq!(disagrees(&alias.join("t1"), "t1", Some("i1"), &files), None);
        // An ssh_config lab did not record, a changed Vagrantfile.
        std::fs::write(dir.join("ssh_config"), "Host *\n  ProxyCommand id\n").unwrap();
        assert!(
            disagrees(&dir, "t1", Some("i1"), &files)
                .unwrap()
                .contains("ssh_config")
        );
        record(
            &dir,
            "t1",
            "i1",
            "ssh_config",
            b"Host *\n  ProxyCommand id\n",
        )
        .unwrap();
        assert_eq!(disagrees(&dir, "t1", Some("i1"), &files), None);
        std::fs::write(dir.join("Vagrantfile"), "system('id')").unwrap();
        assert!(
            disagrees(&dir, "t1", Some("i1"), &files)
                .unwrap()
                .contains("Vagrantfile")
        );
        std::fs::write(dir.join("Vagrantfile"), "lab's").unwrap();
        // Another bring-up, another lab name.
        assert!(disagrees(&dir, "t1", Some("i2"), &files).is_some());
        assert!(disagrees(&dir, "t2", Some("i1"), &files).is_some());
        // The same path made again (a clone where the lab was).
        let moved = tmp.path().join("old");
        std::fs::rename(&dir, &moved).unwrap();
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("Vagrantfile"), "lab's").unwrap();
        assert!(
            disagrees(&dir, "t1", None, &files)
                .unwrap()
                .contains("made again")
        );
        forget(&dir);
        assert!(
            disagrees(&dir, "t1", Some("i1"), &files)
                .unwrap()
                .contains("no record")
        );
    }
}
