//! The chapter parser, the recogniser and the replay, fuzzed: chapters made
//! of the shapes a chapter has (sessions, pings with and without counts and
//! pipes, captures, kubectl, prompts, outputs, tables, fences open and
//! closed) and of arbitrary bytes, replayed against a lab whose sessions
//! answer nothing (every command "not found"). No input may panic `lab`
//! (issue 21: `vagrant ssh node1` / `ping -c 1 IP | grep ttl` / `exit`
//! panicked the replay and left the lab up). proptest shrinks what it finds
//! to a small chapter; the case count keeps the suite to a few seconds.

use super::tests::RecordedLab;
use super::*;
use crate::book::known::KnownFile;
use crate::book::parse;
use crate::provider::Kind;
use crate::session::fake::FakeSession;
use proptest::prelude::*;

/// Lines a chapter is made of: commands lab recognises, near misses, and
/// what a book prints around them.
const LINES: &[&str] = &[
    "vagrant ssh node1",
    "vagrant ssh master",
    "vagrant ssh node2",
    "vagrant ssh",
    "exit",
    "logout",
    "sudo -i",
    "sudo su",
    "ping 10.244.1.2",
    "ping -c 1 10.244.1.2",
    "ping -c 1 10.244.1.2 | grep ttl",
    "ping -c 100 10.244.2.2",
    "ping -c 0 10.244.2.2",
    "ping -c -1 10.244.2.2",
    "ping -c 99999999999999999999 10.244.2.2",
    "ping -c",
    "ping",
    "ping | grep",
    "ping 999.1.1.1",
    "ping node1",
    "ping 10.244.1.2 | grep -i TTL | grep x",
    "tcpdump -i flannel.1 -n",
    "tcpdump -i eth0",
    "tcpdump -i cni0 -nn icmp",
    "tcpdump",
    "cat /run/flannel/subnet.env",
    "cat",
    "cat /etc/shadow",
    "route -n",
    "ip route",
    "ip r",
    "kubectl get pods -o wide",
    "kubectl get nodes",
    "kubectl get pods --all-namespaces -o wide",
    "kubectl exec nginx-deployment-6b7f6d9b8c-k2v9x ping 10.244.2.2",
    "kubectl exec nginx-deployment-6b7f6d9b8c-k2v9x -- ping -c 1 10.244.2.2",
    "kubectl exec -it nginx-deployment-6b7f6d9b8c-k2v9x -- cat /etc/hostname",
    "kubectl exec nginx-deployment-6b7f6d9b8c-k2v9x --",
    "kubectl exec",
    "kubectl logs kube-flannel-ds-amd64-abcde -n kube-system",
    "kubectl apply -f flannel.yml",
    "kubectl apply -f https://example.invalid/x.yml",
    "kubectl delete -f flannel.yml",
    "kubectl --kubeconfig admin.conf get pods",
    "kubeadm init --pod-network-cidr=10.244.0.0/16",
    "vagrant destroy -f",
    "$ ping -c 1 10.244.1.2",
    "root@node1:~# route -n",
    "vagrant@node1:~$ ip route",
    "PING 10.244.1.2 (10.244.1.2) 56(84) bytes of data.",
    "64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.061 ms",
    "From 10.244.1.1 icmp_seq=1 Destination Net Unreachable",
    "1 packets transmitted, 0 received, 100% packet loss",
    "NAME                                READY   STATUS    RESTARTS   AGE   IP           NODE",
    "nginx-deployment-6b7f6d9b8c-k2v9x   1/1     Running   0          1m    10.244.1.2   node1",
    "Kernel IP routing table",
    "10.244.0.0      10.244.0.0      255.255.255.0   UG    0      0        0 flannel.1",
    "FLANNEL_SUBNET=10.244.1.1/24",
    "10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1",
    "rm -rf / $(id) `id` ; > /tmp/x",
    "echo hi \\",
    "",
    "   ",
    "\t",
    "```",
    "```bash",
    "```shell",
    "~~~",
    "````",
    "    ping -c 1 10.244.1.2",
    "# Heading",
    "Some prose about 10.244.1.2 and node1.",
    "<!-- lab: skip -->",
    "é ü 中 \u{202e}",
];

fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(LINES).prop_map(str::to_string),
        1 => "[ -~]{0,40}",
        1 => (prop::sample::select(LINES), "[ -~]{0,12}")
            .prop_map(|(l, tail)| format!("{l} {tail}")),
    ]
}

/// A chapter: a few fenced blocks of such lines, with prose between them
/// (and sometimes a fence left open).
fn chapter() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop::sample::select(&["```", "```bash", "```shell", "~~~", "Prose."][..]),
            prop::collection::vec(line(), 0..8),
            any::<bool>(),
        ),
        0..5,
    )
    .prop_map(|blocks| {
        let mut s = String::from("# A chapter\n\n");
        for (fence, lines, close) in blocks {
            s.push_str(fence);
            s.push('\n');
            for l in lines {
                s.push_str(&l);
                s.push('\n');
            }
            if close {
                s.push_str(if fence == "~~~" { "~~~" } else { "```" });
                s.push('\n');
            }
            s.push('\n');
        }
        s
    })
}

fn lab() -> Lab {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    crate::spec::load_file(&root.join("labs/chapter4/lab.yaml"), Default::default()).unwrap()
}

/// Parse, recognise and replay `text` on `kind`; panics are what is sought.
fn replay_text(rt: &tokio::runtime::Runtime, lab: &Lab, kind: Kind, text: &[u8]) {
    let Ok(chapter) = parse::parse(std::path::Path::new("fuzz.md"), text) else {
        return;
    };
    for block in &chapter.blocks {
        let (steps, _) = parse::steps(block);
        for s in steps {
            let _ = crate::book::recognize::recognize(&s.command);
        }
    }
    let mut t = RecordedLab::two_pods(kind, FakeSession::new);
    // No panic is the property; and a block with a command not understood
    // runs nothing on the lab: its kubectl lines are only judged by kubectl
    // offline (`ran_on: kubectl`, against an endpoint that refuses
    // connections, on every provider), the rest is not run. (A command
    // found not understood once it ran, for a line the book shows under
    // its output that may be typed, [`super::swallowed`], did run.)
    // So is one whose shown output lab could not read once the command ran
    // (a `kubectl get` over lines no table is read from; a login with a
    // line a command prints in its banner's place: probe21ay; an exec or
    // logs of a pod the book never shows: probe21ba; a line under `exit`
    // or a root step that neither prints: probe21aq, probe21ca): the
    // command was understood, its output or its pod was not.
    let swallowed = |c: &crate::book::CommandReport| {
        c.reason.as_deref().is_some_and(|w| {
            [
                "it may be a command the reader types, which lab never ran",
                "it may be a command the reader types behind a prompt lab does not know, which lab never ran",
                "lab reads no table from it and compared nothing",
                "the book shows kubectl's stderr alone under `kubectl get`",
                "a command prints that line, no login does",
                "the book never shows",
                "but never its node",
            ]
            .iter()
            .any(|said| w.contains(said))
        })
    };
    let r = rt.block_on(replay(&chapter, lab, &mut t, &KnownFile::default()));
    for b in &r.blocks {
        if !b
            .commands
            .iter()
            .any(|c| c.verdict == crate::book::Verdict::NotUnderstood && !swallowed(c))
        {
            continue;
        }
        for c in &b.commands {
            assert!(
                matches!(c.ran_on.as_deref(), None | Some("kubectl")),
                "line {}: `{}` ran on {:?} in a block not understood",
                c.line,
                c.command,
                c.ran_on
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_chapter_panics_the_replay(text in chapter(), vagrant in any::<bool>()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let kind = if vagrant { Kind::Vagrant } else { Kind::Netns };
        replay_text(&rt, &lab(), kind, text.as_bytes());
    }

    #[test]
    fn no_bytes_panic_the_parser(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        replay_text(&rt, &lab(), Kind::Netns, &bytes);
    }

    #[test]
    fn no_line_panics_the_recogniser(l in line()) {
        let _ = crate::book::recognize::recognize(&l);
    }
}

/// The property's case (seen failing on 8197fcf, before the root steps):
/// a line under `exit` that `exit` does not print makes it not understood
/// once the block's login ran; the block was understood until then.
#[test]
fn a_line_under_exit_is_found_after_the_login_ran() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for text in [
        "# A chapter\n\n```\nvagrant ssh node1\nexit\nA\n```\n\n",
        "# A chapter\n\n```\nvagrant ssh node1\nsudo -i\nA\n```\n\n",
    ] {
        replay_text(&rt, &lab(), Kind::Netns, text.as_bytes());
    }
}

/// The property's case found once the swallowed check looked at every
/// command: `route -n` ran on node1, then a `ping` the book shows under it
/// made it not understood; it ran, and the property holds.
#[test]
fn a_command_not_understood_after_it_ran_is_no_block_that_ran_nothing() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let text =
        "# A chapter\n\nProse.\n```\nroot@node1:~# route -n\n\n```bash\nping 10.244.1.2\n```\n\n";
    replay_text(&rt, &lab(), Kind::Netns, text.as_bytes());
}
