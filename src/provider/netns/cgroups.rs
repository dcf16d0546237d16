//! A node (and a pod) has a memory and a process limit, as a VM has its
//! RAM and its kernel's process table: a fork bomb or a memory hog in
//! `lab ssh LAB node1 -- …` stops at the node's limit, not at the host's.
//! Where the host has a `cpu` controller, a node also has one CPU's time
//! (and a pod half of one), as a VM has its vCPU: a node spinning on every
//! core is throttled, not the host.
//!
//! A node's TCP buffers count too. TCP memory is one host-wide budget
//! (`net.ipv4.tcp_mem`); cgroup v1's `memory.limit_in_bytes` leaves socket
//! buffers out, so a node held 628 MiB of it (sent, never read) behind a
//! 512 MiB limit (the eighteenth probe of issue 21). On v1 each cgroup's
//! `memory.kmem.tcp.limit_in_bytes` is set to [`tcp_limit`] (a quarter of
//! its memory) where the kernel has that file; on v2 socket memory is
//! charged to `memory.max` already, nothing more is needed. On v1 the limit
//! is a pressure mark, not a wall: past it the node's sockets are under
//! memory pressure and keep their minimum buffers (28 pages a loopback
//! pair, measured, against about 980 without), but the kernel forces the
//! charge rather than fail a send, so a node with all its descriptors in
//! sockets still holds more than its limit (open, issue 21).
//!
//! Each node and pod gets a cgroup named after its namespace, `lab-<ns>`
//! (`lab-chapter4.node1`, `lab-chapter4.pod.web-0`: it carries the lab's
//! name, so labs coexist and `destroy` removes exactly its own, found from
//! the namespaces the lab recorded), made by `up` at the top of each
//! hierarchy that has the controller: cgroup v1's `memory` and `pids`
//! hierarchies (this project's machines: a hybrid layout), or a cgroup v2
//! hierarchy whose root already delegates `memory` and `pids` to its
//! children (`cgroup.subtree_control`; `lab` never changes it). Every entry
//! to the node joins it before it makes its PID namespace ([`procs_files`]:
//! written by the entering child, see `enter`), so everything the node runs
//! is counted. Where no hierarchy has both controllers, or the cgroup
//! filesystem is read-only (a container), nodes run without limits: `up`
//! says so and `lab doctor` says so plainly ([`Support`]).

use crate::error::{LabError, Result};
use std::path::{Path, PathBuf};

#[path = "cgroups_hold.rs"]
mod hold;
pub use hold::{ENDS_WITHIN, hold_memory, hold_memory_lower, memory_held};
#[path = "cgroups_empty.rs"]
mod empty;
pub use empty::{processes_in, processes_of, remove};

/// A node's or a pod's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of memory (processes, kernel memory, and the files it writes
    /// in the lab's tmpfs), no swap.
    pub memory: u64,
    /// Processes and threads.
    pub processes: u64,
    /// CPU time per period, in hundredths of one CPU (100: one CPU).
    pub cpu_percent: u64,
}

const MIB: u64 = 1024 * 1024;

/// A node: sshd per connection, a shell, the chapter's commands (`ip`,
/// `iptables`, `tcpdump`, `ping`, `curl`) use a few MiB and tens of
/// processes; 512 MiB and 1024 processes leave far more, and keep a
/// runaway node far from the host. The memory limits of a lab's nodes and
/// pods are cut where three quarters of the host's memory does not hold them all,
/// the process limits where the host's process IDs do not
/// (`limits::cgroup_limits`).
pub const NODE: Limits = Limits {
    memory: 512 * MIB,
    processes: 1024,
    cpu_percent: 100,
};

/// A pod: one nginx process (a few MiB) and a check's command at a time.
pub const POD: Limits = Limits {
    memory: 128 * MIB,
    processes: 128,
    cpu_percent: 50,
};

/// The TCP buffer memory a node or pod may hold on cgroup v1, where it is
/// counted apart from its memory limit: a quarter of that limit (128 MiB a
/// node, 32 MiB a pod). A chapter's traffic (ssh, curl, ping, iperf-sized
/// transfers) needs a few MiB of buffers; a quarter keeps a node with its
/// sockets full at 1.25 times its memory limit at most, and one node far
/// below the host's `tcp_mem` pressure threshold (1.4 GiB on this
/// project's machines), so the host's own sockets never stall for it.
pub fn tcp_limit(limits: Limits) -> u64 {
    limits.memory / 4
}

/// The scheduler period the CPU limit is a share of (the kernel's default
/// CFS period), in microseconds.
const CPU_PERIOD_US: u64 = 100_000;

/// The cgroup of the node or pod whose namespace is `ns`.
pub fn name_of(ns: &str) -> String {
    format!("lab-{ns}")
}

/// A cgroup hierarchy lab makes its cgroups in, and which of the limits
/// it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hierarchy {
    /// Where it is mounted (the parent of the lab's cgroups).
    pub dir: PathBuf,
    /// cgroup v2 (`memory.max`) rather than v1 (`memory.limit_in_bytes`).
    pub v2: bool,
    pub memory: bool,
    pub pids: bool,
    /// Holds the CPU limit (optional: without a `cpu` controller nodes run
    /// with memory and process limits only, and `doctor` says so).
    pub cpu: bool,
}

/// Whether nodes get limits on this host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Support {
    /// The hierarchies that hold the memory and the process limit.
    Limits(Vec<Hierarchy>),
    /// Why nodes run without limits.
    None(String),
}

/// What this host offers, read from `/proc/self/mountinfo` (and, for v2,
/// the root's `cgroup.subtree_control`).
/// Read once per process: the host's hierarchies do not change under a run.
pub fn support() -> Support {
    static ONCE: std::sync::OnceLock<Support> = std::sync::OnceLock::new();
    ONCE.get_or_init(read_support).clone()
}

fn read_support() -> Support {
    let info = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let support = from_mountinfo(&info, |dir| {
        std::fs::read_to_string(dir.join("cgroup.subtree_control")).unwrap_or_default()
    });
    let Support::Limits(hs) = &support else {
        return support;
    };
    for h in hs {
        if let Some(why) = not_writable(&h.dir) {
            return Support::None(why);
        }
    }
    support
}

/// [`support`] from a mountinfo text; `delegated` reads a v2 root's
/// `cgroup.subtree_control`. v1's hierarchies come first (a hybrid host's
/// unified hierarchy delegates nothing); each controller is taken from the
/// first hierarchy that has it.
pub fn from_mountinfo(info: &str, delegated: impl Fn(&Path) -> String) -> Support {
    // (hierarchy, v2) of each controller: memory, pids, cpu.
    let mut found: [Option<(PathBuf, bool)>; 3] = [None, None, None];
    const CONTROLLERS: [&str; 3] = ["memory", "pids", "cpu"];
    let mut v2_dirs = Vec::new();
    for line in info.lines() {
        let Some((left, right)) = line.split_once(" - ") else {
            continue;
        };
        let f: Vec<&str> = left.split(' ').collect();
        let r: Vec<&str> = right.split(' ').collect();
        let (Some(dir), Some(fstype)) = (f.get(4), r.first()) else {
            continue;
        };
        let dir = PathBuf::from(unescape(dir));
        let supers: Vec<&str> = r.get(2).map_or(vec![], |s| s.split(',').collect());
        match *fstype {
            "cgroup" => {
                for (slot, c) in found.iter_mut().zip(CONTROLLERS) {
                    if slot.is_none() && supers.contains(&c) {
                        *slot = Some((dir.clone(), false));
                    }
                }
            }
            "cgroup2" => v2_dirs.push(dir),
            _ => {}
        }
    }
    for dir in v2_dirs {
        let on = delegated(&dir);
        for (slot, c) in found.iter_mut().zip(CONTROLLERS) {
            if slot.is_none() && on.split_whitespace().any(|x| x == c) {
                *slot = Some((dir.clone(), true));
            }
        }
    }
    let [memory, pids, cpu] = found;
    let (Some(memory), Some(pids)) = (memory.clone(), pids.clone()) else {
        return Support::None(format!(
            "no cgroup hierarchy has the {} controller (v1's, or v2 delegated)",
            if memory.is_none() { "memory" } else { "pids" }
        ));
    };
    // One entry per hierarchy, in the order memory, pids, cpu.
    let mut hs: Vec<Hierarchy> = Vec::new();
    for (i, (dir, v2)) in [Some(memory), Some(pids), cpu]
        .into_iter()
        .enumerate()
        .filter_map(|(i, h)| Some((i, h?)))
    {
        let h = match hs.iter_mut().find(|h| h.dir == dir) {
            Some(h) => h,
            None => {
                hs.push(Hierarchy {
                    dir,
                    v2,
                    memory: false,
                    pids: false,
                    cpu: false,
                });
                hs.last_mut().expect("just pushed")
            }
        };
        match i {
            0 => h.memory = true,
            1 => h.pids = true,
            _ => h.cpu = true,
        }
    }
    Support::Limits(hs)
}

// mountinfo's octal escapes (`\040` for a space): one reading, the
// node roots' ([`super::files::unescape_mountinfo`]).
use super::files::unescape_mountinfo as unescape;

/// Why lab cannot make a cgroup in `dir`, if it cannot.
fn not_writable(dir: &Path) -> Option<String> {
    match nix::sys::statvfs::statvfs(dir) {
        Ok(s) if s.flags().contains(nix::sys::statvfs::FsFlags::ST_RDONLY) => {
            Some(format!("{} is read-only (in a container?)", dir.display()))
        }
        Ok(_) => nix::unistd::access(dir, nix::unistd::AccessFlags::W_OK)
            .err()
            .map(|e| format!("{} is not writable: {e}", dir.display())),
        Err(e) => Some(format!("{}: {e}", dir.display())),
    }
}

/// The files (one per hierarchy) a process writes `0` to, to join the
/// cgroup `name`: those of its cgroups that exist (none where nodes run
/// without limits, or for a lab made before limits).
pub fn procs_files(name: &str) -> Vec<PathBuf> {
    let Support::Limits(hs) = support() else {
        return vec![];
    };
    hs.iter()
        .map(|h| h.dir.join(name))
        .filter(|d| d.is_dir())
        .map(|d| d.join("cgroup.procs"))
        .collect()
}

/// Make the cgroups of the namespaces `ns` with `limits`: `Ok(None)` when
/// made (or already there), `Ok(Some(why))` when this host gives nodes no
/// limits (nothing made).
pub fn make(ns: &[String], limits: Limits) -> Result<Option<String>> {
    let hs = match support() {
        Support::Limits(hs) => hs,
        Support::None(why) => return Ok(Some(why)),
    };
    for n in ns {
        for h in &hs {
            make_one(h, &name_of(n), limits)?;
        }
    }
    Ok(None)
}

fn make_one(h: &Hierarchy, name: &str, limits: Limits) -> Result<()> {
    let dir = h.dir.join(name);
    match std::fs::create_dir(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(LabError::io(format!("making cgroup {}", dir.display()), e)),
    }
    let write = |file: &str, value: String| -> Result<()> {
        let p = dir.join(file);
        std::fs::write(&p, value).map_err(|e| LabError::io(format!("writing {}", p.display()), e))
    };
    let exists = |file: &str| dir.join(file).exists();
    if h.memory {
        let bytes = limits.memory.to_string();
        if h.v2 {
            write("memory.max", bytes)?;
            if exists("memory.swap.max") {
                write("memory.swap.max", "0".into())?;
            }
        } else {
            // Memory and swap together no more than memory: no swap. The
            // kernel keeps memory at most memory and swap, so a limit
            // raised (a cgroup made again with more: an `apply` after
            // another lab went) raises that first.
            let memsw = exists("memory.memsw.limit_in_bytes");
            let raised = std::fs::read_to_string(dir.join("memory.limit_in_bytes"))
                .ok()
                .and_then(|t| t.trim().parse::<u64>().ok())
                .is_some_and(|now| limits.memory > now);
            if memsw && raised {
                write("memory.memsw.limit_in_bytes", bytes.clone())?;
            }
            write("memory.limit_in_bytes", bytes.clone())?;
            if memsw && !raised {
                write("memory.memsw.limit_in_bytes", bytes)?;
            }
            // Socket buffers, which v1 counts apart (see the module's doc).
            if exists("memory.kmem.tcp.limit_in_bytes") {
                write(
                    "memory.kmem.tcp.limit_in_bytes",
                    tcp_limit(limits).to_string(),
                )?;
            }
        }
    }
    if h.pids {
        write("pids.max", limits.processes.to_string())?;
    }
    if h.cpu {
        let quota = CPU_PERIOD_US * limits.cpu_percent / 100;
        if h.v2 {
            write("cpu.max", format!("{quota} {CPU_PERIOD_US}"))?;
        } else {
            write("cpu.cfs_period_us", CPU_PERIOD_US.to_string())?;
            write("cpu.cfs_quota_us", quota.to_string())?;
        }
    }
    Ok(())
}

/// The guard of a lab's tables (see `guard`) runs in a cgroup of its own,
/// named after the namespace it runs in (`lab-<lab>.nat`: recorded, so
/// `destroy` removes it as it does a node's), in the hierarchy that holds
/// the CPU limit only: half of one CPU. A node's event flood cost it three
/// quarters of a core without a limit (the probe21v session); held to half
/// a core, it still trims the flooding node and the others (measured: see
/// `README.md` on the guard's cost). No memory or process limit: one would
/// let a node's tables get the guard itself killed.
pub const GUARD_CPU_PERCENT: u64 = 50;

/// Make the cgroup of the namespace `ns` with `cpu_percent` of one CPU, in
/// the hierarchy that holds the CPU limit only: its `cgroup.procs`, or
/// `None` where no hierarchy does (nothing made).
pub fn make_cpu_only(ns: &str, cpu_percent: u64) -> Result<Option<PathBuf>> {
    let Support::Limits(hs) = support() else {
        return Ok(None);
    };
    let Some(h) = hs.iter().find(|h| h.cpu) else {
        return Ok(None);
    };
    let cpu_only = Hierarchy {
        memory: false,
        pids: false,
        ..h.clone()
    };
    let limits = Limits {
        memory: 0,
        processes: 0,
        cpu_percent,
    };
    make_one(&cpu_only, &name_of(ns), limits)?;
    Ok(Some(h.dir.join(name_of(ns)).join("cgroup.procs")))
}

/// The cgroups of the namespaces `ns` that exist now (a test's and
/// `destroy`'s view), as folders.
pub fn existing(ns: &[String]) -> Vec<PathBuf> {
    let Support::Limits(hs) = support() else {
        return vec![];
    };
    ns.iter()
        .flat_map(|n| hs.iter().map(move |h| h.dir.join(name_of(n))))
        .filter(|d| d.is_dir())
        .collect()
}

/// Every cgroup named like one of the lab `lab`'s (`lab-<lab>.*`: the
/// prefix ends at the dot, so lab `a` never names `a-1`'s), made by lab or
/// not: `up` refuses a lab whose names are taken ([`super::preflight`]).
pub fn named_like(lab: &str) -> Vec<PathBuf> {
    let Support::Limits(hs) = support() else {
        return vec![];
    };
    let prefix = name_of(&format!("{lab}."));
    let mut out: Vec<PathBuf> = hs
        .iter()
        .flat_map(|h| std::fs::read_dir(&h.dir).into_iter().flatten().flatten())
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

/// Each lab's cgroup in the hierarchy that holds the process limit, as
/// `(name, pids.max, pids.current)`: the process IDs each node and pod of
/// every lab on this host may take (`limits::cgroup_limits` leaves them to
/// their labs). A limit of `max` is none and counts as what it uses.
pub fn process_limits() -> Vec<(String, u64, u64)> {
    let Support::Limits(hs) = support() else {
        return vec![];
    };
    let read = |d: &Path, f: &str| std::fs::read_to_string(d.join(f)).unwrap_or_default();
    hs.iter()
        .filter(|h| h.pids)
        .flat_map(|h| std::fs::read_dir(&h.dir).into_iter().flatten().flatten())
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            if !name.starts_with("lab-") {
                return None;
            }
            let current: u64 = read(&e.path(), "pids.current").trim().parse().ok()?;
            let max = read(&e.path(), "pids.max")
                .trim()
                .parse()
                .unwrap_or(current);
            Some((name, max, current))
        })
        .collect()
}

/// Each lab's cgroup in the hierarchy that holds the memory limit, as
/// `(name, limit in bytes)`: the memory each node and pod of every lab on
/// this host may hold (`limits::cgroup_limits` leaves it to their labs).
/// A cgroup without a limit (`max`, or v1's page-rounded `i64::MAX`: none
/// of lab's) is left out.
pub fn memory_limits() -> Vec<(String, u64)> {
    let Support::Limits(hs) = support() else {
        return vec![];
    };
    hs.iter()
        .filter(|h| h.memory)
        .flat_map(|h| {
            let file = if h.v2 {
                "memory.max"
            } else {
                "memory.limit_in_bytes"
            };
            std::fs::read_dir(&h.dir)
                .into_iter()
                .flatten()
                .flatten()
                .map(move |e| (e, file))
        })
        .filter_map(|(e, file)| {
            let name = e.file_name().to_str()?.to_string();
            if !name.starts_with("lab-") {
                return None;
            }
            let max: u64 = std::fs::read_to_string(e.path().join(file))
                .ok()?
                .trim()
                .parse()
                .ok()?;
            (max < 1 << 62).then_some((name, max))
        })
        .collect()
}

/// `lab doctor`'s lines: the limits nodes and pods get, or plainly that
/// they run without (at most 80 columns, but for a long mount point).
pub fn doctor_line(limits: (Limits, Limits)) -> String {
    doctor_lines_of(&support(), limits)
}

/// The lines of [`doctor_line`]: the node's and the pod's `limits` (a lab's,
/// cut to fit the host's process IDs, or [`NODE`] and [`POD`] without one).
fn doctor_lines_of(support: &Support, (node, pod): (Limits, Limits)) -> String {
    match support {
        Support::Limits(hs) => {
            let cpu = hs.iter().any(|h| h.cpu);
            format!(
                "ok      node limits: {} MiB, {} processes{} a node;\n        \
                 {} MiB, {} processes{} a pod\n{}{}{}{}",
                node.memory / MIB,
                node.processes,
                if cpu { cpus(node) } else { String::new() },
                pod.memory / MIB,
                pod.processes,
                if cpu { cpus(pod) } else { String::new() },
                hierarchies(hs),
                if cpu {
                    ""
                } else {
                    "\n        no CPU limit: no cgroup hierarchy has the cpu controller"
                },
                if node.processes < NODE.processes || pod.processes < POD.processes {
                    "\n        processes cut so that every node and pod fits kernel.pid_max"
                } else {
                    ""
                },
                if node.memory < NODE.memory || pod.memory < POD.memory {
                    "\n        memory cut so that all nodes and pods fit in 3/4 of the host's memory"
                } else {
                    ""
                }
            )
        }
        Support::None(why) => format!(
            "NOTE    nodes and pods run WITHOUT memory or process limits:\n        {why};\n        a fork bomb or a memory hog on a node reaches the host"
        ),
    }
}

/// `        (cgroup v1: DIR, DIR)`, wrapped under the first folder.
fn hierarchies(hs: &[Hierarchy]) -> String {
    let head = format!(
        "        (cgroup {}:",
        if hs.iter().all(|h| h.v2) { "v2" } else { "v1" }
    );
    let mut dirs: Vec<String> = hs.iter().map(|h| h.dir.display().to_string()).collect();
    if let Some(last) = dirs.last_mut() {
        last.push(')');
    }
    let indent = head.chars().count() + 1;
    crate::report::terminal::wrap_list(&head, &dirs, indent)
}

/// `, 1 CPU` / `, 0.5 CPU` of a limit.
fn cpus(l: Limits) -> String {
    let (whole, part) = (l.cpu_percent / 100, l.cpu_percent % 100);
    if part == 0 {
        format!(", {whole} CPU")
    } else {
        format!(
            ", {whole}.{} CPU",
            format!("{part:02}").trim_end_matches('0')
        )
    }
}

#[cfg(test)]
#[path = "cgroups_tests.rs"]
mod tests;
