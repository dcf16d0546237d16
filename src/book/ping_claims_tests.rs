//! Probe21ba, finding 4: under a ping whose header is shown, Windows'
//! `Request timed out.` was no line of ping's to lab, so the block "showed
//! none of the command's own lines" and was skipped: a chapter claiming the
//! fixed cross-node ping failed passed. Each test was seen failing before
//! [`no_reply_in_other_words`] and [`lines_lab_cannot_read`] were written.

use super::{lines_lab_cannot_read, no_reply_in_other_words, tells_no_reply};
use crate::book::compare::{is_pings_own, ping_replies};

fn v(s: &str) -> Vec<String> {
    s.lines().map(str::to_string).collect()
}

const HEADER: &str = "PING 10.244.3.4 (10.244.3.4) 56(84) bytes of data.";

const REPLY: &str = "PING 10.244.3.4 (10.244.3.4) 56(84) bytes of data.
64 bytes from 10.244.3.4: icmp_seq=1 ttl=63 time=0.403 ms

--- 10.244.3.4 ping statistics ---
1 packets transmitted, 1 received, 0% packet loss, time 0ms";

const NO_REPLY: &str = "PING 10.244.3.4 (10.244.3.4) 56(84) bytes of data.

--- 10.244.3.4 ping statistics ---
1 packets transmitted, 0 received, 100% packet loss, time 0ms";

/// Other pings' words for "no reply came": Windows', Solaris', iputils'
/// `-O`, each with or without its full stop, in any case.
const OTHER_WORDS: [&str; 9] = [
    "Request timed out.",
    "request timed out",
    "Destination host unreachable.",
    "Reply from 10.244.1.1: Destination host unreachable.",
    "General failure.",
    "Transmit failed. General failure.",
    "Reply from 10.244.1.1: TTL expired in transit.",
    "no answer from 10.244.3.4",
    "no answer yet for icmp_seq=1",
];

#[test]
fn other_pings_words_for_no_reply_are_pings_own() {
    for line in OTHER_WORDS {
        assert!(no_reply_in_other_words(line), "{line}");
        assert!(is_pings_own(line), "{line}");
        assert!(tells_no_reply(line), "{line}");
    }
    // A reply in Windows' words is a reply, no line saying none came;
    // nor is a sentence that merely holds the words.
    for line in [
        "Reply from 10.244.3.4: bytes=32 time<1ms TTL=63",
        "The request timed out because flannel was down.",
        "Pinging 10.244.3.4 with 32 bytes of data:",
    ] {
        assert!(!no_reply_in_other_words(line), "{line}");
    }
}

/// Compared as no reply: against a lab that got one, a difference; against
/// a lab that got none, what each says is held as ping's facts.
#[test]
fn a_no_reply_in_other_words_is_compared_as_no_reply() {
    for line in OTHER_WORDS {
        let book = v(&format!("{HEADER}\n{line}"));
        let d = ping_replies(&book, &v(REPLY));
        assert!(
            d.iter().any(|d| d.contains("the book shows no reply")),
            "{line}: {d:#?}"
        );
    }
    let timed_out = v(&format!("{HEADER}\nRequest timed out."));
    assert_eq!(ping_replies(&timed_out, &v(NO_REPLY)), Vec::<String>::new());
    // An error in other words is an error: it differs from a lab without.
    let failure = v(&format!("{HEADER}\nGeneral failure."));
    assert_eq!(ping_replies(&failure, &v(NO_REPLY)).len(), 1);
    let unreachable = v(&format!(
        "{HEADER}\nReply from 10.244.1.1: Destination host unreachable."
    ));
    let d = ping_replies(&unreachable, &v(NO_REPLY));
    assert!(
        d.len() == 1 && d[0].contains("Destination Host Unreachable from 10.244.1.1"),
        "{d:#?}"
    );
}

/// What lab cannot read below a ping's header is named, never passed
/// over as a cut: a header claims a ping ran, the line below what came of
/// it. The author's own note below a header stays a cut.
#[test]
fn below_a_header_a_line_lab_cannot_read_is_named() {
    for line in ["Timeout.", "Ping request could not find host", "x x x"] {
        let d = lines_lab_cannot_read(&v(&format!("{HEADER}\n{line}")));
        assert_eq!(d.len(), 1, "{line}: {d:#?}");
        assert!(d[0].contains(line), "{d:#?}");
    }
    for note in ["Output omitted for brevity", "...", "", "[output omitted]"] {
        assert_eq!(
            lines_lab_cannot_read(&v(&format!("{HEADER}\n{note}"))),
            Vec::<String>::new(),
            "{note}"
        );
    }
    // Without a header, only a line that says what ping says is a claim.
    assert_eq!(lines_lab_cannot_read(&v("Timeout.")), Vec::<String>::new());
    assert_eq!(
        lines_lab_cannot_read(&v("64 bytes frօm 10.244.3.4: icmp_seq=1")).len(),
        1
    );
}

/// probe21bc, lesser 9 (`b7`): busybox's header with more after its sizes
/// (`48 data bytes, id 0x1234 = 1`) was ping's own, read by no one, and
/// its block matched. A header is ping's own as a whole line; with more
/// after it, it is a line ping does not print, named below a header or
/// alone. Seen failing: no difference.
#[test]
fn a_header_with_more_after_its_sizes_is_no_line_of_pings() {
    let reply = "56 bytes from 10.244.3.4: icmp_seq=0 ttl=62 time=0.947 ms";
    for header in [
        "PING 10.244.3.3 (10.244.3.3): 48 data bytes, id 0x1234 = 1",
        "PING 10.244.1.2 (10.244.1.2) 56(84) bytes of data. (same node)",
        "PING 10.244.3.3 (10.244.3.3): 48 data bytes x",
    ] {
        assert!(!is_pings_own(header), "{header}");
        let book = v(&format!("{header}\n{reply}"));
        let d = crate::book::compare::not_pings_own(&book);
        assert_eq!(d.len(), 1, "{header}: {d:#?}");
        assert!(d[0].contains(header), "{d:#?}");
        assert_eq!(lines_lab_cannot_read(&v(header)).len(), 1, "{header}");
    }
    for header in [
        "PING 10.244.3.3 (10.244.3.3): 48 data bytes",
        "PING 10.244.1.2 (10.244.1.2) 56(84) bytes of data.",
        "PING 10.244.1.2 (10.244.1.2) from 10.244.1.1 cni0: 56(84) bytes of data.",
    ] {
        assert!(is_pings_own(header), "{header}");
    }
}

/// probe21by, finding 7: ping's statistics line is its own words and
/// nothing after them. `… time 0ms (but node2 dropped it)` was read as the
/// statistics, its words dropped, and the ping matched; now it is a line
/// ping does not print. Seen failing first: it was ping's own.
#[test]
fn the_statistics_line_is_its_own_words_alone() {
    for line in [
        "1 packets transmitted, 1 received, 0% packet loss, time 0ms",
        "3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2003ms",
        "2 packets transmitted, 2 received, +1 duplicates, 0% packet loss, time 1001ms",
        "3 packets transmitted, 3 packets received, 0.0% packet loss",
    ] {
        assert!(is_pings_own(line), "{line}");
    }
    for line in [
        "1 packets transmitted, 1 received, 0% packet loss, time 0ms (but node2 dropped it)",
        "1 packets transmitted, 1 received, 0% packet loss, time 0ms, all from node1",
        "1 packets transmitted, 1 received by node2, 0% packet loss, time 0ms",
    ] {
        assert!(!is_pings_own(line), "{line}");
        let d = crate::book::compare::not_pings_own(&[
            "PING 10.244.3.4 (10.244.3.4) 56(84) bytes of data.".to_string(),
            line.to_string(),
        ]);
        assert_eq!(d.len(), 1, "{line}: {d:?}");
    }
}
