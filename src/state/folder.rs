//! A lab's state folder on disk: made private (0700), emptied by `destroy`
//! (keeping the evidence unless purged), and files in it written
//! atomically (a temporary file, then rename), so a crash or a Ctrl-C never
//! leaves a half-written file behind.

use crate::error::{LabError, Result};
use std::path::Path;

/// Make a lab's state folder (and its parents) and make it private: 0700,
/// so no other user can read its state or log, or open its lock. A folder
/// that holds a symbolic link (or is one) is refused: it may have been
/// there before `lab` (`.lab/` of a cloned repository, a shared
/// `LAB_STATE_DIR`), and `lab`, root, would write its log, its copies of
/// the lab's files and its keys wherever the links point.
pub fn make_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    root_is_usable()?;
    std::fs::create_dir_all(dir)
        .map_err(|e| LabError::io(format!("creating {}", dir.display()), e))?;
    // Again, now that it is made: another user may have made it first.
    root_is_usable()?;
    refuse_links(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| LabError::io(format!("making {} private", dir.display()), e))
}

/// The state root (`LAB_STATE_DIR`) must be a place where lab can make its
/// folders ([`crate::places::unusable`]): a device, a FIFO or a file
/// there, a kernel filesystem (`/proc`, `/sys`) or a read-only mount is the
/// user's setting to fix (exit 2, nothing made), not a failure of `lab`.
pub fn root_is_usable() -> Result<()> {
    refuse_linked_root()?;
    let root = super::root();
    if let Some(why) = crate::places::unusable(&root) {
        return Err(LabError::Usage(format!(
            "the state root {} (LAB_STATE_DIR, else ./.lab) {why}: \
             point LAB_STATE_DIR at a folder lab can write, or unset it; nothing was made",
            root.display()
        )));
    }
    root_is_trusted()?;
    claims_are_trusted()
}

/// The claims' folder (`LAB_RUN_DIR`, else `/run/lab`) as root, like the
/// state root: a folder another user owns or may write (probe21bz: a
/// `nobody` 0777 one was taken) could have its claims swapped or held.
fn claims_are_trusted() -> Result<()> {
    let claims = super::claim::root();
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } == 0
        && let Some(why) = writable_by_another(&claims, sudo_uid())
    {
        return Err(LabError::Usage(format!(
            "the claims' folder {} (LAB_RUN_DIR, else /run/lab): {why}, who could swap or hold \
             the claims on lab names: point LAB_RUN_DIR at a folder only root (or you) can \
             change; nothing was made",
            claims.display()
        )));
    }
    Ok(())
}

/// The state root, as root, must be a place no other user can swap
/// (a folder of theirs on the way, or one they can write).
fn root_is_trusted() -> Result<()> {
    let root = super::root();
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } == 0
        && let Some(why) = writable_by_another(&root, sudo_uid())
    {
        return Err(LabError::Usage(format!(
            "the state root {}: {why}, who could swap it while lab, as root, writes there \
             (probe21o, probe21p): point LAB_STATE_DIR at a folder only root (or you) can \
             change; nothing was made",
            root.display()
        )));
    }
    Ok(())
}

/// The default state root, `./.lab`, must be a folder, not a symbolic
/// link: a repository may hold one, pointing lab's state and `lab.log` into
/// any folder (`/etc`); `lab` refuses it, as it refuses `.lab/<lab>` as a
/// link (exit 2, nothing made). `LAB_STATE_DIR` is the user's own word,
/// wherever it leads.
pub fn refuse_linked_root() -> Result<()> {
    if crate::places::state_root_is_default() {
        let root = super::root();
        if std::fs::symlink_metadata(&root).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(LabError::Untrusted(format!(
                "the state root {} is a symbolic link (to {}), not made by lab: lab keeps its \
                 state only in a folder of its own; remove the link (or set LAB_STATE_DIR); \
                 nothing was changed",
                std::path::absolute(&root).unwrap_or(root.clone()).display(),
                std::fs::read_link(&root)
                    .map(|t| t.display().to_string())
                    .unwrap_or_default()
            )));
        }
    }
    Ok(())
}

/// The user who ran `sudo lab`, trusted with the state root as root is.
fn sudo_uid() -> Option<u32> {
    std::env::var("SUDO_UID").ok()?.parse().ok()
}

/// Why another user than root (or `trusted`) could replace `path` or a
/// folder above it (`None`: none could): a folder of theirs on the way, or
/// one any user may write (unless sticky, where each may replace only
/// their own entries: then the entry on the way must not be theirs).
fn writable_by_another(path: &Path, trusted: Option<u32>) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    // The part that exists (the rest lab makes, as root).
    let mut existing = std::path::absolute(path).ok()?;
    while !existing.exists() {
        existing = existing.parent()?.to_path_buf();
    }
    let real = existing.canonicalize().ok()?;
    let ours = |uid: u32| uid == 0 || Some(uid) == trusted;
    let folders: Vec<&Path> = real.ancestors().collect();
    for (i, dir) in folders.iter().enumerate() {
        let m = std::fs::metadata(dir).ok()?;
        if !ours(m.uid()) {
            return Some(format!("{} belongs to uid {}", dir.display(), m.uid()));
        }
        if m.mode() & 0o022 != 0 {
            let below = i.checked_sub(1).map(|j| folders[j]);
            let sticky = m.mode() & 0o1000 != 0;
            match below {
                Some(b) if sticky && std::fs::symlink_metadata(b).is_ok_and(|e| ours(e.uid())) => {}
                // Nothing below yet: lab makes it, as root (and looks again
                // once it is made, see `make_private_dir`).
                None if sticky && real != std::path::absolute(path).ok()? => {}
                _ => {
                    return Some(format!("{} can be written by other users", dir.display()));
                }
            }
        }
    }
    None
}

/// The links a state folder may hold: the netns provider's `nodes` and
/// `pods`, which `up` itself replaces by links to the lab's tmpfs before
/// anything is written there.
const OWN_LINKS: [&str; 2] = ["nodes", "pods"];

/// [`make_private_dir`]'s check (and the nightly's, for a run's folder):
/// `dir` is a folder, not a link, and holds no link but [`OWN_LINKS`].
pub fn refuse_links(dir: &Path) -> Result<()> {
    let refuse = |p: &Path| {
        LabError::Untrusted(format!(
            "{} is a symbolic link, not made by lab, where lab writes its own files (remove it); nothing was changed",
            p.display()
        ))
    };
    let meta = std::fs::symlink_metadata(dir)
        .map_err(|e| LabError::io(format!("reading {}", dir.display()), e))?;
    if meta.file_type().is_symlink() {
        return Err(refuse(dir));
    }
    let entries = std::fs::read_dir(dir)
        .map_err(|e| LabError::io(format!("reading {}", dir.display()), e))?;
    // The own links lead to the lab's tmpfs, and nowhere else: one that
    // another root put there, to a host folder, had `apply` write the
    // nodes' files into it (probe21r).
    let lab = dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
    for e in entries.flatten() {
        let name = e.file_name();
        let own = name
            .to_str()
            .filter(|n| OWN_LINKS.contains(n))
            .is_some_and(|n| {
                std::fs::read_link(e.path())
                    .is_ok_and(|t| t == crate::places::lab_files(lab).join(n))
            });
        if !own && e.file_type().is_ok_and(|t| t.is_symlink()) {
            return Err(refuse(&e.path()));
        }
    }
    Ok(())
}

/// What a lab's state folder keeps after `destroy`: the log and the
/// diagnostics, the evidence of a failed night (removed by `--purge`).
pub const EVIDENCE: [&str; 2] = [LOG_FILE, "artifacts"];

/// Every command of a lab and its output, in its state folder.
pub const LOG_FILE: &str = "lab.log";

/// Empty a lab's state folder `dir`, keeping [`EVIDENCE`] when asked, and
/// remove the folder when nothing is left. A missing folder is fine.
///
/// The folder is opened once, without following a link, and emptied
/// through what was opened, each entry removed relative to it and never
/// followed (a link is removed, not what it names): a state root in a
/// folder another user can write may be swapped while `lab` runs, and
/// `lab`, root, emptied the folder the swapped-in link named (probe21o).
/// What was opened must be lab's own: a private folder (0700) of this
/// user's holding lab's lock; anything else is refused with nothing
/// removed.
pub fn clear_lab_dir(dir: &Path, keep_evidence: bool) -> Result<()> {
    use std::os::fd::AsRawFd;
    let refuse = |why: &str| {
        LabError::Untrusted(format!(
            "{} {why}: lab empties only a state folder of its own; nothing was changed",
            dir.display()
        ))
    };
    let fd = match open_dir(None, dir.as_os_str()) {
        Ok(fd) => fd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) if matches!(e.raw_os_error(), Some(libc::ELOOP | libc::ENOTDIR)) => {
            return Err(refuse("is a symbolic link (or no folder)"));
        }
        Err(e) => return Err(LabError::io(format!("opening {}", dir.display()), e)),
    };
    let own = |st: &libc::stat| st.st_uid == unsafe { libc::geteuid() };
    let st = stat_at(fd.as_raw_fd(), None)
        .map_err(|e| LabError::io(format!("reading {}", dir.display()), e))?;
    if !own(&st) || st.st_mode & 0o077 != 0 {
        return Err(refuse("is not a private folder of this user's"));
    }
    // Lab's lock, or nothing but what a destroy left (its evidence).
    let lock = std::ffi::OsStr::new(super::LOCK_FILE);
    let locked = stat_at(fd.as_raw_fd(), Some(lock))
        .is_ok_and(|l| own(&l) && l.st_mode & libc::S_IFMT == libc::S_IFREG);
    if !locked && !holds_only(&fd, &EVIDENCE) {
        return Err(refuse("holds no lock of lab's"));
    }
    let keep: &[&str] = if keep_evidence { &EVIDENCE } else { &[] };
    empty_at(&fd, keep).map_err(|e| LabError::io(format!("emptying {}", dir.display()), e))?;
    // Fails, as it should, when evidence is left in it.
    let _ = std::fs::remove_dir(dir);
    Ok(())
}

/// Whether the open folder `fd` holds nothing but entries named in `names`.
fn holds_only(fd: &std::os::fd::OwnedFd, names: &[&str]) -> bool {
    use std::os::fd::AsRawFd;
    std::fs::read_dir(format!("/proc/self/fd/{}", fd.as_raw_fd())).is_ok_and(|mut l| {
        l.all(|e| e.is_ok_and(|e| e.file_name().to_str().is_some_and(|n| names.contains(&n))))
    })
}

/// Open the folder `name` (relative to `at`, or a path), never through a
/// link at its last step.
fn open_dir(at: Option<i32>, name: &std::ffi::OsStr) -> std::io::Result<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(name.as_bytes())?;
    let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    // SAFETY: a NUL-terminated name; the descriptor returned is owned here.
    let fd = unsafe { libc::openat(at.unwrap_or(libc::AT_FDCWD), c.as_ptr(), flags) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: a descriptor just opened, owned by no one else.
    Ok(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) })
}

/// The status of `name` in the folder `fd` (of `fd` itself when none),
/// not following a link.
fn stat_at(fd: i32, name: Option<&std::ffi::OsStr>) -> std::io::Result<libc::stat> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(name.map_or(&b""[..], |n| n.as_bytes()))?;
    let flags = libc::AT_SYMLINK_NOFOLLOW
        | if name.is_none() {
            libc::AT_EMPTY_PATH
        } else {
            0
        };
    // SAFETY: zeroed plain data the kernel fills.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: a NUL-terminated name and a stat buffer of ours.
    if unsafe { libc::fstatat(fd, c.as_ptr(), &mut st, flags) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(st)
}

/// Remove every entry of the open folder `fd` but those named in `keep`:
/// a folder emptied through a descriptor opened without following a link,
/// then removed; anything else (a file, a link) unlinked.
fn empty_at(fd: &std::os::fd::OwnedFd, keep: &[&str]) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    use std::os::unix::ffi::OsStrExt;
    // The folder as opened (its descriptor), never its path again.
    let listing = std::fs::read_dir(format!("/proc/self/fd/{}", fd.as_raw_fd()))?;
    for e in listing {
        let e = e?;
        let name = e.file_name();
        if name.to_str().is_some_and(|n| keep.contains(&n)) {
            continue;
        }
        let st = match stat_at(fd.as_raw_fd(), Some(&name)) {
            Ok(st) => st,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        let dir = st.st_mode & libc::S_IFMT == libc::S_IFDIR;
        if dir {
            empty_at(&open_dir(Some(fd.as_raw_fd()), &name)?, &[])?;
        }
        let c = std::ffi::CString::new(name.as_bytes())?;
        let flags = if dir { libc::AT_REMOVEDIR } else { 0 };
        // SAFETY: a NUL-terminated name in a folder we hold open.
        if unsafe { libc::unlinkat(fd.as_raw_fd(), c.as_ptr(), flags) } != 0 {
            let err = std::io::Error::last_os_error();
            if err.kind() != std::io::ErrorKind::NotFound {
                return Err(err);
            }
        }
    }
    Ok(())
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
        // Its name is known in advance: one found there (a link planted in
        // a folder another can write) is removed, never followed.
        match std::fs::remove_file(&tmp) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(libc::O_NOFOLLOW)
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

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    /// A lab's state folder as lab makes it: 0700, its lock, a state file,
    /// its log and a diagnostics folder, a link to its nodes' files.
    fn lab_dir(parent: &std::path::Path, victim: &std::path::Path) -> std::path::PathBuf {
        let dir = parent.join("lab1");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        for f in ["lock", "state.json", "lab.log"] {
            std::fs::write(dir.join(f), f).unwrap();
        }
        std::fs::create_dir_all(dir.join("artifacts/x")).unwrap();
        std::fs::create_dir_all(dir.join("copies/a/b")).unwrap();
        std::fs::write(dir.join("copies/a/b/f"), "f").unwrap();
        std::os::unix::fs::symlink(victim, dir.join("nodes")).unwrap();
        std::os::unix::fs::symlink(victim, dir.join("copies/a/link")).unwrap();
        dir
    }

    fn victim(parent: &std::path::Path) -> std::path::PathBuf {
        let v = parent.join("victim");
        std::fs::create_dir_all(v.join("sub")).unwrap();
        std::fs::write(v.join("important.conf"), "keep").unwrap();
        std::fs::write(v.join("sub/more"), "keep").unwrap();
        v
    }

    fn intact(v: &std::path::Path) -> bool {
        v.join("important.conf").is_file() && v.join("sub/more").is_file()
    }

    /// probe21p, finding 2: with the state root in a folder another user
    /// owns, that user swapped it while root's lab wrote there by path.
    /// Now such a root is refused (root's own folders, a sticky `/tmp`'s
    /// entry of root's, and the `sudo` user's folders are trusted).
    #[test]
    fn a_state_root_another_user_can_swap_is_found() {
        use std::os::unix::fs::PermissionsExt;
        if unsafe { libc::geteuid() } != 0 {
            panic!("this test needs root (it gives a folder to another uid)");
        }
        let t = tempfile::tempdir().unwrap();
        let theirs = t.path().join("checkout");
        std::fs::create_dir(&theirs).unwrap();
        let nobody = 65534;
        std::os::unix::fs::chown(&theirs, Some(nobody), Some(nobody)).unwrap();
        let root = theirs.join(".lab");
        let why = super::writable_by_another(&root, None).expect("found");
        assert!(why.contains("belongs to uid 65534"), "{why}");
        // The same folder is the sudo user's own.
        assert_eq!(super::writable_by_another(&root, Some(nobody)), None);
        // A world-writable folder without the sticky bit.
        let open = t.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        let why = super::writable_by_another(&open.join(".lab"), None).expect("found");
        assert!(why.contains("can be written by other users"), "{why}");
        // Root's own temporary folder under the sticky /tmp, and a state
        // root lab is yet to make there.
        assert_eq!(
            super::writable_by_another(&t.path().join(".lab"), None),
            None
        );
        let unmade = std::env::temp_dir().join(format!("lab-unmade-{}", std::process::id()));
        assert_eq!(super::writable_by_another(&unmade.join("x"), None), None);
        // Made there by another user first: theirs.
        std::fs::create_dir(&unmade).unwrap();
        std::os::unix::fs::chown(&unmade, Some(nobody), Some(nobody)).unwrap();
        let why = super::writable_by_another(&unmade.join("x"), None);
        std::fs::remove_dir(&unmade).unwrap();
        assert!(why.is_some_and(|w| w.contains("belongs to uid 65534")));
    }

    #[test]
    fn a_lab_folder_is_emptied_without_following_its_links() {
        let t = tempfile::tempdir().unwrap();
        let v = victim(t.path());
        let dir = lab_dir(t.path(), &v);
        super::clear_lab_dir(&dir, true).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["artifacts", "lab.log"]);
        assert!(intact(&v));
        super::clear_lab_dir(&dir, false).unwrap();
        assert!(!dir.exists());
        assert!(intact(&v));
    }

    /// probe21o, finding 1: a lab's state folder swapped for a link (a
    /// state root in a folder another user can write) while `lab` ran made
    /// it empty the folder the link named. Now the folder is opened once,
    /// without following a link, and emptied through what was opened; one
    /// that is not a private folder of lab's, with its lock, is refused.
    #[test]
    fn a_state_folder_swapped_for_a_link_or_a_foreign_folder_is_not_emptied() {
        let t = tempfile::tempdir().unwrap();
        let v = victim(t.path());
        let link = t.path().join("lab2");
        std::os::unix::fs::symlink(&v, &link).unwrap();
        let e = super::clear_lab_dir(&link, false).unwrap_err();
        assert!(matches!(e, crate::error::LabError::Untrusted(_)), "{e}");
        assert!(intact(&v));
        // A folder that is not lab's: not private, or without its lock
        // (and holding more than a destroy leaves).
        for (mode, lock) in [(0o755, true), (0o700, false)] {
            std::fs::set_permissions(&v, std::fs::Permissions::from_mode(mode)).unwrap();
            let _ = std::fs::remove_file(v.join("lock"));
            if lock {
                std::fs::write(v.join("lock"), "").unwrap();
            }
            let e = super::clear_lab_dir(&v, false).unwrap_err();
            assert!(matches!(e, crate::error::LabError::Untrusted(_)), "{e}");
            assert!(intact(&v));
        }
    }

    /// The temporary file's name is known in advance (`<name>.tmp.<pid>`):
    /// one planted as a link (a folder another may write, a nightly's
    /// `--out`) made `lab` truncate and write the file it names.
    #[test]
    fn a_file_is_replaced_without_following_a_link_planted_as_its_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "the host's file\n").unwrap();
        let path = dir.path().join("index.html");
        let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
        std::os::unix::fs::symlink(&victim, &tmp).unwrap();
        super::write_atomic(&path, b"page").unwrap();
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap(),
            "the host's file\n"
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"page");
        assert!(std::fs::symlink_metadata(&tmp).is_err(), "the link is left");
    }

    /// probe21r: `nodes` led to a host folder and `apply` wrote the nodes'
    /// files there. Only a link to the lab's own tmpfs is the lab's.
    #[test]
    fn an_own_link_is_the_labs_only_where_it_leads_to_the_labs_tmpfs() {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("lab1");
        std::fs::create_dir(&dir).unwrap();
        let theirs = super::super::super::places::lab_files("lab1").join("nodes");
        std::os::unix::fs::symlink(&theirs, dir.join("nodes")).unwrap();
        super::refuse_links(&dir).expect("the lab's own link");
        let other = tempfile::tempdir().unwrap();
        let pods = dir.join("pods");
        std::os::unix::fs::symlink(other.path(), &pods).unwrap();
        let e = super::refuse_links(&dir).unwrap_err().to_string();
        assert!(
            e.contains("pods is a symbolic link, not made by lab"),
            "{e}"
        );
        std::fs::remove_file(&pods).unwrap();
        // The other lab's tmpfs is not this one's either.
        let lab2 = super::super::super::places::lab_files("lab2").join("pods");
        std::os::unix::fs::symlink(&lab2, &pods).unwrap();
        assert!(super::refuse_links(&dir).is_err());
    }
}
