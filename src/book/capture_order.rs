//! What a capture's packet lines (tcpdump's) claim of one another, the
//! book's alone: their times never run backwards, one packet is not
//! printed twice to the microsecond, and a ping's successive echo
//! requests (one flow, one ICMP id) are whole seconds after its first
//! (within 0.2 s), as ping sends them. And against the lab's capture of the chapter's ping: the
//! echo requests of one flow under more ICMP ids than the lab's are more
//! pings than the chapter runs (one ping keeps one id).
//!
//! Probe21bh, lesser 3: a second packet 1 s before the first, the same
//! ping's second echo under another id, one packet line twice, and `seq 2`
//! 10 s or 9 µs after `seq 1` each matched: a capture's lines were
//! compared with the lab's with their times and ids taken out.
//!
//! Probe21bk, finding 4: `seq 1` captured again a second after itself
//! matched, taken for the lab's doubling whatever the gap.
//!
//! Tolerances keep true captures: a packet may be stamped a little before
//! one printed above it (CPUs stamp packets in parallel); the same packet
//! seen twice (in and out of one device, the lab's `flannel.1` does so)
//! is stamped twice, microseconds apart; an echo held for its neighbour's
//! address leaves a little late.

use super::capture_claims::{is_time_of_day, packet_lines};
use super::compare::squash;

/// A packet stamped this much before one printed above it is no
/// reordering of parallel stamping: tcpdump's times run forward.
const BACKWARDS_US: i64 = 100_000;
/// Ping's interval: lab understands a ping only without `-i` (its
/// default, one echo a second), so every ping a chapter's capture shows
/// the traffic of sends one a second.
const SECOND_US: i64 = 1_000_000;
/// How far from whole intervals after the ping's first echo in the
/// capture each later echo may be captured (held to the first, so the
/// error of each gap cannot add up):
/// ping sends on its timer, late by a loaded machine's scheduling (a few
/// ms, tens at worst), so a fifth of its interval either way keeps every
/// true capture and no gap of half a second or one and a half
/// (probe21bm, finding 2: 0.5 s to 2 s passed).
const EARLY_US: i64 = 200_000;
const LATE_US: i64 = 200_000;
const DAY_US: i64 = 86_400 * SECOND_US;
/// How far apart one echo may be captured twice (less than this): the
/// same packet seen on its way in and out of a device (the lab's
/// `flannel.1`: 12 to 21 µs, one pass through the kernel's stack, where a
/// packet does not wait), never a ping's interval (ping never sends one
/// echo number twice). A millisecond is some fifty times the lab's gap and
/// keeps a loaded machine's; a copy 1 to 100 ms later passed under the
/// 100 ms of before (probe21bm, finding 2).
const TWICE_US: i64 = 1_000;

/// A time of day as tcpdump prints it, in microseconds since midnight.
fn micros(word: &str) -> Option<i64> {
    if !is_time_of_day(word) {
        return None;
    }
    let (clock, fraction) = word.split_once('.').unwrap_or((word, "0"));
    let mut p = clock.split(':').map(|x| x.parse::<i64>().ok());
    let (h, m, s) = (p.next()??, p.next()??, p.next()??);
    let frac: i64 = format!("{fraction:0<6}")[..6].parse().ok()?;
    Some(((h * 60 + m) * 60 + s) * SECOND_US + frac)
}

/// From `a` to `b`, across midnight where `b` is more than half a day
/// before it (the next day's).
fn after(a: i64, b: i64) -> i64 {
    let d = b - a;
    if d < -DAY_US / 2 { d + DAY_US } else { d }
}

/// One ICMP echo of a packet line: source, destination, request or
/// reply, id, seq.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Echo {
    pub from: String,
    pub to: String,
    pub request: bool,
    pub id: u16,
    pub seq: u16,
}

/// `… IP A > B: ICMP echo request, id N, seq S, length L`.
pub(super) fn echo(line: &str) -> Option<Echo> {
    let t = squash(line);
    let (head, rest) = t.split_once(": ICMP echo ")?;
    let (from, to) = head.rsplit_once(" > ")?;
    let from = from.rsplit(' ').next()?.to_string();
    let request = rest.starts_with("request");
    if !request && !rest.starts_with("reply") {
        return None;
    }
    let value = |key: &str| {
        rest.split(", ")
            .find_map(|p| p.strip_prefix(key))?
            .trim_end_matches(',')
            .parse::<u16>()
            .ok()
    };
    Some(Echo {
        from,
        to: to.to_string(),
        request,
        id: value("id ")?,
        seq: value("seq ")?,
    })
}

/// The differences of a capture's packet lines among themselves
/// (`any_device`: a capture on `any`, where one packet is seen on each
/// device it crosses, maybe in one microsecond).
pub fn differences(book: &[String], any_device: bool) -> Vec<String> {
    let mut d = Vec::new();
    let packets: Vec<(i64, &str)> = packet_lines(book)
        .into_iter()
        .filter_map(|l| Some((micros(l.split_whitespace().next()?)?, l)))
        .collect();
    for pair in packets.windows(2) {
        let ((a, la), (b, lb)) = (pair[0], pair[1]);
        if after(a, b) < -BACKWARDS_US {
            d.push(format!(
                "tcpdump: the book shows `{}` after `{}`, {} earlier: tcpdump prints packets as they come, its times run forward",
                squash(lb),
                squash(la),
                span(-after(a, b))
            ));
        }
    }
    if !any_device {
        let mut seen: Vec<String> = Vec::new();
        for (_, l) in &packets {
            let l = squash(l);
            if seen.contains(&l) {
                d.push(format!(
                    "tcpdump: the book shows `{l}` twice, to the microsecond: tcpdump prints each packet once, with the time it came"
                ));
            }
            seen.push(l);
        }
    }
    // One ping's echo requests: its first in the capture (the clock every
    // later echo is held to) and the last one, the first line of each echo
    // number.
    let mut pings: Vec<Ping> = Vec::new();
    for (t, l) in &packets {
        let Some(e) = echo(l).filter(|e| e.request) else {
            continue;
        };
        let one_ping =
            |p: &Ping| p.first.from == e.from && p.first.to == e.to && p.first.id == e.id;
        let Some(p) = pings.iter_mut().find(|p| one_ping(p)) else {
            pings.push(Ping {
                first: e.clone(),
                first_at: *t,
                last: e,
                last_at: *t,
            });
            continue;
        };
        let k = i64::from(e.seq.wrapping_sub(p.last.seq));
        let gap = after(p.last_at, *t);
        if k == 0 && gap >= TWICE_US {
            // probe21bk, finding 4: `seq 1` again a second later was
            // taken for the lab's doubling.
            d.push(format!(
                "tcpdump: the book shows echo request seq {} of {} > {} (id {}) again {} after its first: one packet is seen twice less than a millisecond apart (in and out of a device), and ping never sends one echo number twice",
                e.seq,
                e.from,
                e.to,
                e.id,
                span(gap)
            ));
        }
        if k == 0 || k > i64::from(u16::MAX / 2) {
            // The same echo again, or one numbered before.
            continue;
        }
        // Held to the ping's first echo, not to the one before: a gap
        // each within the tolerance adds up (probe21bp, lesser 1: seq 5
        // at +4.76 s, each 1.19 s after the one before, passed). A time
        // before the last is said once, as such.
        let n = i64::from(e.seq.wrapping_sub(p.first.seq));
        let since = after(p.first_at, *t);
        if gap >= 0 && (since < n * SECOND_US - EARLY_US || since > n * SECOND_US + LATE_US) {
            d.push(format!(
                "tcpdump: the book shows echo request seq {} of {} > {} (id {}) {} after seq {}, but ping sends one echo a second: {n} second{} after it, within {}",
                e.seq,
                e.from,
                e.to,
                e.id,
                span(since),
                p.first.seq,
                if n == 1 { "" } else { "s" },
                span(EARLY_US),
            ));
        }
        p.last = e;
        p.last_at = *t;
    }
    d
}

/// One ping (one flow, one ICMP id) of a capture: its first echo request
/// and the last one so far, with their times.
struct Ping {
    first: Echo,
    first_at: i64,
    last: Echo,
    last_at: i64,
}

/// The most echo requests (their distinct numbers) of one ping (one
/// flow, one ICMP id) among a capture's lines.
pub fn echo_requests_of_one_ping(capture: &[String]) -> usize {
    let mut pings: Vec<((String, String, u16), Vec<u16>)> = Vec::new();
    for e in capture.iter().filter_map(|l| echo(l)).filter(|e| e.request) {
        let key = (e.from, e.to, e.id);
        match pings.iter_mut().find(|(k, _)| *k == key) {
            Some((_, seqs)) if !seqs.contains(&e.seq) => seqs.push(e.seq),
            Some(_) => {}
            None => pings.push((key, vec![e.seq])),
        }
    }
    pings.iter().map(|(_, s)| s.len()).max().unwrap_or(0)
}

/// A time span as a reader reads it.
fn span(us: i64) -> String {
    if us.abs() < 1000 {
        format!("{us} µs")
    } else if us.abs() < SECOND_US {
        format!("{} ms", us / 1000)
    } else {
        format!("{}.{:06} s", us / SECOND_US, (us % SECOND_US).abs())
    }
}

/// The book's echo requests of a flow under more ICMP ids than the lab's
/// capture of the chapter's commands shows for that flow (both in the
/// lab's addresses): each id is one ping, and the lab ran the chapter's.
pub fn ids_beyond_lab(book: &[String], lab: &[String]) -> Vec<String> {
    let ids = |lines: &[String]| {
        let mut out: Vec<((String, String), Vec<u16>)> = Vec::new();
        for e in lines.iter().filter_map(|l| echo(l)).filter(|e| e.request) {
            let flow = (e.from.clone(), e.to.clone());
            match out.iter_mut().find(|(f, _)| *f == flow) {
                Some((_, v)) if !v.contains(&e.id) => v.push(e.id),
                Some(_) => {}
                None => out.push((flow, vec![e.id])),
            }
        }
        out
    };
    let theirs = ids(lab);
    ids(book)
        .into_iter()
        .filter_map(|((from, to), mine)| {
            let (_, lab_ids) = theirs.iter().find(|(f, _)| *f == (from.clone(), to.clone()))?;
            (mine.len() > lab_ids.len()).then(|| {
                format!(
                    "tcpdump: the book shows echo requests of {from} > {to} under {} ICMP ids ({}), {} pings; the lab's capture of the chapter's ping shows {}: one ping keeps one id",
                    mine.len(),
                    mine.iter().map(u16::to_string).collect::<Vec<_>>().join(", "),
                    mine.len(),
                    lab_ids.len()
                )
            })
        })
        .collect()
}

#[cfg(test)]
#[path = "capture_order_tests.rs"]
mod tests;
