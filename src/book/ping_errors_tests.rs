//! A ping's ICMP errors where neither side shows a reply (probe21by,
//! finding 1: only the first was compared, so a second error of another
//! kind or sender, errors repeated past the echoes sent, a seq going back,
//! words after an error and a colon no ping prints matched), and the
//! difference sentences that key a known-drift entry holding what the book
//! shows (finding 2: "a reply", "an answer (HTTP 200)" stayed known after
//! the book's responder, count, `Server` or protocol changed). Each test was
//! seen failing before `ping_errors.rs` and the sentences' new facts.

use crate::book::compare::{echoes_sent, ping_replies};
use crate::book::curl::{differences, facts};

fn v(s: &str) -> Vec<String> {
    s.lines().map(str::to_string).collect()
}

const HEAD: &str = "PING 10.244.2.2 (10.244.2.2) 56(84) bytes of data.";

/// iputils' output for `errors` (each `From ADDR icmp_seq=N KIND`), with
/// its statistics, as the lab's ping prints it.
fn lab(errors: &[(&str, u32, &str)]) -> Vec<String> {
    let mut out = vec![HEAD.to_string()];
    for (from, seq, kind) in errors {
        out.push(format!("From {from} icmp_seq={seq} {kind}"));
    }
    out.push(String::new());
    out.push("--- 10.244.2.2 ping statistics ---".into());
    out.push(format!(
        "{n} packets transmitted, 0 received, +{n} errors, 100% packet loss, time 0ms",
        n = errors.len()
    ));
    out
}

/// The book's lines under the header.
fn book(lines: &str) -> Vec<String> {
    v(&format!("{HEAD}\n{lines}"))
}

const TTL: &str = "Time to live exceeded";

#[test]
fn every_error_is_compared_where_neither_shows_a_reply() {
    let one = lab(&[("10.244.1.1", 1, TTL)]);
    let two = lab(&[("10.244.1.1", 1, TTL), ("10.244.1.1", 2, TTL)]);
    // The control: the lab's own lines match.
    assert_eq!(
        ping_replies(
            &book("From 10.244.1.1 icmp_seq=1 Time to live exceeded"),
            &one
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        ping_replies(
            &book(
                "From 10.244.1.1 icmp_seq=1 Time to live exceeded\nFrom 10.244.1.1 icmp_seq=2 Time to live exceeded"
            ),
            &two
        ),
        Vec::<String>::new()
    );
    let drifts = [
        // The same error three times, for the one echo it had.
        (
            "From 10.244.1.1 icmp_seq=1 Time to live exceeded\nFrom 10.244.1.1 icmp_seq=1 Time to live exceeded\nFrom 10.244.1.1 icmp_seq=1 Time to live exceeded",
            &one,
        ),
        // Its second error of another kind.
        (
            "From 10.244.1.1 icmp_seq=1 Time to live exceeded\nFrom 10.244.1.1 icmp_seq=2 Destination Host Unreachable",
            &two,
        ),
        // Its second error from another sender.
        (
            "From 10.244.1.1 icmp_seq=1 Time to live exceeded\nFrom 192.168.7.1 icmp_seq=2 Time to live exceeded",
            &two,
        ),
        // Its seq going back.
        (
            "From 10.244.1.1 icmp_seq=2 Time to live exceeded\nFrom 10.244.1.1 icmp_seq=1 Time to live exceeded",
            &two,
        ),
        // A second error the lab never got.
        (
            "From 10.244.1.1 icmp_seq=1 Time to live exceeded\nFrom 10.244.1.1 icmp_seq=2 Time to live exceeded",
            &one,
        ),
        // Words after its kind, and ping's mark of a reply.
        (
            "From 10.244.1.1 icmp_seq=1 Time to live exceeded after 30 hops via node2",
            &one,
        ),
        (
            "From 10.244.1.1 icmp_seq=1 Time to live exceeded (DUP!)",
            &one,
        ),
        // A colon after the sender, which iputils prints only on a
        // redirect or a source quench.
        ("From 10.244.1.1: icmp_seq=1 Time to live exceeded", &one),
    ];
    for (shown, lab) in drifts {
        assert!(!ping_replies(&book(shown), lab).is_empty(), "{shown}");
    }
}

/// BSD's errors carry no seq: each is the next echo's, and the lab sends
/// as many echoes as the book shows errors.
#[test]
fn bsd_errors_are_counted_and_compared_each() {
    let bsd = v("PING 10.244.2.2 (10.244.2.2): 56 data bytes
60 bytes from 10.244.1.1: Destination Net Unreachable
60 bytes from 10.244.1.1: Destination Net Unreachable");
    assert_eq!(echoes_sent(&bsd), 2);
    let net = "Destination Net Unreachable";
    let same = lab(&[("10.244.1.1", 1, net), ("10.244.1.1", 2, net)]);
    assert_eq!(ping_replies(&bsd, &same), Vec::<String>::new());
    let other = lab(&[("10.244.1.1", 1, net), ("10.244.1.7", 2, net)]);
    assert!(!ping_replies(&bsd, &other).is_empty());
}

/// Whether `changed`'s differences hold a sentence `blessed`'s do not: a
/// known-drift entry blessed for `blessed` explains no difference of
/// `changed`, which is then new drift.
fn new_difference(blessed: &[String], changed: &[String]) -> bool {
    changed.iter().any(|d| !blessed.contains(d))
}

#[test]
fn a_changed_ping_output_is_a_new_difference() {
    // Against a lab that got no reply and no error.
    let silent = v(HEAD);
    let reply = "64 bytes from 10.244.2.2: icmp_seq=1 ttl=63 time=0.403 ms";
    let blessed = ping_replies(&book(reply), &silent);
    assert!(!blessed.is_empty());
    for changed in [
        "64 bytes from 8.8.8.8: icmp_seq=1 ttl=63 time=0.403 ms",
        "64 bytes from 10.244.2.2: icmp_seq=1 ttl=63 time=0.403 ms\n64 bytes from 10.244.2.2: icmp_seq=2 ttl=63 time=0.401 ms",
        "64 bytes from 10.244.2.2: icmp_seq=1 ttl=63 time=0.403 ms (DUP!)",
        "From 10.244.1.1 icmp_seq=1 Destination Host Unreachable\n64 bytes from 10.244.2.2: icmp_seq=2 ttl=63 time=0.403 ms",
    ] {
        let d = ping_replies(&book(changed), &silent);
        assert!(new_difference(&blessed, &d), "{changed}: {d:?}");
    }
    // The chapter's own: the book's BSD error against the lab's TTL error.
    let bsd = |errors: &str| {
        v(&format!(
            "PING 10.244.2.2 (10.244.2.2): 48 data bytes\n{errors}"
        ))
    };
    let ttl = lab(&[("10.244.1.1", 1, TTL)]);
    let blessed = ping_replies(
        &bsd("60 bytes from 10.244.1.1: Destination Net Unreachable"),
        &ttl,
    );
    assert!(!blessed.is_empty());
    for changed in [
        "60 bytes from 10.244.1.1: Destination Net Unreachable\n60 bytes from 10.244.1.1: Destination Host Unreachable",
        "60 bytes from 10.244.1.1: Destination Net Unreachable (timeout after 30 s)",
        "60 bytes from 10.244.1.9: Destination Net Unreachable",
    ] {
        let d = ping_replies(&bsd(changed), &ttl);
        assert!(new_difference(&blessed, &d), "{changed}: {d:?}");
    }
}

#[test]
fn a_changed_curl_answer_is_a_new_difference() {
    let timed_out = facts(
        &v("curl: (28) Connection timed out after 1001 milliseconds"),
        Some(28),
    );
    let said = |shown: &str| differences(&facts(&v(shown), None), &timed_out).0;
    let blessed = said("HTTP/1.1 200 OK\nServer: nginx/1.13.12\nContent-Type: text/html");
    assert!(!blessed.is_empty());
    for changed in [
        "HTTP/1.1 200 OK\nServer: Apache/2.4.29 (Ubuntu)\nContent-Type: text/html",
        "HTTP/1.0 200 OK\nServer: Microsoft-IIS/10.0\nContent-Type: text/html",
        "HTTP/1.0 200 OK\nServer: nginx/1.13.12\nContent-Type: text/html",
        "HTTP/1.1 200 OK\nServer: nginx/1.25.3\nContent-Type: text/html",
    ] {
        assert!(new_difference(&blessed, &said(changed)), "{changed}");
    }
}

/// iputils' error line (`From ADDR icmp_seq=N`) numbers its echoes from 1
/// whatever header stands above it (`--suggest` writes the lab's line under
/// the book's BSD header): its echo 1 is one echo sent, not two.
#[test]
fn an_iputils_error_counts_its_echoes_from_one() {
    let mixed = v("PING 10.244.3.3 (10.244.3.3): 48 data bytes
From 10.244.1.1 icmp_seq=1 Time to live exceeded");
    assert_eq!(echoes_sent(&mixed), 1);
    // A BSD reply's numbers count from 0 under its header.
    let bsd = v("PING 10.244.3.3 (10.244.3.3): 56 data bytes
64 bytes from 10.244.3.3: icmp_seq=1 ttl=63 time=0.403 ms");
    assert_eq!(echoes_sent(&bsd), 2);
}
