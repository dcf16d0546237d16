//! Compare facts, not bytes. Both sides are normalised the same way
//! (timestamps, `time=` RTTs, ids, klog headers, tcpdump's version-worded
//! banner, pod-name hashes, AGE and RESTARTS go; whitespace is collapsed),
//! then compared by what each command's output means:
//! - `ping`: every reply, one by one (how many, icmp_seq counted from the
//!   first reply, since BSD's ping counts from 0 and iputils' from 1, who
//!   answered, the TTL; times go), or the ICMP error and who sent it;
//! - `route -n`: the rows (destination, gateway, mask, flags, interface),
//!   and each row's metric;
//! - tables: every row's NAME (without hash), READY, STATUS, NODE, IP,
//!   ROLES, NAMESPACE, and VERSION (its minor) columns; AGE and RESTARTS go;
//! - an error the lab's command printed (`No such device`, `No such file or
//!   directory`) that the book does not show is a difference, never a match;
//! - anything else (a file, a log, a capture): the lines the book shows must
//!   appear in the lab's output in the same order, since books cut output.
//!
//! Each difference is one stable sentence, so the known-drift file can name it.

use super::bind::Table;
pub use super::ping_facts::{
    PingFacts, Reply, echoes_sent, grep_keeps, grepped_ping, is_pings_own, lines_grep_drops, ping,
    ping_facts, ping_header_target, ping_replies, replies, replies_past_count,
};

/// Collapse whitespace.
pub fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A line with what varies between runs taken out.
pub fn normalize(line: &str) -> String {
    let mut s = squash(line);
    // klog header: `I1127 11:58:30.985486       1 match.go:210] `.
    if s.len() > 5
        && matches!(s.as_bytes()[0], b'I' | b'W' | b'E' | b'F')
        && s.as_bytes()[1..5].iter().all(u8::is_ascii_digit)
        && let Some(i) = s.find("] ")
    {
        s = s[i + 2..].to_string();
    }
    // tcpdump: `20:55:02.971181 IP ...`, `id 5874, `.
    let w: Vec<&str> = s.splitn(2, ' ').collect();
    if w.len() == 2
        && w[0].len() >= 8
        && w[0].as_bytes()[2] == b':'
        && w[0]
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b':' || b == b'.')
    {
        s = w[1].to_string();
    }
    if let Some(i) = s.find(", id ")
        && let Some(j) = s[i + 5..].find(", ")
    {
        s = format!("{}{}", &s[..i], &s[i + 5 + j..]);
    }
    // tcpdump's banner is worded by its version.
    if s.starts_with("tcpdump: verbose output suppressed") {
        return String::new();
    }
    if s.starts_with("listening on ")
        && let Some(i) = s.find("), ")
    {
        s.truncate(i + 1);
    }
    // ping's `time=0.054 ms`.
    if let Some(i) = s.find(" time=") {
        s.truncate(i);
    }
    s
}

/// Whether a line is tcpdump's own banner (`tcpdump: verbose output
/// suppressed ...`, `listening on IF, link-type ...`), not a packet.
pub fn is_tcpdump_banner(line: &str) -> bool {
    let t = line.trim();
    t.starts_with("tcpdump: verbose output suppressed")
        || (t.starts_with("listening on ") && t.contains("link-type"))
}

/// Whether a book line ends a capture the reader stopped: the `^C` typed,
/// and tcpdump's counts of what it had handled by then (`2 packets
/// captured`, `... received by filter`, `... dropped by kernel`), which
/// measure when the reader pressed Ctrl-C, not the network; the packets'
/// own lines say what came. `0 packets captured` stays: it claims none.
pub fn is_capture_end(line: &str) -> bool {
    let t = squash(line);
    if t == "^C" {
        return true;
    }
    let Some((n, what)) = t.split_once(' ') else {
        return false;
    };
    n.parse::<u64>()
        .is_ok_and(|n| n > 0 || !what.ends_with("captured"))
        && [
            "packet captured",
            "packets captured",
            "packet received by filter",
            "packets received by filter",
            "packet dropped by kernel",
            "packets dropped by kernel",
        ]
        .contains(&what)
}

/// Whether a book line marks output the author cut (`...`, `…`, `[...]`,
/// `<snip>`): not a line to find, and the lines around it a part of the
/// output, not all of it.
pub fn is_elision(line: &str) -> bool {
    let t = line.trim();
    let inner = t
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .or_else(|| t.strip_prefix('(').and_then(|x| x.strip_suffix(')')))
        .or_else(|| t.strip_prefix('<').and_then(|x| x.strip_suffix('>')))
        .unwrap_or(t)
        .trim();
    let bracketed = inner.len() < t.len();
    // Dots, spaced or not (`...`, `. . .`), and the ellipses of Unicode
    // (`…`, vertical `⋮`, midline `⋯`, `︙`).
    let dots = inner.chars().filter(|c| *c == '.').count();
    (dots >= 3 && inner.chars().all(|c| c == '.' || c == ' '))
        || (!inner.is_empty() && inner.chars().all(|c| ELLIPSES.contains(&c)))
        || inner.eq_ignore_ascii_case("snip")
        || (bracketed && is_authors_note(inner))
        || framed_note(t).is_some_and(|n| n.eq_ignore_ascii_case("snip") || is_authors_note(n))
        || remark(t).is_some_and(|r| is_authors_note(r) || (r != t && is_elision(r)))
        || matches!(
            t.trim_start_matches(|c| c == '.' || ELLIPSES.contains(&c))
                .trim()
                .to_ascii_lowercase()
                .as_str(),
            "etc" | "etc." | "and so on"
        )
}

/// Unicode's ellipses: `…`, `⋮`, `⋯`, `︙`.
const ELLIPSES: &[char] = &['\u{2026}', '\u{22EE}', '\u{22EF}', '\u{FE19}'];

/// The words of a remark line in output (`# output trimmed`, `// rest
/// omitted`): how authors also say they cut. A remark counts as a cut only
/// with a cut's word ([`is_authors_note`]); `# Generated by iptables-save`
/// is output.
fn remark(t: &str) -> Option<&str> {
    t.strip_prefix("# ")
        .or_else(|| t.strip_prefix("// "))
        .map(str::trim)
}

/// The words between rules of two or more `-`, `=`, `~` or `*` on both
/// sides (`---snip---`, `-- output omitted --`): how authors also mark a
/// cut. ping's `--- 10.244.2.2 ping statistics ---` is framed too, and no
/// note.
fn framed_note(t: &str) -> Option<&str> {
    let rule = |c: char| matches!(c, '-' | '=' | '~' | '*' | '\u{2013}' | '\u{2014}');
    let after = t.trim_start_matches(rule);
    let inner = after.trim_end_matches(rule);
    (t.len() - after.len() >= 2 && after.len() - inner.len() >= 2).then(|| inner.trim())
}

/// The author's words in brackets for output left out (`[output omitted]`,
/// `(truncated)`, `<... 20 more lines ...>`): a cut, never output.
fn is_authors_note(inner: &str) -> bool {
    const CUT: &[&str] = &[
        "omitted",
        "truncated",
        "snip",
        "snipped",
        "elided",
        "trimmed",
        "removed",
        "cut",
        "shortened",
        "abbreviated",
    ];
    let low = inner.to_lowercase();
    let words: Vec<&str> = low
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().any(|w| CUT.contains(w))
        || (low.starts_with("...") || low.starts_with('\u{2026}'))
            && (low.ends_with("...") || low.ends_with('\u{2026}'))
            && words
                .iter()
                .any(|w| *w == "lines" || *w == "line" || *w == "more")
}

/// A line as compared: normalised ([`normalize`]); a line normalising
/// takes out whole (tcpdump's version-worded banner) is compared as
/// "such a line", which only another such line is. Dropped instead, a
/// `cat` whose book output is that banner compared nothing and matched.
fn compared(line: &str) -> Option<String> {
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

/// Book lines that do not appear, in order, in the lab's lines.
pub fn missing_in_order(book: &[String], lab: &[String]) -> Vec<String> {
    missing_in_order_as(book, lab, compared)
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
    let lab: Vec<Option<String>> = lab.iter().map(|l| compared(l)).collect();
    let mut at = 0;
    let mut missing = Vec::new();
    for (line, b) in book
        .iter()
        .filter(|l| !is_elision(l))
        .filter_map(|l| Some((l, compared(l)?)))
    {
        match lab[at..].iter().position(|l| l.as_ref() == Some(&b)) {
            Some(i) => at += i + 1,
            None => missing.push(format!(
                "the book shows `{}`; the lab's output has no such line (in this order)",
                shown(line, &b)
            )),
        }
    }
    missing
}

/// `ip route` lines of the book the lab's lines lack, in any order: a
/// route is a fact, and the kernel lists a table's routes in an order of
/// its own (like `route -n`'s rows, [`routes`]). Books cut output: the
/// lab's other routes are no difference.
pub fn missing_routes(book: &[String], lab: &[String]) -> Vec<String> {
    let lab: Vec<String> = lab.iter().filter_map(|l| compared(l)).collect();
    book.iter()
        .filter(|l| !is_elision(l))
        .filter_map(|l| Some((l, compared(l)?)))
        .filter(|(_, b)| !lab.contains(b))
        .map(|(l, b)| {
            format!(
                "the book shows `{}`; the lab's output has no such line",
                shown(l, &b)
            )
        })
        .collect()
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

/// A `route -n` row: destination, gateway, mask, flags, interface (what
/// names the row), and its metric.
fn route_row(line: &str) -> Option<(String, &str)> {
    let w: Vec<&str> = line.split_whitespace().collect();
    (w.len() == 8 && w[0].parse::<std::net::Ipv4Addr>().is_ok()).then(|| {
        (
            format!("{} {} {} {} {}", w[0], w[1], w[2], w[3], w[7]),
            w[4],
        )
    })
}

/// How many times each row is in `rows`.
fn row_counts(rows: &[String]) -> std::collections::HashMap<&str, usize> {
    let mut n = std::collections::HashMap::new();
    for r in rows {
        *n.entry(r.as_str()).or_default() += 1;
    }
    n
}

/// `route -n`'s title or its header of columns, or a cut mark.
fn is_route_title(line: &str) -> bool {
    let w: Vec<&str> = line.split_whitespace().collect();
    w == ["Kernel", "IP", "routing", "table"]
        || (w.first() == Some(&"Destination") && w.contains(&"Gateway") && w.contains(&"Iface"))
        || is_elision(line)
}

/// `route -n` rows: destination, gateway, mask, flags, interface.
pub fn route_rows(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter_map(|l| route_row(l))
        .map(|(row, _)| row)
        .collect()
}

/// `route -n` rows of the book and the lab's; where the book cut its
/// output ([`is_elision`]), only the rows it shows are compared.
pub fn routes(book: &[String], lab: &[String]) -> Vec<String> {
    let (b, mut l) = (route_rows(book), route_rows(lab));
    if book.iter().any(|x| is_elision(x)) {
        l.retain(|r| b.contains(r));
    }
    // A line that is no row `route -n` prints (an address without the
    // table's 8 columns, a `default …` row, a sentence) is never passed
    // over: only its title, its header and a cut mark are not rows.
    let mut d: Vec<String> = book
        .iter()
        .filter(|x| !x.trim().is_empty() && route_row(x).is_none() && !is_route_title(x))
        .map(|x| {
            let w: Vec<&str> = x.split_whitespace().collect();
            let address = w
                .first()
                .is_some_and(|a| a.parse::<std::net::Ipv4Addr>().is_ok());
            if address {
                format!(
                    "route -n: the book shows `{}`, which is no row of route -n's 8 columns",
                    squash(x)
                )
            } else {
                format!(
                    "route -n: the book shows `{}`, which route -n does not print",
                    squash(x)
                )
            }
        })
        .collect();
    d.extend(
        b.iter()
            .filter(|r| !l.contains(r))
            .map(|r| format!("route -n: the book has the row `{r}`; the lab has none")),
    );
    d.extend(
        l.iter()
            .filter(|r| !b.contains(r))
            .map(|r| format!("route -n: the lab has the row `{r}`; the book has none")),
    );
    // A row shown twice is two rows: the lab must have it as often (each
    // row said once, in the book's order).
    let (mine, theirs) = (row_counts(&b), row_counts(&l));
    let mut said = std::collections::HashSet::new();
    for r in b.iter().filter(|r| said.insert(r.as_str())) {
        match (mine[r.as_str()], theirs.get(r.as_str())) {
            (m, Some(&t)) if t != m => d.push(format!(
                "route -n: the book has the row `{r}` {m} times; the lab has it {t}"
            )),
            _ => {}
        }
    }
    // A row both have is compared for its metric too (a DHCP route's 100
    // where the book shows 0); its own sentence, so that the row's stays
    // what known-drift files name.
    let bm: Vec<(String, &str)> = book.iter().filter_map(|l| route_row(l)).collect();
    let lm: Vec<(String, &str)> = lab.iter().filter_map(|l| route_row(l)).collect();
    d.extend(bm.iter().filter_map(|(row, m)| {
        let theirs = lm.iter().find(|(r, _)| r == row)?.1;
        (theirs != *m).then(|| {
            format!("route -n: the row `{row}` has metric {m} in the book; the lab's has {theirs}")
        })
    }));
    d
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
];

/// A table's rows reduced to the fact columns the book shows, pod names
/// without their hash.
pub fn table_rows(t: &Table, columns: &[&str]) -> Vec<String> {
    table_rows_named(t, columns, &|v| format!("{}-*", super::bind::owner_of(v)))
}

/// [`table_rows`] with pod names reduced by `name`.
pub fn table_rows_named(t: &Table, columns: &[&str], name: &dyn Fn(&str) -> String) -> Vec<String> {
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
                        // A node's Kubernetes minor is a fact; its patch
                        // release is the day's.
                        let mut parts = v.splitn(3, '.');
                        match (parts.next(), parts.next()) {
                            (Some(a), Some(b)) => format!("{a}.{b}"),
                            _ => v.clone(),
                        }
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
/// header it cannot read, `NAME STATUS` with one space, is one column).
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
    let (b, l) = (
        table_rows(book, &cols),
        table_rows_named(lab, &cols, lab_name),
    );
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
    vec![format!(
        "table ({}): the book shows [{}]; the lab shows [{}]",
        cols.join(" "),
        b.join("; "),
        l.join("; ")
    )]
}

#[cfg(test)]
#[path = "compare_tests.rs"]
mod tests;
