//! Unit tests of [`super`]: the names of the book's pod tables (probe21be,
//! lesser 1). Seen failing first: with `check` not called, every chapter
//! below bound with no conflict.

use super::{shape_wrong, valid_name};
use crate::book::bind;
use crate::book::parse;
use crate::book::recognize::recognize;
use crate::spec::Lab;

fn chapter4() -> Lab {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    crate::spec::load_file(&root.join("labs/chapter4/lab.yaml"), Default::default()).unwrap()
}

/// The conflicts the book's own values give chapter 4 with line `at` (1-based)
/// of the chapter replaced by `with`.
fn conflicts(edits: &[(usize, &str)]) -> Vec<(usize, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("labs/chapter4/chapter.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    for (at, with) in edits {
        lines[at - 1] = with.to_string();
    }
    let chapter = parse::parse(&path, (lines.join("\n") + "\n").as_bytes()).unwrap();
    let blocks: Vec<_> = chapter
        .blocks
        .iter()
        .filter(|b| b.is_shell())
        .map(|b| {
            parse::steps(b)
                .0
                .into_iter()
                .map(|s| {
                    let c = recognize(&s.command);
                    (s, c)
                })
                .collect::<Vec<_>>()
        })
        .collect();
    bind::gather(&chapter4(), &blocks).conflicts
}

fn about(c: &[(usize, String)], line: usize, words: &str) -> bool {
    c.iter().any(|(l, s)| *l == line && s.contains(words))
}

#[test]
fn the_shipped_chapters_names_agree() {
    let c = conflicts(&[]);
    assert!(
        !c.iter().any(|(_, s)| s.contains("pod name")
            || s.contains("this table of the same pods")
            || s.contains("two rows")),
        "{c:?}"
    );
}

#[test]
fn a_pod_renamed_between_two_tables_of_the_same_pods_is_a_conflict() {
    let c = conflicts(&[(
        41,
        "kube-flannel-ds-59hmx   1/1       Running   0          45s",
    )]);
    assert!(
        about(
            &c,
            117,
            "pod kube-flannel-ds-59hmx of kube-flannel-ds (line 38) is not in this table"
        ),
        "{c:?}"
    );
}

#[test]
fn a_pod_shown_on_two_rows_of_one_table_is_a_conflict() {
    let c = conflicts(&[(
        41,
        "kube-flannel-ds-v8m8f   1/1       Running   0          45s",
    )]);
    assert!(
        about(&c, 38, "shows pod kube-flannel-ds-v8m8f on two rows"),
        "{c:?}"
    );
}

#[test]
fn a_name_no_cluster_makes_is_a_conflict() {
    let c = conflicts(&[(
        41,
        "kube-flannel-ds-59HMH   1/1       Running   0          45s",
    )]);
    assert!(
        about(
            &c,
            38,
            "pod name kube-flannel-ds-59HMH is no name kubectl prints"
        ),
        "{c:?}"
    );
    let c = conflicts(&[(
        41,
        "kube-flannel-ds-59hmhqqqqqqq   1/1       Running   0          45s",
    )]);
    assert!(
        about(&c, 38, "pod name kube-flannel-ds-59hmhqqqqqqq is no name"),
        "{c:?}"
    );
}

#[test]
fn pod_names_are_dns_subdomains_with_generated_tails() {
    assert!(valid_name("kube-flannel-ds-59hmh"));
    assert!(valid_name("a.b-c9"));
    for bad in ["59HMH", "-a", "a-", "a_b", "", &"a".repeat(254)] {
        assert!(!valid_name(bad), "{bad}");
    }
    let lab = chapter4();
    assert_eq!(shape_wrong(&lab, "kube-flannel-ds-59hmh"), None);
    assert_eq!(shape_wrong(&lab, "nginx-deployment-75675f5897-4dm42"), None);
    // Kubernetes 1.7's numeric template hash.
    assert_eq!(shape_wrong(&lab, "nginx-deployment-431080787-9nswb"), None);
    assert!(shape_wrong(&lab, "kube-flannel-ds-59hm").is_some());
    // `a`, `e`, `0`, `1`, `3` are never drawn.
    assert!(shape_wrong(&lab, "kube-flannel-ds-59hma").is_some());
    assert!(shape_wrong(&lab, "nginx-deployment-75675f5897a-4dm42").is_some());
    assert!(shape_wrong(&lab, "nginx-deployment-4dm42").is_some());
    assert!(shape_wrong(&lab, "nginx-deployment-75675f5897-4dm42-x").is_some());
    // A pod of no controller the lab knows is not judged.
    assert_eq!(shape_wrong(&lab, "busybox"), None);
}
