//! Validation asks the CNI registry: the test-only stub plugin
//! (`cni/stub.rs`, one line in `cni::registry::CNIS`) reads its manifest
//! and its rule refuses what it cannot do, with the lab's file, line and
//! field.

use crate::error::LabError;
use crate::testbed::{LoadOptions, load_file};
use std::path::Path;

/// chapter4's lab with its `broken` variant's manifest replaced by a
/// stub manifest of `mode`; loaded from a temporary folder.
fn load_with_stub(mode: &str) -> (tempfile::TempDir, crate::Result<crate::testbed::Testbed>) {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("labs/chapter4");
    for f in [
        "lab.yaml",
        "flannel_fix.yml",
        "nginx-deployment.yaml",
        "chapter.md",
    ] {
        std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
    }
    std::fs::write(
        dir.path().join("flannel.yml"),
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stub-cfg\ndata:\n  stub-net.json: '{{\"Mode\": \"{mode}\"}}'\n"
        ),
    )
    .unwrap();
    let lab = load_file(&dir.path().join("lab.yaml"), LoadOptions::default());
    (dir, lab)
}

#[test]
fn a_registered_plugin_reads_its_manifest() {
    let (_dir, lab) = load_with_stub("bridge");
    let lab = lab.expect("the stub's manifest is valid for it");
    let broken = lab.variant("broken").unwrap();
    assert_eq!(broken.cni.plugin().name(), "stub");
    assert!(broken.cni.flannel().is_none());
    assert_eq!(lab.variant("fixed").unwrap().cni.plugin().name(), "flannel");
}

#[test]
fn a_registered_plugin_refuses_what_it_cannot_do_at_validation() {
    let (_dir, lab) = load_with_stub("overlay");
    let Err(LabError::Invalid(problems)) = lab else {
        panic!("the stub's rule must refuse Mode overlay: {lab:?}");
    };
    let p = &problems.0;
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].field, "variants.broken.network");
    assert!(p[0].file.ends_with("lab.yaml"), "{:?}", p[0].file);
    assert_eq!(p[0].line, Some(18), "the line of variants.broken.network");
    assert_eq!(
        p[0].message,
        "flannel.yml: stub's Mode 'overlay' is not reproduced; use bridge"
    );
}
