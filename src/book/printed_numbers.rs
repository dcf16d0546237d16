//! Numbers a tool prints that the lab's own run of it answers too, or that
//! lab cannot answer and says so (probe21br, finding 4 and lesser 4: each
//! passed a `match` unread):
//! - a ping reply's `time=`: every node and pod of the lab is on one host,
//!   as the book's VirtualBox VMs were; a reply slower than
//!   [`SLOW_MS`] ms, or than ten times the lab's slowest reply for the
//!   same ping (a loaded host), is another network's (`time=54.0 ms`,
//!   `time=900 ms` on a same-host reply);
//! - tcpdump's snapshot length (`capture size N bytes`, `snapshot length N
//!   bytes` in its banner): the default of the tcpdump that ran, for a
//!   command without `-s`; the book's against the lab's, when both print
//!   it (a tcpdump before 4.0 defaulted to 68 or 96, 4.0 to 4.6 to 65535,
//!   later ones to 262144: an older one's number is drift unless blessed);
//! - the size of an ICMP error line (`92 bytes from 10.244.1.1:
//!   Destination Net Unreachable`, BSD's and inetutils' form): what that
//!   ping counts of the error (the IP header or not, the quoted datagram
//!   the router chose) is not what the lab's iputils prints (`From ADDR
//!   icmp_seq=N …`, no size): not compared, and said so.

use super::compare::squash;
use super::{CommandReport, Verdict};

/// The slowest reply time a same-host network gives, in milliseconds.
/// Measured on the 2-core host of the netns lab at load average 12 to 13
/// (probe21br's fix): 100 pings node to pod and pod to node, the slowest
/// 0.33 ms; the book's own replies are 0.054 to 0.947 ms. 20 ms is sixty
/// times the lab's slowest, and still under a reply that crossed a real
/// network or a host swapping (the probe's 54 and 900 ms).
pub const SLOW_MS: f64 = 20.0;

/// The times (ms) of the reply lines (`… bytes from ADDR: … time=T ms`).
fn reply_times(lines: &[String]) -> Vec<(f64, String)> {
    lines
        .iter()
        .filter_map(|l| {
            let t = squash(l);
            let (_, rest) = t.split_once(" bytes from ")?;
            let time = rest
                .split_whitespace()
                .find_map(|w| w.strip_prefix("time="))?;
            let ms: f64 = time.trim_end_matches("ms").parse().ok()?;
            ms.is_finite().then(|| (ms, t.trim().to_string()))
        })
        .collect()
}

/// Each reply of the book's ping slower than a same-host network answers
/// ([`SLOW_MS`], or ten times the lab's slowest reply when that is more).
pub fn slow_replies(book: &[String], lab: &[String]) -> Vec<String> {
    let labs = reply_times(lab)
        .into_iter()
        .map(|(ms, _)| ms)
        .fold(0.0f64, f64::max);
    let bound = SLOW_MS.max(labs * 10.0);
    reply_times(book)
        .into_iter()
        .filter(|(ms, _)| *ms > bound)
        .map(|(ms, line)| {
            format!(
                "ping: the book shows a reply after {ms} ms (`{line}`); the lab's nodes and pods share one host, as the book's VMs did, and answer in well under {bound} ms (the lab's slowest reply here: {labs} ms): another network's time"
            )
        })
        .collect()
}

/// The snapshot length a tcpdump banner prints (`capture size N bytes`,
/// `snapshot length N bytes`), if `l` is one.
fn snap_length(l: &str) -> Option<u64> {
    let t = squash(l);
    let (_, rest) = t
        .split_once("capture size ")
        .or_else(|| t.split_once("snapshot length "))?;
    rest.split_whitespace().next()?.parse().ok()
}

/// The book's tcpdump snapshot length against the lab's: a difference
/// when both print one and they differ; a note of what was not compared
/// when only the book's does.
pub fn snap_lengths(book: &[String], lab: &[String]) -> (Vec<String>, Option<String>) {
    let Some(b) = book.iter().find_map(|l| snap_length(l)) else {
        return (Vec::new(), None);
    };
    match lab.iter().find_map(|l| snap_length(l)) {
        Some(l) if l == b => (Vec::new(), None),
        Some(l) => (
            vec![format!(
                "tcpdump: the book's banner says it captures {b} bytes of each packet; the lab's tcpdump, given no `-s` either, says {l} (its `snapshot length`)"
            )],
            None,
        ),
        None => (
            Vec::new(),
            Some(format!(
                "tcpdump's snapshot length ({b} bytes in the book's banner): the lab's capture printed no banner"
            )),
        ),
    }
}

/// The book's ICMP error lines that carry a size (`92 bytes from ADDR:
/// Destination Net Unreachable`), each a note of what was not compared.
pub fn error_sizes(book: &[String]) -> Vec<String> {
    book.iter()
        .filter_map(|l| {
            let t = squash(l);
            let (size, rest) = t.split_once(" bytes from ")?;
            let size: u32 = size.split_whitespace().last()?.parse().ok()?;
            let (_, words) = rest.split_once(':')?;
            let words = words.trim();
            let lower = words.to_lowercase();
            let error = !lower.contains("icmp_seq=")
                && !lower.contains("seq=")
                && [
                    "unreachable",
                    "exceeded",
                    "redirect",
                    "quench",
                    "parameter problem",
                    "prohibited",
                ]
                .iter()
                .any(|k| lower.contains(k));
            error.then(|| {
                format!(
                    "the size of the ICMP error line `{}` ({size} bytes): what a BSD or inetutils ping counts of an error depends on that ping and the quoted datagram; the lab's iputils prints its errors without a size",
                    t.trim()
                )
            })
        })
        .collect()
}

/// Name each value of the book's output lab did not compare in `r`'s
/// `why`; a command that compared all else and found it agreeing is then
/// `skipped`, saying so, never a plain `match` (probe21br, finding 4).
pub fn not_compared(r: &mut CommandReport, uncompared: Vec<String>) {
    if uncompared.is_empty() {
        return;
    }
    r.why
        .extend(uncompared.iter().map(|u| format!("not compared: {u}")));
    if r.differences.is_empty() && r.verdict == Verdict::Match {
        r.verdict = Verdict::Skipped;
        r.reason = Some(format!(
            "the rest of its output agrees with the lab's, but not all of it was compared: {}",
            uncompared.join("; ")
        ));
    }
}

#[cfg(test)]
#[path = "printed_numbers_tests.rs"]
mod tests;
