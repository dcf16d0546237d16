//! The tests of `limits` (apart: the module is near its size bound).

use super::*;

fn roomy() -> Host {
    Host {
        max_net_namespaces: 100_000,
        max_user_namespaces: 100_000,
        user_namespaces_in_use: 30,
        max_mnt_namespaces: 100_000,
        mnt_namespaces_in_use: 20,
        net_namespaces_in_use: 10,
        pid_max: 4_194_304,
        threads_max: 200_000,
        tasks_in_use: 100,
        lab_process_limits: vec![],
        mount_max: 100_000,
        mounts_in_use: 50,
        open_files_hard: 1 << 20,
        mem_available_kib: 20 << 20,
        mem_total_kib: 64 << 20,
        lab_memory_limits: vec![],
    }
}

/// `lab` with `n` nodes like its second (and its pods: none).
fn with_nodes(lab: &Lab, n: usize) -> Lab {
    let mut big = lab.clone();
    let node = lab.nodes[1].clone();
    big.nodes = (0..n)
        .map(|i| crate::spec::Node {
            name: format!("n{i}"),
            index: i,
            ..node.clone()
        })
        .collect();
    big
}

#[test]
fn the_nodes_memory_limits_are_cut_to_fit_the_hosts_share() {
    const MIB: u64 = 1 << 20;
    let lab = super::super::plan::tests::lab();
    assert!(lab.placements().is_empty());
    // This project's host: 23.5 GiB.
    let host = Host {
        mem_total_kib: 24_683_784,
        ..roomy()
    };
    let (node, pod) = cgroup_limits(&lab, &host);
    assert_eq!((node.memory, pod.memory), (512 * MIB, 128 * MIB));
    // probe21bz's 51 nodes: 25.5 GiB at 512 MiB on a 23.5 GiB host; cut
    // to 354 MiB each (no pods here), 17.6 GiB together (three quarters).
    let big = with_nodes(&lab, 51);
    let (node, _) = cgroup_limits(&big, &host);
    assert_eq!(node.memory, 354 * MIB);
    assert!(51 * node.memory <= host.mem_total_kib * 1024 / 4 * 3);
    assert_eq!(node.processes, 1024, "processes are cut apart");
    // The TCP buffers' mark follows (a quarter).
    assert_eq!(cgroups::tcp_limit(node), 354 * MIB / 4);
    // Other labs' limits count; this lab's own (an `apply`) do not.
    let mut beside = host.clone();
    beside.lab_memory_limits = (0..20)
        .map(|i| (format!("lab-other.n{i}"), 512 * MIB))
        .chain([(format!("lab-{}.n0", lab.name), 512 * MIB)])
        .collect();
    assert_eq!(beside.memory_promised_beside(&lab.name), 20 * 512 * MIB);
    let (node, _) = cgroup_limits(&big, &beside);
    assert_eq!(node.memory, 153 * MIB);
    // Down to the floor, never refused for what other labs hold.
    beside
        .lab_memory_limits
        .push(("lab-other.big".into(), 100 << 30));
    assert_eq!(cgroup_limits(&big, &beside).0.memory, memory::NODE_FLOOR);
    assert_eq!(exceeded(&big, &beside), None);
}

#[test]
fn a_lab_whose_memory_floors_do_not_fit_the_hosts_share_is_refused() {
    let lab = super::super::plan::tests::lab();
    // A 2 GiB host: three quarters of it hold 192 nodes at 8 MiB, not 193.
    let mut h = roomy();
    h.mem_total_kib = 2 << 20;
    h.mem_available_kib = 2 << 20;
    assert_eq!(exceeded(&with_nodes(&lab, 192), &h), None);
    let msg = exceeded(&with_nodes(&lab, 193), &h).unwrap();
    assert!(
        msg.contains(
            "memory limits of the nodes and pods (three quarters of the host's 2048 MiB, MemTotal), \
             cut to fit but at least 8 MiB for each of 193 nodes and 8 MiB for each of 0 pods: \
             the lab needs 1544 MiB, this host has 1536 MiB left; \
             use fewer nodes, or a host with more memory"
        ),
        "{msg}"
    );
    assert!(msg.starts_with("lab '"), "{msg}");
}

#[test]
fn the_chapter_fits_a_roomy_host() {
    let lab = super::super::plan::tests::lab();
    assert_eq!(exceeded(&lab, &roomy()), None);
    let l = limits(&lab, &roomy());
    let ns = l
        .iter()
        .find(|l| l.what.starts_with("network namespaces"))
        .unwrap();
    // net, NAT ends, 3 nodes; no pods in the test lab.
    assert_eq!(ns.needed, 5);
}

#[test]
fn each_limit_is_named_with_the_number_and_the_fix() {
    let lab = super::super::plan::tests::lab();
    let mut h = roomy();
    h.max_net_namespaces = 12;
    let msg = exceeded(&lab, &h).unwrap();
    assert!(
        msg.contains(
            "network namespaces (user.max_net_namespaces): the lab needs 5, this host has 2 left"
        ),
        "{msg}"
    );
    assert!(
        msg.contains("sysctl -w user.max_net_namespaces=1039"),
        "{msg}"
    );
    // What other labs (or instances) hold counts: their pods' mount
    // namespaces.
    let mut h = roomy();
    h.mnt_namespaces_in_use = h.max_mnt_namespaces - 1;
    let msg = exceeded(&lab, &h).unwrap();
    assert!(
        msg.contains("mount namespaces (user.max_mnt_namespaces")
            && msg.contains("this host has 1 left"),
        "{msg}"
    );
    // One user namespace per node (3) and pod (none here).
    let mut h = roomy();
    h.user_namespaces_in_use = h.max_user_namespaces - 2;
    let msg = exceeded(&lab, &h).unwrap();
    assert!(
        msg.contains("user namespaces (user.max_user_namespaces), one per node and per pod: the lab needs 3, this host has 2 left")
            && msg.contains("sysctl -w user.max_user_namespaces=101025"),
        "{msg}"
    );
    let mut h = roomy();
    h.mem_available_kib = 1;
    h.open_files_hard = 64;
    let msg = exceeded(&lab, &h).unwrap();
    assert!(msg.contains("memory (MemAvailable)"), "{msg}");
    assert!(msg.contains("open files of lab"), "{msg}");
    assert!(msg.contains("ulimit -Hn"), "{msg}");
    assert!(!msg.contains("process IDs"), "{msg}");
}

#[test]
fn the_nodes_process_limits_are_cut_to_fit_pid_max() {
    let lab = super::super::plan::tests::lab();
    let nodes = |n: usize| with_nodes(&lab, n);
    // A roomy host: the cgroups' own limits.
    let (node, pod) = cgroup_limits(&lab, &roomy());
    assert_eq!((node.processes, pod.processes), (1024, 128));
    assert_eq!(node.memory, cgroups::NODE.memory);
    // A host at the default pid_max, 32,768, running 1000 tasks. Three
    // nodes keep 1024; 31 at 1024 would take it all: each gets 984.
    let mut h = roomy();
    h.pid_max = 32_768;
    h.tasks_in_use = 1000;
    assert_eq!(cgroup_limits(&lab, &h).0.processes, 1024);
    let (node, _) = cgroup_limits(&nodes(31), &h);
    assert_eq!(node.processes, 30_744 / 248 * 8);
    assert!(31 * node.processes + HOST_PIDS <= 32_768 - 1000);
    assert_eq!(exceeded(&nodes(31), &h), None);
    // 480 nodes of 64 fit what is left, 481 do not: refused, named.
    assert_eq!(cgroup_limits(&nodes(480), &h).0.processes, 64);
    assert_eq!(exceeded(&nodes(480), &h), None);
    let msg = exceeded(&nodes(481), &h).unwrap();
    assert!(
        msg.contains("process IDs (kernel.pid_max), as many as the nodes and pods may run, their cgroups' limits cut to fit but at least 64 a node and 8 a pod, and 1024 kept for the host: the lab needs 31808, this host has 31768 left; sysctl -w kernel.pid_max=4194304"),
        "{msg}"
    );
    // Another lab's 31 nodes at 984 (each using 10): what they may still
    // take is theirs. This lab's own cgroups (an `apply`) are not
    // counted against it.
    let mut beside = h.clone();
    beside.lab_process_limits = (0..31)
        .map(|i| (format!("lab-other.n{i}"), 984, 10))
        .chain([(format!("lab-{}.node1", lab.name), 1024, 10)])
        .collect();
    assert_eq!(beside.pids_promised_beside(&lab.name), 31 * 974);
    let (node, pod) = cgroup_limits(&lab, &beside);
    let (n, p) = (lab.nodes.len() as u64, lab.placements().len() as u64);
    assert!(node.processes < 1024 && pod.processes < 128);
    assert!(
        n * node.processes + p * pod.processes + HOST_PIDS + 1000 + 31 * 974 <= 32_768,
        "{node:?} {pod:?}"
    );
    // Cut to the least each may have, but not refused: the lab's
    // processes fit what is free.
    assert_eq!(cgroup_limits(&nodes(31), &beside).0.processes, 64);
    assert_eq!(exceeded(&nodes(31), &beside), None);
    assert_eq!(exceeded(&lab, &beside), None);
}

#[test]
fn a_bridge_holds_at_most_1023_nodes() {
    let mut lab = super::super::plan::tests::lab();
    let node = lab.nodes[1].clone();
    lab.nodes = (0..1024)
        .map(|i| crate::spec::Node {
            name: format!("n{i}"),
            index: i,
            ..node.clone()
        })
        .collect();
    let msg = exceeded(&lab, &roomy()).unwrap();
    assert!(
        msg.contains("BR_MAX_PORTS): the lab needs 1024, this host has 1023 left"),
        "{msg}"
    );
    assert!(msg.contains("cannot be raised"), "{msg}");
    lab.nodes.truncate(1023);
    assert_eq!(exceeded(&lab, &roomy()), None);
}
