//! Unit tests of the ping comparison for the bookhide session (probe21ab's
//! lesser false red): a book that cuts a ping's output shows a lower bound
//! of its replies, not their count. Apart from `compare_tests.rs`, which
//! is at the 600-line bound.
use super::compare::ping_replies;

fn v(s: &str) -> Vec<String> {
    s.lines().map(str::to_string).collect()
}

const HEAD: &str = "PING 10.244.3.3 (10.244.3.3) 56(84) bytes of data.";

fn reply(seq: u32) -> String {
    format!("64 bytes from 10.244.3.3: icmp_seq={seq} ttl=63 time=0.512 ms")
}

/// `ping -c 3` whose book shows the header, `...` and the third reply: the
/// lab's three replies are no difference (probe21ab, e4_ping_elide_reply).
#[test]
fn a_cut_pings_reply_count_is_a_lower_bound() {
    let lab = v(&format!("{HEAD}\n{}\n{}\n{}", reply(1), reply(2), reply(3)));
    for cut in ["...", "[...]", "\u{2026}", "(output trimmed)"] {
        let book = v(&format!("{HEAD}\n{cut}\n{}", reply(3)));
        assert!(ping_replies(&book, &lab).is_empty(), "{cut}");
    }
    // Cut or not, a book that shows more replies than the lab gives is a
    // difference.
    let book = v(&format!("{HEAD}\n...\n{}\n{}", reply(2), reply(3)));
    let one = v(&format!("{HEAD}\n{}", reply(1)));
    assert!(
        ping_replies(&book, &one)
            .iter()
            .any(|d| d.contains("the book shows 2 replies; the lab shows 1")),
        "{:?}",
        ping_replies(&book, &one)
    );
    // Without a cut, a count difference stays a difference.
    let book = v(&format!("{HEAD}\n{}", reply(1)));
    assert_eq!(
        ping_replies(&book, &lab),
        ["ping: the book shows 1 replies; the lab shows 3"]
    );
    // A cut reply is still compared: the wrong TTL is a difference.
    let book = v(&format!(
        "{HEAD}\n...\n{}",
        reply(3).replace("ttl=63", "ttl=64")
    ));
    assert!(!ping_replies(&book, &lab).is_empty());
}
