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
    assert_eq!(
        verdicts(&v).last(),
        Some(&(79, "not_understood".into())),
        "{stdout}"
    );
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
    assert!(got.contains(&(79, "skipped".into())), "{stdout}");
}
