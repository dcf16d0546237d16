//! How long a probe that expects no answer waits for one when the kernel's
//! tables decided nothing (see [`super::path`]): a deadline derived from the
//! lab's own round-trip time, measured once per run on a path that works
//! (the first node to the second over the private network, which both the
//! chapter's variants keep), with a wide margin and a floor, never a fixed
//! second.
//!
//! The floor is what a loaded machine needs: a reply that comes later than
//! the deadline would make an "unreachable" pass on a path that works (the
//! worst failure `lab` can have), and on this project's 2-core machine under
//! seven builds a round trip through veths is measured in tens of
//! microseconds, but a wake-up of the waiting process can take tens of
//! milliseconds.

use super::Cx;
use std::fmt;
use std::time::Duration;

/// The margin over the measured round-trip time.
pub const MARGIN: u32 = 10;
/// The least a probe waits.
pub const FLOOR: Duration = Duration::from_millis(100);
/// What a probe waits when no round-trip time could be measured.
pub const UNMEASURED: Duration = Duration::from_secs(1);

/// The round-trip time of a run: measured once, by the first probe that
/// needs it. A clone shares the measurement (the checks of every variant
/// and the chapter's replay of one run measure once).
#[derive(Debug, Default, Clone)]
pub struct Rtt(std::sync::Arc<tokio::sync::OnceCell<Option<Duration>>>);

/// How long to wait for an answer that is expected not to come, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    pub wait: Duration,
    /// The round-trip time it was derived from (None: none measured).
    pub rtt: Option<Duration>,
}

impl Deadline {
    pub fn from_rtt(rtt: Option<Duration>) -> Deadline {
        let wait = match rtt {
            Some(r) => (r * MARGIN).max(FLOOR),
            None => UNMEASURED,
        };
        Deadline { wait, rtt }
    }

    /// The wait in seconds, as ping's `-W` and curl's `--connect-timeout`
    /// take it.
    pub fn seconds(&self) -> String {
        format!("{:.3}", self.wait.as_secs_f64())
    }
}

/// `40 ms, 10× the measured RTT` / `100 ms, the floor (10× the measured
/// RTT 0.05 ms is less)` / `1000 ms, no RTT could be measured`.
impl fmt::Display for Deadline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.wait.as_millis();
        match self.rtt {
            Some(r) if r * MARGIN >= FLOOR => {
                write!(f, "{ms} ms, {MARGIN}× the measured RTT")
            }
            Some(r) => write!(
                f,
                "{ms} ms, the floor ({MARGIN}× the measured RTT {:.2} ms is less)",
                r.as_secs_f64() * 1000.0
            ),
            None => write!(f, "{ms} ms, no RTT could be measured"),
        }
    }
}

impl Rtt {
    /// The deadline of this run, measuring the round-trip time first if no
    /// probe has.
    pub async fn deadline(&self, cx: &Cx<'_>) -> Deadline {
        Deadline::from_rtt(*self.0.get_or_init(|| measure(cx)).await)
    }
}

/// One echo from the first node to the second node's private address (the
/// node's own address in a lab of one node), its time as ping prints it.
async fn measure(cx: &Cx<'_>) -> Option<Duration> {
    let from = cx.lab.nodes.first()?;
    let to = cx.lab.nodes.get(1).unwrap_or(from);
    let cmd = format!("ping -n -c 1 -W 1 {}", to.ip);
    let out = cx.session.output_net(&from.name, &cmd).await.ok()?;
    (out.code == Some(0)).then(|| rtt_of(&out.stdout))?
}

/// The time of the first reply ping printed (`time=0.051 ms`).
pub fn rtt_of(out: &str) -> Option<Duration> {
    let ms: f64 = out
        .split_whitespace()
        .find_map(|w| w.strip_prefix("time="))?
        .parse()
        .ok()?;
    (ms.is_finite() && ms >= 0.0).then(|| Duration::from_secs_f64(ms / 1000.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::tests::{cx_with, lab};
    use crate::session::fake::FakeSession;

    #[test]
    fn a_deadline_is_ten_round_trips_or_the_floor() {
        let slow = Deadline::from_rtt(Some(Duration::from_millis(40)));
        assert_eq!(slow.wait, Duration::from_millis(400));
        assert_eq!(slow.to_string(), "400 ms, 10× the measured RTT");
        assert_eq!(slow.seconds(), "0.400");
        let fast = Deadline::from_rtt(Some(Duration::from_micros(50)));
        assert_eq!(fast.wait, FLOOR);
        assert_eq!(
            fast.to_string(),
            "100 ms, the floor (10× the measured RTT 0.05 ms is less)"
        );
        assert_eq!(
            Deadline::from_rtt(None).to_string(),
            "1000 ms, no RTT could be measured"
        );
    }

    #[tokio::test]
    async fn the_rtt_is_measured_once_per_run_on_the_private_network() {
        let lab = lab();
        let s = FakeSession::new().on(
            "master",
            "ping -n -c 1 -W 1 10.100.198.201",
            "64 bytes from 10.100.198.201: icmp_seq=1 ttl=64 time=32.5 ms\n",
        );
        let cx = cx_with(&lab, &s);
        let d = cx.rtt.deadline(&cx).await;
        assert_eq!(d.wait, Duration::from_millis(325));
        assert_eq!(cx.rtt.deadline(&cx).await, d);
        assert_eq!(s.ran().len(), 1, "{:?}", s.ran());
        // No reply: no RTT, and the wait says so.
        let s = FakeSession::new();
        let cx = cx_with(&lab, &s);
        assert_eq!(cx.rtt.deadline(&cx).await.rtt, None);
    }

    #[test]
    fn rtts_as_ping_prints_them() {
        assert_eq!(
            rtt_of("64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=0.051 ms"),
            Some(Duration::from_micros(51))
        );
        assert_eq!(rtt_of("1 packets transmitted, 0 received"), None);
    }
}
