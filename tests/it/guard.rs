//! The guard of a lab's nodes' tables (`provider::netns::guard`): root in a
//! node adds static forwarding entries, VXLAN remotes, permanent and proxy
//! neighbours and multicast addresses, none of which the kernel bounds or
//! charges to the node (probe21i: 996,781 entries on one node's `cni0`,
//! 457 MB of the host's memory). Seen failing with the guard's step taken
//! out of `up`: node1 kept 4004 forwarding entries, 1506 neighbours, 1000
//! proxies and 312 multicast addresses (bound 288).

use crate::labs::{TestLab, alive, text};
use std::time::{Duration, Instant};

/// What node1's root adds: 3000 static entries on a `cni0` port, 1000
/// remotes of flannel.1's all-zero entry, 1500 permanent neighbours, 1000
/// proxies, and 300 multicast addresses (of which no event tells).
const FLOOD: &str = r#"set -e
port=$(ls /sys/class/net | grep '^veth' | head -n 1)
python3 - "$port" <<'PY'
import sys
port = sys.argv[1]
with open('/root/fdb', 'w') as f:
    for i in range(3000):
        f.write('fdb add 02:00:00:01:%02x:%02x dev %s master static\n' % (i >> 8, i & 255, port))
    for i in range(1000):
        f.write('fdb append 00:00:00:00:00:00 dev flannel.1 dst 10.77.%d.%d\n' % (i >> 8, i & 255))
with open('/root/neigh', 'w') as f:
    for i in range(1500):
        f.write('neigh add 10.99.%d.%d lladdr 02:00:00:02:00:01 dev cni0 nud permanent\n' % (i >> 8, i & 255))
    for i in range(1000):
        f.write('neigh add proxy 10.98.%d.%d dev cni0\n' % (i >> 8, i & 255))
PY
bridge -force -batch /root/fdb 2>/dev/null || true
ip -force -batch /root/neigh 2>/dev/null || true
i=0
while [ $i -lt 300 ]; do
  ip maddr add 01:00:5e:7e:$(printf '%02x:%02x' $((i / 256)) $((i % 256))) dev cni0 || true
  i=$((i + 1))
done
echo flooded"#;

/// Lines of a table listing in node1, read from the host, that `keep`.
fn rows(lab: &TestLab, cmd: &[&str], keep: fn(&str) -> bool) -> usize {
    let out = lab.in_ns("node1", cmd);
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| keep(l))
        .count()
}

/// Whether a `bridge fdb` line's MAC is a multicast address (its first
/// byte odd): one of a device's multicast addresses, counted apart.
fn multicast(line: &str) -> bool {
    u8::from_str_radix(&line[..2.min(line.len())], 16).is_ok_and(|b| b & 1 == 1)
}

/// node1's forwarding entries (multicast addresses apart), neighbours,
/// proxy neighbours and multicast addresses.
fn tables(lab: &TestLab) -> [usize; 4] {
    [
        rows(lab, &["bridge", "fdb", "show"], |l| !multicast(l)),
        rows(lab, &["ip", "neigh", "show"], |_| true),
        rows(lab, &["ip", "neigh", "show", "proxy"], |_| true),
        rows(lab, &["cat", "/proc/net/dev_mcast"], |_| true),
    ]
}

/// The guard's PID and start time, from the lab's state.
pub(crate) fn guard_of(lab: &TestLab) -> Option<(i32, u64)> {
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(lab.dir().join("state.json")).ok()?).ok()?;
    let p = state["provider_state"]["processes"]
        .as_array()?
        .iter()
        .find(|p| p["what"] == "guard")?;
    Some((p["pid"].as_i64()? as i32, p["start_time"].as_u64()?))
}

/// The guard's bound in chapter4 (3 nodes, one pod on the busiest).
fn chapter4_bound() -> usize {
    lab::provider::netns::table_bounds::entries_a_node_keeps(3, 1)
}

pub(crate) fn guard_log(lab: &TestLab) -> String {
    std::fs::read_to_string(lab.dir().join("guard.log")).unwrap_or_default()
}

/// Wait (at most 10 s) until every count `counts` reads in node1 is at most
/// `bound` and the guard's log has, for each `(starts, phrase)` of `said`,
/// a line of node1's that goes on with `starts` and holds `phrase`; then
/// assert both, `what` naming the counts.
fn assert_bounded(
    lab: &TestLab,
    bound: usize,
    what: &str,
    counts: impl Fn() -> Vec<usize>,
    said: &[(&str, String)],
) {
    let node1 = format!("{}.node1: ", lab.name);
    let reported = |log: &str| {
        said.iter().all(|(starts, phrase)| {
            log.lines().any(|l| {
                l.strip_prefix(&node1)
                    .is_some_and(|rest| rest.starts_with(starts) && rest.contains(phrase.as_str()))
            })
        })
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut now = counts();
    while (now.iter().any(|n| *n > bound) || !reported(&guard_log(lab)))
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(200));
        now = counts();
    }
    let log = guard_log(lab);
    assert!(
        now.iter().all(|n| *n <= bound),
        "node1's {what} hold {now:?} (bound {bound}); the guard's log:\n{log}"
    );
    assert!(reported(&log), "{log}");
}

#[test]
fn a_nodes_root_cannot_grow_its_tables_past_the_guards_bound() {
    let lab = TestLab::chapter4("guard");
    lab.up(&[]);
    let bound = chapter4_bound();
    let before = tables(&lab);
    assert!(before.iter().all(|n| *n < bound / 4), "{before:?}");
    let out = lab.ssh("node1", FLOOD);
    assert!(text(&out).contains("flooded"), "{}", text(&out));
    // Events are acted on at once; proxies and multicast addresses at the
    // guard's next sweep (every second), which reports what went. A
    // device's multicast addresses show in the sweep's dump of the
    // forwarding table too (probe21bj), which may take them first: they
    // are then reported as forwarding entries (their count is asserted
    // below all the same).
    let said = [
        "forwarding entries",
        "neighbour entries",
        "proxy neighbour entries",
    ]
    .map(|t| ("removed ", format!(" {t} past the bound of {bound}")));
    assert_bounded(
        &lab,
        bound,
        "forwarding, neighbour, proxy and multicast tables",
        || tables(&lab).to_vec(),
        &said,
    );
    // What the lab put there stays: node1 still reaches node2 and its pod.
    let pod = lab.pod_on("node1");
    let out = lab.ssh(
        "node1",
        &format!("ping -c 1 -W 2 10.100.198.202 && ping -c 1 -W 2 {}", pod.ip),
    );
    assert!(out.status.success(), "{}", text(&out));
}

/// The guard is a recorded process of the lab: `apply` starts it again if
/// it is gone, `destroy` stops it, and a `lab guard` with a name that is
/// not a lab's is refused.
#[test]
fn the_guard_lives_as_long_as_its_lab() {
    let lab = TestLab::chapter4("guardlife");
    lab.up(&[]);
    let (pid, start) = guard_of(&lab).expect("a guard recorded");
    assert!(alive(pid, start));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while alive(pid, start) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = lab.lab(&["apply", "--variant", "fixed", &lab.name]);
    assert!(out.status.success(), "{}", text(&out));
    let (again, again_start) = guard_of(&lab).expect("a guard recorded");
    assert_ne!((again, again_start), (pid, start));
    assert!(alive(again, again_start));
    let out = lab.lab(&["destroy", &lab.name]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!alive(again, again_start), "the guard outlived destroy");

    let socket = lab.state.path().join("guard-test.sock");
    let out = lab.lab(&[
        "guard",
        "--bound",
        "5",
        "--listeners",
        socket.to_str().unwrap(),
        "--owned-bounds",
        lab.state.path().to_str().unwrap(),
        &lab.name,
        "../x",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("not a lab's or a node's name"),
        "{}",
        text(&out)
    );
}

/// Root in node1 adds an HTB qdisc with 600 classes and 400 filters on a
/// veth of its own: traffic control objects are kernel memory no cgroup
/// is charged for (probe21l: 99,338 classes, 322 MB of the host's). Seen
/// failing with the guard's step taken out of `up`: node1 kept 1112
/// classes and filters (bound 288).
#[test]
fn a_nodes_root_cannot_grow_traffic_control_past_the_guards_bound() {
    let lab = TestLab::chapter4("guardtc");
    lab.up(&[]);
    let bound = chapter4_bound();
    let script = r#"set -e
python3 - <<'PY'
with open('/root/tc', 'w') as f:
    f.write('qdisc add dev tcx0 root handle 1: htb\n')
    for i in range(1, 601):
        f.write('class add dev tcx0 parent 1: classid 1:%x htb rate 1mbit\n' % i)
    for i in range(1, 401):
        f.write('filter add dev tcx0 parent 1: protocol ip prio %d u32 match ip dst 10.1.%d.%d flowid 1:1\n' % (i, i >> 8, i & 255))
PY
ip link add tcx0 type veth peer name tcx1
ip link set tcx0 up
tc -force -batch /root/tc 2>/dev/null || true
echo added"#;
    let out = lab.ssh("node1", script);
    assert!(text(&out).contains("added"), "{}", text(&out));
    let count = |what: &[&str], keep: fn(&str) -> bool| {
        let out = lab.in_ns("node1", what);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| keep(l))
            .count()
    };
    let objects = || {
        count(&["tc", "class", "show", "dev", "tcx0"], |_| true)
            + count(&["tc", "filter", "show", "dev", "tcx0"], |l| {
                l.contains("fh 8")
            })
    };
    let said = [(
        "removed ",
        format!("traffic control entries past the bound of {bound}"),
    )];
    assert_bounded(
        &lab,
        bound,
        "classes and filters",
        || vec![objects()],
        &said,
    );
}

/// Root in node1 adds 1000 IPsec policies: kernel memory no cgroup is
/// charged for (probe21m: 368,443 policies, 342 MB of the host's). The
/// guard flushes a node's policies past the bound. Seen failing with the
/// guard's step taken out of `up`: the 1000 stayed.
#[test]
fn a_nodes_root_cannot_grow_ipsec_policies_past_the_guards_bound() {
    let lab = TestLab::chapter4("guardx");
    lab.up(&[]);
    let bound = chapter4_bound();
    let script = r#"python3 -c "
for i in range(1000):
    print('xfrm policy add src 13.0.%d.%d/32 dst 10.0.0.4/32 dir fwd' % (i >> 8, i & 255))
" > /root/xfrm
ip -force -batch /root/xfrm 2>/dev/null || true
echo added"#;
    let out = lab.ssh("node1", script);
    assert!(text(&out).contains("added"), "{}", text(&out));
    let policies = || {
        let out = lab.in_ns("node1", &["ip", "xfrm", "policy", "show"]);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.starts_with("src "))
            .count()
    };
    let said = [(
        "",
        format!("IPsec policies or states past the bound of {bound}"),
    )];
    assert_bounded(&lab, bound, "IPsec policies", || vec![policies()], &said);
}

/// Whether node1's network namespace is still there.
pub(crate) fn node1_is_there(lab: &TestLab) -> bool {
    std::path::Path::new("/run/netns")
        .join(format!("{}.node1", lab.name))
        .exists()
}

/// Run `cmd` on node1 and assert it worked (it says "added").
fn added_on_node1(lab: &TestLab, cmd: &str) {
    let out = lab.ssh("node1", cmd);
    assert!(
        crate::labs::text(&out).contains("added"),
        "{}",
        crate::labs::text(&out)
    );
}

/// Run `cmd` on node1 ([`added_on_node1`]), give the guard `secs` to look,
/// and assert node1 is still there: what stays within a bound stops
/// nothing.
pub(crate) fn node1_stays_up_after(lab: &TestLab, cmd: &str, secs: u64) {
    added_on_node1(lab, cmd);
    std::thread::sleep(Duration::from_secs(secs));
    assert!(node1_is_there(lab), "{}", guard_log(lab));
}

/// Run `cmd` on node1 ([`added_on_node1`]), then [`assert_node1_stopped`].
pub(crate) fn node1_stopped_after(lab: &TestLab, cmd: &str, said: &str, secs: u64) {
    added_on_node1(lab, cmd);
    assert_node1_stopped(lab, said, secs);
}

/// Stop node1 the guard's quickest way (its neighbour table's proxy queue
/// raised past the host's), for tests of what a lab with a stopped node
/// does: [`node1_stopped_after`].
pub(crate) fn stop_node1(lab: &TestLab) {
    node1_stopped_after(
        lab,
        "ip ntable change name arp_cache dev cni0 proxy_queue 100000 && echo added",
        "arp_cache proxy_qlen 100000",
        10,
    );
}

/// Wait (at most `secs`) until node1 is gone and the guard's log says
/// `said`; then assert both, that node2 is still there, and that `lab
/// status` shows node1 `stopped_by_guard`.
pub(crate) fn assert_node1_stopped(lab: &TestLab, said: &str, secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while (node1_is_there(lab) || !guard_log(lab).contains(said)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    let log = guard_log(lab);
    assert!(
        !node1_is_there(lab),
        "node1 is still up; the guard's log:\n{log}"
    );
    assert!(
        log.lines()
            .any(|l| l.starts_with(&format!("{}.node1: ", lab.name)) && l.contains(said)),
        "{log}"
    );
    assert!(
        std::path::Path::new("/run/netns")
            .join(format!("{}.node2", lab.name))
            .exists(),
        "node2 went too:\n{log}"
    );
    let status = text(&lab.lab(&["status", &lab.name]));
    assert!(
        status
            .lines()
            .any(|l| l.starts_with("node1 ") && l.contains("stopped_by_guard")),
        "{status}"
    );
}

/// IPv4 routing tables: the kernel makes one even for a route it refuses,
/// charges it to no one and frees it only with its namespace (probe21m:
/// 131,000 tables, 56 MB of the host's, in a minute). A node past the bound
/// is stopped; one within it is not. Seen failing with the count taken out
/// of the guard's sweep: node1 stayed up with 400 tables more.
#[test]
fn a_node_that_makes_routing_tables_past_the_bound_is_stopped() {
    let lab = TestLab::chapter4("guardrt");
    lab.up(&[]);
    let bound = lab::provider::netns::table_bounds::ROUTING_TABLES_A_NODE_KEEPS;
    let tables = |from: usize, n: usize| {
        format!(
            r#"python3 -c "
for t in range({from}, {}):
    print('route add 192.0.2.0/24 via 198.51.100.1 table %d' % t)
" > /root/rt
ip -force -batch /root/rt 2>/dev/null || true
echo added"#,
            from + n
        )
    };
    // Within the bound: a few tables, kept through several sweeps.
    let out = lab.ssh("node1", &tables(1000, 20));
    assert!(text(&out).contains("added"), "{}", text(&out));
    std::thread::sleep(Duration::from_millis(2500));
    assert!(node1_is_there(&lab), "{}", guard_log(&lab));
    // Past it, by refused routes alone.
    let _ = lab.ssh("node1", &tables(2000, bound + 150));
    let said = format!("IPv4 routing tables or more, past the bound of {bound}");
    assert_node1_stopped(&lab, &said, 10);
}

/// Writes `/root/nh`: 2000 nexthop objects for `ip -batch`.
const NEXTHOPS: &str = r#"python3 -c "
for i in range(1, 2001):
    print('nexthop add id %d blackhole' % i)
" > /root/nh
"#;

/// Nexthop objects, IPv6 address labels and IPv6 routes: none bounded by
/// the kernel, none charged whole to the node (20,000 nexthops: 7.7 MB of
/// the host's in a third of a second). The guard dumps them at each sweep
/// and removes what is past the bound. Seen failing with the guard's dump
/// socket left unopened: node1 kept 2000 nexthops, 2010 labels and 2000
/// routes.
#[test]
fn a_nodes_root_cannot_grow_nexthops_labels_or_ipv6_routes_past_the_guards_bound() {
    let lab = TestLab::chapter4("guardnh");
    lab.up(&[]);
    let bound = chapter4_bound();
    let script = NEXTHOPS.to_string()
        + r#"python3 -c "
for i in range(1, 2001):
    print('addrlabel add prefix 2001:db8:%x::/48 label 5' % i)
" > /root/al
python3 -c "
for i in range(1, 2001):
    print('route add blackhole 2001:db9:%x::/48' % i)
" > /root/r6
ip -force -batch /root/nh 2>/dev/null || true
ip -force -batch /root/al 2>/dev/null || true
ip -6 -force -batch /root/r6 2>/dev/null || true
echo added"#;
    let out = lab.ssh("node1", &script);
    assert!(text(&out).contains("added"), "{}", text(&out));
    let counts = || {
        vec![
            rows(&lab, &["ip", "nexthop", "show"], |_| true),
            rows(&lab, &["ip", "addrlabel", "list"], |_| true),
            rows(&lab, &["ip", "-6", "route", "show", "table", "all"], |_| {
                true
            }),
        ]
    };
    let said = [
        (
            "removed ",
            format!("nexthop objects past the bound of {bound}"),
        ),
        (
            "removed ",
            format!("IPv6 address labels past the bound of {bound}"),
        ),
        ("removed ", format!("IPv6 routes past the bound of {bound}")),
    ];
    assert_bounded(
        &lab,
        bound,
        "nexthops, address labels and IPv6 routes",
        counts,
        &said,
    );
}

/// The same nexthops and multicast entries added after the guard's first
/// sweeps: both are dumped only after an event told of one, and the socket
/// that hears those events must be bound to hear any (probe21y: unbound, it
/// heard nothing, and 288,000 nexthops stayed). Seen failing with the
/// socket unbound: node1 kept 2000 nexthops.
#[test]
fn nexthops_and_multicast_entries_added_after_the_guards_first_sweeps_are_bounded() {
    let lab = TestLab::chapter4("guardnhlate");
    lab.up(&[]);
    let bound = chapter4_bound();
    // Three sweeps (one a second) go by first.
    std::thread::sleep(std::time::Duration::from_secs(3));
    let script = NEXTHOPS.to_string()
        + r#"python3 -c "
for i in range(1, 2001):
    print('mdb add dev brlate port vlate grp 239.1.%d.%d permanent' % (i // 256, i % 256))
" > /root/mdb
ip link add brlate type bridge mcast_hash_max 65536
ip link add vlate type veth peer name vlate2
ip link set vlate master brlate
ip link set brlate up; ip link set vlate up; ip link set vlate2 up
ip -force -batch /root/nh 2>/dev/null || true
bridge -force -batch /root/mdb 2>/dev/null || true
echo added"#;
    let out = lab.ssh("node1", &script);
    assert!(text(&out).contains("added"), "{}", text(&out));
    let counts = || {
        vec![
            rows(&lab, &["ip", "nexthop", "show"], |_| true),
            rows(&lab, &["bridge", "mdb", "show"], |l| l.contains(" grp ")),
        ]
    };
    let said = [
        (
            "removed ",
            format!("nexthop objects past the bound of {bound}"),
        ),
        (
            "removed ",
            format!("bridge multicast group entries past the bound of {bound}"),
        ),
    ];
    assert_bounded(
        &lab,
        bound,
        "late nexthops and multicast entries",
        counts,
        &said,
    );
}

/// Resilient nexthop groups: each group's table of buckets is the host's
/// memory (vmalloc), charged to no one; 65,535 buckets are 2 MB, made in
/// about a millisecond (probe21y: 190 groups, 350 MB; probe21aa: made
/// again in a loop, 435 MB at the peak while the guard trimmed them). A
/// group weighs one nexthop for each ten of its buckets, and one heavier
/// than the whole bound by itself has the node stopped, as its event comes.
/// Seen failing with groups weighing one: node1 stayed up.
#[test]
fn a_node_making_a_resilient_nexthop_group_of_thousands_of_buckets_is_stopped() {
    let lab = TestLab::chapter4("guardnhres");
    lab.up(&[]);
    std::thread::sleep(std::time::Duration::from_secs(2));
    let script = r#"python3 -c "
for i in range(3, 43):
    print('nexthop add id %d group 1/2 type resilient buckets 65535' % i)
" > /root/res
ip nexthop add id 1 dev enp0s8
ip nexthop add id 2 dev enp0s8
# Said first: the node may be stopped before the batch ends.
echo added
ip -force -batch /root/res >/dev/null 2>&1"#;
    crate::guard::node1_stopped_after(&lab, script, "a nexthop object weighing 6554 entries", 10);
}

/// Root in node1 makes four ipset sets of 9,000 elements each: elements are
/// kernel memory no cgroup is charged for (probe21m: 100,000 in 18 s,
/// 3.2 MB of the host's). The guard, which no event tells of them, counts
/// a node's elements at each sweep and flushes its sets past the bound;
/// the sets stay (one an iptables rule uses cannot be destroyed).
#[test]
fn a_nodes_root_cannot_grow_ipset_elements_past_the_guards_bound() {
    // A node runs the host's programs (its /usr is the host's).
    which::which("ipset").expect("ipset: `bash .ci/install` installs it");
    let lab = TestLab::chapter4("guardipset");
    lab.up(&[]);
    let bound = chapter4_bound();
    // Every set's header, read from the host: (sets, elements).
    let sets = || {
        let out = lab.in_ns("node1", &["ipset", "list", "-terse"]);
        assert!(out.status.success(), "{}", text(&out));
        let listed = String::from_utf8_lossy(&out.stdout).into_owned();
        let count = |l: &str| l.strip_prefix("Number of entries: ")?.parse::<usize>().ok();
        (
            listed.lines().filter(|l| l.starts_with("Name: ")).count(),
            listed.lines().filter_map(count).sum::<usize>(),
        )
    };
    assert_eq!(sets(), (0, 0), "the lab makes no ipset set");
    // Past the ipset bound (the lab's share of 64 MiB, 31,956 a node here):
    // four sets of 9,000.
    let bound = lab::provider::netns::table_bounds::ipset_elements_a_node_keeps(3, bound) as usize;
    let script = r#"python3 -c "
for s in range(4):
    print('create flood%d hash:ip maxelem 100000' % s)
    for i in range(9000):
        print('add flood%d 10.%d.%d.%d' % (s, s, i >> 8, i & 255))
" > /root/ipset
ipset restore < /root/ipset && echo added"#;
    let out = lab.ssh("node1", script);
    assert!(text(&out).contains("added"), "{}", text(&out));
    let said = [(
        "removed ",
        format!("ipset elements past the bound of {bound}"),
    )];
    assert_bounded(&lab, bound, "ipset sets", || vec![sets().1], &said);
    assert_eq!(sets().0, 4, "the sets are flushed, not destroyed");
}

/// A session of node1 running `script`, left running (its processes end
/// with it: kill the child to end it).
/// Whether the session the guard should have ended (`big`, given half a
/// second more) and the one it should have left (`small`) ended; both are
/// stopped after.
pub(crate) fn which_ended(
    mut big: std::process::Child,
    mut small: std::process::Child,
) -> (bool, bool) {
    let big_ended = big.try_wait().ok().flatten().is_some() || {
        std::thread::sleep(Duration::from_millis(500));
        big.try_wait().ok().flatten().is_some()
    };
    let small_ended = small.try_wait().ok().flatten().is_some();
    let _ = (big.kill(), small.kill(), big.wait(), small.wait());
    (big_ended, small_ended)
}

/// Wait (at most 20 s) until `path` exists in node1: what a session of
/// [`session_of_node1`] writes when it holds what it made.
pub(crate) fn wait_for_node1_file(lab: &TestLab, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let check = format!("test -e {path}");
    while !lab.ssh("node1", &check).status.success() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
}

pub(crate) fn session_of_node1(lab: &TestLab, script: &str) -> std::process::Child {
    lab.cmd()
        .args(["ssh", &lab.name, "node1", "--", script])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("lab ssh")
}

/// What holds a ring of `n` MiB in a packet socket for 30 s.
pub(crate) fn ring_holder(n: u64) -> String {
    format!(
        "import socket, struct, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
block = 1 << 20
s.setsockopt(263, 5, struct.pack('IIII', block, {n}, 2048, {n} * block // 2048))
time.sleep(30)"
    )
}

/// A process of the host's root in node1's network namespace, outside the
/// nodes' filter, running python's `code`: how a ring past the bound gets
/// there now that the guard refuses one asked past it (a ring made before
/// the guard answered ring requests; one no request made).
pub(crate) fn unfiltered_in_node1(lab: &TestLab, code: &str) -> std::process::Child {
    std::process::Command::new("ip")
        .args(["netns", "exec", &format!("{}.node1", lab.name)])
        .args(["python3", "-c", code])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("ip netns exec")
}

/// Packet sockets' rings: pages the kernel charges to no one (probe21n: six
/// sockets held 3.4 GB of the host's while node1 used 7.8 MB). The guard
/// refuses a node's request for one past the bound (`rings`); past it
/// still, it kills the processes holding the biggest rings; a ring within
/// it stays. Seen failing with the guard's list of packet sockets left
/// unopened: both rings stayed.
#[test]
fn a_nodes_packet_rings_past_the_bound_are_taken_from_their_holders() {
    let lab = TestLab::chapter4("guardring");
    lab.up(&[]);
    let bound = lab::provider::netns::table_bounds::PACKET_RING_BYTES_A_NODE_KEEPS;
    // A session of node1 whose process holds a ring of `n` MiB for 30 s (a
    // session's processes end with it), or a process outside the filter.
    let ring = |n: u64, filtered: bool| match filtered {
        true => session_of_node1(&lab, &format!("exec python3 -c \"{}\"", ring_holder(n))),
        false => unfiltered_in_node1(&lab, &ring_holder(n)),
    };
    // Packet sockets of node1 (ss's header apart).
    let sockets = || rows(&lab, &["ss", "-0", "-a", "-n"], |l| !l.starts_with("Netid"));
    let wait_for = |n: usize| {
        let deadline = Instant::now() + Duration::from_secs(10);
        while sockets() != n && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let small = ring((bound / 2) >> 20, true);
    wait_for(1);
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(
        sockets(),
        1,
        "a ring within the bound went: {}",
        guard_log(&lab)
    );
    let big = ring(bound >> 20, false);
    let said = format!("past the bound of {} MiB: 1 processes", bound >> 20);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !guard_log(&lab).contains(&said) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    let log = guard_log(&lab);
    let left = sockets();
    let (big_ended, small_ended) = which_ended(big, small);
    assert!(log.contains(&said), "{log}");
    assert_eq!(left, 1, "{log}");
    assert!(
        big_ended && !small_ended,
        "the bigger ring's session ended: {big_ended}, the smaller's: {small_ended}\n{log}"
    );
}

/// Packets held for a verdict (`-j NFQUEUE`): charged to no one, and the
/// queue's owner sets its length (probe21n: 4.6 GB of the host's). Past the
/// bound the guard kills the owners of the fullest queues; a queue within
/// it stays. Seen failing with the guard's lists of queues left unopened:
/// 2500 packets stayed queued and their owner ran on.
#[test]
fn packets_a_node_queues_past_the_bound_are_taken_from_their_owner() {
    let lab = TestLab::chapter4("guardq");
    lab.up(&[]);
    let bound = lab::provider::netns::table_bounds::PACKETS_A_NODE_QUEUES;
    // The owner of queue 8 (of 2^20 packets; notices read, never a
    // verdict given), in a session of its own.
    let owner = r#"cat > /root/q.py <<'PY'
import socket, struct, time
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
s.setsockopt(270, 5, 1)
s.bind((0, 0))
def msg(body): return struct.pack('=IHHII', 16 + len(body), (3 << 8) | 2, 1, 1, 0) + body
def attr(t, d): return struct.pack('=HH', 4 + len(d), t) + d + b'\0' * ((4 - len(d) % 4) % 4)
head = struct.pack('=BBH', 0, 0, socket.htons(8))
s.send(msg(head + attr(1, struct.pack('=BBH', 1, 0, socket.htons(2)))))
s.send(msg(head + attr(2, struct.pack('>IB', 64, 2))))
s.send(msg(head + attr(3, struct.pack('>I', 1 << 20))))
while True:
    try:
        s.recv(1 << 16)
    except OSError:
        pass
PY
iptables -t raw -I OUTPUT -o lo -p udp --dport 9999 -j NFQUEUE --queue-num 8
exec python3 /root/q.py"#;
    let mut owner = session_of_node1(&lab, owner);
    let queued = || {
        let out = lab.in_ns("node1", &["cat", "/proc/net/netfilter/nfnetlink_queue"]);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_whitespace().nth(2)?.parse::<u64>().ok())
            .sum::<u64>()
    };
    let queues = || {
        let out = lab.in_ns("node1", &["cat", "/proc/net/netfilter/nfnetlink_queue"]);
        String::from_utf8_lossy(&out.stdout).lines().count()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while queues() < 1 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    // A queued packet stays charged to its sender's socket until a verdict:
    // `n` sockets each send until their buffers are full (a few hundred).
    let send = |n: u64| {
        let out = lab.ssh(
            "node1",
            &format!(
                r#"python3 - <<'PY'
import socket
socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range({n})]
for s in socks:
    s.setblocking(False)
    for _ in range(1000):
        try:
            s.sendto(b'x', ('127.0.0.1', 9999))
        except BlockingIOError:
            break
print('sent')
PY"#
            ),
        );
        assert!(text(&out).contains("sent"), "{}", text(&out));
    };
    send(1);
    std::thread::sleep(Duration::from_millis(2500));
    let within = queued();
    assert!(
        within > 0 && within <= bound && owner.try_wait().ok().flatten().is_none(),
        "{within} queued; the guard's log:\n{}",
        guard_log(&lab)
    );
    send(12);
    let said = format!("held in netfilter queues, past the bound of {bound}: 1 processes");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !guard_log(&lab).contains(&said) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    let log = guard_log(&lab);
    let left = queued();
    let ended = owner.try_wait().ok().flatten().is_some() || {
        std::thread::sleep(Duration::from_millis(500));
        owner.try_wait().ok().flatten().is_some()
    };
    let _ = (owner.kill(), owner.wait());
    assert!(log.contains(&said), "{left} queued; {log}");
    assert!(
        left == 0 && ended,
        "{left} queued, owner ended: {ended}\n{log}"
    );
}

/// Multicast group entries on a bridge the node makes itself, whose hash
/// limit it raises (probe21n: 60,000 entries, 27 MB of the host's, the
/// node charged 0.3 MB). The guard dumps a node's entries after an event
/// tells of one and removes those past the bound. Seen failing with the
/// guard's dump socket left unopened: 2000 entries stayed.
#[test]
fn a_nodes_root_cannot_grow_bridge_multicast_entries_past_the_guards_bound() {
    let lab = TestLab::chapter4("guardmdb");
    lab.up(&[]);
    let bound = chapter4_bound();
    let script = r#"set -e
ip link add brq type bridge mcast_hash_max 65536
ip link add vq0 type veth peer name vq1
ip link set vq0 master brq
ip link set brq up
ip link set vq0 up
ip link set vq1 up
python3 -c "
for i in range(2000):
    print('mdb add dev brq port vq0 grp 239.1.%d.%d permanent' % (i >> 8, i & 255))
" > /root/mdb
bridge -force -batch /root/mdb 2>/dev/null || true
echo added"#;
    let out = lab.ssh("node1", script);
    assert!(text(&out).contains("added"), "{}", text(&out));
    let entries = || rows(&lab, &["bridge", "mdb", "show"], |l| l.contains(" grp "));
    let said = [(
        "removed ",
        format!("bridge multicast group entries past the bound of {bound}"),
    )];
    assert_bounded(
        &lab,
        bound,
        "bridge multicast entries",
        || vec![entries()],
        &said,
    );
}

/// The source-MAC counts of node1's macvlan devices `devices`, as `ip -d
/// link show` prints them ("remotes (N)").
fn source_macs(lab: &TestLab, devices: &[&str]) -> Vec<usize> {
    devices
        .iter()
        .map(|d| {
            let out = lab.in_ns("node1", &["ip", "-d", "link", "show", d]);
            assert!(out.status.success(), "{}", text(&out));
            let s = String::from_utf8_lossy(&out.stdout).to_string();
            s.split_once("remotes (")
                .and_then(|(_, r)| r.split_once(')'))
                .map_or(0, |(n, _)| n.parse().expect("a count"))
        })
        .collect()
}

#[test]
fn a_nodes_root_cannot_grow_macvlan_source_lists_past_the_guards_bound() {
    let lab = TestLab::chapter4("guardmacs");
    lab.up(&[]);
    let bound = chapter4_bound();
    // Each list set whole at once (the sweep sees it all or none of it):
    // a macvlan's of 200 MACs, under the bound, then another's of 4000,
    // whose description (48 KB) is past what a dump holds unless asked.
    // `ip` sets at most 80 at once; this sets a list whole, as `ip link
    // set DEV type KIND macaddr set MAC...` does.
    // The devices come after the guard's first sweeps found none: only the
    // event of their making has it look again.
    let script = r#"set -e
sleep 2.5
ip link add mt0 link enp0s8 type macvlan mode source
ip link add mv0 link enp0s8 type macvlan mode source
cat > /root/set.py <<'PY'
import socket, struct, sys
dev, kind, n = sys.argv[1], sys.argv[2].encode() + b"\0", int(sys.argv[3])
def attr(t, p):
    return struct.pack("HH", 4 + len(p), t) + p + b"\0" * (-len(p) % 4)
macs = b"".join(attr(4, bytes([2, n >> 8 & 255, 0, 0, i >> 8, i & 255])) for i in range(n))
data = attr(3, struct.pack("I", 3)) + attr(5 | 0x8000, macs)
info = attr(1, kind) + attr(2 | 0x8000, data)
body = struct.pack("BxHiII", 0, 0, socket.if_nametoindex(dev), 0, 0) + attr(18 | 0x8000, info)
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
s.send(struct.pack("IHHII", 16 + len(body), 16, 5, 1, 0) + body)
assert struct.unpack_from("i", s.recv(4096), 16)[0] == 0
PY
python3 /root/set.py mt0 macvlan 200
python3 /root/set.py mv0 macvlan 4000
echo added"#;
    let out = lab.ssh("node1", script);
    assert!(text(&out).contains("added"), "{}", text(&out));
    let said = [(
        "4200 source MACs",
        format!("past the bound of {bound}: the biggest lists flushed (1)"),
    )];
    assert_bounded(
        &lab,
        bound,
        "macvlan source MACs",
        || vec![source_macs(&lab, &["mt0", "mv0"]).iter().sum()],
        &said,
    );
    // The biggest list went; the one that fits stays.
    assert_eq!(source_macs(&lab, &["mt0", "mv0"]), [200, 0]);
}

/// probe21o, finding 5: a ring past the bound whose socket no process of
/// the node holds (sent over a unix socket and closed: it is in flight)
/// was found by no one, and the guard logged "0 processes … killed" at
/// every sweep while the ring stayed. A node whose rings or queues pass
/// the bound with no holder found is stopped, as one past its routing
/// tables is.
#[test]
fn a_node_whose_ring_past_the_bound_no_process_holds_is_stopped() {
    let lab = TestLab::chapter4("guardinfl");
    lab.up(&[]);
    let mib = (lab::provider::netns::table_bounds::PACKET_RING_BYTES_A_NODE_KEEPS >> 20) + 16;
    // Outside the filter (the guard refuses a node's request past the
    // bound): see [`unfiltered_in_node1`].
    let code = format!(
        "import array, socket, struct, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
block = 1 << 20
s.setsockopt(263, 5, struct.pack('IIII', block, {mib}, 2048, {mib} * block // 2048))
a, b = socket.socketpair()
a.sendmsg([b'x'], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [s.fileno()]))])
s.close()
time.sleep(30)"
    );
    let mut session = unfiltered_in_node1(&lab, &code);
    let said = "no process of the node holds";
    let deadline = Instant::now() + Duration::from_secs(15);
    while node1_is_there(&lab) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    let _ = (session.kill(), session.wait());
    assert_node1_stopped(&lab, said, 1);
}

/// probe21o, finding 4: `hashlimit` tables, each an array of buckets of the
/// rule's size (up to 8 MiB) charged to no one and kept while a rule uses
/// it (20 rules: 205 MB of the host's). A node past the bound of tables is
/// stopped; one within it is not. Seen failing with the lists left
/// unopened: node1 stayed up with 12 tables.
#[test]
fn a_node_that_makes_hashlimit_tables_past_the_bound_is_stopped() {
    let lab = TestLab::chapter4("guardhl");
    lab.up(&[]);
    let bound = lab::provider::netns::table_bounds::HASHLIMIT_TABLES_A_NODE_KEEPS;
    let rules = |from: usize, n: usize| {
        format!(
            "for i in $(seq {from} {}); do iptables -A INPUT -m hashlimit --hashlimit-name hl$i \
             --hashlimit-upto 10/sec --hashlimit-htable-size 16 -j ACCEPT; done; echo added",
            from + n - 1
        )
    };
    let out = lab.ssh("node1", &rules(1, bound / 2));
    assert!(text(&out).contains("added"), "{}", text(&out));
    std::thread::sleep(Duration::from_millis(2500));
    assert!(node1_is_there(&lab), "{}", guard_log(&lab));
    let _ = lab.ssh("node1", &rules(100, bound));
    let said = format!("hashlimit tables, past the bound of {bound}");
    assert_node1_stopped(&lab, &said, 10);
}

/// probe21o, lesser: a guard killed went unnoticed (`status` said the lab
/// was up, nothing more). Now `status` warns that the nodes' tables are not
/// bounded, and how to start the guard again.
#[test]
fn status_says_when_the_guard_is_not_running() {
    let lab = TestLab::chapter4("guarddead");
    lab.up(&[]);
    let quiet = lab.lab(&["status", &lab.name]);
    assert!(!text(&quiet).contains("not running"), "{}", text(&quiet));
    let (pid, start) = guard_of(&lab).expect("a guard recorded");
    assert!(lab::provider::netns::sys::is_alive(pid, start));
    // SAFETY: a PID the lab recorded, whose start time was just checked.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    let deadline = Instant::now() + Duration::from_secs(5);
    while lab::provider::netns::sys::is_alive(pid, start) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = lab.lab(&["status", &lab.name]);
    assert!(out.status.success(), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("guard") && said.contains("not running"),
        "{}",
        text(&out)
    );
    let json = lab.lab(&["status", &lab.name, "-o", "json"]);
    assert!(String::from_utf8_lossy(&json.stderr).contains("not running"));
    assert!(serde_json::from_slice::<serde_json::Value>(&json.stdout).is_ok());
}

/// probe21o, lesser: netfilter accounting objects and conntrack timeout
/// policies, charged to no one and kept until removed (171,313 objects in
/// 300 s). Past the bound the guard removes every one no rule uses. Seen
/// failing with the guard's netfilter socket left unopened: 400 and 400.
#[test]
fn a_nodes_root_cannot_grow_nfacct_objects_or_timeout_policies_past_the_guards_bound() {
    let lab = TestLab::chapter4("guardnfo");
    lab.up(&[]);
    let bound = chapter4_bound();
    // `make N` makes N of each (one message each, as nfacct and nfct
    // send); `count` prints how many of each there are.
    let script = r#"cat > /root/nfo.py <<'PY'
import socket, struct, sys
def attr(t, p):
    return struct.pack("HH", 4 + len(p), t) + p + b"\0" * (-len(p) % 4)
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)
def send(ty, flags, body):
    s.send(struct.pack("IHHII", 20 + len(body), ty, flags, 1, 0) + b"\0\0\0\0" + body)
if sys.argv[1] == "make":
    for i in range(int(sys.argv[2])):
        send(0x700, 0x401, attr(1, b"acct%d\0" % i))
        data = attr(1 | 0x8000, struct.pack(">I", 30))
        send(0x800, 0x401, attr(1, b"tmo%d\0" % i) + attr(2, struct.pack(">H", 2)) + attr(3, b"\x11") + attr(4 | 0x8000, data))
    print("made")
else:
    out = []
    for sub in (7, 8):
        send((sub << 8) | 1, 0x301, b"")
        n, done = 0, False
        while not done:
            b = s.recv(1 << 20)
            at = 0
            while at < len(b):
                l, t = struct.unpack_from("IH", b, at)
                if t in (2, 3):
                    done = True
                else:
                    n += 1
                at += (l + 3) & ~3
        out.append(n)
    print(*out)
PY
python3 /root/nfo.py make 400"#;
    let out = lab.ssh("node1", script);
    assert!(text(&out).contains("made"), "{}", text(&out));
    let counts = || {
        let out = lab.ssh("node1", "python3 /root/nfo.py count");
        text(&out)
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect::<Vec<usize>>()
    };
    let said = [
        (
            "",
            format!("netfilter accounting objects, past the bound of {bound}"),
        ),
        (
            "",
            format!("conntrack timeout policies, past the bound of {bound}"),
        ),
    ];
    assert_bounded(
        &lab,
        bound,
        "accounting objects and timeout policies",
        counts,
        &said,
    );
    assert_eq!(counts().len(), 2);
}
