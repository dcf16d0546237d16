//! A node has a process, a memory and a CPU limit of its own (cgroups
//! named `lab-<lab>.<node>`): a fork bomb, a memory hog or a spinner on
//! every core in `lab ssh LAB node1 -- …` stops at the node's limit, the
//! host and the lab's other nodes go on, and `destroy` leaves no cgroup.

use crate::labs::{TestLab, cgroups_of, text};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// A file of the cgroup of `lab`'s namespace `ns` (`node1`), in whichever
/// hierarchy has it.
fn cgroup_file(lab: &TestLab, ns: &str, file: &str) -> std::path::PathBuf {
    let name = format!("lab-{}.{ns}", lab.name);
    cgroups_of(&lab.name)
        .into_iter()
        .map(std::path::PathBuf::from)
        .filter(|d| d.file_name().is_some_and(|f| f.to_string_lossy() == name))
        .map(|d| d.join(file))
        .find(|f| f.exists())
        .unwrap_or_else(|| {
            panic!(
                "no {file} of cgroup {name} (the lab's cgroups: {:?})",
                cgroups_of(&lab.name)
            )
        })
}

/// `key N` of a flat keyed cgroup file (`pids.events`, `memory.events`,
/// v1's `memory.oom_control`).
fn keyed(path: &std::path::Path, key: &str) -> u64 {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key} "))?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {key} in {}", path.display()))
}

/// The node's processes (those in its network namespace) at most, while
/// `cmd` runs over `lab ssh` (at most `for_at_most`), and whether it ended.
fn most_processes_while(lab: &TestLab, node: &str, cmd: &str, for_at_most: Duration) -> usize {
    let mut ssh = lab
        .cmd()
        .args(["ssh", &lab.name, node, "--", cmd])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + for_at_most;
    let mut most = 0;
    while ssh.try_wait().unwrap().is_none() && Instant::now() < deadline && most <= 1100 {
        most = most.max(lab.pids_in(node).len());
        std::thread::sleep(Duration::from_millis(20));
    }
    // Ending the session ends the node's PID namespace: all it started.
    let _ = ssh.kill();
    let _ = ssh.wait();
    most
}

#[test]
fn a_fork_bomb_in_a_node_stops_at_the_nodes_limit_and_the_host_and_lab_go_on() {
    let lab = TestLab::chapter4("fb");
    lab.up(&[]);
    // The node's limit is 1024 where the host's process IDs allow, fewer
    // where other labs' nodes and pods hold some (the unit tests of
    // `limits::cgroup_limits` pin the numbers): never fewer than 64.
    let limit: usize = std::fs::read_to_string(cgroup_file(&lab, "node1", "pids.max"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        (64..=1024).contains(&limit),
        "node1's process limit {limit}"
    );
    // More processes than a node may have (harmless to the host even
    // without a limit): they stop at the node's limit.
    let most = most_processes_while(
        &lab,
        "node1",
        "for i in $(seq 1500); do sleep 60 </dev/null >/dev/null 2>&1 & done; wait",
        Duration::from_secs(60),
    );
    assert!(
        most <= limit,
        "node1 ran {most} processes: it has no limit of {limit}"
    );
    let events = cgroup_file(&lab, "node1", "pids.events");
    let refused = keyed(&events, "max");
    assert!(refused > 0, "no fork refused by node1's limit");

    // A real fork bomb, for 5 s (the session's end ends it).
    let bomb = lab
        .cmd()
        .args([
            "ssh",
            &lab.name,
            "node1",
            "--",
            "sleep 5 & s=$!; (b() { b & b & }; b) </dev/null >/dev/null 2>&1 & wait $s; echo survived",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Meanwhile node2 answers and the host forks.
    let current = cgroup_file(&lab, "node1", "pids.current");
    let mut peak = 0u64;
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(2) {
        let n: u64 = std::fs::read_to_string(&current)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        peak = peak.max(n);
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = lab.ssh("node2", "echo node2-ok");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("node2-ok"),
        "node2 during node1's fork bomb: {}",
        text(&out)
    );
    let out = bomb.wait_with_output().unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("survived"),
        "{}",
        text(&out)
    );
    assert!(peak <= limit as u64, "node1 held {peak} processes");
    assert!(
        keyed(&events, "max") > refused,
        "the bomb was not stopped by node1's limit (peak {peak})"
    );
    // The node itself goes on.
    let out = lab.ssh("node1", "echo node1-ok");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("node1-ok"),
        "node1 after its fork bomb: {}",
        text(&out)
    );

    // Every node and pod has its cgroup; a pod's nginx runs in its own,
    // with a pod's limits; destroy removes them all.
    let all = cgroups_of(&lab.name);
    for ns in ["master", "node1", "node2", "pod.nginx-deployment-node1-0"] {
        let name = format!("lab-{}.{ns}", lab.name);
        assert!(all.iter().any(|c| c.ends_with(&name)), "{name}: {all:?}");
    }
    let pod = "pod.nginx-deployment-node1-0";
    let procs = std::fs::read_to_string(cgroup_file(&lab, pod, "cgroup.procs")).unwrap();
    let nginx: Vec<i32> = procs
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect();
    assert!(
        nginx
            .iter()
            .any(|p| std::fs::read_to_string(format!("/proc/{p}/comm"))
                .is_ok_and(|c| c.trim() == "nginx")),
        "no nginx in the pod's cgroup: {procs}"
    );
    let max: u64 = std::fs::read_to_string(cgroup_file(&lab, pod, "pids.max"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!((8..=128).contains(&max), "a pod's process limit {max}");
    let out = lab.lab(&["destroy", &lab.name]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(cgroups_of(&lab.name), Vec::<String>::new());
}

#[test]
fn a_node_spinning_on_every_core_is_held_to_one_cpu() {
    // Where the host has no cpu controller (not this project's machines),
    // there is nothing to hold it: say so rather than pass.
    let has_cpu = std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .any(|l| {
            l.contains(" - cgroup ")
                && l.split(' ')
                    .next_back()
                    .is_some_and(|o| o.split(',').any(|c| c == "cpu"))
        });
    assert!(
        has_cpu,
        "this host has no v1 cpu controller: the test needs one"
    );
    let lab = TestLab::chapter4("cpu");
    lab.up(&[]);
    let quota = cgroup_file(&lab, "node1", "cpu.cfs_quota_us");
    assert_eq!(std::fs::read_to_string(&quota).unwrap().trim(), "100000");
    let pod = cgroups_of(&lab.name)
        .into_iter()
        .map(std::path::PathBuf::from)
        .find(|d| d.join("cpu.cfs_quota_us").exists() && d.to_string_lossy().contains(".pod."))
        .expect("a pod's cpu cgroup");
    let pod_quota = std::fs::read_to_string(pod.join("cpu.cfs_quota_us")).unwrap();
    assert_eq!(pod_quota.trim(), "50000", "{}", pod.display());
    // Four spinners: every process the node runs is in its cpu cgroup,
    // so the quota holds them all. (Whether the kernel then throttles
    // them depends on the host's load, not on lab: a loaded 2-core host
    // never gives them more than the quota anyway, so that is not asserted.)
    let spin = lab
        .cmd()
        .args([
            "ssh",
            &lab.name,
            "node1",
            "--",
            "for i in 1 2 3 4; do (while :; do :; done) </dev/null >/dev/null 2>&1 & done; \
             sleep 3; kill $(jobs -p); echo spun",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let cpu_cgroup = quota.parent().unwrap().to_path_buf();
    let mut most = 0;
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(3) {
        let n = std::fs::read_to_string(cpu_cgroup.join("cgroup.procs"))
            .unwrap()
            .lines()
            .count();
        most = most.max(n);
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = spin.wait_with_output().unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("spun"),
        "{}",
        text(&out)
    );
    // The session's shell, sleep and the four spinners at least.
    assert!(
        most >= 5,
        "node1's cpu cgroup held at most {most} processes during the spin"
    );
    eprintln!(
        "node1 cpu.stat after the spin: {}",
        std::fs::read_to_string(cpu_cgroup.join("cpu.stat")).unwrap_or_default()
    );
    let out = lab.lab(&["destroy", &lab.name]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(cgroups_of(&lab.name), Vec::<String>::new());
}

#[test]
fn a_memory_hog_in_a_node_is_killed_by_the_nodes_limit() {
    let lab = TestLab::chapter4("mh");
    lab.up(&[]);
    // `tail` holds a line without end in memory: 1100 MiB of it (bounded,
    // so the host is safe even without a limit), past node1's limit (at
    // most 512 MiB).
    let out = lab.ssh("node1", "head -c 1100M /dev/zero | tail | wc -c");
    let said = text(&out);
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("1153433600"),
        "node1 held 1100 MiB: {said}"
    );
    let limit = ["memory.max", "memory.limit_in_bytes"]
        .iter()
        .find_map(|f| {
            let name = format!("lab-{}.node1", lab.name);
            cgroups_of(&lab.name)
                .into_iter()
                .map(|d| std::path::PathBuf::from(d).join(f))
                .find(|p| p.exists() && p.parent().unwrap().ends_with(&name))
        })
        .map(|p| std::fs::read_to_string(p).unwrap())
        .unwrap_or_default();
    // 512 MiB, less where other labs' limits hold three quarters of the host's
    // memory (the unit tests of `limits::memory` pin the numbers).
    let limit: u64 = limit.trim().parse().unwrap_or(0);
    assert!(
        (8 << 20..=512 << 20).contains(&limit),
        "node1's memory limit {limit}"
    );
    let (file, key) = match lab_memory_events(&lab) {
        Some(f) => (f, "oom_kill"),
        None => (cgroup_file(&lab, "node1", "memory.oom_control"), "oom_kill"),
    };
    assert!(
        keyed(&file, key) >= 1,
        "no OOM kill in node1's cgroup: {said}"
    );
    let out = lab.ssh("node1", "echo node1-ok");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("node1-ok"),
        "node1 after the hog: {}",
        text(&out)
    );
}

/// cgroup v2's `memory.events` of node1, if the memory limit is v2's.
fn lab_memory_events(lab: &TestLab) -> Option<std::path::PathBuf> {
    let name = format!("lab-{}.node1", lab.name);
    cgroups_of(&lab.name)
        .into_iter()
        .map(std::path::PathBuf::from)
        .filter(|d| d.file_name().is_some_and(|f| f.to_string_lossy() == name))
        .map(|d| d.join("memory.events"))
        .find(|f| f.exists())
}

/// Where the cgroup filesystem is read-only (a container; here, every
/// cgroup mount made read-only in a private mount namespace of the test's
/// own, where `doctor`, `up`, `ssh` and `destroy` run), `up` works without
/// limits and says so, `doctor` says so plainly, and no cgroup is made.
#[test]
fn without_a_writable_cgroup_filesystem_up_works_and_says_nodes_have_no_limits() {
    let lab = TestLab::chapter4("ro");
    let out = std::process::Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(format!(
            "for m in $(findmnt -rn -t cgroup,cgroup2 -o TARGET); do \
               mount -o remount,bind,ro \"$m\" || exit 9; done; \
             \"$0\" doctor; \"$0\" up \"$1\" || exit 8; \
             \"$0\" ssh {name} node1 -- echo node1-ok; \
             echo made=$(find /sys/fs/cgroup -maxdepth 2 -name 'lab-{name}.*' | wc -l); \
             \"$0\" destroy {name}",
            name = lab.name
        ))
        .arg(env!("CARGO_BIN_EXE_lab"))
        .arg(lab.file())
        .env("LAB_STATE_DIR", lab.state.path())
        .env("CI", "1")
        .output()
        .unwrap();
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("NOTE    nodes and pods run WITHOUT memory or process limits:\n")
            && said.contains("is read-only (in a container?);\n"),
        "doctor: {said}"
    );
    assert!(
        said.contains("nodes and pods run WITHOUT memory or process limits:\n  /sys/fs/cgroup"),
        "up: {said}"
    );
    assert!(said.contains("node1-ok"), "{said}");
    assert!(said.contains("made=0"), "{said}");
    assert_eq!(cgroups_of(&lab.name), Vec::<String>::new());
}

/// The OOM score of the host process `pid` (`/proc/PID/oom_score_adj`).
fn oom_score_adj(pid: i32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/oom_score_adj"))
        .unwrap_or_else(|e| panic!("oom_score_adj of {pid}: {e}"))
        .trim()
        .to_string()
}

/// Every process a node or a pod starts has the highest OOM score (1000),
/// so a global OOM takes a lab process before a host process: a node's
/// sshd and what its session runs, a pod's nginx, read from the host.
#[test]
fn a_nodes_sshd_and_a_pods_nginx_are_the_oom_killers_first_choice() {
    let lab = TestLab::chapter4("memfitoom");
    lab.up(&[]);
    // A session held open: its sshd (the node's PID 1) and its shell.
    let mut session = lab
        .cmd()
        .args(["ssh", &lab.name, "node1", "--", "echo ready; sleep 30"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let sshd = loop {
        let found = lab.pids_in("node1").into_iter().find(|p| {
            std::fs::read_to_string(format!("/proc/{p}/comm")).is_ok_and(|c| c.trim() == "sshd")
        });
        if let Some(p) = found {
            break p;
        }
        assert!(Instant::now() < deadline, "no sshd in node1");
        std::thread::sleep(Duration::from_millis(50));
    };
    // Read while the session is open (its sshd leaves with it); a process
    // that ended between the listing and the read is passed over.
    let sshd_score = oom_score_adj(sshd);
    let in_node: Vec<(i32, String)> = lab
        .pids_in("node1")
        .into_iter()
        .filter_map(|p| {
            let s = std::fs::read_to_string(format!("/proc/{p}/oom_score_adj")).ok()?;
            Some((p, s.trim().to_string()))
        })
        .collect();
    let _ = session.kill();
    let _ = session.wait();
    assert_eq!(sshd_score, "1000", "node1's sshd {sshd}");
    assert!(
        in_node.len() >= 2 && in_node.iter().all(|(_, s)| s == "1000"),
        "node1's processes and their OOM scores: {in_node:?}"
    );
    let pod = "pod.nginx-deployment-node1-0";
    let nginx: Vec<i32> = std::fs::read_to_string(cgroup_file(&lab, pod, "cgroup.procs"))
        .unwrap()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .filter(|p| {
            std::fs::read_to_string(format!("/proc/{p}/comm")).is_ok_and(|c| c.trim() == "nginx")
        })
        .collect();
    assert!(!nginx.is_empty(), "no nginx in the pod's cgroup");
    for p in nginx {
        assert_eq!(oom_score_adj(p), "1000", "the pod's nginx {p}");
    }
    // Inside, a node's root cannot lower it (that needs CAP_SYS_RESOURCE
    // in the host's user namespace).
    let out = lab.ssh(
        "node1",
        "echo 0 > /proc/self/oom_score_adj; cat /proc/self/oom_score_adj",
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "1000",
        "{}",
        text(&out)
    );
    let out = lab.lab(&["destroy", &lab.name]);
    assert!(out.status.success(), "{}", text(&out));
}

/// The host's `MemTotal`, in bytes.
fn mem_total() -> u64 {
    let info = std::fs::read_to_string("/proc/meminfo").unwrap();
    let kib: u64 = info
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap();
    kib * 1024
}

/// A lab's nodes' and pods' memory limits are cut so that all of them
/// together fit three quarters of the host's memory (probe21bz: `--nodes
/// 50` gave 51 nodes 25.8 GiB of limits on this 23.5 GiB host); a lab whose
/// nodes and pods at 8 MiB each do not fit is refused before anything is
/// made, exit 4, naming the limit, the count and the host's memory.
#[test]
fn the_nodes_memory_limits_fit_the_hosts_share_or_up_refuses() {
    let lab = TestLab::chapter4("memfitcut");
    lab.up(&["--nodes", "50"]);
    let limits: Vec<(String, u64)> = cgroups_of(&lab.name)
        .into_iter()
        .map(std::path::PathBuf::from)
        .filter_map(|d| {
            let v = std::fs::read_to_string(d.join("memory.limit_in_bytes"))
                .or_else(|_| std::fs::read_to_string(d.join("memory.max")))
                .ok()?;
            Some((d.display().to_string(), v.trim().parse().ok()?))
        })
        .collect();
    let nodes: Vec<u64> = limits
        .iter()
        .filter(|(d, _)| !d.contains(".pod."))
        .map(|(_, v)| *v)
        .collect();
    assert_eq!(nodes.len(), 51, "{limits:?}");
    let total: u64 = limits.iter().map(|(_, v)| v).sum();
    assert!(
        total <= mem_total() / 4 * 3,
        "the lab's limits {total} past three quarters of the host's {}: {limits:?}",
        mem_total()
    );
    assert!(
        nodes
            .iter()
            .all(|v| (8 << 20..=512 << 20).contains(v) && *v == nodes[0]),
        "{limits:?}"
    );
    let out = lab.lab(&["destroy", &lab.name]);
    assert!(out.status.success(), "{}", text(&out));

    // 2300 workers: 2301 nodes at 8 MiB are 18 GiB, past three quarters
    // of this host (23.5 GiB; a host of 24 GiB or more would take them).
    let big = TestLab::chapter4("memfitbig");
    if mem_total() / 4 * 3 >= 2301 * (8 << 20) + 2 * (8 << 20) {
        eprintln!("this host holds 2301 nodes at their floors: refusal not exercised");
        return;
    }
    for f in ["lab.yaml", "flannel.yml", "flannel_fix.yml"] {
        let p = big.src.path().join(f);
        let t = std::fs::read_to_string(&p).unwrap();
        let t = t
            .replace("private: 10.100.198.0/24", "private: 10.100.0.0/16")
            .replace("10.244.0.0/16", "10.128.0.0/12");
        std::fs::write(&p, t).unwrap();
    }
    let file = big.file();
    let out = big.lab(&["up", file.to_str().unwrap(), "--nodes", "2300"]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(4), "{said}");
    assert!(
        said.contains(&format!(
            "memory limits of the nodes and pods (three quarters of the host's {} MiB, MemTotal), \
             cut to fit but at least 8 MiB for each of 2301 nodes and 8 MiB for each of 2 pods: \
             the lab needs 18424 MiB, this host has {} MiB left",
            mem_total() >> 20,
            mem_total() / 4 * 3 / 1024 / 1024
        )),
        "{said}"
    );
    assert_eq!(crate::labs::namespaces_of(&big.name), Vec::<String>::new());
    assert_eq!(cgroups_of(&big.name), Vec::<String>::new());
}

/// A cgroup made again with a higher memory limit takes it (cgroup v1
/// keeps memory at most memory and swap: the latter is raised first).
#[test]
fn a_cgroup_made_again_with_more_memory_takes_it() {
    use lab::provider::netns::cgroups;
    crate::labs::require_root();
    let name = crate::labs::unique_name("memfitraise");
    let ns = vec![format!("{name}.node1")];
    let with = |mib: u64| cgroups::Limits {
        memory: mib << 20,
        ..cgroups::NODE
    };
    let limit = || {
        cgroups_of(&name)
            .into_iter()
            .map(std::path::PathBuf::from)
            .find_map(|d| {
                ["memory.limit_in_bytes", "memory.max"]
                    .iter()
                    .find_map(|f| std::fs::read_to_string(d.join(f)).ok())
            })
            .map(|t| t.trim().to_string())
    };
    let made = cgroups::make(&ns, with(16));
    let again = cgroups::make(&ns, with(512));
    let after = limit();
    let lower = cgroups::make(&ns, with(32));
    let lowered = limit();
    let removed = cgroups::remove(&ns, &lab::report::Reporter::quiet());
    assert!(matches!(made, Ok(None)), "{made:?}");
    assert!(
        matches!(again, Ok(None)),
        "made again with 512 MiB: {again:?}"
    );
    assert_eq!(after, Some((512u64 << 20).to_string()));
    assert!(
        matches!(lower, Ok(None)),
        "made again with 32 MiB: {lower:?}"
    );
    assert_eq!(lowered, Some((32u64 << 20).to_string()));
    assert!(removed.is_ok(), "{removed:?}");
    assert_eq!(cgroups_of(&name), Vec::<String>::new());
}
