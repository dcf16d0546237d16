//! Host damage found by probe21v (`docs/security-probe.md`, "probe21v"),
//! seen failing first.

use crate::labs::{TestLab, namespaces_of, text};

/// Finding 2: any process may add TCP MD5 keys to a socket (no
/// capability), each kernel memory charged to no one, up to the socket's
/// option memory (`net.core.optmem_max`, per namespace since Linux 6.9,
/// 128 KiB): 963 keys a socket, and 1500 sockets held 281 MB of the host's.
/// Every namespace of a lab now has 20 KiB, which the node cannot raise
/// (its `/proc/sys/net/core` is read-only), and the host's is unchanged.
/// Seen failing with the sysctl left out: 963 keys, 131072 everywhere.
#[test]
fn a_socket_takes_md5_keys_only_up_to_the_labs_option_memory() {
    let host = std::fs::read_to_string("/proc/sys/net/core/optmem_max").unwrap();
    let lab = TestLab::chapter4("md5s21v");
    lab.up(&[]);
    let script = r#"cat > /root/md5.py <<'PY'
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
n = 0
while n < 5000:
    addr = struct.pack('=H2s4s', socket.AF_INET, b'', bytes([10, n >> 16 & 255, n >> 8 & 255, n & 255]))
    opt = addr.ljust(128, b'\0') + struct.pack('=BBHi', 0, 0, 16, 0) + b'k' * 80
    try:
        s.setsockopt(socket.IPPROTO_TCP, 14, opt)  # TCP_MD5SIG
    except OSError:
        break
    n += 1
print(n)
PY
python3 /root/md5.py; echo 1000000 > /proc/sys/net/core/optmem_max || echo refused"#;
    let out = lab.ssh("node1", script);
    assert!(out.status.success(), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    let mut lines = said.lines();
    let keys: u32 = lines.next().unwrap_or("").trim().parse().unwrap();
    assert!(keys > 0 && keys <= 160, "MD5 keys a socket took: {keys}");
    assert_eq!(lines.next(), Some("refused"), "{}", text(&out));
    let want = lab::provider::netns::table_bounds::OPTMEM_MAX;
    let all = namespaces_of(&lab.name);
    assert!(all.len() >= 7, "{all:?}");
    for ns in all {
        let short = ns.strip_prefix(&format!("{}.", lab.name)).unwrap();
        let out = lab.in_ns(short, &["cat", "/proc/sys/net/core/optmem_max"]);
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), want, "{ns}");
    }
    assert_eq!(
        std::fs::read_to_string("/proc/sys/net/core/optmem_max").unwrap(),
        host,
        "the host's own"
    );
}

/// Finding 3: a node inherited `lab`'s limit of open files (20,000), which
/// is also the kernel's bound on the descriptors its uid keeps in flight on
/// unix sockets: node1 kept 19,000 in flight, and every descriptor it sent
/// then waited for the kernel's garbage collector, a host kworker busy a
/// core. Every process of a node and a pod now has 1024, soft and hard,
/// which it cannot raise, so a uid's sends stop at about 1024 in flight
/// (`ETOOMANYREFS`), below the 2024 past which a send waits for the
/// collector. Seen failing with the limit left out: 20000 and 20000, and
/// 20,240 in flight before `ETOOMANYREFS`.
#[test]
fn a_nodes_processes_keep_1024_files_and_as_many_in_flight() {
    let lab = TestLab::chapter4("fds21v");
    lab.up(&[]);
    let script = r#"cat > /root/fly.py <<'PY'
import array, errno, resource, socket
print(*resource.getrlimit(resource.RLIMIT_NOFILE))
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
a.setblocking(False)
fds = array.array('i', [b.fileno()] * 253)
n = 0
while True:
    try:
        a.sendmsg([b'x'], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)])
        n += 253
    except OSError as e:
        print(n, errno.errorcode[e.errno])
        break
try:
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 4096))
    print('raised')
except (ValueError, OSError):
    print('kept')
PY
python3 /root/fly.py; ulimit -Hn 4096 2>/dev/null || echo refused"#;
    let out = lab.ssh("node1", script);
    assert!(out.status.success(), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    let lines: Vec<&str> = said.lines().collect();
    assert_eq!(lines.first(), Some(&"1024 1024"), "{said}");
    let (sent, why) = lines
        .get(1)
        .and_then(|l| l.split_once(' '))
        .unwrap_or_else(|| panic!("{said}"));
    let sent: u32 = sent.parse().unwrap();
    assert_eq!(why, "ETOOMANYREFS", "{said}");
    assert!(sent <= 1024 + 253, "in flight: {sent}");
    assert_eq!(lines.get(2), Some(&"kept"), "{said}");
    assert_eq!(lines.get(3), Some(&"refused"), "{said}");
    // A pod's nginx, started by `up`, has the same.
    let pod = format!("pod.{}", lab.pod_on("node1").name);
    let pids = lab.pids_in(&pod);
    assert!(!pids.is_empty(), "no process in {pod}");
    for pid in pids {
        let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
        let line = limits
            .lines()
            .find(|l| l.starts_with("Max open files"))
            .unwrap();
        let n: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(&n[3..5], ["1024", "1024"], "{line}");
    }
}

/// Lesser: PIDs are one space for the whole host, and a node's cgroup let
/// it run 1024 processes whatever the host had: 31 nodes at their limit
/// would take all of a host's default 32,768, root's forks included. `up`
/// now cuts every node's and pod's process limit so that all of them at
/// their limit, and 1024 more for the host, fit what `kernel.pid_max`
/// leaves (1024 a node where they fit, as on a roomy host). Seen failing
/// with the limits left at 1024 and 128: 41 nodes and 2 pods took 42,240
/// of the 31,603 this host had free (counting processes, not threads).
#[test]
fn a_labs_process_limits_together_leave_the_host_its_pids() {
    let pid_max: u64 = std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let lab = TestLab::chapter4("pids21v");
    // Threads on the host, each a PID (`/proc/loadavg`'s total).
    let loadavg = std::fs::read_to_string("/proc/loadavg").unwrap();
    let total = loadavg.split_whitespace().nth(3).unwrap();
    let before: u64 = total.split_once('/').unwrap().1.parse().unwrap();
    lab.up(&["--nodes", "40"]);
    let prefix = format!("lab-{}.", lab.name);
    let limits: Vec<(String, u64)> = crate::labs::cgroups_of(&lab.name)
        .into_iter()
        .map(std::path::PathBuf::from)
        .filter_map(|d| {
            let max = std::fs::read_to_string(d.join("pids.max")).ok()?;
            let name = d.file_name()?.to_string_lossy().into_owned();
            Some((
                name.strip_prefix(&prefix)?.to_string(),
                max.trim().parse().ok()?,
            ))
        })
        .collect();
    assert_eq!(limits.len(), 43, "41 nodes and 2 pods: {limits:?}");
    let total: u64 = limits.iter().map(|(_, n)| n).sum();
    let host = lab::provider::netns::limits::HOST_PIDS;
    // What the host had free before `up`, give or take what started since
    // (other engineers' processes): a margin of 200.
    assert!(
        total + host <= pid_max.saturating_sub(before) + 200,
        "the lab's limits {total} and {host} for the host, of {pid_max} with {before} in use: {limits:?}"
    );
    for (name, n) in &limits {
        let least = if name.starts_with("pod.") { 8 } else { 64 };
        assert!(*n >= least, "{name}: {n}");
    }
    // The nodes still fork as far as their limit says.
    let out = lab.ssh(
        "node1",
        "for i in 1 2 3 4 5 6 7 8; do sleep 1 & done; wait; echo forked",
    );
    assert!(text(&out).contains("forked"), "{}", text(&out));
}
