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

impl Replayer<'_> {
    /// What the reader deleted that `pod` (the lab's name or the book's;
    /// `names`: each lab pod's workload, where known) is a pod of: a
    /// workload the chapter deleted and has not applied again, or the pod
    /// network after its delete and before a network file's apply. Said
    /// as the `why` line names it.
    fn gone_maker(&self, pod: &str, names: &[(String, String)]) -> Option<String> {
        if kind_of(self.lab, pod) == PodKind::Flannel {
            let (line, file) = self.net_deleted.as_ref()?;
            return Some(format!(
                "the pod network (`kubectl delete -f {file}`, line {line})"
            ));
        }
        let workload = names
            .iter()
            .find(|(n, _)| n == pod)
            .map(|(_, w)| w.as_str())
            .unwrap_or_else(|| owner_of(pod));
        let gone = self.gone_workloads.get(workload)?;
        Some(format!("{workload} (line {})", gone.line))
    }

    /// Take out of `lab` and `book` (`None`: kubectl's `No resources
    /// found`, no row) the rows of the pods the reader deleted
    /// ([`Self::gone_maker`]). The `why` line naming what was set aside,
    /// or none (nothing to set aside, or the book shows no other row, its
    /// `No resources found` included: then the tables stay whole and the
    /// command is skipped, nothing of the lab's compared).
    pub(super) fn gone_rows_set_aside(
        &self,
        book: Option<&mut Table>,
        lab: &mut Table,
        names: &[(String, String)],
    ) -> Option<String> {
        if self.gone_workloads.is_empty() && self.net_deleted.is_none() {
            return None;
        }
        // Each row of `t` of a pod the reader deleted, with its maker.
        let gone = |t: &Table| -> Vec<(usize, String)> {
            let Some(name) = t.col("NAME") else {
                return Vec::new();
            };
            t.rows
                .iter()
                .enumerate()
                .filter_map(|(i, r)| Some((i, self.gone_maker(r.get(name)?, names)?)))
                .collect()
        };
        let in_lab = gone(lab);
        let in_book = book.as_deref().map(gone).unwrap_or_default();
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
