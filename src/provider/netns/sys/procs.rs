//! Processes: found by the lab namespace they run in, identified by PID and
//! start time, stopped (SIGTERM, then SIGKILL), and daemons started inside a
//! lab namespace.

use super::super::enter::{Mode, NodeSetup, enter_node_before_exec};
use super::batch::{enter_before_exec, open_netns};
use super::netns_path;
use super::tasks::{group_alive, group_ending, task_net_inodes};
use crate::error::{LabError, Result};
use crate::exec;
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, waitpid};
use nix::unistd::Pid;
use std::collections::HashSet;
use std::fs::File;
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What `/proc/<pid>/stat` says about a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcStat {
    pub state: char,
    pub start_time: u64,
    /// The kernel's flags of the task (field 9).
    pub flags: u64,
}

/// `PF_EXITING`: the task is in `exit()`; its memory (and with it its
/// command line) may be gone before it becomes a zombie.
const PF_EXITING: u64 = 0x4;

impl ProcStat {
    /// Ending: exiting, a zombie, or dead.
    pub fn ending(&self) -> bool {
        matches!(self.state, 'Z' | 'X') || self.flags & PF_EXITING != 0
    }
}

pub fn parse_stat(text: &str) -> Option<ProcStat> {
    // The command name (field 2) may hold spaces and parentheses: the
    // fields that follow start after its last ')'.
    let rest = text.get(text.rfind(')')? + 1..)?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(ProcStat {
        state: f.first()?.chars().next()?,
        start_time: f.get(19)?.parse().ok()?,
        flags: f.get(6)?.parse().ok()?,
    })
}

pub fn proc_stat(pid: i32) -> Option<ProcStat> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// Whether the process `pid` that started at `start_time` still runs (a
/// zombie does not, but one whose main thread ended alone while another
/// thread runs does: see [`super::tasks`]; a new process with the same PID
/// is another process).
pub fn is_alive(pid: i32, start_time: u64) -> bool {
    matches!(proc_stat(pid), Some(s) if s.start_time == start_time && group_alive(pid, &s))
}

/// Wait up to `limit` while the process `pid` that started at `start_time`
/// is exiting (killed a moment ago, with what killed it: its command line
/// reads empty then, and it is in no namespace); whether it is gone.
pub fn wait_while_ending(pid: i32, start_time: u64, limit: Duration) -> bool {
    let until = Instant::now() + limit;
    loop {
        match proc_stat(pid) {
            Some(s) if s.start_time == start_time && group_alive(pid, &s) => {
                if !group_ending(pid, &s) || Instant::now() >= until {
                    return false;
                }
            }
            _ => return true,
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The inode of the network namespace `name` (`/run/netns/NAME`), if it
/// is one (on nsfs, as `/proc/self/ns/net` is).
fn netns_inode(name: &str) -> Option<u64> {
    let nsfs = std::fs::metadata("/proc/self/ns/net").ok()?.dev();
    let m = std::fs::metadata(netns_path(name)).ok()?;
    (m.dev() == nsfs).then(|| m.ino())
}

/// The inode of the network namespace `pid` runs in.
fn net_inode_of(pid: i32) -> Option<u64> {
    let link = std::fs::read_link(format!("/proc/{pid}/ns/net")).ok()?;
    link.to_str()?
        .strip_prefix("net:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// Whether `pid` runs in the network namespace `name`: its leader, or (a
/// leader that ended alone) one of its threads.
pub fn runs_in(pid: i32, name: &str) -> bool {
    let Some(ns) = netns_inode(name) else {
        return false;
    };
    net_inode_of(pid) == Some(ns) || task_net_inodes(pid).contains(&ns)
}

/// The processes (PID, start time) that run in one of `namespaces`: their
/// leader, or (a leader that ended alone, or moved) any of their threads.
pub fn pids_in(namespaces: &[String]) -> Vec<(i32, u64)> {
    let inodes: HashSet<u64> = namespaces.iter().filter_map(|n| netns_inode(n)).collect();
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
        let inside = net_inode_of(pid).is_some_and(|i| inodes.contains(&i))
            || task_net_inodes(pid).iter().any(|i| inodes.contains(i));
        if inside
            && let Some(st) = proc_stat(pid)
            && group_alive(pid, &st)
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

/// Send `sig` to the process `pid` only if it is the one that started at
/// `start_time`. The process is held by a pidfd before its start time is
/// read, so a number freed and given to another process in between is
/// never signalled (the eleventh probe of issue 21). Where pidfds are not
/// available (kernels before 5.3), the number is signalled after the check.
pub fn signal_if_same(pid: i32, start_time: u64, sig: Signal) {
    if pid <= 1 {
        return;
    }
    // SAFETY: pidfd_open takes a PID and flags and returns a new descriptor.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) } as i32;
    if fd < 0 {
        if is_alive(pid, start_time) {
            let _ = kill(Pid::from_raw(pid), sig);
        }
        return;
    }
    // SAFETY: fd was just returned to us and is owned here only.
    let fd = unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
    if is_alive(pid, start_time) {
        // SAFETY: a pidfd we own, a signal number, no siginfo, no flags.
        unsafe {
            libc::syscall(
                libc::SYS_pidfd_send_signal,
                std::os::fd::AsRawFd::as_raw_fd(&fd),
                sig as i32,
                std::ptr::null::<libc::siginfo_t>(),
                0,
            );
        }
    }
}

/// Stop processes: SIGTERM, up to `grace` for them to exit, then SIGKILL.
/// A PID whose start time differs is another process and is left alone.
/// Returns the processes still alive at the end (none, normally).
pub fn stop(procs: &[(i32, u64)], grace: Duration) -> Vec<i32> {
    let signal = |sig: Signal| {
        for &(pid, st) in procs {
            signal_if_same(pid, st, sig);
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
    log_owner: Option<(u32, u32)>,
) -> Result<(i32, u64)> {
    use std::io::Read;
    use std::os::unix::process::CommandExt;
    let shown = format!("{} (in netns {netns})", exec::display(&cmd));
    // In the pod's own folder: a link made there is not followed, and a
    // FIFO the pod made there is not waited on (`apply` hung on one).
    let out =
        crate::input_file::open_regular(std::fs::OpenOptions::new().create(true).append(true), log)
            .map_err(|e| {
                LabError::io(format!("opening {} (made by the pod?)", log.display()), e)
            })?;
    // The log is the daemon's own output: its owner's (a pod's root).
    if let Some((uid, gid)) = log_owner {
        std::os::unix::fs::fchown(&out, Some(uid), Some(gid))
            .map_err(|e| LabError::io(format!("giving {} to the pod", log.display()), e))?;
    }
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
    // Nothing of the caller's environment (a CI runner's tokens) reaches the
    // daemon, whose root in the pod reads its `/proc/1/environ`.
    cmd.env_clear()
        .envs(super::super::session::ENV.iter().copied());
    cmd.stdin(Stdio::null()).stdout(out).stderr(err);
    match node {
        // Entering a node makes a session of its own (see `enter`).
        Some(_) => {
            cmd.process_group(0);
        }
        // A session of its own: no terminal of the caller's (the guard
        // held the terminal `lab up` ran in).
        None => {
            // SAFETY: setsid is async-signal-safe.
            unsafe {
                cmd.pre_exec(|| {
                    nix::unistd::setsid().map_err(std::io::Error::from)?;
                    Ok(())
                });
            }
        }
    }
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

/// A started daemon's (host) PID and start time, or why it did not start.
pub type Started = Result<(i32, u64)>;

/// A daemon to start with [`spawn_daemons`].
pub struct Daemon {
    pub program: String,
    pub args: Vec<String>,
    pub netns: String,
    pub node: Option<NodeSetup>,
    pub log: std::path::PathBuf,
    /// Who owns the log on the host (a pod's root: see `ids`).
    pub log_owner: Option<(u32, u32)>,
}

/// How many daemons start at once: each start waits mostly on the kernel
/// (a mount namespace made and its copy of the host's tree detached, which
/// waits for an RCU grace period) and on the scheduler, not on a core.
pub const STARTING_AT_ONCE: usize = 16;

/// Start every daemon of `daemons` ([`spawn_daemon`]), [`STARTING_AT_ONCE`]
/// at a time; the results are in `daemons`' order.
pub fn spawn_daemons(daemons: &[Daemon]) -> Vec<Started> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Started>>> =
        Mutex::new((0..daemons.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..STARTING_AT_ONCE.min(daemons.len()) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(d) = daemons.get(i) else { break };
                    let mut cmd = Command::new(&d.program);
                    cmd.args(&d.args);
                    let r = spawn_daemon(cmd, &d.netns, d.node.as_ref(), &d.log, d.log_owner);
                    results.lock().expect("no panic holds it")[i] = Some(r);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("no panic holds it")
        .into_iter()
        .map(|r| r.expect("every daemon was started or failed"))
        .collect()
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
                start_time: 987654,
                flags: 4194560,
            })
        );
        // A task in exit() (PF_EXITING), a zombie: ending; a sleeper is not.
        let exiting = line.replace(" 4194560 ", " 4194564 ");
        assert!(parse_stat(&exiting).unwrap().ending());
        assert!(parse_stat(&line.replace(") S ", ") Z ")).unwrap().ending());
        assert!(!parse_stat(line).unwrap().ending());
        // A live process that is not ending is not waited for; one that
        // is gone is gone.
        let me = std::process::id() as i32;
        let st = proc_stat(me).unwrap().start_time;
        let t = Instant::now();
        assert!(!wait_while_ending(me, st, Duration::from_secs(5)));
        assert!(t.elapsed() < Duration::from_secs(1));
        assert!(wait_while_ending(me, st + 1, Duration::from_secs(5)));
        let me = proc_stat(std::process::id() as i32).unwrap();
        assert!(is_alive(std::process::id() as i32, me.start_time));
        assert!(
            !is_alive(std::process::id() as i32, me.start_time + 1),
            "another start time is another process"
        );
    }

    /// A recorded PID is signalled only while it is the process recorded:
    /// the same number with another start time is left running, the right
    /// one is stopped.
    #[test]
    fn stop_signals_only_the_process_that_was_recorded() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        let st = proc_stat(pid).unwrap().start_time;
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = std::thread::spawn(move || tx.send(child.wait().ok()));
        assert_eq!(stop(&[(pid, st + 1)], Duration::ZERO), Vec::<i32>::new());
        // A signalled `sleep` ends at once; one left alone runs its 30 s.
        assert!(
            rx.recv_timeout(Duration::from_secs(1)).is_err(),
            "another start time was signalled"
        );
        assert!(stop(&[(pid, st)], Duration::from_secs(2)).is_empty());
        assert!(!is_alive(pid, st), "the recorded process still runs");
        let _ = waiter.join();
    }
}
