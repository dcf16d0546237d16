//! Compare facts, not bytes. Both sides are normalised the same way
//! (timestamps, `time=` RTTs, ids, klog headers, tcpdump's version-worded
//! banner, pod-name hashes, AGE and RESTARTS go; whitespace is collapsed),
//! then compared by what each command's output means:
//! - `ping`: every reply, one by one (how many, icmp_seq counted from the
//!   first reply, since BSD's ping counts from 0 and iputils' from 1, who
//!   answered, the TTL; times go), or the ICMP error and who sent it;
//! - `route -n`: the rows (destination, gateway, mask, flags, interface);
//! - tables: every row's NAME (without hash), READY, STATUS, NODE, IP,
//!   ROLES, NAMESPACE, and VERSION (its minor) columns; AGE and RESTARTS go;
//! - an error the lab's command printed (`No such device`, `No such file or
//!   directory`) that the book does not show is a difference, never a match;
//! - anything else (a file, a log, a capture): the lines the book shows must
//!   appear in the lab's output in the same order, since books cut output.
//!
//! Each difference is one stable sentence, so the known-drift file can name it.

use super::bind::Table;

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
    (inner.len() >= 3 && inner.chars().all(|c| c == '.'))
        || inner == "\u{2026}"
        || inner.eq_ignore_ascii_case("snip")
}

/// Book lines that do not appear, in order, in the lab's lines.
pub fn missing_in_order(book: &[String], lab: &[String]) -> Vec<String> {
    let lab: Vec<String> = lab.iter().map(|l| normalize(l)).collect();
    let mut at = 0;
    let mut missing = Vec::new();
    for b in book
        .iter()
        .filter(|l| !is_elision(l))
        .map(|l| normalize(l))
        .filter(|l| !l.is_empty())
    {
        match lab[at..].iter().position(|l| *l == b) {
            Some(i) => at += i + 1,
            None => missing.push(format!(
                "the book shows `{b}`; the lab's output has no such line (in this order)"
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
    let lab: Vec<String> = lab.iter().map(|l| squash(&normalize(l))).collect();
    book.iter()
        .filter(|l| !is_elision(l))
        .map(|l| squash(&normalize(l)))
        .filter(|l| !l.is_empty() && !lab.contains(l))
        .map(|b| format!("the book shows `{b}`; the lab's output has no such line"))
        .collect()
}

/// What a ping's output says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PingFacts {
    pub reply: bool,
    pub ttl: Option<u8>,
    /// The ICMP error and who sent it: `Time to live exceeded from 10.244.1.1`.
    pub error: Option<String>,
}

impl std::fmt::Display for PingFacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.reply, self.ttl, &self.error) {
            (true, Some(t), _) => write!(f, "a reply with ttl {t}"),
            (true, None, _) => write!(f, "a reply"),
            (false, _, Some(e)) => write!(f, "no reply: {e}"),
            (false, _, None) => write!(f, "no reply and no ICMP error"),
        }
    }
}

const ICMP_ERRORS: &[&str] = &[
    "Time to live exceeded",
    "Destination Net Unreachable",
    "Destination Host Unreachable",
    "Destination Port Unreachable",
    "Destination Protocol Unreachable",
    "Packet filtered",
    "Frag needed",
];

/// Read a ping's output, iputils' (`From X icmp_seq=1 Time to live
/// exceeded`) or BSD's (`60 bytes from X: Destination Net Unreachable`).
pub fn ping_facts(lines: &[String]) -> PingFacts {
    let mut f = PingFacts {
        reply: false,
        ttl: None,
        error: None,
    };
    for l in lines {
        let t = squash(l);
        let lower = t.to_lowercase();
        if let Some(kind) = ICMP_ERRORS
            .iter()
            .find(|k| lower.contains(&k.to_lowercase()))
        {
            if f.error.is_none() {
                let from = t
                    .split_whitespace()
                    .skip_while(|w| !w.eq_ignore_ascii_case("from"))
                    .nth(1)
                    .map(|w| w.trim_end_matches(':').to_string())
                    .unwrap_or_default();
                f.error = Some(format!("{kind} from {from}"));
            }
        } else if lower.contains(" bytes from ") && lower.contains("ttl=") {
            f.reply = true;
            if f.ttl.is_none() {
                f.ttl = crate::probe::ping::ttl(&t);
            }
        }
    }
    f
}

/// One echo reply: its icmp_seq, who answered, its TTL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reply {
    pub seq: u32,
    pub from: std::net::Ipv4Addr,
    pub ttl: Option<u8>,
}

/// Every reply of a ping's output, in order.
pub fn replies(lines: &[String]) -> Vec<Reply> {
    lines
        .iter()
        .filter_map(|l| {
            let t = squash(l);
            let rest = t.split_once(" bytes from ")?.1;
            let (from, rest) = rest.split_once(':')?;
            let from = from
                .split_whitespace()
                .last()?
                .trim_matches(|c| c == '(' || c == ')');
            let seq = rest
                .split_whitespace()
                .find_map(|w| {
                    w.strip_prefix("icmp_seq=")
                        .or_else(|| w.strip_prefix("seq="))
                })?
                .parse()
                .ok()?;
            Some(Reply {
                seq,
                from: from.parse().ok()?,
                ttl: crate::probe::ping::ttl(rest),
            })
        })
        .collect()
}

/// Every reply compared, one by one: their count, icmp_seq counted from
/// the first reply, who answered and the TTL. Where neither shows a reply,
/// [`ping`] compares the errors.
pub fn ping_replies(book: &[String], lab: &[String]) -> Vec<String> {
    let (b, l) = (replies(book), replies(lab));
    if b.is_empty() || l.is_empty() {
        return ping(&ping_facts(book), &ping_facts(lab));
    }
    let mut d = Vec::new();
    if b.len() != l.len() {
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
                "from {} icmp_seq {} of the run ttl {}",
                r.from,
                r.seq.wrapping_sub(first) + 1,
                r.ttl.map(|t| t.to_string()).unwrap_or_else(|| "?".into())
            )
        };
        let (bs, ls) = (show(x, b0), show(y, l0));
        if bs != ls {
            d.push(format!(
                "ping reply {}: the book shows {bs}; the lab shows {ls}",
                i + 1
            ));
        }
    }
    d
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

/// Differences between the ping the book shows and the lab's.
pub fn ping(book: &PingFacts, lab: &PingFacts) -> Vec<String> {
    let differs = book.reply != lab.reply
        || (book.reply && book.ttl.is_some() && book.ttl != lab.ttl)
        || (!book.reply && book.error != lab.error);
    if differs {
        vec![format!("ping: the book shows {book}; the lab shows {lab}")]
    } else {
        Vec::new()
    }
}

/// `route -n` rows: destination, gateway, mask, flags, interface.
pub fn route_rows(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w.len() == 8 && w[0].parse::<std::net::Ipv4Addr>().is_ok())
                .then(|| format!("{} {} {} {} {}", w[0], w[1], w[2], w[3], w[7]))
        })
        .collect()
}

/// `route -n` rows of the book and the lab's; where the book cut its
/// output ([`is_elision`]), only the rows it shows are compared.
pub fn routes(book: &[String], lab: &[String]) -> Vec<String> {
    let (b, mut l) = (route_rows(book), route_rows(lab));
    if book.iter().any(|x| is_elision(x)) {
        l.retain(|r| b.contains(r));
    }
    let mut d: Vec<String> = b
        .iter()
        .filter(|r| !l.contains(r))
        .map(|r| format!("route -n: the book has the row `{r}`; the lab has none"))
        .collect();
    d.extend(
        l.iter()
            .filter(|r| !b.contains(r))
            .map(|r| format!("route -n: the lab has the row `{r}`; the book has none")),
    );
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
    let cols: Vec<&str> = FACT_COLUMNS
        .iter()
        .copied()
        .filter(|c| book.col(c).is_some())
        .collect();
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
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<String> {
        s.lines().map(str::to_string).collect()
    }

    #[test]
    fn normalisation() {
        assert_eq!(
            normalize(
                "I1127 11:58:30.985486       1 match.go:263] Using interface with name enp0s3"
            ),
            "Using interface with name enp0s3"
        );
        assert_eq!(
            normalize(
                "20:55:02.971181 IP 10.244.1.0 > 10.244.3.3: ICMP echo request, id 5874, seq 1, length 64"
            ),
            "IP 10.244.1.0 > 10.244.3.3: ICMP echo request, seq 1, length 64"
        );
        assert_eq!(
            normalize(
                "listening on flannel.1, link-type EN10MB (Ethernet), capture size 262144 bytes"
            ),
            "listening on flannel.1, link-type EN10MB (Ethernet)"
        );
        assert_eq!(
            normalize("64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.054 ms"),
            "64 bytes from 10.244.1.2: icmp_seq=1 ttl=64"
        );
    }

    #[test]
    fn lines_in_order() {
        assert!(missing_in_order(&v("a\nc"), &v("a\nb\nc")).is_empty());
        assert_eq!(missing_in_order(&v("c\na"), &v("a\nb\nc")).len(), 1);
    }

    #[test]
    fn ping_outcomes_both_formats() {
        let book = ping_facts(&v(
            "PING 10.244.3.3 (10.244.3.3): 48 data bytes\n60 bytes from 10.244.1.1: Destination Net Unreachable",
        ));
        assert_eq!(
            book.error.as_deref(),
            Some("Destination Net Unreachable from 10.244.1.1")
        );
        let lab = ping_facts(&v(
            "PING 10.244.2.2 (10.244.2.2) 56(84) bytes of data.\nFrom 10.244.1.1 icmp_seq=1 Time to live exceeded",
        ));
        assert_eq!(
            lab.error.as_deref(),
            Some("Time to live exceeded from 10.244.1.1")
        );
        assert_eq!(ping(&book, &lab).len(), 1);
        let r = ping_facts(&v(
            "56 bytes from 10.244.3.4: icmp_seq=0 ttl=62 time=0.947 ms",
        ));
        assert_eq!((r.reply, r.ttl), (true, Some(62)));
        assert!(
            ping(
                &r,
                &ping_facts(&v("64 bytes from 10.244.2.2: icmp_seq=1 ttl=62 time=1 ms"))
            )
            .is_empty()
        );
        assert_eq!(
            ping(
                &r,
                &ping_facts(&v("64 bytes from 10.244.2.2: icmp_seq=1 ttl=63 time=1 ms"))
            )
            .len(),
            1
        );
        let silent = ping_facts(&v("PING 10.244.3.3 (10.244.3.3) 56(84) bytes of data."));
        assert!(
            ping(
                &silent,
                &ping_facts(&v(
                    "PING x\n\n--- x ping statistics ---\n1 packets transmitted, 0 received"
                ))
            )
            .is_empty()
        );
    }

    #[test]
    fn ip_route_lines_are_routes_in_any_order() {
        let lab = v(
            "default via 10.0.2.2 dev eth0 \n10.10.2.0/24 via 10.10.2.0 dev flannel.1 onlink \n10.10.3.0/24 via 10.10.3.0 dev flannel.1 onlink ",
        );
        let swapped = v(
            "10.10.3.0/24 via 10.10.3.0 dev flannel.1 onlink\n10.10.2.0/24 via 10.10.2.0 dev flannel.1 onlink",
        );
        assert!(missing_routes(&swapped, &lab).is_empty());
        assert_eq!(missing_in_order(&swapped, &lab).len(), 1);
        let wrong = v("10.10.3.0/24 via 10.10.3.0 dev cni0");
        assert_eq!(
            missing_routes(&wrong, &lab),
            [
                "the book shows `10.10.3.0/24 via 10.10.3.0 dev cni0`; the lab's output has no such line"
            ]
        );
    }

    #[test]
    fn cut_output_is_compared_on_what_it_shows() {
        assert!(is_elision("...") && is_elision(" [...] ") && is_elision("\u{2026}"));
        assert!(is_elision("<snip>") && !is_elision("..") && !is_elision("a..."));
        let head = "Destination Gateway Genmask Flags Metric Ref Use Iface";
        let lab = v(&format!(
            "{head}\n10.244.1.0 0.0.0.0 255.255.255.0 U 0 0 0 cni0\n10.244.2.0 10.244.2.0 255.255.255.0 UG 0 0 0 flannel.1"
        ));
        let cut = v(&format!(
            "{head}\n10.244.1.0 0.0.0.0 255.255.255.0 U 0 0 0 cni0\n..."
        ));
        assert!(routes(&cut, &lab).is_empty());
        // Uncut, the lab's other row is a difference; cut or not, a wrong row is.
        assert_eq!(routes(&cut[..2], &lab).len(), 1);
        let wrong = v(&format!(
            "{head}\n10.244.1.0 0.0.0.0 255.255.255.0 U 0 0 0 flannel.1\n..."
        ));
        assert_eq!(routes(&wrong, &lab).len(), 1);
        assert!(missing_in_order(&v("a\n...\nc"), &v("a\nb\nc")).is_empty());
        let t = |s: &str| Table::parse(&v(s)).unwrap();
        let lab = t(
            "NAME    READY   STATUS    IP         NODE\nweb-1   1/1     Running   10.0.1.2   w1\nweb-2   1/1     Running   10.0.2.2   w2",
        );
        let book =
            t("NAME    READY   STATUS    IP         NODE\nweb-9   1/1     Running   10.0.1.2   w1");
        assert!(tables(&book, &lab, true).is_empty());
        assert_eq!(tables(&book, &lab, false).len(), 1);
        let book =
            t("NAME    READY   STATUS    IP         NODE\nweb-9   1/1     Running   10.0.1.9   w1");
        assert_eq!(tables(&book, &lab, true).len(), 1);
    }

    #[test]
    fn route_rows_compare() {
        let b = v(
            "Destination Gateway Genmask Flags Metric Ref Use Iface\n10.244.1.0 0.0.0.0 255.255.255.0 U 0 0 0 cni0\n172.17.0.0 0.0.0.0 255.255.0.0 U 0 0 0 docker0",
        );
        let l = v(
            "Kernel IP routing table\n10.244.1.0      0.0.0.0         255.255.255.0   U     0      0        0 cni0",
        );
        assert_eq!(
            routes(&b, &l),
            [
                "route -n: the book has the row `172.17.0.0 0.0.0.0 255.255.0.0 U docker0`; the lab has none"
            ]
        );
    }

    #[test]
    fn every_reply_is_compared() {
        let book = v(
            "64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.054 ms\n64 bytes from 10.244.1.2: icmp_seq=2 ttl=64 time=0.060 ms",
        );
        let same = v(
            "64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=1 ms\n64 bytes from 10.244.1.2: icmp_seq=2 ttl=64 time=1 ms",
        );
        assert!(ping_replies(&book, &same).is_empty());
        let second = v(
            "64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=1 ms\n64 bytes from 10.244.1.2: icmp_seq=2 ttl=63 time=1 ms",
        );
        assert_eq!(
            ping_replies(&book, &second),
            [
                "ping reply 2: the book shows from 10.244.1.2 icmp_seq 2 of the run ttl 64; the lab shows from 10.244.1.2 icmp_seq 2 of the run ttl 63"
            ]
        );
        let one = v("64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=1 ms");
        assert_eq!(
            ping_replies(&book, &one)[0],
            "ping: the book shows 2 replies; the lab shows 1"
        );
        // BSD's ping counts from 0, iputils' from 1: the same first reply.
        let bsd = v("56 bytes from 10.244.3.4: icmp_seq=0 ttl=62 time=0.947 ms");
        let iputils = v("64 bytes from 10.244.3.4: icmp_seq=1 ttl=62 time=1 ms");
        assert!(ping_replies(&bsd, &iputils).is_empty());
    }

    #[test]
    fn an_error_the_book_does_not_show_is_a_difference() {
        let lab = v("tcpdump: eth0: No such device exists\n(SIOCGIFHWADDR: No such device)");
        assert_eq!(errors_not_in_book(&[], &lab).len(), 2);
        assert!(errors_not_in_book(&lab, &lab).is_empty());
        assert!(errors_not_in_book(&[], &v("FLANNEL_SUBNET=10.244.1.1/24")).is_empty());
    }
}
