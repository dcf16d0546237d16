//! The fourteenth probe's findings (docs/security-probe.md, "fourteenth
//! probe", report only): reproductions that failed on main at 5b17cf5;
//! fixed since (the lead: `book::ping_facts`, `replay/node.rs`).

use crate::harness::require_root;

/// False greens of `lab book` (broken variant: node2's pod does not
/// answer): a reply line without `ttl=` (cut after its number, or shown
/// without its TTL) is no reply for `ping_facts`, so against a lab without
/// reply the book's reply was never compared; a ping's header followed by
/// a cut lab does not know (`・・・`, `...output truncated...`, `~~~`, a
/// parenthesised remark) claims "no reply"; a header naming its target by
/// name or without a space (`PING web (10.244.1.2)`,
/// `PING 10.244.1.2(10.244.1.2)`) is never read as another ping's. This
/// test failed on 5b17cf5 (fixed since): blocks 18 to 65 are all `match` there.
#[test]
fn a_reply_without_ttl_an_unknown_cut_or_a_named_header_is_never_a_match() {
    require_root();
    let (stdout, v) = crate::book::chapter4_with("p14", "book/probe14-pings.md");
    let got = crate::book::verdicts(&v);
    let matched: Vec<u64> = got
        .iter()
        .filter(|(_, verdict)| verdict == "match")
        .map(|(line, _)| *line)
        .collect();
    // 78 (`ping -c 1` of node2's pod, its header alone) drifts since
    // probe21av: a `-c` ping that gets no reply still prints its
    // statistics, so a header alone is a cut that hides the failure.
    assert_eq!(matched, [72], "{stdout}");
}

/// The same first finding, by the function: the book shows a reply from
/// 10.244.3.3 (no `ttl=` on its line), the lab shows none. Failed on 5b17cf5
/// (no difference).
#[test]
fn a_reply_line_without_ttl_is_still_a_reply() {
    let book = [
        "PING 10.244.3.3 (10.244.3.3) 56(84) bytes of data.".to_string(),
        "64 bytes from 10.244.3.3: icmp_seq=1 time=0.512 ms".to_string(),
    ];
    let lab = ["PING 10.244.3.3 (10.244.3.3) 56(84) bytes of data.".to_string()];
    assert!(
        !lab::book::compare::ping_replies(&book, &lab).is_empty(),
        "the book shows a reply, the lab none: no difference"
    );
}

/// False green of `lab book` (fixed variant: node2's pod answers): chapter
/// 4 up to its fix, then a ping of node2's pod (10.244.3.4) whose book
/// output claims no reply (false after the fix: drift when the chapter
/// ends there), then two later tables that contradict the book's pods. The
/// later tables drop the pod binding chapter-wide: the earlier ping runs to
/// `10.244.2.4` ("address .4 of node2's pod subnet"), which no lab pod has,
/// so "no reply" matches in every variant. With the two tables blessed as
/// known drift (as an author would: they do differ) `lab book` exits 0.
/// Failed on 5b17cf5 (fixed since): block 222 is `match`.
#[test]
fn a_later_table_never_turns_a_ping_of_a_pod_into_a_ping_of_nothing() {
    require_root();
    let (stdout, v) = crate::book::chapter4_with("p14", "book/probe14-unbound.md");
    let got = crate::book::verdicts(&v);
    let ping = got.iter().find(|(line, _)| *line == 222);
    assert!(
        ping.is_some_and(|(_, verdict)| verdict != "match"),
        "{got:?}\n{stdout}"
    );
}
