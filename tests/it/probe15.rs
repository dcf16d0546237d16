//! The fifteenth probe of issue 21 (`docs/security-probe.md`, "fifteenth
//! probe"): reproductions of what it found, report only. Each test FAILS on
//! main at b80e728 (the probe changed no `src/` file); each leaves nothing.

use crate::labs::{TestLab, text};
use std::io::BufRead;
use std::process::{Command, Stdio};

/// A host uid no account has (below 2^31, outside the namespace owners'
/// range 0x70000000..0x71000000 and the probes' uid).
const UNUSED_UID: u32 = 2_000_000_015;

/// Fails on main at b80e728: the kernel counts epoll watches per *user*
/// (`struct user_struct`, by kuid, `fs.epoll.max_user_watches`), not per
/// user namespace, so `owner_uid` (the fix of the thirteenth probe's
/// finding 3) does not move them: a node's root is the host's uid 0 (the
/// identity map) and may become any host uid in its node (`CAP_SETUID`).
/// By hand: the three nodes of a chapter4 lab, as their own root, held the
/// host root's 5,491,756 watches between them; meanwhile the host root's
/// `epoll_ctl` failed with `ENOSPC` and `lab status` exited 3, "starting
/// the async runtime: No space left on device". This test does the same
/// against a host uid nobody uses (so no one else on the machine is
/// starved): node1 tries to become that uid (a node whose ids are the
/// lab's range cannot: the uid is none of its own, so it stays its root)
/// and holds 250,000 watches; the host,
/// as that uid, must still add `max_user_watches - 200,000`.
#[test]
fn a_nodes_epoll_watches_are_not_charged_to_a_host_user() {
    let lab = TestLab::chapter4("p15e");
    lab.up(&[]);
    let max: u64 = std::fs::read_to_string("/proc/sys/fs/epoll/max_user_watches")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // Adds `count` watches as `uid` (argv 1, 2); with a third argument, holds
    // them until its stdin ends.
    // (A node's processes keep 1024 files, probe21v: its 250,000 watches
    // take about 1000, the host's as many as it needs.)
    let fill = "import os, select, sys, resource, math\n\
        try: resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))\n\
        except ValueError: pass\n\
        uid, count = int(sys.argv[1]), int(sys.argv[2])\n\
        try: os.setresgid(uid, uid, uid); os.setgroups([]); os.setresuid(uid, uid, uid)\n\
        except OSError: pass\n\
        k = math.isqrt(count) + 1\n\
        fds = [os.eventfd(0) for _ in range(k)]\n\
        eps = []; n = 0; err = None\n\
        try:\n\
        \x20   while n < count:\n\
        \x20       ep = select.epoll(); eps.append(ep)\n\
        \x20       for fd in fds:\n\
        \x20           ep.register(fd, select.EPOLLIN); n += 1\n\
        \x20           if n >= count: break\n\
        except OSError as e: err = e\n\
        print('held', n, err, flush=True)\n\
        if len(sys.argv) > 3: sys.stdin.read()\n";
    let mut put = lab
        .cmd()
        .args(["ssh", &lab.name, "node1", "--", "cat > /root/fill.py"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("run lab ssh");
    std::io::Write::write_all(&mut put.stdin.take().unwrap(), fill.as_bytes()).unwrap();
    assert!(put.wait().unwrap().success(), "fill.py copied to node1");
    let mut node = lab
        .cmd()
        .args(["ssh", &lab.name, "node1", "--"])
        .arg(format!("python3 /root/fill.py {UNUSED_UID} 250000 hold"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run lab ssh");
    let mut line = String::new();
    std::io::BufReader::new(node.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let host = Command::new("/usr/bin/python3")
        .args([
            "-c",
            fill,
            &UNUSED_UID.to_string(),
            &(max - 200_000).to_string(),
        ])
        .output()
        .expect("python3");
    drop(node.stdin.take());
    let _ = node.wait();
    assert_eq!(line.trim(), "held 250000 None", "node1 held its watches");
    let said = String::from_utf8_lossy(&host.stdout);
    assert!(
        said.trim() == format!("held {} None", max - 200_000),
        "while node1 held 250,000 epoll watches as uid {UNUSED_UID}, that host user \
         could not add {} of its {max}: {said} {}",
        max - 200_000,
        String::from_utf8_lossy(&host.stderr)
    );
}

/// The uid that owns the user namespace of process `pid`.
fn userns_owner(pid: i32) -> u32 {
    use std::os::fd::AsRawFd;
    const NS_GET_OWNER_UID: libc::c_ulong = 0xb704;
    let ns = std::fs::File::open(format!("/proc/{pid}/ns/user")).unwrap();
    let mut uid: libc::uid_t = 0;
    // SAFETY: an ioctl on our own fd writing one uid_t.
    let r = unsafe { libc::ioctl(ns.as_raw_fd(), NS_GET_OWNER_UID, &mut uid) };
    assert_eq!(
        r,
        0,
        "NS_GET_OWNER_UID: {}",
        std::io::Error::last_os_error()
    );
    uid
}

/// Failed on b80e728, where each node's and pod's user namespace was
/// owned by a host uid (`owner_uid`, 0x70000000 + a hash of its name) and
/// its uid map was the identity. The kernel gives the owner of a user
/// namespace every capability in it, and such uids were not reserved:
/// SSSD's default ID mapping (200000-2000200000) and FreeIPA ranges hand
/// them to real accounts. A host process running as a pod's owner uid, with
/// no capability on the host, entered the pod's user and mount namespaces
/// as root, remounted the pod's `/usr` (the host's, bound read-only)
/// read-write and, by hand, created `/usr/p15-owner-proof` as `root:root`
/// on the host (removed at once).
///
/// Owners are not root again since the uidmap session (the kernel charges
/// a namespace's inotify instances and message queue bytes to its owner,
/// and with root as the owner a node used up the host root's), but a uid
/// of the lab's own range (`provider::netns::ids`): above SSSD's default
/// range, none of an account, a group or a subordinate allocation of the
/// host's, none of another lab's; `lab` refuses a namespace whose owner an
/// account (through NSS) has. And the node's ids are that range, so the
/// host's files are no one's in the pod: a process as the owner, even
/// with `/usr` remounted read-write in the pod's own view, writes nothing
/// of the host's.
#[test]
fn a_pods_namespace_owner_is_no_host_account_and_writes_no_host_file() {
    let lab = TestLab::chapter4("p15o");
    lab.up(&[]);
    let pod = lab.pod_on("node1");
    let pid = *lab
        .pids_in(&format!("pod.{}", pod.name))
        .first()
        .expect("the pod's nginx");
    let owner = userns_owner(pid);
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(lab.dir().join("state.json")).unwrap()).unwrap();
    let base = state["provider_state"]["ids"]["base"].as_u64().unwrap() as u32;
    let ids = lab::provider::netns::ids::Ids { base };
    assert_eq!(owner, ids.owner(&format!("{}.pod.{}", lab.name, pod.name)));
    assert!(
        (base + lab::provider::netns::ids::MAPPED..base + lab::provider::netns::ids::BLOCK)
            .contains(&owner),
        "owner {owner} outside the lab's owners from {base}"
    );
    let getent = Command::new("getent")
        .args(["passwd", &owner.to_string()])
        .output()
        .expect("getent");
    assert!(!getent.status.success(), "{}", text(&getent));
    let proof = "/usr/p15-owner-proof";
    let owner = owner.to_string();
    let out = Command::new("setpriv")
        .args(["--reuid", &owner, "--regid", &owner, "--clear-groups", "--"])
        .args(["nsenter", "-t", &pid.to_string(), "-U", "-m", "--"])
        .args(["sh", "-c"])
        .arg(format!(
            "mount -o remount,bind,rw /usr; touch {proof} && echo WROTE"
        ))
        .output()
        .expect("setpriv");
    let wrote = std::path::Path::new(proof).exists();
    if wrote {
        let _ = std::fs::remove_file(proof);
    }
    assert!(
        !wrote && !String::from_utf8_lossy(&out.stdout).contains("WROTE"),
        "host uid {owner} (no capability on the host) wrote the host's {proof} from pod {}: {}",
        pod.name,
        text(&out)
    );
}

/// Fails on main at b80e728: `destroy` trusts a recorded process only while
/// its executable is the one recorded (`provider_state::trusted`'s `same`),
/// and the thirteenth probe's fix of its finding 6 (a retitled nginx) left
/// that: a pod's nginx that `execve`s another program keeps its PID, its
/// namespace and the state folder's path nowhere, and `destroy` then
/// refuses the lab for good, exit 2, "it was copied or crafted", leaving its
/// 7 namespaces (by hand: the pod's root `ptrace`d its PID 1, nginx, into
/// `execve("/bin/sleep")`). The same refusal follows, by reading, when the
/// host's nginx package is upgraded while a lab is up: the running nginx's
/// `/proc/PID/exe` then ends in " (deleted)". This test makes nginx exec
/// `/bin/sleep` from the host (ptrace, as the pod's root did), asks that
/// `destroy` succeed, and kills the process itself when it does not.
#[test]
fn destroy_removes_a_lab_whose_pod_exec_d_another_program() {
    let lab = TestLab::chapter4("p15x");
    lab.up(&[]);
    let pod = lab.pod_on("node1");
    let pid = *lab
        .pids_in(&format!("pod.{}", pod.name))
        .first()
        .expect("the pod's nginx");
    let inject = format!(
        "import ctypes, os, struct\n\
         libc = ctypes.CDLL(None, use_errno=True)\n\
         libc.ptrace.restype = ctypes.c_long\n\
         libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]\n\
         P = {pid}\n\
         def pt(req, addr=0, data=0):\n\
         \x20   r = libc.ptrace(req, P, ctypes.c_void_p(addr), ctypes.c_void_p(data))\n\
         \x20   if r == -1 and ctypes.get_errno(): raise OSError(ctypes.get_errno(), 'ptrace')\n\
         pt(16); os.waitpid(P, 0)\n\
         regs = (ctypes.c_ulong * 27)(); pt(12, 0, ctypes.addressof(regs))\n\
         pc = regs[16]\n\
         code = bytes.fromhex('488d3d16000000488d351a00000031d25256574889e6b83b0000000f05')\n\
         blob = code + b'/bin/sleep\\0' + b'1000\\0'; blob += b'\\0' * (-len(blob) % 8)\n\
         for i in range(0, len(blob), 8): pt(5, pc + i, struct.unpack('<Q', blob[i:i + 8])[0])\n\
         regs[15] = 2**64 - 1\n\
         pt(13, 0, ctypes.addressof(regs)); pt(17)\n\
         print('planted')"
    );
    let planted = Command::new("/usr/bin/python3")
        .args(["-c", &inject])
        .output()
        .expect("python3");
    assert!(planted.status.success(), "{}", text(&planted));
    let mut exe = String::new();
    for _ in 0..50 {
        exe = std::fs::read_link(format!("/proc/{pid}/exe"))
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        if exe.ends_with("sleep") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(exe.ends_with("sleep"), "nginx now runs {exe}");
    let destroy = lab.lab(&["destroy", &lab.name]);
    if !destroy.status.success() {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
        for _ in 0..50 {
            if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
    assert!(
        destroy.status.success(),
        "destroy refused a lab whose pod's nginx exec'd another program: {}",
        text(&destroy)
    );
}
