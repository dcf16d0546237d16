//! `lab book` on probe21ay's findings 2 and 3
//! (`tests/fixtures/book/probe21ay_apart/`, the probe's own inputs: the
//! whole chapter4 with one change, or its 96-line prefix then the case),
//! on the broken lab, where node1 gets no reply from node2's pod:
//! - finding 2: a reply shown in a block of a language that is neither a
//!   shell's nor output's (`terminal`: `W_terminal`, and after the fix
//!   `W4_terminal`'s failure; `ansi`, `json`, `python` set apart by a
//!   heading: `Kansi`, `Kjson`, `Kpython`) is compared as the ping's
//!   output: drift (the block was "not commands", skipped, rc 0);
//! - finding 3: a log (`H1`), a capture (`H3`) and kubectl tables (`H5`,
//!   `H6`) set apart by `#### Output` are compared as when paired: drift
//!   (skipped, rc 0); and a cross-node reply after `vagrant ssh node2`
//!   (`H4c`, and in a `terminal` block `H4c_terminal`) is no login
//!   banner: not understood (it was the banner, or "not commands", rc 0).
//!
//! Seen failing first: the build before the fix (8c2e414) gave rc 0 for
//! each (the probe's runs, and this file's, before the fix).

use serde_json::Value;

/// `lab book` of the probe's chapter `name`: a whole chapter with
/// chapter4's own known drift, or a small one (`K…`) without.
fn book(name: &str) -> (i32, String, Value) {
    match name.starts_with('K') {
        true => crate::book::book_fixture("bay", "probe21ay_apart", name, &[]),
        false => {
            crate::book::book_with_chapter4_known("bay", &format!("book/probe21ay_apart/{name}"))
        }
    }
}

/// probe21ay, finding 2.
#[test]
fn a_reply_in_a_block_of_any_language_is_compared() {
    crate::book::fails_at(
        book,
        &[
            (
                "W_terminal.md",
                90,
                "drift",
                "ping: the book shows a reply with ttl 63",
            ),
            (
                "W4_terminal.md",
                244,
                "drift",
                "ping: the book shows no reply",
            ),
            (
                "Kansi.md",
                101,
                "drift",
                "ping: the book shows a reply with ttl 63",
            ),
            (
                "Kjson.md",
                101,
                "drift",
                "ping: the book shows a reply with ttl 63",
            ),
            (
                "Kpython.md",
                101,
                "drift",
                "ping: the book shows a reply with ttl 63",
            ),
        ],
    );
}

/// probe21ay, finding 3.
#[test]
fn a_log_a_capture_and_a_table_set_apart_are_compared() {
    crate::book::fails_at(
        book,
        &[
            (
                "H1.md",
                170,
                "drift",
                "the book shows `Using interface with name enp0s8",
            ),
            (
                "H3.md",
                160,
                "drift",
                "the book shows `IP 10.244.1.0 > 10.244.2.2: ICMP echo reply",
            ),
            ("H5.md", 49, "drift", "table (NAME STATUS ROLES VERSION)"),
            ("H6.md", 197, "drift", "table (NAMESPACE NAME READY STATUS)"),
        ],
    );
    // In a `text` block (the probe's) and in a `terminal` one.
    let banner = "the book shows `64 bytes from 10.244.3.3: icmp_seq=1 ttl=63 time=0.403 ms` after `vagrant ssh node2`, in a login banner's place";
    crate::book::fails_at(
        book,
        &[
            ("H4c.md", 96, "not_understood", banner),
            ("H4c_terminal.md", 96, "not_understood", banner),
        ],
    );
}
