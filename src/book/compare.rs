//! Compare facts, not bytes. Both sides are normalised the same way, each
//! kind of output for what varies in it alone (a log's klog headers, a
//! capture's timestamps, ids and version-worded banner, a ping's `time=`
//! RTTs, pod-name hashes, AGE and RESTARTS go; whitespace is collapsed),
//! then compared by what each command's output means:
//! - `ping`: every reply, one by one (how many, icmp_seq counted from the
//!   first reply, since BSD's ping counts from 0 and iputils' from 1, who
//!   answered, the TTL; times go), or the ICMP error and who sent it;
//! - `route -n`: the rows (destination, gateway, mask, flags, interface),
//!   counted, and each row's metric and Ref (its Use a number);
//! - `ip route`: every line as written (spaces aside), counted, in any
//!   order;
//! - tables: every row's NAME (without hash), READY, STATUS, NODE, IP,
//!   ROLES, NAMESPACE, and VERSION (its minor) columns; AGE and RESTARTS go;
//! - an error the lab's command printed (`No such device`, `No such file or
//!   directory`) that the book does not show is a difference, never a match;
//! - anything else (a file, kubectl's own lines, a log, a capture): the
//!   lines the book shows must appear in the lab's output in the same
//!   order, since books cut output; a file's and kubectl's as written,
//!   spaces aside; a log's and a capture's normalised as their kind
//!   varies ([`lines_of`]).
//!
//! Each difference is one stable sentence, so the known-drift file can name it.

use super::bind::Table;
pub(super) use super::compare_cuts::is_authors_note;
pub use super::compare_cuts::{cut_note_with_claim, is_elision, says_more_came};
pub use super::compare_ping_lines::header_and_statistics;
use super::compare_routes::row_counts;
pub use super::compare_routes::{route_rows, routes};
pub use super::ping_claims::{
    lines_lab_cannot_read, not_pings_own, says_what_ping_says, tells_no_reply,
};
pub use super::ping_facts::{
    PingFacts, Reply, echoes_sent, is_pings_own, ping, ping_facts, ping_header_target,
    ping_replies, replies, replies_past_count,
};
pub use super::ping_grep::{grep_keeps, grepped_ping, lines_grep_drops};

/// Collapse whitespace.
pub fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A line with what varies between runs taken out: of a log (a klog
/// header), a capture ([`normalize_capture`]) and a ping (` time=…`). Only
/// for lines of those kinds: in any other (a route, a file, kubectl's own
/// lines) what it takes out is a difference (probe21z: `… time= linkdown`
/// matched an `ip route` line).
pub fn normalize(line: &str) -> String {
    let mut s = squash(line);
    // klog header: `I1127 11:58:30.985486       1 match.go:210] `.
    if klog_severity(&s).is_some()
        && let Some(i) = s.find("] ")
    {
        s = s[i + 2..].to_string();
    }
    s = normalize_capture(&s);
    // ping's `time=0.054 ms`.
    if let Some(i) = s.find(" time=") {
        s.truncate(i);
    }
    s
}

/// The severity letter of a klog line (`I`, `W`, `E` or `F` of `I1127
/// 11:58:30.985486       1 match.go:210] …`), None for a line without
/// klog's header.
fn klog_severity(line: &str) -> Option<char> {
    let s = line.trim_start().as_bytes();
    (s.len() > 5
        && matches!(s[0], b'I' | b'W' | b'E' | b'F')
        && s[1..5].iter().all(u8::is_ascii_digit)
        && line.contains("] "))
    .then(|| s[0] as char)
}

/// A klog severity letter in words.
fn severity_word(c: char) -> &'static str {
    match c {
        'I' => "info",
        'W' => "warning",
        'E' => "error",
        _ => "fatal",
    }
}

/// A capture's line (tcpdump) with what varies between runs taken out:
/// its time, an IP id, the banner's wording; nothing of a log's or a
/// ping's.
pub fn normalize_capture(line: &str) -> String {
    let mut s = squash(line);
    // tcpdump: `20:55:02.971181 IP ...`, `id 5874, `. Only a time of day
    // tcpdump prints goes: `99:99:99.999999` stays, and is no lab's line
    // (probe21bc, lesser 9).
    let w: Vec<&str> = s.splitn(2, ' ').collect();
    if w.len() == 2 && super::capture_claims::is_time_of_day(w[0]) {
        s = w[1].to_string();
    }
    // Only an id tcpdump prints goes: the ICMP echo's id is 16 bits, so
    // `id 99999` stays, and is no lab's line (probe21be, lesser 3).
    if let Some(i) = s.find(", id ")
        && let Some(j) = s[i + 5..].find(", ")
        && s[i + 5..i + 5 + j].parse::<u16>().is_ok()
        && s[i + 5..i + 5 + j].bytes().all(|b| b.is_ascii_digit())
    {
        s = format!("{}{}", &s[..i], &s[i + 5 + j..]);
    }
    // tcpdump's banner is worded by its version; only its own form goes
    // (a line with more after it is a claim, and no lab's line: probe21by,
    // finding 7).
    match banner(&s) {
        Some(Banner::Verbose) => return String::new(),
        Some(Banner::Listening) => {
            if let Some(i) = s.find("), ") {
                s.truncate(i + 1);
            }
        }
        None => {}
    }
    s
}

/// The lines of tcpdump's banner.
enum Banner {
    /// `tcpdump: verbose output suppressed, use -v[v]... for full protocol
    /// decode` (`use -v or -vv` before 4.99).
    Verbose,
    /// `listening on IF, link-type EN10MB (Ethernet), snapshot length N
    /// bytes` (`capture size N bytes` before 4.99).
    Listening,
}

/// Which line of tcpdump's banner `line` (squashed) is, as a whole: its
/// own words and nothing after them.
fn banner(line: &str) -> Option<Banner> {
    static VERBOSE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"^tcpdump: verbose output suppressed, use (?:-v\[v\]\.\.\.|-v or -vv) for full protocol decode$",
        )
        .expect("tcpdump's banner")
    });
    static LISTENING: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"^listening on \S+, link-type [A-Za-z0-9_]+ \([^()]*\), (?:capture size|snapshot length) \d+ bytes$",
        )
        .expect("tcpdump's banner")
    });
    if VERBOSE.is_match(line) {
        Some(Banner::Verbose)
    } else if LISTENING.is_match(line) {
        Some(Banner::Listening)
    } else {
        None
    }
}

/// Whether a line is tcpdump's own banner (`tcpdump: verbose output
/// suppressed ...`, `listening on IF, link-type ...`), not a packet: as a
/// whole, nothing after its own words.
pub fn is_tcpdump_banner(line: &str) -> bool {
    banner(&squash(line)).is_some()
}

/// Whether a book line ends a capture the reader stopped: the `^C` typed,
/// and tcpdump's counts of what it had handled by then (`2 packets
/// captured`, `... received by filter`, `... dropped by kernel`), which
/// measure when the reader pressed Ctrl-C, not the network; the packets'
/// own lines say what came, and the counts are held against them
/// ([`super::capture_claims::differences`]). `0 packets captured` stays:
/// it claims none.
pub fn is_capture_end(line: &str) -> bool {
    use super::capture_claims::{Counted, count};
    squash(line) == "^C" || count(line).is_some_and(|c| c.n > 0 || c.what != Counted::Captured)
}

/// A line as compared: normalised ([`normalize`]); a line normalising
/// takes out whole (tcpdump's version-worded banner) is compared as
/// "such a line", which only another such line is. Dropped instead, a
/// `cat` whose book output is that banner compared nothing and matched.
fn compared(line: &str) -> Option<String> {
    compared_as(line, normalize)
}

/// [`compared`] with another normaliser.
fn compared_as(line: &str, normalize: fn(&str) -> String) -> Option<String> {
    let n = normalize(line);
    match (n.is_empty(), line.trim().is_empty()) {
        (_, true) => None,
        (true, false) => Some(BANNER.into()),
        (false, false) => Some(n),
    }
}

/// What [`compared`] makes of a line normalising takes out whole.
const BANNER: &str = "\u{0}banner";

/// A book line as a difference quotes it: as compared, or as written
/// where that was a [`BANNER`].
fn shown(line: &str, compared: &str) -> String {
    if compared == BANNER {
        squash(line)
    } else {
        compared.to_string()
    }
}

/// Book lines that do not appear, in order, in the lab's lines. A klog
/// line's severity (`I`, `W`, `E`, `F`) is kept where both lines have
/// klog's header: `F1207 … Defaulting external address …` is no lab's
/// `I…` line (probe21by, lesser 3: the header went whole, severity too).
pub fn missing_in_order(book: &[String], lab: &[String]) -> Vec<String> {
    let same = |b: &str, l: &str| match (klog_severity(b), klog_severity(l)) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    };
    // Said by its severity where a lab line has its words at another.
    let said = |line: &str, words: &str| {
        let other = lab
            .iter()
            .filter(|l| compared(l).as_deref() == Some(words))
            .find_map(|l| klog_severity(l));
        match (klog_severity(line), other) {
            (Some(x), Some(y)) if x != y => Some(format!(
                "the book shows `{}` at klog's severity {x} ({}); the lab's line is at {y} ({})",
                squash(line),
                severity_word(x),
                severity_word(y)
            )),
            _ => None,
        }
    };
    missing_in_order_when(book, lab, compared, same, said)
}

/// [`missing_in_order`] for a file's lines (`cat`): compared as written,
/// spaces aside. What [`normalize`] takes out of a ping's, a log's or a
/// capture's line (` time=…`, a klog header, a timestamp) is a difference
/// in a file (probe21p: `FLANNEL_MTU=1450 time=9000` matched).
pub fn missing_file_lines(book: &[String], lab: &[String]) -> Vec<String> {
    missing_in_order_as(book, lab, |l| (!l.trim().is_empty()).then(|| squash(l)))
}

fn missing_in_order_as(
    book: &[String],
    lab: &[String],
    compared: impl Fn(&str) -> Option<String>,
) -> Vec<String> {
    missing_in_order_when(book, lab, compared, |_, _| true, |_, _| None)
}

/// [`missing_in_order_as`], a lab line meeting a book line only where
/// `same(book line, lab line)` too; a missing line said by `said(line,
/// compared)` where it says something.
fn missing_in_order_when(
    book: &[String],
    lab: &[String],
    compared: impl Fn(&str) -> Option<String>,
    same: impl Fn(&str, &str) -> bool,
    said: impl Fn(&str, &str) -> Option<String>,
) -> Vec<String> {
    let raw = lab;
    let lab: Vec<Option<String>> = lab.iter().map(|l| compared(l)).collect();
    let mut at = 0;
    let mut missing = Vec::new();
    for (line, b) in book
        .iter()
        .filter(|l| !is_elision(l))
        .filter_map(|l| Some((l, compared(l)?)))
    {
        let found = lab[at..]
            .iter()
            .zip(&raw[at..])
            .position(|(l, r)| l.as_ref() == Some(&b) && same(line, r));
        match found {
            Some(i) => at += i + 1,
            None => missing.push(said(line, &b).unwrap_or_else(|| {
                format!(
                    "the book shows `{}`; the lab's output has no such line (in this order)",
                    shown(line, &b)
                )
            })),
        }
    }
    missing
}

/// `ip route` lines of the book the lab's lines lack, in any order: a
/// route is a fact, and the kernel lists a table's routes in an order of
/// its own (like `route -n`'s rows, [`routes`]). Books cut output: the
/// lab's other routes are no difference. Compared as written, spaces
/// aside (what [`normalize`] takes out of a ping's line is a route's
/// `linkdown`), and counted: a route shown three times is three routes.
pub fn missing_routes(book: &[String], lab: &[String]) -> Vec<String> {
    let as_written = |l: &String| (!l.trim().is_empty()).then(|| squash(l));
    let lab: Vec<String> = lab.iter().filter_map(as_written).collect();
    let book: Vec<String> = book
        .iter()
        .filter(|l| !is_elision(l))
        .filter_map(as_written)
        .collect();
    let (mine, theirs) = (row_counts(&book), row_counts(&lab));
    let mut said = std::collections::HashSet::new();
    book.iter()
        .filter(|b| said.insert(b.as_str()))
        .filter_map(|b| match (mine[b.as_str()], theirs.get(b.as_str())) {
            (_, None) => Some(format!(
                "the book shows `{b}`; the lab's output has no such line"
            )),
            (m, Some(&t)) if m > t => Some(format!(
                "the book shows `{b}` {m} times; the lab's output has it {t} time{}",
                if t == 1 { "" } else { "s" }
            )),
            _ => None,
        })
        .collect()
}

/// A capture's lines (tcpdump) the lab's lack, in order, read as a
/// capture's ([`normalize_capture`]).
pub fn missing_capture_lines(book: &[String], lab: &[String]) -> Vec<String> {
    missing_in_order_as(book, lab, |l| compared_as(l, normalize_capture))
}

/// Lines of the lab's output that say its command failed (`tcpdump: eth0:
/// No such device exists`, `cat: x: No such file or directory`, `command
/// not found`) and that the book does not show.
pub fn errors_not_in_book(book: &[String], lab: &[String]) -> Vec<String> {
    const SIGNS: &[&str] = &[
        "no such device",
        "no such file or directory",
        "command not found",
        "permission denied",
        "operation not permitted",
        "network is unreachable",
        "unknown host",
        "not supported",
        "invalid argument",
        "error:",
        "cannot ",
        "can't ",
    ];
    let book: Vec<String> = book.iter().map(|l| normalize(l)).collect();
    lab.iter()
        .map(|l| normalize(l))
        .filter(|l| {
            let low = l.to_lowercase();
            SIGNS.iter().any(|s| low.contains(s)) && !book.contains(l)
        })
        .map(|l| format!("the lab's command printed an error the book does not show: `{l}`"))
        .collect()
}

/// The columns of a kubectl table that are facts of a cluster.
const FACT_COLUMNS: &[&str] = &[
    "NAMESPACE",
    "NAME",
    "READY",
    "STATUS",
    "ROLES",
    "NODE",
    "IP",
    "VERSION",
    // A node's address (`get nodes -o wide`): the lab knows each node's,
    // and 10.0.2.15 for one is the fault of a chapter like chapter 4
    // (probe21br, lesser 3).
    "INTERNAL-IP",
];

/// A table's rows reduced to the fact columns the book shows, pod names
/// without their hash.
pub fn table_rows(t: &Table, columns: &[&str]) -> Vec<String> {
    table_rows_named(t, columns, &|v| format!("{}-*", super::bind::owner_of(v)))
}

/// [`table_rows`] with pod names reduced by `name`.
pub fn table_rows_named(t: &Table, columns: &[&str], name: &dyn Fn(&str) -> String) -> Vec<String> {
    rows_as(t, columns, name, &minor)
}

/// A node's Kubernetes minor (`v1.10` of `v1.10.0`): a fact; its patch
/// release is the day's.
fn minor(v: &str) -> String {
    let mut parts = v.splitn(3, '.');
    match (parts.next(), parts.next()) {
        (Some(a), Some(b)) => format!("{a}.{b}"),
        _ => v.to_string(),
    }
}

/// A table's rows in `columns`, pod names reduced by `name`, a VERSION by
/// `version`, sorted.
fn rows_as(
    t: &Table,
    columns: &[&str],
    name: &dyn Fn(&str) -> String,
    version: &dyn Fn(&str) -> String,
) -> Vec<String> {
    let mut rows: Vec<String> = t
        .rows
        .iter()
        .map(|r| {
            columns
                .iter()
                .filter_map(|c| t.col(c).map(|i| (c, &r[i])))
                // A pod's name ends in hashes of its run; a node's does not.
                .map(|(c, v)| {
                    if *c == "NAME" && t.col("ROLES").is_none() {
                        name(v)
                    } else if *c == "VERSION" {
                        version(v)
                    } else {
                        v.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    rows.sort();
    rows
}

/// The columns of the book's table that are facts lab compares (none: a
/// header of no fact, `AGE LABELS`).
pub fn fact_columns(book: &Table) -> Vec<&'static str> {
    FACT_COLUMNS
        .iter()
        .copied()
        .filter(|c| book.col(c).is_some())
        .collect()
}

pub fn tables(book: &Table, lab: &Table, cut: bool) -> Vec<String> {
    tables_named(
        book,
        lab,
        &|v| format!("{}-*", super::bind::owner_of(v)),
        cut,
    )
}

/// [`tables`] with the lab's pod names reduced by `lab_name` (the book's
/// always lose their hash); `cut`: the book cut the table ([`is_elision`]),
/// so the lab's rows it does not show are not a difference.
pub fn tables_named(
    book: &Table,
    lab: &Table,
    lab_name: &dyn Fn(&str) -> String,
    cut: bool,
) -> Vec<String> {
    let cols = fact_columns(book);
    if cols.is_empty() {
        // Callers skip such a table first ([`fact_columns`]); never a match.
        return vec![format!(
            "table: the book's header ({}) names no column lab compares",
            book.header.join(", ")
        )];
    }
    // A node's name is whole: the lab's node table has ROLES, a book's
    // may not (`NAME STATUS`), and its names lost no hash.
    let b = if lab.col("ROLES").is_some() {
        table_rows_named(book, &cols, &|v| v.to_string())
    } else {
        table_rows(book, &cols)
    };
    let l = table_rows_named(lab, &cols, lab_name);
    if cut {
        // Each book row, as many times as it shows, among the lab's.
        let mut left = l.clone();
        let shown: Vec<String> = b
            .iter()
            .filter_map(|r| left.iter().position(|x| x == r).map(|i| left.remove(i)))
            .collect();
        if shown.len() == b.len() {
            return Vec::new();
        }
    }
    if b == l {
        return Vec::new();
    }
    // Compared by its minor, the book's VERSION is said as the book shows
    // it: the book's text does not vary, and a known-drift entry keyed by
    // this difference covers the book's version, not any patch of its
    // minor (probe21be, lesser 6: `v1.10.9` was the entry's `v1.10`).
    let whole = |v: &str| v.to_string();
    let b = if lab.col("ROLES").is_some() {
        rows_as(book, &cols, &whole, &whole)
    } else {
        rows_as(
            book,
            &cols,
            &|v| format!("{}-*", super::bind::owner_of(v)),
            &whole,
        )
    };
    vec![format!(
        "table ({}): the book shows [{}]; the lab shows [{}]",
        cols.join(" "),
        b.join("; "),
        l.join("; ")
    )]
}

/// The book lines of a table's output (`kubectl get`) that are no row of
/// it: the header's first line aside, a line whose words do not fill the
/// header's columns was dropped by [`Table::parse`], never compared
/// (probe21ab, rule A).
pub fn not_table_rows(book: &[String]) -> Vec<String> {
    let mut header: Option<&String> = None;
    let mut after_blank = true;
    let mut out = Vec::new();
    for l in book {
        if l.trim().is_empty() {
            after_blank = true;
            continue;
        }
        // A table's header (the first line, or one after a blank line:
        // `kubectl get all` prints a table a kind).
        let words: Vec<&str> = l.split_whitespace().collect();
        let is_header = after_blank
            && words.len() >= 2
            && words.iter().all(|w| {
                w.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b"-_()%/".contains(&b))
            });
        after_blank = false;
        if is_header || header.is_none() {
            header = Some(l);
            continue;
        }
        // A header kubectl prints that lab reads as no table's (`PORT(S)`)
        // says nothing of its rows.
        let Some(t) = header.map(|h| Table::parse(&[h.clone(), l.clone()])) else {
            continue;
        };
        if !is_elision(l) && t.is_some_and(|t| t.rows.len() != 1) {
            out.push(format!(
                "kubectl: the book shows a line that is no row of the table: `{}`",
                l.trim()
            ));
        }
    }
    out
}

/// The book lines of a command's output the lab's lack, read as that
/// command's kind of output is read.
pub fn lines_of(c: &super::recognize::Cmd, book: &[String], lab: &[String]) -> Vec<String> {
    use super::recognize::{Cmd, KubeAction};
    match c {
        Cmd::Grep { inner, .. } => lines_of(inner, book, lab),
        Cmd::RouteN => routes(book, lab),
        Cmd::IpRoute => missing_routes(book, lab),
        // A file's lines, and kubectl's own (`pod/x created`): as written.
        Cmd::Cat { .. } => missing_file_lines(book, lab),
        Cmd::Kubectl(k)
            if matches!(
                k.action,
                KubeAction::Apply { .. } | KubeAction::Delete { .. }
            ) =>
        {
            missing_file_lines(book, lab)
        }
        Cmd::Tcpdump { .. } => missing_capture_lines(book, lab),
        // A log's lines (`kubectl logs`): klog headers, captures and pings
        // are what logs hold.
        _ => missing_in_order(book, lab),
    }
}

#[cfg(test)]
#[path = "compare_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "compare_forms_tests.rs"]
mod forms_tests;

#[cfg(test)]
#[path = "compare_kinds_tests.rs"]
mod kinds_tests;
