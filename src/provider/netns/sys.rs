//! The host side of the netns provider: batches for `ip`/`bridge` run
//! concurrently, namespaces found by the lab's prefix, processes found,
//! started and stopped, work done on a thread inside a namespace, and the
//! `lab proxy` byte pipe.

use super::names;
use crate::error::{LabError, Result};
use crate::exec;
use crate::report::Reporter;
use nix::sched::{CloneFlags, setns};
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, waitpid};
use nix::unistd::Pid;
use std::collections::HashSet;
use std::ffi::CString;
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

/// What a node's daemon gets besides the node's network namespace: its own
/// UTS namespace (the node's hostname) and mount namespace, where the
/// node's run dir becomes /run (with /run/netns moved into it, so pods made
/// later show there) and /sys shows the node's interfaces. This is what
/// `ip netns exec NS unshare --uts --mount --propagation slave sh -c
/// 'hostname N; mount --rbind /run/netns RUN/netns; mount --rbind RUN /run;
/// exec sshd'` does, in one process and without copying mounts. The node
/// also gets its own /root, as a fresh VM would (and the host's dotfiles
/// stay out of the node's sessions).
///
/// With `root`, the node also gets its own files: its root is the node's
/// overlay (the host's `/` below, the node's upper layer in the lab's state
/// folder, mounted once by `files::mount_node_root`), with the host's /dev
/// and /proc, a /sys of its network namespace, its /run and /root, and the
/// lab's state folder (sshd's and nginx's configuration) bound into it; the
/// process then pivots into it, so writes to /tmp, /etc, ... stay in the
/// lab. Every entry to the node (sshd, a pod's nginx, a direct exec) that
/// uses the same `NodeSetup` sees the same upper layer.
#[derive(Debug, Clone)]
pub struct NodeSetup {
    pub hostname: String,
    pub run: PathBuf,
    /// Bound onto /root.
    pub home: PathBuf,
    pub root: Option<NodeRoot>,
}

/// A node's own root filesystem: where its overlay is mounted, and the
/// lab's state folder to bind into it at the same path. Both absolute.
#[derive(Debug, Clone)]
pub struct NodeRoot {
    pub mount: PathBuf,
    pub state: PathBuf,
}

fn cstr(s: impl AsRef<std::ffi::OsStr>) -> Result<CString> {
    use std::os::unix::ffi::OsStrExt;
    CString::new(s.as_ref().as_bytes())
        .map_err(|_| LabError::Internal(format!("a path holds a NUL byte: {:?}", s.as_ref())))
}

/// [`NodeSetup`]'s paths as C strings, made before the fork (the child must
/// not allocate).
struct NodeSetupC {
    hostname: CString,
    home: CString,
    run: CString,
    run_netns: CString,
    root: CString,
    slash: CString,
    run_dir: CString,
    netns_dir: CString,
    sys: CString,
    sysfs: CString,
    own_root: Option<RootC>,
}

/// [`NodeRoot`]'s paths as C strings, made before the fork.
struct RootC {
    mount: CString,
    /// Mount points inside the new root.
    run: CString,
    run_netns: CString,
    root: CString,
    dev: CString,
    proc_: CString,
    sys: CString,
    /// The state folder, and its path inside the new root with every
    /// ancestor (made if missing, outermost first).
    state: CString,
    state_dirs: Vec<CString>,
    dev_src: CString,
    proc_src: CString,
    dot: CString,
}

impl NodeSetup {
    fn to_c(&self) -> Result<NodeSetupC> {
        Ok(NodeSetupC {
            hostname: cstr(&self.hostname)?,
            home: cstr(&self.home)?,
            run: cstr(&self.run)?,
            run_netns: cstr(self.run.join("netns"))?,
            root: cstr("/root")?,
            slash: cstr("/")?,
            run_dir: cstr("/run")?,
            netns_dir: cstr(NETNS_DIR)?,
            sys: cstr("/sys")?,
            sysfs: cstr("sysfs")?,
            own_root: self.root.as_ref().map(NodeRoot::to_c).transpose()?,
        })
    }
}

impl NodeRoot {
    fn to_c(&self) -> Result<RootC> {
        let m = &self.mount;
        let inside = |p: &str| cstr(m.join(p));
        let rel = self.state.strip_prefix("/").map_err(|_| {
            LabError::Internal(format!(
                "the state folder {} is not an absolute path",
                self.state.display()
            ))
        })?;
        let state_dirs = rel
            .ancestors()
            .filter(|a| !a.as_os_str().is_empty())
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .map(|a| cstr(m.join(a)))
            .collect::<Result<Vec<_>>>()?;
        Ok(RootC {
            mount: cstr(m)?,
            run: inside("run")?,
            run_netns: inside("run/netns")?,
            root: inside("root")?,
            dev: inside("dev")?,
            proc_: inside("proc")?,
            sys: inside("sys")?,
            state: cstr(&self.state)?,
            state_dirs,
            dev_src: cstr("/dev")?,
            proc_src: cstr("/proc")?,
            dot: cstr(".")?,
        })
    }
}

impl NodeSetupC {
    /// The child's side of [`NodeSetup`], after it entered the node's
    /// network namespace: system calls only (async-signal-safe).
    fn apply_in_child(&self) -> std::io::Result<()> {
        let check = |r: libc::c_int| {
            if r != 0 {
                Err(std::io::Error::last_os_error())
            } else {
                Ok(())
            }
        };
        let mount = |src: *const libc::c_char,
                     dst: &CString,
                     fstype: *const libc::c_char,
                     flags: libc::c_ulong| {
            // SAFETY: NUL-terminated strings (or null) made before fork.
            check(unsafe { libc::mount(src, dst.as_ptr(), fstype, flags, std::ptr::null()) })
        };
        let null = std::ptr::null();
        // SAFETY: plain system calls on NUL-terminated strings made before fork.
        check(unsafe { libc::unshare(libc::CLONE_NEWNS | libc::CLONE_NEWUTS) })?;
        mount(null, &self.slash, null, libc::MS_REC | libc::MS_SLAVE)?;
        // SAFETY: as above.
        check(unsafe {
            libc::sethostname(self.hostname.as_ptr(), self.hostname.as_bytes().len())
        })?;
        if let Some(r) = &self.own_root {
            return self.enter_root(r);
        }
        // RUN becomes a mount, /run/netns moves under it, RUN moves onto /run:
        // no mount is copied, and namespaces added later on the host still
        // propagate to the moved /run/netns.
        mount(self.run.as_ptr(), &self.run, null, libc::MS_BIND)?;
        mount(
            self.netns_dir.as_ptr(),
            &self.run_netns,
            null,
            libc::MS_MOVE,
        )?;
        mount(self.run.as_ptr(), &self.run_dir, null, libc::MS_MOVE)?;
        mount(self.home.as_ptr(), &self.root, null, libc::MS_BIND)?;
        // /sys of the node's network namespace, as `ip netns exec` does.
        // SAFETY: as above.
        if unsafe { libc::umount2(self.sys.as_ptr(), libc::MNT_DETACH) } == 0 {
            mount(self.sysfs.as_ptr(), &self.sys, self.sysfs.as_ptr(), 0)?;
        }
        Ok(())
    }

    /// The node's own root (see [`NodeSetup`]): mounts into the node's
    /// overlay, in this process's new mount namespace, then pivot_root into
    /// it and detach the host's tree. System calls only.
    fn enter_root(&self, r: &RootC) -> std::io::Result<()> {
        let check = |rc: libc::c_int| {
            if rc != 0 {
                Err(std::io::Error::last_os_error())
            } else {
                Ok(())
            }
        };
        let null: *const libc::c_char = std::ptr::null();
        let mount = |src: &CString, dst: &CString, fstype: *const libc::c_char, flags| {
            // SAFETY: NUL-terminated strings (or null) made before fork.
            check(unsafe {
                libc::mount(src.as_ptr(), dst.as_ptr(), fstype, flags, std::ptr::null())
            })
        };
        let bind = libc::MS_BIND;
        // RUN onto its /run, with the host's /run/netns moved under it (so
        // namespaces added later still show), as without a root of its own.
        mount(&self.run, &r.run, null, bind)?;
        mount(&self.netns_dir, &r.run_netns, null, libc::MS_MOVE)?;
        mount(&self.home, &r.root, null, bind)?;
        mount(&r.dev_src, &r.dev, null, bind | libc::MS_REC)?;
        mount(&r.proc_src, &r.proc_, null, bind | libc::MS_REC)?;
        mount(&self.sysfs, &r.sys, self.sysfs.as_ptr(), 0)?;
        for d in &r.state_dirs {
            // SAFETY: as above. An existing folder is fine.
            if unsafe { libc::mkdir(d.as_ptr(), 0o755) } != 0
                && std::io::Error::last_os_error().raw_os_error() != Some(libc::EEXIST)
            {
                return Err(std::io::Error::last_os_error());
            }
        }
        if let Some(inside) = r.state_dirs.last() {
            mount(&r.state, inside, null, bind)?;
        }
        // pivot_root(".", "."): the host's tree ends up on top of the new
        // root and is detached at once (what runc does).
        // SAFETY: as above.
        check(unsafe { libc::chdir(r.mount.as_ptr()) })?;
        check(unsafe {
            libc::syscall(libc::SYS_pivot_root, r.dot.as_ptr(), r.dot.as_ptr()) as libc::c_int
        })?;
        check(unsafe { libc::umount2(r.dot.as_ptr(), libc::MNT_DETACH) })?;
        check(unsafe { libc::chdir(self.slash.as_ptr()) })
    }
}

/// Make `cmd`'s child enter the network namespace open at `ns` (and nothing
/// else) before it execs; the parent keeps `ns` open until the child started.
pub fn enter_netns_before_exec(cmd: &mut Command, ns: &File) {
    enter_before_exec(cmd, ns.as_raw_fd());
}

/// Make `cmd`'s child enter a node the way every session on it does: the
/// node's network namespace (open at `ns`, which the parent keeps open until
/// the child has started), then its [`NodeSetup`].
pub fn enter_node_before_exec(cmd: &mut Command, ns: &File, setup: &NodeSetup) -> Result<()> {
    use std::os::unix::process::CommandExt;
    enter_before_exec(cmd, ns.as_raw_fd());
    let c = setup.to_c()?;
    // SAFETY: the closure makes system calls only, on strings made before fork.
    unsafe {
        cmd.pre_exec(move || c.apply_in_child());
    }
    Ok(())
}

/// Start a daemon inside the lab namespace `netns` (and, for a node's
/// daemon, its [`NodeSetup`]), in its own process group with output to
/// `log`; returns its PID and start time. The child enters the namespaces
/// and execs the daemon itself, so the PID is the daemon's. It is not
/// waited for: it outlives `lab`.
pub fn spawn_daemon(
    mut cmd: Command,
    netns: &str,
    node: Option<&NodeSetup>,
    log: &Path,
) -> Result<(i32, u64)> {
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
    match node {
        Some(n) => enter_node_before_exec(&mut cmd, &ns_file, n)?,
        None => enter_before_exec(&mut cmd, ns_file.as_raw_fd()),
    }
    cmd.stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0);
    let child = cmd.spawn().map_err(|e| LabError::Command {
        command: shown,
        status: "could not start".into(),
        output: e.to_string(),
    })?;
    drop(ns_file);
    let pid = child.id() as i32;
    // The child has exec'd: its start time is final.
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
    cmd.arg("-i")
        .arg("-f")
        .arg(&config)
        .arg("-E")
        .arg(layout.sshd_log(node));
    enter_node_before_exec(&mut cmd, &ns_file, &layout.node_setup(lab, node)?)?;
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
