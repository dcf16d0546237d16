//! `lab book` on probe21aj's chapters (`tests/fixtures/book/probe21aj/`),
//! finding 2, seen failing first (lab's old rule, an indented block opens
//! only after a blank line or a `#` heading, put back: each chapter gave
//! `2 match, 1 skipped`, exit 0, and no block at the change's line). An
//! indented code block right under a line that ends a paragraph on its own
//! (a thematic break, a setext underline, a one-line HTML comment,
//! processing instruction, declaration or CDATA, in a quote or a list
//! item) was read as prose: the change in it (`vagrant ssh node1` / `sudo
//! ip link set cni0 down` / `exit`) was never named, and the chapter
//! passed.

use crate::book::{book_in, verdicts};
use crate::harness::{copy_lab, fixture, require_root, unique_name};

/// Each chapter, by the line where pulldown-cmark opens the block.
const CHAPTERS: [(&str, u64); 13] = [
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

/// The change is a block at pulldown-cmark's line, not a match, and the
/// chapter drifts: exit 1.
#[test]
fn an_indented_change_after_a_closing_line_is_a_block_that_drifts() {
    require_root();
    for (name, line) in CHAPTERS {
        let lab_name = unique_name("bc");
        let lab = copy_lab("chapter4", &lab_name);
        let chapter = fixture(&format!("book/probe21aj/{name}"));
        let (code, stdout, v, ..) =
            book_in(&lab_name, lab, &["--chapter", chapter.to_str().unwrap()]);
        let blocks = verdicts(&v);
        assert_eq!(code, 1, "{name}: {stdout}");
        assert!(
            blocks
                .iter()
                .any(|(l, verdict)| *l == line && verdict != "match" && verdict != "skipped"),
            "{name}: {blocks:?}\n{stdout}"
        );
    }
}
