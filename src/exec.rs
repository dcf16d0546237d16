//! Running host programs: every command and its output goes to `lab.log`,
//! and a failure becomes a typed error carrying the command and its output.

use crate::error::{LabError, Result};
use crate::report::Reporter;
use std::process::{Command, Output, Stdio};

pub use crate::shell::quote;

/// A command line as a user would type it (for messages and the log).
pub fn display(cmd: &Command) -> String {
    let mut parts = vec![quote(&cmd.get_program().to_string_lossy())];
    parts.extend(cmd.get_args().map(|a| quote(&a.to_string_lossy())));
    parts.join(" ")
}

fn finish(rep: &Reporter, shown: String, out: std::io::Result<Output>) -> Result<Output> {
    let out = out.map_err(|e| LabError::Command {
        command: shown.clone(),
        status: "could not start".into(),
        output: e.to_string(),
    })?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    rep.log(&format!("$ {shown}\n{text}"));
    if out.status.success() {
        Ok(out)
    } else {
        Err(LabError::Command {
            command: shown,
            status: out.status.to_string(),
            output: text.trim_end().to_string(),
        })
    }
}

/// Run a command to completion (blocking; stdin empty).
pub fn run(rep: &Reporter, cmd: &mut Command) -> Result<Output> {
    let shown = display(cmd);
    finish(rep, shown, cmd.output())
}

/// Read a stream to its end, or until it passes `max_bytes` or
/// `max_lines`: the bytes kept and whether it was cut (what a command
/// prints is never held without a bound).
pub async fn read_capped<R: tokio::io::AsyncRead + Unpin>(
    pipe: Option<&mut R>,
    max_bytes: usize,
    max_lines: usize,
) -> std::io::Result<(Vec<u8>, bool)> {
    use tokio::io::AsyncReadExt;
    let mut out = Vec::new();
    let Some(pipe) = pipe else {
        return Ok((out, false));
    };
    let mut buf = [0u8; 16 * 1024];
    let mut lines = 0;
    loop {
        let n = pipe.read(&mut buf).await?;
        if n == 0 {
            return Ok((out, false));
        }
        lines += buf[..n].iter().filter(|&&b| b == b'\n').count();
        if out.len() + n > max_bytes || lines > max_lines {
            return Ok((out, true));
        }
        out.extend_from_slice(&buf[..n]);
    }
}

/// The most of one stream of a host command's output `lab` keeps.
pub const MAX_OUTPUT_BYTES: usize = 32 << 20;
pub const MAX_OUTPUT_LINES: usize = 1_000_000;

/// Wait for `child`, reading its output with [`read_capped`]; a stream
/// that is cut kills the child and is an error that says so.
async fn wait_capped(mut child: tokio::process::Child) -> std::io::Result<Output> {
    let (mut so, mut se) = (child.stdout.take(), child.stderr.take());
    let pid = child.id().map(|p| nix::unistd::Pid::from_raw(p as i32));
    // A stream that is cut stops the command at once (the other ends too).
    let stop_if_cut = |r: std::io::Result<(Vec<u8>, bool)>| {
        if let (Ok((_, true)), Some(pid)) = (&r, pid) {
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        }
        r
    };
    let (a, b) = tokio::join!(
        async { stop_if_cut(read_capped(so.as_mut(), MAX_OUTPUT_BYTES, MAX_OUTPUT_LINES).await) },
        async { stop_if_cut(read_capped(se.as_mut(), MAX_OUTPUT_BYTES, MAX_OUTPUT_LINES).await) }
    );
    let (a, b) = (a?, b?);
    if a.1 || b.1 {
        let _ = child.wait().await;
        return Err(std::io::Error::other(format!(
            "its output was cut at {} MiB or {MAX_OUTPUT_LINES} lines and it was stopped",
            MAX_OUTPUT_BYTES >> 20
        )));
    }
    let status = child.wait().await?;
    Ok(Output {
        status,
        stdout: a.0,
        stderr: b.0,
    })
}

/// Run a command to completion without blocking the async runtime.
pub async fn run_async(rep: &Reporter, cmd: Command, input: Option<Vec<u8>>) -> Result<Output> {
    let mut cmd = tokio::process::Command::from(cmd);
    let shown = display(cmd.as_std());
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    cmd.kill_on_drop(true);
    let out = async {
        let mut child = cmd.spawn()?;
        if let (Some(data), Some(mut stdin)) = (input, child.stdin.take()) {
            use tokio::io::AsyncWriteExt;
            stdin.write_all(&data).await?;
        }
        wait_capped(child).await
    }
    .await;
    finish(rep, shown, out)
}

/// The `lab` binary that ssh runs as `ProxyCommand`: `LAB_EXE` when set
/// (tests that drive the library from another executable), else this one.
/// A binary replaced while it runs (a rebuild, an upgrade) is named by
/// Linux as `PATH (deleted)`: the binary now at `PATH` is meant.
pub fn lab_exe() -> std::path::PathBuf {
    use std::path::PathBuf;
    match std::env::var_os("LAB_EXE") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => {
            let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("lab"));
            match exe.to_str().and_then(|s| s.strip_suffix(" (deleted)")) {
                Some(now) if std::path::Path::new(now).is_file() => PathBuf::from(now),
                _ => exe,
            }
        }
    }
}

/// A process `lab` started that a later `lab` may have to stop: a `vagrant
/// up` left running when the `lab up` that started it was killed (`kill -9`
/// leaves no chance to stop children). It leads a process group of its own
/// (its PID is the group's), and its start time tells it from a process
/// that reused the PID.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Recorded {
    pub pid: i32,
    /// Start time in clock ticks since boot (field 22 of `/proc/PID/stat`).
    pub start_time: u64,
    pub command: String,
}

/// The start time of `pid` (clock ticks since boot), if it runs and is not
/// a zombie.
pub fn start_time(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split_whitespace();
    if matches!(fields.next(), Some("Z" | "X")) {
        return None;
    }
    fields.nth(18)?.parse().ok()
}

impl Recorded {
    /// Still the process that was recorded.
    pub fn alive(&self) -> bool {
        self.pid > 1 && start_time(self.pid) == Some(self.start_time)
    }
}

/// [`run_async`], with the command in a process group of its own and
/// recorded in `record` (JSON) while it runs, so that [`stop_recorded`] can
/// stop it, and what it started, if this `lab` dies first.
pub async fn run_async_recorded(
    rep: &Reporter,
    cmd: Command,
    record: &std::path::Path,
) -> Result<Output> {
    let mut cmd = tokio::process::Command::from(cmd);
    let shown = display(cmd.as_std());
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return finish(rep, shown, Err(e)),
    };
    if let Some(pid) = child.id().map(|p| p as i32)
        && let Some(start_time) = start_time(pid)
    {
        let r = Recorded {
            pid,
            start_time,
            command: shown.clone(),
        };
        let text = serde_json::to_string_pretty(&r).unwrap_or_default();
        crate::state::write_atomic(record, text.as_bytes())?;
    }
    // Dropped before it ends (Ctrl-C, a step's deadline): the whole group
    // goes, not only its leader (which `kill_on_drop` kills).
    let mut group = KillGroup(child.id().map(|p| p as i32));
    let out = wait_capped(child).await;
    group.0 = None;
    let _ = std::fs::remove_file(record);
    finish(rep, shown, out)
}

/// Kills the process group it names (SIGKILL) when dropped, unless
/// disarmed (`.0 = None`): a command's whole group goes with it, not only
/// its leader (which `kill_on_drop` kills).
struct KillGroup(Option<i32>);

impl Drop for KillGroup {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

/// How a [`run_bounded`] command ended.
#[derive(Debug)]
pub struct Bounded {
    /// Exit code; `None` when killed by a signal (or at the deadline).
    pub code: Option<i32>,
    /// At most the cap's bytes of each stream.
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// The deadline passed: the group was killed.
    pub timed_out: bool,
    /// Bytes past the cap were read and dropped (stdout, stderr).
    pub cut: (bool, bool),
}

/// Run `cmd` (stdin empty) in a process group of its own, keep at most
/// `cap` bytes of each output stream (the rest is read and dropped, so the
/// command never blocks on a full pipe), and kill the whole group at
/// `deadline` (or when this future is dropped). The group is killed when
/// the leader ends too, so nothing it started outlives it. An error only
/// when the command could not start or its output could not be read.
pub async fn run_bounded(
    cmd: Command,
    deadline: std::time::Duration,
    cap: usize,
) -> std::io::Result<Bounded> {
    use tokio::io::{AsyncRead, AsyncReadExt};
    let mut cmd = tokio::process::Command::from(cmd);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = cmd.spawn()?;
    let group = KillGroup(child.id().map(|p| p as i32));
    async fn keep<R: AsyncRead + Unpin>(
        pipe: Option<R>,
        cap: usize,
    ) -> std::io::Result<(Vec<u8>, bool)> {
        let (mut kept, mut cut) = (Vec::new(), false);
        let Some(mut pipe) = pipe else {
            return Ok((kept, cut));
        };
        let mut buf = [0u8; 8192];
        loop {
            let n = pipe.read(&mut buf).await?;
            if n == 0 {
                return Ok((kept, cut));
            }
            let room = cap.saturating_sub(kept.len());
            kept.extend_from_slice(&buf[..n.min(room)]);
            cut |= n > room;
        }
    }
    let (so, se) = (child.stdout.take(), child.stderr.take());
    let read = async { tokio::try_join!(keep(so, cap), keep(se, cap)) };
    let read = tokio::time::timeout(deadline, read).await;
    // Output read to its end (or the deadline passed): whatever the group
    // still holds goes now, before the leader is reaped (until then its ID
    // cannot name another group).
    drop(group);
    if read.is_err() {
        // The leader too, should the group signal not have reached it.
        let _ = child.start_kill();
    }
    let status = child.wait().await?;
    match read {
        Ok(r) => {
            let ((stdout, cut_out), (stderr, cut_err)) = r?;
            Ok(Bounded {
                code: status.code(),
                stdout,
                stderr,
                timed_out: false,
                cut: (cut_out, cut_err),
            })
        }
        Err(_) => Ok(Bounded {
            code: None,
            stdout: Vec::new(),
            stderr: Vec::new(),
            timed_out: true,
            cut: (false, false),
        }),
    }
}

/// What [`run_async_recorded`] recorded in `record`, if anything.
pub fn read_recorded(record: &std::path::Path) -> Option<Recorded> {
    serde_json::from_str(&std::fs::read_to_string(record).ok()?).ok()
}

/// Stop the process recorded in `record` by [`run_async_recorded`], and its
/// process group: SIGTERM, then SIGKILL after `grace`. Nothing recorded, or
/// the recorded process gone (or its PID reused): nothing is signalled.
/// The record is removed. Returns what was stopped.
pub fn stop_recorded(record: &std::path::Path, grace: std::time::Duration) -> Option<Recorded> {
    use nix::sys::signal::{Signal, killpg};
    use nix::unistd::Pid;
    let stopped = read_recorded(record).filter(Recorded::alive).inspect(|r| {
        let group = Pid::from_raw(r.pid);
        let _ = killpg(group, Signal::SIGTERM);
        let deadline = std::time::Instant::now() + grace;
        while r.alive() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        // What the group still holds (the leader, or children it left).
        let _ = killpg(group, Signal::SIGKILL);
        while r.alive() && std::time::Instant::now() < deadline + std::time::Duration::from_secs(5)
        {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    });
    let _ = std::fs::remove_file(record);
    stopped
}

/// Install Debian packages with apt-get (`update`, then `install`), as root
/// (`lab doctor --fix`), its output on the terminal.
pub fn install_debian_packages(pkgs: &[&str]) -> Result<()> {
    let status =
        |c: &mut std::process::Command| c.env("DEBIAN_FRONTEND", "noninteractive").status();
    let ok = status(
        std::process::Command::new("apt-get")
            .arg("update")
            .arg("-qq"),
    )
    .map(|s| s.success())
    .unwrap_or(false);
    if !ok {
        return Err(LabError::Step {
            step: "apt-get update".into(),
            message: "failed; install the packages by hand".into(),
        });
    }
    let ok = status(
        std::process::Command::new("apt-get")
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(pkgs),
    )
    .map(|s| s.success())
    .unwrap_or(false);
    if ok {
        Ok(())
    } else {
        Err(LabError::Step {
            step: "apt-get install".into(),
            message: format!("failed to install {}", pkgs.join(" ")),
        })
    }
}

/// Whether `program` is installed here: on `PATH`, or in the system's
/// `sbin` and `bin` folders (root's programs, not on every user's `PATH`).
pub fn installed(program: &str) -> bool {
    which::which(program).is_ok()
        || ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
            .iter()
            .any(|d| std::path::Path::new(d).join(program).is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote("/a/b-c.d"), "/a/b-c.d");
        assert_eq!(quote("10.244.2.2"), "10.244.2.2");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
        let mut c = Command::new("ip");
        c.args(["-n", "a b", "link"]);
        assert_eq!(display(&c), "ip -n 'a b' link");
    }
}

#[cfg(test)]
mod recorded_tests {
    use super::*;
    use std::time::Duration;

    /// A recorded command and the children it started are stopped, through
    /// the record, as a later `lab` would; the record goes.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_recorded_group_is_stopped_with_its_children() {
        let dir = tempfile::tempdir().unwrap();
        let record = dir.path().join("proc.json");
        let marker = format!("lab-recorded-test-{}", std::process::id());
        let run = spawn_group(&marker, &record);
        let mut r: Option<Recorded> = None;
        for _ in 0..100 {
            r = read_recorded(&record);
            if r.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let r = r.expect("the command was recorded");
        assert!(r.alive());
        assert_eq!(
            nix::unistd::getpgid(Some(nix::unistd::Pid::from_raw(r.pid))).unwrap(),
            nix::unistd::Pid::from_raw(r.pid),
            "it leads its own process group"
        );
        let stopped = tokio::task::spawn_blocking({
            let record = record.clone();
            move || stop_recorded(&record, Duration::from_secs(5))
        })
        .await
        .unwrap();
        assert_eq!(stopped.as_ref(), Some(&r));
        assert!(run.await.unwrap().is_err(), "the command was killed");
        assert!(!r.alive());
        assert!(!record.exists());
        // Its child went with the group (the kernel reaps it a moment after
        // the kill: waited for, with a deadline).
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while processes_named(&marker) > 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(processes_named(&marker), 0, "the group's child is gone");
    }

    /// `sh` run recorded in `record`, with a child shell (named by
    /// `marker`) that would outlive it.
    fn spawn_group(
        marker: &str,
        record: &std::path::Path,
    ) -> tokio::task::JoinHandle<Result<Output>> {
        let mut cmd = Command::new("sh");
        cmd.args([
            "-c",
            &format!("sh -c 'tail -f /dev/null; true {marker}' & tail -f /dev/null"),
        ]);
        let record = record.to_path_buf();
        tokio::spawn(async move { run_async_recorded(&Reporter::quiet(), cmd, &record).await })
    }

    fn processes_named(marker: &str) -> usize {
        std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
            .filter(|c| String::from_utf8_lossy(c).contains(marker))
            .count()
    }

    /// A recorded command whose `lab` gives up on it (the future dropped:
    /// Ctrl-C, a deadline) takes its whole group with it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dropped_run_kills_its_group() {
        let dir = tempfile::tempdir().unwrap();
        let record = dir.path().join("proc.json");
        let marker = format!("lab-dropped-test-{}", std::process::id());
        let run = spawn_group(&marker, &record);
        for _ in 0..100 {
            if processes_named(&marker) > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(
            processes_named(&marker) >= 1,
            "the command and its child run"
        );
        run.abort();
        let _ = run.await;
        for _ in 0..40 {
            if processes_named(&marker) == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(processes_named(&marker), 0, "the group's child is gone");
    }

    /// A record whose process is gone, or whose PID now belongs to another
    /// process, signals nothing.
    #[test]
    fn a_stale_record_signals_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let record = dir.path().join("proc.json");
        let me = std::process::id() as i32;
        let stale = Recorded {
            pid: me,
            start_time: start_time(me).unwrap() + 1,
            command: "vagrant up".into(),
        };
        std::fs::write(&record, serde_json::to_string(&stale).unwrap()).unwrap();
        assert_eq!(stop_recorded(&record, Duration::from_millis(10)), None);
        assert!(!record.exists());
        assert_eq!(stop_recorded(&record, Duration::from_millis(10)), None);
    }

    #[tokio::test]
    async fn endless_output_of_a_host_command_is_cut() {
        let mut c = Command::new("cat");
        c.arg("/dev/zero");
        let e = run_async(&Reporter::quiet(), c, None).await.unwrap_err();
        assert!(e.to_string().contains("cut at"), "{e}");
    }
}
