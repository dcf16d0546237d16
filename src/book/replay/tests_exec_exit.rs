//! kubectl's `command terminated with exit code N` under a command the
//! book runs with `kubectl exec` ([`crate::book::exec_exit`]): the
//! reader's kubectl prints it when the command exits non-zero, so under a
//! ping that got no reply it agrees with the lab's exit 1 (probe21by X1:
//! "a line ping does not print", drift; probe21ca WE4, after a blank
//! line: the command `command`, not understood), and another code, or `0`,
//! drifts. Against the scripted netns lab with the real kubectl offline
//! (no root); each was seen failing before the fix.

use super::tests::{block, chapter4, failed};
use super::tests_drift::{netns, on};
use crate::book::{CommandReport, Verdict};
use crate::session::fake::FakeSession;

const POD: &str = "nginx-deployment-75675f5897-4dm42";

/// The lab pod's ping of the book's node2 pod in the broken variant: the
/// echo's TTL runs out at node1, and ping exits 1.
const LAB_PING: &str = "PING 10.244.2.2 (10.244.2.2) 56(84) bytes of data.\nFrom 10.244.1.1 icmp_seq=1 Time to live exceeded\n\n--- 10.244.2.2 ping statistics ---\n1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms\n";

/// The book's, in its own addresses.
const BOOK_PING: &str = "PING 10.244.3.3 (10.244.3.3) 56(84) bytes of data.\nFrom 10.244.1.1 icmp_seq=1 Time to live exceeded\n\n--- 10.244.3.3 ping statistics ---\n1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms";

/// Chapter 4 up to its first `get pods -o wide` table (the nginx pods
/// bound), then a block of `line` (after kubectl's flags) and `output`,
/// and the block's line.
fn head_with(line: &str, output: &str) -> (String, usize) {
    let (_, c) = chapter4();
    let head: Vec<&str> = c.text.lines().take(75).collect();
    let block = format!("```bash\nkubectl --kubeconfig ./admin.conf {line}\n\n{output}\n```\n");
    (format!("{}\n\n{block}", head.join("\n")), head.len() + 2)
}

/// The lab whose node1 pod answers `pattern` with `out`.
async fn replayed(text: &str, pattern: &str, out: crate::ssh::Output) -> crate::book::BookReport {
    let pod = || FakeSession::new().in_pod("nginx-deployment-node1-0", pattern, out.clone());
    on(text, pod().merge(netns(false)), pod().merge(netns(true))).await
}

fn only(r: &crate::book::BookReport, line: usize) -> &CommandReport {
    let b = block(r, line);
    assert_eq!(b.commands.len(), 1, "{:#?}", b.commands);
    &b.commands[0]
}

#[tokio::test]
async fn an_exec_pings_exit_line_agrees_with_the_labs_exit() {
    let exec = format!("exec -it {POD} -- ping -c 1 10.244.3.3");
    // Right under the statistics (X1), and after a blank line (WE4).
    for shown in [
        format!("{BOOK_PING}\ncommand terminated with exit code 1"),
        format!("{BOOK_PING}\n\ncommand terminated with exit code 1"),
    ] {
        let (text, at) = head_with(&exec, &shown);
        let r = replayed(&text, " 10.244.2.2", failed(LAB_PING)).await;
        let c = only(&r, at);
        assert!(c.differences.is_empty(), "{shown:?}: {c:#?}");
        assert!(
            matches!(c.verdict, Verdict::Match | Verdict::Skipped),
            "{shown:?}: {c:#?}"
        );
    }
    for (code, said) in [
        (
            "2",
            "kubectl exec: the book shows `command terminated with exit code 2`; in the lab the command exited 1",
        ),
        (
            "0",
            "kubectl exec: the book shows `command terminated with exit code 0`; kubectl prints it only for a command that exits non-zero, never for 0",
        ),
    ] {
        let shown = format!("{BOOK_PING}\ncommand terminated with exit code {code}");
        let (text, at) = head_with(&exec, &shown);
        let r = replayed(&text, " 10.244.2.2", failed(LAB_PING)).await;
        let c = only(&r, at);
        assert_eq!(c.verdict, Verdict::Drift, "{code}: {c:#?}");
        assert_eq!(c.differences, [said], "{code}: {c:#?}");
    }
}

/// The same for any command lab runs in a pod: a `cat` that fails shows
/// kubectl's line under cat's own error; the lab's cat exited 1 too (its
/// failure is drift of its own, as on a node).
#[tokio::test]
async fn an_exec_cats_exit_line_is_kubectls_not_the_files() {
    let exec = format!("exec {POD} -- cat /run/flannel/nothing.env");
    let err = "cat: /run/flannel/nothing.env: No such file or directory";
    // The differences of the block with kubectl's line of `code` under
    // cat's error, the lab's cat having exited 1.
    let differences = |code: i32| {
        let (text, at) = head_with(
            &exec,
            &format!("{err}\ncommand terminated with exit code {code}"),
        );
        async move {
            let r = replayed(
                &text,
                "cat /run/flannel/nothing.env",
                failed(&format!("{err}\n")),
            )
            .await;
            only(&r, at).differences.clone()
        }
    };
    let d = differences(1).await;
    assert!(
        !d.iter().any(|d| d.contains("command terminated")),
        "{d:#?}"
    );
    let d = differences(2).await;
    assert!(
        d.iter().any(|d| d
            == "kubectl exec: the book shows `command terminated with exit code 2`; in the lab the command exited 1"),
        "{d:#?}"
    );
}

/// On a cluster, a curl in a pod that answered: kubectl prints no exit
/// line, so the book's `command terminated with exit code 0` drifts (curl
/// read only a code past 0 as its failure, and the line passed).
#[tokio::test]
async fn an_exec_curls_exit_code_0_drifts() {
    use super::tests::RecordedLab;
    const TABLE: &str = "NAME                                READY   STATUS    RESTARTS   AGE   IP           NODE\nnginx-deployment-6b7f6d9b8c-k2v9x   1/1     Running   0          2m    10.244.1.2   node1\nnginx-deployment-6b7f6d9b8c-zt4mf   1/1     Running   0          2m    10.244.2.2   node2\n";
    let (lab, _) = chapter4();
    let pod1 = "nginx-deployment-6b7f6d9b8c-k2v9x";
    let curl =
        format!("kubectl exec {pod1} -- curl -s -o /dev/null -w '%{{http_code}}' 10.244.2.2");
    let text = format!(
        "```bash\nkubectl get pods -o wide\n{TABLE}```\n\n```bash\n{curl}\n200\n```\n\n```bash\n{curl}\n200\ncommand terminated with exit code 0\n```\n"
    );
    let session = || {
        FakeSession::new()
            .kubectl("get pods -o wide", TABLE)
            .kubectl("-- curl --connect-timeout 1 -m 3 -s -o /dev/null", "200\n")
    };
    let chapter =
        crate::book::parse::parse(std::path::Path::new("pod.md"), text.as_bytes()).unwrap();
    let mut t = RecordedLab::two_pods(crate::provider::Kind::Vagrant, session);
    let r = super::replay(&chapter, &lab, &mut t, &Default::default()).await;
    let c = |i: usize| &r.blocks[i].commands[0];
    assert_eq!(c(1).verdict, Verdict::Match, "{:?}", c(1));
    assert_eq!(c(2).verdict, Verdict::Drift, "{:?}", c(2));
    assert_eq!(
        c(2).differences,
        [
            "kubectl exec: the book shows `command terminated with exit code 0`; kubectl prints it only for a command that exits non-zero, never for 0"
        ]
    );
}
