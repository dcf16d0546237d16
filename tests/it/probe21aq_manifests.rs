//! `lab book` on probe21aq's finding 3 (`tests/fixtures/book/probe21aq/`):
//! a manifest or patch the book shows (a `yaml` or `diff` block) was never
//! compared with the lab's file, so a chapter showing the fix's DaemonSet
//! with `--iface=enp0s3` passed (rc 0). Each chapter is probe21aq's frame
//! (the pod table, a same-node ping, the block under test, the ping again).
//! Each test was seen failing with the fix taken out (the hook in
//! `replay/mod.rs` that calls `shown_manifest::judge` removed, the debug
//! build rebuilt): the wrong blocks passed with rc 0, the right ones were
//! `skipped`, never `match`, and the skipped one gave no reason.

use crate::book::block;
use serde_json::Value;

/// `lab book` of a copy of chapter4 (a lab `ya…`) with the chapter `name`.
fn book(name: &str) -> (i32, String, Value) {
    crate::book::book_fixture("ya", "probe21aq", name, &[])
}

/// The command of the report named `command`.
fn command(v: &Value, command: &str) -> Value {
    crate::book::report_commands(v)
        .into_iter()
        .find(|c| c["command"] == command)
        .unwrap_or_else(|| panic!("no command {command}: {v}"))
}

const DAEMONSET: &str = "yaml: DaemonSet kube-system/kube-flannel-ds";

/// The DaemonSet the book shows for `flannel_fix.yml`: with the lab's
/// `--iface=enp0s8` it matches; with `--iface=enp0s3` it drifts, naming
/// the path and both values, and the chapter fails.
#[test]
fn a_manifest_the_book_shows_is_compared_with_the_labs_file() {
    let (code, stdout, v) = book("yaml_right.md");
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(block(&v, 26)["verdict"], "match", "{stdout}");
    let c = command(&v, DAEMONSET);
    assert_eq!(c["verdict"], "match", "{stdout}");
    assert!(
        c["ran"]
            .as_str()
            .unwrap()
            .contains("the lab's flannel_fix.yml"),
        "{c}"
    );

    let (code, stdout, v) = book("yaml_wrong.md");
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(block(&v, 26)["verdict"], "drift", "{stdout}");
    assert_eq!(
        command(&v, DAEMONSET)["differences"],
        serde_json::json!([
            "spec.template.spec.containers[kube-flannel].args[2]: the book shows --iface=enp0s3, the lab's flannel_fix.yml has --iface=enp0s8"
        ]),
        "{stdout}"
    );
}

/// A `diff` of `flannel_fix.yml`: its `+` line must be a line of the lab's
/// file. `+ --iface=enp0s8` matches, `+ --iface=enp0s3` drifts.
#[test]
fn a_patch_the_book_shows_is_looked_for_in_the_labs_file() {
    let (code, stdout, v) = book("diff_right.md");
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(block(&v, 26)["verdict"], "match", "{stdout}");
    assert_eq!(command(&v, "diff: flannel_fix.yml")["verdict"], "match");

    let (code, stdout, v) = book("diff_wrong.md");
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(block(&v, 26)["verdict"], "drift", "{stdout}");
    assert_eq!(
        command(&v, "diff: flannel_fix.yml")["differences"],
        serde_json::json!([
            "the book's patch adds `- --iface=enp0s3`; the lab's flannel_fix.yml has no such line"
        ]),
        "{stdout}"
    );
}

/// A manifest of no object of the lab's files (a Namespace of the reader's
/// own) stays skipped, and says why; the chapter passes on its pings.
#[test]
fn a_manifest_of_nothing_the_lab_has_is_skipped_saying_why() {
    let (code, stdout, v) = book("yaml_none.md");
    assert_eq!(code, 0, "{stdout}");
    let b = block(&v, 26);
    assert_eq!(b["verdict"], "skipped", "{stdout}");
    assert!(b["commands"].as_array().unwrap().is_empty(), "{b}");
    let why = b["prose"][0].as_str().unwrap();
    assert!(
        why.contains("it names no object of the lab's manifests")
            && why.contains("flannel_fix.yml"),
        "{why}"
    );
}

/// A manifest the text names as `flannel_fix.yml` that is no valid YAML
/// drifts (a reader who copies it has nothing to apply); one holding an
/// alias is not understood (lab reads no alias).
#[test]
fn a_broken_manifest_of_the_labs_file_fails_the_chapter() {
    let (code, stdout, v) = book("yaml_invalid.md");
    assert_eq!(code, 1, "{stdout}");
    let c = command(&v, "yaml: the block");
    assert_eq!(c["verdict"], "drift", "{stdout}");
    assert!(
        c["differences"][0]
            .as_str()
            .unwrap()
            .starts_with("the book's yaml block is not valid YAML at line 30: "),
        "{c}"
    );

    let (code, stdout, v) = book("yaml_alias.md");
    assert_eq!(code, 1, "{stdout}");
    let c = command(&v, "yaml: the block");
    assert_eq!(c["verdict"], "not_understood", "{stdout}");
    assert!(c["reason"].as_str().unwrap().contains("an alias"), "{c}");
}
