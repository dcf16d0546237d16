use super::*;

fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::to_string).collect()
}

/// The chapter's capture (line 160), its packet and tcpdump's banner.
const CAPTURE: &str = "tcpdump: verbose output suppressed, use -v or -vv for full protocol decode
listening on flannel.1, link-type EN10MB (Ethernet), capture size 262144 bytes
20:55:02.971181 IP 10.244.1.0 > 10.244.3.3: ICMP echo request, id 5874, seq 1, length 64";

fn with_end(end: &str) -> Vec<String> {
    lines(&format!("{CAPTURE}\n{end}"))
}

/// probe21bc, lesser 9 (`c5b`): `5 packets captured` under one packet
/// matched; tcpdump prints each packet it counts. Its counts as it prints
/// them, agreeing with the one packet shown, say nothing (the chapter
/// shows none).
#[test]
fn a_captured_count_other_than_the_packets_shown_is_a_difference() {
    for end in [
        "^C\n5 packets captured\n5 packets received by filter\n0 packets dropped by kernel",
        "^C5 packets captured",
        "0 packets captured",
    ] {
        let d = differences(&with_end(end), false);
        assert_eq!(d.len(), 1, "{end}: {d:?}");
        assert!(d[0].contains("shows 1 packet line"), "{d:?}");
    }
    assert!(differences(&lines(CAPTURE), false).is_empty());
    for end in [
        "^C\n1 packet captured\n1 packet received by filter\n0 packets dropped by kernel",
        "^C1 packet captured\n3 packets received by filter\n0 packets dropped by kernel",
        "1 packet captured",
    ] {
        assert_eq!(
            differences(&with_end(end), false),
            Vec::<String>::new(),
            "{end}"
        );
    }
}

/// Where the book cut its packets, or grep kept some of them, more
/// packets captured than shown is no difference; fewer always is.
#[test]
fn a_cut_or_grepped_capture_counts_at_least_the_packets_shown() {
    let cut = with_end("...\n^C\n5 packets captured\n5 packets received by filter");
    assert!(
        differences(&cut, false).is_empty(),
        "{:?}",
        differences(&cut, false)
    );
    let grepped = with_end("5 packets captured");
    assert!(differences(&grepped, true).is_empty());
    let fewer = lines(&format!(
        "{CAPTURE}\n20:55:03.971181 IP 10.244.1.0 > 10.244.3.3: ICMP echo request, id 5874, seq 2, length 64\n...\n1 packet captured"
    ));
    assert_eq!(differences(&fewer, false).len(), 1);
}

/// A `-v` packet's second line and a hex dump's lines are the same
/// packet's.
#[test]
fn a_packets_continuation_lines_are_one_packet() {
    let v = lines(
        "listening on flannel.1, link-type EN10MB (Ethernet), capture size 262144 bytes
20:55:02.971181 IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto ICMP (1), length 84)
    10.244.1.0 > 10.244.3.3: ICMP echo request, id 5874, seq 1, length 64
\t0x0000:  4500 0054 0001 4000 4001 2345 0af4 0100
1 packet captured",
    );
    assert!(
        differences(&v, false).is_empty(),
        "{:?}",
        differences(&v, false)
    );
    let two = v
        .join("\n")
        .replace("1 packet captured", "2 packets captured");
    assert_eq!(differences(&lines(&two), false).len(), 1);
}

/// The filter's count holds what was captured and what the kernel
/// dropped; a noun tcpdump does not print for its number is no line of
/// tcpdump's.
#[test]
fn counts_against_each_other_and_their_nouns() {
    let fewer_received = with_end("1 packet captured\n0 packets received by filter");
    let d = differences(&fewer_received, false);
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(d[0].contains("0 received by filter"), "{d:?}");
    let dropped =
        with_end("1 packet captured\n2 packets received by filter\n7 packets dropped by kernel");
    assert_eq!(differences(&dropped, false).len(), 1);
    for end in [
        "1 packets captured",
        "1 packet captured\n2 packet received by filter",
    ] {
        let d = differences(&with_end(end), false);
        assert_eq!(d.len(), 1, "{end}: {d:?}");
        assert!(d[0].contains("does not print"), "{d:?}");
    }
}

/// probe21bc, lesser 9 (`z10`): a packet at `99:99:99.999999` matched;
/// its time went as any time did.
#[test]
fn a_packet_time_that_is_no_time_of_day_is_a_difference() {
    for stamp in [
        "99:99:99.999999",
        "24:00:00.000000",
        "20:61:02.971181",
        "20:55:02.97",
    ] {
        let book = lines(&CAPTURE.replace("20:55:02.971181", stamp));
        let d = differences(&book, false);
        assert_eq!(d.len(), 1, "{stamp}: {d:?}");
        assert!(d[0].contains("no time of day"), "{d:?}");
        let line = &book[2];
        assert!(
            super::super::compare::normalize_capture(line).starts_with(stamp),
            "{line}"
        );
    }
    for stamp in ["00:00:00.000000", "23:59:60.123456789", "20:55:02"] {
        assert!(is_time_of_day(stamp), "{stamp}");
    }
    assert_eq!(
        super::super::compare::normalize_capture(&lines(CAPTURE)[2]),
        "IP 10.244.1.0 > 10.244.3.3: ICMP echo request, seq 1, length 64"
    );
}

/// A count line is read whole: a `^C` echoed before it is the reader's
/// (a true capture ending `^C1 packet captured` was compared as a packet
/// line, a false red); other words are no count.
#[test]
fn count_lines_are_read_whole() {
    assert!(crate::book::compare::is_capture_end("^C1 packet captured"));
    assert_eq!(
        count("^C5 packets captured"),
        Some(Count {
            n: 5,
            what: Counted::Captured,
            noun_as_printed: true
        })
    );
    assert_eq!(
        count("1 packets dropped by kernel").map(|c| c.noun_as_printed),
        Some(false)
    );
    for no in [
        "x packets captured",
        "5 packets seen",
        "packets captured",
        "5 packets captured here",
    ] {
        assert_eq!(count(no), None, "{no}");
    }
}

/// probe21be, lesser 3 (`e9`): a packet with `id 99999` matched, its id
/// taken out as any id was. The ICMP echo's id is 16 bits: only an id
/// tcpdump prints goes. Seen failing: the id went.
#[test]
fn a_packet_id_past_16_bits_stays_and_is_no_labs_line() {
    let packet = |id: &str| lines(&CAPTURE.replace("id 5874", &format!("id {id}")))[2].clone();
    for id in ["99999", "65536", "-1", "+5", "0x16f2", "5874x"] {
        assert!(
            super::super::compare::normalize_capture(&packet(id)).contains(&format!("id {id},")),
            "{id}"
        );
    }
    for id in ["0", "5874", "65535"] {
        assert_eq!(
            super::super::compare::normalize_capture(&packet(id)),
            "IP 10.244.1.0 > 10.244.3.3: ICMP echo request, seq 1, length 64",
            "{id}"
        );
    }
}
