//! probe21ba, findings 4 and 5: a ping's failure in Windows' words
//! (`Request timed out.`) under a shown header was skipped as "none of the
//! command's own lines" and the chapter passed, as did any line lab could
//! not read below a header; and busybox's header (`PING A (A): 1000 data
//! bytes`) was compared with nothing. Each block of `pings.md` (the
//! chapter's first 96 lines, then one block a case) was seen failing
//! first: the build before the fix (b014689) gave `skipped` for the
//! timeout and the unread line under a ping that got its reply (and for
//! the timeout under one that got none) and `match` for the 1000-byte
//! header. Now each drifts; the timeout under a ping that got none, read
//! as no reply, and busybox's default size match.

/// Each wrong block drifts by what it got wrong; the controls match.
#[test]
fn no_reply_in_other_words_and_another_pings_size_are_compared() {
    let (code, stdout, v) = crate::book::book_fixture("bba", "probe21ba_ping", "pings.md", &[]);
    assert_eq!(code, 1, "{stdout}");
    let at = |line: u64| crate::book::command(&v, line);
    for (line, said) in [
        (
            101,
            "the book shows no reply and no ICMP error; the lab shows a reply",
        ),
        (111, "a line ping does not print: `Timeout.`"),
        (
            131,
            "the book's header sends 1000 data bytes; the lab's ping sends 56",
        ),
    ] {
        let c = at(line);
        assert_eq!(c["verdict"], "drift", "line {line}: {c}");
        assert!(
            crate::book::first_difference(&c).contains(said),
            "line {line}: {c}"
        );
    }
    for line in [121, 141] {
        assert_eq!(at(line)["verdict"], "match", "line {line}: {}", at(line));
    }
}
