//! Every manifest of every shipped lab against the OpenAPI schemas of the
//! lab's own Kubernetes version (PyPI's `kubernetes-validate`, installed by
//! `.ci/install`), and a lab whose manifests are invalid for its version
//! reported by file, line and object. Missing validator: the test fails,
//! naming what to install (a skipped check would prove nothing).

use crate::harness::{fixture, root};
use lab::spec::{self, LoadOptions, schemas};

#[test]
fn every_shipped_manifest_is_valid_for_its_labs_kubernetes_version() {
    let mut labs = 0;
    for entry in std::fs::read_dir(root().join("labs")).expect("labs/") {
        let file = entry.expect("entry").path().join("lab.yaml");
        if !file.is_file() {
            continue;
        }
        let lab = spec::load_file(&file, LoadOptions::default())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let files = schemas::manifest_files(&lab);
        assert!(!files.is_empty(), "{} names no manifest", file.display());
        let problems = schemas::validate(&lab).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            problems.is_empty(),
            "{} (Kubernetes {}):\n{}",
            file.display(),
            lab.kubernetes,
            problems
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        );
        labs += 1;
    }
    assert!(labs >= 1, "no lab under labs/");
}

#[test]
fn a_manifest_invalid_for_the_version_is_reported_by_file_line_and_object() {
    let dir = fixture("schema-invalid");
    let lab = spec::load_file(&dir.join("lab.yaml"), LoadOptions::default())
        .expect("the fixture is a valid lab to lab's own checks");
    let problems = schemas::validate(&lab).unwrap_or_else(|e| panic!("{e}"));
    let text: Vec<String> = problems
        .iter()
        .map(|p| {
            format!(
                "{}:{} {} | {}",
                p.file.file_name().unwrap().to_string_lossy(),
                p.line.unwrap(),
                p.field,
                p.message
            )
        })
        .collect();
    assert_eq!(
        text,
        [
            "flannel.yml:17 PodSecurityPolicy/psp.flannel.unprivileged | not valid for Kubernetes 1.32.0: Kubernetes 1.32.0 has no PodSecurityPolicy in policy/v1beta1",
            "nginx-deployment.yaml:4 Deployment/nginx-deployment | not valid for Kubernetes 1.32.0: spec.template.spec.containers.0.resources: Additional properties are not allowed ('limit' was unexpected)",
        ],
        "{text:#?}"
    );
}

#[test]
fn a_version_without_schemas_is_an_error_not_a_pass() {
    let lab = spec::load("chapter4", LoadOptions::default()).unwrap();
    let e = schemas::validate_files(&schemas::manifest_files(&lab), "1.99").unwrap_err();
    assert!(
        e.to_string().contains("no schemas for Kubernetes 1.99.0"),
        "{e}"
    );
}
