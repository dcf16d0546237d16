//! What a capture's own lines claim beyond its packets (tcpdump's): the
//! counts it prints when stopped (`N packets captured`, `N packets
//! received by filter`, `N packets dropped by kernel`), held against the
//! packets the book shows and against each other, and the time of day
//! each packet line starts with. A count or a time no tcpdump prints is a
//! difference, never passed over (probe21bc, lesser 9: `5 packets
//! captured` under one packet, and a packet at `99:99:99.999999`, each
//! matched).

use super::compare::{is_elision, is_tcpdump_banner, squash};

/// What one of tcpdump's counts counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    Captured,
    ReceivedByFilter,
    DroppedByKernel,
}

impl Counted {
    /// The words tcpdump prints after the number, plural.
    fn words(self) -> &'static str {
        match self {
            Counted::Captured => "captured",
            Counted::ReceivedByFilter => "received by filter",
            Counted::DroppedByKernel => "dropped by kernel",
        }
    }
}

/// One of tcpdump's count lines, as the book shows it: the number, what
/// it counts, and whether its noun is the one tcpdump prints for that
/// number (`1 packet`, `0 packets`, `2 packets`). A `^C` echoed before it
/// on the same line (`^C5 packets captured`) is the reader's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub n: u64,
    pub what: Counted,
    pub noun_as_printed: bool,
}

/// The count a line shows, if it is one of tcpdump's count lines.
pub fn count(line: &str) -> Option<Count> {
    let t = squash(line);
    let t = t.strip_prefix("^C").unwrap_or(&t).trim_start();
    let (n, rest) = t.split_once(' ')?;
    let n: u64 = n.parse().ok()?;
    let (singular, words) = match rest.strip_prefix("packets ") {
        Some(w) => (false, w),
        None => (true, rest.strip_prefix("packet ")?),
    };
    let what = [
        Counted::Captured,
        Counted::ReceivedByFilter,
        Counted::DroppedByKernel,
    ]
    .into_iter()
    .find(|c| c.words() == words)?;
    Some(Count {
        n,
        what,
        noun_as_printed: singular == (n == 1),
    })
}

/// Whether a word is a time of day as tcpdump prints one before a packet
/// (`HH:MM:SS`, with its micro- or nanoseconds): hours 0 to 23, minutes 0
/// to 59, seconds 0 to 60 (a leap second).
pub fn is_time_of_day(word: &str) -> bool {
    let (clock, fraction) = match word.split_once('.') {
        Some((c, f)) => (c, Some(f)),
        None => (word, None),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    let two_digits = |p: &str, most: u32| {
        p.len() == 2
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|v| v <= most)
    };
    parts.len() == 3
        && two_digits(parts[0], 23)
        && two_digits(parts[1], 59)
        && two_digits(parts[2], 60)
        && fraction
            .is_none_or(|f| matches!(f.len(), 6 | 9) && f.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether a word has a time's shape (`DD:DD:…`, digits, colons and dots
/// alone), a time of day or not.
fn looks_like_a_time(word: &str) -> bool {
    let b = word.as_bytes();
    b.len() >= 8
        && b[2] == b':'
        && word
            .bytes()
            .all(|c| c.is_ascii_digit() || c == b':' || c == b'.')
}

/// The book's packet lines of a capture: what is left once its banner,
/// its counts, the reader's `^C`, tcpdump's own `tcpdump: …` lines, cuts
/// and blank lines are set aside, one per packet (a `-v` packet's
/// second line, indented under it, and a hex dump's `0x0000:` lines are
/// the same packet's).
pub(super) fn packet_lines(book: &[String]) -> Vec<&str> {
    let kept: Vec<&str> = book
        .iter()
        .map(String::as_str)
        .filter(|l| {
            let t = l.trim();
            !t.is_empty()
                && t != "^C"
                && !is_elision(l)
                && !is_tcpdump_banner(l)
                && !t.starts_with("tcpdump:")
                && count(l).is_none()
        })
        .collect();
    let indent = |l: &str| l.len() - l.trim_start().len();
    let least = kept.iter().map(|l| indent(l)).min().unwrap_or(0);
    kept.into_iter()
        .filter(|l| indent(l) == least && !l.trim_start().starts_with("0x"))
        .collect()
}

/// The differences of what a capture's own lines claim: each count line
/// tcpdump would not print so (its noun, `1 packets`), a count of
/// packets captured other than the packets the book shows (at least as
/// many where the book cut its output or `grepped` it: grep keeps some
/// packet lines, tcpdump's counts go to stderr), packets received by the
/// filter fewer than those captured or dropped (tcpdump counts the
/// received ones among what the filter passed), and a packet line whose
/// time is no time of day.
pub fn differences(book: &[String], grepped: bool) -> Vec<String> {
    let mut d = Vec::new();
    let counts: Vec<(Count, String)> = book
        .iter()
        .filter_map(|l| Some((count(l)?, squash(l))))
        .collect();
    for (c, line) in &counts {
        if !c.noun_as_printed {
            d.push(format!(
                "tcpdump: the book shows `{line}`, which tcpdump does not print: it says `1 packet` and `{} packets`",
                c.n
            ));
        }
    }
    let of = |what: Counted| {
        counts
            .iter()
            .find(|(c, _)| c.what == what)
            .map(|(c, _)| c.n)
    };
    let packets = packet_lines(book);
    let cut = grepped || book.iter().any(|l| is_elision(l));
    if let Some(captured) = of(Counted::Captured) {
        let shown = packets.len() as u64;
        if captured < shown || (captured > shown && !cut) {
            d.push(format!(
                "tcpdump: the book counts {captured} packet{} captured but shows {shown} packet line{}: tcpdump prints each packet it counts",
                plural(captured),
                plural(shown)
            ));
        }
    }
    if let Some(received) = of(Counted::ReceivedByFilter) {
        for (what, n) in [
            (Counted::Captured, of(Counted::Captured)),
            (Counted::DroppedByKernel, of(Counted::DroppedByKernel)),
        ] {
            if let Some(n) = n.filter(|n| *n > received) {
                d.push(format!(
                    "tcpdump: the book counts {n} packet{} {} but {received} received by filter: the filter's count holds them",
                    plural(n),
                    what.words()
                ));
            }
        }
    }
    for l in packets {
        let first = l.split_whitespace().next().unwrap_or_default();
        if looks_like_a_time(first) && !is_time_of_day(first) {
            d.push(format!(
                "tcpdump: the book shows a packet at {first}, which is no time of day tcpdump prints: `{}`",
                squash(l)
            ));
        }
    }
    d
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
#[path = "capture_claims_tests.rs"]
mod tests;
