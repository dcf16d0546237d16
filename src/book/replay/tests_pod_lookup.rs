//! A pod the reader's kubectl does not find (probe21ay, finding 1): a line
//! whose `-n` (or `default`, without one) is not its pod's namespace, and
//! a pod name of a generation the chapter's `delete -f` ended, drift with
//! why, and nothing of them runs in the lab; the same lines in the pod's
//! own namespace, or with a pod alive there, do not. Against the scripted
//! netns lab with the real kubectl offline (no root). Each drift here was
//! seen failing before the fix: the line ran in the lab pod the book's
//! name bound to, and was `skipped` (a flannel pod the book never showed
//! with its NODE: `error`).

use super::super::super::tests::{block, chapter4, replied};
use super::super::super::tests_drift::{dashed_with, netns, on, on_netns};
use crate::book::{BlockReport, BookReport, CommandReport, Verdict};
use crate::session::fake::FakeSession;

/// Chapter 4 up to its first `get pods -o wide` table (the nginx pods
/// bound; no flannel pod shown yet), then `block`, and the block's line.
fn head_with(block: &str) -> (String, usize) {
    let (_, c) = chapter4();
    let head: Vec<&str> = c.text.lines().take(75).collect();
    (format!("{}\n\n{block}", head.join("\n")), head.len() + 2)
}

fn exec_block(line: &str, output: &str) -> String {
    format!("```bash\nkubectl --kubeconfig ./admin.conf {line}\n\n{output}\n```\n")
}

/// The only command of the block at `line`.
fn only(r: &BookReport, line: usize) -> &CommandReport {
    let b: &BlockReport = block(r, line);
    assert_eq!(b.commands.len(), 1, "{:#?}", b.commands);
    &b.commands[0]
}

fn says(c: &CommandReport, words: &str) -> bool {
    c.differences.iter().any(|d| d.contains(words))
}

const SUBNET: &str = "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24";
const REPLY: &str = "PING 10.244.1.2 (10.244.1.2) 56(84) bytes of data.\n64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.054 ms";

/// A flannel pod without `-n` (kubectl looks in `default`): drift for the
/// namespace, not an error about its NODE (lesser E7/E8); `exec` and
/// `logs` alike.
#[tokio::test]
async fn a_flannel_pod_without_its_namespace_is_not_found() {
    for line in [
        "exec kube-flannel-ds-zzkf7 -- cat /run/flannel/subnet.env",
        "logs kube-flannel-ds-zzkf7",
    ] {
        let (text, at) = head_with(&exec_block(line, SUBNET));
        let r = on_netns(&text).await;
        let c = only(&r, at);
        assert_eq!(c.verdict, Verdict::Drift, "{line}: {c:#?}");
        assert!(
            says(
                c,
                "finds no pod kube-flannel-ds-zzkf7 in namespace default, where a line without -n looks (the book's pod kube-flannel-ds-zzkf7 is in kube-system)"
            ),
            "{line}: {c:#?}"
        );
        assert!(c.lab.is_empty(), "nothing ran: {c:#?}");
    }
}

/// An nginx pod (in `default`) asked for in `kube-system` drifts; the same
/// line in its own namespace (`--namespace=default`, or no `-n`) does not.
#[tokio::test]
async fn a_workload_pod_in_another_namespace_is_not_found() {
    let pod = "nginx-deployment-75675f5897-4dm42";
    let wrong = format!("exec -n kube-system {pod} -- ping -c 1 10.244.1.2");
    let (text, at) = head_with(&exec_block(&wrong, REPLY));
    let r = on_netns(&text).await;
    let c = only(&r, at);
    assert_eq!(c.verdict, Verdict::Drift, "{c:#?}");
    assert!(
        says(
            c,
            &format!(
                "finds no pod {pod} in namespace kube-system (the book's pod {pod} is in default)"
            )
        ),
        "{c:#?}"
    );
    assert!(
        c.why.iter().any(|w| w.contains(&format!(
            "Error from server (NotFound): pods \"{pod}\" not found"
        ))),
        "{c:#?}"
    );
    for right in [
        format!("exec --namespace=default {pod} -- ping -c 1 10.244.1.2"),
        format!("exec {pod} -- ping -c 1 10.244.1.2"),
    ] {
        let (text, at) = head_with(&exec_block(&right, REPLY));
        let pod = || {
            FakeSession::new().in_pod(
                "nginx-deployment-node1-0",
                " 10.244.1.2",
                replied(&format!("{REPLY}\n")),
            )
        };
        let r = on(&text, pod().merge(netns(false)), pod().merge(netns(true))).await;
        let c = only(&r, at);
        assert!(c.differences.is_empty(), "{right}: {c:#?}");
        assert!(!c.lab.is_empty(), "{right}: ran in the lab pod: {c:#?}");
    }
}

/// kubectl refuses `exec POD CMD` first; the fixed line still finds no
/// pod: both are said, and nothing runs in the lab.
#[tokio::test]
async fn a_refused_line_for_a_pod_not_found_says_both() {
    let line = "exec kube-flannel-ds-zzkf7 cat /run/flannel/subnet.env";
    let (text, at) = head_with(&exec_block(line, SUBNET));
    let r = on_netns(&text).await;
    let c = only(&r, at);
    assert_eq!(c.verdict, Verdict::Drift, "{c:#?}");
    assert!(says(c, "is not supported anymore"), "{c:#?}");
    assert!(
        says(c, "finds no pod kube-flannel-ds-zzkf7 in namespace default"),
        "{c:#?}"
    );
    assert!(c.lab.is_empty(), "{c:#?}");
}

/// The book showing kubectl's NotFound for such a line is what the reader
/// meets: no drift.
#[tokio::test]
async fn a_book_showing_not_found_is_what_the_reader_meets() {
    let line = "exec kube-flannel-ds-zzkf7 -- cat /run/flannel/subnet.env";
    let shown = "Error from server (NotFound): pods \"kube-flannel-ds-zzkf7\" not found";
    let (text, at) = head_with(&exec_block(line, shown));
    let r = on_netns(&text).await;
    let c = only(&r, at);
    assert!(c.differences.is_empty(), "{c:#?}");
    assert_eq!(c.verdict, Verdict::Skipped, "{c:#?}");
}

/// After the chapter's `delete -f` and its apply, the deleted pods' names
/// name no pod (the fix's table shows new ones): a line with one drifts
/// (a workload's and a flannel pod alike); a pod of the new generation
/// does not.
#[tokio::test]
async fn a_pod_deleted_before_the_apply_is_gone_after_it() {
    let cases = [
        (
            "exec nginx-deployment-75675f5897-4dm42 -- ping -c 1 10.244.1.3",
            "PING 10.244.1.3 (10.244.1.3) 56(84) bytes of data.\n64 bytes from 10.244.1.3: icmp_seq=1 ttl=64 time=0.054 ms",
            "nginx-deployment-75675f5897-4dm42 was deleted at line 185 with `kubectl delete -f nginx-deployment.yaml`; the pods after line 204's apply have new names",
        ),
        (
            "exec -n kube-system kube-flannel-ds-zzkf7 -- cat /run/flannel/subnet.env",
            SUBNET,
            "kube-flannel-ds-zzkf7 was deleted at line 189 with `kubectl delete -f flannel.yml`; the pods after line 195's apply have new names (the book shows kube-flannel-ds-4mwc7",
        ),
    ];
    for (line, output, why) in cases {
        let (text, at) = dashed_with(&exec_block(line, output));
        let r = on_netns(&text).await;
        let c = only(&r, at);
        assert_eq!(c.verdict, Verdict::Drift, "{line}: {c:#?}");
        assert!(says(c, why), "{line}: {c:#?}");
        assert!(c.lab.is_empty(), "{line}: {c:#?}");
    }
    let alive = "exec nginx-deployment-75675f5897-rq75g -- ping -c 1 10.244.3.4";
    let reply = "PING 10.244.3.4 (10.244.3.4) 56(84) bytes of data.\n64 bytes from 10.244.3.4: icmp_seq=1 ttl=62 time=0.900 ms";
    let (text, at) = dashed_with(&exec_block(alive, reply));
    let r = on_netns(&text).await;
    let c = only(&r, at);
    assert!(c.differences.is_empty(), "{c:#?}");
    assert!(!c.lab.is_empty(), "ran in the lab pod: {c:#?}");
}

/// probe21ba, lesser 7: an apply of the unchanged workload file (a real
/// cluster answers `unchanged`) keeps its pods, so a pod of the fix's
/// table and its address still bind after it. Seen failing first: the
/// apply started a new generation, and 10.244.1.3 drifted as "no pod's
/// address in the book's run".
#[tokio::test]
async fn an_apply_of_the_same_file_keeps_the_pods() {
    let apply =
        "```bash\nkubectl --kubeconfig ./admin.conf apply -f nginx-deployment.yaml\n```\n\n";
    let exec = "exec nginx-deployment-75675f5897-rq75g -- ping -c 1 10.244.1.3";
    let reply = "PING 10.244.1.3 (10.244.1.3) 56(84) bytes of data.\n64 bytes from 10.244.1.3: icmp_seq=1 ttl=64 time=0.054 ms";
    let (text, at) = dashed_with(&format!("{apply}{}", exec_block(exec, reply)));
    let pod = || {
        FakeSession::new().in_pod(
            "nginx-deployment-node1-0",
            " 10.244.1.2",
            replied(&format!("{REPLY}\n")),
        )
    };
    let r = on(&text, pod().merge(netns(false)), pod().merge(netns(true))).await;
    let c = only(&r, at + 4);
    assert!(c.differences.is_empty(), "{c:#?}");
    assert!(
        c.bindings
            .iter()
            .any(|b| b == "10.244.1.3 (book) = nginx pod on node1 = 10.244.1.2 (lab)"),
        "{c:#?}"
    );
    assert!(!c.lab.is_empty(), "ran in the lab pod: {c:#?}");
}

/// The same apply shown answering `configured` (the objects changed) makes
/// new pods: the old table's address is no pod's then, and drifts (never
/// bound to a pod the reader may no longer have). A guard: this held
/// before the fix too.
#[tokio::test]
async fn an_apply_the_book_shows_configured_makes_new_pods() {
    let apply = "```bash\nkubectl --kubeconfig ./admin.conf apply -f nginx-deployment.yaml\n\ndeployment.apps/nginx-deployment configured\n```\n\n";
    let exec = "exec nginx-deployment-75675f5897-46tfh -- ping -c 1 10.244.1.3";
    let reply = "PING 10.244.1.3 (10.244.1.3) 56(84) bytes of data.\n64 bytes from 10.244.1.3: icmp_seq=1 ttl=64 time=0.054 ms";
    let (text, at) = dashed_with(&format!("{apply}{}", exec_block(exec, reply)));
    let r = on_netns(&text).await;
    let c = only(&r, at + 6);
    assert_eq!(c.verdict, Verdict::Drift, "{c:#?}");
    assert!(says(c, "is no pod's address in the book's run"), "{c:#?}");
}

/// probe21ba, lesser 8: a flannel pod the book shows only in a table
/// without NODE cannot be placed on a node: the line is not compared
/// (`skipped`, saying why), never an `error` of the lab's. Seen failing
/// first: `error`, "the book never shows flannel pod kube-flannel-ds-4mwc7
/// with its NODE".
#[tokio::test]
async fn a_flannel_pod_shown_without_its_node_is_not_compared() {
    let line = "exec -n kube-system kube-flannel-ds-4mwc7 -- cat /run/flannel/subnet.env";
    let (text, at) = dashed_with(&exec_block(line, SUBNET));
    let r = on_netns(&text).await;
    let c = only(&r, at);
    assert_eq!(c.verdict, Verdict::NotUnderstood, "{c:#?}");
    let reason = c.reason.as_deref().unwrap_or("");
    assert!(
        reason.contains(
            "the book shows flannel pod kube-flannel-ds-4mwc7 (line 197) but never its node"
        ),
        "{c:#?}"
    );
    assert!(c.lab.is_empty(), "{c:#?}");
}

/// probe21bc, finding 2: a line kubectl refuses (`exec POD CMD`) whose
/// pod lab cannot place (a name no table of the book shows; a flannel pod
/// shown only in a table without NODE) is what its fixed line is, `not_understood`,
/// with kubectl's refusal said; an entry of that refusal explains nothing
/// (stale), so the chapter fails. Seen failing first: the refused line kept
/// the refusal's drift, and judged with the entry it was `known_drift`
/// (rc 0) while the reply the book claims under it was never compared.
#[tokio::test]
async fn a_refused_line_whose_pod_lab_cannot_place_is_not_understood() {
    let refusal = "kubectl 1.32 refuses the book's line: error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead";
    let reply = "PING 10.244.3.3 (10.244.3.3): 48 data bytes\n56 bytes from 10.244.3.3: seq=0 ttl=62 time=0.947 ms";
    let cases = [
        (
            "exec -it nginx-deployment-75675f5897-4dm43 ping 10.244.3.3",
            reply,
            "the book never shows pod nginx-deployment-75675f5897-4dm43 in a `kubectl get pods` table",
        ),
        (
            "exec -n kube-system kube-flannel-ds-zzkf7 cat /run/flannel/subnet.env",
            SUBNET,
            "the book shows flannel pod kube-flannel-ds-zzkf7 (line 38) but never its node",
        ),
    ];
    for (line, output, why) in cases {
        let (text, at) = head_with(&exec_block(line, output));
        let mut r = on_netns(&text).await;
        let c = only(&r, at);
        assert_eq!(c.verdict, Verdict::NotUnderstood, "{line}: {c:#?}");
        assert_eq!(c.differences, [refusal], "{line}: {c:#?}");
        let reason = c.reason.clone().unwrap_or_default();
        assert!(
            reason.starts_with("kubectl refuses the line, so the reader's command fails; its meaning could not be run in the lab either")
                && reason.contains(why),
            "{line}: {c:#?}"
        );
        assert!(c.lab.is_empty(), "{line}: {c:#?}");
        // Judged with the refusal's entry, as the shipped file has it.
        let command = c.command.clone();
        let known = crate::book::known::KnownFile {
            version: crate::book::known::VERSION,
            drift: vec![crate::book::known::Entry {
                command: crate::book::known::normalize(&command),
                line: Some(at + 1),
                occurrence: None,
                difference: refusal.into(),
                reason: "kubectl 1.31 removed the form. The lab also ran the fixed line's command, and its output is compared with the book's below it.".into(),
            }],
        };
        crate::book::judge::judge(&mut r, &known);
        assert_eq!(block(&r, at).verdict, Verdict::NotUnderstood, "{line}");
        assert_eq!(r.stale, known.drift, "{line}");
        assert!(!r.ok(), "{line}");
        // The fixed line (`exec POD -- CMD`) is not understood alike.
        let fixed = line
            .replacen(" ping", " -- ping", 1)
            .replacen(" cat", " -- cat", 1);
        let r = on_netns(&text.replace(line, &fixed)).await;
        let c = only(&r, at);
        assert_eq!(c.verdict, Verdict::NotUnderstood, "{fixed}: {c:#?}");
        assert!(c.differences.is_empty(), "{fixed}: {c:#?}");
    }
}
