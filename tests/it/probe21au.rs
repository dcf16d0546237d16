//! probe21au (`docs/security-probe.md`, "probe21au session"): the guard
//! counted a node's policy routing rules with a whole dump, n² work for the
//! kernel in the guard's one thread (233,000 rules: 9.6 s in which it
//! answered no node); and a process killed inside one `sendmmsg()` of many
//! long netlink sends ran 75 s after `SIGKILL`. Seen failing first.

use crate::guard::guard_log;
use crate::labs::{TestLab, text};
use crate::probe21ar_batch::counted;
use std::io::BufRead;
use std::time::{Duration, Instant};

/// node2: opens a netlink socket (handed to the guard) every 20 ms for
/// `secs` seconds, says "waiting" when it starts, then prints its longest
/// wait in milliseconds.
const SOCKET_WAITS: &str = r#"python3 -c "
import socket, time, sys
secs = float(sys.argv[1])
print('waiting', flush=True)
most, end = 0.0, time.monotonic() + secs
while time.monotonic() < end:
    t = time.monotonic()
    socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0).close()
    most = max(most, time.monotonic() - t)
    time.sleep(0.02)
print('%d' % (most * 1000), flush=True)
" "#;

/// node1: adds `N` policy routing rules ("lookup main", distinct
/// priorities from high down, each inserted near the head: O(1)) in sends
/// as long as its netlink send buffer lets it, then says "added".
const RULES: &str = r#"python3 -c "
import socket, struct
N = 200000
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
s.bind((0, 0))
per = (s.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) - 64) // 44
def msg(pref):
    body = struct.pack('=BBBBBBBBI', 2, 0, 0, 0, 0, 0, 0, 1, 0)
    attrs = struct.pack('=HHI', 8, 6, pref) + struct.pack('=HHI', 8, 15, 254)
    return struct.pack('=IHHII', 44, 32, 0x401, 0, 0) + body + attrs
pref, left = 4000000, N
while left > 0:
    k = min(per, left)
    s.send(b''.join(msg(pref - i) for i in range(k)))
    pref, left = pref - k, left - k
print('added', flush=True)
""#;

/// Finding 1: while node1 adds 200,000 policy routing rules, node1 is
/// stopped on a count read only just past the bound (the first chunks of
/// the dump), not after a whole dump (O(n²) in the kernel, during which
/// the guard answered no other node). Seen failing with the whole dump read
/// (`count_if_changed` not ending at the bound): the guard logged 4,844
/// rules (120,005 with the filter's send buffer bound off too, and node2
/// waited 2,060 ms). With the fix it logs about 600. node2's longest wait
/// on the guard is printed, not asserted (a timing; it was 13 ms to 4.5 s:
/// the stop itself, with sends under way under the memory hold, can take
/// the guard that long, left for later).
#[test]
fn the_guard_stops_counting_rules_just_past_the_bound() {
    let lab = TestLab::chapter4("rule21au");
    lab.up(&[]);
    let mut waits = lab.ssh_spawn("node2", &format!("{SOCKET_WAITS} 8"));
    let mut out = std::io::BufReader::new(waits.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "waiting");
    std::thread::sleep(Duration::from_millis(500));
    let _ = lab.ssh("node1", RULES);
    let node = format!("{}.node1: ", lab.name);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut log = guard_log(&lab);
    while counted(&log, &node).is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        log = guard_log(&lab);
    }
    line.clear();
    out.read_line(&mut line).unwrap();
    let _ = waits.wait();
    let most: u64 = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{line:?}\n{log}"));
    let n = counted(&log, &node).unwrap_or_else(|| panic!("node1 was not stopped:\n{log}"));
    eprintln!("node2 waited at most {most} ms; the guard counted {n} rules");
    assert!(
        n < 2_000,
        "the guard read {n} rules before stopping node1:\n{log}"
    );
    let out = lab.lab(&["destroy", &lab.name]);
    assert!(out.status.success(), "{}", text(&out));
}

/// Finding 2: what one process of a node can have in flight in the kernel
/// is bounded: `sendmmsg()` of more than two messages and the forced buffer
/// options are refused, and a netlink socket's send buffer stays at the
/// default (212,992 bytes) whatever it asks; a UDP socket's is not bounded
/// by the guard, and the resolver's two-message `sendmmsg()` works. Seen
/// failing with the filter's new rules off: a netlink send buffer of
/// 8,388,608 bytes, and `sendmmsg()` of 1,024 messages went through.
#[test]
fn a_node_process_has_little_in_flight_in_the_kernel() {
    let lab = TestLab::chapter4("flight21au");
    lab.up(&[]);
    let probe = r#"python3 -c "
import ctypes, errno, socket
libc = ctypes.CDLL(None, use_errno=True)
def err(f):
    try:
        f(); return 'ok'
    except OSError as e:
        return errno.errorcode[e.errno]
n = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
n.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r.bind(('127.0.0.1', 0))
u.connect(r.getsockname())
class iovec(ctypes.Structure): _fields_ = [('b', ctypes.c_void_p), ('l', ctypes.c_size_t)]
class msghdr(ctypes.Structure): _fields_ = [('name', ctypes.c_void_p), ('nl', ctypes.c_uint), ('iov', ctypes.POINTER(iovec)), ('iovlen', ctypes.c_size_t), ('c', ctypes.c_void_p), ('cl', ctypes.c_size_t), ('f', ctypes.c_int)]
class mmsghdr(ctypes.Structure): _fields_ = [('h', msghdr), ('len', ctypes.c_uint)]
b = ctypes.create_string_buffer(b'x')
iov = iovec(ctypes.cast(b, ctypes.c_void_p), 1)
def mm(k):
    a = (mmsghdr * k)()
    for m in a:
        m.h.iov = ctypes.pointer(iov); m.h.iovlen = 1
    r = libc.sendmmsg(u.fileno(), a, k, 0)
    return str(r) if r >= 0 else errno.errorcode[ctypes.get_errno()]
print(n.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF), u.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) > 212992,
      err(lambda: n.setsockopt(socket.SOL_SOCKET, 32, 64 << 20)), err(lambda: n.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)),
      mm(2), mm(3), mm(1024))
""#;
    let out = lab.ssh("node1", probe);
    let got = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert_eq!(
        got,
        "212992 True EPERM EPERM 2 EPERM EPERM",
        "{}\n{}",
        text(&out),
        guard_log(&lab)
    );
    // Ordinary programs: ip, ping, and a name the resolver looks up.
    let out = lab.ssh(
        "node1",
        "ip -br addr >/dev/null && ip rule >/dev/null && ping -c1 -W2 node2 >/dev/null && \
         getent ahosts node2 >/dev/null && echo fine",
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "fine",
        "{}",
        text(&out)
    );
    let out = lab.lab(&["destroy", &lab.name]);
    assert!(out.status.success(), "{}", text(&out));
}
