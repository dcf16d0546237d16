//! False greens of the replay found by probe21p (`docs/security-probe.md`,
//! "probe21p"), each test seen failing first.

use crate::book::verdicts;
use crate::harness::require_root;

/// Finding 7: a change the prose tells the reader to type (``take the pod
/// bridge down with `sudo ip link set cni0 down`, then ping node1's pod
/// again``) and no block shows. Failed before: block 79 `match`. Now its
/// first command is not understood (the chapter fails there; a stop alone
/// passed a chapter that matched before it, probe21q) and the rest is
/// skipped, naming the prose's line; the same chapter naming `cni0` and a
/// command that only reads compares block 79 (`match`).
#[test]
fn a_change_only_the_prose_tells_stops_the_comparisons() {
    require_root();
    let (stdout, v) = crate::book::chapter4_with("prose21p", "book/probe21p-prose-change.md");
    assert_eq!(verdicts(&v).last(), Some(&(79, "drift".into())), "{stdout}");
    assert!(
        stdout.contains(
            "the text at line 77 tells the reader to run `sudo ip link set cni0 down`, which no shell block of the chapter shows there"
        ),
        "{stdout}"
    );
    let (stdout, v) = crate::book::chapter4_with("named21p", "book/probe21p-prose-named.md");
    assert_eq!(verdicts(&v).last(), Some(&(79, "match".into())), "{stdout}");
}

/// probe21q's finding 1: a manifest in a `yaml` block was read as lines lab
/// does not understand that change what the reader has, and stopped every
/// comparison after it: the cross-node ping after it, which drifts on the
/// broken variant, was skipped and the chapter passed. Now the ping drifts.
#[test]
fn a_manifest_block_stops_nothing() {
    require_root();
    let (stdout, v) = crate::book::chapter4_with("yaml21q", "book/probe21q-yaml-block.md");
    let got = verdicts(&v);
    assert_eq!(got.last(), Some(&(86, "drift".into())), "{stdout}");
    // The manifest is the lab's Deployment (nginx-deployment.yaml), its
    // fields the lab's: compared, a match (probe21aq, finding 3).
    assert!(got.contains(&(79, "match".into())), "{stdout}");
}

/// The converse of the rule (probe21s): a recap or a warning in prose
/// ("Never run `sudo iptables -F`") fails the chapter too. Its author
/// blesses it as known drift with a reason, and the chapter passes, what
/// follows the span still skipped.
#[test]
fn a_change_told_in_prose_can_be_blessed_by_its_author() {
    require_root();
    let name = crate::harness::unique_name("bless21s");
    let lab = crate::harness::copy_lab("chapter4", &name);
    let chapter = crate::harness::fixture("book/probe21p-prose-change.md");
    let known = lab.path().join("prose.drift.yaml");
    let (c, k) = (
        chapter.to_str().unwrap(),
        known.to_str().unwrap().to_string(),
    );
    let args = ["--chapter", c, "--known", &k];
    let bless = [&args[..], &["--bless"]].concat();
    let (code, stdout, _, _, lab) = crate::book::book_in(&name, lab, &bless);
    // Blessed without a reason: still drift.
    assert_eq!(code, 1, "{stdout}");
    let text = std::fs::read_to_string(&known).unwrap();
    assert!(
        text.contains("the text before it tells the reader to run `sudo ip link set cni0 down`"),
        "{text}"
    );
    let reason = "the author's own words, for the test";
    std::fs::write(&known, text.replace(lab::book::known::TODO, reason)).unwrap();
    let (code, stdout, v, ..) = crate::book::book_in(&name, lab, &args);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(
        verdicts(&v).last(),
        Some(&(79, "known_drift".into())),
        "{stdout}"
    );
}
