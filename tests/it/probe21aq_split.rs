//! `lab book` on probe21aq's finding 2 (`tests/fixtures/book/probe21aq/`):
//! a command block whose output the book shows in the next block (a
//! `text`, `output`, unlabelled or `console` block, after "Output:" or
//! nothing) was never compared: the command `skipped` ("no output to
//! compare it with"), the output block `skipped` ("not commands"), and a
//! chapter whose lab never got the replies it shows passed. Each test was
//! seen failing with the fix taken out (the pairing of `output_below`, or
//! the failing ping shown without output, reverted; the debug build
//! rebuilt, tests and fixtures kept).

use crate::book::{command, first_difference, said};
use serde_json::Value;

/// `lab book` of a copy of chapter4 (a lab `bsp…`) with the chapter `name`.
fn book(name: &str) -> (i32, String, Value) {
    crate::book::book_fixture("bsp", "probe21aq", name, &[])
}

/// The real chapter split (blocks 224 and 247: each command in its block,
/// its output in the next, a `text`/`output` block after "Output:", "You
/// should see a reply:" or nothing), both ways: as shipped it passes with
/// the cross-node ping compared and `match`; with the fix never applied
/// (`apply -f flannel.yml` at line 195) it fails at that ping and at the
/// pod's, which passed as skipped with rc 0 before.
#[test]
fn the_real_chapter_split_into_command_and_output_blocks_is_compared_both_ways() {
    let (code, stdout, v) =
        crate::book::book_with_chapter4_known("bsp", "book/probe21aq/split_true.md");
    assert_eq!(code, 0, "{stdout}");
    let far = command(&v, 238);
    assert_eq!(said(&far, "command"), "ping 10.244.3.4", "{far}");
    assert_eq!(said(&far, "verdict"), "match", "{stdout}");
    assert!(
        far["why"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("`output` block below it")),
        "{far}"
    );
    assert!(stdout.contains("compared as the output of line 238's `ping 10.244.3.4`"));

    let (code, stdout, v) =
        crate::book::book_with_chapter4_known("bsp", "book/probe21aq/split_false.md");
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(said(&command(&v, 238), "verdict"), "drift", "{stdout}");
    let pod = command(&v, 260);
    assert_eq!(said(&pod, "verdict"), "drift", "{stdout}");
    assert!(
        pod["differences"].as_array().unwrap().iter().any(|d| d
            .as_str()
            .unwrap()
            .starts_with("ping: the book shows a reply")),
        "{pod}"
    );
}

/// probe21aq's frame: a cross-node ping whose reply is shown in the next
/// block (`text`, unlabelled, `console` then `output`, adjacent blocks),
/// in the broken variant: drift, rc 1 (all rc 0 before). The same with a
/// same-node ping the lab answers: `match`, rc 0.
#[test]
fn a_reply_shown_in_the_next_block_is_compared_both_ways() {
    for name in ["ob_text.md", "ob_.md", "ob_console_sep.md", "ob_tab.md"] {
        let (code, stdout, v) = book(name);
        assert_eq!(code, 1, "{name}: {stdout}");
        let ping = command(&v, 26);
        assert_eq!(said(&ping, "verdict"), "drift", "{name}: {stdout}");
        assert_eq!(ping["book"].as_array().unwrap().len(), 2, "{name}: {ping}");
    }
    let (code, stdout, v) = book("ob_text_true.md");
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(said(&command(&v, 26), "verdict"), "match", "{stdout}");
}

/// The reply of a ping told in prose (`` run `ping -c 1 10.244.3.3` ``)
/// shown in a `text` block: lab never ran it, so the block is not
/// understood, rc 1 (rc 0 before).
#[test]
fn the_output_of_a_command_told_in_prose_fails_the_chapter() {
    let (code, stdout, v) = book("ob_prose.md");
    assert_eq!(code, 1, "{stdout}");
    let c = command(&v, 24);
    assert_eq!(said(&c, "verdict"), "not_understood", "{stdout}");
    assert!(
        said(&c, "reason").contains("tells the reader to run"),
        "{c}"
    );
}

/// A ping shown without output that gets no reply in the lab (exit 1) is
/// a difference, not "skipped: it ran without an error" (rc 0 before);
/// and an output block past the lead-in's bound (two paragraphs), the
/// ping's reply, is compared all the same, and says so.
#[test]
fn a_failing_ping_without_output_is_a_difference_and_a_far_output_block_says_why() {
    let (code, stdout, v) = book("noout.md");
    assert_eq!(code, 1, "{stdout}");
    let ping = command(&v, 26);
    assert_eq!(said(&ping, "verdict"), "drift", "{stdout}");
    assert!(
        first_difference(&ping).contains("failed in the lab (exit 1"),
        "{ping}"
    );
    let (code, stdout, v) = book("apart.md");
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(said(&command(&v, 26), "verdict"), "drift", "{stdout}");
    let text = v["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["line"].as_u64() == Some(33))
        .unwrap();
    // Past the bound, but the ping's own reply: compared as its output all
    // the same, saying so (probe21av, finding 2; it was skipped, saying
    // why it was not paired).
    let why = text["prose"][0].as_str().unwrap();
    assert!(
        why.starts_with("compared as the output of line 26's `ping -c 1 10.244.3.3`")
            && why.contains("sets it apart from that command (more than one paragraph"),
        "{why}"
    );
}
