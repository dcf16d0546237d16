//! Tests of `cgroups`: the hierarchies read from mountinfo, `doctor`'s
//! lines, names.

use super::*;

const HYBRID: &str = "\
35 25 0:30 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
36 35 0:31 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw
39 35 0:34 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,memory
40 35 0:35 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,pids
41 35 0:36 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:16 - cgroup cgroup rw,cpu,cpuacct
";

const V2: &str = "\
30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate
";

#[test]
fn hybrid_hosts_use_v1_memory_and_pids() {
    // The unified hierarchy has no controllers there.
    let s = from_mountinfo(HYBRID, |_| String::new());
    assert_eq!(
        s,
        Support::Limits(vec![
            Hierarchy {
                dir: "/sys/fs/cgroup/memory".into(),
                v2: false,
                memory: true,
                pids: false,
                cpu: false,
            },
            Hierarchy {
                dir: "/sys/fs/cgroup/pids".into(),
                v2: false,
                memory: false,
                pids: true,
                cpu: false,
            },
            Hierarchy {
                dir: "/sys/fs/cgroup/cpu,cpuacct".into(),
                v2: false,
                memory: false,
                pids: false,
                cpu: true,
            },
        ])
    );
}

#[test]
fn v2_is_used_where_its_root_delegates_both_controllers() {
    let s = from_mountinfo(V2, |d| {
        assert_eq!(d, Path::new("/sys/fs/cgroup"));
        "cpuset cpu io memory hugetlb pids rdma misc\n".into()
    });
    assert_eq!(
        s,
        Support::Limits(vec![Hierarchy {
            dir: "/sys/fs/cgroup".into(),
            v2: true,
            memory: true,
            pids: true,
            cpu: true,
        }])
    );
    // cpu is optional: without it, memory and pids still hold.
    assert_eq!(
        from_mountinfo(V2, |_| "memory pids".into()),
        Support::Limits(vec![Hierarchy {
            dir: "/sys/fs/cgroup".into(),
            v2: true,
            memory: true,
            pids: true,
            cpu: false,
        }])
    );
    // Not delegated: no limits, and it says which controller is missing.
    match from_mountinfo(V2, |_| "cpu memory".into()) {
        Support::None(why) => assert!(why.contains("pids"), "{why}"),
        s => panic!("{s:?}"),
    }
    match from_mountinfo("", |_| String::new()) {
        Support::None(why) => assert!(why.contains("memory"), "{why}"),
        s => panic!("{s:?}"),
    }
}

#[test]
fn doctor_says_the_limits_or_plainly_that_there_are_none_in_80_columns() {
    let yes = doctor_lines_of(&from_mountinfo(HYBRID, |_| String::new()), (NODE, POD));
    assert_eq!(
        yes,
        "ok      node limits: 512 MiB, 1024 processes, 1 CPU a node;\n        \
         128 MiB, 128 processes, 0.5 CPU a pod\n        \
         (cgroup v1: /sys/fs/cgroup/memory, /sys/fs/cgroup/pids,\n                    \
         /sys/fs/cgroup/cpu,cpuacct)"
    );
    let no_cpu = doctor_lines_of(&from_mountinfo(V2, |_| "memory pids".into()), (NODE, POD));
    assert!(no_cpu.ends_with("no CPU limit: no cgroup hierarchy has the cpu controller"));
    assert!(!no_cpu.contains(" CPU a node"), "{no_cpu}");
    let no = doctor_lines_of(
        &Support::None("/sys/fs/cgroup/memory is read-only (in a container?)".into()),
        (NODE, POD),
    );
    assert!(no.starts_with("NOTE    nodes and pods run WITHOUT"), "{no}");
    let cut = doctor_lines_of(
        &from_mountinfo(HYBRID, |_| String::new()),
        (
            Limits {
                processes: 224,
                ..NODE
            },
            Limits {
                processes: 28,
                ..POD
            },
        ),
    );
    assert!(cut.contains("224 processes, 1 CPU a node"), "{cut}");
    assert!(cut.contains("28 processes, 0.5 CPU a pod"), "{cut}");
    assert!(cut.ends_with("processes cut so that every node and pod fits kernel.pid_max"));
    assert!(!yes.contains("cut"), "{yes}");
    let mem_cut = doctor_lines_of(
        &from_mountinfo(HYBRID, |_| String::new()),
        (
            Limits {
                memory: 236 * MIB,
                ..NODE
            },
            Limits {
                memory: 59 * MIB,
                ..POD
            },
        ),
    );
    assert!(mem_cut.contains("node limits: 236 MiB, 1024"), "{mem_cut}");
    assert!(
        mem_cut.ends_with(
            "\n        memory cut so that all nodes and pods fit in 3/4 of the host's memory"
        ),
        "{mem_cut}"
    );
    for l in yes
        .lines()
        .chain(no.lines())
        .chain(no_cpu.lines())
        .chain(cut.lines())
        .chain(mem_cut.lines())
    {
        assert!(l.len() <= 80, "{l}");
    }
}

#[test]
fn names_carry_the_lab_and_mount_points_are_unescaped() {
    assert_eq!(name_of("chapter4.node1"), "lab-chapter4.node1");
    assert_eq!(name_of("chapter4.pod.web-0"), "lab-chapter4.pod.web-0");
    assert_eq!(unescape(r"/a\040b"), "/a b");
    assert_eq!(unescape(r"/a\04"), r"/a\04");
}
