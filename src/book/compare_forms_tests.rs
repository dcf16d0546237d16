//! probe21by, finding 7: a line form lab knows is only that form (a cut's
//! note, tcpdump's banner, route -n's header); apart from
//! `compare_tests.rs` for its size.

use super::*;

fn v(s: &str) -> Vec<String> {
    s.lines().map(str::to_string).collect()
}

/// probe21by, finding 7: a cut's note is its cut words alone. Words after
/// them that say what the output held (`every later echo timed out`) are
/// a claim lab cannot read: the line is no cut (it was read as one, and
/// the claim dropped). Seen failing first: each claim was a cut.
#[test]
fn a_cuts_note_is_its_cut_words_alone() {
    for cut in [
        "(removed lines for brevity, only top few lines)",
        "(removed lines for brevity)",
        "[output omitted]",
        "(some output omitted)",
        "(rest of output omitted for clarity)",
        "(20 lines removed)",
        "<... 12 more lines ...>",
        "[... output truncated ...]",
        "# output trimmed",
        "-- 40 lines removed --",
    ] {
        assert!(is_elision(cut), "{cut}");
    }
    for claim in [
        "(removed lines for brevity: every later echo timed out)",
        "(output trimmed: then node1 stopped answering)",
        "(removed lines for brevity, only top few lines; flannel picked enp0s8 here)",
        "(output omitted: 5 echoes timed out)",
        "[truncated: node2 never answered]",
        "# output trimmed, all replies from node2",
        "-- snip: the route goes via enp0s8 --",
        "<... 12 more lines, all errors ...>",
    ] {
        assert!(!is_elision(claim), "{claim}");
    }
}

/// probe21ca, W2: the notes authors really write under a log or a ping
/// (what was cut, why, by whom) are cuts, not claims; a claim beside the
/// same words still is one. Seen failing first: every note was a claim.
#[test]
fn the_cut_notes_authors_write_are_cuts() {
    for cut in [
        "(log output truncated)",
        "(some log lines removed)",
        "(additional lines omitted)",
        "(irrelevant lines removed)",
        "(similar lines omitted)",
        "(earlier lines omitted)",
        "(previous lines omitted)",
        "(truncated for the sake of brevity)",
        "(output truncated for simplicity)",
        "(output trimmed by the author)",
        "(verbose output omitted)",
        "(output trimmed to fit the page)",
        "(lines omitted for conciseness)",
        "(startup lines omitted)",
        "(full log omitted)",
        "(repeated lines removed)",
        "(more replies omitted)",
    ] {
        assert!(is_elision(cut), "{cut}");
    }
    for claim in [
        "(later echoes omitted: all timed out)",
        "(similar lines omitted, all from node2)",
        "(log truncated; flannel picked enp0s8)",
        "(more replies omitted, every one lost)",
    ] {
        assert!(!is_elision(claim), "{claim}");
    }
}

/// probe21by, finding 7: tcpdump's banner is its own words and nothing
/// after them. Words after it (`… decode (no packets seen after this)`,
/// `… 262144 bytes (nothing arrives)`) were dropped with the banner's
/// wording, and the capture matched. Seen failing first: both found.
#[test]
fn a_banner_with_words_after_it_is_no_banner() {
    let capture = v(
        "tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\nlistening on flannel.1, link-type EN10MB (Ethernet), snapshot length 262144 bytes",
    );
    let verbose = "tcpdump: verbose output suppressed, use -v or -vv for full protocol decode";
    let listening =
        "listening on flannel.1, link-type EN10MB (Ethernet), capture size 262144 bytes";
    assert!(is_tcpdump_banner(verbose) && is_tcpdump_banner(listening));
    assert!(missing_in_order(&v(&format!("{verbose}\n{listening}")), &capture).is_empty());
    for claim in [
        format!("{verbose} (no packets seen after this)"),
        format!("{listening} (nothing arrives)"),
        format!("{listening}, then node2 stopped"),
    ] {
        assert!(!is_tcpdump_banner(&claim), "{claim}");
        let missing = missing_in_order(&v(&claim), &capture);
        assert_eq!(missing.len(), 1, "{claim}: {missing:?}");
    }
}

/// probe21by, finding 7: route -n's header is its own columns alone; words
/// after it (`… Use Iface   (node2 route missing)`) were dropped with it.
/// Seen failing first: no difference.
#[test]
fn a_route_header_with_words_after_it_is_no_header() {
    let head = "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface";
    let row = "10.244.1.0 0.0.0.0 255.255.255.0 U 0 0 0 cni0";
    let lab = v(&format!("Kernel IP routing table\n{head}\n{row}"));
    assert!(routes(&lab, &lab).is_empty());
    let book = v(&format!(
        "Kernel IP routing table\n{head}   (node2 route missing)\n{row}"
    ));
    let d = routes(&book, &lab);
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(d[0].contains("(node2 route missing)"), "{d:?}");
}

/// probe21cb, F4: a note in brackets that the output went on is a cut, as
/// `...` is; one that says what went on (replies, echoes) or what it held
/// stays a claim. Seen failing first: each note was no cut.
#[test]
fn a_note_that_the_output_went_on_is_a_cut() {
    for cut in [
        "(and so on)",
        "(etc.)",
        "(etc)",
        "[and so on]",
        "(output continues)",
        "(continues)",
        "(repeats)",
        "(and more)",
        "(more lines follow)",
        "(the same lines repeat)",
    ] {
        assert!(is_elision(cut), "{cut}");
    }
    for claim in [
        "(more replies follow)",
        "(replies continue)",
        "(and so on, all lost)",
        "(then all echoes were lost)",
        "(stopped)",
        "(continues on node2)",
        "(more of the same from node2)",
    ] {
        assert!(!is_elision(claim), "{claim}");
    }
}
