//! The seventh adversarial probe of issue 21 (`docs/security-probe.md`,
//! "seventh probe"): each test is a finding, seen failing on the code
//! before its fix (the unit tests named there too).

use crate::book::{book_in, verdicts};
use crate::harness::{copy_lab, fixture, require_root, unique_name};

/// False greens on netns (broken variant): a curl whose output the book
/// cut (`...`) compared nothing; `curl -sv`'s `* Failed to connect ...`
/// lines were read as a page, so node1's own pod answering matched a book
/// claiming a timeout; ping's statistics `1 received` were read as "no
/// reply", so a ping across nodes that gets none matched. All three were
/// `match` (exit 0); now skipped, drift, drift.
#[test]
fn a_claim_in_other_words_is_compared_and_a_cut_curl_is_never_a_match() {
    require_root();
    let name = unique_name("p7");
    let lab = copy_lab("chapter4", &name);
    let chapter = fixture("book/probe7-claims.md");
    let (code, stdout, v, ..) = book_in(&name, lab, &["--chapter", chapter.to_str().unwrap()]);
    assert_eq!(
        verdicts(&v),
        [
            (9, "skipped".to_string()),
            (16, "drift".into()),
            (26, "drift".into()),
        ],
        "{stdout}"
    );
    assert_eq!(code, 1, "{stdout}");
    let diffs = |i: usize| v["blocks"][i]["commands"][0]["differences"].to_string();
    assert!(
        diffs(1).contains("the book shows no answer (timed out)"),
        "{}",
        diffs(1)
    );
    assert!(diffs(2).contains("the book shows a reply"), "{}", diffs(2));
}
