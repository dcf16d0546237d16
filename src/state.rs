//! The state folder of a lab (`.lab/<name>/`, like `.vagrant/`): what is up,
//! on which provider, with which variant, and what the provider created.
//!
//! State is written atomically (temporary file, then rename), so a crash or a
//! Ctrl-C never leaves a half-written `state.json` behind.
//!
//! A state file is believed only where it agrees with where it was found:
//! its `name` is its folder's name (so a crafted `"name": "../victim"` can
//! never point `destroy` at another folder). What else the provider
//! records (namespaces, PIDs) is checked by the provider before use.
//!
//! Three more things live here because every command needs them:
//! - [`Lock`]: one mutating command per lab at a time (`flock` on
//!   `.lab/<name>/lock`, which says who holds it);
//! - the lab as it was brought up: `up` copies the lab file and the
//!   manifests it names into `.lab/<name>/lab/` and records their digest, so
//!   later commands use the lab that is up, not a file edited or moved since
//!   ([`State::lab_source`], [`State::lab_drift`]);
//! - [`claim`]: the host-wide record of which state folder owns a lab name
//!   (namespace names are host-wide, so a running lab's name is too).

use crate::error::{LabError, Result};
use crate::provider::Kind;
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

/// Make a lab's state folder (and its parents) and make it private: 0700,
/// so no other user can read its state or log, or open its lock.
pub fn make_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir)
        .map_err(|e| LabError::io(format!("creating {}", dir.display()), e))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| LabError::io(format!("making {} private", dir.display()), e))
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
    pub provider: Kind,
    /// The `lab.yaml` the lab was brought up from (absolute).
    pub lab_file: PathBuf,
    /// The files of the lab at `up` (the lab file first, then the manifests
    /// it names), relative to the lab file's folder; copied into
    /// [`LAB_COPY`].
    #[serde(default)]
    pub lab_files: Vec<PathBuf>,
    /// Digest of those files at `up` ([`digest_files`]).
    #[serde(default)]
    pub lab_digest: Option<String>,
    /// `--nodes` given at `up`.
    pub workers: Option<u32>,
    pub variant: String,
    pub phase: Phase,
    /// The variant `apply` is switching to, recorded before anything
    /// changes (phase [`Phase::Applying`]).
    #[serde(default)]
    pub applying: Option<String>,
    /// This bring-up of the lab: the mark its host-wide resources carry
    /// ([`claim`]).
    #[serde(default)]
    pub instance: Option<String>,
    /// What the provider records for itself (namespaces, PIDs, machines).
    #[serde(default)]
    pub provider_state: serde_json::Value,
}

/// The copy of the lab as it was brought up, inside its state folder.
pub const LAB_COPY: &str = "lab";

impl State {
    /// A new state for bringing `lab` up: its files' digest, a fresh
    /// instance id, phase [`Phase::Creating`].
    pub fn new(
        lab: &crate::spec::Lab,
        provider: Kind,
        variant: &str,
        provider_state: serde_json::Value,
    ) -> State {
        let lab_file = std::fs::canonicalize(&lab.file).unwrap_or_else(|_| lab.file.clone());
        let lab_files = lab_files_of(lab);
        let base = lab.file.parent().unwrap_or(Path::new("."));
        State {
            name: lab.name.clone(),
            provider,
            lab_file,
            lab_digest: digest_files(base, &lab_files),
            lab_files,
            workers: lab.workers_override,
            variant: variant.to_string(),
            phase: Phase::Creating,
            applying: None,
            instance: Some(new_instance_id()),
            provider_state,
        }
    }

    /// The state folder: the folder of the name the state was found under
    /// ([`State::load`] refuses a state whose name says otherwise).
    pub fn dir(&self) -> PathBuf {
        lab_dir(&self.name)
    }

    /// Read the state of the lab `name`, if it has any. A state whose name
    /// is not its folder's is refused ([`LabError::Untrusted`]).
    pub fn load(name: &str) -> Result<Option<State>> {
        let path = lab_dir(name).join(STATE_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => {
                let st: State = serde_json::from_slice(&bytes).map_err(|e| {
                    LabError::NeedsRepair(format!(
                        "{} is not valid lab state ({e}); `lab destroy {name}` removes it",
                        path.display()
                    ))
                })?;
                if st.name != name {
                    return Err(LabError::Untrusted(format!(
                        "{} names lab {:?}, but it is in the state folder of lab '{name}': it was copied or crafted, so it is not believed (remove the folder yourself if it is not needed)",
                        path.display(),
                        st.name
                    )));
                }
                if let Some(f) = st.lab_files.iter().find(|f| {
                    !f.is_relative()
                        || f.components()
                            .any(|c| !matches!(c, std::path::Component::Normal(_)))
                }) {
                    return Err(LabError::Untrusted(format!(
                        "{} names the lab file {} outside its state folder: it was crafted, so it is not believed",
                        path.display(),
                        f.display()
                    )));
                }
                Ok(Some(st))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(LabError::io(format!("reading {}", path.display()), e)),
        }
    }

    /// The lab file later commands load: the copy made at `up`, else (a
    /// state from before copies) the file it was brought up from.
    pub fn lab_source(&self) -> PathBuf {
        match self.lab_files.first() {
            Some(f) => {
                let copy = self.dir().join(LAB_COPY).join(f);
                if copy.is_file() {
                    copy
                } else {
                    self.lab_file.clone()
                }
            }
            None => self.lab_file.clone(),
        }
    }

    /// A warning when the lab file the lab was brought up from has changed
    /// or moved since `up`.
    pub fn lab_drift(&self) -> Option<String> {
        let recorded = self.lab_digest.as_ref()?;
        if !self.lab_file.is_file() {
            return Some(format!(
                "{} was moved or removed since `lab up {}`; using the lab as it was brought up",
                self.lab_file.display(),
                self.name
            ));
        }
        let base = self.lab_file.parent().unwrap_or(Path::new("."));
        if digest_files(base, &self.lab_files).as_ref() != Some(recorded) {
            return Some(format!(
                "{} (or a manifest it names) changed since `lab up {}`; using the lab as it was brought up (`lab destroy {1}` then `lab up` uses the new one)",
                self.lab_file.display(),
                self.name
            ));
        }
        None
    }

    /// Read the state of the lab `name`, which must be up.
    pub fn require(name: &str) -> Result<State> {
        State::load(name)?.ok_or_else(|| LabError::NotUp(name.to_string(), lab_dir(name)))
    }

    pub fn save(&self) -> Result<()> {
        let dir = self.dir();
        make_private_dir(&dir)?;
        let json = serde_json::to_vec_pretty(self).expect("state serializes");
        write_atomic_mode(&dir.join(STATE_FILE), &json, 0o600)
    }
}

/// Copy the lab's files (the lab file and the manifests it names) into its
/// state folder `dir`, where later commands read the lab as it was brought
/// up ([`State::lab_source`]).
pub fn copy_lab_files(lab: &crate::spec::Lab, dir: &Path) -> Result<()> {
    let base = lab.file.parent().unwrap_or(Path::new("."));
    let to = dir.join(LAB_COPY);
    for f in lab_files_of(lab) {
        let dst = to.join(&f);
        if let Some(p) = dst.parent() {
            std::fs::create_dir_all(p)
                .map_err(|e| LabError::io(format!("creating {}", p.display()), e))?;
        }
        std::fs::copy(base.join(&f), &dst)
            .map_err(|e| LabError::io(format!("copying {}", base.join(&f).display()), e))?;
    }
    Ok(())
}

/// The lab file and the manifests it names, relative to the lab file's folder.
pub fn lab_files_of(lab: &crate::spec::Lab) -> Vec<PathBuf> {
    let base = lab.file.parent().unwrap_or(Path::new("."));
    let mut out: Vec<PathBuf> = Vec::new();
    let all = std::iter::once(&lab.file)
        .chain(lab.variants.iter().map(|v| &v.manifest))
        .chain(lab.workload_files.iter())
        .chain(lab.book.iter());
    for f in all {
        let rel = f.strip_prefix(base).unwrap_or(f);
        // Manifests are validated to be inside the lab folder; anything
        // else is not copied.
        if rel.is_relative()
            && !rel
                .components()
                .any(|c| c == std::path::Component::ParentDir)
        {
            let rel = rel.to_path_buf();
            if !out.contains(&rel) {
                out.push(rel);
            }
        }
    }
    out
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

/// A random id (16 hex digits) for one bring-up of a lab.
pub fn new_instance_id() -> String {
    use std::io::Read;
    let mut b = [0u8; 8];
    let ok = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .is_ok();
    if !ok {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        b = ((t as u64) ^ (u64::from(std::process::id()) << 32)).to_le_bytes();
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
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

/// The lock file inside a lab's state folder.
pub const LOCK_FILE: &str = "lock";

/// Who holds a lab's lock: what the lock file says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub command: String,
    pub pid: u32,
    /// Unix time the command took the lock.
    pub since: u64,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = crate::clock::Utc::from_unix(self.since);
        write!(
            f,
            "`lab {}` (PID {}) since {}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
            self.command, self.pid, t.year, t.month, t.day, t.hour, t.minute, t.second
        )
    }
}

/// One mutating command per lab at a time: an exclusive `flock` on
/// `.lab/<name>/lock`, held while the value lives (the kernel drops it when
/// the process ends, however it ends). The file says who holds it.
#[derive(Debug)]
pub struct Lock {
    _file: std::fs::File,
}

fn flock(f: &std::fs::File, op: libc::c_int) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a file descriptor this process owns.
    if unsafe { libc::flock(f.as_raw_fd(), op) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

fn read_holder(path: &Path) -> Option<Holder> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// The PIDs that hold a `flock` on the file `path` (from `/proc/locks`,
/// which names the file by device and inode).
fn lock_holders(path: &Path) -> Vec<u32> {
    use std::os::unix::fs::MetadataExt;
    let Ok(m) = std::fs::metadata(path) else {
        return vec![];
    };
    let (major, minor) = (libc::major(m.dev()), libc::minor(m.dev()));
    let want = format!("{major:02x}:{minor:02x}:{}", m.ino());
    std::fs::read_to_string("/proc/locks")
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.contains("->"))
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            // "1: FLOCK ADVISORY WRITE <pid> <maj:min:inode> 0 EOF"
            (f.get(1) == Some(&"FLOCK") && f.get(5).is_some_and(|d| d.eq_ignore_ascii_case(&want)))
                .then(|| f.get(4)?.parse().ok())
                .flatten()
        })
        .collect()
}

/// Who holds the lock at `path`: the lab command its file names when that
/// command's process is the one holding it, else the process that holds
/// it, by PID and command line (a file can say anything).
fn real_holder(path: &Path) -> String {
    let said = read_holder(path);
    let holders = lock_holders(path);
    if let Some(h) = &said
        && (holders.is_empty() || holders.contains(&h.pid))
        && std::path::Path::new(&format!("/proc/{}", h.pid)).exists()
    {
        return h.to_string();
    }
    match holders.first() {
        Some(pid) => {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| {
                    String::from_utf8_lossy(&c)
                        .replace('\0', " ")
                        .trim()
                        .to_string()
                })
                .unwrap_or_default();
            format!("PID {pid} (`{cmdline}`, not a lab command)")
        }
        None => "another command".into(),
    }
}

fn busy(name: &str, path: &Path) -> LabError {
    LabError::Busy {
        name: name.to_string(),
        holder: real_holder(path),
    }
}

impl Lock {
    /// Take the lab's lock for `command` (creating the state folder), or
    /// say who has it ([`LabError::Busy`]).
    pub fn acquire(name: &str, command: &str) -> Result<Lock> {
        Lock::acquire_in(&lab_dir(name), name, command)
    }

    /// [`Lock::acquire`] in the state folder `dir`: the folder is made
    /// 0700 and the lock file 0600 (only root can open either).
    pub fn acquire_in(dir: &Path, name: &str, command: &str) -> Result<Lock> {
        use std::io::{Seek, Write};
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        make_private_dir(dir)?;
        let path = dir.join(LOCK_FILE);
        let mut f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)
            .map_err(|e| LabError::io(format!("opening {}", path.display()), e))?;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| LabError::io(format!("making {} private", path.display()), e))?;
        match flock(&f, libc::LOCK_EX | libc::LOCK_NB) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EWOULDBLOCK) => return Err(busy(name, &path)),
            Err(e) => return Err(LabError::io(format!("locking {}", path.display()), e)),
        }
        let holder = Holder {
            command: command.to_string(),
            pid: std::process::id(),
            since: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        };
        let json = serde_json::to_vec(&holder).expect("holder serializes");
        let w = f
            .set_len(0)
            .and_then(|()| f.rewind())
            .and_then(|()| f.write_all(&json));
        w.map_err(|e| LabError::io(format!("writing {}", path.display()), e))?;
        Ok(Lock { _file: f })
    }

    /// The command changing the lab `name` right now, if any (for commands
    /// that only read the lab: they do not wait, they say so).
    pub fn holder(name: &str) -> Option<Holder> {
        let path = lab_dir(name).join(LOCK_FILE);
        let f = std::fs::File::open(&path).ok()?;
        match flock(&f, libc::LOCK_SH | libc::LOCK_NB) {
            Ok(()) => None,
            Err(_) => Some(read_holder(&path).unwrap_or(Holder {
                command: "?".into(),
                pid: 0,
                since: 0,
            })),
        }
    }
}

/// The host-wide record of running labs: `/run/lab/<name>.json` (or under
/// `LAB_RUN_DIR`) says which state folder owns the lab name, with which
/// instance id, and which namespaces that instance made. `/run` is a tmpfs,
/// cleared at boot like the namespaces themselves.
///
/// A claim is made before anything host-wide exists (a hard link of a
/// complete file: two `up`s from different folders cannot both win), kept
/// up to date as namespaces are recorded, and removed by `destroy`. It is
/// the mark `destroy` goes by: only namespaces a claim of this lab (whose
/// instance is the state's own) lists are removed, never another of the
/// same prefix.
pub mod claim {
    use super::*;

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
        serde_json::from_slice(&std::fs::read(path(name)).ok()?).ok()
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
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn instance_ids_differ() {
        let a = new_instance_id();
        assert_eq!(a.len(), 16);
        assert_ne!(a, new_instance_id());
    }

    #[test]
    fn the_lock_and_its_folder_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("l1");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(dir.join(LOCK_FILE), "").unwrap();
        std::fs::set_permissions(dir.join(LOCK_FILE), std::fs::Permissions::from_mode(0o666))
            .unwrap();
        let lock = Lock::acquire_in(&dir, "l1", "up").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join(LOCK_FILE)), 0o600);
        // Held: a second taker is told it is this process.
        let e = Lock::acquire_in(&dir, "l1", "apply")
            .unwrap_err()
            .to_string();
        assert!(e.contains(&format!("PID {}", std::process::id())), "{e}");
        drop(lock);
    }

    #[test]
    fn holder_says_command_pid_and_time() {
        let h = Holder {
            command: "apply".into(),
            pid: 42,
            since: 1_795_747_501,
        };
        assert_eq!(
            h.to_string(),
            "`lab apply` (PID 42) since 2026-11-27 02:45:01 UTC"
        );
    }
}
