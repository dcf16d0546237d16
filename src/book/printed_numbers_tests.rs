//! [`super`]'s numbers: reply times, tcpdump's snapshot length, an ICMP
//! error line's size.
//! Each test seen failing with its functions returning nothing (the fix off).

use super::*;

fn lines(l: &[&str]) -> Vec<String> {
    l.iter().map(|s| s.to_string()).collect()
}

/// G4, G10: a same-host reply of 54 or 900 ms. Seen failing with the
/// check off (`slow_replies` returning nothing): both matched.
#[test]
fn a_reply_slower_than_a_same_host_network_is_a_difference() {
    let lab = lines(&["64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.055 ms"]);
    for t in ["54.0", "900", "20.5"] {
        let book = lines(&[&format!(
            "64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time={t} ms"
        )]);
        assert_eq!(slow_replies(&book, &lab).len(), 1, "{t}");
    }
    for t in ["0.054", "0.947", "1.62", "19.9"] {
        let book = lines(&[&format!(
            "56 bytes from 10.244.3.4: icmp_seq=0 ttl=62 time={t} ms"
        )]);
        assert!(slow_replies(&book, &lab).is_empty(), "{t}");
    }
    // A loaded host: ten times the lab's own slowest reply.
    let slow_lab = lines(&["64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=6.1 ms"]);
    let book = lines(&["64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=54.0 ms"]);
    assert!(slow_replies(&book, &slow_lab).is_empty());
}

/// T2: `capture size 65535 bytes` over a tcpdump that captures 262144.
#[test]
fn another_snapshot_length_is_a_difference() {
    let lab = lines(&[
        "listening on flannel.1, link-type EN10MB (Ethernet), snapshot length 262144 bytes",
    ]);
    let book = |n: &str| {
        lines(&[&format!(
            "listening on flannel.1, link-type EN10MB (Ethernet), capture size {n} bytes"
        )])
    };
    assert_eq!(snap_lengths(&book("65535"), &lab).0.len(), 1);
    assert_eq!(snap_lengths(&book("262144"), &lab), (vec![], None));
    let (d, note) = snap_lengths(&book("262144"), &[]);
    assert!(d.is_empty() && note.is_some());
}

/// B4: an error line's size is said as not compared; a reply's is not one.
#[test]
fn an_icmp_error_lines_size_is_named_as_not_compared() {
    let n = error_sizes(&lines(&[
        "PING 10.244.3.3 (10.244.3.3): 48 data bytes",
        "92 bytes from 10.244.1.1: Destination Net Unreachable",
        "56 bytes from 10.244.3.4: icmp_seq=0 ttl=62 time=0.947 ms",
    ]));
    assert_eq!(n.len(), 1, "{n:?}");
    assert!(n[0].contains("(92 bytes)"), "{n:?}");
}
