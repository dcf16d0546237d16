//! A `vagrant destroy` that is not the chapter's last command (probe21by,
//! finding 4, `DS2`): every later block was skipped, "nothing after it is
//! compared", and the run passed on one block of known drift. A reader who
//! destroyed the machines meets no machine: a later command the book shows
//! succeeding drifts; one it shows failing, or without output, is skipped;
//! after a `vagrant up` the reader has new machines, which are not the
//! lab's, and nothing is compared (nor charged).

use super::tests::chapter4;
use super::tests_drift::on_netns;
use super::*;

/// Chapter 4 up to its first `get pods -o wide` table (the book's pods
/// bound), then `blocks`; the line where `blocks` start.
fn head_with(blocks: &str) -> (String, usize) {
    let (_, c) = chapter4();
    let head: Vec<&str> = c.text.lines().take(75).collect();
    (format!("{}\n\n{blocks}", head.join("\n")), head.len() + 2)
}

const DESTROY: &str = "```bash\nvagrant destroy -f\n```\n\n";

fn session(lines: &str) -> String {
    format!("```bash\nvagrant ssh node1\n{lines}\nexit\n```\n\n")
}

const REPLY: &str = "ping -c 1 10.244.1.2\nPING 10.244.1.2 (10.244.1.2) 56(84) bytes of data.\n64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.050 ms";

const TABLE: &str = "```bash\nkubectl --kubeconfig ./admin.conf get pods -o wide\nNAME                                READY     STATUS    RESTARTS   AGE       IP           NODE\nnginx-deployment-75675f5897-4dm42   1/1       Running   0          2m        10.244.1.2   node1\n```\n\n";

/// The blocks at or after `at`, in order.
fn after(r: &BookReport, at: usize) -> Vec<&BlockReport> {
    r.blocks.iter().filter(|b| b.line >= at).collect()
}

fn says(c: &CommandReport, what: &str) -> bool {
    c.reason.as_deref().is_some_and(|w| w.contains(what))
        || c.differences.iter().any(|d| d.contains(what))
}

/// Seen failing first: both blocks `skipped`, and the run passed.
#[tokio::test]
async fn a_later_command_shown_succeeding_after_a_destroy_drifts() {
    let (text, at) = head_with(&format!("{DESTROY}{}{TABLE}", session(REPLY)));
    let r = on_netns(&text).await;
    let b = after(&r, at);
    assert_eq!(b.len(), 3, "{:#?}", r.blocks);
    assert_eq!(b[0].verdict, Verdict::Skipped, "{:#?}", b[0].commands);
    for later in &b[1..] {
        assert_eq!(later.verdict, Verdict::Drift, "{:#?}", later.commands);
    }
    // The login shows nothing (skipped); the ping inside it shows a reply
    // the reader never gets.
    let (login, ping) = (&b[1].commands[0], &b[1].commands[1]);
    assert_eq!(login.verdict, Verdict::Skipped, "{login:#?}");
    assert_eq!(ping.verdict, Verdict::Drift, "{ping:#?}");
    assert!(says(ping, "meets no machine"), "{ping:#?}");
    let destroyed_at = format!("line {}", at + 1);
    assert!(
        ping.reason
            .as_deref()
            .is_some_and(|w| w.contains(&destroyed_at)),
        "{ping:#?}"
    );
    assert!(says(&b[2].commands[0], "meets no machine"), "{:#?}", b[2]);
    assert!(!r.ok());
}

/// What the reader meets there (kubectl's refused connection), a ping's
/// header alone (the reader's own machine prints it too) or a line with
/// no output claims no success: skipped, as before.
#[tokio::test]
async fn a_later_command_shown_failing_or_silent_after_a_destroy_is_skipped() {
    let blocks = format!(
        "{DESTROY}{}```bash\nkubectl --kubeconfig ./admin.conf get pods -o wide\nThe connection to the server 10.100.198.200:6443 was refused - did you specify the right host or port?\n```\n\n```bash\nkubectl --kubeconfig ./admin.conf apply -f nginx-deployment.yaml\n```\n",
        "```bash\nvagrant ssh node1\nping -c 1 10.244.3.3\nPING 10.244.3.3 (10.244.3.3) 56(84) bytes of data.\nexit\n```\n\n"
    );
    let (text, at) = head_with(&blocks);
    let r = on_netns(&text).await;
    for b in after(&r, at) {
        assert_eq!(b.verdict, Verdict::Skipped, "{:#?}", b.commands);
    }
}

/// After `vagrant up` again the reader has new machines: not the lab's,
/// so nothing is compared, and nothing drifts for the destroy.
#[tokio::test]
async fn after_vagrant_up_again_nothing_is_compared_or_charged() {
    let blocks = format!(
        "{DESTROY}```bash\nvagrant up\n```\n\n{}{TABLE}",
        session(REPLY)
    );
    let (text, at) = head_with(&blocks);
    let r = on_netns(&text).await;
    let b = after(&r, at);
    assert_eq!(b.len(), 4, "{:#?}", r.blocks);
    for later in &b[2..] {
        assert_eq!(later.verdict, Verdict::Skipped, "{:#?}", later.commands);
        assert!(
            says(&later.commands[0], "vagrant up"),
            "{:#?}",
            later.commands
        );
    }
}
