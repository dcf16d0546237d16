//! Unit tests of [`super`]: how many echoes a ping the book ended by hand is sent.
use super::count_for;
use crate::book::recognize::MAX_PING_COUNT;

fn shown(n: usize) -> Vec<String> {
    (1..=n)
        .map(|i| format!("64 bytes from 10.244.1.2: icmp_seq={i} ttl=64 time=0.05 ms"))
        .collect()
}

/// As many echoes as the book shows replies, at least one, and never
/// more than a counted ping may ask (a book showing 500 replies of a
/// ping it ended by hand would otherwise run past the deadline).
#[test]
fn a_ping_the_book_ended_by_hand_sends_what_it_shows_within_the_bound() {
    assert_eq!(count_for(&[]), 1);
    assert_eq!(count_for(&shown(3)), 3);
    assert_eq!(count_for(&shown(MAX_PING_COUNT as usize)), MAX_PING_COUNT);
    assert_eq!(count_for(&shown(500)), MAX_PING_COUNT);
}

fn lines(l: &[&str]) -> Vec<String> {
    l.iter().map(|s| s.to_string()).collect()
}

/// The echoes the book shows lost are sent too: its statistics'
/// transmitted, else its highest echo number (an ICMP error's, a BSD
/// timeout's, BSD counting from 0). Counted by replies, one was sent.
#[test]
fn a_ping_the_book_ended_by_hand_sends_the_echoes_it_shows_lost() {
    let reply = "64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.054 ms";
    let stats = lines(&[
        reply,
        "^C",
        "--- 10.244.1.2 ping statistics ---",
        "5 packets transmitted, 1 received, 80% packet loss, time 4004ms",
    ]);
    assert_eq!(count_for(&stats), 5);
    let errors = lines(&[
        reply,
        "From 10.244.1.1 icmp_seq=2 Destination Host Unreachable",
        "From 10.244.1.1 icmp_seq=3 Destination Host Unreachable",
    ]);
    assert_eq!(count_for(&errors), 3);
    let bsd = lines(&[
        "PING 10.244.3.4 (10.244.3.4): 48 data bytes",
        "56 bytes from 10.244.3.4: icmp_seq=0 ttl=62 time=0.947 ms",
        "Request timeout for icmp_seq 1",
    ]);
    assert_eq!(count_for(&bsd), 2);
    assert_eq!(count_for(&bsd[..2]), 1, "chapter 4's own BSD ping");
}
