//! probe21be, lesser 1: the pod names of the book's `kubectl get pods`
//! tables were never checked, against kubectl or against each other (only
//! the row count and READY/STATUS/NODE/IP were). Each chapter below is
//! `labs/chapter4/chapter.md` with the first flannel table's row
//! `kube-flannel-ds-59hmh` (line 41) changed, each rc 0 before the fix:
//! renamed `…59hmx` while the later `-o wide` table (line 117) and the
//! exec keep `59hmh` (`d1`); a second row of `kube-flannel-ds-v8m8f`
//! (`d10`); upper case `59HMH` (`d11`); a 12-character tail (`d8`). Each is
//! now drift of the table's block. Seen failing first: with the check
//! taken out each case was rc 0.

use serde_json::Value;

const ROW: &str = "kube-flannel-ds-59hmh   1/1       Running   0          45s";

/// `lab book` of chapter4 with the row of line 41 replaced by `to`, with
/// chapter4's known drift: exit code, terminal, JSON report.
fn book_changed(to: &str) -> (i32, String, Value) {
    crate::book::book_chapter4_changed("bbn", |text| {
        assert_eq!(text.matches(ROW).count(), 1, "{}", ROW);
        text.replacen(ROW, to, 1)
    })
}

/// Each name kubectl would not print, or two tables of the same pods that
/// disagree, drifts the table's block, saying why.
#[test]
fn pod_names_the_book_contradicts_or_no_cluster_makes_drift() {
    for (pod, line, said) in [
        (
            "kube-flannel-ds-59hmx",
            116,
            "kubectl get pods: the book's pod kube-flannel-ds-59hmx of kube-flannel-ds (line 38) is not in this table of the same pods",
        ),
        (
            "kube-flannel-ds-v8m8f",
            37,
            "kubectl get pods: the book's table shows pod kube-flannel-ds-v8m8f on two rows",
        ),
        (
            "kube-flannel-ds-59HMH",
            37,
            "kubectl get pods: the book's pod name kube-flannel-ds-59HMH is no name kubectl prints",
        ),
        (
            "kube-flannel-ds-59hmhqqqqqqq",
            37,
            "kubectl get pods: the book's pod name kube-flannel-ds-59hmhqqqqqqq is no name kubectl prints",
        ),
    ] {
        let to = ROW.replacen("kube-flannel-ds-59hmh", &format!("{pod:<21}"), 1);
        let (code, stdout, v) = book_changed(&to);
        assert_eq!(code, 1, "{pod}: {stdout}");
        let b = crate::book::block(&v, line);
        assert_eq!(b["verdict"], "drift", "{pod}: {b}");
        let differences: Vec<Value> = b["commands"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["differences"].as_array().cloned().unwrap_or_default())
            .collect();
        assert!(
            differences
                .iter()
                .any(|d| d.as_str().is_some_and(|d| d.starts_with(said))),
            "{pod}: {b}"
        );
    }
}
