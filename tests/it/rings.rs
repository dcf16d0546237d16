//! A packet socket's ring is asked of the guard before the kernel makes it
//! (`guard::ring_requests`): one past the node's budget is refused with
//! nothing allocated, tcpdump's is made, and with the guard gone every ring
//! request fails (`ENOSYS`). Every entry hands its filter's listener to the
//! guard (a node's session, a probe, a pod's command, a pod's nginx) and
//! none of the node's processes keeps one.

use crate::guard::{guard_log, guard_of};
use crate::labs::{TestLab, text};
use lab::session::Session;
use std::time::{Duration, Instant};

/// A command that asks for an RX ring of `blocks` blocks of `size` bytes on
/// a new packet socket, says `made` or `errno N`, then lists the packet
/// sockets with their rings (`ss -0 -e`: `ring_rx(...)` for each ring).
fn ask_ring(size: u64, blocks: u64) -> String {
    format!(
        "python3 -c 'import socket, struct, subprocess
try:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.setsockopt(263, 5, struct.pack(\"IIII\", {size}, {blocks}, 2048, {size} * {blocks} // 2048))
    print(\"made\")
except OSError as e:
    print(\"errno\", e.errno)
print(subprocess.run([\"ss\", \"-0\", \"-a\", \"-n\", \"-e\"], capture_output=True, text=True).stdout)'"
    )
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// What processes `pids` hold of seccomp listeners, in all.
fn listeners_held(pids: &[i32]) -> usize {
    pids.iter()
        .flat_map(|pid| {
            std::fs::read_dir(format!("/proc/{pid}/fd"))
                .into_iter()
                .flatten()
        })
        .flatten()
        .filter(|e| {
            std::fs::read_link(e.path()).is_ok_and(|l| l.as_os_str() == "anon_inode:seccomp notify")
        })
        .count()
}

/// probe21n's finding 1, before the sweep: one `setsockopt` asked for
/// 2 GiB of ring and the kernel gave it at once, charged to no one. Now a
/// node's session, a probe and a pod's command each get `ENOMEM` for it,
/// their socket has no ring (the kernel's own list says so), and a 2 MiB
/// ring is made for each. Seen failing with the filter's ring rule
/// allowing the call: "made", and `ring_rx(blk_size:4194304,blk_nr:512...)`.
#[test]
fn a_ring_past_the_nodes_budget_is_refused_before_it_is_made() {
    let lab = TestLab::chapter4("ringnotif");
    lab.up(&[]);
    let big = ask_ring(4 << 20, 512);
    let small = ask_ring(1 << 20, 2);
    let refused = |what: &str, said: &str| {
        assert!(said.contains("errno 12"), "{what}: {said}");
        assert!(!said.contains("ring_rx"), "{what} holds a ring: {said}");
    };
    let made = |what: &str, said: &str| {
        assert!(said.contains("made"), "{what}: {said}");
        assert!(
            said.contains("ring_rx(blk_size:1048576,blk_nr:2"),
            "{what}: {said}"
        );
    };
    let out = lab.ssh("node1", &big);
    refused("a session of node1", &text(&out));
    made("a session of node1", &text(&lab.ssh("node1", &small)));
    let session = lab.node1_session();
    let pod = lab.pod_on("node1").pod_ref();
    runtime().block_on(async {
        for (what, o) in [
            ("a probe", session.output_net("node1", &big).await),
            ("a pod's command", session.pod_output(&pod, &big).await),
        ] {
            refused(what, &o.unwrap().text());
        }
        for (what, o) in [
            ("a probe", session.output_net("node1", &small).await),
            ("a pod's command", session.pod_output(&pod, &small).await),
        ] {
            made(what, &o.unwrap().text());
        }
    });
    // The guard says so, by namespace (the session's and the probe's are
    // node1's, the pod's its own), at its next sweeps.
    let said = |l: &str| {
        l.contains("packet ring requests refused, the biggest of 2048 MiB (its rings held 0 MiB")
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut log = guard_log(&lab);
    while Instant::now() < deadline {
        log = guard_log(&lab);
        let node1 = log.lines().any(|l| said(l) && l.contains(".node1: "));
        let pod = log.lines().any(|l| said(l) && l.contains("(a pod's)"));
        if node1 && pod {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("the guard's log says no refusal in node1 and its pod: {log}");
}

/// tcpdump (libpcap's `TPACKET_V3` ring, 2 MiB) captures in a node: its
/// ring, asked of the guard, is made. Seen failing with no listener handed
/// to the guard: "can't create rx ring on packet socket" (`ENOSYS`).
#[test]
fn tcpdumps_ring_is_made_in_a_node() {
    let lab = TestLab::chapter4("ringnotif");
    lab.up(&[]);
    let out = lab.ssh(
        "node1",
        "timeout 5 tcpdump -c 1 -i lo -w /tmp/lo.pcap 2>&1 | \
         { grep -q -m1 'listening on' && ss -0 -a -n -e && ping -c 2 -W 2 127.0.0.1 >/dev/null \
         && cat; }",
    );
    assert!(out.status.success(), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("1 packet captured"), "{}", text(&out));
    assert!(said.contains("ring_rx(blk_size:"), "{}", text(&out));
    assert!(!guard_log(&lab).contains("refused"), "{}", guard_log(&lab));
}

/// The guard holds every pod's nginx's listener and no process of a node
/// or pod holds one; with the guard gone, a ring request fails with
/// `ENOSYS`, in a session started before (its listener closed with the
/// guard) and in one started after (none handed over); so does making the
/// packet socket, now asked of the guard too (see `socket_requests`). Seen failing with
/// the filter's ring rule allowing the call: "made" both times.
#[test]
fn with_the_guard_gone_a_ring_request_fails_closed() {
    let lab = TestLab::chapter4("ringnotif");
    lab.up(&[]);
    let (pid, start) = guard_of(&lab).expect("a guard recorded");
    let pod = lab.pod_on("node1");
    let nginx = lab.pids_in(&format!("pod.{}", pod.name));
    assert!(!nginx.is_empty(), "no nginx in {}", pod.name);
    assert_eq!(listeners_held(&nginx), 0, "a pod's nginx holds a listener");
    // Each pod's listener reaches the guard over its socket as the pod
    // starts; under load the guard may take it in after `up` returned.
    let pods = lab::spec::load_file(&lab.file(), Default::default())
        .unwrap()
        .placements()
        .len();
    let deadline = Instant::now() + Duration::from_secs(10);
    while listeners_held(&[pid]) < pods && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        listeners_held(&[pid]) >= pods,
        "the guard holds no listener of the pods' nginx"
    );
    // A session of node1 that asks for a ring once /root/go is there,
    // waited for until the guard holds its listener.
    let held = listeners_held(&[pid]);
    let before = lab.ssh_spawn(
        "node1",
        &format!(
            "while [ ! -e /root/go ]; do sleep 0.1; done; {}",
            ask_ring(1 << 20, 2)
        ),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while listeners_held(&[pid]) <= held && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(listeners_held(&[pid]) > held, "the session's listener");
    assert_eq!(listeners_held(&lab.pids_in("node1")), 0);
    assert!(lab::provider::netns::sys::is_alive(pid, start));
    // SAFETY: a PID the lab recorded, whose start time was just checked.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    let deadline = Instant::now() + Duration::from_secs(5);
    while lab::provider::netns::sys::is_alive(pid, start) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let after = lab.ssh(
        "node1",
        &format!("touch /root/go; {}", ask_ring(1 << 20, 2)),
    );
    let before = before.wait_with_output().expect("the first session");
    for (what, out) in [("before", before), ("after", after)] {
        let said = text(&out);
        assert!(
            said.contains("errno 38"),
            "a session started {what}: {said}"
        );
        assert!(
            !said.contains("ring_rx"),
            "a session started {what}: {said}"
        );
    }
}
