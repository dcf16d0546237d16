//! `lab book` on probe21bk's false greens of remarks and of a ping's and a
//! capture's numbers. Chapters made here from `labs/chapter4/chapter.md`
//! with lines changed, replayed with chapter4's own known drift:
//! - findings 2 and 3: a remark with words lab does not read (`(via
//!   flannel.1)`), or with no listed word of place (`(between nodes)`), or
//!   outcome words after a right place word (`(across node, fixed)`), and
//!   a comment on its own line above a command (`# across node`) are read
//!   and checked, or make the line not understood; none is a note that
//!   claims nothing;
//! - finding 4: one echo request captured again a second later drifts;
//! - lesser 1 and 2: an mdev no ping prints under the replies shown, and
//!   statistics printed twice, drift;
//! - true remarks in such words (`(node to node, down)`, `exit # back on
//!   the host`, `# node1 -> node2, works now`) pass, and so does a note of
//!   what a line that reaches no address is for (`get pods -l app=flannel #
//!   list the flannel pods`): no word of place or outcome.
//!
//! Seen failing with the fix off (src as at 8934197, these tests as here):
//! `wrong_remarks_are_not_green` at its first case (line 84 `match`),
//! `a_comment_above_a_command_is_a_remark_about_it` and
//! `numbers_no_ping_or_capture_prints_drift` (rc 0, not 1); the same
//! chapters by hand (`lab book
//! --chapter`, probe21bk's `R25`, `N16`, `N22`, `M38`, `N17`, `R20`, `T8`,
//! `S2`, `S16`, `S21`) gave rc 0 on that build.

use serde_json::Value;

/// chapter4's chapter with each `(from, to)` text changed (its first
/// occurrence).
fn book(changes: &[(&str, &str)]) -> (i32, String, Value) {
    let changes: Vec<(String, String)> = changes
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    crate::book::book_chapter4_changed("bkrem", move |text| {
        let mut text = text.to_string();
        for (from, to) in &changes {
            assert!(text.contains(from.as_str()), "{from}");
            text = text.replacen(from.as_str(), to, 1);
        }
        text
    })
}

/// The command at `line` has `verdict` and a difference (or, not
/// understood, its reason) holding `text`.
fn judged(v: &Value, stdout: &str, line: u64, verdict: &str, text: &str) {
    let c = crate::book::command(v, line);
    assert_eq!(
        crate::book::said(&c, "verdict"),
        verdict,
        "{line}: {c}\n{stdout}"
    );
    let said: Vec<String> = match verdict {
        "drift" => c["differences"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap_or("").to_string())
            .collect(),
        _ => vec![crate::book::said(&c, "reason")],
    };
    assert!(said.iter().any(|s| s.contains(text)), "{line}: {c}");
}

const SAME_84: &str = "ping 10.244.1.2  (same node)";
const ACROSS_90: &str = "ping 10.244.3.3 (across node)";
const SAME_227: &str = "ping 10.244.1.3 (same node)";
const ACROSS_232: &str = "ping 10.244.3.4 (across node)";

/// Findings 2 and 3: each wrong remark drifts, one lab cannot read is not
/// understood.
#[test]
fn wrong_remarks_are_not_green() {
    let (code, stdout, v) = book(&[
        (SAME_84, "ping 10.244.1.2 (between nodes)"),
        (ACROSS_90, "ping 10.244.3.3 (across node, fixed)"),
        (SAME_227, "ping 10.244.1.3 (via flannel.1)"),
        (ACROSS_232, "ping 10.244.3.4 # no reply"),
    ]);
    assert_eq!(code, 1, "{stdout}");
    judged(
        &v,
        &stdout,
        84,
        "drift",
        "the remark says 10.244.1.2 is a pod of another node",
    );
    judged(
        &v,
        &stdout,
        90,
        "drift",
        "the remark says the line gets an answer, but the lab's got none",
    );
    judged(
        &v,
        &stdout,
        227,
        // probe21bm: `flannel.1` is read as across nodes, wrong here.
        "drift",
        "the remark says 10.244.1.3 is a pod of another node",
    );
    judged(
        &v,
        &stdout,
        232,
        "drift",
        "the remark says the line gets no answer",
    );
    let (code, stdout, v) = book(&[(ACROSS_90, "ping 10.244.3.3 # fixed")]);
    assert_eq!(code, 1, "{stdout}");
    judged(
        &v,
        &stdout,
        90,
        "drift",
        "the remark says the line gets an answer",
    );
}

/// Finding 3 (`R20`): `# across node` on its own line above node1's own
/// pod's ping is a remark about that ping, not `vagrant ssh`'s output.
#[test]
fn a_comment_above_a_command_is_a_remark_about_it() {
    let (code, stdout, v) = book(&[(
        "vagrant ssh node1\n\nping 10.244.1.2  (same node)",
        "vagrant ssh node1\n# across node\nping 10.244.1.2  (same node)",
    )]);
    assert_eq!(code, 1, "{stdout}");
    judged(
        &v,
        &stdout,
        84,
        "drift",
        "the remark says 10.244.1.2 is a pod of another node",
    );
}

/// Finding 4 (`T8`), lesser 1 (`S21`) and 2 (`S16`).
#[test]
fn numbers_no_ping_or_capture_prints_drift() {
    let first =
        "20:55:02.971181 IP 10.244.1.0 > 10.244.3.3: ICMP echo request, id 5874, seq 1, length 64";
    let again = first.replace("20:55:02.971181", "20:55:03.972540");
    let stats = |to: &str, got: &str, rtt: &str| {
        format!("\n--- {to} ping statistics ---\n{got}\nrtt min/avg/max/mdev = {rtt} ms\n")
    };
    let two = "2 packets transmitted, 2 received, 0% packet loss, time 1001ms";
    let reply_88 = "64 bytes from 10.244.1.2: icmp_seq=2 ttl=64 time=0.060 ms\n";
    let reply_235 = "64 bytes from 10.244.3.4: icmp_seq=1 ttl=63 time=0.403 ms\n";
    let (code, stdout, v) = book(&[
        (
            reply_88,
            &format!(
                "{reply_88}{}{}",
                stats("10.244.1.2", two, "0.054/0.057/0.060/0.003"),
                stats("10.244.1.2", two, "0.054/0.057/0.060/0.003")
            ),
        ),
        (first, &format!("{first}\n{again}")),
        (
            reply_235,
            &format!(
                "{reply_235}{}",
                stats(
                    "10.244.3.4",
                    "1 packets transmitted, 1 received, 0% packet loss, time 0ms",
                    "0.403/0.403/0.403/0.200"
                )
            ),
        ),
    ]);
    assert_eq!(code, 1, "{stdout}");
    judged(&v, &stdout, 84, "drift", "a ping's statistics 2 times");
    // Eight lines put in after line 88, one after 163.
    judged(
        &v,
        &stdout,
        168,
        "drift",
        "(id 5874) again 1.001359 s after its first",
    );
    judged(
        &v,
        &stdout,
        241,
        "drift",
        "has mdev 0.200 ms, but its statistics count one reply",
    );
}

/// True remarks in the words these fixes read pass, and the chapter keeps
/// its summary. The notes on lines 38 and 70 seen failing with
/// `speaks_of_place_or_outcome` not consulted: rc 1 (line 38 not
/// understood, "the remark has words lab does not read").
#[test]
fn true_remarks_in_these_words_pass() {
    let (code, stdout, v) = book(&[
        (SAME_84, "ping 10.244.1.2  (node-local, up)"),
        (ACROSS_90, "ping 10.244.3.3 (node to node, down)"),
        ("exit (from node1)", "exit # back on the host"),
        // `W9`: not understood before ("lab cannot tell which is meant").
        (ACROSS_232, "ping 10.244.3.4 # node1 -> node2, works now"),
        // Notes of what a line that reaches no address is for: no word of
        // place or outcome (not understood before the lead's review).
        (
            "-l app=flannel\n",
            "-l app=flannel # list the flannel pods\n",
        ),
        (
            "get pods -o wide\n",
            "get pods -o wide  (nginx's two replicas)\n",
        ),
    ]);
    assert_eq!(code, 0, "{stdout}");
    for line in [84, 90, 232] {
        let c = crate::book::command(&v, line);
        assert_eq!(crate::book::said(&c, "verdict"), "match", "{line}: {c}");
    }
    for line in [38, 70] {
        let c = crate::book::command(&v, line);
        assert_ne!(
            crate::book::said(&c, "verdict"),
            "not_understood",
            "{line}: {c}"
        );
    }
    assert!(
        stdout.contains(
            "17 blocks: 3 match, 0 drift, 5 known drift, 9 skipped, 0 not understood, 0 error"
        ),
        "{stdout}"
    );
}

/// Wrong red 3 (`T22`): the book's ping runs until Ctrl-C, so its capture
/// may show more echoes than two; the lab sends as many and compares them
/// all (its capture has `seq 4`), the chapter passing. Seen failing with
/// the lab's traffic at two echoes: line 160 drifted ("the lab's output has
/// no such line").
#[test]
fn a_capture_of_more_echoes_is_compared_with_as_many() {
    let first =
        "20:55:02.971181 IP 10.244.1.0 > 10.244.3.3: ICMP echo request, id 5874, seq 1, length 64";
    let more: String = (2..=4)
        .map(|s| format!("\n20:55:0{}.972540 IP 10.244.1.0 > 10.244.3.3: ICMP echo request, id 5874, seq {s}, length 64", s + 1))
        .collect();
    let (code, stdout, v) = book(&[(first, &format!("{first}{more}"))]);
    assert_eq!(code, 0, "{stdout}");
    let c = crate::book::command(&v, 160);
    assert_eq!(crate::book::said(&c, "verdict"), "match", "{c}");
    let lab: Vec<&str> = c["lab"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(lab.iter().any(|l| l.contains("seq 4,")), "{c}");
}
