//! A node's root is not the host's root: each lab's nodes and pods map
//! their uids and gids to a host range of the lab's own, and each user
//! namespace is owned by a uid of that range (`provider::netns::ids`).
//! Each test failed on main at 4b7d941, where a node's root was the host's
//! uid 0 (the identity map, root the owner).

use crate::labs::{TestLab, text};
use std::io::BufRead;
use std::process::{Command, Stdio};

/// The lab's recorded range: its first host uid, from its state.
fn recorded_base(lab: &TestLab) -> u32 {
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(lab.dir().join("state.json")).unwrap()).unwrap();
    state["provider_state"]["ids"]["base"]
        .as_u64()
        .unwrap_or_else(|| panic!("no recorded ids in the state: {state}")) as u32
}

/// The `Uid:` line's real uid of `/proc/PID/status`.
fn host_uid(pid: i32) -> u32 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .parse()
        .unwrap()
}

/// A pod's nginx, root in its pod, runs on the host as the lab's first
/// uid (the claim says the same), never as uid 0.
#[test]
fn a_process_in_a_pod_runs_as_the_labs_uid_on_the_host() {
    let lab = TestLab::chapter4("uidm");
    lab.up(&[]);
    let pod = lab.pod_on("node1");
    let pid = *lab
        .pids_in(&format!("pod.{}", pod.name))
        .first()
        .expect("the pod's nginx");
    let uid = host_uid(pid);
    assert_ne!(uid, 0, "pod {}'s nginx runs as the host's root", pod.name);
    let base = recorded_base(&lab);
    assert_eq!(
        uid, base,
        "nginx runs as the pod's root, the lab's first uid"
    );
    let claim: serde_json::Value =
        serde_json::from_slice(&std::fs::read(format!("/run/lab/{}.json", lab.name)).unwrap())
            .unwrap();
    assert_eq!(claim["ids"].as_u64(), Some(u64::from(base)), "{claim}");
    // In the node, the same process is root.
    let out = lab.ssh("node1", "id -u; id -g");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "0\n0",
        "{}",
        text(&out)
    );
}

/// The host root's statistics (`/proc/slabinfo`, 0400 root's) are no
/// node root's: it is `nobody`'s file there.
#[test]
fn a_nodes_root_cannot_read_the_kernels_root_only_statistics() {
    assert!(
        std::path::Path::new("/proc/slabinfo").exists(),
        "this kernel has /proc/slabinfo"
    );
    let lab = TestLab::chapter4("uids");
    lab.up(&[]);
    let out = lab.ssh("node1", "head -c 64 /proc/slabinfo");
    assert!(
        !out.status.success(),
        "node1's root read the host's /proc/slabinfo: {}",
        text(&out)
    );
    assert!(text(&out).contains("Permission denied"), "{}", text(&out));
}

/// A node that makes every inotify instance it may leaves the host's
/// root its own: the kernel charges a user namespace's instances to the
/// namespace's owner, a uid of the lab's range. (By hand on main: node1
/// made 128, and the host root's `inotify_init` failed with `EMFILE`.)
#[test]
fn a_nodes_inotify_instances_are_not_charged_to_the_host_root() {
    let lab = TestLab::chapter4("uidi");
    lab.up(&[]);
    let fill = "import ctypes, sys\n\
        libc = ctypes.CDLL(None, use_errno=True)\n\
        fds = []\n\
        while len(fds) < 100000:\n\
        \x20   fd = libc.inotify_init()\n\
        \x20   if fd < 0: break\n\
        \x20   fds.append(fd)\n\
        print('made', len(fds), ctypes.get_errno(), flush=True)\n\
        sys.stdin.read()\n";
    let mut node = lab
        .cmd()
        .args(["ssh", &lab.name, "node1", "--"])
        .arg(format!("python3 -c \"{fill}\""))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run lab ssh");
    let mut line = String::new();
    std::io::BufReader::new(node.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    // The host's root, while node1 holds them.
    let host = Command::new("/usr/bin/python3")
        .args([
            "-c",
            "import ctypes; l = ctypes.CDLL(None, use_errno=True); fd = l.inotify_init(); print(fd, ctypes.get_errno())",
        ])
        .output()
        .expect("python3");
    drop(node.stdin.take());
    let _ = node.wait();
    let made: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(made.first(), Some(&"made"), "node1 said {line:?}");
    assert_eq!(made.get(2), Some(&"24"), "node1 ran out (EMFILE): {line:?}");
    let said = String::from_utf8_lossy(&host.stdout);
    assert!(
        !said.starts_with('-'),
        "while node1 held {} inotify instances, the host's root could make none: {said}",
        made[1]
    );
}

/// Two labs up at once have ranges apart, each its processes'.
#[test]
fn two_labs_get_disjoint_ranges() {
    let a = TestLab::chapter4("uida");
    a.up(&[]);
    let b = TestLab::chapter4("uidb");
    b.up(&[]);
    let (x, y) = (recorded_base(&a), recorded_base(&b));
    let block = lab::provider::netns::ids::BLOCK;
    assert!(
        x.abs_diff(y) >= block,
        "ranges {x}.. and {y}.. meet (each is {block} ids)"
    );
    for (lab, base) in [(&a, x), (&b, y)] {
        let pod = lab.pod_on("node2");
        let pid = *lab
            .pids_in(&format!("pod.{}", pod.name))
            .first()
            .expect("the pod's nginx");
        assert_eq!(host_uid(pid), base, "{}'s nginx", lab.name);
    }
}

/// A node that makes POSIX message queues until its `RLIMIT_MSGQUEUE`
/// bytes are used up leaves the host's root its own: the kernel charges
/// them to the namespace's owner too, a uid of the lab's range. (By hand
/// on main: node1 made 9 queues of 10 x 8192 bytes, and the host root's
/// `mq_open` of one more failed with `EMFILE`.)
#[test]
fn a_nodes_message_queue_bytes_are_not_charged_to_the_host_root() {
    let lab = TestLab::chapter4("uidq");
    lab.up(&[]);
    // Makes queues of 10 x 8192 bytes named after argv 1 until one fails
    // (at most argv 2); prints how many and the error; with a third
    // argument, holds them until its stdin ends; unlinks them.
    let fill = "import ctypes, os, sys\n\
        rt = ctypes.CDLL('librt.so.1', use_errno=True)\n\
        class Attr(ctypes.Structure):\n\
        \x20   _fields_ = [('flags', ctypes.c_long), ('maxmsg', ctypes.c_long), ('msgsize', ctypes.c_long), ('cur', ctypes.c_long), ('pad', ctypes.c_long * 4)]\n\
        a = Attr(0, 10, 8192, 0)\n\
        names = []\n\
        while len(names) < int(sys.argv[2]):\n\
        \x20   n = ('/%s%d' % (sys.argv[1], len(names))).encode()\n\
        \x20   if rt.mq_open(n, os.O_CREAT | os.O_RDWR, 0o600, ctypes.byref(a)) < 0: break\n\
        \x20   names.append(n)\n\
        print('made', len(names), ctypes.get_errno(), flush=True)\n\
        if len(sys.argv) > 3: sys.stdin.read()\n\
        for n in names: rt.mq_unlink(n)\n";
    let mut put = lab
        .cmd()
        .args(["ssh", &lab.name, "node1", "--", "cat > /root/mq.py"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("run lab ssh");
    std::io::Write::write_all(&mut put.stdin.take().unwrap(), fill.as_bytes()).unwrap();
    assert!(put.wait().unwrap().success(), "mq.py copied to node1");
    let mut node = lab
        .cmd()
        .args([
            "ssh",
            &lab.name,
            "node1",
            "--",
            "python3 /root/mq.py q 1000 hold",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run lab ssh");
    let mut line = String::new();
    std::io::BufReader::new(node.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let host = Command::new("/usr/bin/python3")
        .args(["-c", fill, &format!("{}q", lab.name), "1"])
        .output()
        .expect("python3");
    drop(node.stdin.take());
    let _ = node.wait();
    let made: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(made.first(), Some(&"made"), "node1 said {line:?}");
    assert_eq!(made.get(2), Some(&"24"), "node1 ran out (EMFILE): {line:?}");
    let said = String::from_utf8_lossy(&host.stdout);
    assert!(
        said.starts_with("made 1 "),
        "while node1 held {} message queues, the host's root could make none: {said} {}",
        made[1],
        String::from_utf8_lossy(&host.stderr)
    );
}
