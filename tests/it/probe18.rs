//! The eighteenth probe of issue 21 (`docs/security-probe.md`, "eighteenth
//! probe"), on branch `uidmap` at 294f99f: reproductions of what it found,
//! report only. Each test FAILS there (the probe changed no `src/` file);
//! each leaves nothing (its labs are destroyed by their guards, pass or
//! fail).

use crate::labs::{TestLab, text};
use std::io::BufRead;
use std::process::{Child, Command, Stdio};

/// Copy `script` to node1's `/root/NAME` of `lab`.
fn put_script(lab: &TestLab, name: &str, script: &str) {
    let mut put = lab
        .cmd()
        .args(["ssh", &lab.name, "node1", "--"])
        .arg(format!("cat > /root/{name}"))
        .stdin(Stdio::piped())
        .spawn()
        .expect("run lab ssh");
    std::io::Write::write_all(&mut put.stdin.take().unwrap(), script.as_bytes()).unwrap();
    assert!(put.wait().unwrap().success(), "{name} copied to node1");
}

/// Run `cmd` on node1, holding what it makes until its stdin ends; returns
/// the child and the first line it printed.
fn hold_on_node1(lab: &TestLab, cmd: &str) -> (Child, String) {
    let mut node = lab
        .cmd()
        .args(["ssh", &lab.name, "node1", "--", cmd])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run lab ssh");
    let mut line = String::new();
    std::io::BufReader::new(node.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (node, line)
}

/// Fails on uidmap at 294f99f: `fs.aio-max-nr` (65536 here) is one count
/// for the whole host, and `io_setup` needs no privilege (the nodes'
/// seccomp filter lets it through), so node1 took every AIO context of the
/// host (16 contexts of 4096 events, a few pages of memory): meanwhile the
/// host root's `io_setup(1)` failed with `EAGAIN` (by hand: the same from
/// `lab ssh p18a node1`). A node must not use up a host-wide kernel count.
#[test]
fn a_node_cannot_take_the_hosts_aio_contexts() {
    let lab = TestLab::chapter4("p18i");
    lab.up(&[]);
    put_script(
        &lab,
        "aio.py",
        "import ctypes, sys\n\
         libc = ctypes.CDLL(None, use_errno=True)\n\
         n = 0\n\
         while n < 100000:\n\
         \x20   ctx = ctypes.c_ulong(0)\n\
         \x20   if libc.syscall(206, 4096, ctypes.byref(ctx)) != 0: break\n\
         \x20   n += 1\n\
         print('held', n, flush=True)\n\
         sys.stdin.read()\n",
    );
    let (mut node, line) = hold_on_node1(&lab, "python3 /root/aio.py");
    let mut ctx: libc::c_ulong = 0;
    // SAFETY: io_setup writes one context id into `ctx`; destroyed below.
    let r = unsafe { libc::syscall(libc::SYS_io_setup, 1 as libc::c_long, &mut ctx) };
    let err = std::io::Error::last_os_error();
    if r == 0 {
        // SAFETY: the context made just above.
        unsafe { libc::syscall(libc::SYS_io_destroy, ctx) };
    }
    drop(node.stdin.take());
    let _ = node.wait();
    assert!(line.starts_with("held "), "node1's script ran: {line}");
    assert_eq!(
        r,
        0,
        "while node1 {}, the host root's io_setup(1) failed: {err}",
        line.trim()
    );
}

/// Fails on uidmap at 294f99f: TCP buffers are charged to the host-wide
/// `net.ipv4.tcp_mem` and not to the node's memory cgroup (v1 here, whose
/// `memory.kmem.tcp` counts nothing unless a limit is set): by hand node1
/// of `p18a` held 160,739 pages (628 MiB) of the host's TCP memory in 164
/// loopback pairs (sent, never read) while its cgroup (512 MiB limit)
/// showed 8 MB used; `tcp_mem` here is 287907 383878 575814 pages, so a
/// node alone can push every TCP socket of the host into memory pressure
/// and to the hard limit (not run: it stalls the host's own sockets). This
/// test asks that node1 cannot hold more TCP memory than its memory limit.
/// Passes since fix18 (the TCP limit of its cgroup puts its sockets under
/// pressure: 3000 pairs held 333 MiB); that limit is a mark, not a wall, so
/// a node with more sockets than this test's 3000 pairs holds more. (A
/// node's process keeps 1024 files since probe21v: 500 pairs a process.)
#[test]
fn a_nodes_tcp_buffers_stay_within_its_memory_limit() {
    let lab = TestLab::chapter4("p18t");
    lab.up(&[]);
    let limit: u64 = crate::labs::cgroups_of(&lab.name)
        .iter()
        .filter(|p| p.ends_with(".node1"))
        .find_map(|p| {
            ["memory.limit_in_bytes", "memory.max"]
                .iter()
                .find_map(|f| std::fs::read_to_string(format!("{p}/{f}")).ok())
        })
        .and_then(|s| s.trim().parse().ok())
        .expect("node1's memory limit");
    let pages = limit / 4096 + 8192;
    put_script(
        &lab,
        "tcp.py",
        "import os, socket, sys\n\
         want = int(sys.argv[1])\n\
         def mem():\n\
         \x20   for l in open('/proc/net/sockstat'):\n\
         \x20       if l.startswith('TCP:'): return int(l.split()[-1])\n\
         start = mem(); n = 0\n\
         while mem() - start < want and n < 3000:\n\
         \x20   r, w = os.pipe()\n\
         \x20   if os.fork() == 0:\n\
         \x20       srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(1024)\n\
         \x20       port = srv.getsockname()[1]; keep = []; k = 0\n\
         \x20       try:\n\
         \x20           while mem() - start < want and k < 500:\n\
         \x20               c = socket.create_connection(('127.0.0.1', port)); a, _ = srv.accept()\n\
         \x20               c.setblocking(False); keep += [c, a]; k += 1\n\
         \x20               try:\n\
         \x20                   while True: c.send(b'x' * 65536)\n\
         \x20               except BlockingIOError: pass\n\
         \x20       except OSError: pass\n\
         \x20       os.write(w, b'%d' % k); os.close(w)\n\
         \x20       sys.stdin.read(); os._exit(0)\n\
         \x20   os.close(w); k = int(os.read(r, 64) or b'0'); os.close(r); n += k\n\
         \x20   if k == 0: break\n\
         print('held', mem() - start, flush=True)\n\
         sys.stdin.read()\n",
    );
    let (mut node, line) = hold_on_node1(&lab, &format!("python3 /root/tcp.py {pages}"));
    drop(node.stdin.take());
    let _ = node.wait();
    let held: u64 = line
        .trim()
        .strip_prefix("held ")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("node1's script ran: {line}"));
    eprintln!("node1 held {held} pages of TCP memory; its memory limit {limit} bytes");
    assert!(
        held * 4096 <= limit,
        "node1 held {held} pages ({} MiB) of the host's TCP memory, past its memory limit of {} MiB",
        (held * 4096) >> 20,
        limit >> 20
    );
}

/// Destroys a lab whose claim lives under `LAB_RUN_DIR=run`, pass or fail.
struct OtherClaims<'a> {
    lab: &'a TestLab,
    run: &'a std::path::Path,
}

impl Drop for OtherClaims<'_> {
    fn drop(&mut self) {
        let _ = self
            .lab
            .cmd()
            .env("LAB_RUN_DIR", self.run)
            .args(["destroy", &self.lab.name, "--purge"])
            .output();
    }
}

/// The first host uid of a lab's range, from its state.
fn recorded_base(lab: &TestLab) -> u64 {
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(lab.dir().join("state.json")).unwrap()).unwrap();
    state["provider_state"]["ids"]["base"]
        .as_u64()
        .unwrap_or_else(|| panic!("no recorded ids: {state}"))
}

/// Fails on uidmap at 294f99f: `ids::reserve` leaves out only the ranges
/// of the claims under `LAB_RUN_DIR` (a documented setting; the test
/// `instances` uses one of its own), but uids are host-wide: by hand
/// `p18a` (claims in /run/lab) and `p18b` (`LAB_RUN_DIR=/tmp/probe18-run2`)
/// both got 2000683008, and while node2 of `p18b` held 20,250 file
/// descriptors in flight on a unix socket (the per-uid count the kernel
/// keeps, `RLIMIT_NOFILE` 20000), node1 of `p18a` could pass none: "Too many
/// references" (`ETOOMANYREFS`); epoll watches and pipe pages are shared
/// the same way. Two labs up at once must never share a range.
#[test]
fn labs_with_different_claims_folders_get_disjoint_ranges() {
    let a = TestLab::chapter4("p18c");
    a.up(&[]);
    let b = TestLab::chapter4("p18d");
    let run = tempfile::tempdir().unwrap();
    let _guard = OtherClaims {
        lab: &b,
        run: run.path(),
    };
    let file = b.file();
    let out = b
        .cmd()
        .env("LAB_RUN_DIR", run.path())
        .args(["up", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "lab up: {}", text(&out));
    // Every range of a lab up now (this test's `a` among them) and `b`'s.
    let rb = recorded_base(&b);
    let block = 2 * 65536;
    let claims = std::fs::read_dir("/run/lab").unwrap().flatten();
    let shared: Vec<String> = claims
        .filter_map(|e| {
            serde_json::from_slice::<serde_json::Value>(&std::fs::read(e.path()).ok()?).ok()
        })
        .filter_map(|c| Some((c["name"].as_str()?.to_string(), c["ids"].as_u64()?)))
        .filter(|&(_, r)| !(r + block <= rb || rb + block <= r))
        .map(|(n, r)| format!("{n} ({r})"))
        .collect();
    assert!(recorded_base(&a) > 0, "{} has a range", a.name);
    assert!(
        shared.is_empty(),
        "{} (claims in {}) got the range from {rb}, which labs up now hold: {shared:?}",
        b.name,
        run.path().display()
    );
}

/// Fails on uidmap at 294f99f: `apply` takes the lab's range from the
/// state alone (`ctx.ids()`), never from the claim that reserved it: a
/// state whose `ids.base` was changed to 0 made `apply` create the pods'
/// user namespaces with the map `0 0 65536` (a pod's root the host's root,
/// the owner uid 79945 of no check but NSS) and give the pods' folders to
/// uid 0. The claim still said 2000683008. A state that names a range other
/// than its claim's must be refused before anything changes.
#[test]
fn a_state_naming_another_range_than_its_claim_is_refused() {
    use std::os::unix::fs::MetadataExt;
    let lab = TestLab::chapter4("p18e");
    lab.up(&[]);
    let base = recorded_base(&lab);
    let path = lab.dir().join("state.json");
    let mut state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    state["provider_state"]["ids"]["base"] = 0.into();
    std::fs::write(&path, serde_json::to_vec(&state).unwrap()).unwrap();
    let out = lab.lab(&["apply", &lab.name, "--variant", "fixed"]);
    let pod = lab.pod_on("node1");
    let owner = std::fs::metadata(lab.dir().join("pods").join(&pod.name))
        .map(|m| u64::from(m.uid()))
        .unwrap_or(base);
    assert_eq!(
        owner,
        base,
        "after the state was edited to name uid 0, apply gave pod {}'s folder to uid {owner} (exit {:?}): {}",
        pod.name,
        out.status.code(),
        text(&out)
    );
    assert_eq!(out.status.code(), Some(2), "refused: {}", text(&out));
    assert!(text(&out).contains("untrusted state"), "{}", text(&out));
}

/// Fails on uidmap at 294f99f: `ids::reserve` waits on the lock file
/// `.ids.lock` of the claims' folder (`flock(LOCK_EX)`, no bound), which
/// `lab` makes 0644 in a 0755 folder (`/run/lab/.ids.lock` here): any host
/// user may open it read-only and lock it. By hand (with a claims folder
/// of the probe's own, made by `lab` as `/run/lab` is): while `nobody` held
/// it (`runuser -u nobody -- flock /tmp/probe18-run3/.ids.lock sleep 25`),
/// `timeout 10 lab up chapter4 --name p18h` said nothing and returned only
/// after 24.2 s, when the lock was let go (SIGTERM at 10 s did not end the
/// wait). Every `lab up` of the host waits for as long as that user likes.
#[test]
fn a_host_user_cannot_hold_every_lab_up() {
    use std::os::unix::fs::PermissionsExt;
    let lab = TestLab::chapter4("p18h");
    let run = tempfile::tempdir().unwrap();
    std::fs::set_permissions(run.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let _guard = OtherClaims {
        lab: &lab,
        run: run.path(),
    };
    let lock = run.path().join(".ids.lock");
    // A first `up` and `destroy` make the claims' folder and its lock as
    // `lab` makes them.
    let file = lab.file();
    let up = || {
        lab.cmd()
            .env("LAB_RUN_DIR", run.path())
            .args(["up", file.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    assert!(up().wait().unwrap().success(), "first lab up");
    let out = lab
        .cmd()
        .env("LAB_RUN_DIR", run.path())
        .args(["destroy", &lab.name])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(lock.exists(), "lab made {}", lock.display());
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    assert_eq!(
        mode(&lock),
        0o600,
        "lab makes {} root's alone",
        lock.display()
    );
    // As an older `lab` left it: 0644. `nobody` opens and locks it until
    // its stdin ends.
    std::fs::set_permissions(&lock, std::fs::Permissions::from_mode(0o644)).unwrap();
    let nobody_locks = |stdin: Stdio| {
        Command::new("setpriv")
            .args(["--reuid", "65534", "--regid", "65534", "--clear-groups"])
            .args(["/usr/bin/python3", "-c"])
            .arg(
                "import fcntl, sys\n\
                 f = open(sys.argv[1])\n\
                 fcntl.flock(f, fcntl.LOCK_EX)\n\
                 print('locked', flush=True)\n\
                 sys.stdin.read()\n",
            )
            .arg(&lock)
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut holder = nobody_locks(Stdio::piped());
    let mut line = String::new();
    std::io::BufReader::new(holder.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let second = lab
        .cmd()
        .env("LAB_RUN_DIR", run.path())
        .args(["up", file.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = {
        let started = std::time::Instant::now();
        let mut second = second;
        let mut finished = None;
        while started.elapsed() < std::time::Duration::from_secs(20) {
            if let Some(s) = second.try_wait().unwrap() {
                finished = Some(s);
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        if finished.is_none() {
            let _ = second.kill();
        }
        let out = second.wait_with_output().unwrap();
        finished.map(|_| out)
    };
    let holder_pid = holder.id();
    drop(holder.stdin.take());
    let _ = holder.wait();
    assert_eq!(line.trim(), "locked", "nobody could not open the 0644 lock");
    let out = out.unwrap_or_else(|| {
        panic!(
            "lab up still waited after 20 s while nobody held {}",
            lock.display()
        )
    });
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "lab up: {err}");
    assert!(
        err.contains(&format!("PID {holder_pid}")),
        "names the holder: {err}"
    );
    // The lock is 0600 again: nobody cannot open it any more.
    assert_eq!(mode(&lock), 0o600);
    let mut again = nobody_locks(Stdio::null());
    let mut line = String::new();
    std::io::BufReader::new(again.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = again.wait();
    assert_eq!(line, "", "nobody opened the 0600 lock");
}
