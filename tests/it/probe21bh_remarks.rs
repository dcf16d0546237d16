//! `lab book` on probe21bh's finding 3: a command's remark of place or
//! outcome is the author's claim, whether written in brackets or as a
//! shell comment, and in any of its common wordings. Chapters made here
//! from `labs/chapter4/chapter.md` with remarks changed, replayed with
//! chapter4's own known drift:
//! - `ping 10.244.3.3 # same node` (node2's pod, typed in node1's session)
//!   and `ping 10.244.1.2  # across node` (node1's own pod) drift, as the
//!   bracket forms do;
//! - `(same-node)`, `(same host)`, `(local)` on the ping across nodes,
//!   `(pod on node2)` and `(same node as nginx-deployment-…-rfj56)` on
//!   node1's own pod, `(across node: works)` and `(across node, replies)`
//!   on the broken ping across nodes (the lab's gets no reply) drift;
//! - a remark of outcome lab cannot read (`# 100% loss`), or a node named
//!   on `exit` (left or returned to?), is not understood, never `match`
//!   or `skipped`;
//! - a curl's remark of outcome (`# same node, no answer`) is checked
//!   against the lab's curl;
//! - true remarks in these wordings, and a comment that claims nothing
//!   (`# ping the pod`), pass.
//!
//! Seen failing with the fix off (src as at 7b1e568, these tests as
//! here): `a_wrong_remark_of_place_or_outcome_is_not_green` failed at its
//! first case (`# same node`: rc 0, not 1); the probe's own runs of the
//! bracket wordings (F6b, F6d, F6e, F14, F15, F16b, F22) gave rc 0 with
//! the ping `match` on that build too; `exit # back on master` stayed
//! rc 0 (the `exit` `skipped`) until a skipped line's unread remark made
//! it not understood (seen by hand, `lab book` of the same chapter).

use serde_json::Value;

/// chapter4's chapter with each `(from, to)` line changed (its first
/// occurrence).
fn book(changes: &[(&str, &str)]) -> (i32, String, Value) {
    let changes: Vec<(String, String)> = changes
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    crate::book::book_chapter4_changed("fxrem", move |text| {
        let mut text = text.to_string();
        for (from, to) in &changes {
            assert!(text.contains(from.as_str()), "{from}");
            text = text.replacen(from.as_str(), to, 1);
        }
        text
    })
}

const SAME_84: &str = "ping 10.244.1.2  (same node)";
const ACROSS_90: &str = "ping 10.244.3.3 (across node)";
const ACROSS_232: &str = "ping 10.244.3.4 (across node)";

/// Each case: the line changed to, the line of its command, and the start
/// of its first difference.
fn wrong(name: &str) -> (i32, String, Value) {
    let (from, to) = match name {
        "comment-same" => (ACROSS_90, "ping 10.244.3.3 # same node"),
        "comment-across" => (SAME_84, "ping 10.244.1.2  # across node"),
        "same-node" => (ACROSS_232, "ping 10.244.3.4 (same-node)"),
        "same-host" => (ACROSS_232, "ping 10.244.3.4 (same host)"),
        "local" => (ACROSS_232, "ping 10.244.3.4 (local)"),
        "pod-on" => (SAME_84, "ping 10.244.1.2  (pod on node2)"),
        "same-as" => (
            SAME_84,
            "ping 10.244.1.2  (same node as nginx-deployment-75675f5897-rfj56)",
        ),
        "works" => (ACROSS_90, "ping 10.244.3.3 (across node: works)"),
        "replies" => (ACROSS_90, "ping 10.244.3.3 # across node, replies"),
        "loss" => (ACROSS_90, "ping 10.244.3.3 # 100% loss"),
        "exit-on" => ("exit (from node1)", "exit # back on master"),
        // A curl put in before node1's first `exit` (line 94).
        "curl" => (
            "exit (from node1)",
            "curl -s 10.244.1.2 # same node, no answer\n<title>Welcome to nginx!</title>\n\nexit (from node1)",
        ),
        _ => panic!("no case {name}"),
    };
    book(&[(from, to)])
}

/// probe21bh, finding 3: a wrong remark drifts in either form and in
/// other words; one lab cannot read is not understood.
#[test]
fn a_wrong_remark_of_place_or_outcome_is_not_green() {
    let same_90 = "ping 10.244.3.3 # same node: the remark says 10.244.3.3 is a pod of the same node, but the book's own tables put it on node2, and the line is typed in node1's session";
    let across_84 = "ping 10.244.1.2 # across node: the remark says 10.244.1.2 is a pod of another node, but the book's own tables put it on node1";
    let local_232 = |r: &str| {
        format!(
            "ping 10.244.3.4 ({r}): the remark says 10.244.3.4 is a pod of the same node, but the book's own tables put it on node2"
        )
    };
    let no_answer = "the remark says the line gets an answer, but the lab's got none";
    crate::book::fails_at(
        wrong,
        &[
            ("comment-same", 90, "drift", same_90),
            ("comment-across", 84, "drift", across_84),
            ("same-node", 232, "drift", &local_232("same-node")),
            ("same-host", 232, "drift", &local_232("same host")),
            ("local", 232, "drift", &local_232("local")),
            (
                "pod-on",
                84,
                "drift",
                "ping 10.244.1.2 (pod on node2): the remark says 10.244.1.2 is on node2, but the book's own tables put it on node1",
            ),
            (
                "same-as",
                84,
                "drift",
                "ping 10.244.1.2 (same node as nginx-deployment-75675f5897-rfj56): the remark says 10.244.1.2 is on the same node as nginx-deployment-75675f5897-rfj56, but the book's own tables put it on node1",
            ),
            (
                "works",
                90,
                "drift",
                &format!("ping 10.244.3.3 (across node: works): {no_answer}"),
            ),
            (
                "replies",
                90,
                "drift",
                &format!("ping 10.244.3.3 # across node, replies: {no_answer}"),
            ),
            (
                "loss",
                90,
                "not_understood",
                "`ping 10.244.3.3 # 100% loss`: the remark has words lab does not read (`100% loss`)",
            ),
            (
                "exit-on",
                94,
                "not_understood",
                "`exit # back on master`: the remark names a node on `exit`",
            ),
            (
                "curl",
                94,
                "drift",
                "curl -s 10.244.1.2 # same node, no answer: the remark says the line gets no answer, but the lab's got one",
            ),
        ],
    );
}

/// True remarks in these wordings and forms, and a comment that claims
/// nothing, leave the chapter passing.
#[test]
fn true_remarks_in_other_words_pass() {
    let (code, stdout, v) = book(&[
        (SAME_84, "ping 10.244.1.2  # local, replies"),
        (ACROSS_90, "ping 10.244.3.3 # Across-Nodes: no reply"),
        ("exit (from node1)", "exit # from node1"),
        (
            "ping 10.244.1.3 (same node)",
            "ping 10.244.1.3 # ping the pod",
        ),
        (ACROSS_232, "ping 10.244.3.4 (cross-node, works)"),
    ]);
    assert_eq!(code, 0, "{stdout}");
    for line in [84, 90, 227, 232] {
        let c = crate::book::command(&v, line);
        assert_eq!(crate::book::said(&c, "verdict"), "match", "{line}: {c}");
    }
}
