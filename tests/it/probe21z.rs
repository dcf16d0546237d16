//! `lab book` on probe21z's chapters (`tests/fixtures/book/bookread/`):
//! a state change typed after a prompt lab did not know, in a block under
//! another language name, and in an indented block whose lines start with
//! a tab after a space. Each was `match`, exit 0 (false greens); each is
//! now read as the reader reads it, and the block after it is no match.

use crate::book::{book_fixture, verdicts};

/// `lab book` of a copy of chapter4 with the chapter `name`: its exit
/// code, terminal and verdicts.
fn book(name: &str) -> (i32, String, Vec<(u64, String)>) {
    let (code, stdout, v) = book_fixture("brd", "bookread", name, &[]);
    (code, stdout, verdicts(&v))
}

/// Finding 1: `node1$ sudo ip link set cni0 down` under a ping's reply.
#[test]
fn a_change_after_an_unknown_prompt_is_no_match() {
    let (code, stdout, v) = book("prompt_node1dollar.md");
    assert_ne!(code, 0, "{stdout}");
    let block = v.iter().find(|(l, _)| *l == 11).expect("block 2");
    assert_ne!(block.1, "match", "{stdout}");
}

/// Finding 2: the change in a ```` ```{.bash} ```` block.
#[test]
fn a_change_in_a_pandoc_bash_block_is_no_match() {
    let (code, stdout, v) = book("lang_pandoc_bash.md");
    assert_ne!(code, 0, "{stdout}");
    assert!(v.iter().all(|(_, verdict)| verdict != "match"), "{stdout}");
}

/// Finding 3: the change in an indented block of `" \t"` lines.
#[test]
fn a_change_in_a_tab_indented_block_is_no_match() {
    let (code, stdout, v) = book("tab_hidden_change.md");
    assert_ne!(code, 0, "{stdout}");
    assert!(v.iter().all(|(_, verdict)| verdict != "match"), "{stdout}");
}
