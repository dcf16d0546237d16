//! Unit tests of [`super`]: the facts each comparison reads.
use super::*;

fn v(s: &str) -> Vec<String> {
    s.lines().map(str::to_string).collect()
}

#[test]
fn normalisation() {
    assert_eq!(
        normalize("I1127 11:58:30.985486       1 match.go:263] Using interface with name enp0s3"),
        "Using interface with name enp0s3"
    );
    assert_eq!(
        normalize(
            "20:55:02.971181 IP 10.244.1.0 > 10.244.3.3: ICMP echo request, id 5874, seq 1, length 64"
        ),
        "IP 10.244.1.0 > 10.244.3.3: ICMP echo request, seq 1, length 64"
    );
    assert_eq!(
        normalize("listening on flannel.1, link-type EN10MB (Ethernet), capture size 262144 bytes"),
        "listening on flannel.1, link-type EN10MB (Ethernet)"
    );
    assert_eq!(
        normalize("64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.054 ms"),
        "64 bytes from 10.244.1.2: icmp_seq=1 ttl=64"
    );
}

#[test]
fn lines_in_order() {
    assert!(missing_in_order(&v("a\nc"), &v("a\nb\nc")).is_empty());
    assert_eq!(missing_in_order(&v("c\na"), &v("a\nb\nc")).len(), 1);
}

#[test]
fn ping_outcomes_both_formats() {
    let book = ping_facts(&v(
        "PING 10.244.3.3 (10.244.3.3): 48 data bytes\n60 bytes from 10.244.1.1: Destination Net Unreachable",
    ));
    assert_eq!(
        book.error.as_deref(),
        Some("Destination Net Unreachable from 10.244.1.1")
    );
    let lab = ping_facts(&v(
        "PING 10.244.2.2 (10.244.2.2) 56(84) bytes of data.\nFrom 10.244.1.1 icmp_seq=1 Time to live exceeded",
    ));
    assert_eq!(
        lab.error.as_deref(),
        Some("Time to live exceeded from 10.244.1.1")
    );
    assert_eq!(ping(&book, &lab).len(), 1);
    let r = ping_facts(&v(
        "56 bytes from 10.244.3.4: icmp_seq=0 ttl=62 time=0.947 ms",
    ));
    assert_eq!((r.reply, r.ttl), (true, Some(62)));
    assert!(
        ping(
            &r,
            &ping_facts(&v("64 bytes from 10.244.2.2: icmp_seq=1 ttl=62 time=1 ms"))
        )
        .is_empty()
    );
    assert_eq!(
        ping(
            &r,
            &ping_facts(&v("64 bytes from 10.244.2.2: icmp_seq=1 ttl=63 time=1 ms"))
        )
        .len(),
        1
    );
    let silent = ping_facts(&v("PING 10.244.3.3 (10.244.3.3) 56(84) bytes of data."));
    assert!(
        ping(
            &silent,
            &ping_facts(&v(
                "PING x\n\n--- x ping statistics ---\n1 packets transmitted, 0 received"
            ))
        )
        .is_empty()
    );
}

#[test]
fn ip_route_lines_are_routes_in_any_order() {
    let lab = v(
        "default via 10.0.2.2 dev eth0 \n10.10.2.0/24 via 10.10.2.0 dev flannel.1 onlink \n10.10.3.0/24 via 10.10.3.0 dev flannel.1 onlink ",
    );
    let swapped = v(
        "10.10.3.0/24 via 10.10.3.0 dev flannel.1 onlink\n10.10.2.0/24 via 10.10.2.0 dev flannel.1 onlink",
    );
    assert!(missing_routes(&swapped, &lab).is_empty());
    assert_eq!(missing_in_order(&swapped, &lab).len(), 1);
    let wrong = v("10.10.3.0/24 via 10.10.3.0 dev cni0");
    assert_eq!(
        missing_routes(&wrong, &lab),
        ["the book shows `10.10.3.0/24 via 10.10.3.0 dev cni0`; the lab's output has no such line"]
    );
}

#[test]
fn cut_output_is_compared_on_what_it_shows() {
    assert!(is_elision("...") && is_elision(" [...] ") && is_elision("\u{2026}"));
    assert!(is_elision("<snip>") && !is_elision("..") && !is_elision("a..."));
    assert!(is_elision("[output omitted]") && is_elision("(truncated)"));
    assert!(is_elision("<... 12 more lines ...>") && !is_elision("output omitted"));
    assert!(!is_elision("[ok]") && !is_elision("(running)") && !is_elision("<none>"));
    let head = "Destination Gateway Genmask Flags Metric Ref Use Iface";
    let lab = v(&format!(
        "{head}\n10.244.1.0 0.0.0.0 255.255.255.0 U 0 0 0 cni0\n10.244.2.0 10.244.2.0 255.255.255.0 UG 0 0 0 flannel.1"
    ));
    let cut = v(&format!(
        "{head}\n10.244.1.0 0.0.0.0 255.255.255.0 U 0 0 0 cni0\n..."
    ));
    assert!(routes(&cut, &lab).is_empty());
    // Uncut, the lab's other row is a difference; cut or not, a wrong row is.
    assert_eq!(routes(&cut[..2], &lab).len(), 1);
    let wrong = v(&format!(
        "{head}\n10.244.1.0 0.0.0.0 255.255.255.0 U 0 0 0 flannel.1\n..."
    ));
    assert_eq!(routes(&wrong, &lab).len(), 1);
    assert!(missing_in_order(&v("a\n...\nc"), &v("a\nb\nc")).is_empty());
    let t = |s: &str| Table::parse(&v(s)).unwrap();
    let lab = t(
        "NAME    READY   STATUS    IP         NODE\nweb-1   1/1     Running   10.0.1.2   w1\nweb-2   1/1     Running   10.0.2.2   w2",
    );
    let book =
        t("NAME    READY   STATUS    IP         NODE\nweb-9   1/1     Running   10.0.1.2   w1");
    assert!(tables(&book, &lab, true).is_empty());
    assert_eq!(tables(&book, &lab, false).len(), 1);
    let book =
        t("NAME    READY   STATUS    IP         NODE\nweb-9   1/1     Running   10.0.1.9   w1");
    assert_eq!(tables(&book, &lab, true).len(), 1);
}

#[test]
fn route_rows_compare() {
    let b = v(
        "Destination Gateway Genmask Flags Metric Ref Use Iface\n10.244.1.0 0.0.0.0 255.255.255.0 U 0 0 0 cni0\n172.17.0.0 0.0.0.0 255.255.0.0 U 0 0 0 docker0",
    );
    let l = v(
        "Kernel IP routing table\n10.244.1.0      0.0.0.0         255.255.255.0   U     0      0        0 cni0",
    );
    assert_eq!(
        routes(&b, &l),
        [
            "route -n: the book has the row `172.17.0.0 0.0.0.0 255.255.0.0 U docker0`; the lab has none"
        ]
    );
}

#[test]
fn every_reply_is_compared() {
    let book = v(
        "64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.054 ms\n64 bytes from 10.244.1.2: icmp_seq=2 ttl=64 time=0.060 ms",
    );
    let same = v(
        "64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=1 ms\n64 bytes from 10.244.1.2: icmp_seq=2 ttl=64 time=1 ms",
    );
    assert!(ping_replies(&book, &same).is_empty());
    let second = v(
        "64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=1 ms\n64 bytes from 10.244.1.2: icmp_seq=2 ttl=63 time=1 ms",
    );
    assert_eq!(
        ping_replies(&book, &second),
        [
            "ping reply 2: the book shows from 10.244.1.2 icmp_seq 2 of the run ttl 64; the lab shows from 10.244.1.2 icmp_seq 2 of the run ttl 63"
        ]
    );
    let one = v("64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=1 ms");
    assert_eq!(
        ping_replies(&book, &one)[0],
        "ping: the book shows 2 replies; the lab shows 1"
    );
    // BSD's ping counts from 0, iputils' from 1: the same first reply.
    let bsd = v("56 bytes from 10.244.3.4: icmp_seq=0 ttl=62 time=0.947 ms");
    let iputils = v("64 bytes from 10.244.3.4: icmp_seq=1 ttl=62 time=1 ms");
    assert!(ping_replies(&bsd, &iputils).is_empty());
}

#[test]
fn an_error_the_book_does_not_show_is_a_difference() {
    let lab = v("tcpdump: eth0: No such device exists\n(SIOCGIFHWADDR: No such device)");
    assert_eq!(errors_not_in_book(&[], &lab).len(), 2);
    assert!(errors_not_in_book(&lab, &lab).is_empty());
    assert!(errors_not_in_book(&[], &v("FLANNEL_SUBNET=10.244.1.1/24")).is_empty());
}

/// The seventh probe's false green: a book showing ping's statistics alone
/// (`1 packets transmitted, 1 received`) claims a reply, yet it was read as
/// "no reply" (only `bytes from` lines were), so a lab whose ping got none
/// matched it. The count received says whether a reply came.
#[test]
fn a_ping_whose_statistics_count_a_reply_claims_one() {
    let lab_none = v(
        "PING 10.244.2.2 (10.244.2.2) 56(84) bytes of data.\n\n--- 10.244.2.2 ping statistics ---\n1 packets transmitted, 0 received, 100% packet loss, time 0ms",
    );
    for stats in [
        "--- 10.244.2.2 ping statistics ---\n1 packets transmitted, 1 received, 0% packet loss, time 0ms",
        "--- 10.244.2.2 ping statistics ---\n3 packets transmitted, 3 packets received, 0% packet loss",
    ] {
        let book = ping_facts(&v(stats));
        assert!(book.reply, "{stats}");
        assert_eq!(ping_replies(&v(stats), &lab_none).len(), 1, "{stats}");
    }
    assert!(!ping_facts(&lab_none).reply);
    assert!(ping_replies(&lab_none, &lab_none).is_empty());
}

#[test]
fn a_cut_framed_by_rules_is_a_cut_and_pings_statistics_header_is_not() {
    for cut in [
        "---snip---",
        "-- snip --",
        "=== output omitted ===",
        "~~ 40 lines removed ~~",
        "** truncated **",
    ] {
        assert!(is_elision(cut), "{cut}");
    }
    for line in [
        "--- 10.244.2.2 ping statistics ---",
        "----",
        "-snip-",
        "--snip",
        "== ok ==",
    ] {
        assert!(!is_elision(line), "{line}");
    }
}
