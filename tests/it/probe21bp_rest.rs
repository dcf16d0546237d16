//! probe21bp, the findings after its first (the Terminating rule, in
//! `probe21bp`):
//! - Finding 2 (false green): `No resources found in kube-system
//!   namespace.` for a selector that picks pods every kubeadm cluster runs
//!   there (`-l k8s-app=kube-dns`, `-l component=kube-apiserver`) passed,
//!   skipped; a selector no kubeadm pod carries (`-l tier=node`) is true.
//!
//! Each chapter below is `labs/chapter4/chapter.md` with lines put in,
//! judged with chapter 4's own known drift; chapter 4 itself is unchanged
//! (`book`'s tests).

use crate::book::{book_chapter4_changed, command, said};
use crate::probe21bh_deleted::{differences, line_of};
use serde_json::Value;

const KUBECTL: &str = "kubectl --kubeconfig ./admin.conf";

/// Chapter 4 with `to` put in after the first occurrence of the line
/// `after` (`KUBECTL` for the book's kubectl).
fn inserted(prefix: &str, after: &str, to: &str) -> (i32, String, Value) {
    let after = format!("{}\n", after.replace("KUBECTL", KUBECTL));
    let to = to.replace("KUBECTL", KUBECTL);
    book_chapter4_changed(prefix, move |text| {
        let at = text.find(&after).unwrap_or_else(|| panic!("no {after}")) + after.len();
        format!("{}{to}{}", &text[..at], &text[at..])
    })
}

/// After the pod network's delete, `No resources found in kube-system
/// namespace.` for each selector form: one that picks kubeadm's own pods
/// (CoreDNS, kube-proxy, a static pod by `component`, all of them by
/// `tier=control-plane`, across namespaces with `-A`; `--selector` and
/// `-l=` written out) drifts naming them; one no kubeadm pod carries
/// (`tier=node`) is not drift; a set-based one (`k8s-app in (kube-dns)`)
/// is not understood. Seen failing with the fix off (`src/` as before):
/// the `-l k8s-app=kube-dns` line skipped with no difference (and
/// `--selector`, `-l=` not understood, which left the block unrun).
#[test]
fn none_found_for_kubeadms_own_labels_drifts() {
    let selectors = [
        ("-n kube-system -l k8s-app=kube-dns", Some("coredns-*")),
        ("-n kube-system -l k8s-app=kube-proxy", Some("kube-proxy-*")),
        (
            "-n kube-system -l component=kube-apiserver",
            Some("kube-apiserver-master"),
        ),
        ("-n kube-system -l tier=control-plane", Some("etcd-master")),
        ("-A -l component=etcd", Some("etcd-master")),
        (
            "-n kube-system --selector k8s-app=kube-dns",
            Some("coredns-*"),
        ),
        (
            "-n kube-system -l=component=kube-scheduler",
            Some("kube-scheduler-master"),
        ),
        ("-n kube-system -l tier=node", None),
    ];
    let mut lines = String::new();
    for (s, _) in &selectors {
        // kubectl names no namespace for `-A`.
        let none = match s.starts_with("-A") {
            true => "No resources found",
            false => "No resources found in kube-system namespace.",
        };
        lines.push_str(&format!("\nKUBECTL get pods {s}\n\n{none}\n"));
    }
    let (code, stdout, v) = inserted("bqsys", "KUBECTL delete -f flannel.yml", &lines);
    assert_eq!(code, 1, "{stdout}");
    let delete = line_of(&v, "KUBECTL delete -f flannel.yml", 0);
    for (s, pod) in selectors {
        let c = command(&v, line_of(&v, &format!("KUBECTL get pods {s}"), delete));
        let d = differences(&c);
        match pod {
            Some(pod) => {
                assert_eq!(said(&c, "verdict"), "drift", "{s}: {c}");
                assert!(
                    d.iter().any(|d| d.contains(
                        "a kubeadm cluster always runs in kube-system pods with that label"
                    ) && d.contains(pod)),
                    "{s}: {c}"
                );
            }
            None => {
                assert!(d.is_empty(), "{s}: {c}");
                assert_ne!(said(&c, "verdict"), "drift", "{s}: {c}");
            }
        }
    }
    // Its own chapter: a line not understood leaves its block unrun.
    let set = "\nKUBECTL get pods -n kube-system -l 'k8s-app in (kube-dns)'\n\nNo resources found in kube-system namespace.\n";
    let (code, stdout, v) = inserted("bqset", "KUBECTL delete -f flannel.yml", set);
    assert_eq!(code, 1, "{stdout}");
    let c = command(
        &v,
        line_of(&v, "KUBECTL get pods -n kube-system -l 'k8s-app", 0),
    );
    assert_eq!(said(&c, "verdict"), "not_understood", "{c}");
}
