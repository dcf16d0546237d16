//! The memory limits of a lab's nodes and pods, cut to fit the host (apart
//! from `limits`, whose checks are counts of the kernel's tables: this is
//! one computation, with its own floors and tests).
//!
//! Each node's limit is 512 MiB and each pod's 128 MiB ([`cgroups::NODE`],
//! [`cgroups::POD`]) where the host has room; 51 nodes at 512 MiB are more
//! than this project's 23.5 GiB host (probe21bz), and nodes filling their
//! limits together would then leave the host to its global OOM killer.
//! So `up` cuts them, as it cuts the process limits to `kernel.pid_max`:
//! every node and pod of the lab at its limit, and what other labs' nodes
//! and pods may hold, fit in three quarters of the host's memory
//! (`MemTotal`), the rest left to the host; a node gets four pods' shares
//! (512 to 128), and what pods held at their floor leave goes to the nodes.
//! Below [`NODE_FLOOR`] a node (or [`POD_FLOOR`] a pod) the lab's nodes
//! could not run their sshd and the chapter's commands: `up` refuses the
//! lab, before anything is made, when even its floors do not fit that share
//! (other labs cut this one's limits but refuse nothing, as with process
//! IDs: their processes have the highest OOM score, see `enter`).

use super::super::cgroups::{self, Limits};

const MIB: u64 = 1024 * 1024;

/// The least memory a node is given. Chapter 4's busiest node (node1:
/// `lab verify`, `lab book`, a session with tcpdump, iptables and curl)
/// peaked at 5.4 MiB of its cgroup's memory (`max_usage_in_bytes`, page
/// cache included) and ran all of it again under a limit of 8 MiB without
/// a failed charge (memfit, 2026-12-07): 8 MiB, so that 1000 workers with
/// a pod each (16 GiB at their floors) fit this project's 24 GiB host.
pub const NODE_FLOOR: u64 = 8 * MIB;

/// The least memory a pod is given: its nginx (a master and a worker)
/// peaked at 2.7 MiB while started, pinged and curled by the chapter;
/// 8 MiB is about three times that.
pub const POD_FLOOR: u64 = 8 * MIB;

/// A node's share of the host's memory, in pods' shares (512 MiB to 128).
const NODE_SHARES: u64 = 4;

/// The share of the host's memory (`MemTotal`, bytes) that all labs'
/// nodes and pods at their limits may hold together: three quarters (the
/// lab's processes are the OOM killer's first choice past it, see `enter`).
pub fn labs_share(mem_total: u64) -> u64 {
    mem_total / 4 * 3
}

/// What a lab of `nodes` nodes and `pods` pods holds at its floors.
pub fn at_floors(nodes: u64, pods: u64) -> u64 {
    nodes
        .saturating_mul(NODE_FLOOR)
        .saturating_add(pods.saturating_mul(POD_FLOOR))
}

/// The memory limits (node, pod; bytes, whole MiB) of a lab of `nodes`
/// nodes and `pods` pods on a host of `mem_total` bytes where other labs'
/// nodes and pods may hold `beside` bytes at their limits: an equal share
/// each (a node four) of what [`labs_share`] leaves, at most
/// [`cgroups::NODE`]'s and [`cgroups::POD`]'s, at least the floors; the
/// nodes share what the pods leave (more than four shares where pods are
/// few or at their floor, so that the lab's limits fit the share).
pub fn memory_limits(nodes: u64, pods: u64, mem_total: u64, beside: u64) -> (u64, u64) {
    let budget = labs_share(mem_total).saturating_sub(beside);
    let shares = nodes.saturating_mul(NODE_SHARES).saturating_add(pods);
    let share = budget / shares.max(1) / MIB * MIB;
    let pod = share.clamp(POD_FLOOR, cgroups::POD.memory);
    let left = budget.saturating_sub(pods.saturating_mul(pod));
    let node = (left / nodes.max(1) / MIB * MIB).clamp(NODE_FLOOR, cgroups::NODE.memory);
    (node, pod)
}

/// `limits` with their memory cut by [`memory_limits`].
pub fn with_memory(node: Limits, pod: Limits, memory: (u64, u64)) -> (Limits, Limits) {
    (
        Limits {
            memory: memory.0,
            ..node
        },
        Limits {
            memory: memory.1,
            ..pod
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1024 * MIB;
    /// This project's host: `MemTotal` 24,683,784 kB.
    const HOST: u64 = 24_683_784 * 1024;

    #[test]
    fn a_small_lab_keeps_512_and_128_mib() {
        assert_eq!(memory_limits(3, 2, HOST, 0), (512 * MIB, 128 * MIB));
        // Unread (counted as unlimited): the same.
        assert_eq!(memory_limits(3, 2, u64::MAX / 4, 0), (512 * MIB, 128 * MIB));
    }

    #[test]
    fn fifty_nodes_are_cut_to_fit_the_share() {
        // probe21bz: `--nodes 50` gave 51 nodes (and 50 pods) 25.8 GiB of
        // limits on this 23.5 GiB host.
        let (node, pod) = memory_limits(51, 50, HOST, 0);
        assert!(node < 512 * MIB && pod < 128 * MIB, "{node} {pod}");
        assert_eq!((node % MIB, pod % MIB), (0, 0));
        assert!(node >= 4 * pod && node < 4 * pod + 4 * MIB, "{node} {pod}");
        let held = 51 * node + 50 * pod;
        assert!(held <= labs_share(HOST), "{held}");
        // Within a MiB a node of all of it.
        assert!(held + 51 * MIB > labs_share(HOST), "{held}");
        assert_eq!((node, pod), (284 * MIB, 71 * MIB));
        // 1000 workers with a pod each: the pods at their floor, the nodes
        // share the rest, all of it within the share.
        let (node, pod) = memory_limits(1001, 1000, HOST, 0);
        assert_eq!((node, pod), (10 * MIB, POD_FLOOR));
        assert!(1001 * node + 1000 * pod <= labs_share(HOST));
    }

    #[test]
    fn other_labs_limits_are_taken_from_the_share_down_to_the_floors() {
        // Another lab holds 10 GiB of limits: chapter 4's 3 nodes and 2
        // pods share what is left of 11.77 GiB.
        let (node, pod) = memory_limits(3, 2, HOST, 10 * GIB);
        assert!(3 * node + 2 * pod <= labs_share(HOST) - 10 * GIB);
        assert_eq!((node, pod), (512 * MIB, 128 * MIB));
        let (node, pod) = memory_limits(3, 2, HOST, 17 * GIB);
        assert!(
            3 * node + 2 * pod <= labs_share(HOST) - 17 * GIB,
            "{node} {pod}"
        );
        assert!(node < 512 * MIB, "{node}");
        // All of it held: the floors, never less (`up` refuses only a lab
        // whose own floors do not fit, see `limits::limits`).
        assert_eq!(memory_limits(3, 2, HOST, 20 * GIB), (NODE_FLOOR, POD_FLOOR));
        assert_eq!(memory_limits(1, 0, 0, 0), (NODE_FLOOR, POD_FLOOR));
    }

    #[test]
    fn the_floors_of_a_lab_are_what_it_needs_of_the_share() {
        // 1000 workers (1001 nodes, 1000 pods) fit this host at their
        // floors; 1200 do not.
        assert!(at_floors(1001, 1000) <= labs_share(HOST));
        assert!(at_floors(1201, 1200) > labs_share(HOST));
        assert_eq!(at_floors(3, 2), 3 * 8 * MIB + 2 * 8 * MIB);
        assert_eq!(at_floors(u64::MAX, 1), u64::MAX);
    }
}
