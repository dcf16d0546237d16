//! A node's root changes its own network and nothing else of its lab: each
//! node's network namespace is owned by a user namespace of its own, so root
//! in a node has `CAP_NET_ADMIN` over that namespace only, and netlink's
//! `IFLA_TARGET_NETNSID` (a namespace id the kernel gives a node for every
//! namespace its veths' peers live in: the lab's `net` with the bridge, its
//! `nat`, its pods') reaches none of them. A pod has no `CAP_NET_ADMIN`
//! (as a Kubernetes container by default), so it cannot reach its node's
//! namespace that way either. Root in a node still does to its own network
//! what root in a VM does.

use crate::labs::{TestLab, text};
use lab::session::Session;

/// Raw netlink from inside a node or pod: after a link dump (which makes
/// the kernel give ids to the peers' namespaces), for every namespace id
/// `ip netns list-id` shows, a link dump of that namespace
/// (`RTM_GETLINK` with `IFLA_TARGET_NETNSID`) and a `RTM_DELLINK` there of
/// the links with the ifindexes given as arguments. Prints `ids ...`, then
/// `dump ID ERR NAMES` and `del ID ERR` (ERR: the kernel's error, 0 for
/// success, as `NLMSG_DONE` or `NLMSG_ERROR` carries it).
const NETLINK_BY_NSID: &str = r#"
import socket, struct, subprocess, sys
def req(ty, flags, body):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    s.send(struct.pack("IHHII", 16 + len(body), ty, flags, 1, 0) + body)
    names, err, done = [], "-", False
    while not done:
        d = s.recv(65536); off = 0
        if not d: break
        while off < len(d):
            ln, t, fl, sq, pid = struct.unpack_from("IHHII", d, off)
            if t == 3: err = struct.unpack_from("i", d, off + 16)[0]; done = True; break
            if t == 2: err = struct.unpack_from("i", d, off + 16)[0]; done = True; break
            a = off + 32
            while a < off + ln:
                al, at = struct.unpack_from("HH", d, a)
                if at == 3: names.append(d[a + 4:a + al].rstrip(b"\0").decode())
                a += (al + 3) & ~3
            off += (ln + 3) & ~3
    s.close()
    return err, names
def ifi(index, nsid):
    return struct.pack("BxHiII", 0, 0, index, 0, 0) + struct.pack("HHi", 8, 46, nsid)
subprocess.run(["ip", "link"], stdout=subprocess.DEVNULL)
out = subprocess.run(["ip", "netns", "list-id"], capture_output=True, text=True).stdout
ids = [int(l.split()[1]) for l in out.splitlines() if l.startswith("nsid ")]
print("ids", *ids)
for i in ids:
    err, names = req(18, 0x301, ifi(0, i))
    print("dump", i, err, ",".join(names))
    for x in sys.argv[1:]:
        err, _ = req(17, 0x5, ifi(int(x), i))
        print("del", i, err)
"#;

/// What [`NETLINK_BY_NSID`] printed, checked: at least one namespace id
/// (else nothing was tried), and every dump and deletion refused.
fn assert_refused(who: &str, out: &str) {
    let ids = out
        .lines()
        .find_map(|l| l.strip_prefix("ids"))
        .unwrap_or_else(|| panic!("{who}: no ids line: {out}"));
    assert!(
        !ids.trim().is_empty(),
        "{who} has no namespace id, so nothing was tried: {out}"
    );
    for l in out.lines() {
        let f: Vec<&str> = l.split(' ').collect();
        match f[0] {
            "dump" => assert!(
                f[2] != "-" && f[2] != "0" && f.get(3).is_none_or(|n| n.is_empty()),
                "{who} lists the links of another namespace of its lab ({l}): {out}"
            ),
            "del" => assert!(
                f[2] != "0",
                "{who} deleted a link of another namespace of its lab ({l}): {out}"
            ),
            _ => {}
        }
    }
    // EACCES: the capability is missing where the target namespace's
    // owner checks it.
    assert!(out.contains(" -13"), "{who}: no EACCES: {out}");
}

fn links(lab: &TestLab, ns: &str) -> String {
    let out = lab.in_ns(ns, &["ip", "-o", "link"]);
    assert!(out.status.success(), "{}", text(&out));
    let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| Some(l.split(':').nth(1)?.trim().to_string()))
        .collect();
    names.sort();
    names.join(" ")
}

#[test]
fn a_node_cannot_change_its_labs_other_namespaces_by_namespace_id() {
    let lab = TestLab::chapter4("uns");
    lab.up(&[]);
    let before: Vec<String> = ["net", "nat", "node2"]
        .iter()
        .map(|ns| links(&lab, ns))
        .collect();
    // 1000-1003: the nodes' bridge ports in `net`, their NAT ends in `nat`.
    let out = lab.ssh(
        "node1",
        &format!("python3 - 1000 1001 1002 1003 <<'EOF'\n{NETLINK_BY_NSID}\nEOF"),
    );
    assert!(out.status.success(), "{}", text(&out));
    let after: Vec<String> = ["net", "nat", "node2"]
        .iter()
        .map(|ns| links(&lab, ns))
        .collect();
    assert_eq!(before, after, "node1 changed its lab's namespaces");
    assert_refused("node1", &String::from_utf8_lossy(&out.stdout));
}

#[test]
fn a_pod_has_no_net_admin_and_cannot_reach_its_nodes_namespace() {
    let lab = TestLab::chapter4("unp");
    lab.up(&[]);
    let session = lab.node1_session();
    let p = lab.pod_on("node1");
    let pod = p.pod_ref();
    let before = links(&lab, "node1");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (caps, nl) = rt.block_on(async {
        let caps = session
            .pod_output(&pod, "grep -E '^Cap(Bnd|Eff)' /proc/self/status")
            .await
            .unwrap();
        // 3: node1's enp0s8.
        let nl = session
            .pod_output(
                &pod,
                &format!("python3 - 3 <<'EOF'\n{NETLINK_BY_NSID}\nEOF"),
            )
            .await
            .unwrap();
        (caps, nl)
    });
    assert!(caps.ok(), "{}", caps.text());
    for l in caps.stdout.lines() {
        let v = u64::from_str_radix(l.split_whitespace().nth(1).unwrap_or("x"), 16)
            .unwrap_or_else(|_| panic!("{l}"));
        assert_eq!(v & (1 << 12), 0, "CAP_NET_ADMIN in a pod: {l}");
        assert_ne!(v & (1 << 13), 0, "no CAP_NET_RAW in a pod (ping): {l}");
    }
    assert!(nl.ok(), "{}", nl.text());
    assert_eq!(before, links(&lab, "node1"), "the pod changed node1");
    assert_refused("a pod", &nl.stdout);
}

#[test]
fn root_in_a_node_still_runs_its_own_network() {
    let lab = TestLab::chapter4("uno");
    lab.up(&[]);
    // Its own user namespace, its ids 0..65535 the lab's range on the host
    // (see `provider::netns::ids`).
    let out = lab.ssh(
        "node1",
        "readlink /proc/self/ns/user; cat /proc/self/uid_map",
    );
    assert!(out.status.success(), "{}", text(&out));
    let seen = String::from_utf8_lossy(&out.stdout).into_owned();
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(lab.dir().join("state.json")).unwrap()).unwrap();
    let base = state["provider_state"]["ids"]["base"].as_u64().unwrap();
    let host = std::fs::read_link("/proc/self/ns/user").unwrap();
    let mut lines = seen.lines();
    assert_ne!(
        lines.next(),
        Some(host.to_str().unwrap()),
        "node1 is in the host's user namespace: {seen}"
    );
    assert_eq!(
        lines
            .next()
            .map(|l| l.split_whitespace().map(String::from).collect::<Vec<_>>()),
        Some(vec!["0".to_string(), base.to_string(), "65536".to_string()]),
        "{seen}"
    );
    // What a VM's root does to its own network: links, addresses, sysctls,
    // iptables, ping, a capture on its own NIC.
    let out = lab.ssh(
        "node1",
        "set -e; ip link add v0 type veth peer name v1; \
         ip addr add 192.0.2.1/32 dev v0; ip link set v0 up; ip -br addr show v0; \
         ip link del v0; ip addr add 192.0.2.9/32 dev enp0s8; ip addr del 192.0.2.9/32 dev enp0s8; \
         echo 1 > /proc/sys/net/ipv4/ip_forward; iptables -L -n >/dev/null; \
         timeout 5 tcpdump -c 1 -i enp0s8 -w /tmp/enp0s8.pcap 2>&1 | \
         { grep -q -m1 'listening on' && ping -c 2 -W 2 10.100.198.202 >/dev/null && cat; }",
    );
    assert!(out.status.success(), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("192.0.2.1/32"), "{}", text(&out));
    assert!(said.contains("1 packet captured"), "{}", text(&out));
}

/// `lab` as root of a user namespace of this test's after `setup` (a
/// shell line) ran there.
fn lab_in_a_user_namespace(lab: &TestLab, setup: &str, args: &[&str]) -> std::process::Output {
    let mut c = std::process::Command::new("unshare");
    c.args(["--user", "--map-root-user", "--mount", "--fork", "sh", "-c"])
        .arg(format!("{setup} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_lab"))
        .args(args)
        .env("LAB_STATE_DIR", lab.state.path())
        .env("CI", "1")
        .current_dir(lab.src.path());
    c.output().expect("unshare")
}

/// Where user namespaces cannot be made, or a node's entry could not mount
/// its `/proc` in one, netns refuses up front (exit 4) and makes nothing.
/// Each case in a user namespace of this test's: there its own limit of
/// user namespaces set to 0 (`/proc/sys/user` is that namespace's; the
/// host's limit is not touched), or a read-only tmpfs over `/proc/sys/fs` in
/// its own mount namespace (as a container masks it).
#[test]
fn where_user_namespaces_cannot_be_made_netns_refuses_with_exit_4_and_makes_nothing() {
    let lab = TestLab::chapter4("unz");
    let file = lab.file();
    for (setup, why) in [
        (
            "echo 0 > /proc/sys/user/max_user_namespaces",
            "user.max_user_namespaces",
        ),
        (
            "mount -t tmpfs -o ro none /proc/sys/fs",
            "/proc is not fully visible",
        ),
    ] {
        for args in [vec!["doctor"], vec!["up", file.to_str().unwrap()]] {
            let out = lab_in_a_user_namespace(&lab, setup, &args);
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(
                out.status.code(),
                Some(4),
                "{setup}: {args:?}: {}",
                text(&out)
            );
            assert!(
                err.contains("it needs user namespaces") && err.contains(why),
                "{setup}: {args:?}: {}",
                text(&out)
            );
        }
    }
    assert!(crate::labs::namespaces_of(&lab.name).is_empty());
    assert!(!lab.dir().exists(), "up made the state folder");
}

/// A probe (`output_net`: ping, curl, fping, a command `lab` writes) keeps
/// `CAP_NET_ADMIN` and `CAP_NET_RAW` over the network it runs in, counted
/// in the user namespace that owns it: were a command injected into one,
/// it reaches no other namespace of the lab by its id either.
#[test]
fn a_probe_cannot_reach_its_labs_other_namespaces_by_namespace_id() {
    let lab = TestLab::chapter4("unq");
    lab.up(&[]);
    let session = lab.node1_session();
    let before: Vec<String> = ["net", "nat", "node2"]
        .iter()
        .map(|ns| links(&lab, ns))
        .collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (own, nl) = rt.block_on(async {
        // Its own network, as before: a raw-socket ping, a route lookup.
        let own = session
            .output_net(
                "node1",
                "ping -n -c 1 -W 2 10.100.198.202 >/dev/null && ip route get 10.100.198.202",
            )
            .await
            .unwrap();
        let nl = session
            .output_net(
                "node1",
                &format!("python3 - 1000 1001 1002 1003 <<'EOF'\n{NETLINK_BY_NSID}\nEOF"),
            )
            .await
            .unwrap();
        (own, nl)
    });
    assert!(own.ok(), "{}", own.text());
    assert!(nl.ok(), "{}", nl.text());
    let after: Vec<String> = ["net", "nat", "node2"]
        .iter()
        .map(|ns| links(&lab, ns))
        .collect();
    assert_eq!(before, after, "a probe changed its lab's namespaces");
    assert_refused("a probe", &nl.stdout);
}
