//! What the reader no longer has, and what is not the reader's, against a
//! netns lab scripted by hand (no root): each scripted answer is what a
//! netns node gives and the book shows the same, so a command compared
//! here would be `match`; lab must skip it, saying why (probe21g).

use super::tests::{block, chapter4};
use super::tests_drift::{netns, on, on_netns};
use super::*;
use crate::session::fake::FakeSession;

/// Chapter 4 up to its first `get pods -o wide` table (the book's pods
/// bound), then `blocks`.
fn head_with(blocks: &str) -> (String, usize) {
    let (_, c) = chapter4();
    let head: Vec<&str> = c.text.lines().take(75).collect();
    let text = format!("{}\n\n{blocks}", head.join("\n"));
    (text, head.len() + 2)
}

/// That a command's reason says `says`.
fn assert_reason(c: &CommandReport, says: &str) {
    assert!(
        c.reason.as_deref().is_some_and(|w| w.contains(says)),
        "{c:#?}"
    );
}

/// [`on`] with `lab`'s answers before the scripted netns lab's, in both
/// variants.
async fn on_with(text: &str, lab: impl Fn() -> FakeSession) -> BookReport {
    on(text, lab().merge(netns(false)), lab().merge(netns(true))).await
}

fn session_block(node: &str, lines: &str) -> String {
    format!("```bash\nvagrant ssh {node}\n{lines}\nexit\n```\n\n")
}

/// The host's kernel values under `/proc/sys/net` (the host's memory and
/// modules decide them) are not compared; the forwarding kubeadm asks for
/// is.
#[tokio::test]
async fn a_kernel_value_the_host_decides_is_not_compared() {
    let blocks = session_block("node1", "cat /proc/sys/net/core/rmem_max\n4194304")
        + &session_block("node1", "cat /proc/sys/net/ipv4/ip_forward\n1");
    let (text, at) = head_with(&blocks);
    let lab = || {
        FakeSession::new()
            .on("node1", "cat /proc/sys/net/core/rmem_max", "4194304\n")
            .on("node1", "cat /proc/sys/net/ipv4/ip_forward", "1\n")
    };
    let r = on_with(&text, lab).await;
    let host = block(&r, at);
    assert_eq!(host.verdict, Verdict::Skipped, "{:#?}", host.commands);
    assert_reason(
        &host.commands[1],
        "/proc/sys/net/core/rmem_max on node1 is not the reader's",
    );
    let forwarding = r.blocks.iter().find(|b| b.line > at).unwrap();
    assert_eq!(
        forwarding.verdict,
        Verdict::Match,
        "{:#?}",
        forwarding.commands
    );
}

/// After the chapter deletes the workload, node1's routes are what its
/// pods left (the reader's cni0 may have no port: `linkdown`), while the
/// lab's keeps the lab's pods: `ip route` there is skipped; `route -n`
/// (which shows no carrier) is still compared.
#[tokio::test]
async fn a_nodes_routes_after_its_pods_are_deleted_are_not_compared() {
    let route = "10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1";
    let row = "10.244.1.0      0.0.0.0         255.255.255.0   U     0      0        0 cni0";
    let blocks = format!(
        "```bash\nkubectl --kubeconfig ./admin.conf delete -f nginx-deployment.yaml\n```\n\n{}{}",
        session_block("node1", &format!("ip route | grep cni0\n{route}")),
        session_block("node1", &format!("route -n | grep cni0\n{row}"))
    );
    let (text, at) = head_with(&blocks);
    let lab = || {
        FakeSession::new()
            .on("node1", "ip route | grep cni0", &format!("{route}\n"))
            .on("node1", "route -n | grep cni0", &format!("{row}\n"))
    };
    let r = on_with(&text, lab).await;
    let routes: Vec<&BlockReport> = r.blocks.iter().filter(|b| b.line > at).collect();
    assert_eq!(routes.len(), 2, "{:#?}", r.blocks);
    assert_eq!(
        routes[0].verdict,
        Verdict::Skipped,
        "{:#?}",
        routes[0].commands
    );
    assert_reason(
        &routes[0].commands[1],
        "the chapter deleted nginx-deployment",
    );
    assert_reason(&routes[0].commands[1], "its pods on node1");
    assert_eq!(
        routes[1].verdict,
        Verdict::Match,
        "{:#?}",
        routes[1].commands
    );
}

/// A workload applied again with `-n kube-system` (its objects name no
/// namespace, so the reader's pods go there) is not the lab's, which runs
/// it in `default`: its pods stay out of the comparison (probe21g: it
/// counted as applied again).
#[tokio::test]
async fn a_workload_applied_into_another_namespace_is_not_the_labs() {
    let ping = session_block(
        "node1",
        "ping -c 1 10.244.1.2\nPING 10.244.1.2 (10.244.1.2) 56(84) bytes of data.\n64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.050 ms",
    );
    let blocks = format!(
        "```bash\nkubectl --kubeconfig ./admin.conf delete -f nginx-deployment.yaml\nkubectl --kubeconfig ./admin.conf apply -f nginx-deployment.yaml -n kube-system\n```\n\n{ping}"
    );
    let (text, at) = head_with(&blocks);
    let r = on(&text, netns(false), netns(true)).await;
    let apply = &block(&r, at).commands[1];
    assert_reason(apply, "go to namespace kube-system");
    let after = r.blocks.iter().find(|b| b.line > at).unwrap();
    assert_eq!(after.verdict, Verdict::Skipped, "{:#?}", after.commands);
    assert_reason(
        &after.commands[1],
        "applied nginx-deployment into namespace kube-system",
    );
}

/// A change the prose tells the reader to type and no block shows (probe21p's
/// finding 7): the ping block after it is not understood at its first
/// command and skipped after, saying so; without that
/// sentence (or with the command only named), the same block is `match`.
#[tokio::test]
async fn a_change_only_the_prose_tells_stops_what_follows_it() {
    let (_, c) = chapter4();
    let ping_at = c
        .blocks
        .iter()
        .find(|b| b.body.iter().any(|(_, l)| l.starts_with("ping ")))
        .unwrap()
        .line;
    let with = |sentence: &str| {
        let mut lines: Vec<&str> = c.text.lines().collect();
        lines.insert(ping_at - 1, sentence);
        lines.insert(ping_at, "");
        lines.join("\n") + "\n"
    };
    let told = on_netns(&with(
        "Take the pod bridge down with `sudo ip link set cni0 down`, then ping again.",
    ))
    .await;
    let ping = block(&told, ping_at + 2);
    // The first command after the prose drifts for it; the rest is skipped.
    assert_eq!(ping.verdict, Verdict::Drift, "{:#?}", ping.commands);
    assert_eq!(ping.commands[0].verdict, Verdict::Drift);
    assert_eq!(
        ping.commands[0].differences,
        [
            "the text before it tells the reader to run `sudo ip link set cni0 down`, which no shell block of the chapter shows there: lab cannot replay what follows"
        ]
    );
    assert!(
        ping.commands[1..]
            .iter()
            .all(|c| c.verdict == Verdict::Skipped)
    );
    assert!(!told.ok());
    assert_reason(
        &ping.commands[0],
        &format!(
            "the text at line {ping_at} tells the reader to run `sudo ip link set cni0 down`, which no shell block of the chapter shows there"
        ),
    );
    let named = on_netns(&with("The bridge is `cni0`; `ip link` shows it.")).await;
    let ping = block(&named, ping_at + 2);
    assert_eq!(ping.verdict, Verdict::Match, "{:#?}", ping.commands);
}

/// probe21an, what was left of finding 1: a change at a prompt in a `text`
/// block fails at its own line (not understood where lab does not
/// understand it, a drift where it does but never runs such a block), the
/// ping after it skipped, never charged; a `text` block of output alone
/// stays skipped and the ping after it is compared. Seen failing first
/// with `unread_prompts` and the stop's charge as they were (the line
/// passed over with its block, the ping drifting for it).
#[tokio::test]
async fn a_change_at_a_prompt_in_a_text_block_fails_at_its_own_line() {
    let ping = session_block(
        "node1",
        "ping -c 1 10.244.1.2\nPING 10.244.1.2 (10.244.1.2) 56(84) bytes of data.\n64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.050 ms",
    );
    for (line, verdict) in [
        ("sudo ip link set cni0 down", Verdict::NotUnderstood),
        (
            "kubectl --kubeconfig ./admin.conf delete -f nginx-deployment.yaml",
            Verdict::Drift,
        ),
    ] {
        let (text, at) = head_with(&format!("```text\n$ {line}\n```\n\n{ping}"));
        let r = on_netns(&text).await;
        let typed = block(&r, at);
        assert_eq!(typed.commands.len(), 1, "{:#?}", typed.commands);
        assert_eq!(typed.commands[0].verdict, verdict, "{:#?}", typed.commands);
        assert_eq!(typed.commands[0].line, at + 1);
        let after = r.blocks.iter().find(|b| b.line > at).unwrap();
        assert_eq!(after.verdict, Verdict::Skipped, "{:#?}", after.commands);
        assert!(!r.ok());
    }
    let (text, at) = head_with(&format!(
        "```text\nPING 10.244.1.2 (10.244.1.2) 56(84) bytes of data.\n```\n\n{ping}"
    ));
    let r = on_netns(&text).await;
    assert_eq!(block(&r, at).verdict, Verdict::Skipped);
    assert!(block(&r, at).commands.is_empty());
    let after = r.blocks.iter().find(|b| b.line > at).unwrap();
    assert_eq!(after.verdict, Verdict::Match, "{:#?}", after.commands);
}

/// probe21as, finding 2: a terminal session in a `text` block (a prompt,
/// a ping lab understands, its replies) was never compared, and the
/// chapter passed a lab that got no reply; the same lines unlabelled
/// drifted. It is not understood at the command's line; a prompted
/// command with no output shown there compares nothing and stays quiet.
/// Seen failing first with such a line passed over (`return None`).
#[tokio::test]
async fn a_terminal_session_in_a_text_block_is_not_understood() {
    let session = "```text\n[vagrant@node1 ~]$ ping -c 1 10.244.1.2\nPING 10.244.1.2 (10.244.1.2) 56(84) bytes of data.\n64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.050 ms\n```";
    let (text, at) = head_with(session);
    let r = on_netns(&text).await;
    let typed = block(&r, at);
    assert_eq!(typed.commands.len(), 1, "{:#?}", typed.commands);
    assert_eq!(typed.commands[0].verdict, Verdict::NotUnderstood);
    assert_eq!(typed.commands[0].line, at + 1);
    assert!(!r.ok());
    let (text, at) = head_with("```text\n$ vagrant ssh node1\n```");
    let r = on_netns(&text).await;
    assert!(
        block(&r, at).commands.is_empty(),
        "{:#?}",
        block(&r, at).commands
    );
}
