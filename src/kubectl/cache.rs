//! kubectl runs cached by what decides their answer: the kubectl (its
//! version, and the binary itself: path, size, modification time), the
//! command line (the words after `kubectl`, exactly), and the folder it
//! runs from (every file's name and content: the kubeconfig, the manifests
//! under the book's names). Only offline runs are cached ([`super::offline_dir`]:
//! a server that refuses at once), whose answer is kubectl's own judgement
//! of the line and cannot change while all of that stays the same; a run
//! against a cluster is never cached.
//!
//! Kept in the process (the replay and the version matrix share one cache:
//! the matrix gives the same lines to several minors, the pinned one among
//! them) and, for the process's cache, on disk under lab's cache folder
//! (`kubectl-runs/`, one small JSON file a run), so a book author's next
//! `lab book` asks kubectl nothing it has asked before. A run that could
//! not be judged (kubectl could not start, its deadline passed, a signal
//! killed it) is never kept.

use super::Kubectl;
use crate::error::Result;
use crate::session::Output;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Bumped when what a key covers, or how kubectl is run, changes: older
/// entries are then never read.
const FORMAT: &str = "lab kubectl run cache 1";

/// The largest folder file read into a key (a manifest is a few KiB).
const MAX_FILE_BYTES: u64 = 4 << 20;

/// Where the process's cache keeps runs on disk.
pub fn disk_dir() -> PathBuf {
    super::run::cache_dir().join("kubectl-runs")
}

/// One kept run, as written on disk.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Kept {
    format: String,
    version: String,
    args: Vec<String>,
    code: i32,
    stdout: String,
    stderr: String,
}

/// Whether an answer came from kubectl now or from the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// kubectl ran.
    Ran,
    /// The same kubectl gave this answer to the same line from the same
    /// files before (in this process or an earlier one).
    Cached,
}

/// Runs already made, by key.
#[derive(Default)]
pub struct RunCache {
    done: Mutex<HashMap<String, Output>>,
    /// Where runs are kept between processes (None: in this process only).
    disk: Option<PathBuf>,
    /// Off: every run runs (to measure what the cache saves).
    off: bool,
    /// How many kubectl processes this cache has started (for benchmarks
    /// and tests).
    pub runs: AtomicUsize,
}

impl RunCache {
    /// A cache that keeps nothing: every run runs.
    pub fn off() -> RunCache {
        RunCache {
            off: true,
            ..RunCache::default()
        }
    }

    /// A cache that also keeps its runs in `dir`, between processes.
    pub fn on_disk(dir: PathBuf) -> RunCache {
        RunCache {
            disk: Some(dir),
            ..RunCache::default()
        }
    }

    /// How many kubectl processes it started.
    pub fn started(&self) -> usize {
        self.runs.load(Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Output>> {
        self.done.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The key of a run, or None when it cannot be keyed (the binary or a
    /// file of the folder cannot be read): such a run always runs.
    pub fn key(&self, k: &Kubectl, args: &[String], cwd: &Path) -> Option<String> {
        if self.off {
            return None;
        }
        key(k, args, cwd)
    }

    /// A kept answer for `key`, from this process or from disk.
    fn kept(&self, key: &str, k: &Kubectl, args: &[String]) -> Option<Output> {
        if let Some(o) = self.lock().get(key) {
            return Some(o.clone());
        }
        let file = self.disk.as_ref()?.join(format!("{key}.json"));
        let text = std::fs::read_to_string(file).ok()?;
        let kept: Kept = serde_json::from_str(&text).ok()?;
        // The key is a digest: what it was made of is checked as well.
        if kept.format != FORMAT || kept.version != k.version.to_string() || kept.args != args {
            return None;
        }
        let out = Output {
            code: Some(kept.code),
            stdout: kept.stdout,
            stderr: kept.stderr,
        };
        self.lock().insert(key.to_string(), out.clone());
        Some(out)
    }

    fn keep(&self, key: &str, k: &Kubectl, args: &[String], out: &Output) {
        let Some(code) = out.code else { return };
        self.lock().insert(key.to_string(), out.clone());
        let Some(dir) = &self.disk else { return };
        let kept = Kept {
            format: FORMAT.into(),
            version: k.version.to_string(),
            args: args.to_vec(),
            code,
            stdout: out.stdout.clone(),
            stderr: out.stderr.clone(),
        };
        // A cache that cannot be written costs the next run a kubectl
        // process, nothing else.
        if std::fs::create_dir_all(dir).is_ok()
            && let Ok(json) = serde_json::to_vec(&kept)
        {
            let _ = crate::state::write_atomic_mode(&dir.join(format!("{key}.json")), &json, 0o600);
        }
    }

    /// kubectl `k` with `args` from `cwd` ([`super::run`]), or the answer
    /// it gave before to the same key, and which it is.
    pub async fn output(
        &self,
        k: &Kubectl,
        args: &[String],
        cwd: &Path,
        deadline: Duration,
    ) -> Result<(Output, Source)> {
        let key = self.key(k, args, cwd);
        if let Some(key) = &key
            && let Some(o) = self.kept(key, k, args)
        {
            return Ok((o, Source::Cached));
        }
        self.runs.fetch_add(1, Ordering::Relaxed);
        let out = super::run(k, args, cwd, deadline, super::Reach::Offline).await?;
        if let Some(key) = &key {
            self.keep(key, k, args, &out);
        }
        Ok((out, Source::Ran))
    }
}

/// The process's cache, kept on disk too: shared by the replay and every
/// matrix of the process.
pub fn global() -> &'static RunCache {
    static CACHE: std::sync::OnceLock<RunCache> = std::sync::OnceLock::new();
    CACHE.get_or_init(|| RunCache::on_disk(disk_dir()))
}

/// The digest of (kubectl, args, folder): hex SHA-256.
fn key(k: &Kubectl, args: &[String], cwd: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let mut h = Sha256::new();
    let mut field = |b: &[u8]| {
        h.update((b.len() as u64).to_le_bytes());
        h.update(b);
    };
    field(FORMAT.as_bytes());
    let m = std::fs::metadata(&k.path).ok()?;
    field(k.path.as_os_str().as_encoded_bytes());
    field(k.version.to_string().as_bytes());
    field(&m.size().to_le_bytes());
    field(&m.mtime().to_le_bytes());
    field(&m.mtime_nsec().to_le_bytes());
    field(&(args.len() as u64).to_le_bytes());
    for a in args {
        field(a.as_bytes());
    }
    for (name, bytes) in files(cwd)? {
        field(name.as_bytes());
        field(&bytes);
    }
    Some(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Every file under `dir` (its path below `dir`, its content), sorted by
/// path; None if one cannot be read or is too large to be a manifest.
fn files(dir: &Path) -> Option<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).ok()? {
            let e = e.ok()?;
            let t = e.file_type().ok()?;
            let p = e.path();
            if t.is_dir() {
                todo.push(p);
            } else if t.is_file() {
                if e.metadata().ok()?.len() > MAX_FILE_BYTES {
                    return None;
                }
                let rel = p.strip_prefix(dir).ok()?.to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&p).ok()?));
            } else {
                // A symlink or anything else: what kubectl reads is unsure.
                return None;
            }
        }
    }
    out.sort();
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubectl::KubeVersion;

    /// A stand-in kubectl: a script that prints its arguments and counts
    /// its runs in a file beside it.
    fn fake(dir: &Path) -> Kubectl {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join("kubectl");
        let count = dir.join("count");
        std::fs::write(
            &path,
            format!(
                "#!/bin/sh\necho x >>{}\necho \"args: $*\"\necho 'warn' >&2\nexit 3\n",
                count.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        Kubectl {
            path,
            version: KubeVersion::parse("1.32.3").unwrap(),
        }
    }

    fn started(dir: &Path) -> usize {
        std::fs::read_to_string(dir.join("count"))
            .map(|s| s.lines().count())
            .unwrap_or(0)
    }

    #[tokio::test]
    async fn a_run_is_kept_by_kubectl_line_and_files_and_read_back_from_disk() {
        let bin = tempfile::tempdir().unwrap();
        let k = fake(bin.path());
        let work = tempfile::tempdir().unwrap();
        std::fs::write(work.path().join("flannel.yml"), "a").unwrap();
        let disk = tempfile::tempdir().unwrap();
        let args: Vec<String> = ["get", "nodes"].iter().map(|s| s.to_string()).collect();
        let t = Duration::from_secs(10);
        let c = RunCache::on_disk(disk.path().to_path_buf());
        let (o, s) = c.output(&k, &args, work.path(), t).await.unwrap();
        assert_eq!(
            (o.code, o.stdout.as_str(), s),
            (Some(3), "args: get nodes\n", Source::Ran)
        );
        assert_eq!(o.stderr, "warn\n");
        let (again, s) = c.output(&k, &args, work.path(), t).await.unwrap();
        assert_eq!((again.stdout, s), (o.stdout.clone(), Source::Cached));
        assert_eq!(started(bin.path()), 1);
        // Another process: the same answer from disk, nothing run.
        let c2 = RunCache::on_disk(disk.path().to_path_buf());
        let (back, s) = c2.output(&k, &args, work.path(), t).await.unwrap();
        assert_eq!(
            (back.code, back.stderr, s),
            (Some(3), "warn\n".into(), Source::Cached)
        );
        assert_eq!(started(bin.path()), 1);
        // Another line, another file content, another kubectl binary: runs.
        let other: Vec<String> = ["get", "pods"].iter().map(|s| s.to_string()).collect();
        assert_eq!(
            c2.output(&k, &other, work.path(), t).await.unwrap().1,
            Source::Ran
        );
        std::fs::write(work.path().join("flannel.yml"), "b").unwrap();
        assert_eq!(
            c2.output(&k, &args, work.path(), t).await.unwrap().1,
            Source::Ran
        );
        std::fs::write(work.path().join("extra.yml"), "b").unwrap();
        assert_eq!(
            c2.output(&k, &args, work.path(), t).await.unwrap().1,
            Source::Ran
        );
        let k2 = Kubectl {
            version: KubeVersion::parse("1.31.0").unwrap(),
            ..k.clone()
        };
        assert_eq!(
            c2.output(&k2, &args, work.path(), t).await.unwrap().1,
            Source::Ran
        );
        assert_eq!(started(bin.path()), 5);
        // Off: every run runs.
        let off = RunCache::off();
        off.output(&k, &args, work.path(), t).await.unwrap();
        off.output(&k, &args, work.path(), t).await.unwrap();
        assert_eq!(started(bin.path()), 7);
    }

    #[tokio::test]
    async fn a_run_killed_or_unkeyable_is_not_kept() {
        let bin = tempfile::tempdir().unwrap();
        let k = fake(bin.path());
        let work = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/etc/hostname", work.path().join("link")).unwrap();
        let c = RunCache::default();
        let args = vec!["version".to_string()];
        let t = Duration::from_secs(10);
        assert_eq!(
            c.output(&k, &args, work.path(), t).await.unwrap().1,
            Source::Ran
        );
        assert_eq!(
            c.output(&k, &args, work.path(), t).await.unwrap().1,
            Source::Ran
        );
        let killed = Output {
            code: None,
            stdout: String::new(),
            stderr: String::new(),
        };
        c.keep("k", &k, &args, &killed);
        assert!(c.kept("k", &k, &args).is_none());
    }
}
