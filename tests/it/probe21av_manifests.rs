//! `lab book` on probe21av's findings 3, 4, 6 and 7
//! (`tests/fixtures/book/probe21av_manifests/`), each chapter in
//! probe21aq's frame (the pod table, a same-node ping, the block under
//! test, the ping again), on the lab's starting variant (`broken`):
//! - the fixed DaemonSet under "before the fix" / "the one that breaks",
//!   or after the chapter applied only `flannel.yml`, matched the fixed
//!   variant's file (finding 3);
//! - an edit in place of `flannel.yml` into the fix drifted (4);
//! - the lab's Deployment in another namespace, or as JSON, was skipped (6);
//! - a fragment under a named file it is no part of was skipped (7).
//!
//! Each was seen failing with its fix taken out and the debug build
//! rebuilt: `says_starting` returning None and the applied-file rule off
//! (the fixed DaemonSet matched, rc 0), `becomes` returning None (the edit
//! drifted, rc 1), the namespace kept as shown and `json` not read, and no
//! drift for a fragment that fits nowhere (each skipped: rc 1 only for
//! "compared nothing", no report at the block).

use crate::book::only_command_of_block as command_at;
use serde_json::Value;

/// `lab book` of a copy of chapter4 (a lab `yv…`) with the chapter `name`.
fn book(name: &str) -> (i32, String, Value) {
    crate::book::book_fixture("yv", "probe21av_manifests", name, &[])
}

const FIXED_ARGS_IN_BROKEN: &str = "spec.template.spec.containers[kube-flannel].args[2]: the book shows --iface=enp0s8, the lab's flannel.yml has none";

/// The fixed DaemonSet where the text calls it the broken one, or where
/// the chapter has applied only `flannel.yml`, drifts against flannel.yml.
#[test]
fn a_manifest_called_the_broken_one_is_the_starting_variants() {
    for (name, line) in [
        ("before_fix.md", 26),
        ("breaks.md", 26),
        ("applied_start.md", 30),
    ] {
        let (code, stdout, v) = book(name);
        assert_eq!(code, 1, "{name}: {stdout}");
        let c = command_at(&v, line);
        assert_eq!(c["verdict"], "drift", "{name}: {stdout}");
        assert_eq!(
            c["command"], "yaml: DaemonSet kube-system/kube-flannel-ds (flannel.yml)",
            "{c}"
        );
        assert_eq!(
            c["differences"],
            serde_json::json!([FIXED_ARGS_IN_BROKEN]),
            "{stdout}"
        );
    }
}

/// `--- a/flannel.yml`/`+++ b/flannel.yml` adding `--iface=enp0s8`, under
/// "Edit `flannel.yml` to fix it:", is the edit that gives the fixed
/// variant's file: a match.
#[test]
fn an_edit_in_place_into_the_fix_passes() {
    let (code, stdout, v) = book("edit_in_place.md");
    assert_eq!(code, 0, "{stdout}");
    let c = command_at(&v, 26);
    assert_eq!(c["verdict"], "match", "{stdout}");
    assert!(
        c["ran"]
            .as_str()
            .unwrap()
            .contains("its new side in the lab's flannel_fix.yml"),
        "{c}"
    );
}

/// The Deployment in kube-system drifts on its namespace; as JSON with 7
/// replicas on its replicas; a fragment with `args` under
/// "In `nginx-deployment.yaml`:" as no part of it.
#[test]
fn other_namespace_json_and_a_foreign_fragment_fail_the_chapter() {
    for (name, want) in [
        (
            "other_ns.md",
            "metadata.namespace: the book shows kube-system, the lab's nginx-deployment.yaml has none",
        ),
        (
            "as_json.md",
            "spec.replicas: the book shows 7, the lab's nginx-deployment.yaml has 2",
        ),
        (
            "fragment.md",
            "the book shows this as part of the lab's nginx-deployment.yaml, which has no mapping with `args` anywhere",
        ),
    ] {
        let (code, stdout, v) = book(name);
        assert_eq!(code, 1, "{name}: {stdout}");
        let c = command_at(&v, 26);
        assert_eq!(c["verdict"], "drift", "{name}: {stdout}");
        assert_eq!(c["differences"], serde_json::json!([want]), "{stdout}");
    }
}
