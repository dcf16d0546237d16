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

/// Where the netns provider mounts each lab's nodes' roots and its own
/// tmpfs (the nodes' and pods' files, linked from the state folder as
/// `nodes` and `pods`): `/run/lab-root/<lab>`. Reports never land there.
pub const MOUNTS_ROOT: &str = "/run/lab-root";

/// The name of a lab's file in its folder.
pub const LAB_FILE: &str = "lab.yaml";

/// The known-drift file beside a chapter: `chapter.md` → `chapter.drift.yaml`
/// (one of a lab's input files, read by `book::known`).
pub fn known_drift_path(chapter: &Path) -> PathBuf {
    let stem = chapter
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "chapter".into());
    chapter.with_file_name(format!("{stem}.drift.yaml"))
}

/// The lab's own tmpfs there (`/run/lab-root/<lab>/.files`): its `nodes`
/// and `pods` folders are what the state folder's links of those names
/// lead to, and nothing else is.
pub fn lab_files(lab: &str) -> PathBuf {
    Path::new(MOUNTS_ROOT).join(lab).join(".files")
}

/// Where the state folders of all labs live: `LAB_STATE_DIR`, else `./.lab`.
pub fn state_root() -> PathBuf {
    var("LAB_STATE_DIR").unwrap_or_else(|| PathBuf::from(".lab"))
}

/// Whether the state root is the default `./.lab` (`LAB_STATE_DIR` unset).
pub fn state_root_is_default() -> bool {
    var("LAB_STATE_DIR").is_none()
}

/// `lab`'s cache folder: `LAB_CACHE_DIR`, else `$XDG_CACHE_HOME/lab`, else
/// `~/.cache/lab`; None without any of them (no home).
pub fn cache_dir() -> Option<PathBuf> {
    cache_dir_from().map(|(d, _)| d)
}

/// [`cache_dir`] and the variable it comes from (for messages).
pub fn cache_dir_from() -> Option<(PathBuf, &'static str)> {
    var("LAB_CACHE_DIR")
        .map(|d| (d, "LAB_CACHE_DIR"))
        .or_else(|| var("XDG_CACHE_HOME").map(|d| (d.join("lab"), "XDG_CACHE_HOME")))
        .or_else(|| var("HOME").map(|h| (h.join(".cache").join("lab"), "HOME")))
}

/// Why `lab` cannot keep its cache where its variables say
/// ([`unusable`]), naming the variable; None when it can, or when there is
/// no cache folder (no home).
pub fn cache_problem() -> Option<String> {
    let (dir, from) = cache_dir_from()?;
    let why = unusable(&dir)?;
    Some(format!(
        "the cache folder {} (from {from}) {why}: point LAB_CACHE_DIR at a folder lab can write, or unset it",
        dir.display()
    ))
}

/// Where the path `p` really is, whether or not it exists yet: absolute,
/// its longest existing ancestor resolved (links included), then the rest
/// as written. The one reading of "where will this land" for the checks
/// that keep lab's files apart from what they must not touch (report paths
/// and inputs, a state folder and what nodes see).
pub fn real_path(p: &Path) -> PathBuf {
    use std::path::Component;
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    // Component by component, as the kernel walks it: what exists is
    // resolved (links included), `..` goes up from what was resolved, and
    // what does not exist yet is kept as written (`create_dir_all` would
    // make it a folder, so a `..` after it comes back out of it).
    let mut real = PathBuf::from("/");
    for c in abs.components() {
        match c {
            Component::Normal(n) => {
                real.push(n);
                if let Ok(r) = std::fs::canonicalize(&real) {
                    real = r;
                }
            }
            Component::ParentDir => {
                real.pop();
            }
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    real
}

/// The kernel's own filesystems, where a folder is no place for files
/// (`/proc`, `/sys`: `mkdir` fails) or is a kernel object (a cgroup, a
/// resctrl group, a configfs item): named for the message.
const KERNEL_FILESYSTEMS: [(u32, &str); 17] = [
    (libc::PROC_SUPER_MAGIC as u32, "proc"),
    (libc::SYSFS_MAGIC as u32, "sysfs"),
    (libc::CGROUP_SUPER_MAGIC as u32, "cgroup"),
    (libc::CGROUP2_SUPER_MAGIC as u32, "cgroup2"),
    (libc::DEBUGFS_MAGIC as u32, "debugfs"),
    (libc::TRACEFS_MAGIC as u32, "tracefs"),
    (libc::SECURITYFS_MAGIC as u32, "securityfs"),
    (libc::BPF_FS_MAGIC as u32, "bpf"),
    (libc::DEVPTS_SUPER_MAGIC as u32, "devpts"),
    (libc::SELINUX_MAGIC as u32, "selinuxfs"),
    (libc::NSFS_MAGIC as u32, "nsfs"),
    (libc::RDTGROUP_SUPER_MAGIC as u32, "resctrl"),
    (0x6265_6570, "configfs"),
    (0xde5e_81e4, "efivarfs"),
    (0x6165_676c, "pstore"),
    (0x1980_0202, "mqueue"),
    (0x4249_4e4d, "binfmt_misc"),
];

/// Why a file written at `path` (which leads to `dest`) would be one of the
/// kernel's own (a sysctl in `/proc/sys`, a cgroup's limit, a `/sys`
/// attribute), if it would: what is written there is a setting changed
/// (`--json /proc/sys/net/ipv4/ip_forward` was opened and written, probe21bl
/// finding 7). What such a path leads to that is a stream (`/dev/fd/63` of
/// `--json >(jq .)`, a pipe; a terminal in `/dev/pts`) is no setting.
pub fn kernel_file(path: &Path, dest: &Path) -> Option<String> {
    use std::os::unix::fs::FileTypeExt;
    if std::fs::metadata(path).is_ok_and(|m| {
        let t = m.file_type();
        t.is_fifo() || t.is_socket() || t.is_char_device()
    }) {
        return None;
    }
    let real = real_path(dest);
    if let Some(k) = ["/sys", "/proc"].iter().find(|k| real.starts_with(k)) {
        return Some(format!("is under {k}, the kernel's own objects"));
    }
    let at = real.ancestors().find(|a| a.exists())?;
    let t = nix::sys::statfs::statfs(at).ok()?.filesystem_type().0 as u32;
    KERNEL_FILESYSTEMS
        .iter()
        .find(|(m, _)| *m == t)
        .map(|(_, name)| format!("is in the kernel's {name} filesystem, the kernel's own objects"))
}

/// Why `lab` cannot make its folders in `dir` (a state root, the cache),
/// judged without making anything: `dir`, or the nearest folder above it
/// that exists (where `create_dir_all` would start), is not a folder, is
/// in one of the kernel's own filesystems, is on a read-only mount, or is
/// not writable by this user. None when it can (as far as can be told).
pub fn unusable(dir: &Path) -> Option<String> {
    let real = real_path(dir);
    // Its path is written into the lab's state and host-wide claim (JSON):
    // a path that is not UTF-8 panicked `up` after the folder was made.
    if real.to_str().is_none() {
        return Some(
            "is not UTF-8 text, which lab's state and claims (JSON) must name it in".into(),
        );
    }
    let (at, meta) = real
        .ancestors()
        .find_map(|a| std::fs::metadata(a).ok().map(|m| (a, m)))?;
    let here = if at == real.as_path() {
        "is".to_string()
    } else {
        format!("is under {}, which is", at.display())
    };
    if !meta.is_dir() {
        let what = match meta.is_file() {
            true => "a file",
            false => crate::input_file::kind(meta.file_type()),
        };
        return Some(format!("{here} not a folder (it is {what})"));
    }
    // A folder lab could make there (the tmpfs holding cgroup v1's
    // hierarchies) is still among the kernel's objects, and hidden from
    // the nodes, which have a /sys and /proc of their own.
    if let Some(k) = ["/sys", "/proc"].iter().find(|k| real.starts_with(k)) {
        return Some(format!(
            "is under {k}, the kernel's own objects, where lab's folders do not belong"
        ));
    }
    // `ip netns` takes every entry there for a network namespace: a lab's
    // folder (its `lab.log`, kept after `destroy`) breaks `ip netns list`.
    if real.starts_with("/run/netns") {
        return Some(
            "is under /run/netns, where `ip netns` takes every entry for a network namespace"
                .into(),
        );
    }
    if let Ok(fs) = nix::sys::statfs::statfs(at) {
        let t = fs.filesystem_type().0 as u32;
        if let Some((_, name)) = KERNEL_FILESYSTEMS.iter().find(|(m, _)| *m == t) {
            return Some(format!(
                "{here} in the kernel's {name} filesystem, where lab cannot make its folders"
            ));
        }
    }
    if nix::sys::statvfs::statvfs(at)
        .is_ok_and(|v| v.flags().contains(nix::sys::statvfs::FsFlags::ST_RDONLY))
    {
        return Some(format!("{here} on a read-only mount"));
    }
    use nix::unistd::{AccessFlags, access};
    if access(at, AccessFlags::W_OK | AccessFlags::X_OK).is_err() {
        return Some(format!("{here} not writable by this user"));
    }
    None
}

#[cfg(test)]
mod tests {
    /// A state root whose path is not UTF-8 is refused before anything is
    /// made (it panicked `up` with its folder made: the thirteenth probe).
    #[test]
    fn a_path_that_is_not_utf8_is_unusable() {
        use std::os::unix::ffi::OsStrExt;
        let p = std::path::Path::new(std::ffi::OsStr::from_bytes(b"/tmp/lab-\xff/state"));
        let why = super::unusable(p).expect("refused");
        assert!(why.contains("not UTF-8"), "{why}");
        assert!(super::unusable(std::path::Path::new("/tmp/lab-ok/state")).is_none());
    }

    #[test]
    fn a_place_where_no_folder_can_be_made_says_why() {
        let t = tempfile::tempdir().unwrap();
        assert_eq!(super::unusable(t.path()), None);
        assert_eq!(super::unusable(&t.path().join("a/b")), None);
        let file = t.path().join("file");
        std::fs::write(&file, "").unwrap();
        let why = super::unusable(&file.join("x")).unwrap();
        assert!(
            why.contains("which is not a folder (it is a file)"),
            "{why}"
        );
        for (p, fs) in [
            ("/proc/self", "proc"),
            ("/proc/self/x/y", "proc"),
            ("/sys/kernel", "sys"),
            ("/sys/fs/cgroup/x", "sys"),
        ] {
            let why = super::unusable(std::path::Path::new(p)).unwrap();
            assert!(
                why.contains(&format!("is under /{fs}, the kernel's")),
                "{p}: {why}"
            );
        }
        // `..` after a folder not made yet comes back out of it.
        let up = t.path().join("nx/../../../../../../../../../../proc/self");
        let why = super::unusable(&up).unwrap();
        assert!(why.contains("is under /proc"), "{why}");
        let why = super::unusable(std::path::Path::new("/run/netns/lab")).unwrap();
        assert!(why.contains("is under /run/netns"), "{why}");
        let why = super::unusable(std::path::Path::new("/dev/pts/lab")).unwrap();
        assert!(why.contains("kernel's devpts filesystem"), "{why}");
        let why = super::unusable(std::path::Path::new("/dev/null")).unwrap();
        assert!(
            why.contains("not a folder (it is a character device)"),
            "{why}"
        );
    }

    #[test]
    fn a_path_that_does_not_exist_yet_is_resolved_through_its_existing_part() {
        let t = tempfile::tempdir().unwrap();
        let real = std::fs::canonicalize(t.path()).unwrap();
        std::os::unix::fs::symlink(&real, real.join("link")).unwrap();
        assert_eq!(super::real_path(&real.join("link/a/b")), real.join("a/b"));
        assert_eq!(super::real_path(&real.join("link")), real);
    }
}
