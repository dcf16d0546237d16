use super::*;
use crate::bringup::{self, Planned};
use crate::cluster::Root;
use crate::cluster::fixture::{TestCtx, out};
use crate::cluster::init::PRINT_JOIN;
use crate::report::Event;
use crate::session::fake::FakeSession;

const JOIN: &str = "kubeadm join 10.100.198.200:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:0a1b";
const KUBECTL: &str = "kubectl --kubeconfig /etc/kubernetes/admin.conf";

fn pod(name: &str, app: &str, node: &str) -> String {
    format!(
        r#"{{"metadata":{{"name":"{name}","namespace":"kube-system","labels":{{"app":"{app}"}}}},"spec":{{"nodeName":"{node}","containers":[{{"name":"c"}}]}},"status":{{"phase":"Running","podIP":"10.244.1.2","containerStatuses":[{{"ready":true}}]}}}}"#
    )
}

fn items(list: &[String]) -> String {
    format!(r#"{{"items":[{}]}}"#, list.join(","))
}

/// A cluster that comes up at the first ask of everything.
fn healthy() -> FakeSession {
    let ready = |n: &str| {
        format!(
            r#"{{"metadata":{{"name":"{n}"}},"status":{{"conditions":[{{"type":"Ready","status":"True"}}]}}}}"#
        )
    };
    let mut f = FakeSession::new()
        .on_out(
            "master",
            "test -f /etc/kubernetes/admin.conf",
            out(1, "", ""),
        )
        .on("master", "kubeadm init ", "initialized\n")
        .on("master", PRINT_JOIN, JOIN)
        .on("master", "apply -f -", "created\n")
        .on(
            "master",
            "get pods -n kube-system -l app=flannel",
            &items(&[
                pod("flannel-a", "flannel", "master"),
                pod("flannel-b", "flannel", "node1"),
                pod("flannel-c", "flannel", "node2"),
            ]),
        )
        .on(
            "master",
            "get nodes",
            &items(&[ready("master"), ready("node1"), ready("node2")]),
        )
        .on(
            "master",
            "get pods --all-namespaces -l app=nginx",
            &items(&[
                pod("nginx-a", "nginx", "node1"),
                pod("nginx-b", "nginx", "node2"),
            ]),
        );
    for w in ["node1", "node2"] {
        f = f
            .on_out(w, "test -f /etc/kubernetes/kubelet.conf", out(1, "", ""))
            .on(w, "kubeadm join ", "joined\n");
    }
    f
}

fn planned(plan: Vec<Timed<TestCtx>>) -> Vec<Planned<TestCtx>> {
    plan.into_iter()
        .map(|t| Planned::new(t.title, t.step))
        .collect()
}

/// Another provider (its nodes run commands as root, as kind's containers
/// do) runs the same steps: the whole cluster over its own context.
#[tokio::test]
async fn a_provider_whose_nodes_are_root_makes_the_whole_cluster() {
    let mut ctx = TestCtx::new(healthy());
    ctx.root = Root::Already;
    let lab = ctx.lab.clone();
    let rep = ctx.rep.clone();
    bringup::run(planned(create(&lab, "broken").unwrap()), &mut ctx, &rep)
        .await
        .unwrap();
    assert_eq!(
        ctx.fake.ran(),
        [
            "master: test -f /etc/kubernetes/admin.conf".to_string(),
            "master: kubeadm init --apiserver-advertise-address 10.100.198.200 --pod-network-cidr 10.244.0.0/16 --node-name master --kubernetes-version \"$(kubeadm version -o short)\"".into(),
            format!("master: {PRINT_JOIN}"),
            "node1: test -f /etc/kubernetes/kubelet.conf".into(),
            format!("node1: {JOIN} --node-name node1"),
            "node2: test -f /etc/kubernetes/kubelet.conf".into(),
            format!("node2: {JOIN} --node-name node2"),
            format!("master: {KUBECTL} apply -f -"),
            format!("master: {KUBECTL} get pods -n kube-system -l app=flannel -o json"),
            format!("master: {KUBECTL} get nodes -o json"),
            format!("master: {KUBECTL} apply -f -"),
            format!("master: {KUBECTL} get pods --all-namespaces -l app=nginx -o json"),
        ]
    );
    let broken = std::fs::read(&lab.variant("broken").unwrap().manifest).unwrap();
    assert_eq!(ctx.fake.inputs()[7].as_deref(), Some(&broken[..]));
    let ended: Vec<(String, bool)> = ctx
        .events
        .all()
        .into_iter()
        .filter_map(|e| match e {
            Event::StepEnd { step, ok, .. } => Some((step, ok)),
            _ => None,
        })
        .collect();
    let titles: Vec<&str> = ended.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        titles,
        [
            "kubeadm init on master",
            "kubeadm join node1, node2",
            "apply network broken (flannel.yml)",
            "wait for flannel on every node",
            "wait for nodes Ready",
            "deploy nginx-deployment.yaml",
            "wait for 2 pod(s) app=nginx",
        ]
    );
    assert!(ended.iter().all(|(_, ok)| *ok));
}

#[tokio::test]
async fn a_failed_step_stops_the_cluster_there_naming_it() {
    let fake = FakeSession::new()
        .on_out(
            "node2",
            "kubeadm join ",
            out(
                1,
                "",
                "[ERROR FileAvailable--etc-kubernetes-kubelet.conf]: exists\n",
            ),
        )
        .merge(healthy());
    let mut ctx = TestCtx::new(fake);
    let lab = ctx.lab.clone();
    let rep = ctx.rep.clone();
    let err = bringup::run(planned(create(&lab, "broken").unwrap()), &mut ctx, &rep)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with("step 'kubeadm join node1, node2' failed")
            && msg.contains("(on node2)")
            && msg.contains("[ERROR FileAvailable--etc-kubernetes-kubelet.conf]: exists"),
        "{msg}"
    );
    assert!(
        !ctx.fake.ran().iter().any(|c| c.contains("apply -f -")),
        "nothing applied after the failure"
    );
}

#[test]
fn a_switch_deletes_then_brings_the_new_network_up() {
    let lab = crate::cluster::fixture::chapter4();
    let titles: Vec<String> = switch::<TestCtx>(&lab, "broken", "fixed")
        .unwrap()
        .into_iter()
        .map(|t| t.title)
        .collect();
    assert_eq!(
        titles,
        [
            "delete nginx-deployment.yaml",
            "delete network broken (flannel.yml)",
            "apply network fixed (flannel_fix.yml)",
            "wait for flannel on every node",
            "wait for nodes Ready",
            "deploy nginx-deployment.yaml",
            "wait for 2 pod(s) app=nginx",
        ]
    );
    assert!(switch::<TestCtx>(&lab, "broken", "nope").is_err());
}
