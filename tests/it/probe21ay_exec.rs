//! probe21ay, finding 1: `kubectl exec` and `kubectl logs` ignored the
//! line's namespace, and a pod name the chapter deleted bound again after
//! the next `apply -f`: a line the reader's kubectl answers with `Error
//! from server (NotFound)` ran in a lab pod and agreed, and the chapter
//! passed (rc 0). Each chapter is chapter 4 with one such block inserted
//! (the probe's G1, G2, G3, G5, G8); each now fails at that block alone,
//! saying why the reader's kubectl finds no pod, and nothing of it ran in
//! the lab. Seen failing first: the build before the fix (8c2e414) gave
//! rc 0 for each, the block `skipped`.

use crate::book::{book_with_chapter4_known, command, report_commands};

/// (fixture, the inserted command's line, what its drift says).
const CASES: &[(&str, u64, &str)] = &[
    (
        "flannel-exec-without-n.md",
        156,
        "the reader's kubectl finds no pod kube-flannel-ds-zzkf7 in namespace default, where a line without -n looks (the book's pod kube-flannel-ds-zzkf7 is in kube-system)",
    ),
    (
        "nginx-exec-in-kube-system.md",
        113,
        "the reader's kubectl finds no pod nginx-deployment-75675f5897-4dm42 in namespace kube-system (the book's pod nginx-deployment-75675f5897-4dm42 is in default)",
    ),
    (
        "flannel-logs-without-n.md",
        182,
        "the reader's kubectl finds no pod kube-flannel-ds-zzkf7 in namespace default",
    ),
    (
        "deleted-nginx-after-apply.md",
        218,
        "nginx-deployment-75675f5897-4dm42 was deleted at line 185 with `kubectl delete -f nginx-deployment.yaml`; the pods after line 204's apply have new names",
    ),
    (
        "deleted-flannel-after-apply.md",
        218,
        "kube-flannel-ds-zzkf7 was deleted at line 189 with `kubectl delete -f flannel.yml`; the pods after line 195's apply have new names",
    ),
];

/// Each chapter fails (rc 1) with the inserted line its only drift.
#[test]
fn a_pod_the_readers_kubectl_does_not_find_drifts() {
    for (name, line, says) in CASES {
        let fixture = format!("book/probe21ay_exec/{name}");
        let (code, stdout, v) = book_with_chapter4_known("bay", &fixture);
        assert_eq!(code, 1, "{name}: {stdout}");
        let c = command(&v, *line);
        assert_eq!(c["verdict"], "drift", "{name}: {c}");
        assert!(
            c["differences"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d.as_str().unwrap_or("").contains(says)),
            "{name}: {c}"
        );
        assert!(c["lab"].as_array().unwrap().is_empty(), "{name}: {c}");
        let drifts: Vec<u64> = report_commands(&v)
            .iter()
            .filter(|c| c["verdict"] == "drift")
            .filter_map(|c| c["line"].as_u64())
            .collect();
        assert_eq!(drifts, [*line], "{name}: {stdout}");
    }
}
