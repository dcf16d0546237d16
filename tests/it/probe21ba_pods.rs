//! probe21ba, lesser 7 and 8: two false reds of correct lines about pods.
//! (7) `kubectl apply -f nginx-deployment.yaml` of the unchanged file (a
//! real cluster answers `unchanged` and keeps its pods) was taken as a new
//! generation of pods, and the correct rest of chapter 4 drifted (lines
//! 221, 237, 260: "10.244.1.3 … is no pod's address in the book's run").
//! (8) `exec -n kube-system kube-flannel-ds-4mwc7 -- cat
//! /run/flannel/subnet.env`, a pod of the fix's table without NODE, was an
//! `error` of the lab's. Each chapter is chapter 4 with the probe's block
//! inserted (AP1, AP2). Seen failing first: the build before the fix gave
//! rc 1 for each (3 drift; 1 error).

use crate::book::{book_with_chapter4_known, command, report_commands};

/// The same file applied again keeps the fix's pods: the chapter passes,
/// its inserted exec and the chapter's own pings bound to them.
#[test]
fn an_apply_of_the_unchanged_file_keeps_the_pods() {
    let (code, stdout, v) =
        book_with_chapter4_known("bba", "book/probe21ba_pods/reapply-unchanged-nginx.md");
    assert_eq!(code, 0, "{stdout}");
    let exec = report_commands(&v)
        .into_iter()
        .find(|c| {
            c["command"]
                .as_str()
                .is_some_and(|s| s.ends_with("rq75g -- ping -c 1 10.244.1.3"))
        })
        .unwrap();
    assert!(
        exec["bindings"].as_array().unwrap().iter().any(|b| b
            .as_str()
            .unwrap_or("")
            .starts_with("10.244.1.3 (book) = nginx pod on node1")),
        "{exec}"
    );
    let bad: Vec<serde_json::Value> = report_commands(&v)
        .into_iter()
        .filter(|c| {
            ["drift", "error", "not_understood"].contains(&c["verdict"].as_str().unwrap_or(""))
        })
        .collect();
    assert!(bad.is_empty(), "{bad:?}");
}

/// A flannel pod shown without its node is not compared, and says why;
/// never an error of the lab's, and never a pass: `not_understood`
/// (probe21bc, finding 1: `skipped`, a pod renamed in the book's one table
/// with NODE had every claim about it uncompared, and the chapter passed).
#[test]
fn a_flannel_pod_shown_without_its_node_is_not_understood() {
    let (code, stdout, v) =
        book_with_chapter4_known("bbb", "book/probe21ba_pods/flannel-exec-without-node.md");
    assert_eq!(code, 1, "{stdout}");
    let c = command(&v, 218);
    assert_eq!(c["verdict"], "not_understood", "{c}");
    assert!(
        c["reason"].as_str().unwrap_or("").contains(
            "the book shows flannel pod kube-flannel-ds-4mwc7 (line 197) but never its node"
        ),
        "{c}"
    );
}
