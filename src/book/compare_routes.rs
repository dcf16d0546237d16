//! `route -n`'s rows compared ([`routes`]): apart from `compare.rs` to
//! keep that file short; [`super::compare`] re-exports what others use.
//! Each row is a fact (destination, gateway, mask, flags, interface),
//! counted; its metric and Ref compared, its Use a number.

use super::compare::{is_elision, squash};

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
pub(super) fn row_counts(rows: &[String]) -> std::collections::HashMap<&str, usize> {
    let mut n = std::collections::HashMap::new();
    for r in rows {
        *n.entry(r.as_str()).or_default() += 1;
    }
    n
}

/// `route -n`'s title or its header of columns, each as a whole, or a
/// cut mark. A header with more after it (`… Use Iface (node2 route
/// missing)`) is a claim, no header (probe21by, finding 7: its words were
/// dropped with it).
fn is_route_title(line: &str) -> bool {
    let w: Vec<&str> = line.split_whitespace().collect();
    w == ["Kernel", "IP", "routing", "table"]
        || w == [
            "Destination",
            "Gateway",
            "Genmask",
            "Flags",
            "Metric",
            "Ref",
            "Use",
            "Iface",
        ]
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
    // where the book shows 0), and its Ref (0 on Linux) as a number; its
    // Use counts lookups, which vary, so it need only be a number. Their
    // own sentences, so that the row's stays what known-drift files name.
    fn cols(l: &str) -> Option<(String, [&str; 3])> {
        let (row, _) = route_row(l)?;
        let w: Vec<&str> = l.split_whitespace().collect();
        Some((row, [w[4], w[5], w[6]]))
    }
    let bm: Vec<(String, [&str; 3])> = book.iter().filter_map(|l| cols(l)).collect();
    let lm: Vec<(String, [&str; 3])> = lab.iter().filter_map(|l| cols(l)).collect();
    for (row, [m, rf, us]) in &bm {
        for (name, x) in [("metric", m), ("Ref", rf), ("Use", us)] {
            if x.parse::<u64>().is_err() {
                d.push(format!(
                    "route -n: the row `{row}` has {name} `{x}` in the book, which is no number"
                ));
            }
        }
        let Some((_, [lm_, lrf, _])) = lm.iter().find(|(r, _)| r == row) else {
            continue;
        };
        if lm_ != m {
            d.push(format!(
                "route -n: the row `{row}` has metric {m} in the book; the lab's has {lm_}"
            ));
        }
        let num = |x: &str| x.parse::<u64>().ok();
        if num(rf).is_some() && num(rf) != num(lrf) {
            d.push(format!(
                "route -n: the row `{row}` has Ref {rf} in the book; the lab's has {lrf}"
            ));
        }
    }
    d
}
