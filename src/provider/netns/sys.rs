//! The host side of the netns provider: batches for `ip`/`bridge` run
//! concurrently, namespaces found by the lab's prefix, processes found,
//! started and stopped, work done on a thread inside a namespace, and the
//! `lab proxy` byte pipe.

use super::enter::{Mode, NodeSetup, enter_node_before_exec};
use super::names;
use crate::error::{LabError, Result};
use crate::exec;
use crate::report::Reporter;
use nix::sched::{CloneFlags, setns};
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, waitpid};
use nix::unistd::Pid;
use std::collections::HashSet;
use std::fs::File;

use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where `ip netns` keeps named namespaces.
pub const NETNS_DIR: &str = "/run/netns";

/// How many `ip`/`bridge` processes run at once.
pub const PARALLEL: usize = 8;
/// `iptables-restore` mostly waits on the kernel (nftables commits), so more
/// of them run at once.
pub const PARALLEL_WAITING: usize = 32;

pub fn netns_path(ns: &str) -> PathBuf {
    Path::new(NETNS_DIR).join(ns)
}

/// The lab's namespaces that exist now, found by the lab's prefix.
pub fn lab_namespaces(lab: &str) -> Vec<String> {
    let prefix = names::prefix(lab);
    let mut v: Vec<String> = std::fs::read_dir(NETNS_DIR)
        .map(|rd| {
            rd.filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| n.starts_with(&prefix))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Move the calling thread into the network namespace `ns`.
pub fn enter_netns(ns: &str) -> std::io::Result<()> {
    let f = File::open(netns_path(ns))?;
    setns(&f, CloneFlags::CLONE_NEWNET).map_err(std::io::Error::from)
}

/// Set sysctls (paths under /proc/sys) in each namespace, from a thread that
/// enters them in turn (net sysctls are those of the writer's namespace). A
/// sysctl the kernel does not have (IPv6 compiled out) is skipped.
pub async fn sysctls(
    namespaces: Vec<String>,
    settings: &'static [(&'static str, &'static str)],
) -> Result<()> {
    on_thread(move || -> std::result::Result<(), String> {
        for ns in &namespaces {
            enter_netns(ns).map_err(|e| format!("entering {ns}: {e}"))?;
            for (key, value) in settings {
                match std::fs::write(Path::new("/proc/sys").join(key), value) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(format!("{}={value} in {ns}: {e}", key.replace('/', ".")));
                    }
                }
            }
        }
        Ok(())
    })
    .await?
    .map_err(|message| LabError::Step {
        step: "sysctls".into(),
        message,
    })
}

/// No IPv6 in a lab namespace: the chapter's network is IPv4, and every new
/// interface's IPv6 start-up (DAD, router and multicast listener messages)
/// is flooded by the lab's bridges to every port, which kept a fresh
/// 100-node lab busy for seconds. Set before any interface is made.
pub const NO_IPV6: &[(&str, &str)] = &[
    ("net/ipv6/conf/all/disable_ipv6", "1"),
    ("net/ipv6/conf/default/disable_ipv6", "1"),
];

/// Run `f` on a new thread (which may `setns`, as it ends with `f`) without
/// blocking the async runtime.
pub async fn on_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("lab-netns".into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|e| LabError::io("starting a thread", e))?;
    rx.await
        .map_err(|_| LabError::Internal("a namespace thread panicked".into()))
}

// ---------------------------------------------------------------- batches

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Ip,
    Bridge,
}

/// One batch of `ip` or `bridge` commands, run in one process, inside a
/// lab namespace (or, for `netns add/del` only, from the host).
#[derive(Debug, Clone)]
pub struct Batch {
    pub netns: Option<String>,
    pub tool: Tool,
    pub text: String,
    /// Go on past failing lines and do not fail (deletions of what may be gone).
    pub tolerant: bool,
}

impl Batch {
    pub fn ip(netns: impl Into<String>, text: String) -> Batch {
        Batch {
            netns: Some(netns.into()),
            tool: Tool::Ip,
            text,
            tolerant: false,
        }
    }
    pub fn bridge(netns: impl Into<String>, text: String) -> Batch {
        Batch {
            netns: Some(netns.into()),
            tool: Tool::Bridge,
            text,
            tolerant: false,
        }
    }
    /// `netns add`/`netns del` lines, which act on the host's /run/netns.
    pub fn namespaces(text: String) -> Batch {
        Batch {
            netns: None,
            tool: Tool::Ip,
            text,
            tolerant: false,
        }
    }
    pub fn tolerant(mut self) -> Batch {
        self.tolerant = true;
        self
    }

    fn command(&self) -> Command {
        let mut c = Command::new(match self.tool {
            Tool::Ip => "ip",
            Tool::Bridge => "bridge",
        });
        if self.tolerant {
            c.arg("-force");
        }
        c.args(["-batch", "-"]);
        c
    }
}

/// A failed batch: name the line `ip` complained about (`Command failed -:N`).
fn explain(e: LabError, text: &str) -> LabError {
    match e {
        LabError::Command {
            command,
            status,
            output,
        } => {
            let line = output
                .split("Command failed -:")
                .nth(1)
                .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|n| text.lines().nth(n.saturating_sub(1)));
            let output = match line {
                Some(l) => format!("{output}\n(batch line: {l})"),
                None => output,
            };
            LabError::Command {
                command,
                status,
                output,
            }
        }
        other => other,
    }
}

/// Run batches concurrently (at most [`PARALLEL`] processes); the first
/// failure is returned after all have finished. Each batch's text goes to
/// the log only when it fails (with the failing line named).
pub async fn run_batches(rep: &Reporter, batches: Vec<Batch>) -> Result<()> {
    let jobs = batches
        .into_iter()
        .filter(|b| !b.text.is_empty())
        .map(|b| Job {
            cmd: b.command(),
            netns: b.netns.clone(),
            explain: Some(b.text.clone()),
            input: Some(b.text.into_bytes()),
            tolerant: b.tolerant,
        })
        .collect();
    run_jobs(rep, jobs, PARALLEL).await.map(drop)
}

/// A command to run with optional input, inside a lab namespace or not.
pub struct Job {
    pub cmd: Command,
    /// Entered by the child before it execs (as `ip -n` would, without
    /// `ip`'s mount namespace and /sys remount, which cost a copy of the
    /// host's mount table per process).
    pub netns: Option<String>,
    pub input: Option<Vec<u8>>,
    /// Batch text, to name the failing line.
    pub explain: Option<String>,
    /// A failure is logged, not returned.
    pub tolerant: bool,
}

impl Job {
    pub fn new(cmd: Command, netns: Option<String>, input: Option<Vec<u8>>) -> Job {
        Job {
            cmd,
            netns,
            input,
            explain: None,
            tolerant: false,
        }
    }
}

/// Make `cmd`'s child enter the network namespace open at `fd` before it
/// execs. The parent must keep `fd` open until the child has started.
fn enter_before_exec(cmd: &mut Command, fd: RawFd) {
    use std::os::unix::process::CommandExt;
    // SAFETY: only an async-signal-safe system call runs in the child.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setns(fd, libc::CLONE_NEWNET) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Open a namespace of the lab, saying which when it is missing.
fn open_netns(ns: &str) -> Result<File> {
    File::open(netns_path(ns))
        .map_err(|e| LabError::io(format!("opening network namespace {ns}"), e))
}

/// Run one job to completion (inside its namespace, if any).
async fn run_job(rep: &Reporter, mut job: Job) -> Result<std::process::Output> {
    let ns_file = match &job.netns {
        Some(ns) => {
            let f = open_netns(ns)?;
            enter_before_exec(&mut job.cmd, f.as_raw_fd());
            Some(f)
        }
        None => None,
    };
    let r = exec::run_async(rep, job.cmd, job.input).await;
    drop(ns_file);
    r.map_err(|e| {
        let e = match (&job.explain, e) {
            (Some(t), e) => explain(e, t),
            (None, e) => e,
        };
        match (e, &job.netns) {
            (
                LabError::Command {
                    command,
                    status,
                    output,
                },
                Some(ns),
            ) => LabError::Command {
                command: format!("{command} (in netns {ns})"),
                status,
                output,
            },
            (e, _) => e,
        }
    })
}

/// Run commands concurrently, at most `limit` at once; their outputs in
/// order, or the first failure after all have finished.
pub async fn run_jobs(
    rep: &Reporter,
    jobs: Vec<Job>,
    limit: usize,
) -> Result<Vec<std::process::Output>> {
    let sem = Arc::new(tokio::sync::Semaphore::new(limit.max(1)));
    let mut set = tokio::task::JoinSet::new();
    let n = jobs.len();
    for (i, job) in jobs.into_iter().enumerate() {
        let permit = sem.clone().acquire_owned().await.expect("semaphore open");
        let rep = rep.clone();
        set.spawn(async move {
            let tolerant = job.tolerant;
            let r = run_job(&rep, job).await;
            drop(permit);
            let r = match r {
                Err(_) if tolerant => {
                    use std::os::unix::process::ExitStatusExt;
                    Ok(std::process::Output {
                        status: std::process::ExitStatus::from_raw(1 << 8),
                        stdout: vec![],
                        stderr: vec![],
                    })
                }
                r => r,
            };
            (i, r)
        });
    }
    let mut outs: Vec<Option<std::process::Output>> = vec![None; n];
    let mut first = None;
    while let Some(r) = set.join_next().await {
        match r {
            Ok((i, Ok(out))) => outs[i] = Some(out),
            Ok((_, Err(e))) => {
                first.get_or_insert(e);
            }
            Err(e) => {
                first.get_or_insert(LabError::Internal(format!("a command task failed: {e}")));
            }
        }
    }
    match first {
        Some(e) => Err(e),
        None => Ok(outs
            .into_iter()
            .map(|o| o.expect("every job finished"))
            .collect()),
    }
}

// ---------------------------------------------------------------- processes

/// What `/proc/<pid>/stat` says about a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcStat {
    pub state: char,
    pub start_time: u64,
}

pub fn parse_stat(text: &str) -> Option<ProcStat> {
    // The command name (field 2) may hold spaces and parentheses: the
    // fields that follow start after its last ')'.
    let rest = text.get(text.rfind(')')? + 1..)?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(ProcStat {
        state: f.first()?.chars().next()?,
        start_time: f.get(19)?.parse().ok()?,
    })
}

pub fn proc_stat(pid: i32) -> Option<ProcStat> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// Whether the process `pid` that started at `start_time` still runs (a
/// zombie does not; a new process with the same PID is another process).
pub fn is_alive(pid: i32, start_time: u64) -> bool {
    matches!(proc_stat(pid), Some(s) if s.start_time == start_time && s.state != 'Z' && s.state != 'X')
}

/// The processes (PID, start time) whose network namespace is one of `namespaces`.
pub fn pids_in(namespaces: &[String]) -> Vec<(i32, u64)> {
    let Ok(nsfs) = std::fs::metadata("/proc/self/ns/net").map(|m| m.dev()) else {
        return vec![];
    };
    let inodes: HashSet<u64> = namespaces
        .iter()
        .filter_map(|n| std::fs::metadata(netns_path(n)).ok())
        .filter(|m| m.dev() == nsfs)
        .map(|m| m.ino())
        .collect();
    if inodes.is_empty() {
        return vec![];
    }
    let me = std::process::id() as i32;
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(link) = std::fs::read_link(format!("/proc/{pid}/ns/net")) else {
            continue;
        };
        let ino = link
            .to_str()
            .and_then(|s| s.strip_prefix("net:["))
            .and_then(|s| s.strip_suffix(']'))
            .and_then(|s| s.parse::<u64>().ok());
        if ino.is_some_and(|i| inodes.contains(&i))
            && let Some(st) = proc_stat(pid)
            && st.state != 'Z'
        {
            out.push((pid, st.start_time));
        }
    }
    out
}

fn reap(pid: i32) {
    // Only our own children (library use); ECHILD otherwise.
    let _ = waitpid(Pid::from_raw(pid), Some(WaitPidFlag::WNOHANG));
}

/// Stop processes: SIGTERM, up to `grace` for them to exit, then SIGKILL.
/// A PID whose start time differs is another process and is left alone.
/// Returns the processes still alive at the end (none, normally).
pub fn stop(procs: &[(i32, u64)], grace: Duration) -> Vec<i32> {
    let signal = |sig: Signal| {
        for &(pid, st) in procs {
            if pid > 1 && is_alive(pid, st) {
                let _ = kill(Pid::from_raw(pid), sig);
            }
        }
    };
    let wait = |limit: Duration| -> Vec<i32> {
        let deadline = Instant::now() + limit;
        loop {
            let left: Vec<i32> = procs
                .iter()
                .filter(|&&(pid, st)| {
                    reap(pid);
                    is_alive(pid, st)
                })
                .map(|&(pid, _)| pid)
                .collect();
            if left.is_empty() || Instant::now() >= deadline {
                return left;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    signal(Signal::SIGTERM);
    if wait(grace).is_empty() {
        return vec![];
    }
    signal(Signal::SIGKILL);
    wait(Duration::from_secs(3))
}

/// Make `cmd`'s child enter the network namespace open at `ns` (and nothing
/// else) before it execs; the parent keeps `ns` open until the child started.
pub fn enter_netns_before_exec(cmd: &mut Command, ns: &File) {
    enter_before_exec(cmd, ns.as_raw_fd());
}

/// Start a daemon inside the lab namespace `netns` (and, for a pod's
/// daemon, its [`NodeSetup`]: then the daemon is PID 1 of a PID namespace
/// of its own, see [`super::enter`]), in its own process group with output
/// to `log`; returns its (host) PID and start time. The child enters the
/// namespaces and execs the daemon itself, so the PID is the daemon's. It is
/// not waited for: it outlives `lab`.
pub fn spawn_daemon(
    mut cmd: Command,
    netns: &str,
    node: Option<&NodeSetup>,
    log: &Path,
) -> Result<(i32, u64)> {
    use std::io::Read;
    use std::os::unix::process::CommandExt;
    let shown = format!("{} (in netns {netns})", exec::display(&cmd));
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| LabError::io(format!("opening {}", log.display()), e))?;
    let err = out
        .try_clone()
        .map_err(|e| LabError::io("duplicating a file", e))?;
    let ns_file = open_netns(netns)?;
    // The node's PID 1 is a grandchild: its host PID comes on this pipe.
    let (mut report, report_w) = match node {
        Some(n) => {
            let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
                .map_err(|e| LabError::io("making a pipe", e.into()))?;
            enter_node_before_exec(&mut cmd, &ns_file, n, Mode::Detach(w.as_raw_fd()))?;
            (Some(File::from(r)), Some(w))
        }
        None => {
            enter_before_exec(&mut cmd, ns_file.as_raw_fd());
            (None, None)
        }
    };
    cmd.stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0);
    let mut child = cmd.spawn().map_err(|e| LabError::Command {
        command: shown.clone(),
        status: "could not start".into(),
        output: e.to_string(),
    })?;
    drop(ns_file);
    drop(report_w);
    let pid = match report.as_mut() {
        None => child.id() as i32,
        Some(r) => {
            // The process between has exited (it reports, then _exits).
            let _ = child.wait();
            let mut b = [0u8; 4];
            r.read_exact(&mut b).map_err(|e| LabError::Command {
                command: shown,
                status: "could not start".into(),
                output: format!("no PID reported from inside the node: {e}"),
            })?;
            i32::from_ne_bytes(b)
        }
    };
    // The daemon has exec'd (spawn returns when the exec-error pipe
    // closes): its start time is final.
    let st = proc_stat(pid).map(|s| s.start_time).unwrap_or(0);
    Ok((pid, st))
}

// ---------------------------------------------------------------- readiness

/// A daemon to wait for: it accepts on `127.0.0.1:port` inside `netns`.
#[derive(Debug, Clone)]
pub struct Ready {
    pub netns: String,
    pub port: u16,
    pub what: String,
    pub pid: i32,
    pub start_time: u64,
    pub log: PathBuf,
}

fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(10)..].join("\n")
}

/// Wait until every daemon accepts TCP connections, polling from this
/// thread (which `setns`es into each namespace: call on a thread of its own).
pub fn wait_ready(targets: &[Ready], timeout: Duration) -> std::result::Result<(), String> {
    let deadline = Instant::now() + timeout;
    let mut pending: Vec<(&Ready, File)> = Vec::new();
    for t in targets {
        let f = File::open(netns_path(&t.netns))
            .map_err(|e| format!("{}: namespace {} is gone: {e}", t.what, t.netns))?;
        pending.push((t, f));
    }
    let addr = |port| std::net::SocketAddr::from(([127, 0, 0, 1], port));
    loop {
        let mut still = Vec::new();
        for (t, f) in pending {
            setns(&f, CloneFlags::CLONE_NEWNET)
                .map_err(|e| format!("entering {}: {e}", t.netns))?;
            if std::net::TcpStream::connect_timeout(&addr(t.port), Duration::from_millis(200))
                .is_ok()
            {
                continue;
            }
            if !is_alive(t.pid, t.start_time) {
                return Err(format!(
                    "{} (pid {}) exited before accepting on port {}; its log ({}):\n{}",
                    t.what,
                    t.pid,
                    t.port,
                    t.log.display(),
                    tail(&t.log)
                ));
            }
            still.push((t, f));
        }
        pending = still;
        if pending.is_empty() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            let names: Vec<&str> = pending.iter().map(|(t, _)| t.what.as_str()).collect();
            return Err(format!(
                "timed out after {}s waiting for {} to accept connections",
                timeout.as_secs(),
                names.join(", ")
            ));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

// ---------------------------------------------------------------- proxy

/// `lab proxy --state DIR <lab> <node>`: the ssh `ProxyCommand` of the lab's
/// nodes. It enters the node (its network namespace and [`NodeSetup`], as
/// every session on the node does) and becomes `sshd -i` there, speaking SSH
/// on the stdin and stdout that ssh gave it: a real sshd for each
/// connection, as systemd's socket-activated `ssh.socket` runs it, and no
/// daemon per node waiting for connections. The host never gets an address
/// in the lab's ranges, and a lab of a thousand nodes holds no process for
/// its nodes. Call before any other thread exists; returns only on failure.
pub fn proxy(state_dir: &Path, lab: &str, node: &str) -> Result<()> {
    use std::os::unix::process::CommandExt;
    if !names::valid_lab_name(lab) || !names::valid_lab_name(node) {
        return Err(LabError::Usage(format!(
            "lab proxy: '{lab}' '{node}' are not a lab and a node name"
        )));
    }
    let layout = super::files::Layout::new(state_dir);
    let config = layout.sshd_config();
    if !config.is_file() {
        return Err(LabError::Usage(format!(
            "lab proxy: {} is not the state folder of a netns lab (no {})",
            state_dir.display(),
            config.display()
        )));
    }
    let ns = names::node_ns(lab, node);
    let ns_file = File::open(netns_path(&ns)).map_err(|e| LabError::Enter {
        node: node.to_string(),
        message: format!("lab {lab} is not up here (namespace {ns}: {e})"),
    })?;
    let sshd = super::ctx::Programs::find().sshd;
    let mut cmd = Command::new(&sshd);
    // The node's own configuration and log (see `rootfs`): the lab's
    // state folder is not part of a node's files.
    cmd.arg("-i")
        .arg("-f")
        .arg(super::rootfs::SSHD_CONFIG)
        .arg("-E")
        .arg(super::rootfs::SSHD_LOG);
    enter_node_before_exec(
        &mut cmd,
        &ns_file,
        &layout.node_setup(lab, node)?,
        Mode::Wait,
    )?;
    let err = cmd.exec();
    Err(LabError::io(
        format!("starting {} in node {node}", sshd.display()),
        err,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_parsing_survives_odd_command_names() {
        let line = "4242 (a) b) (c) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10 1 2 3";
        assert_eq!(
            parse_stat(line),
            Some(ProcStat {
                state: 'S',
                start_time: 987654
            })
        );
        let me = proc_stat(std::process::id() as i32).unwrap();
        assert!(is_alive(std::process::id() as i32, me.start_time));
        assert!(
            !is_alive(std::process::id() as i32, me.start_time + 1),
            "another start time is another process"
        );
    }

    #[test]
    fn batch_errors_name_the_line() {
        let e = LabError::Command {
            command: "ip -batch -".into(),
            status: "1".into(),
            output: "Error: x\nCommand failed -:2".into(),
        };
        let e = explain(e, "link set lo up\nlink add bad\n");
        assert!(e.to_string().contains("(batch line: link add bad)"), "{e}");
    }

    #[test]
    fn batch_commands() {
        let b = Batch::ip("t1.node1", "x\n".into());
        assert_eq!(exec::display(&b.command()), "ip -batch -");
        let b = Batch::bridge("t1.node1", "x\n".into()).tolerant();
        assert_eq!(exec::display(&b.command()), "bridge -force -batch -");
        assert_eq!(
            exec::display(&Batch::namespaces(String::new()).command()),
            "ip -batch -"
        );
    }
}
