//! Host damage found by probe21u (`docs/security-probe.md`, "probe21u"),
//! seen failing first.

use crate::labs::{TestLab, text};

/// Finding 1: socket filters, which any process may attach, are compiled
/// into the host's one budget of compiled BPF (`bpf_jit_limit`), charged
/// to no one: node1 took all of it with 9423 sockets of 4002-instruction
/// filters, and past it every unprivileged filter fails, every lab's
/// entries' seccomp filters included. The guard attaches a node's filters
/// itself: one past the instruction bound, or past the bound of sockets
/// with filters a node holds, is refused (`ENOPROTOOPT`); ping's still
/// attaches. Seen failing with the filter's rule letting the calls
/// through: every filter attached.
#[test]
fn socket_filters_past_a_nodes_bounds_are_refused_before_they_are_compiled() {
    let lab = TestLab::chapter4("filter21u");
    lab.up(&[]);
    let most = lab::provider::netns::table_bounds::SOCKET_FILTER_INSTRUCTIONS;
    let held = lab::provider::netns::table_bounds::SOCKET_FILTERS_A_NODE_HOLDS;
    // Attach a filter of `n` instructions (`ret #-1`) to each of `socks`
    // UDP sockets, kept open; say how many attached and how many failed
    // with ENOPROTOOPT.
    let script = |n: usize, socks: usize| {
        format!(
            r#"cat > /root/f.py <<'PY'
import ctypes, errno, socket, struct
prog = b''.join(struct.pack('HBBI', 0x06, 0, 0, 0xffffffff) for _ in range({n}))
buf = ctypes.create_string_buffer(prog)
fprog = struct.pack('HL', {n}, ctypes.addressof(buf))
socks, ok, refused = [], 0, 0
for i in range({socks}):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, 26, fprog)  # SO_ATTACH_FILTER
        ok += 1
    except OSError as e:
        refused += e.errno == errno.ENOPROTOOPT
    socks.append(s)
print(ok, refused)
PY
python3 /root/f.py"#
        )
    };
    let run = |n: usize, socks: usize| {
        let out = lab.ssh("node1", &script(n, socks));
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(
        run(most + 1, 1),
        "0 1",
        "a filter past the instruction bound"
    );
    assert_eq!(
        run(8, held + 20),
        format!("{held} 20"),
        "sockets past the bound"
    );
    // The sockets of a session gone are forgotten: a new one attaches.
    assert_eq!(run(8, 2), "2 0");
    // ping attaches its own and says nothing of it.
    let out = lab.ssh("node1", "ping -c 1 -W 2 10.244.1.2");
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("WARNING"), "{}", text(&out));
}

/// Finding 2: a node raised its neighbour parameters for a moment (a long
/// retransmit time, a long queue), queued packets for an address no one
/// holds, and put them back before the guard's next look: the entry stayed
/// unresolved for days, its packets queued, charged to no one. An entry
/// unresolved past what the host's parameters allow is removed with its
/// queue (or, when a sweep saw the raise, the node is stopped). Seen
/// failing with the look at unresolved neighbours left out: the entry
/// stayed.
#[test]
fn a_neighbour_left_unresolved_by_a_raise_undone_in_time_is_removed() {
    let lab = TestLab::chapter4("unres21u");
    lab.up(&[]);
    let script = r#"cat > /root/dodge.py <<'PY'
import socket, subprocess
sh = lambda c: subprocess.run(c, shell=True, check=True)
sh("ip link add u1 type veth peer name u2 && ip addr add 10.77.0.1/24 dev u1 "
   "&& ip link set u1 up && ip link set u2 up")
sh("ip ntable change name arp_cache dev u1 queue 60000 retrans 2000000000")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setblocking(False)
for i in range(100):
    try:
        s.sendto(b'x' * 30000, ('10.77.0.2', 9))
    except (BlockingIOError, PermissionError):
        # Past the lab's table of bounds' burst (5 to a next hop no machine
        # of the lab holds): those queued make the entry all the same.
        pass
sh("ip ntable change name arp_cache dev u1 queue 100 retrans 1000")
PY
python3 /root/dodge.py && ip neigh show 10.77.0.2"#;
    let out = lab.ssh("node1", script);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("INCOMPLETE"), "{}", text(&out));
    let unresolved = || {
        let out = lab.in_ns("node1", &["ip", "neigh", "show", "10.77.0.2"]);
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("INCOMPLETE")
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(25);
    while unresolved() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    assert!(
        !unresolved(),
        "still unresolved after 25 s\n{}",
        crate::guard::guard_log(&lab)
    );
    // Said at the sweep after the removal (a look between sweeps, which
    // the host's neighbours made ask for, removes it before the report).
    let said = || {
        let log = crate::guard::guard_log(&lab);
        log.contains("neighbours unresolved for more than")
            || log.contains(lab::provider::netns::guard::NODE_STOPPED)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !said() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert!(said(), "{}", crate::guard::guard_log(&lab));
}

/// Finding 3: some matches keep data for each rule outside the node's
/// limit (`-m connlimit` 4 KB: 40,000 rules held 172 MB of the host's). A
/// node within the bound of rules runs on; one past it is stopped. Seen
/// failing with the count left out: node1 stayed up with 4600 rules.
#[test]
fn a_node_past_its_bound_of_netfilter_rules_is_stopped() {
    let lab = TestLab::chapter4("rules21u");
    lab.up(&[]);
    let most = lab::provider::netns::table_bounds::RULES_A_NODE_KEEPS;
    // `batches` of 500 rules, each its own restore (nf_tables takes a
    // batch of at most a few thousand).
    let add = |from: u64, batches: u64| {
        format!(
            "for k in $(seq 0 {}); do (echo '*filter'; for i in $(seq 1 500); do \
             echo \"-A INPUT -p udp --dport $(({from} + k * 500 + i)) -j ACCEPT\"; done; \
             echo COMMIT) | iptables-restore --noflush || exit 1; done; echo added",
            batches - 1
        )
    };
    crate::guard::node1_stays_up_after(&lab, &add(10_000, 2), 7);
    // Said first: the count may stop node1 before the last batch is in.
    crate::guard::node1_stopped_after(
        &lab,
        &format!("echo added; {}", add(20_000, most / 500 + 1)),
        "netfilter rules, past the bound",
        15,
    );
}

/// Finding 4: a rule may add to a set from the packet path, and those
/// elements are kept outside the node's limit (a million, 61 MB of the
/// host's); the kernel bounds a set by the size the node declares. A node
/// whose sets declare room within the bound runs on; one past it is
/// stopped. Seen failing with the look left out: node1 stayed up with a
/// set of 4,000,000.
#[test]
fn a_node_whose_sets_declare_room_past_the_bound_is_stopped() {
    let lab = TestLab::chapter4("sets21u");
    lab.up(&[]);
    let room = lab::provider::netns::table_bounds::SET_ELEMENTS_A_NODE_DECLARES;
    // Two sets of the kernel's default size, one filled by a rule.
    crate::guard::node1_stays_up_after(
        &lab,
        "nft add table ip p21 && \
         nft add set ip p21 a '{ type ipv4_addr; size 65535; flags dynamic; }' && \
         nft add set ip p21 b '{ type ipv4_addr; size 65535; }' && \
         nft add chain ip p21 o '{ type filter hook output priority 0; }' && \
         nft add rule ip p21 o update @a '{ ip daddr }' && echo added",
        7,
    );
    // Said first: the events may stop node1 before the set's command ends.
    crate::guard::node1_stopped_after(
        &lab,
        &format!(
            "echo added; nft add table inet p21 && nft add set inet p21 c '{{ type ipv4_addr \
             . inet_service; size {room}; flags dynamic; }}'"
        ),
        "nf_tables sets declaring room",
        15,
    );
}

/// Lesser finding: a device keeps about 14 KB of the host's outside the
/// node's limit, and removing thousands at once holds the host's network
/// lock (2500 veth pairs: 0.56 s). A node within the bound of devices runs
/// on; one past it is stopped as it passes (a thousand pairs take 0.15 s,
/// less than a sweep). Seen failing with the count left out: node1 stayed
/// up with 1250 pairs.
#[test]
fn a_node_past_its_bound_of_devices_is_stopped() {
    let lab = TestLab::chapter4("devs21u");
    lab.up(&[]);
    let pairs = |from: usize, n: usize| {
        format!(
            "for i in $(seq {from} {}); do echo \"link add a$i type veth peer name b$i\"; done \
             | ip -batch - && echo added",
            from + n - 1
        )
    };
    crate::guard::node1_stays_up_after(&lab, &pairs(1, 50), 3);
    let most = lab::provider::netns::table_bounds::devices_a_node_holds(1);
    let _ = lab.ssh("node1", &pairs(100, most / 2 + 200));
    crate::guard::assert_node1_stopped(&lab, "network devices, past the bound", 10);
}

/// probe21w's lesser finding: a device's queues cost the host too (a veth
/// pair of 4096 transmit and 4096 receive queues at each end, about 15 MB
/// uncharged). A node whose devices hold queues past the bound is stopped,
/// under the bound of devices. Seen failing with the queues not summed:
/// node1 stayed up.
#[test]
fn a_node_whose_devices_hold_queues_past_the_bound_is_stopped() {
    let lab = TestLab::chapter4("queue21w");
    lab.up(&[]);
    crate::guard::node1_stays_up_after(
        &lab,
        "ip link add qa numtxqueues 8 numrxqueues 8 type veth peer name qb \
         numtxqueues 8 numrxqueues 8 && echo added",
        3,
    );
    let _ = lab.ssh(
        "node1",
        "ip link add qc numtxqueues 2048 numrxqueues 2048 type veth peer name qd \
         numtxqueues 2048 numrxqueues 2048",
    );
    crate::guard::assert_node1_stopped(&lab, "queues on its network devices", 10);
}

/// Probe21t's lesser finding, left open until now: `-j IDLETIMER --label
/// L` makes (or shares) the host's timer L, one set of names for every
/// namespace. A node with such a rule, by either iptables, is stopped.
/// Seen failing with the look at targets left out: node1 stayed up.
fn a_node_with_a_rule_naming_a_hosts_timer_is_stopped(prefix: &str, iptables: &str) {
    let lab = TestLab::chapter4(prefix);
    lab.up(&[]);
    crate::guard::node1_stays_up_after(
        &lab,
        &format!("{iptables} -A INPUT -p udp --dport 9 -j ACCEPT && echo added"),
        6,
    );
    crate::guard::node1_stopped_after(
        &lab,
        &format!(
            "{iptables} -A INPUT -j IDLETIMER --timeout 60 --label {} && echo added",
            lab.name
        ),
        "the target IDLETIMER",
        10,
    );
}

#[test]
fn a_node_with_an_nf_tables_rule_naming_a_hosts_timer_is_stopped() {
    a_node_with_a_rule_naming_a_hosts_timer_is_stopped("idle21n", "iptables");
}

#[test]
fn a_node_with_a_legacy_rule_naming_a_hosts_timer_is_stopped() {
    a_node_with_a_rule_naming_a_hosts_timer_is_stopped("idle21l", "iptables-legacy");
}
