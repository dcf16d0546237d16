use super::*;
use crate::cluster::fixture::{TestCtx, out};
use crate::error::LabError;
use crate::session::fake::FakeSession;
use std::time::Duration;

const KUBECTL: &str = "sudo kubectl --kubeconfig /etc/kubernetes/admin.conf";

fn quick(limit_ms: u64) -> Poll {
    Poll {
        every: Duration::from_millis(1),
        limit: Duration::from_millis(limit_ms),
    }
}

fn node(name: &str, ready: bool) -> String {
    format!(
        r#"{{"metadata":{{"name":"{name}"}},"status":{{"conditions":[{{"type":"Ready","status":"{}"}}]}}}}"#,
        if ready { "True" } else { "False" }
    )
}

fn nodes(list: &[(&str, bool)]) -> String {
    let items: Vec<String> = list.iter().map(|(n, r)| node(n, *r)).collect();
    format!(r#"{{"items":[{}]}}"#, items.join(","))
}

fn pod(name: &str, app: &str, node: &str, phase: &str, ready: bool) -> String {
    format!(
        r#"{{"metadata":{{"name":"{name}","namespace":"kube-system","labels":{{"app":"{app}"}}}},"spec":{{"nodeName":"{node}","containers":[{{"name":"c"}}]}},"status":{{"phase":"{phase}","podIP":"10.100.198.201","containerStatuses":[{{"ready":{ready}}}]}}}}"#
    )
}

fn all_nodes() -> Vec<String> {
    vec!["master".into(), "node1".into(), "node2".into()]
}

#[tokio::test]
async fn nodes_are_asked_for_until_every_one_is_ready() {
    let fake = FakeSession::new()
        .on_out(
            "master",
            "get nodes",
            out(
                1,
                "",
                "The connection to the server 10.100.198.200:6443 was refused\n",
            ),
        )
        .times(1)
        .on(
            "master",
            "get nodes",
            &nodes(&[("master", true), ("node1", false)]),
        )
        .times(1)
        .on(
            "master",
            "get nodes",
            &nodes(&[("master", true), ("node1", true), ("node2", true)]),
        );
    let mut ctx = TestCtx::new(fake);
    WaitNodesReady {
        nodes: all_nodes(),
        poll: quick(10_000),
    }
    .run(&mut ctx)
    .await
    .unwrap();
    let line = format!("master: {KUBECTL} get nodes -o json");
    assert_eq!(ctx.fake.ran(), [line.clone(), line.clone(), line]);
    assert_eq!(
        ctx.events.infos(),
        [
            "waiting for nodes master, node1, node2 to be Ready: kubectl on master: The connection to the server 10.100.198.200:6443 was refused",
            "waiting for nodes master, node1, node2 to be Ready: node1 NotReady, node2 not registered",
        ]
    );
}

#[tokio::test]
async fn a_node_never_ready_times_out_by_name() {
    let fake = FakeSession::new().on(
        "master",
        "get nodes",
        &nodes(&[("master", true), ("node1", true), ("node2", false)]),
    );
    let mut ctx = TestCtx::new(fake);
    let err = WaitNodesReady {
        nodes: all_nodes(),
        poll: quick(30),
    }
    .run(&mut ctx)
    .await
    .unwrap_err();
    match &err {
        LabError::WaitTimedOut {
            missing, waited, ..
        } => {
            assert_eq!(missing, &["node2 NotReady"]);
            assert_eq!(*waited, Duration::from_millis(30));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string().contains("still missing: node2 NotReady"),
        "{err}"
    );
}

#[tokio::test]
async fn the_cni_wait_asks_for_the_plugins_own_pods() {
    let lab = crate::cluster::fixture::chapter4();
    let fixed = lab.variant("fixed").unwrap();
    let wait = WaitPods::cni(&lab, fixed, quick(30));
    assert_eq!(
        (wait.args().as_str(), wait.count),
        ("get pods -n kube-system -l app=flannel -o json", 3)
    );
    // Another plugin: its own pods, not flannel's.
    let mut stub = fixed.clone();
    stub.cni = crate::cni::CniConfig::new(crate::cni::stub::StubConfig {
        mode: "bridge".into(),
    });
    assert_eq!(
        WaitPods::cni(&lab, &stub, quick(30)).args(),
        "get pods -n kube-system -l app=stub -o json"
    );
}

#[tokio::test]
async fn a_pod_never_running_times_out_naming_the_pod_and_its_node() {
    let items = [
        pod(
            "kube-flannel-ds-aaaaa",
            "flannel",
            "master",
            "Running",
            true,
        ),
        pod("kube-flannel-ds-bbbbb", "flannel", "node1", "Running", true),
        pod(
            "kube-flannel-ds-ccccc",
            "flannel",
            "node2",
            "Pending",
            false,
        ),
    ];
    let fake = FakeSession::new().on(
        "master",
        "get pods -n kube-system -l app=flannel",
        &format!(r#"{{"items":[{}]}}"#, items.join(",")),
    );
    let mut ctx = TestCtx::new(fake);
    let lab = ctx.lab.clone();
    let err = WaitPods::cni(&lab, lab.variant("broken").unwrap(), quick(30))
        .run(&mut ctx)
        .await
        .unwrap_err();
    match &err {
        LabError::WaitTimedOut {
            awaited, missing, ..
        } => {
            assert_eq!(
                awaited,
                "3 pod(s) app=flannel (namespace kube-system) to be Running"
            );
            assert_eq!(
                missing,
                &["kube-flannel-ds-ccccc Pending on node2", "2 of 3 up"]
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        ctx.fake.ran()[0],
        format!("master: {KUBECTL} get pods -n kube-system -l app=flannel -o json")
    );
}

#[tokio::test]
async fn a_workload_is_up_when_its_replicas_run() {
    let items = [
        pod("nginx-a", "nginx", "node1", "Running", true),
        pod("nginx-b", "nginx", "node2", "Running", true),
    ];
    let fake = FakeSession::new().on(
        "master",
        "get pods --all-namespaces -l app=nginx",
        &format!(r#"{{"items":[{}]}}"#, items.join(",")),
    );
    let mut ctx = TestCtx::new(fake);
    let w = ctx.lab.workloads[0].clone();
    WaitPods::workload(&w, quick(10_000))
        .run(&mut ctx)
        .await
        .unwrap();
    assert_eq!(
        ctx.fake.ran(),
        [format!(
            "master: {KUBECTL} get pods --all-namespaces -l app=nginx -o json"
        )]
    );
}

#[tokio::test]
async fn a_session_that_cannot_ask_ends_the_wait() {
    let fake = FakeSession::new().unreached("master", "get nodes", "connection lost");
    let mut ctx = TestCtx::new(fake);
    let err = WaitNodesReady {
        nodes: all_nodes(),
        poll: quick(60_000),
    }
    .run(&mut ctx)
    .await
    .unwrap_err();
    assert!(matches!(err, LabError::Enter { .. }), "{err:?}");
}

#[test]
fn says_what_is_missing() {
    let seen = vec![
        NodeInfo {
            name: "master".into(),
            ready: true,
            internal_ip: None,
        },
        NodeInfo {
            name: "node1".into(),
            ready: false,
            internal_ip: None,
        },
    ];
    assert_eq!(
        nodes_missing(&all_nodes(), &seen),
        ["node1 NotReady", "node2 not registered"]
    );
    assert!(nodes_missing(&all_nodes()[..1], &seen).is_empty());
}

fn info(name: &str, phase: &str, ready: bool, terminating: bool) -> PodInfo {
    PodInfo {
        name: name.into(),
        namespace: "default".into(),
        app: Some("nginx".into()),
        node: Some("node1".into()),
        ip: None,
        phase: phase.into(),
        ready,
        terminating,
        port: None,
    }
}

#[test]
fn counts_only_live_pods() {
    let up = |n| info(n, "Running", true, false);
    assert!(pods_missing(2, &[up("a"), up("b")]).is_empty());
    assert_eq!(
        pods_missing(2, &[up("a"), info("b", "Pending", false, false)]),
        ["b Pending on node1", "1 of 2 up"]
    );
    assert_eq!(
        pods_missing(1, &[up("a"), info("old", "Running", true, true)]),
        ["old Terminating on node1"]
    );
    assert_eq!(pods_missing(1, &[]), ["0 of 1 up, no pods"]);
    assert_eq!(pods_missing(1, &[up("a"), up("b")]), ["2 of 1 up"]);
}
