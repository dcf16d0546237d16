//! probe21bd finding 1: a process whose main thread ended alone while
//! another thread runs (its leader a zombie, `Z`, its `ns/net` unreadable)
//! outlived `lab destroy` and a guard stop, with `CAP_NET_ADMIN` over the
//! node's namespace after its name was gone; `destroy` then failed on a
//! busy cgroup for good. The probe's node root got there by `ptrace`ing its
//! session's PID 1, which the nodes' filter now refuses (tested here too);
//! the tests below make such a process in node1's namespace and cgroups
//! from the host, so that what `lab` does with it is tested whatever the
//! way in.

use crate::labs::{TestLab, cgroups_of, namespaces_of, text};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Python that starts a thread (it runs 120 s) and ends its main thread
/// alone (`SYS_exit`, not `exit_group`).
const LEADER_ENDS_ALONE: &str = "import ctypes, threading, time\n\
     threading.Thread(target=lambda: time.sleep(120)).start()\n\
     ctypes.CDLL(None).syscall(60, 0)\n";

/// The state letter of each thread of `pid` (`/proc/PID/task/*/stat`).
fn thread_states(pid: i32) -> Vec<char> {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|t| {
            let stat = std::fs::read_to_string(t.path().join("stat")).ok()?;
            stat[stat.rfind(')')? + 2..].chars().next()
        })
        .collect()
}

/// The state letter of the leader of `pid` (`/proc/PID/stat`).
fn leader_state(pid: i32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 2..].chars().next()
}

/// Whether a thread of `pid` still runs (neither a zombie nor dead).
fn runs(pid: i32) -> bool {
    thread_states(pid).iter().any(|s| !matches!(s, 'Z' | 'X'))
}

/// A process of the lab's node `node` (in its network namespace and its
/// cgroups, a session of its own) whose main thread has ended while its
/// other thread runs: its host PID, once its leader reads `Z`.
fn leader_ended_alone_in(lab: &TestLab, node: &str) -> (Child, i32) {
    let ns = format!("{}.{node}", lab.name);
    let procs: Vec<String> = cgroups_of(&lab.name)
        .into_iter()
        .filter(|d| d.ends_with(&format!("/lab-{ns}")))
        .map(|d| format!("{d}/cgroup.procs"))
        .collect();
    assert!(!procs.is_empty(), "no cgroup of {ns}");
    // sh joins the cgroups (its PID is the process's to the end), then
    // execs nsenter, which execs python3 in the node's namespace.
    let mut cmd = Command::new("sh");
    cmd.args([
        "-c",
        "n=$1; shift; while [ \"$n\" -gt 0 ]; do echo $$ > \"$1\" || exit 1; shift; \
         n=$((n - 1)); done; exec nsenter \"$@\"",
        "sh",
        &procs.len().to_string(),
    ])
    .args(&procs)
    .args([
        &format!("--net=/run/netns/{ns}"),
        "--",
        "python3",
        "-c",
        LEADER_ENDS_ALONE,
    ])
    .stdin(Stdio::null())
    .process_group(0);
    let child = cmd.spawn().expect("sh");
    let pid = child.id() as i32;
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let states = thread_states(pid);
        if leader_state(pid) == Some('Z') && runs(pid) {
            break;
        }
        assert!(
            Instant::now() < until,
            "the leader of {pid} never ended alone: {states:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, pid)
}

/// Wait (at most `secs`) until no thread of `pid` runs; whether none does.
fn ends_within(pid: i32, secs: u64) -> bool {
    let until = Instant::now() + Duration::from_secs(secs);
    while runs(pid) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(100));
    }
    !runs(pid)
}

/// Kill what a failed test left (by the PID this test started).
fn kill_left(pid: i32, mut child: Child) {
    if runs(pid) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    let _ = child.wait();
}

/// `destroy` kills a node's process whose main thread ended alone, whether
/// its namespace still has its name (found by its thread's namespace) or
/// not (a `destroy` that failed after deleting the names, or `ip netns
/// del`: found in the node's cgroup), and leaves nothing: exit 0, no
/// namespace, no cgroup. Before: exit 3, "removing cgroup …: Device or
/// resource busy", both processes alive.
#[test]
fn destroy_kills_a_process_whose_main_thread_ended_alone() {
    let lab = TestLab::chapter4("al1");
    lab.up(&[]);
    let (named, named_pid) = leader_ended_alone_in(&lab, "node1");
    let (nameless, nameless_pid) = leader_ended_alone_in(&lab, "node2");
    let del = Command::new("ip")
        .args(["netns", "del", &format!("{}.node2", lab.name)])
        .output()
        .unwrap();
    assert!(del.status.success(), "{}", text(&del));
    let out = lab.lab(&["destroy", &lab.name]);
    let (left_named, left_nameless) = (runs(named_pid), runs(nameless_pid));
    kill_left(named_pid, named);
    kill_left(nameless_pid, nameless);
    assert!(out.status.success(), "destroy failed: {}", text(&out));
    assert!(
        !left_named && !left_nameless,
        "left running: in node1 {left_named}, in node2 (its name gone) {left_nameless}"
    );
    assert_eq!(namespaces_of(&lab.name), Vec::<String>::new());
    assert_eq!(cgroups_of(&lab.name), Vec::<String>::new());
}

/// A node's root attaches to nothing (`ptrace` of its session's PID 1, the
/// probe's way in) and writes no other process's memory
/// (`process_vm_writev`): both fail with `EPERM` (1). Before: the attach
/// returned 0.
const TRACE_PID_1: &str = "python3 -c '\
import ctypes, os\n\
libc = ctypes.CDLL(None, use_errno=True)\n\
r = libc.ptrace(16, 1, None, None)\n\
print(\"ptrace\", r, ctypes.get_errno())\n\
r = libc.process_vm_writev(1, None, 0, None, 0, 0)\n\
print(\"process_vm_writev\", r, ctypes.get_errno())\n\
'";

/// A guard stop kills a node's process whose main thread ended alone.
/// Before: the stop said nothing of it and it ran on. And a node's root
/// traces no process ([`TRACE_PID_1`]).
#[test]
fn a_guard_stop_kills_a_process_whose_main_thread_ended_alone() {
    let lab = TestLab::chapter4("al2");
    lab.up(&[]);
    let (child, pid) = leader_ended_alone_in(&lab, "node1");
    let _ = lab.ssh(
        "node1",
        "ip link add qc numtxqueues 2048 numrxqueues 2048 type veth peer name qd \
         numtxqueues 2048 numrxqueues 2048",
    );
    crate::guard::assert_node1_stopped(&lab, "queues on its network devices", 10);
    let ended = ends_within(pid, 10);
    let states = thread_states(pid);
    kill_left(pid, child);
    assert!(
        ended,
        "still running after the stop: {states:?}\n{}",
        crate::guard::guard_log(&lab)
    );
    let traced = text(&lab.ssh("node2", TRACE_PID_1));
    assert!(
        traced.contains("ptrace -1 1\n") && traced.contains("process_vm_writev -1 1\n"),
        "{traced}"
    );
}
