//! The rows of a `get pods` table that are a deleted workload's, set aside
//! so that the rest is compared (probe21br, finding 2). Between the
//! chapter's `kubectl delete -f` of a workload and its apply again, the
//! reader has none of its pods while the lab keeps its own
//! ([`super::gone`]). A table that showed one of them was skipped whole,
//! every difference moved to "not compared": the pod network's rows
//! (`CrashLoopBackOff`, `0/1`, another node) passed unread. Now only the
//! deleted workload's rows go uncompared (and, after the pod network's
//! delete, its pods' rows), the lab's and the book's alike
//! (the book's such rows are checked by the book's own coherence:
//! [`crate::book::coherence_deleted`]); the rest is compared as anywhere
//! else. A book table of those rows alone, or of none (`No resources
//! found`), keeps the whole skip: nothing of it is the lab's to compare.

use super::Replayer;
use crate::book::bind::{PodKind, Table, kind_of, owner_of};

/// How a `why` line opens that says which rows were set aside (the
/// command is then compared, not skipped, [`Replayer::gone_after`]).
pub(super) const SET_ASIDE: &str = "not compared: the rows of";

/// What a listing asks: its namespace (None: every namespace) and its
/// `-l KEY=VALUE`. A deleted workload's row is set aside only where the
/// listing would show that workload's pods (probe21bu, finding 3: `-l
/// app=flannel` showing nginx's pods `Terminating` passed).
#[derive(Debug, Clone, Copy)]
pub(super) struct Listing<'a> {
    pub namespace: Option<&'a str>,
    pub selector: Option<&'a (String, String)>,
}

/// What the reader deleted that a pod is of ([`Replayer::gone_maker`]).
struct Maker {
    /// As the `why` line names it.
    said: String,
    kind: PodKind,
    /// The line of the delete.
    line: usize,
}

impl Replayer<'_> {
    /// What the reader deleted that `pod` (the lab's name or the book's;
    /// `names`: each lab pod's workload, where known) is a pod of: a
    /// workload the chapter deleted and has not applied again, or the pod
    /// network after its delete and before a network file's apply.
    fn gone_maker(&self, pod: &str, names: &[(String, String)]) -> Option<Maker> {
        if kind_of(self.lab, pod) == PodKind::Flannel {
            let (line, file) = self.net_deleted.as_ref()?;
            return Some(Maker {
                said: format!("the pod network (`kubectl delete -f {file}`, line {line})"),
                kind: PodKind::Flannel,
                line: *line,
            });
        }
        let workload = names
            .iter()
            .find(|(n, _)| n == pod)
            .map(|(_, w)| w.as_str())
            .unwrap_or_else(|| owner_of(pod));
        let gone = self.gone_workloads.get(workload)?;
        let kind = match self.app_of(workload) {
            Some(app) => PodKind::Workload { app: app.into() },
            None => PodKind::Unknown,
        };
        Some(Maker {
            said: format!("{workload} (line {})", gone.line),
            kind,
            line: gone.line,
        })
    }

    /// Whether the book's row of `pod` (in `row_namespace`, where its table
    /// says) is one the reader meets after `maker`'s delete: the listing
    /// shows pods of its kind there, and the pod is one the reader had (a
    /// table before the delete showed it, or none showed any pod of its
    /// kind). probe21bu, lesser 1: a name never shown, `Terminating`,
    /// had the whole table skipped.
    fn book_row_is_gone_pod(
        &self,
        pod: &str,
        row_namespace: Option<&str>,
        maker: &Maker,
        listing: Listing,
    ) -> bool {
        if !crate::book::listing_shows::would_show(
            self.lab,
            listing.namespace,
            listing.selector,
            &maker.kind,
            row_namespace,
        ) {
            return false;
        }
        let before: Vec<&str> = self
            .binding
            .shown
            .iter()
            .filter(|s| s.line < maker.line && kind_of(self.lab, &s.pod) == maker.kind)
            .map(|s| s.pod.as_str())
            .collect();
        before.is_empty() || before.contains(&pod)
    }

    /// Take out of `lab` and `book` (`None`: kubectl's `No resources
    /// found`, no row) the rows of the pods the reader deleted
    /// ([`Self::gone_maker`]; the book's only where `listing` would show
    /// them, [`Self::book_row_is_gone_pod`]). The `why` line naming what
    /// was set aside, or none (nothing to set aside, or the book shows no
    /// other row, its `No resources found` included: then the tables stay
    /// whole and the command is skipped, nothing of the lab's compared).
    pub(super) fn gone_rows_set_aside(
        &self,
        book: Option<&mut Table>,
        lab: &mut Table,
        names: &[(String, String)],
        listing: Listing,
    ) -> Option<String> {
        if self.gone_workloads.is_empty() && self.net_deleted.is_none() {
            return None;
        }
        // Each row of `t` of a pod the reader deleted, with its maker.
        let gone = |t: &Table, book: bool| -> Vec<(usize, String)> {
            let Some(name) = t.col("NAME") else {
                return Vec::new();
            };
            let ns = t.col("NAMESPACE");
            t.rows
                .iter()
                .enumerate()
                .filter_map(|(i, r)| {
                    let pod = r.get(name)?;
                    let maker = self.gone_maker(pod, names)?;
                    let row_ns = ns.and_then(|c| r.get(c)).map(String::as_str);
                    (!book || self.book_row_is_gone_pod(pod, row_ns, &maker, listing))
                        .then_some((i, maker.said))
                })
                .collect()
        };
        let in_lab = gone(lab, false);
        let in_book = book.as_deref().map(|b| gone(b, true)).unwrap_or_default();
        let book_rows = book.as_deref().map(|b| b.rows.len()).unwrap_or(0);
        // A book of no row left (kubectl's `No resources found`, or only
        // such rows) compares nothing of the lab's: skipped whole.
        if (in_lab.is_empty() && in_book.is_empty()) || in_book.len() == book_rows {
            return None;
        }
        let mut which: Vec<String> = in_lab
            .iter()
            .chain(&in_book)
            .map(|(_, m)| m.clone())
            .collect();
        which.sort();
        which.dedup();
        for (i, _) in in_lab.iter().rev() {
            lab.rows.remove(*i);
        }
        if let Some(b) = book {
            for (i, _) in in_book.iter().rev() {
                b.rows.remove(*i);
            }
        }
        Some(format!(
            "{SET_ASIDE} the pods of {}, which the chapter deleted and has not applied again: the reader has none of them, the lab keeps its own; the rest of the table is compared",
            which.join(", ")
        ))
    }
}
