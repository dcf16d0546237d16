//! `lab book` on probe21ab's hidden and MDX chapters
//! (`tests/fixtures/book/probe21ab_hidden/`): a fence wrapped by
//! `<script>` or `<div hidden>`, or held in front matter, applied the
//! fixed flannel the reader never sees, and the visible cross-node ping
//! after it matched; a change in an MDX `<CodeBlock>` was not read, and
//! the same-node ping after it matched. Each was `match`, exit 0 (false
//! greens). A block a page does not show is now skipped with its reason;
//! an MDX code component is a block.

use crate::book::{book_fixture, book_refused, verdicts};
use serde_json::Value;

/// `lab book` of a copy of chapter4 with the chapter `name`: its exit
/// code, terminal, verdicts and JSON report.
fn book(name: &str) -> (i32, String, Vec<(u64, String)>, Value) {
    let (code, stdout, v) = book_fixture("bkh", "probe21ab_hidden", name, &[]);
    (code, stdout, verdicts(&v), v)
}

/// The block opening at `line`: its verdict and its prose.
fn block(v: &Value, line: u64) -> (String, Vec<String>) {
    let b = v["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["line"].as_u64() == Some(line))
        .unwrap_or_else(|| panic!("no block at line {line}: {v}"));
    let prose = b["prose"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    (b["verdict"].as_str().unwrap().to_string(), prose)
}

/// Finding 3: `<script type="text/plain">` around the apply.
#[test]
fn a_block_inside_a_script_is_skipped_and_the_ping_after_it_is_no_match() {
    let (code, stdout, v, json) = book("h_script.md");
    assert_ne!(code, 0, "{stdout}");
    let (verdict, prose) = block(&json, 12);
    assert_eq!(verdict, "skipped", "{stdout}");
    assert_eq!(prose, ["not rendered: inside <script>"], "{stdout}");
    let ping = v.iter().find(|(l, _)| *l == 17).expect("the ping's block");
    assert_ne!(ping.1, "match", "{stdout}");
}

/// Finding 3: `<div hidden>` around the apply, with blank lines.
#[test]
fn a_block_inside_a_hidden_div_is_skipped_and_the_ping_after_it_is_no_match() {
    let (code, stdout, v, json) = book("h_divhidden.md");
    assert_ne!(code, 0, "{stdout}");
    let (verdict, prose) = block(&json, 13);
    assert_eq!(verdict, "skipped", "{stdout}");
    assert_eq!(prose, ["not rendered: inside <div hidden>"], "{stdout}");
    let ping = v.iter().find(|(l, _)| *l == 19).expect("the ping's block");
    assert_ne!(ping.1, "match", "{stdout}");
}

/// Finding 3: the apply in YAML front matter. A fence in front matter
/// is shown by a page that does not read front matter (lab's own --html):
/// the chapter is refused as unclear, before anything is made (probe21aq
/// finding 4).
#[test]
fn a_block_in_front_matter_is_refused() {
    let o = book_refused("bkh", "probe21ab_hidden", "h_frontmatter.md");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("holds a fence"), "{stderr}");
}

/// Finding 4: `sudo ip link set cni0 down` in an MDX `<CodeBlock>`.
#[test]
fn a_change_in_an_mdx_code_block_is_no_match() {
    let (code, stdout, v, _) = book("wmdx.md");
    assert_ne!(code, 0, "{stdout}");
    assert!(
        v.iter().any(|(l, _)| *l == 11),
        "the component is a block: {stdout}"
    );
    let ping = v.iter().find(|(l, _)| *l == 18).expect("the ping's block");
    assert_ne!(ping.1, "match", "{stdout}");
}
