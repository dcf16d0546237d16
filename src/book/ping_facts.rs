//! What a ping's output says, iputils' or BSD's: each reply (its number,
//! who answered, the TTL), the ICMP error and who sent it, the count its
//! statistics give, the address its header names; and the differences
//! between the book's ping and the lab's ([`super::compare`] re-exports
//! them: one place for what output means), a ping piped to grep included
//! (its facts read from the lab's whole output, never from what grep left).

use super::compare::squash;
use super::ping_errors::error_of;

/// What a ping's output says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PingFacts {
    pub reply: bool,
    pub ttl: Option<u8>,
    /// The ICMP error and who sent it: `Time to live exceeded from 10.244.1.1`.
    pub error: Option<String>,
    /// Every reply it shows, in order.
    pub replies: Vec<Reply>,
    /// Every error line it shows, in order ([`super::ping_errors`]).
    pub errors: Vec<super::ping_errors::IcmpError>,
    /// Whether its output was cut (`...`): its lines are some of those
    /// that came.
    pub cut: bool,
}

pub(super) const ICMP_ERRORS: &[&str] = &[
    "Time to live exceeded",
    "Destination Net Unreachable",
    "Destination Host Unreachable",
    "Destination Port Unreachable",
    "Destination Protocol Unreachable",
    "Packet filtered",
    "Frag needed",
    "Redirect Host",
    "Redirect Network",
];

/// Whether a line names one of ping's ICMP errors.
fn names_icmp_error(line: &str) -> bool {
    let lower = line.to_lowercase();
    ICMP_ERRORS
        .iter()
        .any(|k| lower.contains(&k.to_lowercase()))
}

/// What follows `N bytes from ADDR:` on a reply (its number, TTL or
/// time, or nothing: the line cut there), not an error's words (BSD's
/// `Communication prohibited by filter`).
pub(super) fn is_reply_rest(rest: &str) -> bool {
    let r = rest.trim().to_lowercase();
    r.is_empty()
        || ["icmp_seq=", "icmp_req=", "seq=", "ttl=", "time="]
            .iter()
            .any(|k| r.contains(k))
}

/// `N bytes from ADDR: REST`: ADDR and REST.
pub(super) fn bytes_from(t: &str) -> Option<(&str, &str)> {
    let mut w = t.splitn(4, ' ');
    let (n, bytes, from) = (w.next()?, w.next()?, w.next()?);
    if !(n.parse::<u32>().is_ok() && bytes == "bytes" && from == "from") {
        return None;
    }
    let rest = w.next()?;
    let (addr, rest) = rest.split_once(':')?;
    Some((addr.trim(), rest))
}

/// iputils' error line, `From ADDR [(ADDR)] icmp_seq=N WORDS`: ADDR and
/// WORDS.
pub(super) fn from_error(t: &str) -> Option<(&str, String)> {
    let words: Vec<&str> = t.split_whitespace().collect();
    if !words.first()?.eq_ignore_ascii_case("from") {
        return None;
    }
    let at = words.iter().take(4).position(|w| {
        let w = w.to_lowercase();
        w.starts_with("icmp_seq=") || w.starts_with("icmp_req=")
    })?;
    Some((
        words.get(1)?.trim_end_matches(':'),
        words[at + 1..].join(" "),
    ))
}

/// Whether a line of a ping's output is ping's own (iputils' or BSD's),
/// by its whole shape, not its first word: its header (`PING ADDR ...
/// bytes of data` / `data bytes`), a reply or BSD error (`N bytes from
/// ADDR:`), an iputils error (`From ADDR icmp_seq=N ...`), a timeout, its
/// statistics and round-trip lines, its own `ping: ...` error, the
/// reader's `^C`, or blank. Any other line (a cut in a form lab does not
/// know, the author's words, another program's output, Windows' `Reply
/// from`) is not: output with one cannot say that no reply came (the
/// fourteenth and sixteenth probes). Other pings' words for "no reply
/// came" are ping's too ([`super::ping_claims::no_reply_in_other_words`]).
pub fn is_pings_own(line: &str) -> bool {
    let t = squash(line);
    let t = t.trim();
    let lower = t.to_lowercase();
    lower.is_empty()
        || lower == "^c"
        || is_header(&lower)
        || lower.starts_with("ping: ")
        || bytes_from(t).is_some()
        || from_error(t).is_some()
        || lower.starts_with("request timeout for icmp_seq")
        || (lower.starts_with("--- ") && lower.ends_with(" ping statistics ---"))
        || super::compare_ping_lines::is_statistics(&lower)
        || is_round_trip(&lower)
        || super::ping_claims::no_reply_in_other_words(t)
}

/// Whether a line (squashed, lowercase) has the shape of ping's header as
/// a whole, iputils' `ping A (B) S(T) bytes of data.` or BSD's and
/// busybox's `ping A (B): S data bytes`: a header with more after it
/// (`…: 48 data bytes, id 0x1234 = 1`) is no line the command's ping
/// prints, and its sizes were read by no one (probe21bc, lesser 9).
pub(super) fn is_header(lower: &str) -> bool {
    lower.starts_with("ping ")
        && [" bytes of data.", " bytes of data", " data bytes"]
            .iter()
            .any(|end| lower.ends_with(end))
}

/// Whether a time (`time=` without its `ms`) is one ping prints: a
/// decimal number of milliseconds with three decimals (BSD's, busybox's
/// and inetutils' always, `0.947`, `403.123`; iputils' under 1 ms), or
/// with the fewer decimals iputils prints by its size: two from 1 ms
/// (`4.03`), one from 10 ms (`12.3`), none from 100 ms (`403`). Its
/// rounding may print the next size's bound (`10.00`, `100.0`). A time
/// with the decimals of no size (`403.1`, `0.4`) no ping prints
/// (probe21be, lesser 3).
pub(super) fn is_time_as_printed(n: &str) -> bool {
    if !is_decimal_ms(n) {
        return false;
    }
    let (whole, decimals) = n.split_once('.').unwrap_or((n, ""));
    // Milliseconds in thousandths, as iputils counts its microseconds.
    let Ok(ms) = format!("{whole}.{decimals:0<3}")
        .replace('.', "")
        .parse::<u128>()
    else {
        return false;
    };
    match decimals.len() {
        3 => true,
        2 => (1_000..=10_000).contains(&ms),
        1 => (10_000..=100_000).contains(&ms),
        0 => ms >= 100_000,
        _ => false,
    }
}

/// Whether a time is a decimal number of milliseconds with at most three
/// decimals (`0.054`, `1`): the form of a time below a bound (`time<1`),
/// whose sizes lab does not know.
pub(super) fn is_decimal_ms(n: &str) -> bool {
    let (whole, decimals) = n.split_once('.').unwrap_or((n, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && digits(decimals) && decimals.len() <= 3
}

/// ping's round-trip line, iputils' `rtt min/avg/max/mdev = …` or BSD's and
/// busybox's `round-trip min/avg/max = …` (`lower`: lowercased): printed
/// only when at least one reply came.
fn is_round_trip(lower: &str) -> bool {
    (lower.starts_with("rtt ") || lower.starts_with("round-trip ")) && lower.contains("min/avg/max")
}

/// Read a ping's output, iputils' (`From X icmp_seq=1 Time to live
/// exceeded`) or BSD's (`60 bytes from X: Destination Net Unreachable`).
/// An error is any of ping's error lines, named by its own words where
/// lab does not know them (`Destination Host Prohibited`, `ping: sendmsg:
/// Operation not permitted`, the statistics' `+1 errors`): a book that
/// shows one claims it (the sixteenth probe: read as "no error", they
/// matched a lab that got no reply and no error).
pub fn ping_facts(lines: &[String]) -> PingFacts {
    let mut f = PingFacts {
        reply: false,
        ttl: None,
        error: None,
        replies: replies(lines),
        errors: super::ping_errors::errors(lines),
        cut: lines.iter().any(|x| super::compare::is_elision(x)),
    };
    for l in lines {
        let t = squash(l);
        let t = t.trim();
        let lower = t.to_lowercase();
        let error = error_of(t).or_else(|| {
            (lower.contains("packets transmitted") && lower.contains(" errors"))
                .then(|| "errors counted by its statistics".to_string())
        });
        if let Some(e) = error {
            if f.error.is_none() {
                f.error = Some(e);
            }
        } else if bytes_from(t).is_some() {
            // A reply shown without its `ttl=` (or `time=`) is a reply
            // still: read as none, it matched a lab without one.
            f.reply = true;
            if f.ttl.is_none() {
                f.ttl = crate::probe::ping::ttl(t);
            }
        } else if received(&lower).is_some_and(|n| n > 0) || is_round_trip(&lower) {
            // The statistics alone (`1 packets transmitted, 1 received`)
            // say a reply came as surely as its line; so does the
            // round-trip line, which ping prints only when one came
            // (probe21av, finding 1: read as none, a header and an `rtt`
            // line matched a lab that got no reply).
            f.reply = true;
        }
    }
    f
}

/// The address a ping's own header names (`PING 10.244.1.2 (10.244.1.2)
/// 56(84) bytes of data.`, BSD's `PING 10.244.1.2 (10.244.1.2): 56 data
/// bytes`, the statistics' `--- 10.244.1.2 ping statistics ---`): the
/// target of the ping whose output the book shows.
pub fn ping_header_target(lines: &[String]) -> Option<std::net::Ipv4Addr> {
    lines.iter().find_map(|l| {
        let t = squash(l);
        let rest = t.strip_prefix("PING ").or_else(|| {
            t.strip_prefix("--- ")
                .filter(|r| r.ends_with(" ping statistics ---"))
        })?;
        // `PING 10.244.1.2 (10.244.1.2)`, `PING 10.244.1.2(10.244.1.2)`, or
        // a name first, `PING web (10.244.1.2)`: its address is the one in
        // brackets (a header by name was never compared).
        let word = rest.split_whitespace().next()?;
        let first = word.split('(').next().unwrap_or(word);
        first
            .trim_matches(|c| c == '(' || c == ')' || c == ':')
            .parse()
            .ok()
            .or_else(|| {
                let inside = rest.split_once('(')?.1.split_once(')')?.0;
                inside.trim().parse().ok()
            })
    })
}

/// How many replies ping's statistics line counts (`3 packets
/// transmitted, 2 received` or `2 packets received`).
fn received(lower: &str) -> Option<u32> {
    let (_, rest) = lower.split_once("packets transmitted,")?;
    let said = rest.split(',').next()?.trim();
    let n = said
        .strip_suffix("packets received")
        .or_else(|| said.strip_suffix("received"))?;
    n.trim().parse().ok()
}

/// How many echoes a ping's output shows were sent: its statistics'
/// `N packets transmitted`, else the highest echo number it shows (a
/// reply's, an ICMP error's, a BSD timeout's; BSD counts from 0), else
/// its replies. A ping the book ended by hand is sent as many by the lab,
/// so the echoes the book shows lost are sent too (counted by its replies
/// alone, they never were: the seventeenth probe of issue 21).
pub fn echoes_sent(lines: &[String]) -> usize {
    let mut transmitted: Option<usize> = None;
    let (mut highest, mut from_zero) = (None::<usize>, false);
    // iputils' error line (`From ADDR icmp_seq=N`) is iputils' own, which
    // numbers from 1 whatever header stands above it (`--suggest` writes
    // the lab's line under a book's BSD header).
    let (mut bsd_header, mut iputils) = (false, false);
    for l in lines {
        let t = squash(l).to_lowercase();
        if let Some((n, _)) = t.split_once(" packets transmitted") {
            transmitted = transmitted.or(n.trim().rsplit(' ').next().and_then(|n| n.parse().ok()));
        }
        from_zero |= t.starts_with("request timeout for icmp_seq");
        bsd_header |= t.starts_with("ping ") && t.contains("data bytes");
        iputils |= from_error(t.trim()).is_some();
        let words: Vec<&str> = t.split_whitespace().collect();
        for (i, w) in words.iter().enumerate() {
            let said = ["icmp_seq=", "icmp_req=", "seq="]
                .iter()
                .find_map(|p| w.strip_prefix(p))
                .or_else(|| {
                    (*w == "icmp_seq")
                        .then(|| words.get(i + 1).copied())
                        .flatten()
                });
            // An echo number past ping's 16 bits is no echo ping sent (a
            // difference of its own: `unprintable_numbers`), and counted
            // it overflowed (probe21ay: `icmp_seq=18446744073709551615`).
            if let Some(n) = said
                .and_then(|n| n.trim_end_matches(',').parse::<usize>().ok())
                .filter(|n| *n <= usize::from(u16::MAX))
            {
                from_zero |= n == 0;
                highest = highest.max(Some(n));
            }
        }
    }
    from_zero |= bsd_header && !iputils;
    let numbered = highest.map(|h| h + usize::from(from_zero));
    // Each error of an echo is one echo's too (BSD's carry no number).
    let errors = super::ping_errors::errors(lines)
        .iter()
        .filter(|e| e.of_echo)
        .count();
    transmitted
        .or(numbered)
        .unwrap_or(0)
        .max(replies(lines).len())
        .max(errors)
}

/// The statistics' counts, `N packets transmitted, M received`: (N, M).
pub(super) fn counts(lines: &[String]) -> Option<(u32, u32)> {
    lines.iter().find_map(|l| {
        let lower = squash(l).to_lowercase();
        let (n, _) = lower.split_once(" packets transmitted")?;
        let n = n.trim().rsplit(' ').next()?.parse().ok()?;
        Some((n, received(&lower)?))
    })
}

/// One echo reply: its icmp_seq, who answered, its TTL, its size (the
/// `N` of `N bytes from`) and the marks ping put after it (`(DUP!)`,
/// `(BAD CHECKSUM!)`, `(truncated)`, ...): values the book prints, compared
/// as the others are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub seq: u32,
    pub from: std::net::Ipv4Addr,
    pub ttl: Option<u8>,
    pub bytes: Option<u32>,
    pub marks: String,
}

/// What follows a reply's address beyond its values (`icmp_seq=`,
/// `ttl=`, `time=… ms`): ping's marks (`(DUP!)`, `(BAD CHECKSUM!)`,
/// `(truncated)`, `wrong data byte #N should be 0xX but was 0xY`), and
/// any other word as written, joined by a space. A reply line ends after
/// its time and ping's marks: anything else on it (`x x x`, an author's
/// `(same node)`) is no line ping prints, and compared as a mark is
/// (probe21z: `… time=0.054 ms x x x` matched).
fn marks(rest: &str) -> String {
    let w: Vec<&str> = rest.split_whitespace().collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    // A value as ping prints it: a count in digits, a time in decimal
    // milliseconds (`1e400`, read as a float, was infinity and passed:
    // probe21bc, lesser 9).
    let value = |x: &str, keys: &[&str]| {
        keys.iter().any(|k| {
            x.strip_prefix(k).is_some_and(|n| {
                if k.starts_with("time") {
                    // Its decimals by its size are held by
                    // `unprintable_numbers`, the book's alone.
                    is_decimal_ms(n.strip_suffix("ms").unwrap_or(n))
                } else {
                    !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
                }
            })
        })
    };
    // Each value once, the time last.
    let mut seen: Vec<&str> = Vec::new();
    let key = |x: &'_ str| x.split(['=', '<']).next().unwrap_or_default().to_string();
    let mut timed = false;
    while i < w.len() {
        let x = w[i];
        let fresh = !timed && !seen.iter().any(|k| key(k) == key(x));
        if fresh && value(x, &["icmp_seq=", "icmp_req=", "seq=", "ttl=", "hlim="]) {
            seen.push(x);
            i += 1;
        } else if fresh && value(x, &["time=", "time<"]) {
            timed = true;
            i += 1;
            // Its unit, ping's `ms` or another a book gives
            // ([`super::compare_ping_lines::time_units`] names it).
            if w.get(i)
                .is_some_and(|u| super::compare_ping_lines::TIME_UNITS.contains(u))
                && !x.ends_with("ms")
            {
                i += 1;
            }
        } else if x.starts_with('(') {
            // A bracketed mark, maybe of several words.
            let j = (i..w.len())
                .find(|&j| w[j].ends_with(')'))
                .unwrap_or(w.len() - 1);
            let inside = w[i..=j].join(" ");
            out.push(inside);
            i = j + 1;
        } else if w[i..].starts_with(&["wrong", "data", "byte"]) && w.len() >= i + 10 {
            out.push(w[i..i + 10].join(" "));
            i += 10;
        } else {
            out.push(x.to_string());
            i += 1;
        }
    }
    out.join(" ")
}

/// Every reply of a ping's output, in order. Its number is iputils'
/// `icmp_seq=`, old iputils' `icmp_req=` or BSD's `seq=`; a reply line
/// without one (but with its `ttl=`) is the one after the last: read as
/// no reply at all, its count and who answered went uncompared.
pub fn replies(lines: &[String]) -> Vec<Reply> {
    let mut last: Option<u32> = None;
    lines
        .iter()
        .filter_map(|l| {
            let t = squash(l);
            let (size, rest) = t.split_once(" bytes from ")?;
            let bytes = size.split_whitespace().last().and_then(|n| n.parse().ok());
            let (from, rest) = rest.split_once(':')?;
            let from = from
                .split_whitespace()
                .last()?
                .trim_matches(|c| c == '(' || c == ')');
            let said = rest.split_whitespace().find_map(|w| {
                ["icmp_seq=", "icmp_req=", "seq="]
                    .iter()
                    .find_map(|p| w.strip_prefix(p))
            });
            let seq = match said {
                Some(n) => n.parse().ok()?,
                None if !names_icmp_error(rest) && is_reply_rest(rest) => {
                    last.map_or(1, |s: u32| s.wrapping_add(1))
                }
                None => return None,
            };
            last = Some(seq);
            Some(Reply {
                seq,
                from: from.parse().ok()?,
                ttl: crate::probe::ping::ttl(rest),
                bytes,
                marks: marks(rest),
            })
        })
        .collect()
}

/// A ping's output compared with the lab's: its replies and counts
/// ([`replies_and_counts`]), its header, statistics title and loss
/// ([`super::compare_ping_lines`]), and the numbers it shows that no ping
/// prints, each a difference.
pub fn ping_replies(book: &[String], lab: &[String]) -> Vec<String> {
    let mut d = replies_and_counts(book, lab);
    d.extend(super::compare_ping_lines::header_and_statistics(book, lab));
    d.extend(super::compare_ping_lines::unprintable_numbers(book));
    d.extend(super::compare_ping_lines::time_units(book, lab));
    d.extend(super::ping_errors::misformed(book));
    d
}

/// Every reply compared, one by one: their count, icmp_seq counted from
/// the first reply, who answered, the TTL, the size and a duplicate's mark. Where neither shows a reply,
/// [`ping`] compares the errors, every one ([`super::ping_errors::agree`]).
pub(super) fn replies_and_counts(book: &[String], lab: &[String]) -> Vec<String> {
    let (b, l) = (replies(book), replies(lab));
    if b.is_empty() || l.is_empty() {
        let mut d = ping(&ping_facts(book), &ping_facts(lab));
        // A book that shows the statistics alone counts its replies there
        // (`5 packets transmitted, 5 received` matched a `-c 1`).
        let counted = |lines: &[String]| {
            lines
                .iter()
                .find_map(|x| received(&squash(x).to_lowercase()))
        };
        if d.is_empty()
            && b.is_empty()
            && let Some(n) = counted(book).filter(|n| *n > 0)
        {
            let got = counted(lab).unwrap_or(l.len() as u32);
            if got != n {
                d.push(format!("ping: the book counts {n} replies; the lab {got}"));
            }
        }
        return d;
    }
    let mut d = Vec::new();
    // Both show replies: the ICMP errors and the statistics the book
    // shows are claims too (one reply, then `Destination Host
    // Unreachable` twice, matched a lab whose every echo was answered).
    let (bf, lf) = (ping_facts(book), ping_facts(lab));
    if bf.error.is_some() && bf.error != lf.error {
        d.push(format!(
            "ping: the book shows an ICMP error ({}); the lab shows {}",
            bf.error.as_deref().unwrap_or_default(),
            lf.error.as_deref().unwrap_or("none")
        ));
    }
    if let Some((bt, br)) = counts(book) {
        match counts(lab) {
            Some((lt, lr)) if (lt, lr) == (bt, br) => {}
            Some((lt, lr)) => d.push(format!(
                "ping: the book counts {br} received of {bt} transmitted; the lab {lr} of {lt}"
            )),
            None => d.push(format!(
                "ping: the book counts {br} received of {bt} transmitted; the lab shows no statistics"
            )),
        }
    }
    // A book that cut its output shows some of its replies, not their count.
    let cut = book.iter().any(|x| super::compare::is_elision(x));
    if b.len() > l.len() || (b.len() < l.len() && !cut) {
        d.push(format!(
            "ping: the book shows {} replies; the lab shows {}",
            b.len(),
            l.len()
        ));
    }
    let (b0, l0) = (b[0].seq, l[0].seq);
    for (i, (x, y)) in b.iter().zip(&l).enumerate() {
        let show = |r: &Reply, first: u32| {
            format!(
                "from {} icmp_seq {} of the run ttl {}{}",
                r.from,
                // Signed: a book's seq may go back (seq 3, then 2).
                i64::from(r.seq) - i64::from(first) + 1,
                r.ttl.map(|t| t.to_string()).unwrap_or_else(|| "?".into()),
                if r.marks.is_empty() {
                    String::new()
                } else {
                    format!(" {}", r.marks)
                }
            )
        };
        let (bs, ls) = (show(x, b0), show(y, l0));
        if bs != ls {
            d.push(format!(
                "ping reply {}: the book shows {bs}; the lab shows {ls}",
                i + 1
            ));
        }
        if let (Some(bn), Some(ln)) = (x.bytes, y.bytes)
            && !same_size(bn, ln)
        {
            d.push(format!(
                "ping reply {}: the book shows {bn} bytes; the lab shows {ln}",
                i + 1
            ));
        }
    }
    d
}

/// The book's replies numbered past what `-c count` sends (iputils counts
/// from 1, BSD from 0: either way no echo is numbered past `count`): a
/// reply the book shows that its own command cannot have had.
pub fn replies_past_count(book: &[String], count: u32) -> Option<String> {
    let past = replies(book)
        .into_iter()
        .map(|r| r.seq)
        .find(|s| *s > count)?;
    Some(format!(
        "ping: the book shows a reply numbered icmp_seq={past}, but `-c {count}` sends {count} echoes"
    ))
}

/// Whether the book's reply size is the lab's echo's: each is the ICMP
/// message, the payload and its 8-byte header, and the book's payload is
/// the one the lab's ping sent for the command (or, where that is the
/// default 56, the 48 of the pings that send 48: the chapter's pod's `56
/// bytes from`). A size of no payload the command sends (`72 bytes
/// from`, taken for the lab's 64 plus 8) is another echo's.
fn same_size(book: u32, lab: u32) -> bool {
    match (book.checked_sub(8), lab.checked_sub(8)) {
        (Some(b), Some(l)) => {
            super::compare_ping_lines::sends_the_payload(&b.to_string(), &l.to_string())
        }
        _ => book == lab,
    }
}

/// Differences between the ping the book shows and the lab's.
pub fn ping(book: &PingFacts, lab: &PingFacts) -> Vec<String> {
    let differs = book.reply != lab.reply
        || (book.reply && book.ttl.is_some() && book.ttl != lab.ttl)
        || (!book.reply
            && (book.error != lab.error
                || !super::ping_errors::agree(&book.errors, &lab.errors, book.cut)));
    if differs {
        vec![format!("ping: the book shows {book}; the lab shows {lab}")]
    } else {
        Vec::new()
    }
}
