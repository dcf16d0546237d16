//! Unit tests of [`super`]: which apply of the chapter makes new pods.

use super::{Applies, ApplyEffect};
use crate::book::bind::Maker;
use crate::spec::Lab;

fn chapter4() -> Lab {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    crate::spec::load_file(&root.join("labs/chapter4/lab.yaml"), Default::default()).unwrap()
}

fn nginx() -> Maker {
    Maker::Workload {
        app: "nginx".into(),
    }
}

/// probe21ba, lesser 7: the same file again keeps the pods (seen failing
/// first: every apply of a workload file was a new generation); the first
/// apply, and one after a `delete -f`, make new ones.
#[test]
fn the_same_file_again_keeps_its_pods() {
    let lab = chapter4();
    let mut a = Applies::default();
    let file = "nginx-deployment.yaml";
    assert_eq!(a.apply(&lab, &nginx(), file, &[]), ApplyEffect::New);
    let unchanged = ["deployment.apps/nginx-deployment unchanged".to_string()];
    assert_eq!(a.apply(&lab, &nginx(), file, &unchanged), ApplyEffect::Kept);
    assert_eq!(a.apply(&lab, &nginx(), file, &[]), ApplyEffect::Kept);
    a.deleted(&nginx());
    assert_eq!(a.apply(&lab, &nginx(), file, &[]), ApplyEffect::New);
}

/// Another file of other content over live pods replaces them; so does the
/// same file the book shows `configured` or `created`.
#[test]
fn other_content_replaces_the_pods() {
    let lab = chapter4();
    let mut a = Applies::default();
    assert_eq!(
        a.apply(&lab, &Maker::Network, "flannel.yml", &[]),
        ApplyEffect::New
    );
    assert_eq!(
        a.apply(&lab, &Maker::Network, "flannel_fix.yml", &[]),
        ApplyEffect::Replaced {
            over: "flannel.yml".into()
        }
    );
    for shown in [
        "deployment.apps/nginx-deployment configured",
        "deployment \"nginx-deployment\" created",
    ] {
        let mut a = Applies::default();
        a.apply(&lab, &nginx(), "nginx-deployment.yaml", &[]);
        let out = [shown.to_string()];
        assert_eq!(
            a.apply(&lab, &nginx(), "nginx-deployment.yaml", &out),
            ApplyEffect::Replaced {
                over: "nginx-deployment.yaml".into()
            },
            "{shown}"
        );
    }
}
