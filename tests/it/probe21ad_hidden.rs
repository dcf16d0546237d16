//! `lab book` on probe21ad's hidden-HTML chapters
//! (`tests/fixtures/book/probe21ad_hidden/`, finding 2 and its lesser
//! findings): `</div>` in a code span closed a hidden `<div>`, and a
//! `<script>` ended at a `</pre>` in its text, so a hidden `exit` /
//! `vagrant ssh node2` was replayed and the cross-node ping after it ran
//! on node2 and matched (exit 0; the reader, still on node1, gets no
//! reply); `<template>` in a code span, `<div hidden>` in an inline
//! comment and a thematic break `---` read as front matter skipped the
//! drifting ping (exit 0); `<div hidden style="display:block">` skipped a
//! block the page shows. Each was a false green on main at 9f7b1b0.

use crate::book::{book_fixture, book_refused, verdicts};
use serde_json::Value;

/// `lab book` of a copy of chapter4 with the chapter `name`: its exit
/// code, terminal, verdicts and JSON report.
fn book(name: &str) -> (i32, String, Vec<(u64, String)>, Value) {
    let (code, stdout, v) = book_fixture("fxh", "probe21ad_hidden", name, &[]);
    (code, stdout, verdicts(&v), v)
}

/// The verdict of the block at `line`.
fn verdict(v: &[(u64, String)], line: u64, stdout: &str) -> String {
    v.iter()
        .find(|(l, _)| *l == line)
        .unwrap_or_else(|| panic!("no block at line {line}: {stdout}"))
        .1
        .clone()
}

/// 2b: `` `</div>` `` in a code span inside `<div hidden>`.
#[test]
fn an_end_tag_in_a_code_span_does_not_end_a_hidden_div() {
    let (code, stdout, v, _) = book("c5_div_close_session.md");
    assert_ne!(code, 0, "{stdout}");
    assert_eq!(verdict(&v, 16, &stdout), "skipped", "{stdout}");
    assert_ne!(verdict(&v, 23, &stdout), "match", "{stdout}");
    // The skipped block's line says why (lesser finding).
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("16 "))
        .unwrap_or("");
    assert!(
        line.ends_with("(not rendered: inside <div hidden>)"),
        "{stdout}"
    );
}

/// 2d: `var end = "</pre>";` inside `<script type="text/plain">`.
#[test]
fn a_script_runs_to_its_own_end_tag() {
    let (code, stdout, v, _) = book("c6_script_pre.md");
    assert_ne!(code, 0, "{stdout}");
    assert_eq!(verdict(&v, 15, &stdout), "skipped", "{stdout}");
    assert_ne!(verdict(&v, 22, &stdout), "match", "{stdout}");
}

/// 2a: `<template>` in a code span, `<div hidden>` in an inline comment.
#[test]
fn tags_in_code_spans_and_comments_hide_nothing() {
    for name in ["c1_kbd_template.md", "c4_comment_inline.md"] {
        let (code, stdout, v, _) = book(name);
        assert_ne!(code, 0, "{name}: {stdout}");
        assert_ne!(verdict(&v, 16, &stdout), "skipped", "{name}: {stdout}");
        assert_ne!(verdict(&v, 16, &stdout), "match", "{name}: {stdout}");
    }
}

/// Lesser: a `---` and a blank line opening the chapter is a rule.
#[test]
fn a_rule_at_the_top_is_no_front_matter() {
    let (code, stdout, v, _) = book("f2_hr_two.md");
    assert_ne!(code, 0, "{stdout}");
    assert_ne!(verdict(&v, 5, &stdout), "skipped", "{stdout}");
    assert_ne!(verdict(&v, 5, &stdout), "match", "{stdout}");
}

/// 2c: `<div hidden style="display:block">` is shown by a browser; lab
/// does not decide that CSS, and refuses the chapter at the block, the
/// element's line named.
#[test]
fn a_hidden_element_with_a_display_style_is_refused() {
    let o = book_refused("fxh", "probe21ad_hidden", "c3_display_block.md");
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_ne!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("c3_display_block.md:16:") && out.contains("(line 14)"),
        "{out}"
    );
}
