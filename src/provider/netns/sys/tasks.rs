//! A process's threads (its tasks, `/proc/PID/task/TID`): a process is alive
//! while any of its threads runs, even when its main thread has ended alone.
//!
//! Why: a process whose main thread ends by itself (`SYS_exit`, or
//! `pthread_exit` in `main`) while another thread runs leaves its leader a
//! zombie (`Z` in `/proc/PID/stat`, its `ns/net` unreadable) and the process
//! running. probe21bd (finding 1) did this to PID 1 of a node's session:
//! `lab` looked only at leaders, passed over the `Z`, and the thread kept
//! `CAP_NET_ADMIN` over the node's namespace after a guard stop and after
//! `destroy` (which then failed on a busy cgroup, for good). `kill(TGID,
//! SIGKILL)` reaches every thread of the process, so such a process is
//! found and killed by its leader's PID like any other.

use super::procs::{ProcStat, parse_stat};

/// The stat of each thread of the process `pid` that has not ended (not a
/// zombie, not dead), by thread ID.
pub fn live_tasks(pid: i32) -> Vec<(i32, ProcStat)> {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return vec![];
    };
    dir.flatten()
        .filter_map(|e| {
            let tid: i32 = e.file_name().to_str()?.parse().ok()?;
            let text = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/stat")).ok()?;
            let st = parse_stat(&text)?;
            (!matches!(st.state, 'Z' | 'X')).then_some((tid, st))
        })
        .collect()
}

/// Whether the process whose leader reads `leader` (its `/proc/PID/stat`)
/// runs: its leader does, or (a leader that ended alone) one of its threads.
pub fn group_alive(pid: i32, leader: &ProcStat) -> bool {
    !matches!(leader.state, 'Z' | 'X') || !live_tasks(pid).is_empty()
}

/// Whether every thread of the process `pid` that has not ended is in
/// `exit()` (none left: ending too).
pub fn group_ending(pid: i32, leader: &ProcStat) -> bool {
    if !matches!(leader.state, 'Z' | 'X') && !leader.ending() {
        return false;
    }
    live_tasks(pid).iter().all(|(_, st)| st.ending())
}

/// The inodes of the network namespaces the threads of the process `pid`
/// run in (a zombie thread's cannot be read: it is in none).
pub fn task_net_inodes(pid: i32) -> Vec<u64> {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return vec![];
    };
    dir.flatten()
        .filter_map(|e| {
            let link = std::fs::read_link(e.path().join("ns/net")).ok()?;
            link.to_str()?
                .strip_prefix("net:[")?
                .strip_suffix(']')?
                .parse()
                .ok()
        })
        .collect()
}

/// The process (thread group) the thread `tid` belongs to: `Tgid:` of its
/// `/proc/TID/status`.
pub fn tgid_of(tid: i32) -> Option<i32> {
    let status = std::fs::read_to_string(format!("/proc/{tid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Tgid:"))?
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A process whose main thread ended alone while another runs: its
    /// leader is a zombie, the process is alive, and its thread is seen in
    /// this process's network namespace.
    #[test]
    fn a_process_whose_main_thread_ended_alone_is_alive() {
        let script = "import ctypes, threading, time\n\
                      threading.Thread(target=lambda: time.sleep(30)).start()\n\
                      ctypes.CDLL(None).syscall(60, 0)\n";
        let mut child = std::process::Command::new("python3")
            .args(["-c", script])
            .spawn()
            .expect("python3");
        let pid = child.id() as i32;
        let stat = |pid| {
            parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap()).unwrap()
        };
        let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while stat(pid).state != 'Z' {
            assert!(std::time::Instant::now() < until, "the leader never ended");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let leader = stat(pid);
        assert!(group_alive(pid, &leader), "a zombie leader's thread runs");
        assert!(!group_ending(pid, &leader));
        let mine = std::fs::read_link("/proc/self/ns/net").unwrap();
        let mine: u64 = mine.to_str().unwrap()[5..]
            .trim_end_matches(']')
            .parse()
            .unwrap();
        assert_eq!(task_net_inodes(pid), vec![mine]);
        let (tid, _) = live_tasks(pid)[0];
        assert_eq!(tgid_of(tid), Some(pid));
        assert!(super::super::procs::is_alive(pid, leader.start_time));
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::SIGKILL).unwrap();
        let _ = child.wait();
        assert!(!super::super::procs::is_alive(pid, leader.start_time));
    }
}
