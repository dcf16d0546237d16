//! probe21l's finding 3 (`docs/security-probe.md`, "fixb session"): lines
//! a reader types that `lab book` read as something else (an author's
//! remark, output, prose), so that the change they make never ran, was
//! never counted, and the probe's check after it (`ping -c 1 10.244.1.2`
//! on node1, ttl 64) matched: the chapter passed. Each test seen failing
//! on 168a391 first.

use crate::book::book_with_chapter4_known;
use crate::harness::require_root;
use crate::lesser3::assert_last_blocks;

/// That every command of the last block is `skipped` naming `line` (its
/// number and its text) as the change lab did not see, and the run failed.
fn later_skipped_naming(code: i32, stdout: &str, v: &serde_json::Value, line: &str) {
    let last = v["blocks"].as_array().unwrap().last().unwrap();
    for c in last["commands"].as_array().unwrap() {
        let reason = c["reason"].as_str().unwrap_or_default();
        assert!(
            c["verdict"] == "skipped" && reason.contains(line),
            "{c}\n{stdout}"
        );
    }
    assert_eq!(code, 1, "{stdout}");
}

/// `(sudo ip link set cni0 down)` under a `cat`'s lines is a subshell the
/// reader runs, not the author's remark in brackets. Failed on 168a391:
/// block 79 `match`, 90 `match`, exit 0.
#[test]
fn a_subshell_line_is_never_taken_for_a_remark() {
    require_root();
    let (code, stdout, v) = book_with_chapter4_known("subsh21l", "book/probe21l-subshell.md");
    assert_last_blocks(&stdout, &v, &[(79, "not_understood"), (90, "skipped")]);
    later_skipped_naming(code, &stdout, &v, "line 84 (`(sudo ip link set cni0 down)`");
}

/// `IFACE=cni0 sudo ip link set cni0 down` right under a ping's reply: an
/// assignment before the program hid the command's shape, so it was read
/// as the reply's. Failed on 168a391: blocks 79 and 89 `match`, exit 0.
#[test]
fn an_assignment_before_the_program_hides_no_command() {
    require_root();
    let (code, stdout, v) = book_with_chapter4_known("assign21l", "book/probe21l-assignment.md");
    assert_last_blocks(&stdout, &v, &[(79, "not_understood"), (89, "skipped")]);
    later_skipped_naming(
        code,
        &stdout,
        &v,
        "line 85 (`IFACE=cni0 sudo ip link set cni0 down`",
    );
}

/// A `<pre>` block of raw HTML is a code block to every Markdown renderer:
/// read as one (entities decoded), replayed where lab understands it (79
/// matches), and its change counted (85). Failed on 168a391: neither block
/// read, block 91 `match`, exit 0.
#[test]
fn a_code_block_of_html_is_read_as_a_block() {
    require_root();
    let (code, stdout, v) = book_with_chapter4_known("html21l", "book/probe21l-html.md");
    assert_last_blocks(
        &stdout,
        &v,
        &[(79, "match"), (85, "not_understood"), (91, "skipped")],
    );
    later_skipped_naming(
        code,
        &stdout,
        &v,
        "line 87 (`sudo ip link set cni0 down && echo <done>`",
    );
}
