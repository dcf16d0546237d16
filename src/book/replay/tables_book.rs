//! The lines a book shows under a `kubectl get`, read as the reader's
//! kubectl prints them (probe21ay, finding 4). kubectl's own stderr above
//! the table (`Warning: …`, klog's `W1206 …`) is passed over, and the
//! reason says so; a header kubectl does not print (a column name in
//! lower case, a column it has not) is a difference; kubectl's `No
//! resources found` claims no row; and lines from which no table reads
//! are not understood. Each of these was "the book shows no table to
//! compare with", skipped, and the chapter passed.

use crate::book::bind::Table;
use crate::book::recognize::Resource;
use crate::book::{CommandReport, Verdict};

/// The columns kubectl prints for pods (with `-A`, `-o wide`,
/// `--show-labels`), in the versions a book meets.
const POD_COLUMNS: [&str; 11] = [
    "NAMESPACE",
    "NAME",
    "READY",
    "STATUS",
    "RESTARTS",
    "AGE",
    "IP",
    "NODE",
    "NOMINATED NODE",
    "READINESS GATES",
    "LABELS",
];

/// The columns kubectl prints for nodes (with `-o wide`, `--show-labels`).
const NODE_COLUMNS: [&str; 11] = [
    "NAME",
    "STATUS",
    "ROLES",
    "AGE",
    "VERSION",
    "INTERNAL-IP",
    "EXTERNAL-IP",
    "OS-IMAGE",
    "KERNEL-VERSION",
    "CONTAINER-RUNTIME",
    "LABELS",
];

/// What kubectl prints, to its stderr, where a `get` finds nothing.
const NONE_FOUND: &str = "No resources found";

/// Whether `line` is kubectl's `No resources found` line as a whole:
/// `No resources found in NS namespace.` (NS a namespace's name), `No
/// resources found` (`-A`) or an older kubectl's `No resources found.`,
/// nothing after it. Words after it (`… namespace.
/// (both nginx pods crashed)`) are a claim lab cannot read: no such line
/// (probe21by, finding 7).
pub(super) fn none_found(line: &str) -> bool {
    static LINE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"^No resources found(?: in [a-z0-9](?:[-a-z0-9]*[a-z0-9])? namespace\.|\.)?$",
        )
        .expect("kubectl's line")
    });
    LINE.is_match(line.trim())
}

/// The book's output of a `kubectl get`, read.
pub(super) struct Shown {
    /// kubectl's stderr lines above the table, not compared.
    pub stderr: Vec<String>,
    /// The lines after them.
    pub lines: Vec<String>,
    /// The table read from them (a header in lower case read as if
    /// kubectl's, so its rows are compared too).
    pub table: Option<Table>,
    /// How the table is not kubectl's: its header's names, and a value
    /// no kubectl prints in a column not compared (RESTARTS `-1`):
    /// differences.
    pub header: Vec<String>,
    /// The book's `No resources found …` line: a claim of no row.
    pub none_found: Option<String>,
}

/// kubectl's column names for `what` (both kinds' when unknown).
fn known(what: Option<Resource>, name: &str) -> bool {
    let pods = what != Some(Resource::Nodes) && POD_COLUMNS.contains(&name);
    let nodes = what != Some(Resource::Pods) && NODE_COLUMNS.contains(&name);
    pods || nodes
}

/// Whether `names` are a table's header as kubectl's are, in any case:
/// its first column is NAME (NAMESPACE with `-A`).
fn a_header(names: &[String]) -> bool {
    names
        .first()
        .is_some_and(|n| ["NAME", "NAMESPACE"].contains(&n.to_ascii_uppercase().as_str()))
}

/// The differences of a header's `names` from what kubectl prints.
fn not_kubectls(names: &[String], what: Option<Resource>) -> Vec<String> {
    let get = match what {
        Some(Resource::Nodes) => "kubectl get nodes",
        Some(Resource::Pods) => "kubectl get pods",
        None => "kubectl get",
    };
    names
        .iter()
        .filter(|n| !known(what, n))
        .map(|n| {
            let up = n.to_ascii_uppercase();
            if known(what, &up) {
                format!(
                    "{get}: the book's table header shows `{n}`; the reader's kubectl prints `{up}` (its column names are in capitals)"
                )
            } else {
                format!("{get}: the book's table header shows `{n}`, a column kubectl does not print")
            }
        })
        .collect()
}

/// `lines` (the book's, elisions taken out) read as kubectl's output of a
/// `get` of `what` (either kind when unknown).
pub(super) fn read(lines: &[String], what: Option<Resource>) -> Shown {
    let (stderr, rest) = Table::stderr_above(lines);
    let lines = rest.to_vec();
    let names = Table::header_shown(&lines);
    let mut table = Table::parse(&lines);
    if table.is_none() && a_header(&names) {
        // Its rows are still the book's claims: read under the header as
        // kubectl prints it.
        let mut up = lines.clone();
        if let Some(h) = up.iter_mut().find(|l| !l.trim().is_empty()) {
            *h = h.to_ascii_uppercase();
        }
        table = Table::parse(&up);
    }
    let mut header = match table.is_some() || a_header(&names) {
        true => not_kubectls(&names, what),
        false => Vec::new(),
    };
    if let Some(t) = &table {
        header.extend(crate::book::restarts::unprinted(t));
    }
    // Alone: a table under it is another claim, and lab reads none.
    let shown: Vec<&String> = lines.iter().filter(|l| !l.trim().is_empty()).collect();
    let none_found = match shown.as_slice() {
        [one] if table.is_none() && none_found(one) => Some(one.trim().to_string()),
        _ => None,
    };
    Shown {
        stderr,
        lines,
        table,
        header,
        none_found,
    }
}

impl Shown {
    /// The book's lines shown no table is read from (no `No resources
    /// found` either): never skipped as "no table" when it shows any, but
    /// not understood (or a difference, for a header kubectl does not
    /// print); skipped when it shows none. Whether there was no table.
    pub(super) fn unread(&self, r: &mut CommandReport) -> bool {
        if self.table.is_some() || self.none_found.is_some() {
            return false;
        }
        let first = self.lines.iter().find(|l| !l.trim().is_empty());
        match (first, self.stderr.first()) {
            _ if !self.header.is_empty() => {
                r.differences.extend(self.header.iter().cloned());
                r.reason = Some(
                    "the book's table header is not kubectl's, and lab reads no table under it"
                        .into(),
                );
            }
            (Some(line), _) => {
                r.verdict = Verdict::NotUnderstood;
                r.reason = Some(format!(
                    "the book shows `{}` under `kubectl get`, where kubectl prints a table (NAME …) or `{NONE_FOUND} …`: lab reads no table from it and compared nothing",
                    line.trim()
                ));
            }
            (None, Some(said)) => {
                r.verdict = Verdict::NotUnderstood;
                r.reason = Some(format!(
                    "the book shows kubectl's stderr alone under `kubectl get` (`{}`), where kubectl prints a table (NAME …) or `{NONE_FOUND} …`: lab compared nothing",
                    said.trim()
                ));
            }
            (None, None) => {
                // Nothing shown, nothing compared: never a match.
                r.verdict = Verdict::Skipped;
                r.reason = Some("the book shows no table to compare with".into());
            }
        }
        true
    }

    /// The difference of the book's `No resources found …` from `lab`'s
    /// table, if the lab's lists any row.
    pub(super) fn none_found_against(&self, lab: Option<&Table>) -> Option<String> {
        let said = self.none_found.as_ref()?;
        let lab = lab.filter(|l| !l.rows.is_empty())?;
        Some(format!(
            "kubectl get: the book shows `{said}`; the reader's kubectl lists {} ({})",
            lab.rows.len(),
            lab.values("NAME").join(", ")
        ))
    }

    /// The difference of the book's `No resources found in NS namespace.`
    /// from what kubectl prints for the line (probe21bk, lesser 3: a
    /// namespace the line does not ask passed, compared with nothing):
    /// kubectl names the namespace it looked in, the line's `-n` or
    /// `default` (`asked`); with `--all-namespaces`, or for nodes, which
    /// are in none, it names none. A line without a namespace (`No
    /// resources found.`, an older kubectl's) claims none.
    pub(super) fn none_found_elsewhere(
        &self,
        what: Resource,
        all_namespaces: bool,
        asked: &str,
    ) -> Option<String> {
        let said = self.none_found.as_ref()?;
        let named = said
            .strip_prefix(NONE_FOUND)?
            .trim()
            .strip_prefix("in ")?
            .trim_end_matches('.')
            .strip_suffix(" namespace")?
            .trim();
        let prints = match (what, all_namespaces) {
            (Resource::Pods, false) if named == asked => return None,
            (Resource::Pods, false) => format!("`{NONE_FOUND} in {asked} namespace.`"),
            (Resource::Pods, true) => format!("`{NONE_FOUND}` (it looked in every namespace)"),
            (Resource::Nodes, _) => format!("`{NONE_FOUND}` (nodes are in no namespace)"),
        };
        Some(format!(
            "kubectl get: the book shows `{said}`, but for this line kubectl prints {prints}"
        ))
    }

    /// Said of kubectl's stderr lines above the table, which are not
    /// compared.
    pub(super) fn stderr_note(&self) -> Option<String> {
        let first = self.stderr.first()?;
        Some(format!(
            "kubectl's own line{} above the table (`{}`{}) {} its stderr, not compared",
            if self.stderr.len() == 1 { "" } else { "s" },
            first.trim(),
            if self.stderr.len() == 1 { "" } else { ", …" },
            if self.stderr.len() == 1 { "is" } else { "are" },
        ))
    }
}

/// `r`'s reason with `note` after it.
pub(super) fn add_note(r: &mut CommandReport, note: Option<String>) {
    let Some(note) = note else { return };
    r.reason = Some(match r.reason.take() {
        Some(x) => format!("{x}; {note}"),
        None => note,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &str) -> Vec<String> {
        s.lines().map(str::to_string).collect()
    }

    fn report() -> CommandReport {
        CommandReport {
            line: 1,
            command: "kubectl get pods".into(),
            verdict: Verdict::Match,
            ran_on: None,
            ran: None,
            variant: "broken".into(),
            book: vec![],
            lab: vec![],
            bindings: vec![],
            differences: vec![],
            known: vec![],
            reason: None,
            kubectl: None,
            why: vec![],
        }
    }

    /// probe21ay, finding 4 (`T13.md`): a header with a column name in
    /// lower case is not kubectl's: a difference, and its rows are still
    /// read. An unknown column is one too.
    #[test]
    fn a_header_kubectl_does_not_print_is_a_difference() {
        let s = read(
            &lines("NAME      Status    ROLES\nnode2     NotReady  <none>"),
            Some(Resource::Nodes),
        );
        assert_eq!(s.table.unwrap().values("STATUS"), ["NotReady"]);
        assert_eq!(s.header.len(), 1, "{:?}", s.header);
        assert!(s.header[0].contains("prints `STATUS`"), "{:?}", s.header);
        let s = read(&lines("NAME   STATE\nnode1  Ready"), Some(Resource::Nodes));
        assert!(s.header[0].contains("`STATE`, a column kubectl does not print"));
        // A pod's column under `get nodes`.
        let s = read(&lines("NAME   READY\nnode1  1/1"), Some(Resource::Nodes));
        assert_eq!(s.header.len(), 1);
        let s = read(
            &lines("NAME   READY   NOMINATED NODE\nweb    1/1     <none>"),
            Some(Resource::Pods),
        );
        assert!(s.header.is_empty(), "{:?}", s.header);
    }

    /// Lines that are no table are not understood, never "no table".
    #[test]
    fn lines_that_are_no_table_are_not_understood() {
        let mut r = report();
        let s = read(&lines("everything is fine"), None);
        assert!(s.unread(&mut r));
        assert_eq!(r.verdict, Verdict::NotUnderstood);
        let mut r = report();
        let s = read(&lines("Warning: deprecated"), None);
        assert!(s.unread(&mut r));
        assert_eq!(r.verdict, Verdict::NotUnderstood);
        let s = read(
            &lines("No resources found in default namespace.\nNAME  STATUS\nweb   Running"),
            None,
        );
        let mut r = report();
        assert!(s.unread(&mut r));
        assert_eq!(r.verdict, Verdict::NotUnderstood);
        let s = read(&lines("No resources found in default namespace."), None);
        assert!(!s.unread(&mut report()));
        let lab = Table::parse(&lines("NAME  STATUS\nweb   Running")).unwrap();
        assert!(s.none_found_against(Some(&lab)).is_some());
        assert!(s.none_found_against(None).is_none());
    }

    /// probe21by, finding 7: kubectl's `No resources found` line is its
    /// own words alone. Words after it (`… namespace. (both nginx pods
    /// crashed)`) were dropped and the line read as kubectl's; now lab
    /// reads no such line: not understood. Seen failing first: read.
    #[test]
    fn no_resources_found_is_its_own_words_alone() {
        for line in [
            "No resources found in default namespace.",
            "No resources found in kube-system namespace.",
            "No resources found.",
            "No resources found",
        ] {
            assert!(read(&lines(line), None).none_found.is_some(), "{line}");
        }
        for line in [
            "No resources found in kube-system namespace. (both nginx pods crashed)",
            "No resources found in default namespace, nginx still running on node2",
            "No resources found yet.",
        ] {
            let s = read(&lines(line), None);
            assert!(s.none_found.is_none(), "{line}");
            let mut r = report();
            assert!(s.unread(&mut r));
            assert_eq!(r.verdict, Verdict::NotUnderstood, "{line}");
        }
    }

    /// probe21bk, lesser 3: kubectl names the namespace it looked in; a
    /// `No resources found` naming another drifts, one naming none (an
    /// older kubectl's) claims none. Seen failing with the fix off: no
    /// such check (the function did not exist; the it test
    /// `no_resources_found_in_another_namespace_drifts` saw rc 0).
    #[test]
    fn no_resources_found_names_the_namespace_asked() {
        let none = |s: &str| read(&lines(s), Some(Resource::Pods));
        let elsewhere = none("No resources found in kube-system namespace.");
        let d = elsewhere
            .none_found_elsewhere(Resource::Pods, false, "default")
            .unwrap();
        assert!(
            d.ends_with("kubectl prints `No resources found in default namespace.`"),
            "{d}"
        );
        assert!(
            elsewhere
                .none_found_elsewhere(Resource::Pods, false, "kube-system")
                .is_none()
        );
        assert!(
            elsewhere
                .none_found_elsewhere(Resource::Pods, true, "default")
                .unwrap()
                .contains("every namespace")
        );
        assert!(
            elsewhere
                .none_found_elsewhere(Resource::Nodes, false, "default")
                .unwrap()
                .contains("no namespace")
        );
        for claims_none in ["No resources found.", "No resources found"] {
            assert!(
                none(claims_none)
                    .none_found_elsewhere(Resource::Pods, false, "default")
                    .is_none(),
                "{claims_none}"
            );
        }
    }
}
