//! What a lab of a given size needs from this host, checked before anything
//! is made (`lab up`, `lab doctor --lab`): a lab that cannot work here is
//! refused up front, naming the limit, the number it needs, what the host
//! has and the command that raises it, never left to fail as a mysterious
//! check. `lab` itself changes no host setting.
//!
//! What a lab holds: one network namespace per node and per pod, one for the
//! private network and one for the NAT dead ends (each one a bind mount under
//! /run/netns), and a user namespace owning each node's and pod's; two processes per pod (nginx's master and its one worker, in
//! a mount namespace of its own, its node's files);
//! no process per node (see [`super::session`]); a port on the private
//! bridge per node; and kernel memory for the permanent neighbours, routes
//! and FDB entries of a full mesh, which grow with the square of the nodes.
//! Process IDs are counted by what the lab may take, not what it needs:
//! every node and pod at its cgroup's process limit, which `up` cuts to fit
//! the host ([`cgroup_limits`]), since PIDs are one space for the host and
//! no process forks past it. Memory is counted the same way: every node
//! and pod at its cgroup's memory limit, which `up` cuts to fit three quarters of the
//! host's memory ([`memory`]), refusing a lab whose floors do not fit.
//!
//! What it does not need: room in the neighbour table's dynamic part (every
//! neighbour is permanent, see [`super::plan`]), ephemeral ports (each
//! namespace has its own), inotify watches (nothing of the lab uses them).

use super::cgroups;
use crate::spec::Lab;

#[path = "limits_memory.rs"]
pub mod memory;

/// One limit of the host and what the lab needs of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    /// What it is, e.g. `network namespaces (user.max_net_namespaces)`.
    pub what: String,
    pub needed: u64,
    /// What the host has left for the lab.
    pub available: u64,
    /// How to raise it, or why it cannot be raised.
    pub fix: String,
}

impl Limit {
    pub fn ok(&self) -> bool {
        self.needed <= self.available
    }

    /// `n` of this limit as said: memory (counted in KiB) in MiB, with its
    /// unit; a count as it is.
    pub fn amount(&self, n: u64) -> String {
        if self.what.starts_with("memory") {
            format!("{} MiB", n / 1024)
        } else {
            n.to_string()
        }
    }
}

/// The kernel's limit of ports on one bridge (`BR_MAX_PORTS`, port numbers
/// are 10 bits and 0 is reserved): the lab's private network is one bridge.
pub const BRIDGE_PORTS: u64 = 1023;

/// Processes per pod: nginx's master and its one worker.
pub const PROCESSES_PER_POD: u64 = 2;

/// Memory estimates (KiB): a pod (its nginx processes and mount namespace),
/// a namespace with its interfaces, and one permanent neighbour, route or
/// FDB entry of the mesh. Fit to README's scale table (250, 500 and 1000
/// workers held 670, 1471 and 3937 MiB on this project's machine, Debian 12,
/// kernel 6.18; these give 674, 1713 and 4890 MiB): on the safe side where
/// it matters, at the largest labs.
pub const POD_KIB: u64 = 1_200;
pub const NAMESPACE_KIB: u64 = 400;
pub const MESH_ENTRY_KIB: u64 = 1;

/// The host's side, read once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Host {
    pub max_net_namespaces: u64,
    pub max_user_namespaces: u64,
    /// User namespaces that exist now, at most: distinct `/proc/*/ns/user`
    /// and every named network namespace (a lab's node or pod holds one
    /// without a process).
    pub user_namespaces_in_use: u64,
    pub max_mnt_namespaces: u64,
    /// Mount namespaces that exist now (other labs' and instances' pods
    /// hold one each): distinct `/proc/*/ns/mnt`.
    pub mnt_namespaces_in_use: u64,
    pub net_namespaces_in_use: u64,
    pub pid_max: u64,
    pub threads_max: u64,
    pub tasks_in_use: u64,
    /// Every lab's cgroup on the host with its process limit and use
    /// (`cgroups::process_limits`).
    pub lab_process_limits: Vec<(String, u64, u64)>,
    pub mount_max: u64,
    pub mounts_in_use: u64,
    pub open_files_hard: u64,
    pub mem_available_kib: u64,
    /// The host's memory (`MemTotal`).
    pub mem_total_kib: u64,
    /// Every lab's cgroup on the host with its memory limit in bytes
    /// (`cgroups::memory_limits`).
    pub lab_memory_limits: Vec<(String, u64)>,
}

fn read_u64(path: &str) -> Option<u64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

impl Host {
    /// This host, now. A value that cannot be read counts as unlimited:
    /// the check is a help, not a gate on unusual kernels.
    pub fn read() -> Host {
        let big = u64::MAX / 4;
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let meminfo = |key: &str| {
            meminfo
                .lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
                .unwrap_or(big)
        };
        // Every thread takes a PID: the total of `/proc/loadavg` counts
        // them, `/proc`'s folders only processes.
        let threads = std::fs::read_to_string("/proc/loadavg").ok().and_then(|t| {
            t.split_whitespace()
                .nth(3)?
                .split_once('/')?
                .1
                .parse::<u64>()
                .ok()
        });
        let tasks = std::fs::read_dir("/proc")
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter(|e| {
                        e.file_name()
                            .to_str()
                            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
                    })
                    .count() as u64
            })
            .unwrap_or(0);
        let distinct = |ns: &str| {
            std::fs::read_dir("/proc")
                .map(|rd| {
                    rd.filter_map(|e| std::fs::read_link(e.ok()?.path().join(ns)).ok())
                        .collect::<std::collections::HashSet<_>>()
                        .len() as u64
                })
                .unwrap_or(0)
        };
        let mnts = distinct("ns/mnt");
        let nets = std::fs::read_dir(super::sys::NETNS_DIR)
            .map(|rd| rd.count() as u64)
            .unwrap_or(0);
        let mounts = std::fs::read_to_string("/proc/self/mountinfo")
            .map(|t| t.lines().count() as u64)
            .unwrap_or(0);
        let hard = open_files().map(|(_, h)| h).unwrap_or(1024);
        Host {
            max_net_namespaces: read_u64("/proc/sys/user/max_net_namespaces").unwrap_or(big),
            max_user_namespaces: read_u64("/proc/sys/user/max_user_namespaces").unwrap_or(big),
            user_namespaces_in_use: distinct("ns/user") + nets,
            max_mnt_namespaces: read_u64("/proc/sys/user/max_mnt_namespaces").unwrap_or(big),
            mnt_namespaces_in_use: mnts,
            net_namespaces_in_use: nets,
            pid_max: read_u64("/proc/sys/kernel/pid_max").unwrap_or(big),
            threads_max: read_u64("/proc/sys/kernel/threads-max").unwrap_or(big),
            tasks_in_use: threads.unwrap_or(tasks).max(tasks),
            lab_process_limits: super::cgroups::process_limits(),
            mount_max: read_u64("/proc/sys/fs/mount-max").unwrap_or(big),
            mounts_in_use: mounts,
            open_files_hard: hard,
            mem_available_kib: meminfo("MemAvailable:"),
            mem_total_kib: meminfo("MemTotal:"),
            lab_memory_limits: super::cgroups::memory_limits(),
        }
    }
}

impl Host {
    /// The process IDs other labs' nodes and pods may still take beyond what
    /// they use now (their cgroups' `pids.max` less `pids.current`): two
    /// labs side by side each leave the host its share, not one between them.
    pub fn pids_promised_beside(&self, lab: &str) -> u64 {
        let own = super::cgroups::name_of(&format!("{lab}."));
        self.lab_process_limits
            .iter()
            .filter(|(name, _, _)| !name.starts_with(&own))
            .map(|(_, max, current)| max.saturating_sub(*current))
            .fold(0, u64::saturating_add)
    }

    /// The bytes other labs' nodes and pods may hold at their memory
    /// limits, which this lab's share of the host's memory leaves them.
    pub fn memory_promised_beside(&self, lab: &str) -> u64 {
        let own = super::cgroups::name_of(&format!("{lab}."));
        self.lab_memory_limits
            .iter()
            .filter(|(name, _)| !name.starts_with(&own))
            .map(|(_, max)| *max)
            .fold(0, u64::saturating_add)
    }
}

/// Process IDs a lab leaves the host beside its nodes' and pods' limits.
pub const HOST_PIDS: u64 = 1024;

/// The most `kernel.pid_max` can be (64-bit kernels, `PID_MAX_LIMIT`).
const PID_MAX_LIMIT: u64 = 4_194_304;

/// The fewest processes a node's cgroup is given (sshd, a shell and the
/// chapter's commands use tens) ...
pub const MIN_NODE_PROCESSES: u64 = 64;
/// ... and a pod's (nginx's two and a check's command).
pub const MIN_POD_PROCESSES: u64 = 8;
/// A node's share of the host's process IDs, in pods' shares.
const NODE_SHARES: u64 = 8;

/// The process IDs a lab of `nodes` nodes and `pods` pods takes at most
/// when each node and pod has the fewest processes it is given
/// ([`MIN_NODE_PROCESSES`], [`MIN_POD_PROCESSES`]), and [`HOST_PIDS`].
pub fn pids_at_least(nodes: u64, pods: u64) -> u64 {
    nodes
        .saturating_mul(MIN_NODE_PROCESSES)
        .saturating_add(pods.saturating_mul(MIN_POD_PROCESSES))
        .saturating_add(HOST_PIDS)
}

/// The limits of `lab`'s nodes' and pods' cgroups on `host`: CPU as
/// [`cgroups::NODE`] and [`cgroups::POD`] say; memory as they say where
/// three quarters of the host's memory holds it, less where not
/// ([`memory::memory_limits`]); processes as they say
/// (1024 a node, 128 a pod) where the host's process IDs allow, fewer
/// where they do not, so that every node and pod at its limit, and
/// [`HOST_PIDS`], fit in what `kernel.pid_max` leaves: PIDs are one space
/// for the whole host, and past it no process forks, root's included
/// (probe21v: 31 nodes at 1024 take a host's default 32,768). A node gets
/// eight pods' shares. On this project's machine (32,768, about 220
/// threads) chapter4 keeps 1024 and 128, a lab of 121 nodes and 120 pods
/// gets 224 and 28. Below [`pids_at_least`] `up` refuses the lab (see [`limits`]).
pub fn cgroup_limits(lab: &Lab, host: &Host) -> (cgroups::Limits, cgroups::Limits) {
    let nodes = lab.nodes.len() as u64;
    let pods = lab.placements().len() as u64;
    let budget = host
        .pid_max
        .saturating_sub(host.tasks_in_use)
        .saturating_sub(host.pids_promised_beside(&lab.name))
        .saturating_sub(HOST_PIDS);
    let share = budget
        / nodes
            .saturating_mul(NODE_SHARES)
            .saturating_add(pods)
            .max(1);
    let node = cgroups::Limits {
        processes: share
            .saturating_mul(NODE_SHARES)
            .clamp(MIN_NODE_PROCESSES, cgroups::NODE.processes),
        ..cgroups::NODE
    };
    let pod = cgroups::Limits {
        processes: share.clamp(MIN_POD_PROCESSES, cgroups::POD.processes),
        ..cgroups::POD
    };
    let bytes = memory::memory_limits(
        nodes,
        pods,
        host.mem_total_kib.saturating_mul(1024),
        host.memory_promised_beside(&lab.name),
    );
    memory::with_memory(node, pod, bytes)
}

/// What `lab` keeps open at once, besides one descriptor per pod while it
/// waits for the pods' nginx: commands in flight with their pipes, and the
/// runtime's own.
const FILES_BASE: u64 = 512;

/// The limits a lab of this size needs, against `host`.
pub fn limits(lab: &Lab, host: &Host) -> Vec<Limit> {
    let nodes = lab.nodes.len() as u64;
    let pods = lab.placements().len() as u64;
    let namespaces = 2 + nodes + pods;
    let left = |max: u64, used: u64| max.saturating_sub(used);
    let sysctl = |key: &str, value: u64| format!("sysctl -w {key}={value}");
    let mut v = vec![
        Limit {
            what: "ports on the lab's private bridge (the kernel's BR_MAX_PORTS)".into(),
            needed: nodes,
            available: BRIDGE_PORTS,
            fix: "a kernel constant that cannot be raised: use fewer nodes, or --provider vagrant"
                .into(),
        },
        Limit {
            what: "network namespaces (user.max_net_namespaces)".into(),
            needed: namespaces,
            available: left(host.max_net_namespaces, host.net_namespaces_in_use),
            fix: sysctl(
                "user.max_net_namespaces",
                host.net_namespaces_in_use + namespaces + 1024,
            ),
        },
        Limit {
            what: "user namespaces (user.max_user_namespaces), one per node and per pod".into(),
            needed: nodes + pods,
            available: left(host.max_user_namespaces, host.user_namespaces_in_use),
            fix: sysctl(
                "user.max_user_namespaces",
                host.user_namespaces_in_use + nodes + pods + 1024,
            ),
        },
        Limit {
            what: "mount namespaces (user.max_mnt_namespaces), one per pod and per command running on a node"
                .into(),
            needed: pods + super::session::PARALLEL as u64,
            available: left(host.max_mnt_namespaces, host.mnt_namespaces_in_use),
            fix: sysctl(
                "user.max_mnt_namespaces",
                host.mnt_namespaces_in_use + pods + 10_000,
            ),
        },
        Limit {
            what: "mounts (fs.mount-max), one per namespace under /run/netns".into(),
            needed: namespaces,
            available: left(host.mount_max, host.mounts_in_use),
            fix: sysctl("fs.mount-max", host.mounts_in_use + namespaces + 10_000),
        },
        Limit {
            what: format!(
                "process IDs (kernel.pid_max), as many as the nodes and pods may run, \
                 their cgroups' limits cut to fit but at least {MIN_NODE_PROCESSES} a node \
                 and {MIN_POD_PROCESSES} a pod, and {HOST_PIDS} kept for the host"
            ),
            needed: pids_at_least(nodes, pods),
            // What other labs may still take cuts this lab's limits (see
            // `cgroup_limits`) but refuses nothing: labs side by side come
            // up as long as the processes they run fit.
            available: left(host.pid_max, host.tasks_in_use),
            fix: sysctl("kernel.pid_max", PID_MAX_LIMIT),
        },
        Limit {
            what: "tasks (kernel.threads-max), two nginx processes per pod".into(),
            needed: pods * PROCESSES_PER_POD,
            available: left(host.threads_max, host.tasks_in_use),
            fix: sysctl(
                "kernel.threads-max",
                host.tasks_in_use + pods * PROCESSES_PER_POD + 10_000,
            ),
        },
        Limit {
            what: "open files of lab (hard RLIMIT_NOFILE; lab raises its own soft limit to it)"
                .into(),
            needed: FILES_BASE + pods,
            available: host.open_files_hard,
            fix: format!(
                "ulimit -Hn {} (as root, in the shell that runs lab)",
                FILES_BASE + pods + 1024
            ),
        },
    ];
    let mem = pods * POD_KIB + namespaces * NAMESPACE_KIB + nodes * nodes * 3 * MESH_ENTRY_KIB;
    v.push(Limit {
        what: format!(
            "memory (MemAvailable), about {} MiB: {pods} pods, {namespaces} namespaces, a {nodes}-node mesh",
            mem / 1024
        ),
        needed: mem,
        available: host.mem_available_kib,
        fix: "free memory or use fewer nodes; nothing lab can raise".into(),
    });
    v.push(Limit {
        what: format!(
            "memory limits of the nodes and pods (three quarters of the host's {} MiB, MemTotal), \
             cut to fit but at least {} MiB for each of {nodes} nodes and {} MiB for each of {pods} pods",
            host.mem_total_kib / 1024,
            memory::NODE_FLOOR >> 20,
            memory::POD_FLOOR >> 20,
        ),
        needed: memory::at_floors(nodes, pods) / 1024,
        available: memory::labs_share(host.mem_total_kib.saturating_mul(1024)) / 1024,
        fix: "use fewer nodes, or a host with more memory; nothing lab can raise".into(),
    });
    v
}

/// Raise this process's soft limit of open files to its hard limit (a lab's
/// bring-up waits on one descriptor per pod). Process-local: the host is
/// not changed.
pub fn raise_open_files() {
    if let Some((soft, hard)) = open_files()
        && soft < hard
    {
        let r = libc::rlimit {
            rlim_cur: hard,
            rlim_max: hard,
        };
        // SAFETY: a plain system call on a valid struct.
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &r) };
    }
}

/// This process's soft and hard limits of open files.
fn open_files() -> Option<(u64, u64)> {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: a plain system call filling a valid struct.
    (unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) } == 0)
        .then_some((r.rlim_cur, r.rlim_max))
}

/// The limits this lab exceeds here, as one message; `None` when it fits.
pub fn exceeded(lab: &Lab, host: &Host) -> Option<String> {
    let bad: Vec<String> = limits(lab, host)
        .into_iter()
        .filter(|l| !l.ok())
        .map(|l| {
            format!(
                "{}: the lab needs {}, this host has {} left; {}",
                l.what,
                l.amount(l.needed),
                l.amount(l.available),
                l.fix
            )
        })
        .collect();
    (!bad.is_empty()).then(|| {
        format!(
            "lab '{}' ({} nodes, {} pods) does not fit this host:\n  {}",
            lab.name,
            lab.nodes.len(),
            lab.placements().len(),
            bad.join("\n  ")
        )
    })
}

#[cfg(test)]
#[path = "limits_tests.rs"]
mod tests;
