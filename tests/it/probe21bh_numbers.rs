//! probe21bh, lesser 3 and 4: numbers `labs/chapter4/chapter.md` could be
//! given that the tool printing them never prints, each rc 0 before the
//! fix. Under the capture (line 160), after its one packet: a second
//! packet 1 s earlier (`D1`), the same ping's second echo under another
//! ICMP id (`D2`), the same packet line twice (`D21`), and `seq 2` 10 s or
//! 9 µs after `seq 1` (`D23`, `D24`). Under the same-node ping (line 84),
//! after its two replies: a round trip of 5 ms (`E7`), an avg above the
//! max (`E7b`), and `time 9ms` for 2 packets (`E7d`). Each now drifts its
//! block, saying why; the same additions as real tools print them (a
//! second echo a second later, the statistics of the two replies) still
//! pass. Seen failing first: with `capture_order` and `ping_numbers` not
//! called (node_compare.rs, compare_ping_lines.rs) every changed chapter
//! was rc 0.

use serde_json::Value;

const PACKET: &str =
    "20:55:02.971181 IP 10.244.1.0 > 10.244.3.3: ICMP echo request, id 5874, seq 1, length 64\n";
const REPLY: &str = "64 bytes from 10.244.1.2: icmp_seq=2 ttl=64 time=0.060 ms\n";

/// `lab book` of chapter4 with `lines` put in after the one line `after`
/// (as the chapter has it), with chapter4's known drift.
fn book_with_after(after: &str, lines: &str) -> (i32, String, Value) {
    let lines = lines.to_string();
    let after = after.to_string();
    crate::book::book_chapter4_changed("fxnum", move |text| {
        assert_eq!(text.matches(&after).count(), 1, "{after}");
        text.replacen(&after, &format!("{after}{lines}"), 1)
    })
}

fn echo(time: &str, id: u32, seq: u32) -> String {
    format!("{time} IP 10.244.1.0 > 10.244.3.3: ICMP echo request, id {id}, seq {seq}, length 64\n")
}

fn stats(time: &str, rtt: &str) -> String {
    format!(
        "\n--- 10.244.1.2 ping statistics ---\n2 packets transmitted, 2 received, 0% packet loss, time {time}\n{}",
        if rtt.is_empty() {
            String::new()
        } else {
            format!("rtt min/avg/max/mdev = {rtt} ms\n")
        }
    )
}

/// Each impossible number drifts its block, saying why.
#[test]
fn numbers_their_tool_never_prints_drift() {
    for (after, lines, block, said) in [
        (
            PACKET,
            echo("20:55:01.971181", 5874, 2),
            154,
            "1.000000 s earlier",
        ),
        (
            PACKET,
            echo("20:55:03.971181", 5875, 2),
            154,
            "under 2 ICMP ids (5874, 5875)",
        ),
        (PACKET, PACKET.to_string(), 154, "twice, to the microsecond"),
        (
            PACKET,
            echo("20:55:12.971181", 5874, 2),
            154,
            "10.000000 s after seq 1",
        ),
        (
            PACKET,
            echo("20:55:02.971190", 5874, 2),
            154,
            "9 µs after seq 1",
        ),
        (
            REPLY,
            stats("1001ms", "5.054/5.057/5.060/0.003"),
            81,
            "took 0.054 ms: each reply's time lies between them",
        ),
        (
            REPLY,
            stats("1001ms", "0.054/0.090/0.060/0.003"),
            81,
            "its average lies between its least and greatest time",
        ),
        (
            REPLY,
            stats("9ms", ""),
            81,
            "time 9ms for 2 packets transmitted",
        ),
    ] {
        let (code, stdout, v) = book_with_after(after, &lines);
        assert_eq!(code, 1, "{lines}: {stdout}");
        let b = crate::book::block(&v, block);
        assert_eq!(b["verdict"], "drift", "{lines}: {b}");
        assert!(b.to_string().contains(said), "{lines}: {b}");
    }
}

/// The same additions as ping and tcpdump print them pass: the capture's
/// next echo a second later, the ping's statistics of its two replies.
#[test]
fn the_same_numbers_as_printed_still_pass() {
    for (after, lines) in [
        (PACKET, echo("20:55:03.972034", 5874, 2)),
        (REPLY, stats("1001ms", "0.054/0.057/0.060/0.003")),
    ] {
        let (code, stdout, _) = book_with_after(after, &lines);
        assert_eq!(code, 0, "{lines}: {stdout}");
    }
}
