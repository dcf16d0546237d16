//! probe21aw, findings 1 and 2: a block set apart from its command (under
//! a heading) that shows the command's output was skipped, the chapter
//! passing on the broken lab: one line of prose among ping's reply lines
//! (`s1`: a comment line above them, `s4`: a sentence below), and
//! `ip route`'s routes (`b1`) or a `cat` of subnet.env's settings (`a6b`),
//! which were never read as output once set apart. Each now drifts. Seen
//! failing first: the build before the fix (121b3b5) gave rc 0 for each.

/// Each chapter fails (rc 1) with a drift, the set-apart block compared.
#[test]
fn output_set_apart_with_prose_or_of_routes_and_files_is_compared() {
    for name in ["s1.md", "s4.md", "b1.md", "a6b.md"] {
        let (code, stdout, v) = crate::book::book_fixture("baw", "probe21aw", name, &[]);
        assert_eq!(code, 1, "{name}: {stdout}");
        assert!(
            crate::book::report_commands(&v)
                .iter()
                .any(|c| c["verdict"] == "drift"),
            "{name}: {stdout}"
        );
    }
}
