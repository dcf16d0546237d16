//! Unit tests of [`super`]: kubectl's messages under `apply|delete -f`.

use super::{Message, compare, expected};
use crate::book::parse;
use crate::book::replay::plan::plan_chapter;
use crate::spec::Lab;
use std::collections::BTreeMap;

fn chapter4() -> Lab {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    crate::spec::load_file(&root.join("labs/chapter4/lab.yaml"), Default::default()).unwrap()
}

/// The messages of each apply/delete line of a chapter of `commands` (one
/// block), by the command's index.
fn messages_of(commands: &[&str]) -> Vec<Vec<String>> {
    let text = format!("# t\n\n```bash\n{}\n```\n", commands.join("\n\n"));
    let chapter = parse::parse(std::path::Path::new("t.md"), text.as_bytes()).unwrap();
    let blocks: Vec<Vec<_>> = plan_chapter(&chapter)
        .into_iter()
        .map(|(ps, _)| ps.into_iter().map(|p| (p.step, p.cmd)).collect())
        .collect();
    let lines: Vec<usize> = blocks.iter().flatten().map(|(s, _)| s.line).collect();
    let m: BTreeMap<usize, Vec<Message>> = expected(&chapter4(), &blocks);
    lines
        .iter()
        .map(|l| {
            m.get(l)
                .map(|v| v.iter().map(Message::line).collect())
                .unwrap_or_default()
        })
        .collect()
}

const NGINX: &str = "kubectl --kubeconfig ./admin.conf apply -f nginx-deployment.yaml";

/// Each object of the file gives a line, kind with its group (none for the
/// core group); the verb follows the chapter's applies and deletes:
/// `created`, `unchanged` for the same file again, `configured` for other
/// content over the same object, `deleted`.
#[test]
fn the_verb_follows_the_chapters_applies_and_deletes() {
    let m = messages_of(&[
        "kubectl apply -f flannel.yml",
        NGINX,
        NGINX,
        "kubectl apply -f flannel_fix.yml",
        "kubectl delete -f nginx-deployment.yaml",
        NGINX,
    ]);
    assert_eq!(
        m[0],
        [
            "serviceaccount/flannel created",
            "clusterrole.rbac.authorization.k8s.io/flannel created",
            "clusterrolebinding.rbac.authorization.k8s.io/flannel created",
            "configmap/kube-flannel-cfg created",
            "daemonset.apps/kube-flannel-ds created",
        ]
    );
    assert_eq!(m[1], ["deployment.apps/nginx-deployment created"]);
    assert_eq!(m[2], ["deployment.apps/nginx-deployment unchanged"]);
    assert!(
        m[3].contains(&"daemonset.apps/kube-flannel-ds configured".to_string()),
        "{m:?}"
    );
    assert!(
        m[3].contains(&"serviceaccount/flannel unchanged".to_string()),
        "{m:?}"
    );
    assert_eq!(m[4], ["deployment.apps/nginx-deployment deleted"]);
    assert_eq!(m[5], ["deployment.apps/nginx-deployment created"]);
}

fn nginx(verb: &str) -> Vec<Message> {
    vec![Message {
        kind: "deployment".into(),
        group: "apps".into(),
        name: "nginx-deployment".into(),
        verb: match verb {
            "created" => "created",
            "unchanged" => "unchanged",
            _ => "deleted",
        },
    }]
}

fn book(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|l| l.to_string()).collect()
}

/// probe21bc, lesser 6: the wrong verb, a name no manifest has, and
/// `created` for the same file again are differences, in either form.
#[test]
fn a_message_kubectl_does_not_print_is_a_difference() {
    let apply = "kubectl apply -f nginx-deployment.yaml";
    for (shown, verb) in [
        ("deployment \"nginx-deployment\" deleted", "created"),
        ("deployment.apps/nginx-deployment deleted", "created"),
        ("deployment \"web-deployment\" created", "created"),
        ("deployment.apps/web-deployment created", "created"),
        ("deployment \"nginx-deployment\" created", "deleted"),
        ("deployment.apps/nginx-deployment created", "unchanged"),
        ("deployment/nginx-deployment created", "created"),
        ("daemonset.apps/nginx-deployment created", "created"),
        ("nginx-deployment created", "created"),
    ] {
        let c = compare(&book(&[shown]), &nginx(verb), apply, "1.32");
        assert_eq!(c.differences.len(), 1, "{shown} ({verb}): {c:?}");
        assert_eq!(c.agreed, 0, "{shown}");
    }
    let c = compare(
        &book(&["deployment \"nginx-deployment\" deleted"]),
        &nginx("created"),
        apply,
        "1.32",
    );
    assert_eq!(
        c.differences,
        [
            "kubectl 1.32 answers `kubectl apply -f nginx-deployment.yaml` with `deployment.apps/nginx-deployment created`; the book shows `deployment \"nginx-deployment\" deleted`"
        ]
    );
}

/// The pinned form and an older kubectl's form of the right line agree
/// (the older one said); blanks, warnings and a stray backtick of the
/// book's markup are passed over.
#[test]
fn the_right_message_agrees_in_either_form() {
    let apply = "kubectl apply -f nginx-deployment.yaml";
    let c = compare(
        &book(&["", "deployment.apps/nginx-deployment created", "Warning: x"]),
        &nginx("created"),
        apply,
        "1.32",
    );
    assert_eq!((c.agreed, c.differences.len(), c.older.len()), (1, 0, 0));
    for older in [
        "deployment \"nginx-deployment\" created`",
        "deployment.apps \"nginx-deployment\" created",
    ] {
        let c = compare(&book(&[older]), &nginx("created"), apply, "1.32");
        assert_eq!(
            (c.agreed, c.differences.len(), c.older.len()),
            (1, 0, 1),
            "{older}"
        );
    }
}
