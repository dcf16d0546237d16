//! Host damage found by probe21y (`docs/security-probe.md`, "probe21y"),
//! seen failing first. (Its first finding, nexthops added after the guard's
//! first sweeps, is in `guard`: the event socket that was never bound.)

use crate::labs::{TestLab, text};

/// An ICMP redirect for 172.16.0.5 (its route via 10.100.198.1 on
/// enp0s8) to 10.100.198.2, sent by node1 to itself over loopback, then
/// what `ip route get` says of 172.16.0.5.
const REDIRECT: &str = r#"ip neigh replace 10.100.198.1 lladdr 02:00:00:00:00:01 dev enp0s8 nud permanent
ip neigh replace 10.100.198.2 lladdr 02:00:00:00:00:02 dev enp0s8 nud permanent
ip route replace 172.16.0.0/16 via 10.100.198.1 dev enp0s8
python3 - <<'PY'
import socket, struct
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
def ip(src, dst, proto, payload):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return h + payload
inner = ip('10.100.198.201', '172.16.0.5', 1, struct.pack('!BBHHH', 0, 0, 0, 1, 1))
icmp = struct.pack('!BBH4s', 5, 1, 0, socket.inet_aton('10.100.198.2')) + inner
icmp = icmp[:2] + struct.pack('!H', csum(icmp)) + icmp[4:]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
for _ in range(10):
    s.sendto(ip('10.100.198.1', '127.0.0.1', 1, icmp), ('127.0.0.1', 0))
PY
sleep 0.2
ip route get 172.16.0.5"#;

/// Finding 2: node1's root turns ICMP redirects on, and each redirect it
/// sends itself makes a route exception of the host's (800,000: 54 MB).
/// The guard reads what each device takes, as the kernel decides it: a
/// forwarding device takes them only with `all` on too. With the devices'
/// own settings on and `all` off, the kernel takes none (shown) and node1
/// runs on; with `all` on, node1 is stopped. Seen failing with the
/// devices' settings not read: node1 stayed up.
#[test]
fn a_node_that_takes_icmp_redirects_is_stopped() {
    let lab = TestLab::chapter4("redir21y");
    lab.up(&[]);
    let on = |conf: &str| format!("echo 1 > /proc/sys/net/ipv4/conf/{conf}/accept_redirects");
    let devices_only = format!("{}; {}; {REDIRECT}", on("lo"), on("enp0s8"));
    let out = lab.ssh("node1", &devices_only);
    let said = text(&out);
    assert!(said.contains("172.16.0.5 via 10.100.198.1"), "{said}");
    assert!(!said.contains("redirected"), "{said}");
    std::thread::sleep(std::time::Duration::from_secs(3));
    assert!(
        crate::guard::node1_is_there(&lab),
        "{}",
        crate::guard::guard_log(&lab)
    );
    crate::guard::node1_stopped_after(
        &lab,
        &format!("{} && echo added", on("all")),
        "accepts ICMP redirects on lo",
        10,
    );
}

/// Finding 3: in TCP repair mode node1 set a connection's sequence numbers
/// itself, and the "fragmentation needed" it sent for it was taken: a
/// route exception each (300,000 in 7.4 s, 73 MB). Repair mode is refused
/// (`EPERM`); another TCP option is not. Seen failing with the filter's
/// rule left out: `repair 0`.
#[test]
fn a_nodes_root_gets_no_tcp_repair_mode() {
    let lab = TestLab::chapter4("repair21y");
    lab.up(&[]);
    let out = lab.ssh(
        "node1",
        r#"python3 -c "
import socket
s = socket.socket()
try:
    s.setsockopt(socket.IPPROTO_TCP, 19, 1)
    print('repair 0')
except OSError as e:
    print('repair', e.errno)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
print('nodelay ok')
""#,
    );
    let said = text(&out);
    assert!(said.contains(&format!("repair {}", libc::EPERM)), "{said}");
    assert!(said.contains("nodelay ok"), "{said}");
}
