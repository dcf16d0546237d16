//! `lab book` on probe21bc's findings 3, 4, 5 and lesser 7: chapters made
//! here from `labs/chapter4/chapter.md` with one block put in (after line
//! 239 in the fixed part, 181 or 165 in the broken part, 98 or 253),
//! replayed with chapter4's own known drift. Lines only some commands
//! print go to the command of the block that prints them
//! (`src/book/line_shapes.rs`), wherever the book shows them (in the
//! block, paired by `Output:`, set apart by `#### Output`):
//! - finding 3: a ping's failure, or a reply with `ttl=99`, shown below
//!   `vagrant ssh node1` / `ping -c 1 10.244.3.4` / `curl …` on the fixed
//!   lab (and in a pod, `kubectl exec … -- ping` / `… -- curl` with
//!   busybox's lines) is the ping's: drift (curl's "page", skipped; the
//!   ping "shows no output", rc 0);
//! - finding 4: a capture's packet lines below `tcpdump` / `curl` are the
//!   capture's: drift (curl's page, `match`, rc 0); below a block with no
//!   capture, no command's: not understood;
//! - finding 5: flannel's log naming enp0s8 on the broken lab, below
//!   `kubectl logs …` then `get nodes`, `get pods -l app=flannel` or
//!   `vagrant ssh node1` / `curl` / `exit`, in klog's form too, is the
//!   log's: drift (skipped: "not the output of … get nodes", rc 0); below
//!   a block with no `logs`, not understood;
//! - lesser 7: a page titled as Apache's below `curl` drifts (the lab's
//!   server is nginx; it was skipped, rc 0).
//!
//! Controls: the true ping output below the same blocks, and the true log,
//! pass (rc 0). Seen failing first: the build before the fix (d2220fd)
//! gave rc 0 for each failing case but `h13` (`exit` not understood, the
//! ping not compared) and `k_inline` (the same).

use serde_json::Value;

const FAILURE: &str = "PING 10.244.3.4 (10.244.3.4) 56(84) bytes of data.
From 10.244.1.1 icmp_seq=1 Destination Host Unreachable

--- 10.244.3.4 ping statistics ---
1 packets transmitted, 0 received, +1 errors, 100% packet loss";

/// A ping's reply from 10.244.3.4 with the ttl `ttl`.
fn reply(ttl: u32) -> String {
    format!(
        "PING 10.244.3.4 (10.244.3.4) 56(84) bytes of data.
64 bytes from 10.244.3.4: icmp_seq=1 ttl={ttl} time=0.403 ms

--- 10.244.3.4 ping statistics ---
1 packets transmitted, 1 received, 0% packet loss, time 0ms"
    )
}

const CAPTURE: &str =
    "20:55:02.971181 IP 10.244.1.0 > 10.244.3.3: ICMP echo request, id 5874, seq 1, length 64
20:55:02.971300 IP 10.244.3.3 > 10.244.1.0: ICMP echo reply, id 5874, seq 1, length 64";

const LOG: &str = "Determining IP address of default interface
Using interface with name enp0s8 and address 10.100.198.201
Defaulting external address to interface address (10.100.198.201)";

const KLOG: &str = "I0421 20:50:01.000000       1 main.go:488] Using interface with name enp0s8 and address 10.100.198.201
I0421 20:50:01.000000       1 main.go:505] Defaulting external address to interface address (10.100.198.201)";

const LOGS: &str = "kubectl --kubeconfig ./admin.conf logs -n kube-system kube-flannel-ds-zzkf7";
const NODES: &str = "kubectl --kubeconfig ./admin.conf get nodes";
const POD: &str = "kubectl --kubeconfig ./admin.conf exec -it nginx-deployment-75675f5897-rq75g --";

/// How the output is shown below the commands.
enum Shown {
    /// In the same block, after the last command (then `after`'s lines).
    Inline(&'static str),
    /// In a block of `lang` after the text `lead`.
    Below(&'static str, &'static str),
}
use Shown::{Below, Inline};

/// A `bash` block of `commands` and `output` shown so.
fn block(commands: &[&str], output: &str, shown: Shown) -> String {
    let mut s = format!("```bash\n{}", commands.join("\n"));
    match shown {
        Inline(after) => {
            s.push_str(&format!("\n\n{output}\n"));
            if !after.is_empty() {
                s.push_str(&format!("\n{after}\n"));
            }
            s.push_str("```\n");
        }
        Below(lead, lang) => s.push_str(&format!("\n```\n\n{lead}\n\n```{lang}\n{output}\n```\n")),
    }
    s
}

/// The case `name`: after which line of chapter4's chapter, which block.
fn case(name: &str) -> (usize, String) {
    fn with<'a>(last: &[&'a str]) -> Vec<&'a str> {
        let ping = ["vagrant ssh node1", "ping -c 1 10.244.3.4"];
        ping.iter().chain(last).copied().collect()
    }
    let apart = Below("#### Output", "text");
    let paired = Below("Output:", "text");
    let capture = [
        "vagrant ssh node1",
        "sudo tcpdump -i flannel.1",
        "curl -s 10.244.1.2",
        "exit",
    ];
    let on_node1 = ["vagrant ssh node1", "curl -s 10.244.1.2", "exit"];
    let (ping_curl, pod_ping, pod_curl) = (
        "curl -s 10.244.1.3",
        format!("{POD} ping -c 1 10.244.3.4"),
        format!("{POD} curl -s 10.244.3.4"),
    );
    let busybox = "PING 10.244.3.4 (10.244.3.4): 56 data bytes
64 bytes from 10.244.3.4: seq=0 ttl=99 time=0.947 ms";
    let apache = "<title>Apache2 Ubuntu Default Page: It works</title>";
    match name {
        // Finding 3.
        "h2" => (239, block(&with(&[ping_curl]), FAILURE, apart)),
        "h8" => (239, block(&with(&[ping_curl]), FAILURE, Inline(""))),
        "h9" => (239, block(&with(&[ping_curl]), FAILURE, paired)),
        "h7_curl_10_244_" => (239, block(&with(&["curl 10.244.3.4"]), FAILURE, apart)),
        "h7_curl__s_http" => (
            239,
            block(&with(&["curl -s http://10.244.1.3/"]), FAILURE, apart),
        ),
        "h12" => (239, block(&with(&[ping_curl]), &reply(99), Inline(""))),
        "h13" => (
            239,
            block(&with(&[ping_curl, "exit"]), &reply(99), Inline("")),
        ),
        "q1" => (253, block(&[&pod_ping, &pod_curl], busybox, Inline(""))),
        "q1_apart" => (253, block(&[&pod_ping, &pod_curl], busybox, apart)),
        // Finding 4.
        "k_curl__s_10" => (165, block(&capture, CAPTURE, apart)),
        "k_inline" => (165, block(&capture, CAPTURE, Inline(""))),
        "u4" => (98, block(&on_node1, CAPTURE.lines().nth(1).unwrap(), apart)),
        "c_reply_inline" => (
            98,
            block(
                &on_node1[..2],
                "64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.054 ms",
                Inline("exit"),
            ),
        ),
        // Finding 5.
        "l1" => (181, block(&[LOGS, NODES], LOG, apart)),
        "l4" => (
            181,
            block(&[LOGS, NODES], LOG, Below("Output:", "terminal")),
        ),
        "l5" => (
            181,
            block(
                &[
                    LOGS,
                    "kubectl --kubeconfig ./admin.conf get pods -n kube-system -l app=flannel",
                ],
                LOG,
                apart,
            ),
        ),
        "l6" => (181, block(&[LOGS, NODES], KLOG, apart)),
        "l3b" => (181, block(&[&[LOGS][..], &on_node1].concat(), LOG, apart)),
        "l_nologs" => (181, block(&[NODES], KLOG, apart)),
        // Lesser 7.
        "u2" => (98, block(&on_node1, apache, apart)),
        // Controls: the true output.
        "g_h_apart" => (239, block(&with(&[ping_curl, "exit"]), &reply(63), apart)),
        "g_h_inline" => (239, block(&with(&[ping_curl]), &reply(63), Inline("exit"))),
        "g_l_apart" => (
            181,
            block(
                &[LOGS, NODES],
                &LOG.replace("enp0s8", "enp0s3")
                    .replace("10.100.198.201", "10.0.2.15"),
                apart,
            ),
        ),
        _ => panic!("no case {name}"),
    }
}

/// `lab book` of chapter4's chapter with case `name`'s block put in, with
/// chapter4's known drift.
fn book(name: &str) -> (i32, String, Value) {
    let (after, text) = case(name);
    let base =
        std::fs::read_to_string(crate::harness::root().join("labs/chapter4/chapter.md")).unwrap();
    let lines: Vec<&str> = base.lines().collect();
    let chapter = format!(
        "{}\n{text}\n\n{}\n",
        lines[..after].join("\n"),
        lines[after..].join("\n")
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.md"));
    std::fs::write(&path, chapter).unwrap();
    // An absolute path: `fixture` joins it as it is.
    crate::book::book_with_chapter4_known("bbc", path.to_str().unwrap())
}

/// probe21bc, finding 3.
#[test]
fn a_pings_lines_below_a_curl_are_the_pings() {
    let failure = "ping: the book shows no reply: Destination Host Unreachable";
    let ttl = "ping reply 1: the book shows from 10.244.2.2 icmp_seq 1 of the run ttl 99";
    crate::book::fails_at(
        book,
        &[
            ("h2", 242, "drift", failure),
            ("h8", 242, "drift", failure),
            ("h9", 242, "drift", failure),
            ("h7_curl_10_244_", 242, "drift", failure),
            ("h7_curl__s_http", 242, "drift", failure),
            ("h12", 242, "drift", ttl),
            ("h13", 242, "drift", ttl),
            ("q1", 255, "drift", ttl),
            ("q1_apart", 255, "drift", ttl),
        ],
    );
}

/// probe21bc, finding 4.
#[test]
fn a_captures_lines_are_never_a_curls_page() {
    let request = "the book shows `IP 10.244.1.0 > 10.244.2.2: ICMP echo request";
    crate::book::fails_at(
        book,
        &[
            ("k_curl__s_10", 168, "drift", request),
            ("k_inline", 168, "drift", request),
            (
                "u4",
                108,
                "not_understood",
                "the block at line 107 shows `20:55:02.971300 IP 10.244.3.3 > 10.244.1.0: ICMP echo reply",
            ),
            (
                "c_reply_inline",
                101,
                "not_understood",
                "the book shows `64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.054 ms` as this curl's output, a line only a ping prints",
            ),
        ],
    );
}

/// probe21bc, finding 5.
#[test]
fn a_logs_lines_below_another_command_are_the_logs() {
    let wrong = "the book shows `Using interface with name enp0s8 and address 10.100.198.201`";
    crate::book::fails_at(
        book,
        &[
            ("l1", 183, "drift", wrong),
            ("l4", 183, "drift", wrong),
            ("l5", 183, "drift", wrong),
            ("l6", 183, "drift", wrong),
            ("l3b", 183, "drift", wrong),
            (
                "l_nologs",
                189,
                "not_understood",
                "the block at line 188 shows `I0421 20:50:01.000000       1 main.go:488] Using interface",
            ),
        ],
    );
}

/// probe21bc, lesser 7; and the controls: the true output below the same
/// blocks passes, compared under the command that prints it.
#[test]
fn another_servers_page_drifts_and_the_true_output_passes() {
    crate::book::fails_at(
        book,
        &[(
            "u2",
            101,
            "drift",
            "curl: the book's page has the title `Apache2 Ubuntu Default Page: It works`, which none of nginx's pages has",
        )],
    );
    for (name, line, verdict) in [
        ("g_h_apart", 242, "match"),
        ("g_h_inline", 242, "match"),
        ("g_l_apart", 183, "skipped"),
    ] {
        let (code, stdout, v) = book(name);
        assert_eq!(code, 0, "{name}: {stdout}");
        let c = crate::book::command(&v, line);
        assert_eq!(crate::book::said(&c, "verdict"), verdict, "{name}: {c}");
        if verdict == "skipped" {
            // The log, compared: kubectl's own run did not, on netns.
            assert!(
                crate::book::said(&c, "reason")
                    .contains("lab read that node's flannel log and compared that"),
                "{name}: {c}"
            );
            assert!(
                c["why"]
                    .to_string()
                    .contains("its lines read as this command's output"),
                "{name}: {c}"
            );
        }
    }
}
