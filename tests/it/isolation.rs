//! A node is a machine of its own: from `lab ssh LAB node1 -- …` root sees
//! no host process, cannot add a namespace to the host, sees no other lab's
//! namespaces and no host password hash, has no CAP_SYS_ADMIN, and what it
//! starts does not outlive `destroy`.

use crate::labs::{TestLab, text};
use std::path::Path;

/// Host processes whose command line holds `needle`.
fn host_processes_with(needle: &str) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
                .is_ok_and(|c| c.contains(needle))
        })
        .collect()
}

#[test]
fn a_node_cannot_reach_the_host() {
    let lab = TestLab::chapter4("iso");
    lab.up(&[]);
    let me = std::process::id();

    // No host process is visible or signalled.
    let out = lab.ssh("node1", &format!("kill -0 {me}"));
    assert!(
        !out.status.success(),
        "node1 signals host PID {me}: {}",
        text(&out)
    );

    // No namespace reaches the host.
    let intruder = format!("{}x", lab.name);
    let out = lab.ssh("node1", &format!("ip netns add {intruder}"));
    let made = Path::new("/run/netns").join(&intruder).exists();
    if made {
        let _ = std::process::Command::new("ip")
            .args(["netns", "del", &intruder])
            .status();
    }
    assert!(!made, "node1 added namespace {intruder} to the host");
    assert!(
        !out.status.success(),
        "ip netns add succeeded: {}",
        text(&out)
    );

    // The host's /run/netns (this lab's own and any other) is not the node's.
    let out = lab.ssh("node1", "ls -A /run/netns; ls -A /run");
    assert!(out.status.success(), "{}", text(&out));
    let seen = String::from_utf8_lossy(&out.stdout);
    assert!(
        !seen.contains(&format!("{}.", lab.name)),
        "node1 sees namespaces: {seen}"
    );
    assert!(
        !seen.lines().any(|l| l == "lab" || l == "lab-root"),
        "node1 sees /run/lab: {seen}"
    );

    // No host password hash.
    let out = lab.ssh("node1", "cat /etc/shadow");
    assert!(out.status.success(), "{}", text(&out));
    let shadow = String::from_utf8_lossy(&out.stdout).into_owned();
    let host = std::fs::read_to_string("/etc/shadow").unwrap();
    assert_ne!(shadow, host, "node1 reads the host's /etc/shadow");
    assert!(
        shadow
            .lines()
            .all(|l| !l.split(':').nth(1).unwrap_or("").starts_with('$')),
        "a password hash on node1: {shadow}"
    );
    assert!(shadow.lines().any(|l| l.starts_with("root:")), "{shadow}");

    // Root in the node has its network, not the host's administration.
    let out = lab.ssh("node1", "grep CapEff /proc/self/status");
    let caps = String::from_utf8_lossy(&out.stdout);
    let eff = u64::from_str_radix(caps.split_whitespace().nth(1).unwrap_or("x"), 16)
        .unwrap_or_else(|_| panic!("CapEff: {}", text(&out)));
    assert_eq!(eff & (1 << 21), 0, "CAP_SYS_ADMIN on node1: {eff:x}");
    assert_eq!(eff & (1 << 19), 0, "CAP_SYS_PTRACE on node1: {eff:x}");
    assert_eq!(eff & (1 << 16), 0, "CAP_SYS_MODULE on node1: {eff:x}");
    assert_ne!(eff & (1 << 12), 0, "no CAP_NET_ADMIN on node1: {eff:x}");
    assert_ne!(eff & (1 << 13), 0, "no CAP_NET_RAW on node1: {eff:x}");
    // Its /dev has no block device; /proc shows its own processes.
    let out = lab.ssh(
        "node1",
        "find /dev -type b | wc -l; ls /proc | grep -c '^[0-9]'",
    );
    let counts: Vec<u32> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    assert_eq!(
        counts.first(),
        Some(&0),
        "block devices on node1: {}",
        text(&out)
    );
    assert!(
        counts.get(1).is_some_and(|&n| n < 20),
        "host processes in node1's /proc: {}",
        text(&out)
    );
    // The chapter's tools still work there.
    let out = lab.ssh(
        "node1",
        // The ping once tcpdump says it listens (not after a sleep); then
        // tcpdump's own count of what it caught.
        "ip -br link show flannel.1 && iptables-save >/dev/null && \
         timeout 5 tcpdump -c 1 -i lo -w /tmp/lo.pcap 2>&1 | \
         { grep -q -m1 'listening on' && ping -c 2 -W 2 127.0.0.1 >/dev/null && cat; }",
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 packet captured"),
        "{}",
        text(&out)
    );

    // What a node starts (even in a namespace of its own) ends with the lab.
    let tag = format!("{}", 100_000 + me % 100_000);
    let out = lab.ssh(
        "node1",
        &format!(
            "(setsid sleep {tag}1 </dev/null >/dev/null 2>&1 &); (unshare -n setsid sleep {tag}2 </dev/null >/dev/null 2>&1 &); true"
        ),
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = lab.lab(&["destroy", &lab.name]);
    assert!(out.status.success(), "{}", text(&out));
    let left = host_processes_with(&format!("sleep {tag}"));
    for pid in &left {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(*pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    assert_eq!(
        left,
        Vec::<i32>::new(),
        "processes of node1 outlived destroy"
    );
}

/// What a node writes is held in the lab's tmpfs, which has a size as a
/// VM's disk has: a node that writes more than it gets `ENOSPC`, and the
/// host's memory is not what runs out.
#[test]
fn a_node_that_fills_its_disk_gets_enospc_not_the_hosts_memory() {
    let lab = TestLab::chapter4("fill");
    lab.up(&[]);
    // Chapter 4's bound is 104 MiB for all its nodes and pods together.
    let out = lab.ssh(
        "node1",
        "dd if=/dev/zero of=/tmp/fill bs=1M count=400 2>&1; echo rc=$?",
    );
    let said = text(&out);
    assert!(said.contains("No space left on device"), "{said}");
    assert!(!said.contains("rc=0"), "{said}");
    let out = lab.ssh("node1", "du -m /tmp/fill | cut -f1; rm -f /tmp/fill");
    let held: u64 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{}", text(&out)));
    assert!(held <= 104, "node1 held {held} MiB");
    // Freed, the node writes again.
    let out = lab.ssh("node1", "echo ok > /tmp/small && cat /tmp/small");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("ok"),
        "{}",
        text(&out)
    );
}

/// A node's root may make a setuid file in its own files; no host user
/// may reach them (the lab's mount folder is root's alone), so none can
/// run it. And a pod's nginx answers its one page, 404 for any other
/// path (a check of a mistyped path is not a 200).
#[test]
fn a_host_user_cannot_reach_a_nodes_files_and_nginx_has_one_page() {
    let lab = TestLab::chapter4("suid");
    lab.up(&["--variant", "fixed"]);
    let out = lab.ssh(
        "node1",
        "cp /usr/bin/id /tmp/sid && chmod 4755 /tmp/sid && echo made",
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("made"),
        "{}",
        text(&out)
    );
    let sid = format!("/run/lab-root/{}/node1/tmp/sid", lab.name);
    assert!(Path::new(&sid).exists(), "{sid}");
    let out = std::process::Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "sh",
            "-c",
            &sid,
        ])
        .output()
        .unwrap();
    let said = text(&out);
    assert!(
        !out.status.success(),
        "a host user ran the node's setuid file: {said}"
    );
    assert!(!said.contains("euid=0"), "{said}");
    let out = lab.ssh(
        "node1",
        "curl -s -o /dev/null -o /dev/null -w '%{http_code} ' http://10.244.2.2/ http://10.244.2.2/nonexistent",
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "200 404",
        "{}",
        text(&out)
    );
}

/// A node's command that would stop the entry's PID 1: `ptrace(PTRACE_ATTACH,
/// 1)` (the same uid needs no `CAP_SYS_PTRACE`; it sends PID 1 a SIGSTOP a
/// signal from inside could not), then exits without waiting, which left
/// PID 1 stopped. The twentieth probe's script did this right after its
/// `process_vm_readv(1, …)`, and read it as a kill by seccomp. The nodes'
/// filter refuses `ptrace` now (probe21bd finding 1): it prints
/// `attached -1`, and the session still ends as it should.
const STOP_PID_1: &str = "python3 -c 'import ctypes; print(\"attached\", ctypes.CDLL(None).ptrace(16, 1, None, None), flush=True)'";

/// A command the nodes' seccomp filter kills: a system call of the 32-bit
/// ABI (`int 0x80`, getpid), from code of its own.
#[cfg(target_arch = "x86_64")]
const KILLED_BY_SECCOMP: &str = "python3 -c 'import ctypes, mmap; m = mmap.mmap(-1, 4096, prot=7); m.write(bytes([0xb8, 20, 0, 0, 0, 0xcd, 0x80, 0xc3])); ctypes.CFUNCTYPE(ctypes.c_long)(ctypes.addressof(ctypes.c_char.from_buffer(m)))()'";

/// `lab ssh LAB node1 -- cmd`, stopped (SIGTERM: ssh then ends its
/// `lab proxy`, and the node's entry with it) if it has not returned
/// within `bound`: its exit code, or `None` for that, and what it printed.
fn ssh_within(lab: &TestLab, cmd: &str, bound: std::time::Duration) -> (Option<i32>, String) {
    use std::io::Read;
    let mut ssh = lab
        .cmd()
        .args(["ssh", &lab.name, "node1", "--", cmd])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run lab ssh");
    let deadline = std::time::Instant::now() + bound;
    let code = loop {
        if let Some(s) = ssh.try_wait().unwrap() {
            break Some(s.code().unwrap_or(-1));
        }
        if std::time::Instant::now() >= deadline {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(ssh.id() as i32),
                nix::sys::signal::Signal::SIGTERM,
            );
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let _ = ssh.wait();
    let mut said = String::new();
    let _ = ssh.stdout.take().unwrap().read_to_string(&mut said);
    let _ = ssh.stderr.take().unwrap().read_to_string(&mut said);
    (code, said)
}

/// An entry's PID 1 (`sshd -i` for `lab ssh`, `sh -c` for a check's or a
/// book's command) that a node's command left stopped is resumed: the
/// session ends when its command does, with its status, and leaves no
/// zombie behind. Before, `lab ssh` waited until its ssh was killed (the
/// twentieth probe's "about 10 minutes"), and a session until its
/// deadline. A command the seccomp filter kills ends as a shell reports a
/// SIGSYS (159).
#[test]
fn a_command_that_stops_its_entrys_pid_1_still_ends_its_session() {
    let lab = TestLab::chapter4("stop1");
    lab.up(&[]);
    let bound = std::time::Duration::from_secs(60);
    for cmd in [
        STOP_PID_1.to_string(),
        format!("{STOP_PID_1}; echo after $?"),
    ] {
        let (code, said) = ssh_within(&lab, &cmd, bound);
        assert_eq!(
            code,
            Some(0),
            "`lab ssh -- {cmd}` did not return within {bound:?} (None) or failed: {said}"
        );
        assert!(
            said.contains("attached -1"),
            "`{cmd}`: ptrace of PID 1 was not refused: {said}"
        );
    }
    let session = lab.node1_session();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let cmd = format!("{STOP_PID_1}; echo after $?");
    let out = rt
        .block_on(lab::session::Session::output(&session, "node1", &cmd, None))
        .unwrap_or_else(|e| panic!("a session of `{cmd}`: {e}"));
    assert!(
        out.stdout.contains("attached -1") && out.stdout.contains("after 0"),
        "{}",
        out.text()
    );
    #[cfg(target_arch = "x86_64")]
    {
        let cmd = format!("{KILLED_BY_SECCOMP}; echo after $?");
        let (code, said) = ssh_within(&lab, &cmd, bound);
        assert_eq!(code, Some(0), "{said}");
        assert!(said.contains("after 159"), "{said}");
        let out = rt
            .block_on(lab::session::Session::output(
                &session,
                "node1",
                KILLED_BY_SECCOMP,
                None,
            ))
            .unwrap_or_else(|e| panic!("a session of the killed command: {e}"));
        assert_eq!(out.code, Some(159), "{}", out.text());
    }
}
