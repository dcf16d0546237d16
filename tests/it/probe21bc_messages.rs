//! probe21bc, lessers 6 and 8: kubectl's own message under `apply|delete
//! -f` was never compared ("kubectl's own message is not compared"), and a
//! `--kubeconfig` path no command of the chapter makes passed. The chapter
//! is chapter 4 with the probe's cases in it: line 64 `deployment
//! "nginx-deployment" deleted` under an apply (p5), line 187 `… created`
//! under a delete (p8), a second apply of the unchanged `flannel_fix.yml`
//! answering `created` (p4, line 197), `deployment "web-deployment"
//! created`, a name no manifest has (p7, line 210), and line 170's
//! `--kubeconfig ./admin.cfg` (q3). Seen failing first: the build before
//! the fix gave each of these lines no difference (each case alone rc 0).

use crate::book::{book_with_chapter4_known, command};

#[test]
fn kubectls_messages_and_kubeconfig_are_compared() {
    let (code, stdout, v) = book_with_chapter4_known("bcm", "book/probe21bc_messages/messages.md");
    assert_eq!(code, 1, "{stdout}");
    let expect = [
        (
            62,
            "kubectl 1.32 answers `kubectl apply -f nginx-deployment.yaml` with `deployment.apps/nginx-deployment created`; the book shows `deployment \"nginx-deployment\" deleted`",
        ),
        (
            185,
            "kubectl 1.32 answers `kubectl delete -f nginx-deployment.yaml` with `deployment.apps/nginx-deployment deleted`; the book shows `deployment \"nginx-deployment\" created`",
        ),
        (
            197,
            "kubectl 1.32 answers `kubectl apply -f flannel_fix.yml` with `daemonset.apps/kube-flannel-ds unchanged`; the book shows `daemonset.apps/kube-flannel-ds created`",
        ),
        (
            208,
            "kubectl 1.32 prints no such line for `kubectl apply -f nginx-deployment.yaml`: the book shows `deployment \"web-deployment\" created`; kubectl prints `deployment.apps/nginx-deployment created`",
        ),
        (
            170,
            "no command of the chapter makes the kubeconfig ./admin.cfg, and the lab's cluster gives admin.conf: the reader's kubectl 1.32 fails: error: stat ./admin.cfg: no such file or directory",
        ),
    ];
    for (line, difference) in expect {
        let c = command(&v, line);
        assert_eq!(c["verdict"], "drift", "{c}");
        assert!(
            c["differences"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d.as_str() == Some(difference)),
            "{c}"
        );
    }
}
