//! How often the guard sweeps: a sweep's share of the guard's CPU, the
//! longest gap between two sweeps, and the cleanup after a node left out
//! of a sweep's cost.

use std::time::Duration;

/// How often proxy neighbours and multicast addresses are looked at.
pub const SWEEP: Duration = Duration::from_secs(1);
/// A sweep takes at most 1/20 of the time between sweeps, in the guard's
/// own CPU time: a sweep that waits (on the kernel's network lock, which a
/// node holds while it deletes thousands of its devices at once) costs no
/// CPU and must not put the next off (seen here: a sweep of 2.5 s put the
/// next off by 51 s, every node unguarded meanwhile).
const SWEEP_SHARE: u32 = 20;
/// The longest time between two sweeps, whatever the last one cost, in a
/// lab of `nodes` nodes: 3 s, or 20 ms a node where that is longer (5 s at
/// 251 nodes, whose sweep of a lab at rest costs about 0.2 s of the guard's
/// CPU). What a node makes the guard clean up (a flush of 475,000 ipset
/// elements, 0.49 s of its CPU) had put the next sweep off by ten seconds,
/// every node of the lab unlooked at meanwhile (probe21ai finding 2): that
/// CPU is left out of the sweep's cost ([`cleanup_cpu`]), and this bounds
/// the rest.
fn sweep_gap_most(nodes: usize) -> Duration {
    Duration::from_secs(3).max(Duration::from_millis(20) * nodes as u32)
}

/// The time to the next sweep after one that took `spent` of the guard's
/// CPU (cleanup left out) in a lab of `nodes` nodes: [`SWEEP_SHARE`] times
/// it, within [`SWEEP`] and [`sweep_gap_most`].
pub fn sweep_gap(spent: Duration, nodes: usize) -> Duration {
    SWEEP.max(spent * SWEEP_SHARE).min(sweep_gap_most(nodes))
}

/// The guard's CPU spent cleaning up after nodes (flushing their ipset
/// sets), in nanoseconds: not counted in a sweep's cost.
static CLEANUP_NS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Run `f`, a cleanup after a node, its CPU time added to [`CLEANUP_NS`].
pub fn cleanup_cpu<T>(f: impl FnOnce() -> T) -> T {
    let before = cpu_time();
    let out = f();
    let spent = cpu_time().saturating_sub(before).as_nanos() as u64;
    CLEANUP_NS.fetch_add(spent, std::sync::atomic::Ordering::Relaxed);
    out
}

/// The cleanup CPU time since the last call.
pub fn take_cleanup() -> Duration {
    Duration::from_nanos(CLEANUP_NS.swap(0, std::sync::atomic::Ordering::Relaxed))
}

/// The CPU time the guard's one thread has used.
pub fn cpu_time() -> Duration {
    // SAFETY: clock_gettime into a timespec of ours.
    let mut t: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    Duration::new(
        t.tv_sec.max(0) as u64,
        t.tv_nsec.clamp(0, 999_999_999) as u32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Probe21ai finding 2: a costly sweep (a node's 475,000 ipset
    /// elements flushed, 0.49 s) no longer puts the next off by ten
    /// seconds.
    #[test]
    fn the_gap_between_sweeps_is_bounded_whatever_a_sweep_cost() {
        assert_eq!(sweep_gap(Duration::from_millis(10), 3), SWEEP);
        assert_eq!(
            sweep_gap(Duration::from_millis(100), 3),
            Duration::from_secs(2)
        );
        assert_eq!(
            sweep_gap(Duration::from_millis(490), 3),
            Duration::from_secs(3)
        );
        assert_eq!(
            sweep_gap(Duration::from_millis(490), 251),
            Duration::from_millis(5020)
        );
        let spun = cleanup_cpu(|| (0..3_000_000u64).fold(0u64, |a, x| a ^ x.wrapping_mul(31)));
        assert!(spun < u64::MAX);
        assert!(take_cleanup() > Duration::ZERO);
        assert_eq!(take_cleanup(), Duration::ZERO);
    }
}
