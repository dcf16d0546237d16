//! A ping's lines beyond its replies and counts, compared value by value
//! with the lab's: the header's address in brackets and its sizes (`PING A
//! (B) 56(84) bytes of data.`, BSD's `PING A (B): 56 data bytes`), the
//! statistics title's address (`--- A ping statistics ---`), and the
//! statistics' loss, errors and duplicates as shown. And every number of
//! ping's lines that no ping prints (an icmp_seq past 16 bits, a TTL past
//! 8, a count no integer of ping's holds) is a difference, never passed
//! over.
//!
//! Probe21ay, finding 5: `2 received, 50% packet loss`, `--- 10.244.9.9
//! ping statistics ---` under `ping 10.244.1.2`, `PING 10.244.1.2
//! (10.244.3.3)` and `1000(1028)` each matched a lab that printed
//! otherwise; and its lesser "numbers a parser cannot hold":
//! `99999999999999999999999 packets transmitted` and
//! `icmp_seq=18446744073709551617` were dropped, not compared. Kept apart
//! from [`super::ping_facts`] (what a ping's output says) for size.
//! Probe21ba, finding 5: busybox's `1000 data bytes` was compared with
//! nothing; another ping's data size is now held against the payload the
//! lab's ping sent for the command.

use super::compare::squash;
use super::ping_facts::{is_decimal_ms, is_time_as_printed};

/// A ping's header: the address in brackets (what the name or address
/// typed was resolved to) and the sizes it sends, the data's and, where
/// shown (iputils'), the whole packet's: as printed.
#[derive(Debug, PartialEq, Eq)]
struct Header {
    target: String,
    resolved: Option<String>,
    data: String,
    packet: Option<String>,
}

/// The header of a ping's output, iputils' `PING A (B) S(T) bytes of
/// data.` (maybe `from ADDR IFACE:` before the sizes) or BSD's and
/// busybox's `PING A (B): S data bytes`.
fn header(lines: &[String]) -> Option<Header> {
    lines.iter().find_map(|l| {
        // In any case: a line in another case is ping's to lab
        // (`is_pings_own`), and what it shows is compared as it is.
        let t = squash(l).to_lowercase();
        let rest = t.strip_prefix("ping ")?;
        let sizes = rest
            .strip_suffix(" bytes of data.")
            .or_else(|| rest.strip_suffix(" bytes of data"))
            .or_else(|| rest.strip_suffix(" data bytes"))?;
        let size = sizes.rsplit(' ').next()?;
        let (data, packet) = match size.split_once('(') {
            Some((d, p)) => (d, Some(p.trim_end_matches(')').to_string())),
            None => (size, None),
        };
        // The first bracket after the target (`PING A (B)` or `PING
        // A(B)`), not the sizes' own.
        let before = &sizes[..sizes.len() - size.len()];
        let resolved = before
            .split_once('(')
            .and_then(|(_, r)| r.split_once(')'))
            .map(|(b, _)| b.trim().to_string());
        let target = before.split([' ', '(']).next().unwrap_or_default();
        Some(Header {
            target: target.to_string(),
            resolved,
            data: data.trim_end_matches(':').to_string(),
            packet,
        })
    })
}

/// The statistics title's target, `--- A ping statistics ---`.
fn title(lines: &[String]) -> Option<String> {
    lines.iter().find_map(|l| {
        let t = squash(l).to_lowercase();
        t.strip_prefix("--- ")?
            .strip_suffix(" ping statistics ---")
            .map(str::to_string)
    })
}

/// Whether a line (squashed, lowercase) is ping's statistics line as a
/// whole: `N packets transmitted, M received` (BSD's `M packets
/// received`), iputils' `+N errors`/`+N duplicates`/`+N corrupted`, `L%
/// packet loss` and `time Tms`, and nothing after them (probe21by, finding
/// 7: `… time 0ms (but node2 dropped it)` was read as the statistics,
/// its words dropped).
pub(super) fn is_statistics(lower: &str) -> bool {
    static LINE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"^\d+ packets transmitted, \d+ (?:packets )?received(?:, \+\d+ (?:errors|duplicates|corrupted))*(?:, [\d.]+% packet loss)?(?:, time \d+ms)?$",
        )
        .expect("ping's statistics")
    });
    LINE.is_match(lower)
}

/// The statistics line's values by what they count, as printed: `N
/// packets transmitted`, `M received` (BSD's `M packets received`), `+E
/// errors`, `+D duplicates`, `+C corrupted`, `L% packet loss`; its time is
/// the run's, not a claim.
fn statistics(lines: &[String]) -> Option<Vec<(&'static str, String)>> {
    let line = lines
        .iter()
        .map(|l| squash(l).to_lowercase())
        .find(|t| t.contains("packets transmitted"))?;
    const LABELS: [&str; 6] = [
        "packets transmitted",
        "packets received",
        "received",
        "errors",
        "duplicates",
        "corrupted",
    ];
    let mut out = Vec::new();
    for part in line.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_suffix(" packet loss") {
            out.push(("packet loss", v.trim().to_string()));
        } else if let Some((label, v)) = LABELS
            .iter()
            .find_map(|k| Some((*k, part.strip_suffix(&format!(" {k}"))?)))
        {
            let label = if label == "packets received" {
                "received"
            } else {
                label
            };
            // `transmitted`'s count may follow a prompt or a cut.
            let v = v.rsplit(' ').next().unwrap_or(v);
            out.push((label, v.trim_start_matches('+').to_string()));
        }
    }
    Some(out)
}

/// Whether two loss percentages are the same, each as precise as the less
/// precise one shows it (iputils' `33.3333%` is BSD's `33.3%`).
fn same_loss(a: f64, b: f64, shown: (&str, &str)) -> bool {
    let decimals = |s: &str| {
        s.trim_end_matches('%')
            .split_once('.')
            .map_or(0, |(_, d)| d.len() as i32)
    };
    let p = decimals(shown.0).min(decimals(shown.1));
    let scale = 10f64.powi(p);
    (a * scale).round() == (b * scale).round()
}

/// A loss as printed (`50%`, `0.0%`): its percentage, if one ping prints.
fn loss(v: &str) -> Option<f64> {
    v.strip_suffix('%')?
        .parse::<f64>()
        .ok()
        .filter(|p| (0.0..=100.0).contains(p))
}

/// The payload iputils sends when the command asks no size (`-s`).
const IPUTILS_DEFAULT: &str = "56";

/// Whether another ping's header (busybox's, BSD's or inetutils' `PING A
/// (A): S data bytes`) sends the payload the lab's ping sent for the same
/// command (`lab`: iputils' data size, the command's `-s` or 56): the
/// same size, or, where the command asks none, a default of a ping that
/// prints this form (56: busybox's, BSD's; 48: older inetutils-ping's, as
/// Debian images printed it, and the chapter's pod). Any other size is
/// another ping than the command's: compared with nothing, `1000 data
/// bytes` matched a lab that sent 56 (probe21ba, finding 5).
pub(super) fn sends_the_payload(book: &str, lab: &str) -> bool {
    book == lab || (lab == IPUTILS_DEFAULT && book == "48")
}

/// Differences between the header, the statistics title and the
/// statistics the book shows and the lab's ping's (the counts
/// transmitted and received are [`super::ping_facts::ping_replies`]'s
/// where both read as counts). Each value is compared where both show its
/// line; a line the lab's ping did not print is said by what came back.
pub fn header_and_statistics(book: &[String], lab: &[String]) -> Vec<String> {
    let mut d = Vec::new();
    if let (Some(b), Some(l)) = (header(book), header(lab)) {
        // `PING A (A)` against the lab's `PING X (X)` is a ping of
        // another address, said once (by the replay, against the command).
        let another_target = b.resolved.as_ref() == Some(&b.target)
            && l.resolved.as_ref() == Some(&l.target)
            && b.target != l.target;
        if let (Some(bx), Some(lx)) = (&b.resolved, &l.resolved)
            && bx != lx
            && !another_target
        {
            d.push(format!(
                "ping: the book's header names {bx} as the address pinged (in brackets); the lab's ping names {lx}"
            ));
        }
        let shown = |h: &Header| match &h.packet {
            Some(p) => format!("{}({p})", h.data),
            None => h.data.clone(),
        };
        if b.packet.is_some() == l.packet.is_some() && (b.data != l.data || b.packet != l.packet) {
            d.push(format!(
                "ping: the book's header sends {} bytes; the lab's ping sends {}",
                shown(&b),
                shown(&l)
            ));
        } else if b.packet.is_none() && l.packet.is_some() && !sends_the_payload(&b.data, &l.data) {
            d.push(format!(
                "ping: the book's header sends {} data bytes; the lab's ping sends {} (`{}`), the payload the command asks for",
                b.data,
                l.data,
                shown(&l)
            ));
        }
    }
    // A title naming the address the header names (or, with no header,
    // the address itself) is the ping's target, said once by the replay.
    let book_target = header(book).map(|h| h.target);
    if let (Some(b), Some(l)) = (title(book), title(lab))
        && b != l
        && !(book_target.as_ref().is_none_or(|t| *t == b)
            && b.parse::<std::net::Ipv4Addr>().is_ok())
    {
        d.push(format!(
            "ping: the book's statistics are titled for {b} (`--- {b} ping statistics ---`); the lab's ping's for {l}"
        ));
    }
    let (Some(b), Some(l)) = (statistics(book), statistics(lab)) else {
        return d;
    };
    let lab_value = |k: &str| l.iter().find(|(x, _)| *x == k).map(|(_, v)| v.as_str());
    // The loss follows from the counts: where they differ from the lab's,
    // that is the difference said (`ping_replies`), once.
    let counts_differ = ["packets transmitted", "received"].iter().any(|k| {
        let book_value = b.iter().find(|(x, _)| x == k).map(|(_, v)| v.as_str());
        book_value.is_some() && lab_value(k).is_some() && book_value != lab_value(k)
    });
    for (k, v) in &b {
        match *k {
            "packet loss" if counts_differ => {}
            "packet loss" => match (loss(v), lab_value(k)) {
                (Some(x), Some(lv)) => {
                    if !loss(lv).is_some_and(|y| same_loss(x, y, (v, lv))) {
                        d.push(format!(
                            "ping: the book's statistics show {v} packet loss; the lab's {lv}"
                        ));
                    }
                }
                (Some(_), None) => d.push(format!(
                    "ping: the book's statistics show {v} packet loss; the lab's show no loss"
                )),
                // Said by `unprintable_numbers`.
                (None, _) => {}
            },
            "errors" | "duplicates" | "corrupted" => {
                let lv = lab_value(k).unwrap_or("0");
                if v != lv {
                    d.push(format!(
                        "ping: the book's statistics count +{v} {k}; the lab's {}",
                        if lv == "0" {
                            "none".to_string()
                        } else {
                            format!("+{lv}")
                        }
                    ));
                }
            }
            // A count no integer holds is compared as printed (read as a
            // number, it was dropped).
            _ if v.parse::<u32>().is_err() => {
                let lv = lab_value(k).unwrap_or("none");
                d.push(format!(
                    "ping: the book's statistics count {v} {k}, which no ping prints; the lab's {lv}"
                ));
            }
            _ => {}
        }
    }
    d
}

/// The values of the book's ping lines that no ping prints, each named:
/// an echo number (`icmp_seq=`, `icmp_req=`, `seq=`) past 16 bits (ping
/// numbers its echoes 0 to 65535), a `ttl=` past 255 (8 bits), a size
/// past 65535 bytes (an IPv4 packet's most), a loss that is no
/// percentage. Read as numbers they were dropped, and the line with them
/// passed (probe21ay's lesser "numbers a parser cannot hold").
pub fn unprintable_numbers(book: &[String]) -> Vec<String> {
    let mut d = Vec::new();
    for l in book {
        let t = squash(l);
        let lower = t.to_lowercase();
        let ping_line = super::ping_facts::bytes_from(&t).is_some()
            || super::ping_facts::from_error(&t).is_some()
            || lower.starts_with("request timeout for icmp_seq");
        if ping_line {
            for w in lower.split_whitespace() {
                let w = w.trim_end_matches(',');
                let bad = |key: &str, most: u64| {
                    w.strip_prefix(key)
                        .filter(|n| !n.is_empty())
                        .filter(|n| n.parse::<u64>().map_or(true, |n| n > most))
                };
                if let Some(n) = ["icmp_seq=", "icmp_req=", "seq="]
                    .iter()
                    .find_map(|k| bad(k, u16::MAX as u64))
                {
                    d.push(format!(
                        "ping: the book shows a reply or error numbered {n} (`{}`), which no ping prints: ping numbers its echoes in 16 bits, 0 to 65535",
                        t.trim()
                    ));
                } else if let Some(n) = bad("ttl=", u8::MAX as u64) {
                    d.push(format!(
                        "ping: the book shows ttl={n} (`{}`), which no ping prints: a TTL is 8 bits, 0 to 255",
                        t.trim()
                    ));
                } else if let Some(n) = w
                    .strip_prefix("time=")
                    .filter(|n| !is_time_as_printed(n.strip_suffix("ms").unwrap_or(n)))
                    .or_else(|| {
                        w.strip_prefix("time<")
                            .filter(|n| !is_decimal_ms(n.strip_suffix("ms").unwrap_or(n)))
                    })
                {
                    d.push(format!(
                        "ping: the book shows time={n} (`{}`), which no ping prints: a time is decimal milliseconds, with three decimals or iputils' fewer by its size (`0.054`, `4.03`, `12.3`, `403`)",
                        t.trim()
                    ));
                }
            }
            if let Some(n) = lower.split_once(" bytes from ").and_then(|(n, _)| {
                let n = n.rsplit(' ').next()?;
                (n.parse::<u64>().ok()? > 65535).then_some(n)
            }) {
                d.push(format!(
                    "ping: the book shows {n} bytes from one echo (`{}`), which no ping prints: an IPv4 packet holds at most 65535",
                    t.trim()
                ));
            }
        }
    }
    d.extend(round_trip_times(book));
    d.extend(reply_sizes(book));
    d.extend(iputils_first_zero(book));
    d.extend(super::ping_numbers::contradictions(book));
    if let Some(stats) = statistics(book) {
        for (k, v) in stats {
            if k == "packet loss" && loss(&v).is_none() {
                d.push(format!(
                    "ping: the book's statistics show {v} packet loss, which is no percentage ping prints"
                ));
            }
        }
    }
    d
}

/// Units a book may give a reply's time in (`time=0.054 s`) besides
/// ping's own `ms`: read as the time's, not as a mark after it.
pub const TIME_UNITS: &[&str] = &[
    "ms", "msec", "msecs", "s", "sec", "secs", "second", "seconds", "us", "usec", "µs", "ns", "min",
];

/// The book's replies whose time is in a unit no ping prints (`time=0.054
/// s`), each named with its unit and the time the lab measured for its
/// reply (probe21bt, lesser 5: the `s` was read as a mark, and the
/// difference read "the book shows from 10.244.1.2 icmp_seq 1 of the run
/// ttl 64 s").
pub fn time_units(book: &[String], lab: &[String]) -> Vec<String> {
    let times = |lines: &[String]| -> Vec<(String, Option<String>)> {
        lines
            .iter()
            .map(|l| squash(l))
            .filter(|t| super::ping_facts::bytes_from(t).is_some())
            .filter_map(|t| {
                let w: Vec<&str> = t.split_whitespace().collect();
                let at = w.iter().position(|x| x.starts_with("time="))?;
                let unit = w
                    .get(at + 1)
                    .filter(|u| TIME_UNITS.contains(u) && !w[at].ends_with("ms"))
                    .map(|u| u.to_string());
                Some((w[at].to_string(), unit))
            })
            .collect()
    };
    let lab = times(lab);
    times(book)
        .into_iter()
        .enumerate()
        .filter_map(|(i, (time, unit))| {
            let unit = unit.filter(|u| u != "ms")?;
            let measured = match lab.get(i) {
                Some((t, u)) => format!("{t} {}", u.as_deref().unwrap_or("ms")),
                None => "no reply".to_string(),
            };
            Some(format!(
                "ping reply {}: the book shows {time} {unit}, a time in `{unit}`; ping prints its times in milliseconds (`ms`), and the lab measured {measured}",
                i + 1
            ))
        })
        .collect()
}

/// The round-trip line's times no ping prints (`rtt min/avg/max/mdev =
/// 0.054/1e400/…`), each named: ping prints decimal milliseconds.
fn round_trip_times(book: &[String]) -> Vec<String> {
    book.iter()
        .map(|l| squash(l).to_lowercase())
        .filter(|t| t.starts_with("rtt ") || t.starts_with("round-trip "))
        .filter_map(|t| {
            let values = t.split_once(" = ")?.1;
            let values = values.strip_suffix(" ms").unwrap_or(values);
            let bad = values.split('/').find(|v| !is_time_as_printed(v))?;
            Some(format!(
                "ping: the book's round-trip line shows {bad} (`{t}`), which no ping prints: its times are decimal milliseconds"
            ))
        })
        .collect()
}

/// The book's replies whose size is not the message its own header's
/// payload makes: ping prints the ICMP message's bytes, the payload and
/// its 8-byte header (`56 data bytes` → `64 bytes from`, `48 data bytes`
/// → `56`). Held against the lab's alone, busybox's `56 data bytes` over
/// `56 bytes from` matched.
fn reply_sizes(book: &[String]) -> Vec<String> {
    let Some(data) = header(book).and_then(|h| h.data.parse::<u32>().ok()) else {
        return Vec::new();
    };
    super::ping_facts::replies(book)
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let bytes = r.bytes?;
            (Some(bytes) != data.checked_add(8)).then(|| {
                format!(
                    "ping reply {}: the book shows {bytes} bytes, but its header sends {data} data bytes: ping prints the ICMP message, {} bytes",
                    i + 1,
                    u64::from(data) + 8
                )
            })
        })
        .collect()
}

#[cfg(test)]
#[path = "compare_ping_lines_tests.rs"]
mod tests;

/// An echo numbered 0 first under iputils' header (`PING … bytes of
/// data.`): iputils numbers its echoes from 1, and prints 0 only once its
/// 16 bits have wrapped past 65535, so a 0 with no echo number and no cut
/// before it is no line it prints (probe21be, lesser 3: BSD's and
/// busybox's, whose header ends `data bytes`, count from 0).
fn iputils_first_zero(book: &[String]) -> Option<String> {
    let (mut iputils, mut numbered) = (false, false);
    for l in book {
        let t = squash(l);
        let t = t.trim();
        let lower = t.to_lowercase();
        if super::ping_facts::is_header(&lower) {
            iputils = lower.ends_with(" bytes of data.") || lower.ends_with(" bytes of data");
            numbered = false;
            continue;
        }
        if super::compare::is_elision(l) {
            numbered = true;
            continue;
        }
        let ping_line = super::ping_facts::bytes_from(t).is_some()
            || super::ping_facts::from_error(t).is_some();
        let said = lower.split_whitespace().find_map(|w| {
            ["icmp_seq=", "icmp_req="]
                .iter()
                .find_map(|k| w.strip_prefix(k))
        });
        match said.filter(|_| ping_line) {
            Some("0") if iputils && !numbered => {
                return Some(format!(
                    "ping: the book shows `{t}` first under iputils' header, which no ping prints: iputils numbers its echoes from icmp_seq=1"
                ));
            }
            Some(_) => numbered = true,
            None => {}
        }
    }
    None
}
