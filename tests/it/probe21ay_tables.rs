//! probe21ay, findings 4 and 6: false greens where lab compared nothing.
//! - 4: a `kubectl get` table under kubectl's own `Warning:` line (`T14`:
//!   node2 `NotReady`; `T16`: the fix's flannel pod `Error`), or under a
//!   header with a column name in lower case (`T13`), was "the book shows
//!   no table to compare with", skipped, and the whole chapter passed
//!   (rc 0), its known drift for that table going stale.
//! - 6: a chapter whose only block is `vagrant ssh node1` (`Z1`), or that
//!   and `exit` (`Z4`), passed: the login was `match`.
//!
//! Seen failing first: the build before the fix (8c2e414) gave rc 0 for
//! each.

use crate::book::{book_fixture, book_with_chapter4_known, command, report_commands, said};

/// Each table is compared: the chapter drifts (rc 1) at its `get` line,
/// and the warning is said to be kubectl's stderr, not compared.
#[test]
fn a_table_under_kubectls_warning_or_a_header_not_kubectls_is_compared() {
    for (name, line, says) in [
        ("T14.md", 49, "NotReady"),
        ("T13.md", 49, "the reader's kubectl prints `STATUS`"),
        ("T16.md", 197, "Error"),
    ] {
        let (code, stdout, v) =
            book_with_chapter4_known("bay", &format!("book/probe21ay_tables/{name}"));
        assert_eq!(code, 1, "{name}: {stdout}");
        let c = command(&v, line);
        assert_eq!(said(&c, "verdict"), "drift", "{name}: {c}");
        let diffs = c["differences"].to_string();
        assert!(diffs.contains(says), "{name}: {c}");
        if name != "T13.md" {
            assert!(
                said(&c, "reason").contains("its stderr, not compared"),
                "{name}: {c}"
            );
        }
    }
}

/// A chapter of logins alone compares nothing: rc 1, its login skipped.
#[test]
fn a_chapter_of_logins_alone_compares_nothing() {
    for name in ["Z1.md", "Z4.md"] {
        let (code, stdout, v) = book_fixture("baz", "probe21ay_tables", name, &[]);
        assert_eq!(code, 1, "{name}: {stdout}");
        assert!(stdout.contains("compared nothing"), "{name}: {stdout}");
        let login = &report_commands(&v)[0];
        assert_eq!(said(login, "verdict"), "skipped", "{name}: {login}");
        assert!(
            said(login, "reason").contains("a login alone is no claim"),
            "{name}: {login}"
        );
    }
}
