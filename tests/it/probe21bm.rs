//! probe21bm: false greens and wrong reds of `lab book` after the
//! probe21bk fixes.
//! - Finding 1 (false green): after the chapter's `kubectl delete -f
//!   nginx-deployment.yaml`, a ping or curl to a deleted pod's address
//!   that shows a reply (or whose remark claims one) was skipped, "nothing
//!   of it is compared", so the chapter passed.
//! - Wrong reds 4: true author notes on a ping (`note the ttl=64`,
//!   `hangs until Ctrl-C`, `through flannel.1`, `same as before`, a `#
//!   check connectivity` above) were not understood.
//! - Wrong red 4b: a DaemonSet's update shown mid-way (an old pod
//!   `Terminating` beside new ones right after the apply) drifted.
//! - Lesser 3 (false green): `No resources found in kube-system
//!   namespace.` for every pod of kube-system (no selector) after the pod
//!   network's delete passed as skipped; a kubeadm cluster always runs
//!   its control plane's pods there.
//!
//! Each chapter below is `labs/chapter4/chapter.md` with lines put in or
//! changed, judged with chapter 4's own known drift; chapter 4 itself is
//! unchanged (`book`'s tests).

use crate::book::{book_chapter4_changed, book_chapter4_replaced as replaced, command, said};
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

/// The line of the first command of the report that is `text` exactly
/// (`KUBECTL` for the book's kubectl), from line `after` on.
fn line_of(v: &Value, text: &str, after: u64) -> u64 {
    let text = text.replace("KUBECTL", KUBECTL);
    crate::book::report_commands(v)
        .iter()
        .filter(|c| c["line"].as_u64().unwrap() >= after)
        .find(|c| said(c, "command") == text)
        .and_then(|c| c["line"].as_u64())
        .unwrap_or_else(|| panic!("no command {text}: {v}"))
}

fn differences(c: &Value) -> String {
    c["differences"].to_string()
}

/// Lines put in between the two deletes of "Fix the issue" (the nginx
/// pods are gone there, none applied again): a ping to a deleted pod's
/// address with a reply (F14, F16), a curl of one with the nginx page
/// (F19), a ping whose remark says it works with no reply shown (F18):
/// each drifts, saying the delete; a ping that shows no reply (100% loss)
/// is still not compared. Seen failing with the fix off: rc 0, each ping
/// and the curl `skipped` ("nothing of it is compared").
#[test]
fn a_reply_from_a_deleted_pods_address_drifts() {
    let block = "
```

```bash
vagrant ssh node1

ping -c 2 10.244.1.2

PING 10.244.1.2 (10.244.1.2) 56(84) bytes of data.
64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.054 ms
64 bytes from 10.244.1.2: icmp_seq=2 ttl=64 time=0.060 ms

--- 10.244.1.2 ping statistics ---
2 packets transmitted, 2 received, 0% packet loss, time 1001ms
rtt min/avg/max/mdev = 0.054/0.057/0.060/0.003 ms

curl -s 10.244.3.3
<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
</head>
</html>

ping 10.244.3.3 (across node, works)

PING 10.244.3.3 (10.244.3.3) 56(84) bytes of data.

ping -c 1 10.244.1.2 (same node, no reply)

PING 10.244.1.2 (10.244.1.2) 56(84) bytes of data.

--- 10.244.1.2 ping statistics ---
1 packets transmitted, 0 received, 100% packet loss, time 0ms

exit
";
    let (code, stdout, v) = inserted("bmgone", "deployment \"nginx-deployment\" deleted", block);
    assert_eq!(code, 1, "{stdout}");
    let delete = line_of(&v, "KUBECTL delete -f nginx-deployment.yaml", 0);
    for (text, said_of) in [
        (
            "ping -c 2 10.244.1.2",
            "ping: the book shows an answer from 10.244.1.2, but line",
        ),
        (
            "curl -s 10.244.3.3",
            "curl: the book shows an answer from 10.244.3.3, but line",
        ),
        (
            "ping 10.244.3.3",
            "the remark says the line gets an answer, but line",
        ),
    ] {
        let c = command(&v, line_of(&v, text, delete));
        assert_eq!(said(&c, "verdict"), "drift", "{c}");
        assert!(differences(&c).contains(said_of), "{said_of}: {c}");
        assert!(differences(&c).contains("deleted nginx-deployment"), "{c}");
    }
    let quiet = command(&v, line_of(&v, "ping -c 1 10.244.1.2", delete));
    assert_eq!(said(&quiet, "verdict"), "skipped", "{quiet}");
}

/// `get pods -n kube-system` showing `No resources found in kube-system
/// namespace.` after the pod network's delete (F9) drifts; the same with
/// `-l app=flannel` is true: no difference. Seen failing with the fix
/// off: rc 0, the first line `skipped`.
#[test]
fn no_pods_at_all_in_kube_system_drifts() {
    let lines = "
KUBECTL get pods -n kube-system

No resources found in kube-system namespace.

KUBECTL get pods -n kube-system -l app=flannel

No resources found in kube-system namespace.
";
    let (code, stdout, v) = inserted("bmsys", "KUBECTL delete -f flannel.yml", lines);
    assert_eq!(code, 1, "{stdout}");
    let delete = line_of(&v, "KUBECTL delete -f flannel.yml", 0);
    let all = command(&v, line_of(&v, "KUBECTL get pods -n kube-system", delete));
    assert_eq!(said(&all, "verdict"), "drift", "{all}");
    assert!(
        differences(&all).contains(
            "a kubeadm cluster always runs its control plane's pods in kube-system (etcd-master"
        ),
        "{all}"
    );
    let flannel = command(
        &v,
        line_of(&v, "KUBECTL get pods -n kube-system -l app=flannel", delete),
    );
    assert_eq!(differences(&flannel), "[]", "{flannel}");
    assert_ne!(said(&flannel, "verdict"), "drift", "{flannel}");
}

/// True notes to the reader on the chapter's pings (V1, V5, V6, V9, V11,
/// C12) pass; the same kinds with a wrong TTL or outcome drift. Seen
/// failing with the fix off: rc 1, each true line `not_understood` ("the
/// remark has words lab does not read").
#[test]
fn notes_to_the_reader_on_a_ping_are_read() {
    let (code, stdout, v) = replaced(
        "bmnote",
        &[
            (
                "vagrant ssh node1\n\nping 10.244.1.2  (same node)",
                "vagrant ssh node1\n# check connectivity\nping 10.244.1.2  (same node, note the ttl=64)",
            ),
            (
                "ping 10.244.3.3 (across node)",
                "ping 10.244.3.3 (across node, hangs until Ctrl-C)",
            ),
            (
                "ping 10.244.1.3 (same node)",
                "ping 10.244.1.3 (same node, same as before)",
            ),
            (
                "ping 10.244.3.4 (across node)",
                "ping 10.244.3.4 (across node, through flannel.1, see below)",
            ),
        ],
    );
    assert_eq!(code, 0, "{stdout}");
    for text in [
        "ping 10.244.1.2",
        "ping 10.244.3.3",
        "ping 10.244.1.3",
        "ping 10.244.3.4",
    ] {
        let c = command(&v, line_of(&v, text, 0));
        assert_ne!(said(&c, "verdict"), "not_understood", "{c}");
        assert_eq!(differences(&c), "[]", "{c}");
    }
    let (code, stdout, v) = replaced(
        "bmnotx",
        &[
            (
                "ping 10.244.1.2  (same node)",
                "ping 10.244.1.2  (same node, note the ttl=63)",
            ),
            (
                "ping 10.244.3.4 (across node)",
                "ping 10.244.3.4 (across node, see below, fails)",
            ),
        ],
    );
    assert_eq!(code, 1, "{stdout}");
    for (text, wrong) in [
        (
            "ping 10.244.1.2",
            "the remark says ttl 63, but the book's own reply shows ttl=64",
        ),
        ("ping 10.244.3.4", "the remark says the line gets no answer"),
    ] {
        let c = command(&v, line_of(&v, text, 0));
        assert_eq!(said(&c, "verdict"), "drift", "{c}");
        assert!(differences(&c).contains(wrong), "{wrong}: {c}");
    }
}

/// A27: chapter 4 without the pod network's delete (so line 195 applies
/// flannel_fix.yml over flannel.yml), its table showing two new pods
/// `Running` and the old zzkf7 `Terminating`: true, it passes; zzkf7
/// shown `Running` there still drifts. Seen failing with the fix off:
/// rc 1, the table `drift` ("the lab shows … Running").
#[test]
fn an_old_pod_terminating_during_an_update_is_true() {
    const DELETE: &str = "deployment \"nginx-deployment\" deleted\n\nkubectl --kubeconfig ./admin.conf delete -f flannel.yml\n";
    const ROW: &str = "kube-system   kube-flannel-ds-tjz4c   1/1       Running   0          35s";
    let (code, stdout, v) = replaced(
        "bmupd",
        &[
            (DELETE, "deployment \"nginx-deployment\" deleted\n"),
            (
                ROW,
                "kube-system   kube-flannel-ds-zzkf7   1/1       Terminating   0          1h",
            ),
        ],
    );
    assert_eq!(code, 0, "{stdout}");
    let table = command(
        &v,
        line_of(&v, "KUBECTL get pods --all-namespaces -l app=flannel", 0),
    );
    assert_eq!(differences(&table), "[]", "{table}");
    let (code, stdout, v) = replaced(
        "bmupr",
        &[
            (DELETE, "deployment \"nginx-deployment\" deleted\n"),
            (
                ROW,
                "kube-system   kube-flannel-ds-zzkf7   1/1       Running   0          1h",
            ),
        ],
    );
    assert_eq!(code, 1, "{stdout}");
    let table = command(
        &v,
        line_of(&v, "KUBECTL get pods --all-namespaces -l app=flannel", 0),
    );
    assert_eq!(said(&table, "verdict"), "drift", "{table}");
    assert!(
        differences(&table).contains("kube-flannel-ds-zzkf7"),
        "{table}"
    );
}
