//! The chapter judged by the real kubectl of the lab's minor (offline, as
//! on netns; no root) against a netns lab scripted by hand, and copies of
//! the chapter with one fact changed: each change is drift at the block
//! where the fact stands, and the unchanged copy has no such drift there
//! (so every assertion of drift is seen failing when the opposite holds).

use super::tests::{RealKubectl, RecordedLab, block, chapter4, failed, pod, replied};
use super::*;
use crate::book::KubectlOutcome;
use crate::book::parse;
use crate::provider::Kind;
use crate::session::fake::FakeSession;

/// What a netns lab of chapter4 answers in `variant` (scripted by hand in
/// the formats iputils, net-tools and tcpdump print).
pub(super) fn netns(fixed: bool) -> FakeSession {
    let mut s = FakeSession::new();
    for (n, node) in ["master", "node1", "node2"].iter().enumerate() {
        s = s.on(node, "hostname", &format!("{node}\n")).on(
            node,
            "cat /run/flannel/subnet.env",
            &format!("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.{n}.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n"),
        );
    }
    let reply = |ip: &str, seqs: &[u32], ttl: u8| {
        let mut t = format!("PING {ip} ({ip}) 56(84) bytes of data.\n");
        for q in seqs {
            t.push_str(&format!(
                "64 bytes from {ip}: icmp_seq={q} ttl={ttl} time=0.05 ms\n"
            ));
        }
        replied(&t)
    };
    let (node_far, pod_far) = if fixed {
        (reply("10.244.2.2", &[1], 63), reply("10.244.2.2", &[1], 62))
    } else {
        (
            failed(
                "PING 10.244.2.2 (10.244.2.2) 56(84) bytes of data.\n\n--- 10.244.2.2 ping statistics ---\n1 packets transmitted, 0 received, 100% packet loss\n",
            ),
            failed(
                "PING 10.244.2.2 (10.244.2.2) 56(84) bytes of data.\nFrom 10.244.1.1 icmp_seq=1 Time to live exceeded\n",
            ),
        )
    };
    for node in ["master", "node1", "node2"] {
        s = s
            .on(node, "ip route | grep 10.244.2.0", "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink\n")
            .on_out(node, "| grep", failed(""))
            .on(node, "tcpdump -l -n -i flannel.1", "tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\nlistening on flannel.1, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n12:00:00.000001 IP 10.244.1.0 > 10.244.2.2: ICMP echo request, id 7, seq 1, length 64\n")
            .on_out(node, "tcpdump -l -n -i eth0", failed("tcpdump: eth0: No such device exists\n(SIOCGIFHWADDR: No such device)\n"))
            .on_out(node, "cat /run/flannel/nothing.env", failed("cat: /run/flannel/nothing.env: No such file or directory\n"))
            .on(node, "cat /run/flannel/flanneld.log", "I1204 12:00:00.000001 1 main.go:1] Determining IP address of default interface\nI1204 12:00:00.000001 1 main.go:1] Using interface with name enp0s3 and address 10.0.2.15\nI1204 12:00:00.000001 1 main.go:1] Defaulting external address to interface address (10.0.2.15)\n")
            .on_out(node, "-c 2 -i 0.01 -W 1 10.244.1.2", reply("10.244.1.2", &[1, 2], 64))
            .on_out(node, "-c 1 -i 0.01 -W 1 10.244.1.2", reply("10.244.1.2", &[1], 64))
            .on_out(node, " 10.244.2.2", node_far.clone())
            .on_out(node, "curl", replied("200 curl-exit=0\n"))
            .on(node, "route -n", "Kernel IP routing table\nDestination     Gateway         Genmask         Flags Metric Ref    Use Iface\n0.0.0.0         10.0.2.2        0.0.0.0         UG    0      0        0 enp0s3\n10.0.2.0        0.0.0.0         255.255.255.0   U     0      0        0 enp0s3\n10.100.198.0    0.0.0.0         255.255.255.0   U     0      0        0 enp0s8\n10.244.0.0      10.244.0.0      255.255.255.0   UG    0      0        0 flannel.1\n10.244.1.0      0.0.0.0         255.255.255.0   U     0      0        0 cni0\n10.244.2.0      10.244.2.0      255.255.255.0   UG    0      0        0 flannel.1\n");
    }
    for p in ["nginx-deployment-node1-0", "nginx-deployment-node2-0"] {
        s = s.in_pod(p, " 10.244.2.2", pod_far.clone());
    }
    s
}

/// Replay `text` (a chapter) against the scripted netns lab, with the real
/// kubectl of chapter4's minor.
pub(super) async fn on_netns(text: &str) -> BookReport {
    on(text, netns(false), netns(true)).await
}

pub(super) async fn on(text: &str, broken: FakeSession, fixed: FakeSession) -> BookReport {
    let pods = vec![
        pod("nginx-deployment-node1-0", "node1", "10.244.1.2"),
        pod("nginx-deployment-node2-0", "node2", "10.244.2.2"),
    ];
    on_pods(text, broken, fixed, pods).await
}

/// [`on`] with the lab's pods given.
pub(super) async fn on_pods(
    text: &str,
    broken: FakeSession,
    fixed: FakeSession,
    pods: Vec<crate::provider::PodRef>,
) -> BookReport {
    let (lab, _) = chapter4();
    let chapter = parse::parse(std::path::Path::new("copy.md"), text.as_bytes()).unwrap();
    let mut t = RecordedLab {
        kind: Kind::Netns,
        broken,
        fixed,
        variant: "broken".into(),
        switches: Vec::new(),
        pods,
        real: Some(RealKubectl::of(&lab)),
        kubectl_lines: Default::default(),
    };
    replay(
        &chapter,
        &lab,
        &mut t,
        &crate::book::known::KnownFile::default(),
    )
    .await
}

fn shipped() -> String {
    let (_, c) = chapter4();
    c.text
}

/// The chapter with `exec POD -- CMD` everywhere.
pub(super) fn dashed() -> String {
    shipped()
        .lines()
        .map(|l| {
            if l.contains(" exec ") && !l.contains(" -- ") {
                let w: Vec<&str> = l.split(' ').collect();
                let at = w.iter().position(|x| *x == "ping" || *x == "cat").unwrap();
                format!("{} -- {}", w[..at].join(" "), w[at..].join(" "))
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// The dashed chapter with `block` before its closing `vagrant destroy`
/// (nothing after it is replayed), and the line of the block's fence.
pub(super) fn dashed_with(block: &str) -> (String, usize) {
    let text = dashed();
    let at = text.find("```bash\nvagrant destroy").unwrap();
    let line = text[..at].lines().count() + 1;
    (format!("{}{block}\n{}", &text[..at], &text[at..]), line)
}

/// `text` with `from` replaced by `to` on line `line` (1-based) only.
fn mutate(text: &str, line: usize, from: &str, to: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    assert!(
        lines[line - 1].contains(from),
        "line {line}: {}",
        lines[line - 1]
    );
    lines[line - 1] = lines[line - 1].replace(from, to);
    lines.join("\n") + "\n"
}

pub(super) fn diffs(r: &BookReport, line: usize) -> Vec<String> {
    block(r, line)
        .commands
        .iter()
        .flat_map(|c| c.differences.clone())
        .collect()
}

/// The kubectl these tests give the chapter to (chapter4 pins 1.32; a
/// machine without it uses the nearest minor, and says so).
fn kubectl_version() -> String {
    let (lab, _) = chapter4();
    RealKubectl::of(&lab).pick.kubectl.version.to_string()
}

fn refusal() -> String {
    let v = kubectl_version();
    let minor = v
        .rsplit_once('.')
        .map_or(v.as_str(), |(m, _)| m)
        .to_string();
    format!(
        "kubectl {minor} refuses the book's line: error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead"
    )
}

#[tokio::test]
async fn kubectl_refuses_the_chapters_exec_without_dashes_in_its_own_words() {
    let r = on_netns(&shipped()).await;
    let text = crate::book::report::terminal(&r);
    let refusal = refusal();
    for line in [103, 116, 247] {
        assert!(diffs(&r, line).contains(&refusal), "{line}\n{text}");
        assert_eq!(block(&r, line).verdict, Verdict::Drift, "{text}");
    }
    let refused: Vec<usize> = r
        .blocks
        .iter()
        .filter(|b| {
            b.commands.iter().any(|c| {
                c.kubectl
                    .as_ref()
                    .is_some_and(|k| k.outcome == KubectlOutcome::Refused)
            })
        })
        .map(|b| b.line)
        .collect();
    assert_eq!(refused, [103, 116, 247], "{text}");
    assert!(!r.ok());
    // The nodes table drifts honestly: the book's 1.10 `master`, v1.10.0.
    assert!(diffs(&r, 48)[0].contains("control-plane v1.32"), "{text}");
}

#[tokio::test]
async fn with_dashes_kubectl_accepts_every_line_and_block_247_agrees_without_running_kubectl() {
    let r = on_netns(&dashed()).await;
    let text = crate::book::report::terminal(&r);
    for b in &r.blocks {
        for c in &b.commands {
            if let Some(k) = &c.kubectl {
                assert_eq!(k.outcome, KubectlOutcome::Accepted, "{c:?}");
                assert!(
                    k.note
                        .starts_with(&format!("accepted by kubectl v{}", kubectl_version())),
                    "{k:?}"
                );
                assert!(k.note.contains("not run: no API server on netns"), "{k:?}");
                assert_ne!(c.verdict, Verdict::Match, "{c:?}");
            }
        }
    }
    let c = &block(&r, 247).commands[0];
    assert!(c.differences.is_empty(), "{text}");
    assert_eq!(c.verdict, Verdict::Skipped);
    assert!(
        c.reason
            .as_ref()
            .unwrap()
            .contains("kubectl itself did not run it"),
        "{c:?}"
    );
    assert_eq!(
        c.ran_on.as_deref(),
        Some("pod nginx-deployment-node1-0 on node1")
    );
    for line in [69, 81, 116, 224] {
        assert!(diffs(&r, line).is_empty(), "{line}: {text}");
    }
}

/// Each one-fact change: no such drift in the unchanged copy, drift at its
/// block in the changed one, and the run fails.
#[tokio::test]
async fn one_fact_changed_is_drift_at_the_block_where_it_stands() {
    let base = dashed();
    let before = on_netns(&base).await;
    let cases: [(usize, &str, &str, usize, &str); 6] = [
        (
            134,
            "10.244.3.1/24",
            "10.244.5.1/24",
            116,
            "FLANNEL_SUBNET=10.244.5.1/24",
        ),
        (
            73,
            "10.244.1.2   node1",
            "10.244.1.7   node1",
            69,
            "10.244.1.7",
        ),
        // A book whose second reply is echo 3 shows three echoes sent:
        // lab sends three (the fake node answers none of a `-c 3`).
        (
            88,
            "icmp_seq=2",
            "icmp_seq=3",
            81,
            "ping: the book shows 2 replies",
        ),
        (88, "ttl=64", "ttl=65", 81, "ping reply 2"),
        (
            197,
            "--all-namespaces",
            "--all-namespace",
            194,
            "error: unknown flag: --all-namespace",
        ),
        (251, "ttl=62", "ttl=61", 247, "ttl 61"),
    ];
    for (line, from, to, at, says) in cases {
        assert!(
            !diffs(&before, at).iter().any(|d| d.contains(says)),
            "unchanged: {at} {:?}",
            diffs(&before, at)
        );
        let r = on_netns(&mutate(&base, line, from, to)).await;
        let d = diffs(&r, at);
        assert!(
            d.iter().any(|d| d.contains(says)),
            "line {line} {from} -> {to}: block {at}: {d:#?}\n{}",
            crate::book::report::terminal(&r)
        );
        assert!(!r.ok(), "line {line}: exit 1");
    }
}

#[tokio::test]
async fn a_grep_of_a_book_address_greps_the_labs() {
    let block = "```bash\nvagrant ssh node1\nip route | grep 10.244.3.0\n10.244.3.0/24 via 10.244.3.0 dev flannel.1 onlink\nexit\n```\n";
    let (text, at) = dashed_with(block);
    let r = on_netns(&text).await;
    let b = r.blocks.iter().find(|b| b.line == at).unwrap();
    assert_eq!(b.verdict, Verdict::Match, "{:#?}", b.commands);
    let grep = &b.commands[1];
    assert_eq!(grep.ran.as_deref(), Some("ip route | grep 10.244.2.0"));
    assert!(
        grep.why.iter().any(|w| w.contains("greps for 10.244.3.0")),
        "{grep:?}"
    );
    // The same block grepping an address no node of the book has.
    let r = on_netns(&text.replace("grep 10.244.3.0", "grep 10.244.7.0")).await;
    let b = r.blocks.iter().find(|b| b.line == at).unwrap();
    assert_eq!(b.verdict, Verdict::Drift, "{:#?}", b.commands);
}

#[tokio::test]
async fn a_grepped_ping_runs_and_errors_are_never_a_match() {
    let text = "```bash\nvagrant ssh node1\nping -c 1 10.244.1.2 | grep ttl\nexit\n```\n\n\
                ```bash\nvagrant ssh node1\nsudo tcpdump -i eth0\nexit\n```\n\n\
                ```bash\nvagrant ssh node1\ncat /run/flannel/nothing.env\nexit\n```\n\n\
                ```bash\nvagrant ssh node1\ncat /run/flannel/subnet.env\nexit\n```\n";
    let r = on_netns(text).await;
    let ping = &r.blocks[0].commands[1];
    // The ping runs alone: its facts are its whole output's, then the
    // lines grep keeps are compared (the seventeenth probe).
    assert_eq!(
        ping.ran.as_deref(),
        Some("timeout 3 ping -n -c 1 -i 0.01 -W 1 10.244.1.2")
    );
    assert!(
        ping.why.iter().any(|w| w.contains("without `| grep ttl`")),
        "{ping:?}"
    );
    assert_ne!(ping.verdict, Verdict::Error, "{ping:?}");
    for i in [1, 2] {
        let c = &r.blocks[i].commands[1];
        assert_eq!(c.verdict, Verdict::Drift, "{c:?}");
        assert!(c.differences.iter().any(|d| d.contains("No such")), "{c:?}");
    }
    // The opposite: a file that is there, with nothing in the book to
    // compare: it ran, and is not called a match either.
    let c = &r.blocks[3].commands[1];
    assert_eq!(c.verdict, Verdict::Skipped, "{c:?}");
    assert!(c.reason.as_ref().unwrap().contains("no output to compare"));
}

/// On netns a `kubectl get` table is compared with what the lab observes:
/// a pod whose nginx does not answer is not `Running`, whatever lab.yaml
/// declares (and the same lab with nginx answering has no such drift).
#[tokio::test]
async fn a_get_table_is_compared_with_what_the_lab_observes() {
    let silent = || {
        FakeSession::new()
            .on_out("node2", "curl", replied("000 curl-exit=7\n"))
            .merge(netns(false))
    };
    let r = on(&dashed(), silent(), netns(true)).await;
    let d = diffs(&r, 69);
    assert!(
        d.iter()
            .any(|d| d.contains("nginx-deployment-* 0/1 NotReady node2 10.244.2.2")),
        "{d:#?}"
    );
    assert_eq!(block(&r, 69).verdict, Verdict::Drift);
    let r = on_netns(&dashed()).await;
    assert!(diffs(&r, 69).is_empty(), "{:#?}", diffs(&r, 69));
}

/// A ping the book shows without a reply is decided as a check's
/// "unreachable" is: the kernel's tables (here: node1's FDB sends node2's
/// pod to node1's own VTEP) and the deadline derived from the lab's
/// round-trip time, which ping waits (never a fixed second). The opposite:
/// the same block where the lab replies is drift, not a match.
#[tokio::test]
async fn a_ping_without_a_reply_in_the_book_waits_the_derived_deadline() {
    let block = "```bash\nvagrant ssh node1\nping 10.244.3.4\n\nPING 10.244.3.4 (10.244.3.4) 56(84) bytes of data.\n\nexit\n```\n";
    let (text, at) = dashed_with(block);
    let rtt = "64 bytes from 10.100.198.201: icmp_seq=1 ttl=64 time=0.05 ms\n";
    let tables = |own_vtep: bool| {
        FakeSession::new()
            .on(
                "node1",
                "ip -4 route get 10.244.2.2",
                &crate::probe::path::tests::node1(own_vtep),
            )
            .on("master", "ping -n -c 1 -W 1 10.100.198.201", rtt)
    };
    // The chapter ends in the fixed variant: its block runs on the second
    // session, scripted here as the broken network answers (the round-trip
    // time is measured once, by the first ping that needs it).
    let first = || FakeSession::new().on("master", "ping -n -c 1 -W 1 10.100.198.201", rtt);
    let r = on(
        &text,
        first().merge(netns(false)),
        tables(true).merge(netns(false)),
    )
    .await;
    let b = r.blocks.iter().find(|b| b.line == at).unwrap();
    assert_eq!(b.verdict, Verdict::Match, "{:#?}", b.commands);
    let ping = &b.commands[1];
    assert_eq!(
        ping.ran.as_deref(),
        Some("timeout 3 ping -n -c 1 -i 0.01 -W 0.100 10.244.2.2")
    );
    assert!(
        ping.why
            .iter()
            .any(|w| w.contains("the kernel's tables agree")
                && w.contains("flannel.1's FDB sends 10.244.2.2")
                && w.contains("ping waits 100 ms, the floor")),
        "{:#?}",
        ping.why
    );
    // Tables that decide nothing: the deadline alone.
    let r = on(
        &text,
        first().merge(netns(false)),
        tables(false).merge(netns(false)),
    )
    .await;
    let ping = &r.blocks.iter().find(|b| b.line == at).unwrap().commands[1];
    assert!(
        ping.why
            .iter()
            .any(|w| w.contains("the kernel's tables decide nothing, so one is waited for 100 ms")),
        "{:#?}",
        ping.why
    );
    // The lab replies (the fixed network): drift.
    let r = on(
        &text,
        first().merge(netns(false)),
        tables(false).merge(netns(true)),
    )
    .await;
    let b = r.blocks.iter().find(|b| b.line == at).unwrap();
    assert_eq!(b.verdict, Verdict::Drift, "{:#?}", b.commands);
}

/// A `get pods` in a namespace the lab's pods are not in (`-n
/// kube-flannel`, where the variant's flannel runs in kube-system; `-n
/// web` for the workload) shows none of them, as kubectl would: the book's
/// rows are drift. The chapter's own namespaces agree.
#[tokio::test]
async fn a_get_in_another_namespace_sees_none_of_the_labs_pods() {
    let moved = dashed()
        .replace(
            "get pods -n kube-system -l app=flannel -o wide",
            "get pods -n kube-flannel -l app=flannel -o wide",
        )
        .replace(
            "admin.conf get pods -o wide\n\nNAME                                READY     STATUS    RESTARTS   AGE       IP           NODE\nnginx-deployment-75675f5897-4dm42",
            "admin.conf get pods -n web -o wide\n\nNAME                                READY     STATUS    RESTARTS   AGE       IP           NODE\nnginx-deployment-75675f5897-4dm42",
        );
    assert_ne!(moved, dashed());
    let r = on_netns(&moved).await;
    let d = diffs(&r, 116);
    assert!(d.iter().any(|d| d.ends_with("the lab shows []")), "{d:#?}");
    let d = diffs(&r, 69);
    assert!(d.iter().any(|d| d.ends_with("the lab shows []")), "{d:#?}");
    let r = on_netns(&dashed()).await;
    assert!(diffs(&r, 116).is_empty(), "{:#?}", diffs(&r, 116));
}

/// A capture the book shows by tcpdump's banner alone claims no packet
/// either way: never a match, though the lab's banner agrees (the sixth
/// probe, by reading). With a packet line the lab shows, it is compared and
/// matches; with one the lab lacks, it drifts.
#[tokio::test]
async fn a_capture_shown_by_its_banner_alone_is_never_a_match() {
    let banner = "tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\n\
                  listening on flannel.1, link-type EN10MB (Ethernet), capture size 262144 bytes\n";
    let block = |packets: &str| {
        format!(
            "```bash\nvagrant ssh node1\nsudo tcpdump -i flannel.1\n{banner}{packets}exit\n```\n\n"
        )
    };
    let text = block("")
        + &block(
            "12:00:00.000001 IP 10.244.1.0 > 10.244.2.2: ICMP echo request, id 7, seq 1, length 64\n",
        )
        + &block(
            "12:00:00.000001 IP 10.244.1.0 > 10.244.2.9: ICMP echo request, id 7, seq 1, length 64\n",
        );
    let r = on_netns(&text).await;
    let verdicts: Vec<Verdict> = r.blocks.iter().map(|b| b.commands[1].verdict).collect();
    assert_eq!(
        verdicts,
        [Verdict::Skipped, Verdict::Match, Verdict::Drift],
        "{:#?}",
        r.blocks
    );
    let c = &r.blocks[0].commands[1];
    assert!(c.reason.as_ref().unwrap().contains("banner alone"), "{c:?}");
}

/// A capture piped to grep in another session runs as lab runs a capture
/// (bounded, the other session's ping sent while it listens), without the
/// grep, whose lines lab keeps itself: run as typed it had no bound and was
/// an error after the replay's 15 s (the seventeenth probe of issue 21).
#[tokio::test]
async fn a_capture_piped_to_grep_runs_bounded_then_is_filtered() {
    let text = "```bash\nvagrant ssh node1\nping 10.244.3.3\n\nvagrant ssh node1\n\nsudo tcpdump -i flannel.1 | grep request\n20:55:02.971181 IP 10.244.1.0 > 10.244.3.3: ICMP echo request, id 5874, seq 1, length 64\n```\n";
    let (text, at) = dashed_with(text);
    let r = on_netns(&text).await;
    let b = r.blocks.iter().find(|b| b.line == at).unwrap();
    let capture = b.commands.last().unwrap();
    let ran = capture.ran.as_deref().unwrap_or_default();
    assert!(
        ran.contains("tcpdump -l -n -i flannel.1") && !ran.contains("grep"),
        "{capture:#?}"
    );
    assert!(
        capture.why.iter().any(|w| w.contains("in another session")),
        "{capture:#?}"
    );
    assert_ne!(capture.verdict, Verdict::Error, "{capture:#?}");
    assert!(
        capture.lab.iter().all(|l| l.contains("request")),
        "grep's lines only: {capture:#?}"
    );
}
