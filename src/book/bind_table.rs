//! kubectl's tables as a book shows them (`kubectl get`): a header of
//! column names and rows of values, read by the columns' positions where
//! kubectl padded them, and by words where a page collapsed the padding to
//! one space (probe21ad, finding 4). Apart from `bind` for its size.

/// A table as kubectl prints it: a header of column names, rows of words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A table row's values: its words, a value's parenthesised tail kept
/// with it (kubectl 1.22's RESTARTS `7 (2m ago)`: split, the row had more
/// values than columns and was dropped, so a book's table of such rows
/// compared none).
fn row_words(line: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut open = false;
    for w in line.split_whitespace() {
        match out.last_mut() {
            Some(last) if open || w.starts_with('(') => {
                last.push(' ');
                last.push_str(w);
                open = !w.ends_with(')');
            }
            _ => out.push(w.to_string()),
        }
    }
    out
}

/// kubectl's column names of two words, which a header collapsed to
/// single spaces still holds whole.
const TWO_WORD_COLUMNS: [&str; 4] = [
    "NOMINATED NODE",
    "READINESS GATES",
    "LAST SEEN",
    "LAST SCHEDULE",
];

/// The column names of a header whose padding collapsed to one space.
fn collapsed_header(head: &str) -> Vec<String> {
    let words: Vec<&str> = head.split_whitespace().collect();
    let mut out: Vec<String> = Vec::new();
    let mut k = 0;
    while k < words.len() {
        let pair = words.get(k + 1).map(|w| format!("{} {w}", words[k]));
        match pair.filter(|p| TWO_WORD_COLUMNS.contains(&p.as_str())) {
            Some(p) => {
                out.push(p);
                k += 2;
            }
            None => {
                out.push(words[k].to_string());
                k += 1;
            }
        }
    }
    out
}

/// `line`'s values cut at the header's column starts, when it stands
/// under them: each value begins right at its column's start, after a
/// space, and none is empty (a row that does not, is no row).
fn aligned_row(line: &str, header: &[(usize, String)]) -> Option<Vec<String>> {
    let b = line.as_bytes();
    let starts_here = |s: usize| {
        line.is_char_boundary(s)
            && b.get(s).is_some_and(|c| *c != b' ')
            && (s == 0 || b[s - 1] == b' ')
    };
    if !header.iter().all(|(s, _)| starts_here(*s)) {
        return None;
    }
    let values: Vec<String> = header
        .iter()
        .enumerate()
        .map(|(k, (s, _))| {
            let end = header.get(k + 1).map_or(line.len(), |(e, _)| *e);
            line[*s..end].trim().to_string()
        })
        .collect();
    // A word before the first column's start is a line of its own.
    let lead = header.first().map_or(0, |(s, _)| *s);
    (line[..lead].trim().is_empty()).then_some(values)
}

/// Whether kubectl writes `line` to its stderr: a warning (`Warning:
/// v1 ComponentStatus is deprecated …`, an API server's warning) or a klog
/// line (`W1206 20:14:21.123456   12345 loader.go:223] …`).
fn kubectl_stderr(line: &str) -> bool {
    static KLOG: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+(\d+\s+)?\S+:\d+\]")
            .expect("klog's header")
    });
    let t = line.trim();
    t.starts_with("Warning: ") || KLOG.is_match(t)
}

/// `lines` cut after kubectl's stderr lines ([`kubectl_stderr`]) above
/// its output, blank lines among them aside: (those lines, the rest). With
/// none, the rest is `lines`.
fn split_stderr(lines: &[String]) -> (Vec<String>, &[String]) {
    let above = lines
        .iter()
        .take_while(|l| l.trim().is_empty() || kubectl_stderr(l))
        .count();
    let said: Vec<String> = lines[..above]
        .iter()
        .filter(|l| kubectl_stderr(l))
        .cloned()
        .collect();
    match said.is_empty() {
        true => (said, lines),
        false => (said, &lines[above..]),
    }
}

/// A header line's column names and where each starts: kubectl pads
/// columns with at least two spaces; a name may hold one (`NOMINATED
/// NODE`).
fn columns(head: &str) -> Vec<(usize, String)> {
    let mut header: Vec<(usize, String)> = Vec::new();
    let mut start = None;
    let b = head.as_bytes();
    for i in 0..=b.len() {
        let gap = i == b.len()
            || (b[i] == b' '
                && (i + 1 == b.len() || b[i + 1] == b' ' || i > 0 && b[i - 1] == b' '));
        match (start, gap) {
            (None, false) if b[i] != b' ' => start = Some(i),
            (Some(s), true) => {
                header.push((s, head[s..i].trim().to_string()));
                start = None;
            }
            _ => {}
        }
    }
    header
}

/// The column names of the first line of `lines` (after kubectl's
/// stderr and blank lines), in whatever case it shows them, read as
/// [`Table::parse`] reads a header: what a book shows as a table's
/// header, kubectl's or not.
fn header_names(lines: &[String]) -> Vec<String> {
    let (_, lines) = split_stderr(lines);
    let Some(head) = lines.iter().find(|l| !l.trim().is_empty()) else {
        return Vec::new();
    };
    match columns(head).as_slice() {
        [(_, one)] if one.contains(' ') => collapsed_header(one),
        many => many.iter().map(|(_, h)| h.clone()).collect(),
    }
}

impl Table {
    /// kubectl's stderr lines above its output, and the rest
    /// ([`split_stderr`]).
    pub fn stderr_above(lines: &[String]) -> (Vec<String>, &[String]) {
        split_stderr(lines)
    }

    /// The first line's column names, in any case ([`header_names`]).
    pub fn header_shown(lines: &[String]) -> Vec<String> {
        header_names(lines)
    }

    /// The first table in `lines` (a header line of upper-case names).
    /// kubectl pads columns with at least two spaces, and some names have a
    /// space (`NOMINATED NODE`): those are cut by the header's positions.
    /// kubectl's own lines above the header (`Warning: …`, klog's
    /// `W1206 …`: its stderr, [`split_stderr`]) are passed over: read as
    /// the header, the table was none, and never compared (probe21ay,
    /// finding 4).
    pub fn parse(lines: &[String]) -> Option<Table> {
        let (_, lines) = split_stderr(lines);
        let mut it = lines.iter().skip_while(|l| l.trim().is_empty());
        let head = it.next()?;
        let header = columns(head);
        if header.is_empty()
            || !header.iter().all(|(_, h)| {
                h.chars()
                    .all(|c| c.is_ascii_uppercase() || c == '-' || c == ' ')
            })
        {
            return None;
        }
        // One column of several words (`NAME STATUS`): kubectl's padding
        // collapsed to one space, as a page that collapses whitespace
        // shows it. Read by words, as the padded table would be (read as
        // one column, every line was a row: a command the reader types
        // among them was no "line that is no row", probe21ad finding 4).
        if let [(_, one)] = header.as_slice()
            && one.contains(' ')
        {
            let header = collapsed_header(one);
            let rows = it
                .take_while(|l| !l.trim().is_empty())
                .map(|l| row_words(l))
                .filter(|w| w.len() == header.len())
                .collect();
            return Some(Table { header, rows });
        }
        let spaced = header.iter().any(|(_, h)| h.contains(' '));
        let rows = it
            .take_while(|l| !l.trim().is_empty())
            .filter_map(|l| {
                if !spaced {
                    let w = row_words(l);
                    if w.len() == header.len() {
                        return Some(w);
                    }
                    // A value of several words (`OS-IMAGE` `Ubuntu 22.04
                    // LTS` of `get nodes -o wide`): by the header's
                    // positions, where the row stands under them.
                    return aligned_row(l, &header);
                }
                let cut = |i: usize| l.get(i..).map(|_| i).unwrap_or(l.len());
                Some(
                    header
                        .iter()
                        .enumerate()
                        .map(|(k, (s, _))| {
                            let end = header.get(k + 1).map(|(e, _)| cut(*e)).unwrap_or(l.len());
                            l.get(cut(*s)..end).unwrap_or("").trim().to_string()
                        })
                        .collect(),
                )
            })
            .collect();
        Some(Table {
            header: header.into_iter().map(|(_, h)| h).collect(),
            rows,
        })
    }

    pub fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    pub fn values(&self, name: &str) -> Vec<&str> {
        match self.col(name) {
            Some(i) => self.rows.iter().map(|r| r[i].as_str()).collect(),
            None => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &str) -> Vec<String> {
        s.lines().map(str::to_string).collect()
    }

    /// probe21ad, finding 4: a header of one space was one column, so
    /// every line was a row (a command among them too). It is read by its
    /// words; a line of other words than the header's count is no row.
    #[test]
    fn a_header_of_one_space_is_read_by_its_words() {
        let t = Table::parse(&lines(
            "NAME STATUS\nnode1 Ready\nnice ip link set cni0 down\nnode2 NotReady",
        ))
        .unwrap();
        assert_eq!(t.header, ["NAME", "STATUS"]);
        assert_eq!(t.rows, [["node1", "Ready"], ["node2", "NotReady"]]);
        // kubectl's names of two words stay whole; `7 (2m ago)` is one value.
        let t = Table::parse(&lines(
            "NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES\n\
             web-1 1/1 Running 7 (2m ago) 5m 10.244.1.2 node1 <none> <none>",
        ))
        .unwrap();
        assert_eq!(t.header.len(), 9);
        assert_eq!(t.values("NODE"), ["node1"]);
        assert_eq!(t.values("RESTARTS"), ["7 (2m ago)"]);
        // A padded header is read by its columns, as before.
        let t = Table::parse(&lines(
            "NAME      NOMINATED NODE\nnode1     <none>\nip link set cni0 down",
        ))
        .unwrap();
        assert_eq!(t.header, ["NAME", "NOMINATED NODE"]);
        assert_eq!(t.rows.len(), 2);
    }

    /// probe21aq lesser: `get nodes -o wide`'s `OS-IMAGE` (`Ubuntu 22.04
    /// LTS`) is one value, read by the header's positions; a line that
    /// does not stand under the columns is still no row.
    #[test]
    fn a_value_of_several_words_is_read_by_the_columns_it_stands_under() {
        let t = Table::parse(&lines(
            "NAME     STATUS   OS-IMAGE             KERNEL-VERSION\n\
             master   Ready    Ubuntu 22.04 LTS     5.15.0-91-generic\n\
             node1    Ready    Ubuntu 22.04 LTS     5.15.0-91-generic\n\
             ip link set cni0 down",
        ))
        .unwrap();
        assert_eq!(
            t.values("OS-IMAGE"),
            ["Ubuntu 22.04 LTS", "Ubuntu 22.04 LTS"]
        );
        assert_eq!(t.values("NAME"), ["master", "node1"]);
        assert_eq!(t.values("KERNEL-VERSION").len(), 2);
        // Out of line with the columns: no row.
        let t = Table::parse(&lines(
            "NAME     STATUS   OS-IMAGE\nmaster Ready Ubuntu 22.04 LTS",
        ))
        .unwrap();
        assert!(t.rows.is_empty(), "{t:?}");
    }
}

#[cfg(test)]
mod stderr_tests {
    use super::*;

    fn lines(s: &str) -> Vec<String> {
        s.lines().map(str::to_string).collect()
    }

    /// probe21ay, finding 4: kubectl's warning or klog lines above the
    /// header were read as the header, so the book's table was none and
    /// never compared. Seen failing first: `parse` gave None.
    #[test]
    fn kubectls_stderr_above_the_header_is_passed_over() {
        for above in [
            "Warning: v1 ComponentStatus is deprecated in v1.19+",
            "W1206 20:14:21.123456   12345 loader.go:223] Config not found: ./admin.conf",
            "E1206 20:14:21.5   7 memcache.go:265] couldn't get current server API group list",
            "I1206 20:00:00.000000   warnings.go:70] a line without its thread",
        ] {
            let book = lines(&format!(
                "\n{above}\nNAME      STATUS     ROLES    AGE   VERSION\nnode2     NotReady   <none>   3m    v1.10.0"
            ));
            let t = Table::parse(&book).expect(above);
            assert_eq!(t.values("STATUS"), ["NotReady"], "{above}");
            let (said, rest) = split_stderr(&book);
            assert_eq!(said, [above]);
            assert!(rest[0].starts_with("NAME"), "{rest:?}");
        }
        // A line that is no warning stays the first line (no table).
        let book = lines("Error from server (Forbidden): nodes is forbidden\nNAME   STATUS");
        assert!(Table::parse(&book).is_none());
        assert!(split_stderr(&book).0.is_empty());
    }

    /// The header a book shows, in any case: what the replay holds
    /// against kubectl's column names.
    #[test]
    fn a_headers_names_are_read_in_any_case() {
        let book = lines("NAME      Status    ROLES\nnode1     Ready     <none>");
        assert!(Table::parse(&book).is_none());
        assert_eq!(header_names(&book), ["NAME", "Status", "ROLES"]);
        assert_eq!(
            header_names(&lines("Warning: x\nNAME Status NOMINATED NODE")),
            ["NAME", "Status", "NOMINATED NODE"]
        );
        assert!(header_names(&lines("\n\n")).is_empty());
    }
}
