//! `lab book` on probe21ab's chapters (`tests/fixtures/book/probe21ab/`):
//! a line the reader types, read by lab as output or as nothing: a prompt
//! of four words, a block of a login and a prompted ping skipped with
//! nothing run, shell syntax before `sudo`, and a function named like the
//! ping replayed next. Each was `match` or skipped, exit 0 (false greens);
//! each is now a command lab runs or a line it does not understand.

use crate::book::{book_fixture, verdicts};

/// `lab book` of a copy of chapter4 with the chapter `name`: its exit
/// code, terminal and verdicts.
fn book(name: &str) -> (i32, String, Vec<(u64, String)>) {
    let (code, stdout, v) = book_fixture("bab", "probe21ab", name, &[]);
    (code, stdout, verdicts(&v))
}

/// The verdict of the block at `line`.
fn at(v: &[(u64, String)], line: u64) -> &str {
    &v.iter().find(|(l, _)| *l == line).expect("the block").1
}

/// Finding 1: `(venv) me@host:~/lab (main) $ sudo ip link set cni0 down`
/// under a ping's reply (a prompt of four words).
#[test]
fn a_change_after_a_four_word_prompt_is_no_match() {
    let (code, stdout, v) = book("q4venvgit.md");
    assert_ne!(code, 0, "{stdout}");
    assert!(v.iter().all(|(_, verdict)| verdict != "match"), "{stdout}");
}

/// Finding 1, `q4_chapter.md`: a login then a ping behind a four-word
/// prompt was a skipped block, nothing run, and the chapter passed.
#[test]
fn a_login_then_a_prompted_ping_is_run_not_skipped() {
    let (code, stdout, v) = book("q4_chapter.md");
    assert_ne!(code, 0, "{stdout}");
    let block = at(&v, 10);
    assert!(block != "match" && block != "skipped", "{stdout}");
}

/// Finding 2: `[ -d /sys ] && sudo ip link set cni0 down` after a ping's
/// reply and a blank line.
#[test]
fn a_change_behind_shell_syntax_is_not_understood() {
    let (code, stdout, v) = book("s_test.md");
    assert_ne!(code, 0, "{stdout}");
    assert_eq!(at(&v, 10), "not_understood", "{stdout}");
    assert!(
        stdout.contains("[ -d /sys ] && sudo ip link set cni0 down"),
        "{stdout}"
    );
}

/// Finding 2: `ping() { sudo ip link set cni0 down; command ping "$@"; }`
/// after `vagrant ssh node1`: the ping replayed next is the function.
#[test]
fn a_function_shadowing_the_next_program_is_not_understood() {
    let (code, stdout, v) = book("r_fn.md");
    assert_ne!(code, 0, "{stdout}");
    assert_eq!(at(&v, 10), "not_understood", "{stdout}");
}
