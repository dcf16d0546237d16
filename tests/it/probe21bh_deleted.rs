//! probe21bh, finding 2: after the chapter deletes a workload (`kubectl
//! delete -f flannel.yml`, `… nginx-deployment.yaml`) and before it
//! applies it again, the lab still runs its own pods, and the lines about
//! the deleted ones were judged against those: a `get pods` table showing
//! them `Running` matched, an `exec` into one ran in the lab's pod (its
//! refusal's known-drift entry then covered it, and its `route -n` was
//! compared), and for nginx each was only `skipped`, so kubectl's certain
//! refusal of the old `exec POD CMD` form went unreported. The reader
//! meets `No resources found` (or the pods `Terminating`) and `NotFound`.
//! Each chapter below is `labs/chapter4/chapter.md` with a delete put in,
//! judged with chapter 4's own known drift; chapter 4 itself (which
//! deletes and applies both again before showing new pods) is unchanged:
//! `book`'s tests.

use crate::book::{book_chapter4_changed, command, said};
use serde_json::Value;

const KUBECTL: &str = "kubectl --kubeconfig ./admin.conf";

/// Chapter 4 with the block `lines` (shell lines) put in before the first
/// line that starts with `before`.
fn with_block_before(prefix: &str, before: &str, lines: &[&str]) -> (i32, String, Value) {
    let lines: Vec<String> = lines
        .iter()
        .map(|l| l.replace("KUBECTL", KUBECTL))
        .collect();
    let before = before.replace("KUBECTL", KUBECTL);
    book_chapter4_changed(prefix, move |text| {
        let at = text
            .find(&format!("\n{before}"))
            .unwrap_or_else(|| panic!("no line {before}"))
            + 1;
        let block = format!("```bash\n{}\n```\n\n", lines.join("\n"));
        let block = match text[..at].ends_with("```bash\n") {
            // Inside a block: close it, put the new one, open it again.
            true => format!("\n```\n\n{block}```bash\n"),
            false => block,
        };
        format!("{}{block}{}", &text[..at], &text[at..])
    })
}

/// The line of the first command of the report whose line starts with
/// `start` (after `kubectl --kubeconfig ./admin.conf `) from `after` on.
pub(crate) fn line_of(v: &Value, start: &str, after: u64) -> u64 {
    let start = start.replace("KUBECTL", KUBECTL);
    crate::book::report_commands(v)
        .iter()
        .filter(|c| c["line"].as_u64().unwrap() >= after)
        .find(|c| said(c, "command").starts_with(&start))
        .and_then(|c| c["line"].as_u64())
        .unwrap_or_else(|| panic!("no command {start} from line {after}: {v}"))
}

pub(crate) fn differences(c: &Value) -> Vec<String> {
    c["differences"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|d| d.as_str().unwrap_or("").to_string())
        .collect()
}

/// The command `c` drifts: kubectl 1.32 refuses its line, and its pod is
/// gone as `deleted` (the start of its second difference) says.
fn refused_and_deleted(c: &Value, deleted: &str) {
    assert_eq!(said(c, "verdict"), "drift", "{c}");
    let d = differences(c);
    assert!(
        d[0].starts_with("kubectl 1.32 refuses the book's line"),
        "{c}"
    );
    assert!(d[1].starts_with(deleted), "{c}");
}

/// `delete -f flannel.yml` just before the troubleshooting block (H13):
/// its table of three `Running` flannel pods, the three `exec … cat
/// subnet.env` on them and the `exec … -- route -n` all drift, none
/// covered by a known-drift entry (the refusal's entry does not cover an
/// exec of a deleted pod). Seen failing with the fix off: rc 0, the table
/// compared with the lab's flannel pods without difference, the execs
/// `known_drift`.
#[test]
fn a_deleted_flannels_table_execs_and_routes_drift() {
    let (code, stdout, v) = with_block_before(
        "fxdelf",
        "KUBECTL get pods -n kube-system -l app=flannel -o wide",
        &["KUBECTL delete -f flannel.yml"],
    );
    assert_eq!(code, 1, "{stdout}");
    let delete = line_of(&v, "KUBECTL delete -f flannel.yml", 0);
    let table = command(&v, line_of(&v, "KUBECTL get pods -n kube-system", delete));
    assert_eq!(said(&table, "verdict"), "drift", "{table}");
    assert!(
        differences(&table)
            .iter()
            .any(|d| d.contains(
                "kube-flannel-ds-zzkf7 (Running), kube-flannel-ds-59hmh (Running) here, but line"
            ) && d.contains("`kubectl delete -f flannel.yml` deleted those pods")),
        "{table}"
    );
    for pod in ["v8m8f", "zzkf7", "59hmh"] {
        let line = line_of(
            &v,
            &format!("KUBECTL exec -n kube-system kube-flannel-ds-{pod} cat"),
            0,
        );
        let c = command(&v, line);
        refused_and_deleted(
            &c,
            &format!(
                "kube-flannel-ds-{pod} was deleted at line {delete} with `kubectl delete -f flannel.yml`; nothing the chapter applied since makes it again"
            ),
        );
        assert_eq!(said(&c, "ran_on"), "kubectl", "ran nothing in the lab: {c}");
    }
    let route = command(
        &v,
        line_of(
            &v,
            "KUBECTL exec -n kube-system kube-flannel-ds-zzkf7 -- route",
            0,
        ),
    );
    assert_eq!(said(&route, "verdict"), "drift", "{route}");
    assert!(
        differences(&route)
            .iter()
            .any(|d| d.starts_with("kube-flannel-ds-zzkf7 was deleted at line")),
        "{route}"
    );
    assert!(
        !differences(&route).iter().any(|d| d.contains("docker0")),
        "its routes are not compared: {route}"
    );
}

/// `delete -f nginx-deployment.yaml` before the pod-to-pod ping (H2, H15),
/// with a table showing the deleted pods `Running` and an exec into a pod
/// of the deleted deployment the book never shows: the table drifts, the
/// ping's exec drifts with kubectl's refusal of its form and the pod's
/// deletion, and the other exec with the deployment's. Seen failing with
/// the fix off: rc 0, each `skipped` ("the reader has none of its pods …
/// nothing of it is compared").
#[test]
fn a_deleted_nginxs_table_and_execs_drift_with_kubectls_refusal() {
    let (code, stdout, v) = with_block_before(
        "fxdeln",
        "Lets see if pod on node1 can reach to pod on node2.",
        &[
            "KUBECTL delete -f nginx-deployment.yaml",
            "",
            "KUBECTL get pods -o wide",
            "",
            "NAME                                READY     STATUS    RESTARTS   AGE       IP           NODE",
            "nginx-deployment-75675f5897-4dm42   1/1       Running   0          2m        10.244.1.2   node1",
            "nginx-deployment-75675f5897-rfj56   1/1       Running   0          2m        10.244.3.3   node2",
            "",
            "KUBECTL exec nginx-deployment-75675f5897-x7k2p -- ping -c 1 10.244.3.3",
        ],
    );
    assert_eq!(code, 1, "{stdout}");
    let delete = line_of(&v, "KUBECTL delete -f nginx-deployment.yaml", 0);
    let table = command(&v, line_of(&v, "KUBECTL get pods -o wide", delete));
    assert_eq!(said(&table, "verdict"), "drift", "{table}");
    assert!(
        differences(&table).iter().any(|d| d.starts_with(
            "the book shows nginx-deployment-75675f5897-4dm42 (Running), nginx-deployment-75675f5897-rfj56 (Running) here, but line"
        )),
        "{table}"
    );
    let unseen = command(
        &v,
        line_of(&v, "KUBECTL exec nginx-deployment-75675f5897-x7k2p", 0),
    );
    assert_eq!(said(&unseen, "verdict"), "drift", "{unseen}");
    assert!(
        differences(&unseen).iter().any(|d| d.starts_with(&format!(
            "the chapter deleted nginx-deployment at line {delete} (`kubectl delete -f`) and has not applied it again"
        ))),
        "{unseen}"
    );
    let ping = command(
        &v,
        line_of(&v, "KUBECTL exec -it nginx-deployment-75675f5897-4dm42", 0),
    );
    refused_and_deleted(
        &ping,
        &format!("nginx-deployment-75675f5897-4dm42 was deleted at line {delete}"),
    );
}

/// What the reader does see after the delete: the pods `Terminating`,
/// then `No resources found`. Neither drifts for the deletion (nothing of
/// the lab's still-running pods is compared with them either).
#[test]
fn deleted_pods_shown_terminating_or_gone_do_not_drift() {
    let (_, stdout, v) = with_block_before(
        "fxdelt",
        "Lets see if pod on node1 can reach to pod on node2.",
        &[
            "KUBECTL delete -f nginx-deployment.yaml",
            "",
            "KUBECTL get pods -o wide",
            "",
            "NAME                                READY     STATUS        RESTARTS   AGE       IP           NODE",
            "nginx-deployment-75675f5897-4dm42   0/1       Terminating   0          2m        10.244.1.2   node1",
            "nginx-deployment-75675f5897-rfj56   0/1       Terminating   0          2m        10.244.3.3   node2",
            "",
            "KUBECTL get pods",
            "",
            "No resources found in default namespace.",
        ],
    );
    let delete = line_of(&v, "KUBECTL delete -f nginx-deployment.yaml", 0);
    for start in ["KUBECTL get pods -o wide", "KUBECTL get pods"] {
        let c = command(&v, line_of(&v, start, delete));
        assert_eq!(said(&c, "verdict"), "skipped", "{start}: {c}\n{stdout}");
        assert!(
            !differences(&c)
                .iter()
                .any(|d| d.contains("deleted those pods")),
            "{c}"
        );
    }
}
