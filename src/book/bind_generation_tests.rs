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

/// chapter 4's lab with its fixed variant's network file replaced by
/// `flannel.yml` as `edit` makes it (in a folder kept while it is used).
fn with_fix_file(edit: impl Fn(&str) -> String) -> (Lab, tempfile::TempDir) {
    let mut lab = chapter4();
    let dir = tempfile::tempdir().unwrap();
    let broken = std::fs::read_to_string(&lab.variants[0].manifest).unwrap();
    let fix = dir.path().join("flannel_fix.yml");
    std::fs::write(&fix, edit(&broken)).unwrap();
    let v = lab
        .variants
        .iter_mut()
        .find(|v| v.manifest.ends_with("flannel_fix.yml"))
        .unwrap();
    v.manifest = fix;
    (lab, dir)
}

/// probe21bk: another network file whose DaemonSet's pod template is the
/// same (only its ConfigMap differs) keeps the pods, as a cluster does (a
/// changed template rolls them out again); kubectl's answer for another
/// object than a pod controller (`configmap/… configured`) changes no pod.
/// Seen failing with the fix off: `Replaced` for both (files of other
/// bytes, any `configured` line).
#[test]
fn another_file_with_the_same_pod_templates_keeps_the_pods() {
    let (lab, _dir) =
        with_fix_file(|t| t.replace("\"Type\": \"vxlan\"", "\"Type\": \"vxlan\", \"VNI\": 1"));
    let mut a = Applies::default();
    a.apply(&lab, &Maker::Network, "flannel.yml", &[]);
    let said = [
        "configmap/kube-flannel-cfg configured".to_string(),
        "daemonset.apps/kube-flannel-ds unchanged".to_string(),
    ];
    assert_eq!(
        a.apply(&lab, &Maker::Network, "flannel_fix.yml", &said),
        ApplyEffect::Kept
    );
    let (lab, _dir) =
        with_fix_file(|t| t.replace("--ip-masq", "--ip-masq\n            - --iface=enp0s8"));
    let fix = &lab.variants[1].manifest;
    assert!(super::pod_templates(fix).is_some_and(|t| t.len() == 1));
    let mut a = Applies::default();
    a.apply(&lab, &Maker::Network, "flannel.yml", &[]);
    assert_eq!(
        a.apply(&lab, &Maker::Network, "flannel_fix.yml", &[]),
        ApplyEffect::Replaced {
            over: "flannel.yml".into()
        }
    );
    let mut a = Applies::default();
    a.apply(&lab, &nginx(), "nginx-deployment.yaml", &[]);
    let said = ["daemonset.apps/x configured".to_string()];
    assert_ne!(
        a.apply(&lab, &nginx(), "nginx-deployment.yaml", &said),
        ApplyEffect::Kept
    );
}
