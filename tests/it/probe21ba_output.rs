//! `lab book` on probe21ba's findings 1, 2, 3 and 9
//! (`tests/fixtures/book/probe21ba_output/`, the probe's own inputs: the
//! whole chapter4 with one change; `GH4_noping` is `GH4` without its
//! ping), replayed with chapter4's own known drift:
//! - finding 1: flannel's log without a header, set apart in a `json`
//!   block (`S1_json`) or paired in a `terminal` or `yaml` one
//!   (`S2_terminal`, `S2_yaml`), names the wrong interface: drift (it was
//!   "not commands", skipped, rc 0);
//! - finding 2: a capture whose lines are dated (`S3_text`) or have no
//!   time (`S4_text`, and paired in `terminal`: `S5_terminal`), set apart,
//!   shows a reply the broken lab never gets: drift (skipped, rc 0);
//! - finding 3: a ping's failure below `ping …` / `ip route` (`GH4`, and
//!   paired in `terminal`: `GH5_terminal`) or `ping …` / `exit` / `kubectl
//!   get` (`GH7`) on the fixed lab is the ping's output: drift (skipped,
//!   the ping "compared nothing", rc 0); below a block with no ping
//!   (`GH4_noping`), not understood;
//! - finding 9: a table's rows without its header set apart
//!   (`H5_nohdr_apart`) are not understood, as when paired (skipped, rc 0).
//!
//! Seen failing first: the build before the fix (b014689) gave rc 0 for
//! each.

use serde_json::Value;

/// `lab book` of the probe's chapter `name`, with chapter4's known drift.
fn book(name: &str) -> (i32, String, Value) {
    crate::book::book_with_chapter4_known("bba", &format!("book/probe21ba_output/{name}"))
}

/// probe21ba, finding 1.
#[test]
fn a_log_without_headers_in_any_language_is_compared() {
    let wrong = "the book shows `Using interface with name enp0s8";
    crate::book::fails_at(
        book,
        &[
            ("S1_json.md", 170, "drift", wrong),
            ("S2_terminal.md", 170, "drift", wrong),
            ("S2_yaml.md", 170, "drift", wrong),
        ],
    );
}

/// probe21ba, finding 2.
#[test]
fn a_capture_without_a_time_of_day_is_compared() {
    let reply = "the book shows `IP 10.244.2.2 > 10.244.1.0: ICMP echo reply";
    crate::book::fails_at(
        book,
        &[
            ("S3_text.md", 160, "drift", "the book shows `"),
            ("S4_text.md", 160, "drift", reply),
            ("S5_terminal.md", 160, "drift", reply),
        ],
    );
}

/// probe21ba, finding 3.
#[test]
fn a_pings_lines_below_a_later_command_are_the_pings() {
    let failure = "ping: the book shows no reply: Destination Host Unreachable";
    crate::book::fails_at(
        book,
        &[
            ("GH4.md", 244, "drift", failure),
            ("GH5_terminal.md", 244, "drift", failure),
            ("GH7.md", 244, "drift", failure),
            (
                "GH4_noping.md",
                250,
                "not_understood",
                "the block at line 249 shows `From 10.244.1.1",
            ),
        ],
    );
}

/// probe21ba, finding 9.
#[test]
fn a_table_without_its_header_set_apart_is_not_understood() {
    crate::book::fails_at(book, &[("H5_nohdr_apart.md", 49, "not_understood", "")]);
}
