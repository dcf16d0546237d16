//! The neighbours of the sixteenth probe's swapped tables (issue 21): other
//! ways a table elsewhere in the chapter changed what an earlier block was
//! judged against. Each chapter here is short and written as a reader
//! would; the lab is chapter4's broken variant scripted by hand (node1's
//! pod answers, node2's does not). Each test failed before the rule
//! "the first row binds; a row that contradicts it contests the value"
//! (`book::bind`, `book::coherence`).

use super::tests::{block, failed, pod, replied};
use super::tests_drift::{dashed, diffs, netns, on_pods};
use super::*;
use crate::session::fake::FakeSession;

const HEAD: &str = "NAME                                READY     STATUS    RESTARTS   AGE       IP           NODE";

/// A `get pods -o wide` block (`ns`: ` -n web` or empty) showing `rows`
/// (name, address, node).
fn table(ns: &str, rows: &[(&str, &str, &str)]) -> String {
    let mut t =
        format!("```bash\nkubectl --kubeconfig ./admin.conf get pods{ns} -o wide\n\n{HEAD}\n");
    for (name, ip, node) in rows {
        t.push_str(&format!(
            "{name:<36}1/1       Running   0          2m        {ip:<13}{node}\n"
        ));
    }
    t + "```\n\n"
}

/// A ping from node1 shown with its header alone (no reply) or a reply.
fn ping(ip: &str, reply: bool) -> String {
    let mut t = format!(
        "```console\nvagrant@node1:~$ ping -c 1 {ip}\nPING {ip} ({ip}) 56(84) bytes of data.\n"
    );
    if reply {
        t.push_str(&format!(
            "64 bytes from {ip}: icmp_seq=1 ttl=64 time=0.054 ms\n"
        ));
    }
    t + "```\n\n"
}

/// Chapter4's broken variant as [`netns`] scripts it, and a ping of any
/// deadline (`-W 1.000` where the book shows no reply) to node1's pod
/// answered, to 10.244.1.3 (a second pod on node1, where a test has one)
/// not.
fn broken() -> FakeSession {
    let mut s = netns(false);
    for node in ["master", "node1", "node2"] {
        s = s
            .on_out(
                node,
                " 10.244.1.2",
                replied(
                    "PING 10.244.1.2 (10.244.1.2) 56(84) bytes of data.
64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.05 ms
",
                ),
            )
            .on_out(
                node,
                " 10.244.1.3",
                failed(
                    "PING 10.244.1.3 (10.244.1.3) 56(84) bytes of data.

--- 10.244.1.3 ping statistics ---
1 packets transmitted, 0 received, 100% packet loss
",
                ),
            );
    }
    s
}

/// `text` replayed on [`broken`] with chapter4's two pods.
async fn on_netns(text: &str) -> BookReport {
    let pods = vec![
        pod("nginx-deployment-node1-0", "node1", "10.244.1.2"),
        pod("nginx-deployment-node2-0", "node2", "10.244.2.2"),
    ];
    on_pods(text, broken(), broken(), pods).await
}

/// The opening line of the chapter's `n`th block (from 0).
fn nth(text: &str, n: usize) -> usize {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("```") && l.len() > 3)
        .nth(n)
        .unwrap()
        .0
        + 1
}

/// The block at `line` is no match and says the book contradicts itself.
fn contested(r: &BookReport, line: usize) {
    let b = block(r, line);
    assert_ne!(b.verdict, Verdict::Match, "{:#?}", b.commands);
    assert!(
        diffs(r, line).iter().any(|d| d.contains("is contested")),
        "{:#?}",
        b.commands
    );
}

const A: &str = "nginx-deployment-75675f5897-4dm42";
const B: &str = "nginx-deployment-75675f5897-rfj56";

/// The same address shown as two pods' in one generation, on two nodes (the
/// later pod's name sorting first): the earlier ping was bound to the later
/// table's pod (the first pod by name holding the address), node2's, which
/// does not answer: `match` for a header alone, though the table before it
/// puts 10.244.1.2 on node1, whose pod answers.
#[tokio::test]
async fn an_address_shown_as_two_pods_in_one_generation_is_contested() {
    let text = table("", &[(B, "10.244.1.2", "node1")])
        + &ping("10.244.1.2", false)
        + &table("", &[(A, "10.244.1.2", "node2")]);
    let r = on_netns(&text).await;
    contested(&r, nth(&text, 1));
    let d = diffs(&r, nth(&text, 1));
    assert!(
        d.iter()
            .any(|d| d.contains(&format!("{B} (line 2) and {A} (line 14)"))),
        "{d:#?}"
    );
}

/// A pod shown later with another address on the same node: a ping of the
/// later address, before the table that shows it, was bound to the pod
/// (its last row won) and matched node1's pod's reply, though the table
/// before it gives the pod 10.244.1.2.
#[tokio::test]
async fn a_pod_shown_later_with_another_address_is_contested() {
    let rows = |ip| [(A, ip, "node1"), (B, "10.244.3.3", "node2")];
    let text = table("", &rows("10.244.1.2"))
        + &ping("10.244.1.5", true)
        + &table("", &rows("10.244.1.5"));
    let r = on_netns(&text).await;
    contested(&r, nth(&text, 1));
    for table in [0, 2] {
        contested(&r, nth(&text, table));
    }
}

/// The probe's swapped tables with the later one under another namespace
/// (`-n web`): a table of any namespace is a fact about the pods it names,
/// and contradicting an earlier one contests them; both pings (false in the
/// broken variant: a header alone to node1's own pod, a reply from node2's)
/// were `match`.
#[tokio::test]
async fn a_later_table_in_another_namespace_swapping_the_pods_contests_them() {
    let text = table(
        "",
        &[(A, "10.244.1.2", "node1"), (B, "10.244.3.3", "node2")],
    ) + &ping("10.244.1.2", false)
        + &ping("10.244.3.3", true)
        + &table(
            " -n web",
            &[(A, "10.244.1.2", "node2"), (B, "10.244.3.3", "node1")],
        );
    let r = on_netns(&text).await;
    for b in [1, 2, 0, 3] {
        contested(&r, nth(&text, b));
    }
}

/// A flannel pod shown on node1, then (a later table) on node2: its `exec`
/// in between ran on node2, where the book's node2 values (10.244.3.1/24)
/// agree, and `subnet.env`'s coherence was checked against node2 too; on
/// vagrant that is a `match`, on netns a `skipped` with no difference.
#[tokio::test]
async fn a_flannel_pod_shown_on_two_nodes_is_contested() {
    let flannel = |a: &str, b: &str| {
        format!(
            "```bash\nkubectl --kubeconfig ./admin.conf get pods -n kube-system -l app=flannel -o wide\n\n\
             NAME                    READY     STATUS    RESTARTS   AGE       IP               NODE\n\
             kube-flannel-ds-zzkf7   1/1       Running   0          1h        10.100.198.201   {a}\n\
             kube-flannel-ds-59hmh   1/1       Running   0          1h        10.100.198.202   {b}\n```\n\n"
        )
    };
    let text = table(
        "",
        &[(A, "10.244.1.2", "node1"), (B, "10.244.3.3", "node2")],
    ) + &flannel("node1", "node2")
        + "```bash\nkubectl --kubeconfig ./admin.conf exec -n kube-system kube-flannel-ds-zzkf7 -- cat /run/flannel/subnet.env\n\
           FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.3.1/24\n```\n\n"
        + &flannel("node2", "node1");
    let r = on_netns(&text).await;
    contested(&r, nth(&text, 2));
    let c = &block(&r, nth(&text, 2)).commands[0];
    assert_eq!(c.verdict, Verdict::Drift, "{c:#?}");
}

/// Two pods of one app on node1 and a later table that shows one of them
/// again (a table cut to one row): that pod was renumbered after the other
/// (pods were numbered by the last table that showed them), so the earlier
/// ping of 10.244.1.2 ran to the lab's second pod on node1 (10.244.1.3,
/// which does not answer here) and its header alone was a `match`, though
/// the lab's pod the table binds (10.244.1.2) answers.
#[tokio::test]
async fn a_later_table_showing_a_pod_again_does_not_renumber_it() {
    let c = "nginx-deployment-75675f5897-ccccc";
    let (a, b) = (
        "nginx-deployment-75675f5897-aaaaa",
        "nginx-deployment-75675f5897-bbbbb",
    );
    let text = table(
        "",
        &[
            (a, "10.244.1.2", "node1"),
            (b, "10.244.1.3", "node1"),
            (c, "10.244.3.3", "node2"),
        ],
    ) + &ping("10.244.1.2", false)
        + &table("", &[(a, "10.244.1.2", "node1")]);
    let pods = vec![
        pod("nginx-deployment-node1-0", "node1", "10.244.1.2"),
        pod("nginx-deployment-node1-1", "node1", "10.244.1.3"),
        pod("nginx-deployment-node2-0", "node2", "10.244.2.2"),
    ];
    let r = on_pods(&text, broken(), broken(), pods).await;
    let p = &block(&r, nth(&text, 1)).commands[0];
    assert_eq!(p.verdict, Verdict::Drift, "{p:#?}");
    assert!(
        p.bindings
            .iter()
            .any(|n| n.ends_with("= nginx pod on node1 = 10.244.1.2 (lab)")),
        "{p:#?}"
    );
    // Showing a pod again as it was is no contradiction.
    assert!(
        !diffs(&r, nth(&text, 2))
            .iter()
            .any(|d| d.contains("contested"))
    );
}

/// The chapter itself contradicts itself nowhere: no block of it carries a
/// contest (so its counts stay as they were).
#[tokio::test]
async fn the_chapter_contests_nothing() {
    let r = super::tests_drift::on_netns(&dashed()).await;
    for b in &r.blocks {
        assert!(
            !diffs(&r, b.line).iter().any(|d| d.contains("contested")),
            "{:#?}",
            b.commands
        );
    }
}
