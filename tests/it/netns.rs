//! The netns provider end to end, through the `lab` binary and the lab's
//! own SSH path (`lab ssh`, i.e. `ssh -F <state>/ssh/config` through `lab
//! proxy`): the chapter's broken network, the fix, and a teardown that
//! leaves nothing (also after `kill -9` of `lab up`, and without state).
//!
//! Every network assertion is a function returning what it saw, and each is
//! also shown to fail when the network says otherwise ("test the test").

use crate::harness::copy_lab;
use crate::labs::{TestLab, namespaces_of, text, unique_name};
use std::process::Command;
use std::time::Duration;

/// A pod of the lab, from its state.
#[derive(Debug, Clone)]
struct Pod {
    name: String,
    node: String,
    ip: String,
}

fn state_json(lab: &TestLab) -> serde_json::Value {
    let bytes = std::fs::read(lab.dir().join("state.json")).expect("state.json");
    serde_json::from_slice(&bytes).expect("state parses")
}

fn pods(lab: &TestLab) -> Vec<Pod> {
    state_json(lab)["provider_state"]["pods"]
        .as_array()
        .expect("pods recorded")
        .iter()
        .map(|p| Pod {
            name: p["name"].as_str().unwrap().into(),
            node: p["node"].as_str().unwrap().into(),
            ip: p["ip"].as_str().unwrap().into(),
        })
        .collect()
}

fn pod_on(lab: &TestLab, node: &str) -> Pod {
    pods(lab)
        .into_iter()
        .find(|p| p.node == node)
        .unwrap_or_else(|| panic!("no pod on {node}"))
}

/// Run `cmd` on `node` over SSH; an SSH failure (exit 255) is a test error,
/// never a network verdict.
fn ssh(lab: &TestLab, node: &str, cmd: &str) -> (i32, String) {
    let out = lab.ssh(node, cmd);
    let code = out.status.code().unwrap_or(-1);
    assert_ne!(code, 255, "ssh to {node} failed: {}", text(&out));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (code, all)
}

/// Ping `ip` from `node` over SSH (or from `pod`, entered from the host:
/// a node does not see the host's namespaces): the reply's TTL, or what
/// ping said when nothing came back.
fn ping(lab: &TestLab, node: &str, from_pod: Option<&Pod>, ip: &str) -> Result<u32, String> {
    let (code, out) = match from_pod {
        Some(p) => {
            let o = lab.in_ns(
                &format!("pod.{}", p.name),
                &["ping", "-c", "1", "-W", "1", ip],
            );
            (o.status.code().unwrap_or(-1), text(&o))
        }
        None => ssh(lab, node, &format!("ping -c 1 -W 1 {ip}")),
    };
    let ttl = out
        .split("ttl=")
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|t| t.parse().ok());
    match (code, ttl) {
        (0, Some(t)) => Ok(t),
        _ => Err(out),
    }
}

fn expect_ttl(r: Result<u32, String>, ttl: u32) -> Result<(), String> {
    match r {
        Ok(t) if t == ttl => Ok(()),
        Ok(t) => Err(format!("reachable with ttl {t}, expected ttl {ttl}")),
        Err(out) => Err(format!("unreachable, expected ttl {ttl}:\n{out}")),
    }
}

fn expect_unreachable(r: Result<u32, String>) -> Result<(), String> {
    match r {
        Ok(t) => Err(format!("reachable (ttl {t}), expected unreachable")),
        Err(_) => Ok(()),
    }
}

/// HTTP status of `http://ip:port/` fetched from `node`.
fn http_status(lab: &TestLab, node: &str, ip: &str) -> Result<u32, String> {
    let (_, out) = ssh(
        lab,
        node,
        &format!("curl -s -o /dev/null -m 2 -w '%{{http_code}}' http://{ip}:80/"),
    );
    match out.trim().parse::<u32>() {
        Ok(c) if c > 0 => Ok(c),
        _ => Err(out),
    }
}

fn subnet_of(lab: &TestLab, node: &str) -> String {
    let (code, env) = ssh(lab, node, "cat /run/flannel/subnet.env");
    assert_eq!(code, 0, "{env}");
    assert!(env.contains("FLANNEL_NETWORK=10.244.0.0/16\n"), "{env}");
    env.lines()
        .find_map(|l| l.strip_prefix("FLANNEL_SUBNET="))
        .expect("FLANNEL_SUBNET")
        .to_string()
}

fn expect_route_dev(lab: &TestLab, node: &str, subnet: &str, dev: &str) -> Result<(), String> {
    let (_, out) = ssh(lab, node, &format!("ip route show {subnet}"));
    if out.contains(&format!("dev {dev}")) {
        Ok(())
    } else {
        Err(out)
    }
}

fn flannel_log(lab: &TestLab, node: &str) -> String {
    let (code, log) = ssh(lab, node, "cat /run/flannel/flanneld.log");
    assert_eq!(code, 0, "{log}");
    log
}

/// What `tcpdump -i flannel.1` on `node` sees while `node` pings `ip`.
fn capture_while_ping(lab: &TestLab, node: &str, ip: &str) -> String {
    // The same capture as the check's: tcpdump is waited for until it
    // listens (not a fixed sleep), then the ping runs.
    let ip: std::net::Ipv4Addr = ip.parse().unwrap();
    let cmd = lab::probe::capture::command("flannel.1", ip, &format!("ping -c 2 -W 1 {ip}"));
    ssh(lab, node, &cmd).1
}

struct HostNet {
    addr: String,
    route: String,
    link: String,
}

fn host_net() -> HostNet {
    let run = |args: &[&str]| {
        String::from_utf8_lossy(&Command::new("ip").args(args).output().unwrap().stdout)
            .into_owned()
    };
    HostNet {
        addr: run(&["-o", "addr"]),
        route: run(&["route"]),
        link: run(&["-o", "link"]),
    }
}

fn assert_host_unchanged(before: &HostNet) {
    let after = host_net();
    assert_eq!(before.addr, after.addr, "the host's addresses changed");
    assert_eq!(before.route, after.route, "the host's routes changed");
    assert_eq!(before.link, after.link, "the host's links changed");
}

#[test]
fn chapter4_broken_then_fixed_over_ssh() {
    let host = host_net();
    let lab = TestLab::chapter4("nc");
    lab.up(&[]);
    let p1 = pod_on(&lab, "node1");
    let p2 = pod_on(&lab, "node2");

    // Each node is its own machine.
    for node in ["master", "node1", "node2"] {
        let (code, out) = ssh(&lab, node, "hostname");
        assert_eq!((code, out.trim()), (0, node));
    }

    // Broken: node1 reaches its own pod, nothing across nodes.
    expect_ttl(ping(&lab, "node1", None, &p1.ip), 64).unwrap();
    expect_unreachable(ping(&lab, "node1", None, &p2.ip)).unwrap();
    expect_unreachable(ping(&lab, "node1", Some(&p1), &p2.ip)).unwrap();
    // ... and the assertions can fail: a reachable expectation does not hold.
    assert!(expect_ttl(ping(&lab, "node1", None, &p2.ip), 63).is_err());
    assert!(expect_unreachable(ping(&lab, "node1", None, &p1.ip)).is_err());
    assert!(
        http_status(&lab, "node1", &p2.ip).is_err(),
        "nginx on node2 must not answer"
    );

    // Troubleshooting as the chapter does it.
    let subnets: Vec<String> = ["master", "node1", "node2"]
        .iter()
        .map(|n| subnet_of(&lab, n))
        .collect();
    assert_eq!(subnets, ["10.244.0.1/24", "10.244.1.1/24", "10.244.2.1/24"]);
    expect_route_dev(&lab, "node1", "10.244.2.0/24", "flannel.1").unwrap();
    assert!(expect_route_dev(&lab, "node1", "10.244.2.0/24", "enp0s8").is_err());
    let log = flannel_log(&lab, "node1");
    assert!(
        log.contains("Determining IP address of default interface"),
        "{log}"
    );
    assert!(
        log.contains("Using interface with name enp0s3 and address 10.0.2.15"),
        "{log}"
    );
    assert!(
        log.contains("Defaulting external address to interface address (10.0.2.15)"),
        "{log}"
    );
    let cap = capture_while_ping(&lab, "node1", &p2.ip);
    assert!(
        cap.contains("ICMP echo request"),
        "tcpdump on flannel.1 saw: {cap}"
    );
    assert!(
        !capture_while_ping(&lab, "node1", &p1.ip).contains("ICMP echo request"),
        "a local pod's traffic is not on flannel.1"
    );

    // Status: nodes running with their addresses, pods listed.
    let st = lab.lab(&["status", &lab.name]);
    let st = text(&st);
    assert!(
        st.contains("node1") && st.contains("running") && st.contains("enp0s8 10.100.198.201/24"),
        "{st}"
    );
    assert!(st.contains(&p2.name), "{st}");

    // The fix.
    let out = lab.lab(&["apply", &lab.name, "--variant", "fixed"]);
    assert!(out.status.success(), "{}", text(&out));
    let p1 = pod_on(&lab, "node1");
    let p2 = pod_on(&lab, "node2");
    expect_ttl(ping(&lab, "node1", None, &p1.ip), 64).unwrap();
    expect_ttl(ping(&lab, "node1", None, &p2.ip), 63).unwrap();
    expect_ttl(ping(&lab, "node1", Some(&p1), &p2.ip), 62).unwrap();
    assert_eq!(http_status(&lab, "node1", &p2.ip), Ok(200));
    // ... and the assertions can fail the other way.
    assert!(expect_unreachable(ping(&lab, "node1", None, &p2.ip)).is_err());
    assert!(expect_ttl(ping(&lab, "node1", Some(&p1), &p2.ip), 64).is_err());
    let log = flannel_log(&lab, "node1");
    assert!(
        log.contains("Using interface with name enp0s8 and address 10.100.198.201"),
        "{log}"
    );
    assert_eq!(subnet_of(&lab, "node2"), "10.244.2.1/24");
    assert_eq!(state_json(&lab)["variant"], "fixed");

    // Destroy: nothing of the lab is left, and the host never changed.
    let procs = crate::labs::recorded(&lab.dir());
    assert_eq!(
        procs.len(),
        3,
        "2 nginx and the guard of the nodes' tables recorded (nodes run no daemon): {procs:?}"
    );
    let out = lab.lab(&["destroy", &lab.name]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(namespaces_of(&lab.name), Vec::<String>::new());
    for (pid, st) in procs {
        assert!(!crate::labs::alive(pid, st), "process {pid} still runs");
    }
    for gone in ["state.json", "ssh", "nodes", "pods"] {
        assert!(
            !lab.dir().join(gone).exists(),
            "{gone} left in the state folder"
        );
    }
    assert_host_unchanged(&host);
    // Idempotent.
    let out = lab.lab(&["destroy", &lab.name]);
    assert!(out.status.success(), "{}", text(&out));
}

/// The lab's daemons, found by their command lines naming its state folder.
fn daemons_of(lab: &TestLab) -> Vec<i32> {
    let dir = lab.dir().to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| String::from_utf8_lossy(&c).contains(&dir))
                .unwrap_or(false)
                && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
                    .unwrap_or_default()
                    .contains(") Z ")
        })
        .collect()
}

#[test]
fn kill_9_of_up_midway_then_destroy_leaves_nothing() {
    let host = host_net();
    // The chapter's lab at several points of its bring-up, each told by
    // what `up` has made so far (not by time), and a bigger one (whose
    // orphaned `ip -batch` may still be adding namespaces).
    type Made<'a> = &'a dyn Fn(&TestLab) -> bool;
    let folder: Made = &|l| l.dir().exists();
    let state: Made = &|l| l.dir().join("state.json").exists();
    let one_ns: Made = &|l| !namespaces_of(&l.name).is_empty();
    let three_ns: Made = &|l| namespaces_of(&l.name).len() >= 3;
    let fifteen_ns: Made = &|l| namespaces_of(&l.name).len() >= 15;
    let a_daemon: Made = &|l| !daemons_of(l).is_empty();
    let runs: [(Option<&str>, &str, Made); 8] = [
        (None, "its state folder exists", folder),
        (None, "its state is recorded", state),
        (None, "a namespace exists", one_ns),
        (None, "3 namespaces exist", three_ns),
        (None, "a daemon runs", a_daemon),
        (Some("30"), "a namespace exists", one_ns),
        (Some("30"), "15 namespaces exist", fifteen_ns),
        (Some("30"), "a daemon runs", a_daemon),
    ];
    for (nodes, moment, made) in runs {
        let lab = TestLab::chapter4("nk");
        let file = lab.file();
        let mut args = vec!["up", file.to_str().unwrap()];
        if let Some(n) = nodes {
            args.extend(["--nodes", n]);
        }
        let mut child = lab
            .cmd()
            .args(&args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Killed when it has made that much, or after `up` ended (then
        // destroy removes a whole lab): at most 120 s.
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        while !made(&lab) && child.try_wait().unwrap().is_none() {
            assert!(std::time::Instant::now() < deadline, "{moment}: never");
            std::thread::yield_now();
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let out = lab.lab(&["destroy", &lab.name]);
        // Killed before it made anything (no state folder, no claim):
        // destroy says there is nothing of it here (exit 2).
        let nothing = out.status.code() == Some(2)
            && String::from_utf8_lossy(&out.stderr).contains("there is no lab");
        assert!(
            out.status.success() || nothing,
            "after kill when {moment}: {}",
            text(&out)
        );
        assert_eq!(
            namespaces_of(&lab.name),
            Vec::<String>::new(),
            "after kill when {moment}"
        );
        assert_eq!(
            daemons_of(&lab),
            Vec::<i32>::new(),
            "daemons left after kill when {moment}"
        );
        assert_eq!(
            crate::labs::mounts_of(&lab.name),
            Vec::<String>::new(),
            "mounts left after kill when {moment}"
        );
        assert_eq!(
            crate::labs::cgroups_of(&lab.name),
            Vec::<String>::new(),
            "cgroups left after kill when {moment}"
        );
        assert!(!lab.dir().join("state.json").exists());
    }
    assert_host_unchanged(&host);
}

#[test]
fn destroy_without_state_finds_the_lab_by_name() {
    let lab = TestLab::chapter4("ns");
    lab.up(&[]);
    let procs = crate::labs::recorded(&lab.dir());
    std::fs::remove_dir_all(lab.dir()).unwrap();
    assert!(!namespaces_of(&lab.name).is_empty());
    let out = lab.lab(&["destroy", &lab.name]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(namespaces_of(&lab.name), Vec::<String>::new());
    for (pid, st) in procs {
        assert!(!crate::labs::alive(pid, st), "process {pid} still runs");
    }
}

#[test]
fn up_refuses_leftover_namespaces_and_labs_sharing_a_prefix_stay_apart() {
    // A namespace named like the lab that lab did not make blocks `up`,
    // and `destroy` leaves it alone: it is not the lab's to remove.
    let lab = TestLab::chapter4("nl");
    let ns = format!("{}.node1", lab.name);
    assert!(
        Command::new("ip")
            .args(["netns", "add", &ns])
            .status()
            .unwrap()
            .success()
    );
    let file = lab.file();
    let out = lab.lab(&["up", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains(&ns) && !text(&out).contains("lab destroy"),
        "{}",
        text(&out)
    );
    assert_eq!(
        namespaces_of(&lab.name),
        vec![ns.clone()],
        "nothing else was made"
    );
    // Nothing of the lab is here (the namespace is not lab's): said, exit 2.
    let out = lab.lab(&["destroy", &lab.name]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("there is no lab"), "{}", text(&out));
    assert_eq!(namespaces_of(&lab.name), vec![ns.clone()]);
    assert!(
        Command::new("ip")
            .args(["netns", "delete", &ns])
            .status()
            .unwrap()
            .success()
    );

    // Two labs side by side, one name a prefix of the other's: destroying
    // one leaves the other working.
    let a = unique_name("np");
    let b = format!("{a}-x");
    let la = TestLab {
        src: copy_lab("chapter4", &a),
        state: tempfile::tempdir().unwrap(),
        name: a,
    };
    let lb = TestLab {
        src: copy_lab("chapter4", &b),
        state: tempfile::tempdir().unwrap(),
        name: b,
    };
    la.up(&[]);
    lb.up(&[]);
    let out = la.lab(&["destroy", &la.name]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(namespaces_of(&la.name).is_empty());
    assert_eq!(
        namespaces_of(&lb.name).len(),
        7,
        "3 nodes, the NAT ends, the network, 2 pods"
    );
    let (code, out) = ssh(&lb, "node2", "hostname");
    assert_eq!((code, out.trim()), (0, "node2"));
    expect_ttl(ping(&lb, "node2", None, &pod_on(&lb, "node2").ip), 64).unwrap();
}

/// A lab that needs more of the host than it has is refused before anything
/// is made, naming the limit, the number and the fix (exit 4). The limit
/// here is the process's own (open files, lowered for the child only), so
/// the host is not touched; the same lab passes with the limit as it was.
#[test]
fn up_refuses_a_lab_the_host_cannot_hold() {
    use std::os::unix::process::CommandExt;
    let lab = TestLab::chapter4("lim");
    let file = lab.file();
    let mut cmd = lab.cmd();
    cmd.args(["up", file.to_str().unwrap()]);
    // SAFETY: a plain system call in the child before exec.
    unsafe {
        cmd.pre_exec(|| {
            let r = libc::rlimit {
                rlim_cur: 256,
                rlim_max: 256,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &r) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("open files of lab"), "{t}");
    assert!(
        t.contains("the lab needs 514, this host has 256 left"),
        "{t}"
    );
    assert!(t.contains("ulimit -Hn"), "{t}");
    assert!(namespaces_of(&lab.name).is_empty());
    assert!(!lab.dir().join("state.json").exists());
    // The same lab, with the limit as it was, comes up.
    lab.up(&[]);
}

/// A node named like one of the netns provider's own namespaces (`net`,
/// `nat`, `pod`) is refused by `up` with the lab file's line and field,
/// exit 2, nothing made (it had no file or line: the sixth probe).
#[test]
fn a_node_name_the_provider_reserves_is_refused_at_its_line() {
    let lab = TestLab::new("chapter4", "rn", |y| {
        y.replacen("{ name: master,", "{ name: net,", 1)
    });
    let out = lab.lab(&["up", lab.file().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("lab.yaml:15:") && err.contains("nodes[0].name: 'net' is reserved"),
        "{err}"
    );
    assert!(namespaces_of(&lab.name).is_empty());
    assert!(!lab.dir().join("state.json").exists());
}
