//! Host damage found by probe21v (`docs/security-probe.md`, "probe21v"),
//! seen failing first.

use crate::labs::{TestLab, text};

/// Finding 1: every netlink, packet or raw socket receives its own copy
/// of what it is sent, whose head the kernel charges to no one while the
/// socket's buffer counts the whole packet: 150 unread netlink sockets with
/// 8 MiB buffers held 384 MB of the host's. A node's namespace holds at
/// most a bound of such sockets (the rest are refused with `ENOBUFS`, and
/// one closed makes room), and their receive buffers are at most
/// `RECEIVE_BUFFER_BYTES` (doubled by the kernel), where a UDP socket's
/// are what the host allows. Seen failing with the filter letting the
/// calls through: 400 netlink sockets made, buffers of 8 MiB.
#[test]
fn a_nodes_sockets_that_receive_copies_are_bounded() {
    let lab = TestLab::chapter4("recv21v");
    lab.up(&[]);
    let bound = lab::provider::netns::table_bounds::RECEIVING_SOCKETS_A_NAMESPACE_HOLDS;
    let most = lab::provider::netns::table_bounds::RECEIVE_BUFFER_BYTES;
    let script = r#"python3 - <<'PY'
import socket, errno
made, refused = [], None
for i in range(400):
    try:
        made.append(socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0))
    except OSError as e:
        refused = errno.errorcode.get(e.errno)
        break
print("made", len(made), "refused", refused)
made.pop().close()
again = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
print("again", again.fileno() > 0)
for m in made[:40]:
    m.close()
n = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
n.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
print("netlink", n.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))
print("udp", u.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))
PY"#;
    let out = text(&lab.ssh("node1", script));
    let field = |name: &str| -> String {
        out.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no {name} in:\n{out}"))
            .to_string()
    };
    let made: usize = field("made").split(' ').next().unwrap().parse().unwrap();
    assert!(made < bound && made + 16 > bound, "{out}");
    assert!(field("made").ends_with("refused ENOBUFS"), "{out}");
    assert_eq!(field("again"), "True", "{out}");
    let netlink: i32 = field("netlink").parse().unwrap();
    assert!(netlink <= 2 * most, "{out}");
    let host_most: i32 = std::fs::read_to_string("/proc/sys/net/core/rmem_max")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let udp: i32 = field("udp").parse().unwrap();
    assert_eq!(udp, 2 * host_most.min(4 << 20), "{out}");
    // The guard says so at its next sweep.
    let said = "netlink, packet or raw sockets refused";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !crate::guard::guard_log(&lab).contains(said) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let log = crate::guard::guard_log(&lab);
    assert!(log.contains(said), "{log}");
}
