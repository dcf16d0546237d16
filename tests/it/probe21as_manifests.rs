//! `lab book` on probe21as's findings 3, 4 and 5
//! (`tests/fixtures/book/probe21as/`), each chapter in probe21aq's frame
//! (the pod table, a same-node ping, the block under test, the ping
//! again):
//! - a patch from the fixed variant's file to the broken one's, which the
//!   chapter calls the fix, matched (finding 3);
//! - a DaemonSet the text calls the fixed one, or shown after the chapter
//!   applied `flannel_fix.yml`, matched as the broken variant's (4);
//! - two containers of one name each matched the lab's one (5).
//!
//! Each test was seen failing with its fix taken out and the debug build
//! rebuilt: `shown_variant::backwards` returning None (the undoing patches
//! matched, rc 0), `shown_variant::narrow` keeping every candidate (the
//! broken DaemonSet matched as flannel.yml's, rc 0), the duplicate-name
//! check of `manifest_fields` off (the Deployment matched, rc 0).

use crate::book::only_command_of_block as command_at;
use serde_json::Value;

/// `lab book` of a copy of chapter4 (a lab `yb…`) with the chapter `name`.
fn book(name: &str) -> (i32, String, Value) {
    crate::book::book_fixture("yb", "probe21as", name, &[])
}

const UNDOES: &str = "the book's patch goes backwards: it turns the lab's flannel_fix.yml (variant fixed: flannel told --iface=enp0s8) into its flannel.yml (variant broken, where the lab starts: flannel picks the default-route NIC (NAT)); applied, it undoes the change the lab's variant fixed makes";

/// A patch that removes `--iface=enp0s8`, by its names
/// (`--- a/flannel_fix.yml`, `+++ b/flannel.yml`) or by its lines (one
/// name for both sides), drifts saying it undoes the fix.
#[test]
fn a_patch_that_undoes_the_fix_fails_the_chapter() {
    for name in ["undo.md", "undo_one_name.md"] {
        let (code, stdout, v) = book(name);
        assert_eq!(code, 1, "{name}: {stdout}");
        let c = command_at(&v, 26);
        assert_eq!(c["command"], "diff: flannel.yml", "{c}");
        assert_eq!(c["verdict"], "drift", "{stdout}");
        assert_eq!(c["differences"], serde_json::json!([UNDOES]), "{stdout}");
    }
}

const BROKEN_ARGS: &str = "spec.template.spec.containers[kube-flannel].args: the book shows [--ip-masq, --kube-subnet-mgr], the lab's flannel_fix.yml has [--ip-masq, --kube-subnet-mgr, --iface=enp0s8]";

/// The broken DaemonSet, with no file named: where the text calls it the
/// fix, or the chapter applied `flannel_fix.yml` before it, it is the fixed
/// variant's and drifts; the fixed DaemonSet there matches; with neutral
/// text on the starting variant it matches, saying as which file's.
#[test]
fn a_manifest_called_the_fix_or_shown_after_it_is_the_fixed_variants() {
    for (name, line) in [("called_fix.md", 26), ("after_apply.md", 32)] {
        let (code, stdout, v) = book(name);
        assert_eq!(code, 1, "{name}: {stdout}");
        let c = command_at(&v, line);
        assert_eq!(
            c["command"], "yaml: DaemonSet kube-system/kube-flannel-ds (flannel_fix.yml)",
            "{c}"
        );
        assert_eq!(
            c["differences"],
            serde_json::json!([BROKEN_ARGS]),
            "{stdout}"
        );
    }
    let (code, stdout, v) = book("after_apply_true.md");
    assert_eq!(code, 0, "{stdout}");
    let c = command_at(&v, 32);
    assert_eq!(c["verdict"], "match", "{stdout}");
    assert!(
        c["ran"]
            .as_str()
            .unwrap()
            .contains("the lab runs variant fixed at this point of the chapter"),
        "{c}"
    );
    let (code, stdout, v) = book("neutral.md");
    assert_eq!(code, 0, "{stdout}");
    let c = command_at(&v, 26);
    assert_eq!(c["verdict"], "match", "{stdout}");
    assert_eq!(
        c["command"], "yaml: DaemonSet kube-system/kube-flannel-ds (flannel.yml)",
        "{c}"
    );
    assert!(c["ran"].as_str().unwrap().contains("variant broken"), "{c}");
}

/// Two containers named `nginx` (kubectl refuses the manifest) drift.
#[test]
fn a_name_twice_in_a_list_keyed_by_name_fails_the_chapter() {
    let (code, stdout, v) = book("duplicate.md");
    assert_eq!(code, 1, "{stdout}");
    let c = command_at(&v, 26);
    assert_eq!(c["verdict"], "drift", "{stdout}");
    assert_eq!(
        c["differences"],
        serde_json::json!([
            "spec.template.spec.containers[nginx]: the book shows 2 items named nginx; a list keyed by name holds each name once (kubectl refuses it: Duplicate value)"
        ]),
        "{stdout}"
    );
}
