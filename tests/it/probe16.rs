//! The sixteenth probe's findings (docs/security-probe.md, "sixteenth
//! probe", report only): reproductions that failed on main at e2211f1;
//! fixed since (the lead; the last by the rebind session).

use crate::harness::require_root;

/// False greens of `lab book` (broken variant: node2's pod does not
/// answer and no ICMP error comes back). `ping_facts::is_pings_own` takes
/// any line starting `From `, `ping `, `rtt ` for ping's own, so the
/// author's words (`From here on the replies are cut…`) leave a header its
/// "no reply" claim; an ICMP error iputils prints that `ICMP_ERRORS` does
/// not list (`Destination Host Prohibited`, `Destination Host Unknown`,
/// `Frag reassembly time exceeded`), ping's own errors (`ping: sendmsg:
/// Operation not permitted`, BSD's `ping: sendto: No route to host`) and a
/// statistics line's `+1 errors` are never compared: each block reads as
/// "no reply, no ICMP error" and matches a lab that simply got no reply.
/// FAILS on main at e2211f1: blocks 22 to 77 are all `match` there (and
/// `lab book` exits 0); only the last two (87, 97) are true.
#[test]
fn a_pings_error_or_the_authors_words_are_never_a_no_reply_match() {
    require_root();
    let (stdout, v) = crate::book::chapter4_with("p16", "book/probe16-pings.md");
    let got = crate::book::verdicts(&v);
    let matched: Vec<u64> = got
        .iter()
        .filter(|(_, verdict)| verdict == "match")
        .map(|(line, _)| *line)
        .collect();
    assert_eq!(matched, [87, 97], "{stdout}");
}

/// The author's words, by the function. FAILS on main at e2211f1: each is
/// "ping's own" (its first word is `From`, `rtt` or `PING`).
#[test]
fn the_authors_words_are_not_pings_own_lines() {
    for words in [
        "From here on the replies are cut for brevity.",
        "rtt and the replies themselves are left out here",
        "PING output stops here: the replies are not shown",
    ] {
        assert!(
            !lab::book::compare::is_pings_own(words),
            "`{words}` read as ping's own line"
        );
    }
}

/// The errors, by the function. FAILS on main at e2211f1: a book showing
/// an ICMP error lab does not list (or ping's own error) has no difference
/// from a lab that got no reply and no error.
#[test]
fn an_icmp_error_lab_does_not_list_is_still_compared() {
    let header = "PING 10.244.3.3 (10.244.3.3) 56(84) bytes of data.".to_string();
    let lab = [
        header.clone(),
        String::new(),
        "--- 10.244.3.3 ping statistics ---".to_string(),
        "1 packets transmitted, 0 received, 100% packet loss, time 0ms".to_string(),
    ];
    for shown in [
        "From 10.244.3.1 icmp_seq=1 Destination Host Prohibited",
        "From 10.244.1.1 icmp_seq=1 Destination Host Unknown",
        "From 10.244.1.0 icmp_seq=1 Frag reassembly time exceeded",
        "ping: sendmsg: Operation not permitted",
    ] {
        let book = [header.clone(), shown.to_string()];
        assert!(
            !lab::book::compare::ping_replies(&book, &lab).is_empty(),
            "the book shows `{shown}`, the lab no reply and no error: no difference"
        );
    }
}

/// Another pod's output matched (broken variant): a curl of node1's pod
/// whose book output is curl's verbose connection to node2's pod (`*
/// Connected to 10.244.3.3`, `Host: 10.244.3.3`; only the status is
/// compared), and a ping of 10.244.2.2, an address the book gives to no
/// node, which runs as written to the lab's node2 pod (the twelfth probe's
/// lesser; the fourteenth's "address of nothing" rule does not reach it,
/// since the address is a lab pod's), whose "no reply" then matches. FAILS
/// on main at e2211f1: blocks 18 and 26 are `match` (and `lab book` exits 0);
/// only 31 is true.
#[test]
fn a_curl_or_ping_of_another_pod_than_the_books_is_never_a_match() {
    require_root();
    let (stdout, v) = crate::book::chapter4_with("p16", "book/probe16-another.md");
    let got = crate::book::verdicts(&v);
    let matched: Vec<u64> = got
        .iter()
        .filter(|(_, verdict)| verdict == "match")
        .map(|(line, _)| *line)
        .collect();
    assert_eq!(matched, [31], "{stdout}");
}

/// A later table that swaps the pods' nodes (the book contradicting
/// itself: the same pods, the same addresses, on the other nodes) rebinds
/// the book's addresses chapter-wide: 10.244.1.2 becomes node2's pod and
/// 10.244.3.3 node1's, for the earlier pings too. Broken variant: node1's
/// own pod answers node1 and node2's does not, so both pings (a header alone
/// for node1's pod, a reply with ttl 64 from node2's pod) are false; both
/// are `match`, the first (true) table is drift and the later (false) one
/// `skipped`, with no coherence difference. Failed on e2211f1 and on the
/// rebind session's base (4b7d941, run ignored); fixed: the first row binds,
/// a later one contradicting it contests the pod, and every block naming
/// the pod or its address (both tables, both pings) is drift.
#[test]
fn a_later_table_that_swaps_the_pods_never_turns_an_earlier_false_ping_into_a_match() {
    require_root();
    let (stdout, v) = crate::book::chapter4_with("p16", "book/probe16-swapped.md");
    let got = crate::book::verdicts(&v);
    let matched: Vec<u64> = got
        .iter()
        .filter(|(_, verdict)| verdict == "match")
        .map(|(line, _)| *line)
        .collect();
    assert!(matched.is_empty(), "{got:?}\n{stdout}");
}
