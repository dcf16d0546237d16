//! Running one book line with a real kubectl, and the folder where a line
//! runs without a cluster.
//!
//! A line runs as the book typed it: argv (no shell), from the folder the
//! caller gives (the book's `--kubeconfig ./admin.conf` is relative to it),
//! with a deadline that kills kubectl's whole process group
//! ([`crate::exec::run_bounded`]). Its environment is cleared: no
//! `KUBECONFIG`, no proxy, nothing of the user's that could point it at a
//! real cluster; `HOME` is a lab-owned folder ([`home_dir`]), so kubectl's
//! caches go there and never into the user's `~/.kube`.
//!
//! Offline ([`offline_dir`]), the kubeconfig's server is
//! [`OFFLINE_SERVER`], a loopback port nothing listens on: the connection
//! is refused at once, so kubectl answers in tens of milliseconds without
//! any `--request-timeout` added to the line.

use crate::error::{LabError, Result};
use crate::session::Output;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use super::Kubectl;

/// The server of the offline kubeconfig: loopback, a port nothing listens
/// on (port 1 is privileged and unassigned), so connecting is refused at
/// once and nothing leaves the machine.
pub const OFFLINE_SERVER: &str = "https://127.0.0.1:1";

/// At most this many bytes of each of kubectl's streams are kept.
const CAP_BYTES: usize = 64 * 1024;
/// At most this many lines of each stream are kept.
const CAP_LINES: usize = 400;

/// lab's cache folder ([`crate::places::cache_dir`]: `LAB_CACHE_DIR`,
/// else `$XDG_CACHE_HOME/lab`, else `$HOME/.cache/lab`), else one under the
/// temporary folder.
pub(super) fn cache_dir() -> PathBuf {
    crate::places::cache_dir().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("lab-cache-{}", nix::unistd::getuid()))
    })
}

/// The `HOME` kubectl runs with: lab's own folder (kubectl keeps its
/// discovery and HTTP caches in `$HOME/.kube/cache`), never the user's.
pub fn home_dir() -> PathBuf {
    cache_dir().join("kubectl-home")
}

/// Clear `cmd`'s environment down to what kubectl needs and nothing that
/// names a cluster: `PATH` (system folders), `HOME` ([`home_dir`]),
/// `LANG=C` (its messages in its own words, untranslated).
pub(super) fn clean_env(cmd: &mut std::process::Command) {
    cmd.env_clear()
        .env(
            "PATH",
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        )
        .env("HOME", home_dir())
        .env("LANG", "C");
}

/// Run kubectl `k` with `args` (the words after `kubectl`, exactly as the
/// book has them), from `cwd`, reaching only what `reach` allows, killed
/// with its process group at `deadline`. Its output, whatever its exit code; each stream capped (at
/// 64 KiB and 400 lines) with a note saying so. An error means it could not
/// be asked: it could not start, or the deadline passed.
/// The most kubectl processes `lab` runs at once. Each is a Go program of
/// tens of MB: a chapter's block of thousands of kubectl lines (4 MiB
/// holds about 90,000) started them all at once (twelfth probe: 50 of 60
/// seen running together), as much memory as the host has.
pub const AT_ONCE: usize = 4;

static RUNNING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(AT_ONCE);

/// Where a kubectl run may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Nothing: a network namespace of its own with only `lo`
    /// ([`super::fence`]); the line is judged, no server is asked.
    Offline,
    /// The lab's cluster, through the host's network (vagrant's API
    /// server on the lab's private network).
    Cluster,
}

pub async fn run(
    k: &Kubectl,
    args: &[String],
    cwd: &Path,
    deadline: Duration,
    reach: Reach,
) -> Result<Output> {
    // Never closed, so a permit always comes.
    let _permit = RUNNING.acquire().await;
    let home = home_dir();
    if let Some(why) = crate::places::cache_problem() {
        return Err(LabError::Usage(why));
    }
    std::fs::create_dir_all(&home)
        .map_err(|e| LabError::io(format!("creating kubectl's HOME {}", home.display()), e))?;
    let mut cmd = std::process::Command::new(&k.path);
    cmd.args(args).current_dir(cwd);
    clean_env(&mut cmd);
    if reach == Reach::Offline {
        use std::os::unix::process::CommandExt;
        // SAFETY: own_network makes only system calls (see its doc).
        unsafe { cmd.pre_exec(super::fence::own_network) };
    }
    let shown = crate::exec::display(&cmd);
    let b = crate::exec::run_bounded(cmd, deadline, CAP_BYTES)
        .await
        .map_err(|e| LabError::Command {
            command: shown.clone(),
            status: "could not start".into(),
            output: format!("{e} (from {})", cwd.display()),
        })?;
    if b.timed_out {
        return Err(LabError::Command {
            command: shown,
            status: format!(
                "did not finish within {:.1}s (killed with its process group)",
                deadline.as_secs_f64()
            ),
            output: String::new(),
        });
    }
    Ok(Output {
        code: b.code,
        stdout: capped(&b.stdout, b.cut.0),
        stderr: capped(&b.stderr, b.cut.1),
    })
}

/// `bytes` as text, at most [`CAP_LINES`] lines, with a note when lines or
/// bytes (`cut`) were dropped.
fn capped(bytes: &[u8], cut: bool) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out: String = lines.iter().take(CAP_LINES).copied().collect();
    let cut_lines = lines.len() > CAP_LINES;
    if cut || cut_lines {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&format!(
            "[lab: kubectl's output cut at {}]\n",
            if cut_lines {
                format!("{CAP_LINES} lines")
            } else {
                format!("{CAP_BYTES} bytes")
            }
        ));
    }
    out
}

/// A kubeconfig whose cluster is [`OFFLINE_SERVER`] and whose user has a
/// token that means nothing.
fn offline_kubeconfig() -> String {
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: lab-offline
  cluster:
    server: {OFFLINE_SERVER}
    insecure-skip-tls-verify: true
contexts:
- name: lab-offline
  context:
    cluster: lab-offline
    user: lab-offline
current-context: lab-offline
users:
- name: lab-offline
  user:
    token: lab-offline-not-a-real-token
"
    )
}

/// A name the book uses for a file in its folder (`admin.conf`,
/// `./flannel.yml`, `manifests/x.yaml`), as a relative path inside `dir`;
/// an error for anything that would leave it (`..`, absolute paths).
pub fn inside(dir: &Path, name: &str) -> Result<PathBuf> {
    let rel = Path::new(name);
    let ok = !name.is_empty()
        && rel
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        && rel.components().any(|c| matches!(c, Component::Normal(_)));
    if !ok {
        return Err(LabError::Usage(format!(
            "{name:?} is not a file name inside the book's folder (no `..`, not absolute)"
        )));
    }
    Ok(dir.join(rel))
}

/// Make `dir` a folder where the book's kubectl lines run without a
/// cluster: the kubeconfig `kubeconfig_name` (as the book names it:
/// `admin.conf` for `--kubeconfig ./admin.conf`) pointing at
/// [`OFFLINE_SERVER`], and each `(name, source)` of `files` copied to
/// `name` (the lab's manifests under the names the book uses, so
/// `kubectl apply -f flannel.yml` finds its file). Every name is checked
/// before anything is written.
pub fn offline_dir(dir: &Path, kubeconfig_name: &str, files: &[(String, PathBuf)]) -> Result<()> {
    let kubeconfig = inside(dir, kubeconfig_name)?;
    let targets: Vec<(PathBuf, &PathBuf)> = files
        .iter()
        .map(|(name, src)| Ok((inside(dir, name)?, src)))
        .collect::<Result<_>>()?;
    for (to, src) in &targets {
        if to.components().eq(kubeconfig.components()) {
            return Err(LabError::Usage(format!(
                "{}: a manifest cannot take the kubeconfig's name {kubeconfig_name:?}",
                src.display()
            )));
        }
        if !src.is_file() {
            return Err(LabError::Usage(format!(
                "{}: no such file (a manifest of the lab for the book's folder)",
                src.display()
            )));
        }
    }
    let mkdir = |p: &Path| -> Result<()> {
        let parent = p.parent().unwrap_or(dir);
        std::fs::create_dir_all(parent)
            .map_err(|e| LabError::io(format!("creating {}", parent.display()), e))
    };
    mkdir(&kubeconfig)?;
    crate::state::write_atomic_mode(&kubeconfig, offline_kubeconfig().as_bytes(), 0o600)?;
    for (to, src) in targets {
        mkdir(&to)?;
        std::fs::copy(src, &to).map_err(|e| {
            LabError::io(format!("copying {} to {}", src.display(), to.display()), e)
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// At most [`AT_ONCE`] kubectl run together, however many are asked
    /// for at once (a stand-in kubectl records how many run beside it).
    #[tokio::test]
    async fn kubectl_runs_a_few_at_a_time() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display();
        let path = dir.path().join("kubectl");
        std::fs::write(
            &path,
            format!(
                "#!/bin/sh\nmkdir {d}/run.$$\nls -d {d}/run.* | wc -l >>{d}/seen\nsleep 1\nrmdir {d}/run.$$\n"
            ),
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        let k = Kubectl {
            path,
            version: super::super::KubeVersion::parse("1.32.3").unwrap(),
        };
        let args: Vec<String> = vec!["version".into()];
        let runs = (0..3 * AT_ONCE).map(|_| {
            run(
                &k,
                &args,
                dir.path(),
                Duration::from_secs(20),
                Reach::Offline,
            )
        });
        for r in futures::future::join_all(runs).await {
            r.unwrap();
        }
        let seen = std::fs::read_to_string(dir.path().join("seen")).unwrap();
        let most = seen
            .lines()
            .filter_map(|l| l.trim().parse::<usize>().ok())
            .max();
        assert_eq!(seen.lines().count(), 3 * AT_ONCE);
        assert!(most.is_some_and(|m| m <= AT_ONCE), "{seen}");
    }

    #[test]
    fn the_offline_folder_has_the_books_names() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src.yml");
        std::fs::write(&src, "kind: List\n").unwrap();
        let book = dir.path().join("book");
        offline_dir(
            &book,
            "./admin.conf",
            &[("flannel.yml".into(), src.clone())],
        )
        .unwrap();
        let conf = std::fs::read_to_string(book.join("admin.conf")).unwrap();
        assert!(conf.contains("server: https://127.0.0.1:1\n"), "{conf}");
        assert_eq!(
            std::fs::read_to_string(book.join("flannel.yml")).unwrap(),
            "kind: List\n"
        );
    }

    #[test]
    fn names_that_leave_the_folder_are_refused_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src.yml");
        std::fs::write(&src, "x").unwrap();
        let book = dir.path().join("book");
        for (conf, file) in [
            ("../admin.conf", "f.yml"),
            ("/etc/admin.conf", "f.yml"),
            ("admin.conf", "../f.yml"),
            ("", "f.yml"),
        ] {
            let e = offline_dir(&book, conf, &[(file.into(), src.clone())]).unwrap_err();
            assert!(e.to_string().contains("not a file name"), "{e}");
        }
        let e =
            offline_dir(&book, "admin.conf", &[("./admin.conf".into(), src.clone())]).unwrap_err();
        assert!(e.to_string().contains("the kubeconfig's name"), "{e}");
        let e = offline_dir(
            &book,
            "admin.conf",
            &[("f.yml".into(), dir.path().join("no"))],
        )
        .unwrap_err();
        assert!(e.to_string().contains("no such file"), "{e}");
        assert!(!book.exists(), "nothing was created");
    }

    #[test]
    fn output_is_capped_with_a_note() {
        let many = "x\n".repeat(CAP_LINES + 5);
        let out = capped(many.as_bytes(), false);
        assert_eq!(out.lines().count(), CAP_LINES + 1);
        assert!(out.ends_with("[lab: kubectl's output cut at 400 lines]\n"));
        assert_eq!(capped(b"a\nb", false), "a\nb");
        assert!(capped(b"a", true).contains("65536 bytes"));
    }
}
