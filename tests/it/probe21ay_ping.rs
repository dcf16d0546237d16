//! probe21ay, finding 5 and the lesser "numbers a parser cannot hold":
//! ping's values in other positions than its replies and counts were not
//! compared (the loss percentage, the statistics title's address, the
//! header's address in brackets and its sizes, through `| grep` too), nor
//! were a `curl -v`'s `Connected to … port` and `Host:` lines under a
//! right `Trying`; numbers too large to parse (a count of 23 digits, an
//! icmp_seq past 16 bits) were dropped. Each block of `pings.md` (the
//! chapter's first 96 lines, then one block a case) matched, the chapter
//! passing: seen failing first, the build before the fix (8c2e414) gave
//! `match` for each (and panicked on the 64-bit icmp_seq in a debug
//! build). Now each drifts with its own sentence, and the control block
//! (the lab's own output) still matches. The last block (a header, then
//! `...`) was `skipped` before, its header's sizes never compared.

/// Each changed block drifts, by the value it got wrong; the control matches.
#[test]
fn pings_other_values_and_curls_own_lines_are_compared() {
    let (code, stdout, v) = crate::book::book_fixture("bay", "probe21ay_ping", "pings.md", &[]);
    assert_eq!(code, 1, "{stdout}");
    let at = |line: u64| crate::book::command(&v, line);
    assert_eq!(at(101)["verdict"], "match", "{stdout}");
    for (line, said) in [
        (
            115,
            "the book's statistics show 50% packet loss; the lab's 0%",
        ),
        (129, "titled for 10.244.9.9"),
        (
            142,
            "the book's header names 10.244.2.2 as the address pinged",
        ),
        (
            152,
            "the book's header sends 1000(1028) bytes; the lab's ping sends 56(84)",
        ),
        (
            162,
            "the book's statistics show 0% packet loss; the lab's 100%",
        ),
        (
            171,
            "99999999999999999999999 packets transmitted, which no ping prints",
        ),
        (184, "numbered 18446744073709551615"),
        (
            195,
            "the book's `Connected to` line says 10.244.1.2 (10.244.2.2:8080)",
        ),
    ] {
        let c = at(line);
        assert_eq!(c["verdict"], "drift", "line {line}: {c}");
        assert!(
            crate::book::first_difference(&c).contains(said),
            "line {line}: {c}"
        );
    }
    let curl = at(195);
    assert!(
        curl["differences"].as_array().unwrap().iter().any(|d| d
            .as_str()
            .unwrap_or("")
            .contains("`Host:` line says `10.244.2.2`")),
        "{curl}"
    );
}
