//! The output a block should show for the lab: the lab's lines, written
//! back in the book's names and addresses ([`Reverse`]: the replay's own
//! binding notes, then the book's subnet of the same node), with what varies
//! between runs (times, RTTs, ids, AGE) kept as the book had it
//! ([`keep_volatile`]). Only what the comparison that drifted looks at is
//! rewritten, the way it looks at it ([`super::compare`]):
//! - a ping: its replies and its ICMP error;
//! - `route -n`: its rows (the book's row kept where the lab has it);
//! - a table: its rows, in the book's columns (AGE, RESTARTS the book's);
//! - anything else (a file, a log, a capture): each book line the lab does
//!   not show replaced by the lab's nearest line between the lines that
//!   agree (or dropped when there is none), and an error the lab printed
//!   added where it printed it. Books cut output: nothing else is added.

use crate::book::bind::{self, Binding, Table};
use crate::book::compare;
use crate::spec::Lab;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

/// The lab's names and addresses to the book's, for one command.
pub struct Reverse<'a> {
    /// (lab value, book value), the command's own notes first.
    pub pairs: Vec<(String, String)>,
    pub binding: &'a Binding,
    pub lab: &'a Lab,
}

impl Reverse<'_> {
    fn word(&self, w: &str) -> Option<String> {
        self.pairs
            .iter()
            .find(|(l, _)| l == w)
            .map(|(_, b)| b.clone())
    }

    /// A lab line in the book's names and addresses.
    pub fn line(&self, s: &str) -> String {
        let prefix = self
            .lab
            .nodes
            .first()
            .map(|n| n.pod_subnet.prefix_len())
            .unwrap_or(24);
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some((start, end)) = bind::next_ipv4(rest) {
            out.push_str(&self.names(&rest[..start]));
            let word = &rest[start..end];
            // A network wider than a node's subnet is the lab's own value.
            let wider = bind::prefix_after(&rest[end..]).is_some_and(|p| p < prefix);
            let back = if wider {
                None
            } else {
                self.word(word).or_else(|| {
                    let ip: Ipv4Addr = word.parse().ok()?;
                    self.binding.book_ip(ip, self.lab).map(|b| b.to_string())
                })
            };
            out.push_str(back.as_deref().unwrap_or(word));
            rest = &rest[end..];
        }
        out.push_str(&self.names(rest));
        out
    }

    /// Names (a pod's) in `s` replaced, whole words only.
    fn names(&self, s: &str) -> String {
        let mut out = String::new();
        let mut word = String::new();
        let flush = |word: &mut String, out: &mut String| {
            if !word.is_empty() {
                out.push_str(&self.word(word).unwrap_or_else(|| word.clone()));
                word.clear();
            }
        };
        for c in s.chars() {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_' {
                word.push(c);
            } else {
                flush(&mut word, &mut out);
                out.push(c);
            }
        }
        flush(&mut word, &mut out);
        out
    }
}

/// What varies between runs, by kind: each kind's values in the new line
/// are put back as the book's line had them, in order; a prefix the book
/// cut (klog's header, tcpdump's time) is cut from the new line too.
const VOLATILE: &[(&str, bool)] = &[
    // klog's header: `I1127 11:58:30.985486       1 match.go:210] `.
    (
        r"^[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+ [\w.-]+:\d+\] ",
        true,
    ),
    // tcpdump's time.
    (r"^\d{2}:\d{2}:\d{2}\.\d+ ", true),
    (r"\bid \d+", false),
    (r"\btime=[\d.]+ ?ms", false),
    (r"\btime \d+ ?ms", false),
    (r"= [\d.]+/[\d.]+/[\d.]+/[\d.]+ ms", false),
];

/// `new` with its volatile values replaced by `book`'s, kind by kind.
pub fn keep_volatile(new: &str, book: &str) -> String {
    let mut out = new.to_string();
    for (pat, prefix) in VOLATILE {
        let re = regex::Regex::new(pat).expect("volatile patterns are valid");
        let theirs: Vec<&str> = re.find_iter(book).map(|m| m.as_str()).collect();
        if theirs.is_empty() {
            if *prefix {
                out = re.replace(&out, "").into_owned();
            }
            continue;
        }
        let mut k = 0;
        out = re
            .replace_all(&out, |c: &regex::Captures| {
                let v = theirs.get(k).copied().unwrap_or(&c[0]).to_string();
                k += 1;
                v
            })
            .into_owned();
    }
    out
}

/// How a drifted command's output is compared, from its difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Ping,
    Routes,
    Table,
    InOrder,
    /// A curl's facts ([`crate::book::curl`]): the lab's output replaces the book's.
    Curl,
}

/// The comparison a difference sentence comes from ([`super::compare`]'s
/// stable sentences), if its output can be rewritten.
pub fn kind_of(difference: &str) -> Option<Kind> {
    if difference.starts_with("curl:") {
        Some(Kind::Curl)
    } else if difference.starts_with("ping") {
        Some(Kind::Ping)
    } else if difference.starts_with("route -n:") {
        Some(Kind::Routes)
    } else if difference.starts_with("table (") {
        Some(Kind::Table)
    } else if difference.ends_with("the lab's output has no such line (in this order)")
        || difference.ends_with("the lab's output has no such line")
        || difference.starts_with("the lab's command printed an error the book does not show")
    {
        Some(Kind::InOrder)
    } else {
        None
    }
}

/// The output the book should show for the lab, by `kind`; `kept`: the
/// command's differences that stay (known drift without
/// `--suggest-known`), whose lines are left as they are.
pub fn rewrite(
    kind: Kind,
    book: &[String],
    lab: &[String],
    rev: &Reverse,
    kept: &[&str],
    until: Instant,
) -> Vec<String> {
    let lab: Vec<String> = lab.iter().map(|l| rev.line(l)).collect();
    // The rows and lines a kept difference quotes (`the book has the row
    // `R``, `the book shows `L``).
    let quoted: Vec<&str> = kept
        .iter()
        .filter_map(|d| d.split_once('`')?.1.split_once('`').map(|(q, _)| q))
        .collect();
    match kind {
        Kind::Ping => ping(book, &lab),
        Kind::Routes => routes(book, &lab, &quoted),
        Kind::Table => table(book, &lab),
        Kind::InOrder => in_order(book, &lab, &quoted, until),
        Kind::Curl => crate::book::curl::rewrite(&lab),
    }
}

/// Whether a ping line is a reply or an ICMP error (what is compared).
fn ping_fact(l: &str) -> bool {
    let one = [l.to_string()];
    // A reply or an error line; the statistics (which count errors too)
    // stay the book's.
    !compare::replies(&one).is_empty()
        || (compare::ping_facts(&one).error.is_some() && !l.contains("packets transmitted"))
}

fn ping(book: &[String], lab: &[String]) -> Vec<String> {
    let theirs: Vec<&String> = book.iter().filter(|l| ping_fact(l)).collect();
    let ours: Vec<String> = lab
        .iter()
        .filter(|l| ping_fact(l))
        .enumerate()
        .map(|(i, l)| match theirs.get(i) {
            Some(b) => keep_volatile(l, b),
            None => l.clone(),
        })
        .collect();
    splice(book, &ping_fact, ours)
}

/// `book` with the lines `is` picks replaced by `new`, at the first of them
/// (after the rest when none is).
fn splice(book: &[String], is: &dyn Fn(&str) -> bool, new: Vec<String>) -> Vec<String> {
    let at = book.iter().position(|l| is(l));
    let mut out: Vec<String> = Vec::new();
    let mut new = Some(new);
    for (i, l) in book.iter().enumerate() {
        if Some(i) == at {
            out.extend(new.take().unwrap_or_default());
        }
        if !is(l) {
            out.push(l.clone());
        }
    }
    if let Some(n) = new {
        while out.last().is_some_and(|l| l.trim().is_empty()) {
            out.pop();
        }
        out.extend(n);
    }
    out
}

fn route_row(l: &str) -> Option<String> {
    compare::route_rows(&[l.to_string()]).pop()
}

/// The lab's rows, the book's line where it has the row; a row a kept
/// difference quotes stays as it is (the book's) or away (the lab's).
fn routes(book: &[String], lab: &[String], kept: &[&str]) -> Vec<String> {
    let kept_row = |l: &str| route_row(l).is_some_and(|r| kept.contains(&r.as_str()));
    let mut new: Vec<String> = lab
        .iter()
        .filter(|l| !kept_row(l))
        .filter_map(|l| {
            let row = route_row(l)?;
            Some(
                book.iter()
                    .find(|b| route_row(b).as_ref() == Some(&row))
                    .cloned()
                    .unwrap_or_else(|| l.clone()),
            )
        })
        .collect();
    new.extend(book.iter().filter(|l| kept_row(l)).cloned());
    splice(book, &|l| route_row(l).is_some(), new)
}

/// A row laid out under the book's header (kubectl pads columns; a value
/// wider than its column pushes the rest, three spaces apart).
fn lay_out(header: &str, values: &[String]) -> String {
    let mut starts = Vec::new();
    let b = header.as_bytes();
    for i in 0..b.len() {
        if b[i] != b' ' && (i == 0 || (b[i - 1] == b' ' && (i < 2 || b[i - 2] == b' '))) {
            starts.push(i);
        }
    }
    let mut out = String::new();
    for (k, v) in values.iter().enumerate() {
        if k > 0 {
            let want = starts.get(k).copied().unwrap_or(0);
            let pad = if out.len() + 3 <= want {
                want - out.len()
            } else {
                3
            };
            out.push_str(&" ".repeat(pad));
        }
        out.push_str(v);
    }
    out
}

fn table(book: &[String], lab: &[String]) -> Vec<String> {
    let (Some(bt), Some(mut lt)) = (Table::parse(book), Table::parse(lab)) else {
        return book.to_vec();
    };
    // A lab pod's name the binding did not write back (`web-w1-0`, the lab's
    // replica of the book's `web-5d8f7c9b6d-x2x7q`) is read as a replica of
    // the book's workload whose name it starts with, as the replay reads it.
    let mut lab_names = vec![String::new(); lt.rows.len()];
    if let (Some(c), None) = (lt.col("NAME"), lt.col("ROLES")) {
        let owners: Vec<&str> = bt
            .col("NAME")
            .map(|b| bt.rows.iter().map(|r| bind::owner_of(&r[b])).collect())
            .unwrap_or_default();
        for (r, orig) in lt.rows.iter_mut().zip(&mut lab_names) {
            *orig = r[c].clone();
            if let Some(o) = owners
                .iter()
                .filter(|o| bind::owner_of(&r[c]) != **o && r[c].starts_with(&format!("{o}-")))
                .max_by_key(|o| o.len())
            {
                r[c] = format!("{o}-0000llab-{}", &r[c][o.len() + 1..].replace('-', ""));
            }
        }
    }
    let Some(header) = book.iter().find(|l| !l.trim().is_empty()).cloned() else {
        return book.to_vec();
    };
    let row_line = |r: &Vec<String>| -> Option<&String> {
        book.iter().find(|l| {
            l.split_whitespace().collect::<Vec<_>>()
                == r.iter().map(String::as_str).collect::<Vec<_>>()
        })
    };
    let facts = |t: &Table, r: &Vec<String>| {
        let one = Table {
            header: t.header.clone(),
            rows: vec![r.clone()],
        };
        compare::table_rows(
            &one,
            &[
                "NAMESPACE",
                "NAME",
                "READY",
                "STATUS",
                "ROLES",
                "NODE",
                "IP",
                "VERSION",
            ]
            .into_iter()
            .filter(|c| bt.col(c).is_some())
            .collect::<Vec<_>>(),
        )
    };
    let mut used = vec![false; bt.rows.len()];
    let mut new_rows = Vec::new();
    for (lr, lab_name) in lt.rows.iter().zip(&lab_names) {
        let lf = facts(&lt, lr);
        // A book row that already agrees stays as the book has it.
        if let Some(i) = (0..bt.rows.len()).find(|&i| !used[i] && facts(&bt, &bt.rows[i]) == lf) {
            used[i] = true;
            new_rows.push(row_line(&bt.rows[i]).cloned().unwrap_or_default());
            continue;
        }
        let val = |t: &Table, r: &Vec<String>, c: &str| t.col(c).map(|i| r[i].clone());
        // Else the book row of the same name, node or address, or of the
        // same owner: its volatile columns and its name are kept.
        let same = |i: usize, c: &str| {
            val(&lt, lr, c).is_some() && val(&lt, lr, c) == val(&bt, &bt.rows[i], c)
        };
        let owner =
            |t: &Table, r: &Vec<String>| val(t, r, "NAME").map(|n| bind::owner_of(&n).to_string());
        let pair = ["NAME", "IP", "NODE"]
            .iter()
            .find_map(|c| {
                (0..bt.rows.len())
                    .find(|&i| !used[i] && same(i, c) && owner(&bt, &bt.rows[i]) == owner(&lt, lr))
            })
            .or_else(|| {
                (0..bt.rows.len()).find(|&i| !used[i] && owner(&bt, &bt.rows[i]) == owner(&lt, lr))
            });
        if let Some(i) = pair {
            used[i] = true;
        }
        let values: Vec<String> = bt
            .header
            .iter()
            .enumerate()
            .map(|(k, c)| {
                let theirs = pair.map(|i| bt.rows[i][k].clone());
                match (c.as_str(), val(&lt, lr, c)) {
                    ("NAME", _)
                        if pair.is_some()
                            && owner(&bt, &bt.rows[pair.unwrap_or(0)]) == owner(&lt, lr)
                            && lt.col("ROLES").is_none() =>
                    {
                        theirs.unwrap_or_default()
                    }
                    ("NAME", Some(_)) if !lab_name.is_empty() => lab_name.clone(),
                    (_, Some(v)) => v,
                    (_, None) => theirs
                        .or_else(|| bt.rows.first().map(|r| r[k].clone()))
                        .unwrap_or_else(|| "-".into()),
                }
            })
            .collect();
        new_rows.push(lay_out(&header, &values));
    }
    let is_row = |l: &str| {
        let w: Vec<&str> = l.split_whitespace().collect();
        bt.rows
            .iter()
            .any(|r| r.iter().map(String::as_str).collect::<Vec<_>>() == w)
    };
    splice(book, &is_row, new_rows)
}

/// How long one pair of lines may be compared: past it the diff of their
/// characters is approximate, never quadratic in a line the chapter chose
/// (probe21cc: one 300,000-character line took 83 s of CPU).
const PAIR_TIME: Duration = Duration::from_millis(10);

/// How alike two lines are (0 to 1), by their characters; 0 past `until`.
/// A pair whose lengths alone keep it under one half (at best every
/// character of the shorter matches: 2·short/(short+long)) is not diffed.
fn similarity(a: &str, b: &str, until: Instant) -> f32 {
    let (la, lb) = (a.chars().count(), b.chars().count());
    if la + lb == 0 {
        return 1.0;
    }
    if 4 * la.min(lb) < la + lb || Instant::now() >= until {
        return 0.0;
    }
    similar::TextDiff::configure()
        .deadline(until.min(Instant::now() + PAIR_TIME))
        .diff_chars(a, b)
        .ratio()
}

/// The book's lines with each one the lab lacks replaced by the most alike
/// lab line in its place (or dropped), in the book's order; no line is
/// compared for likeness past `until`.
fn in_order(book: &[String], lab: &[String], kept: &[&str], until: Instant) -> Vec<String> {
    // A line's trailing blanks (`ip route` ends its lines with one) are
    // nothing a reader sees: a patch does not write them.
    let lab: Vec<String> = lab.iter().map(|l| l.trim_end().to_string()).collect();
    let lab = &lab[..];
    let ln: Vec<String> = lab.iter().map(|l| compare::normalize(l)).collect();
    // The book lines found in order (as compare::missing_in_order reads
    // them): each one's place in the lab, or None.
    let mut at = 0;
    let mut found: Vec<Option<usize>> = Vec::new();
    for b in book {
        let n = compare::normalize(b);
        if n.is_empty() {
            found.push(None);
            continue;
        }
        match ln[at..].iter().position(|l| *l == n) {
            Some(i) => {
                found.push(Some(at + i));
                at += i + 1;
            }
            None => found.push(None),
        }
    }
    let mut used = vec![false; lab.len()];
    for f in found.iter().flatten() {
        used[*f] = true;
    }
    let mut out: Vec<(Option<usize>, String)> = Vec::new();
    for (i, b) in book.iter().enumerate() {
        let n = compare::normalize(b);
        if found[i].is_some() || n.is_empty() || kept.contains(&n.as_str()) {
            out.push((found[i], b.clone()));
            continue;
        }
        let lo = found[..i]
            .iter()
            .flatten()
            .last()
            .map(|x| x + 1)
            .unwrap_or(0);
        let hi = found[i..]
            .iter()
            .flatten()
            .next()
            .copied()
            .unwrap_or(lab.len());
        let best = (lo..hi.max(lo))
            .filter(|&j| !used[j] && !ln[j].is_empty())
            .map(|j| (j, similarity(&n, &ln[j], until)))
            .filter(|(_, r)| *r >= 0.5)
            .max_by(|x, y| x.1.total_cmp(&y.1));
        if let Some((j, _)) = best {
            used[j] = true;
            out.push((Some(j), keep_volatile(&lab[j], b)));
        }
    }
    // An error the lab printed that the book does not show, where it came.
    let errors =
        compare::errors_not_in_book(&out.iter().map(|(_, l)| l.clone()).collect::<Vec<_>>(), lab);
    for (j, l) in lab.iter().enumerate() {
        let shown = format!(
            "the lab's command printed an error the book does not show: `{}`",
            compare::normalize(l)
        );
        if used[j] || !errors.contains(&shown) {
            continue;
        }
        let k = out
            .iter()
            .rposition(|(f, _)| f.is_some_and(|f| f < j))
            .map(|k| k + 1)
            .unwrap_or(0);
        out.insert(k, (Some(j), l.clone()));
        used[j] = true;
    }
    out.into_iter().map(|(_, l)| l).collect()
}

#[cfg(test)]
#[path = "output_tests.rs"]
mod tests;
