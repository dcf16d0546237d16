//! False greens of the replay found by probe21l (`docs/security-probe.md`,
//! "probe21l" and "fixa session"), each test seen failing on 168a391
//! first: a line swallowed under output whose difference is known drift
//! or under `kubeadm init`'s, a `vagrant ssh` typed inside a node, and a
//! replay that compared nothing.

use crate::book::{book_with_chapter4_known, verdicts};
use crate::harness::require_root;
use crate::lesser3::assert_last_blocks;

/// Finding 1: chapter 4 with `ln -sf flannel.yml flannel_fix.yml` right
/// under the exec ping's ICMP error (line 108) or the `get nodes` table
/// (line 55), both blessed known drift: exit 0, the fix's cross-node ping
/// `match`, as the check passed over commands with a difference. Failed on
/// 168a391: block 103 (48) `known_drift`, block 224 `match`, exit 0. Now
/// the command is not understood and nothing after the line is compared.
#[test]
fn a_line_under_known_drift_is_never_passed_over() {
    require_root();
    for (fixture, at, line) in [
        ("book/probe21l-known-drift-swallowed.md", 103, 108),
        ("book/probe21l-table-swallowed.md", 48, 55),
    ] {
        let (code, stdout, v) = book_with_chapter4_known("swallow21l", fixture);
        let got = verdicts(&v);
        assert!(got.contains(&(at, "not_understood".into())), "{stdout}");
        // Nothing after the line is compared.
        let after: Vec<_> = got.iter().filter(|(l, _)| *l > at).collect();
        assert!(after.iter().all(|(_, v)| v == "skipped"), "{stdout}");
        assert!(got.contains(&(225, "skipped".into())), "{stdout}");
        assert!(
            stdout.contains(&format!(
                "from here on: line {line} (`ln -sf flannel.yml flannel_fix.yml`), which lab does not understand"
            )),
            "{stdout}"
        );
        assert_eq!(code, 1, "{stdout}");
    }
}

/// Finding 2: the same line under `kubeadm init`'s output, a kind the
/// check never looked at. Failed on 168a391: block 18 `skipped`, the fix's
/// ping `match`, exit 0.
#[test]
fn a_line_under_kubeadm_inits_output_is_never_passed_over() {
    require_root();
    let (code, stdout, v) = book_with_chapter4_known("init21l", "book/probe21l-init-swallowed.md");
    let got = verdicts(&v);
    assert_eq!(
        got.first(),
        Some(&(18, "not_understood".to_string())),
        "{stdout}"
    );
    assert!(got.contains(&(227, "skipped".into())), "{stdout}");
    assert!(got.iter().skip(1).all(|(_, v)| v == "skipped"), "{stdout}");
    assert_eq!(code, 1, "{stdout}");
}

/// Finding 6 and the lesser "blocks start on the host": `vagrant ssh
/// node2` typed inside node1's session (the same block, or the block after
/// one that ended inside node1) was `match` and ran the rest on node2. The
/// reader's node1 has no `vagrant`: the line is drift, and the `cat` after
/// it runs on node1, whose subnet is not the book's node2's. Failed on
/// 168a391: blocks 79 and 94 `match`. Block 90, a login alone, is
/// skipped: it claims nothing of the book's (probe21ay, finding 6).
#[test]
fn a_vagrant_ssh_inside_a_node_is_never_a_match() {
    require_root();
    let (stdout, v) = crate::book::chapter4_with("nested21l", "book/probe21l-nested-ssh.md");
    assert_last_blocks(
        &stdout,
        &v,
        &[(79, "drift"), (90, "skipped"), (94, "drift")],
    );
    let b79 = &v["blocks"].as_array().unwrap()[v["blocks"].as_array().unwrap().len() - 3];
    let nested = &b79["commands"][1];
    assert_eq!(nested["ran_on"], "node1", "{stdout}");
    assert!(
        nested["differences"][0]
            .as_str()
            .unwrap_or_default()
            .starts_with(
                "vagrant ssh node2: typed inside node1's session, where there is no `vagrant`"
            ),
        "{stdout}"
    );
    assert_eq!(b79["commands"][2]["ran_on"], "node1", "{stdout}");
}

/// The lesser "empty runs pass": a chapter with no block, or none lab
/// could compare, reported "0 blocks" (or every block skipped) and exited
/// 0. Failed on 168a391: exit 0. Now exit 1, saying the replay compared
/// nothing.
#[test]
fn a_replay_that_compared_nothing_fails() {
    require_root();
    for (fixture, said) in [
        ("book/probe21l-no-block.md", "has no code block"),
        (
            "book/probe21l-nothing-to-replay.md",
            "none of the 2 block(s)",
        ),
    ] {
        let (code, stdout, _) = book_with_chapter4_known("empty21l", fixture);
        assert_eq!(code, 1, "{stdout}");
        assert!(
            stdout.contains("FAILED: ") && stdout.contains(said),
            "{stdout}"
        );
    }
}
