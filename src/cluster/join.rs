//! `kubeadm join` on every worker at once, with the join command the
//! control plane printed: each of its words quoted, so nothing in it is
//! read by a shell, and the worker's own name added. A worker that has
//! joined already (its kubelet.conf exists) is left as it is. Every
//! worker's failure is reported, each with kubeadm's stderr.

use super::init::{JoinCommand, need_join};
use super::{ClusterCtx, Root, command_failed};
use crate::bringup::Step;
use crate::error::{LabError, Result};
use crate::report::Reporter;
use crate::session::Session;
use crate::shell::quote;
use async_trait::async_trait;

/// Where kubeadm join leaves the kubelet's kubeconfig on a worker.
pub const KUBELET_CONF: &str = "/etc/kubernetes/kubelet.conf";

/// The command line that joins `node` with `join`.
pub fn join_line(join: &JoinCommand, node: &str, root: Root) -> String {
    let words: Vec<String> = join.words().map(quote).collect();
    root.line(&format!("{} --node-name {}", words.join(" "), quote(node)))
}

/// Join one worker (unless it has joined already).
pub async fn join_one(
    session: &dyn Session,
    node: &str,
    join: &JoinCommand,
    root: Root,
    rep: &Reporter,
) -> Result<()> {
    let test = root.line(&format!("test -f {KUBELET_CONF}"));
    let joined = session.output(node, &test, None).await?;
    match joined.code {
        Some(0) => {
            rep.info(format!(
                "{node}: joined already ({KUBELET_CONF} exists); kubeadm join skipped"
            ));
            Ok(())
        }
        Some(1) => {
            let line = join_line(join, node, root);
            let out = session.output(node, &line, None).await?;
            if out.ok() {
                Ok(())
            } else {
                Err(command_failed(node, &line, &out))
            }
        }
        _ => Err(command_failed(node, &test, &joined)),
    }
}

/// Join every worker of `nodes` at once; one failure is its own error,
/// several are one error listing each.
pub async fn join_all(
    session: &dyn Session,
    nodes: &[String],
    join: &JoinCommand,
    root: Root,
    rep: &Reporter,
) -> Result<()> {
    let results =
        futures::future::join_all(nodes.iter().map(|n| join_one(session, n, join, root, rep)))
            .await;
    let mut failed: Vec<LabError> = results.into_iter().filter_map(|r| r.err()).collect();
    match failed.len() {
        0 => Ok(()),
        1 => Err(failed.remove(0)),
        n => Err(LabError::Step {
            step: "kubeadm join".into(),
            message: format!(
                "it failed on {n} workers:\n{}",
                failed
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
        }),
    }
}

/// The step: join `nodes` with the join command kubeadm init left.
pub struct JoinWorkers {
    pub nodes: Vec<String>,
}

#[async_trait]
impl<C: ClusterCtx> Step<C> for JoinWorkers {
    async fn run(&self, ctx: &mut C) -> Result<()> {
        let join = need_join(ctx.join_command())?;
        let session = ctx.session()?;
        let (rep, root) = (ctx.reporter().clone(), ctx.root());
        join_all(&*session, &self.nodes, &join, root, &rep).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::KubeadmInit;
    use crate::cluster::fixture::{TestCtx, out};
    use crate::cluster::init::PRINT_JOIN;
    use crate::session::fake::FakeSession;

    const JOIN: &str = "kubeadm join 10.100.198.200:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:0a1b";

    fn cluster() -> FakeSession {
        let mut f = FakeSession::new()
            .on_out(
                "master",
                "test -f /etc/kubernetes/admin.conf",
                out(1, "", ""),
            )
            .on("master", "kubeadm init ", "initialized\n")
            .on("master", PRINT_JOIN, &format!("{JOIN}\n"));
        for w in ["node1", "node2"] {
            f = f
                .on_out(w, "test -f /etc/kubernetes/kubelet.conf", out(1, "", ""))
                .on(w, "kubeadm join ", "This node has joined the cluster\n");
        }
        f
    }

    fn on(ran: &[String], node: &str) -> Vec<String> {
        ran.iter()
            .filter_map(|c| c.strip_prefix(&format!("{node}: ")))
            .map(str::to_string)
            .collect()
    }

    fn workers() -> JoinWorkers {
        JoinWorkers {
            nodes: vec!["node1".into(), "node2".into()],
        }
    }

    #[tokio::test]
    async fn each_worker_joins_with_the_join_command_init_printed() {
        let mut ctx = TestCtx::new(cluster());
        KubeadmInit::default().run(&mut ctx).await.unwrap();
        workers().run(&mut ctx).await.unwrap();
        let ran = ctx.fake.ran();
        for w in ["node1", "node2"] {
            assert_eq!(
                on(&ran, w),
                [
                    "sudo test -f /etc/kubernetes/kubelet.conf".to_string(),
                    format!("sudo {JOIN} --node-name {w}"),
                ],
                "{w}"
            );
        }
        assert!(!on(&ran, "master").iter().any(|c| c.contains("join ")));
    }

    #[tokio::test]
    async fn without_init_nothing_joins() {
        let mut ctx = TestCtx::new(cluster());
        let err = workers().run(&mut ctx).await.unwrap_err();
        assert!(
            err.to_string().contains("kubeadm init did not run"),
            "{err}"
        );
        assert!(ctx.fake.ran().is_empty());
    }

    #[tokio::test]
    async fn a_failed_join_names_its_worker_with_kubeadms_stderr() {
        let fake = FakeSession::new()
            .on_out(
                "node2",
                "kubeadm join ",
                out(1, "", "error execution phase preflight: couldn't validate the identity of the API Server: connection refused\n"),
            )
            .merge(cluster());
        let mut ctx = TestCtx::new(fake);
        KubeadmInit::default().run(&mut ctx).await.unwrap();
        let err = workers().run(&mut ctx).await.unwrap_err();
        assert!(matches!(err, LabError::Command { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains("(on node2)") && msg.contains("connection refused"),
            "{msg}"
        );
        assert!(!msg.contains("node1"), "node1 joined: {msg}");
    }

    #[test]
    fn the_join_command_is_never_read_by_a_shell() {
        let j = JoinCommand::find(
            "kubeadm join 10.0.0.1:6443 --token a.b --discovery-token-ca-cert-hash sha256:00*",
        )
        .unwrap();
        assert_eq!(
            join_line(&j, "node1", Root::Already),
            "kubeadm join 10.0.0.1:6443 --token a.b --discovery-token-ca-cert-hash 'sha256:00*' --node-name node1"
        );
    }
}
