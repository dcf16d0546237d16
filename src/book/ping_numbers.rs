//! The numbers of a ping's output held against one another, the book's
//! alone: its round-trip line (`rtt min/avg/max/mdev = …`, BSD's and
//! busybox's `round-trip min/avg/max = …`) against itself (min ≤ avg ≤
//! max) and against the reply times it shows (each between min and max;
//! where every reply is shown, min and max among them and avg their mean),
//! and the statistics' `time Nms` against the echoes it counts (ping sends
//! one a second: N echoes take about (N-1)×1000 ms from first to last).
//!
//! Probe21bh, lesser 4: `rtt min/avg/max/mdev = 5.054/5.057/5.060/0.003
//! ms` under replies of 0.054 and 0.060 ms, an avg above the max, and
//! `time 9ms` for 2 packets each matched: the statistics were compared
//! only by their counts and loss.
//!
//! The tolerances are those of what ping prints: a reply's time is
//! rounded to the decimals it shows (`4.03`: a hundredth), the round
//! trip's values to a thousandth, and its avg is cut to the microsecond.
//! The pings lab recognises take no `-i`, so their interval is ping's one
//! second.
//!
//! `mdev` (probe21bk, lesser 1: `0.054/0.057/0.060/0.300` under replies of
//! 0.054 and 0.060, and `0.200` for one reply, each matched) is held to
//! what either iputils prints. New iputils prints the times' population
//! standard deviation, at most half of max − min. Old iputils computed it
//! in whole microseconds, `isqrt(⌊Σt²/n⌋ − ⌊Σt/n⌋²)`: the mean cut down
//! adds up to 2×mean µs² under the root (`0.400/0.400/0.401/0.020`). Both
//! print 0 for one reply, or for replies of one time. A ping prints its
//! statistics once (`S16`, `S19`: printed twice, matched).

use super::compare::squash;

/// A time ping printed, in thousandths of a millisecond (microseconds),
/// and its precision: a unit of its last decimal, in microseconds.
#[derive(Debug, Clone, Copy)]
struct Shown {
    us: i64,
    unit: i64,
}

/// `0.054`, `4.03`, `12.3`, `403`: the time and its unit.
fn shown(n: &str) -> Option<Shown> {
    let (whole, decimals) = n.split_once('.').unwrap_or((n, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(decimals) || decimals.len() > 3 {
        return None;
    }
    let whole: i64 = whole.parse().ok().filter(|w| *w < 1_000_000_000)?;
    let frac: i64 = format!("{decimals:0<3}").parse().ok()?;
    Some(Shown {
        us: whole * 1000 + frac,
        unit: 10i64.pow(3 - decimals.len() as u32),
    })
}

/// Microseconds as milliseconds, three decimals.
fn ms(us: i64) -> String {
    format!("{}.{:03}", us / 1000, us % 1000)
}

/// The round-trip line's min, avg and max (`rtt min/avg/max/mdev = a/b/c/d
/// ms`, `round-trip min/avg/max[/stddev] = a/b/c ms`), each read by its
/// name; the line as shown.
fn round_trip(book: &[String]) -> Option<(Shown, Shown, Shown, String)> {
    round_trip_with_mdev(book).map(|(min, avg, max, _, line)| (min, avg, max, line))
}

/// [`round_trip`] with its `mdev` (`stddev`) where it shows one.
#[allow(clippy::type_complexity)]
fn round_trip_with_mdev(book: &[String]) -> Option<(Shown, Shown, Shown, Option<Shown>, String)> {
    book.iter().find_map(|l| {
        let t = squash(l);
        let lower = t.to_lowercase();
        if !(lower.starts_with("rtt ") || lower.starts_with("round-trip ")) {
            return None;
        }
        let (names, values) = lower.split_once(" = ")?;
        let names: Vec<&str> = names.split_whitespace().last()?.split('/').collect();
        let values = values.split(" ms").next()?;
        let values: Vec<&str> = values.split('/').collect();
        if names.len() != values.len() {
            return None;
        }
        let of = |name: &str| shown(values[names.iter().position(|n| *n == name)?].trim());
        let mdev = of("mdev").or_else(|| of("stddev"));
        Some((
            of("min")?,
            of("avg")?,
            of("max")?,
            mdev,
            t.trim().to_string(),
        ))
    })
}

/// One reply's time as shown and its echo number, for the replies ping
/// counts in its times: any but those it marks corrupted or cut
/// (`(BAD CHECKSUM!)`, `(truncated)`, `wrong data byte`), which it may
/// leave out. `None` for such a reply (its time is not held).
fn reply_times(book: &[String]) -> Vec<Option<(Shown, String)>> {
    book.iter()
        .filter_map(|l| {
            let t = squash(l);
            let (_, rest) = super::ping_facts::bytes_from(&t)?;
            let lower = rest.to_lowercase();
            if ["checksum", "truncated", "wrong data"]
                .iter()
                .any(|k| lower.contains(k))
            {
                return Some(None);
            }
            let time = lower
                .split_whitespace()
                .find_map(|w| w.strip_prefix("time="))?;
            let n = shown(time.strip_suffix("ms").unwrap_or(time))?;
            let seq = lower
                .split_whitespace()
                .find(|w| {
                    ["icmp_seq=", "icmp_req=", "seq="]
                        .iter()
                        .any(|k| w.starts_with(k))
                })
                .unwrap_or("")
                .to_string();
            Some(Some((n, seq)))
        })
        .collect()
}

/// `N packets transmitted, M received[, +D duplicates], …, time Tms`: N,
/// M + D, and T where shown (iputils' alone prints it).
fn statistics(book: &[String]) -> Option<(i64, i64, Option<i64>)> {
    book.iter().find_map(|l| {
        let lower = squash(l).to_lowercase();
        if !lower.contains("packets transmitted") {
            return None;
        }
        let (mut sent, mut got, mut time) = (None, 0i64, None);
        for part in lower.split(',').map(str::trim) {
            let number = |suffix: &str| {
                part.strip_suffix(suffix)?
                    .trim()
                    .rsplit(' ')
                    .next()?
                    .trim_start_matches('+')
                    .parse::<i64>()
                    .ok()
            };
            if let Some(n) = number(" packets transmitted") {
                sent = Some(n);
            } else if let Some(n) = number(" packets received").or_else(|| number(" received")) {
                got += n;
            } else if let Some(n) = number(" duplicates") {
                got += n;
            } else if let Some(n) = part
                .strip_prefix("time ")
                .and_then(|t| t.strip_suffix("ms"))
                .and_then(|t| t.parse::<i64>().ok())
            {
                time = Some(n);
            }
        }
        Some((sent?, got, time))
    })
}

/// The book's ping numbers that contradict one another, each named.
pub fn contradictions(book: &[String]) -> Vec<String> {
    let mut d = Vec::new();
    let cut = book.iter().any(|l| super::compare::is_elision(l));
    let stats = statistics(book);
    // Its counts, or its header (`--- 10.244.1.2 ping statistics ---`)
    // alone (probe21bm, lesser 2: a second header passed).
    let count = |what: &dyn Fn(&str) -> bool| {
        book.iter()
            .filter(|l| what(&squash(l).trim().to_lowercase()))
            .count()
    };
    let printed = count(&|l| l.contains("packets transmitted")).max(count(&|l| {
        l.starts_with("---") && l.ends_with("ping statistics ---")
    }));
    if printed > 1 {
        d.push(format!(
            "ping: the book shows a ping's statistics {printed} times, which no ping prints: it prints them once, as it ends"
        ));
    }
    d.extend(mdev_contradictions(book, stats));
    if let Some((min, avg, max, line)) = round_trip(book) {
        if !(min.us <= avg.us && avg.us <= max.us) {
            d.push(format!(
                "ping: the book's round-trip line (`{line}`) has min {}, avg {} and max {} ms, which no ping prints: its average lies between its least and greatest time",
                ms(min.us),
                ms(avg.us),
                ms(max.us)
            ));
        } else {
            d.extend(against_replies(book, (min, avg, max), &line, cut, stats));
        }
    }
    if let Some((sent, _, Some(time))) = stats
        && sent >= 1
    {
        let gaps = sent - 1;
        // Each next echo leaves a second after the last (iputils counts it
        // in whole milliseconds: a gap may print 999), later where the
        // machine was busy; the time runs from the first to the last.
        let (least, most) = (gaps * 990, gaps * 1100 + 1000);
        if time < least || time > most {
            d.push(format!(
                "ping: the book's statistics show time {time}ms for {sent} packet{} transmitted, which no ping prints: ping sends one echo a second, so from its first to its last {sent} take about {} ms",
                if sent == 1 { "" } else { "s" },
                gaps * 1000
            ));
        }
    }
    d
}

/// The round-trip line's `mdev` against its min, avg and max, and, where
/// every reply counted is shown, against their deviation (see the module
/// doc for the two iputils' sums).
fn mdev_contradictions(book: &[String], stats: Option<(i64, i64, Option<i64>)>) -> Vec<String> {
    let Some((min, avg, max, Some(mdev), line)) = round_trip_with_mdev(book) else {
        return Vec::new();
    };
    let said = |why: String| {
        vec![format!(
            "ping: the book's round-trip line (`{line}`) has mdev {} ms, {why}",
            ms(mdev.us)
        )]
    };
    let one = stats.is_some_and(|(_, got, _)| got == 1);
    if (one || min.us == max.us) && mdev.us != 0 {
        return said(format!(
            "but its {}: ping prints mdev 0.000 for that",
            if one {
                "statistics count one reply"
            } else {
                "min and max are one time"
            }
        ));
    }
    // The most either sum gives for times within min and max, and a
    // microsecond of rounding (old iputils' mean, cut, adds up to 2×avg).
    let half = (max.us - min.us) as f64 / 2.0;
    let most = (half * half + 2.0 * avg.us as f64 + 2.0).sqrt() + 1.0;
    if mdev.us as f64 > most {
        return said(format!(
            "more than times between {} and {} ms can deviate (about {} ms at most)",
            ms(min.us),
            ms(max.us),
            ms(most.floor() as i64)
        ));
    }
    let cut = book.iter().any(|l| super::compare::is_elision(l));
    let all = reply_times(book);
    let times: Vec<Shown> = all.iter().flatten().map(|(t, _)| *t).collect();
    let every = !cut
        && !times.is_empty()
        && all.iter().all(Option::is_some)
        && stats.is_some_and(|(_, got, _)| got == times.len() as i64);
    if !every {
        return Vec::new();
    }
    let n = times.len() as f64;
    let mean = times.iter().map(|t| t.us as f64).sum::<f64>() / n;
    let deviation = (times
        .iter()
        .map(|t| (t.us as f64 - mean).powi(2))
        .sum::<f64>()
        / n)
        .sqrt();
    // A time shown to a unit is within half a unit of ping's, which moves
    // the deviation by at most as much; old iputils' sums take up to a
    // µs² from under the root, and add up to 2×mean; each prints it cut or
    // rounded to a microsecond.
    let half_unit = times.iter().map(|t| t.unit).max().unwrap_or(1) as f64 / 2.0;
    let (low, high) = (
        ((deviation - half_unit).max(0.0).powi(2) - 1.0)
            .max(0.0)
            .sqrt()
            - 1.0,
        ((deviation + half_unit).powi(2) + 2.0 * mean + 2.0).sqrt() + 1.0,
    );
    let m = mdev.us as f64;
    if m < low || m > high {
        return said(format!(
            "but the {} replies it shows (every one its statistics count) deviate by {} ms: ping's mdev is their deviation",
            times.len(),
            ms(deviation.round() as i64)
        ));
    }
    Vec::new()
}

/// The round-trip line against the reply times the book shows: each
/// between min and max; where every reply counted is shown (and no cut),
/// min and max among them and avg their mean.
fn against_replies(
    book: &[String],
    (min, avg, max): (Shown, Shown, Shown),
    line: &str,
    cut: bool,
    stats: Option<(i64, i64, Option<i64>)>,
) -> Vec<String> {
    let all = reply_times(book);
    let times: Vec<(Shown, String)> = all.iter().flatten().cloned().collect();
    if times.is_empty() {
        return Vec::new();
    }
    // A time shown to a unit is within a unit of the one ping measured;
    // the round trip's values are within a microsecond of theirs.
    let slack = |t: &Shown| t.unit + 1;
    if let Some((t, seq)) = times
        .iter()
        .find(|(t, _)| t.us + slack(t) < min.us || t.us - slack(t) > max.us)
    {
        let which = if seq.is_empty() {
            String::new()
        } else {
            format!(" ({seq})")
        };
        return vec![format!(
            "ping: the book's round-trip line (`{line}`) has min {} and max {} ms, but a reply it shows{which} took {} ms: each reply's time lies between them",
            ms(min.us),
            ms(max.us),
            ms(t.us)
        )];
    }
    let every = !cut
        && all.iter().all(Option::is_some)
        && stats.is_some_and(|(_, got, _)| got == times.len() as i64);
    if !every {
        return Vec::new();
    }
    let mut d = Vec::new();
    let least = times.iter().min_by_key(|(t, _)| t.us).map(|(t, _)| *t);
    let most = times.iter().max_by_key(|(t, _)| t.us).map(|(t, _)| *t);
    for (name, value, near) in [("min", min, least), ("max", max, most)] {
        if let Some(near) = near
            && (value.us - near.us).abs() > slack(&near)
        {
            d.push(format!(
                "ping: the book's round-trip line (`{line}`) has {name} {} ms, but the {} replies it shows (every one its statistics count) took {} ms at {name}: ping's {name} is one of its replies' times",
                ms(value.us),
                times.len(),
                ms(near.us)
            ));
        }
    }
    // Each time shown is within half its unit of the one ping measured,
    // and so is their mean; ping prints the mean cut or rounded to a
    // microsecond (probe21bm, lesser 1: a unit and a microsecond more let
    // avg 0.059 and 0.055 pass for replies of 0.054 and 0.060).
    let n = times.len() as i64;
    let mean = times.iter().map(|(t, _)| t.us as f64).sum::<f64>() / n as f64;
    let unit = times.iter().map(|(t, _)| t.unit).max().unwrap_or(1);
    if (avg.us as f64 - mean).abs() > unit as f64 / 2.0 + 1.0 {
        d.push(format!(
            "ping: the book's round-trip line (`{line}`) has avg {} ms, but the {n} replies it shows (every one its statistics count) took {} ms on average: ping's avg is their mean",
            ms(avg.us),
            ms(mean.round() as i64)
        ));
    }
    d
}

#[cfg(test)]
#[path = "ping_numbers_tests.rs"]
mod tests;
