//! Unit tests of where an indented code block opens (probe21aj, finding
//! 2): lab's blocks are pulldown-cmark's. Seen failing first: with lab's
//! old rule (a block opens only after a blank line or a `#` heading) every
//! shape below but the blank line gave no block, so the change in it was
//! read as prose.
use super::read_tests::{commands, p};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/book/probe21aj/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The probe's chapters, by the line pulldown-cmark opens the block at.
pub(super) const CHAPTERS: [(&str, usize); 13] = [
    ("hr_indented.md", 25),
    ("setext_eq.md", 26),
    ("setext_dash.md", 26),
    ("hr_dash.md", 25),
    ("hr_under.md", 25),
    ("s_hr_spaced.md", 25),
    ("after_comment.md", 25),
    ("s_pi_then.md", 25),
    ("s_decl_then.md", 25),
    ("s_cdata_then.md", 25),
    ("s_quote_hr.md", 25),
    ("s_list_hr.md", 25),
    ("s_heading_setext_list.md", 26),
];

const CHANGE: [&str; 3] = ["vagrant ssh node1", "sudo ip link set cni0 down", "exit"];

/// The indented blocks of `text`: first line, commands.
fn indented(text: &str) -> Vec<(usize, Vec<String>)> {
    p(text)
        .blocks
        .iter()
        .filter(|b| b.fence.is_empty())
        .map(|b| (b.line, commands(b)))
        .collect()
}

/// Each probe chapter: the change is a block at pulldown-cmark's line.
#[test]
fn the_probe_chapters_give_the_change_as_a_block() {
    for (name, line) in CHAPTERS {
        let text = fixture(name);
        assert_eq!(
            indented(&text),
            [(line, CHANGE.map(String::from).to_vec())],
            "{name}"
        );
        assert!(
            super::hidden_tests::code_lines_shown_by_pulldown(&text).contains(&line),
            "{name}"
        );
    }
}

/// Every line that ends a paragraph on its own, at the top, in a quote and
/// in a list item: the indented line under it is code, as pulldown-cmark
/// reads it; inside a paragraph or an HTML block it is not.
#[test]
fn an_indented_block_opens_where_commonmark_opens_one() {
    let code = "    sudo ip link set cni0 down\n";
    let mut texts = Vec::new();
    for before in [
        "***",
        "---",
        "___",
        " * * *",
        "- - -",
        "Title\n=====",
        "Title\n---",
        "# Title",
        "## Title ##",
        "<!-- x -->",
        "<!--\nx\n-->",
        "<?php x ?>",
        "<!DOCTYPE html>",
        "<![CDATA[ x ]]>",
        "<script>x</script>",
        "<style>p{}</style>",
        "```\nx\n```",
        "~~~\nx\n~~~",
        "",
    ] {
        texts.push(format!("text\n\n{before}\n{code}"));
        let quoted: String = format!("{before}\n{code}")
            .lines()
            .map(|l| format!("> {l}\n"))
            .collect();
        texts.push(format!("text\n\n{quoted}"));
    }
    texts.push(format!("- ***\n  {code}"));
    texts.push(format!("- Step\n  ===\n  {code}"));
    texts.push(format!("1. ## Step\n   {code}"));
    for text in &texts {
        // The indented line is the last: pulldown-cmark's code, and lab's.
        let last = text.lines().count();
        let lines = super::hidden_tests::code_lines_shown_by_pulldown(text);
        assert_eq!(lines.last(), Some(&last), "{text:?}");
        assert_eq!(
            indented(text),
            [(last, vec!["sudo ip link set cni0 down".to_string()])],
            "{text:?}"
        );
    }
    // Not code: a paragraph's lazy line, an HTML block's line, a list
    // item's paragraph.
    for text in [
        format!("text\n{code}"),
        format!("<div>\n{code}</div>\n"),
        format!("<?php\n\n{code}?>\n"),
        format!("- item\n{code}"),
    ] {
        assert!(
            super::hidden_tests::code_lines_shown_by_pulldown(&text).is_empty(),
            "{text:?}"
        );
        assert_eq!(indented(&text), [], "{text:?}");
    }
}
