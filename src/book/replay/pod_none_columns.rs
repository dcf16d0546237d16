//! A pod table's NOMINATED NODE and READINESS GATES (`-o wide`), compared
//! (probe21bu, lesser 3: named "not compared" though the lab knows both).
//! The lab places each of its pods on its node at once, so none waits
//! with a node nominated for it, and its pods declare no readiness gate:
//! kubectl prints `<none>` in both columns for each of them (and for the
//! pod network's pods, which declare none either). Any other value is a
//! difference.

use crate::book::bind::Table;

/// The pod table columns whose every value is `<none>` for the lab's pods,
/// and why.
pub(super) const NONE_COLUMNS: [(&str, &str); 2] = [
    (
        "NOMINATED NODE",
        "the lab places each pod on its node at once: none waits with a node nominated",
    ),
    (
        "READINESS GATES",
        "the lab's pods declare no readiness gate",
    ),
];

/// The book's rows (kubeadm's set aside first) whose NOMINATED NODE or
/// READINESS GATES is not `<none>`: a difference each.
pub(super) fn differences(book: &Table) -> Vec<String> {
    let name = book.col("NAME");
    let mut out = Vec::new();
    for (column, why) in NONE_COLUMNS {
        let Some(c) = book.col(column) else {
            continue;
        };
        for row in &book.rows {
            let Some(v) = row.get(c).filter(|v| v.as_str() != "<none>") else {
                continue;
            };
            let pod = name
                .and_then(|n| row.get(n))
                .map_or("a pod", String::as_str);
            out.push(format!(
                "kubectl get pods: the book shows {column} `{v}` for {pod}; kubectl prints `<none>` for each of the lab's pods ({why})"
            ));
        }
    }
    out
}

/// Whether `column` of a pod table is one [`differences`] compares.
pub(super) fn compared(column: &str) -> bool {
    NONE_COLUMNS.iter().any(|(c, _)| *c == column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_none_passes() {
        let t = |v: &str| Table {
            header: vec![
                "NAME".into(),
                "NOMINATED NODE".into(),
                "READINESS GATES".into(),
            ],
            rows: vec![vec!["web-1".into(), "<none>".into(), v.into()]],
        };
        assert!(differences(&t("<none>")).is_empty());
        assert_eq!(differences(&t("1/2")).len(), 1);
    }
}
