//! The host's kernel log, read by its records' sequence numbers: a node
//! that floods it is found by freezing and stopped.
//!
//! Why: the kernel writes a line, with no rate limit, for some requests a
//! node's root makes of its own devices with its own `CAP_NET_ADMIN`: a
//! refused forwarding request on a veth ("default FDB implementation only
//! supports local addresses"), a device entering or leaving promiscuous
//! mode, a port joining or leaving a bridge. probe21bq wrote 165,000 lines
//! a second this way, the host's whole log ring overwritten many times a
//! second, every other kernel message lost. The requests cannot be told
//! apart before the kernel acts (seccomp cannot read netlink messages), and
//! a record names no namespace, only devices a node names as it likes.
//!
//! How: `/dev/kmsg` is opened at the end ([`Reader`]); each look reads at
//! most [`READS`] records and, when more are waiting, seeks to the end
//! again (a read that finds its records overwritten, `EPIPE`, is not an
//! error). The rate is the difference of the records' sequence numbers
//! over time ([`Point`], [`Rates`]), not what was read, so a flood costs a
//! look the same few hundred reads. Past [`HOST_BOUND`] records a second
//! for two seconds in a row ([`Flood`]), the cause is looked for among the
//! lab's nodes by freezing them ([`cause`]): a node whose freeze takes away
//! more than [`NODE_BOUND`] records a second is stopped.

#[path = "kernel_log_cause.rs"]
pub(super) mod cause;

use std::collections::VecDeque;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

/// Records a second past which the host's kernel log is flooded, when
/// every trailing second holds more for [`FLOOD_FOR`]: ten times what
/// `up` of chapter 4 writes in its busiest second (45, measured) and twice
/// what other labs' bridges wrote here (up to 150 a second). A false alarm
/// (a big lab's `destroy`) costs a look for the cause: each node of the
/// lab frozen a fraction of a second, none stopped.
pub const HOST_BOUND: f64 = 300.0;

/// How long the log must run past [`HOST_BOUND`] (each trailing second's
/// rate) before its cause is looked for: with the first second's window,
/// two seconds in a row.
pub const FLOOD_FOR: Duration = Duration::from_secs(1);

/// Records a second a node may write to the host's kernel log: a node
/// whose freeze takes away more is stopped (see [`cause::is_cause`]).
pub const NODE_BOUND: f64 = 150.0;

/// Records read at most in one look (about a millisecond of reads); past
/// them the reader seeks to the end.
pub const READS: usize = 256;

/// Time between two looks while the log is busy or a cause is looked for.
pub const LOOK: Duration = Duration::from_millis(100);

/// How long a look that sought to the end waits, at most, for the next
/// record to learn its number (it sought because records kept coming).
const SPIN: Duration = Duration::from_millis(2);

/// How far back [`Rates`] keeps points.
const KEPT: Duration = Duration::from_secs(3);

/// A record's sequence number: the second field of its prefix,
/// `PRI,SEQ,TS,FLAGS[,…];text`.
pub fn sequence_of(record: &[u8]) -> Option<u64> {
    let prefix = record.split(|b| *b == b';').next()?;
    let seq = prefix.split(|b| *b == b',').nth(1)?;
    std::str::from_utf8(seq).ok()?.parse().ok()
}

/// One point of the log: at `at`, the next record written gets the number
/// `next`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub at: Instant,
    pub next: u64,
}

/// Records a second written between the points `a` and `b` (0 over no
/// time).
pub fn rate(a: Point, b: Point) -> f64 {
    let secs = b.at.saturating_duration_since(a.at).as_secs_f64();
    match secs > 0.0 {
        true => b.next.saturating_sub(a.next) as f64 / secs,
        false => 0.0,
    }
}

/// `/dev/kmsg`, opened at its end, read without blocking.
pub struct Reader {
    fd: OwnedFd,
    /// The number of the next record a read returns, when known.
    next: Option<u64>,
    /// When the reader sought to the end without learning the next
    /// record's number (its point, learnt from that record).
    sought_at: Option<Instant>,
}

impl Reader {
    pub fn open() -> std::io::Result<Reader> {
        // SAFETY: open of a constant path; the descriptor is owned at once.
        let fd = unsafe {
            libc::open(
                c"/dev/kmsg".as_ptr(),
                libc::O_RDONLY | libc::O_NONBLOCK | libc::O_CLOEXEC,
            )
        };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: fd was just opened and is ours alone.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let r = Reader {
            fd,
            next: None,
            // The first record written after the open is its point.
            sought_at: Some(Instant::now()),
        };
        r.to_end()?;
        Ok(r)
    }

    pub fn fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    fn to_end(&self) -> std::io::Result<()> {
        // SAFETY: lseek on our descriptor.
        match unsafe { libc::lseek(self.fd.as_raw_fd(), 0, libc::SEEK_END) } {
            -1 => Err(std::io::Error::last_os_error()),
            _ => Ok(()),
        }
    }

    /// One record's number, `Err` with the read's errno when none.
    fn read_one(&self, buf: &mut [u8]) -> Result<Option<u64>, i32> {
        // SAFETY: read into a buffer of ours, of its length.
        let n = unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        match n {
            n if n > 0 => Ok(sequence_of(&buf[..n as usize])),
            0 => Err(libc::EAGAIN),
            _ => Err(std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EIO)),
        }
    }

    /// Read at most [`READS`] records: the points learnt, oldest first.
    /// All read: the point now is the last one's next. More waiting: the
    /// reader seeks to the end, and the first record written after it is
    /// the point of the seek, read at once or, when records come in bursts
    /// (a writer's loop between two batches), first in the next look.
    pub fn look(&mut self) -> Vec<Point> {
        let mut buf = [0u8; 8192];
        let mut points = Vec::new();
        let mut drained = false;
        let mut overwritten = false;
        for _ in 0..READS {
            match self.read_one(&mut buf) {
                Ok(Some(seq)) => {
                    // The first record after a seek whose number was not
                    // learnt, none overwritten before it: the seek's point.
                    if let Some(at) = self.sought_at.take()
                        && !overwritten
                    {
                        points.push(Point { at, next: seq });
                    }
                    self.next = Some(seq + 1);
                }
                Ok(None) => {}
                // Overwritten before it was read: the reader moved on.
                Err(libc::EPIPE) => {
                    overwritten = true;
                    self.sought_at = None;
                }
                Err(libc::EINTR) => {}
                Err(libc::EAGAIN) => {
                    drained = true;
                    break;
                }
                Err(_) => break,
            }
        }
        let now = Instant::now();
        if drained {
            match self.next {
                Some(next) => points.push(Point { at: now, next }),
                // Nothing written since the seek: its point holds now too.
                None if self.sought_at.is_some() => self.sought_at = Some(now),
                None => {}
            }
            return points;
        }
        self.next = None;
        self.sought_at = None;
        if self.to_end().is_err() {
            return points;
        }
        let sought = Instant::now();
        let until = sought + SPIN;
        loop {
            let at = Instant::now();
            match self.read_one(&mut buf) {
                Ok(Some(seq)) => {
                    self.next = Some(seq + 1);
                    points.push(Point { at, next: seq });
                    return points;
                }
                Err(libc::EAGAIN) if at < until => {
                    std::thread::sleep(Duration::from_micros(50));
                }
                Ok(None) | Err(libc::EPIPE) | Err(libc::EINTR) if at < until => {}
                Err(libc::EAGAIN) => {
                    // Learnt from the next record, in a later look.
                    self.sought_at = Some(sought);
                    return points;
                }
                _ => return points,
            }
        }
    }
}

/// The points of the last few seconds.
#[derive(Debug, Default)]
pub struct Rates {
    points: VecDeque<Point>,
}

impl Rates {
    pub fn add(&mut self, p: Point) {
        if self.points.back().is_some_and(|b| p.at <= b.at) {
            return;
        }
        self.points.push_back(p);
        while self
            .points
            .front()
            .is_some_and(|f| p.at.saturating_duration_since(f.at) > KEPT)
        {
            self.points.pop_front();
        }
    }

    /// The newest point.
    pub fn last(&self) -> Option<Point> {
        self.points.back().copied()
    }

    /// Records a second over the `over` before the newest point (the
    /// number at its start read between the points around it), or over
    /// what is kept when that is at least half of `over`.
    pub fn trailing(&self, over: Duration) -> Option<f64> {
        let b = *self.points.back()?;
        let start = b.at.checked_sub(over)?;
        let after = self.points.iter().position(|p| p.at > start)?;
        if after == 0 {
            let a = *self.points.front()?;
            return (b.at.saturating_duration_since(a.at) >= over / 2).then(|| rate(a, b));
        }
        let (a, c) = (self.points[after - 1], self.points[after]);
        let part = start.saturating_duration_since(a.at).as_secs_f64()
            / c.at.saturating_duration_since(a.at).as_secs_f64();
        let at_start = a.next as f64 + part * c.next.saturating_sub(a.next) as f64;
        Some((b.next as f64 - at_start).max(0.0) / over.as_secs_f64())
    }
}

/// Whether the log has run past [`HOST_BOUND`] long enough.
#[derive(Debug, Default)]
pub struct Flood {
    over_since: Option<Instant>,
}

impl Flood {
    /// Judge the rates after a new point: true once every trailing second
    /// has held more than [`HOST_BOUND`] for [`FLOOD_FOR`].
    pub fn judge(&mut self, rates: &Rates) -> bool {
        let (Some(last), Some(r)) = (rates.last(), rates.trailing(Duration::from_secs(1))) else {
            return false;
        };
        if r <= HOST_BOUND {
            self.over_since = None;
            return false;
        }
        let since = *self.over_since.get_or_insert(last.at);
        last.at.saturating_duration_since(since) >= FLOOD_FOR
    }

    /// Start counting again (a cause was stopped, or one is looked for).
    pub fn reset(&mut self) {
        self.over_since = None;
    }

    /// Whether the log runs past its bound now.
    pub fn over(&self) -> bool {
        self.over_since.is_some()
    }
}

/// The guard's watch of the host's kernel log: its reader (none where it
/// cannot be opened), the rates, the look for a cause.
pub struct KernelLog {
    reader: Option<Reader>,
    rates: Rates,
    flood: Flood,
    search: cause::Search<cause::Cgroups>,
    next_look: Instant,
}

impl KernelLog {
    /// Open the host's kernel log at its end; `Err` says why it cannot be
    /// read (then nothing is looked at).
    pub fn open() -> (KernelLog, Option<String>) {
        let (reader, why) = match Reader::open() {
            Ok(r) => (Some(r), None),
            Err(e) => (None, Some(format!("/dev/kmsg: {e}"))),
        };
        let log = KernelLog {
            reader,
            rates: Rates::default(),
            flood: Flood::default(),
            search: cause::Search::new(cause::Cgroups::default()),
            next_look: Instant::now(),
        };
        (log, why)
    }

    /// The descriptor `poll` waits on, while a look is due (a record makes
    /// it): a host whose log is quiet wakes the guard for nothing.
    pub fn poll_fd(&self, now: Instant) -> Option<RawFd> {
        let r = self.reader.as_ref()?;
        (now >= self.next_look).then(|| r.fd())
    }

    /// When the guard must wake for the next look, while the log is busy
    /// or a cause is looked for (`None` at rest: the descriptor wakes it).
    pub fn wake_at(&self) -> Option<Instant> {
        self.reader.as_ref()?;
        let busy = self.flood.over()
            || self
                .rates
                .trailing(Duration::from_secs(1))
                .is_some_and(|r| r > HOST_BOUND / 2.0);
        (busy || self.search.active()).then_some(self.next_look)
    }

    /// Look at the log when a look is due, go on with the look for a cause:
    /// the namespaces among `nodes` to stop, each with why.
    pub fn tick(&mut self, now: Instant, nodes: &[String]) -> Vec<(String, String)> {
        let Some(reader) = self.reader.as_mut() else {
            return vec![];
        };
        if now < self.next_look {
            return vec![];
        }
        let points = reader.look();
        let mut flooded = false;
        for p in &points {
            self.rates.add(*p);
            flooded |= self.flood.judge(&self.rates);
        }
        let point = points.last().copied();
        let rate = self.rates.trailing(Duration::from_secs(1)).unwrap_or(0.0);
        let step = self
            .search
            .step(Instant::now(), point, flooded, rate, nodes);
        for line in &step.said {
            super::say(line);
        }
        if step.ended {
            self.flood.reset();
        }
        self.next_look = step.next_look.unwrap_or(Instant::now() + LOOK);
        step.stop
    }

    /// Thaw whatever the look for a cause froze (also done when it is
    /// dropped: the guard leaves).
    pub fn thaw(&mut self) {
        self.search.thaw_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_records_number_is_its_prefixs_second_field() {
        assert_eq!(
            sequence_of(b"6,1234567,23760264469,-;y1: default FDB implementation"),
            Some(1234567)
        );
        assert_eq!(
            sequence_of(b"4,7,0,c,caller=T12;text, with, commas\n SUBSYSTEM=net\n"),
            Some(7)
        );
        // Text that looks like a prefix is not read as one.
        assert_eq!(sequence_of(b"6;1,2,3"), None);
        assert_eq!(sequence_of(b"6,x,1,-;t"), None);
        assert_eq!(sequence_of(b""), None);
    }

    fn at(t0: Instant, ms: u64, next: u64) -> Point {
        Point {
            at: t0 + Duration::from_millis(ms),
            next,
        }
    }

    /// The rate is what the numbers say, not what was read: a reader that
    /// read 256 records of 16,500 written in 100 ms sees 165,000 a second.
    #[test]
    fn the_rate_is_the_numbers_difference_over_time() {
        let t0 = Instant::now();
        assert_eq!(rate(at(t0, 0, 1000), at(t0, 100, 17_500)), 165_000.0);
        assert_eq!(rate(at(t0, 0, 1000), at(t0, 0, 2000)), 0.0);
        let mut r = Rates::default();
        for (ms, next) in [(0, 0), (500, 50), (1000, 100), (1500, 600), (2000, 1100)] {
            r.add(at(t0, ms, next));
        }
        // The last second: 100 → 1100.
        assert_eq!(r.trailing(Duration::from_secs(1)), Some(1000.0));
        // Its start between two points is read between them: 250 ms after
        // the point of 0, 25.
        let t = r.trailing(Duration::from_millis(1750)).unwrap();
        assert!((t - (1100.0 - 25.0) / 1.75).abs() < 1e-6, "{t}");
        // Kept only a few seconds.
        r.add(at(t0, 6000, 1200));
        assert_eq!(r.points.len(), 1);
        assert_eq!(r.trailing(Duration::from_secs(1)), None);
    }

    /// Two seconds in a row past the bound, not a burst.
    #[test]
    fn a_flood_is_past_the_bound_for_two_seconds_in_a_row() {
        let t0 = Instant::now();
        let mut r = Rates::default();
        let mut f = Flood::default();
        // 1,000 records in 100 ms, then quiet: never a flood.
        r.add(at(t0, 0, 0));
        r.add(at(t0, 100, 1000));
        assert!(!f.judge(&r));
        for ms in (200..3000).step_by(100) {
            r.add(at(t0, ms, 1000));
            assert!(!f.judge(&r), "{ms}");
        }
        // 500 a second from 3 s on: the trailing second passes the bound at
        // 3.7 s (350), and it is a flood one second later.
        let mut judged = vec![];
        for ms in (3100..=6000).step_by(100) {
            r.add(at(t0, ms, 1000 + (ms - 3000) / 2));
            judged.push((ms, f.judge(&r)));
        }
        let first = judged.iter().find(|(_, j)| *j).map(|(ms, _)| *ms);
        assert_eq!(first, Some(4700), "{judged:?}");
        f.reset();
        assert!(!f.over());
    }
}
