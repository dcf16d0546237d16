//! A manifest the lab ships (the variant's pod network, the workloads)
//! applied or deleted as the chapter does with `kubectl apply -f` /
//! `kubectl delete -f`: the file goes on stdin to the control plane's
//! kubectl, as the cluster's admin.

use super::{ClusterCtx, Root, command_failed, kubectl};
use crate::bringup::Step;
use crate::error::{LabError, Result};
use crate::session::Session;
use crate::spec::Lab;
use async_trait::async_trait;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Apply,
    Delete,
}

/// The kubectl command line for `action`, reading the manifest from stdin.
pub fn kubectl_line(action: Action, root: Root) -> String {
    let kubectl = kubectl(root);
    match action {
        Action::Apply => format!("{kubectl} apply -f -"),
        // Gone already is fine (a half-applied lab); wait until it really is gone.
        Action::Delete => format!("{kubectl} delete --ignore-not-found --wait=true -f -"),
    }
}

/// Apply or delete the manifest `file` on the lab's cluster.
pub async fn run(
    session: &dyn Session,
    lab: &Lab,
    action: Action,
    file: &Path,
    root: Root,
) -> Result<()> {
    let text =
        std::fs::read(file).map_err(|e| LabError::io(format!("reading {}", file.display()), e))?;
    let cp = lab.control_plane().name.as_str();
    let line = kubectl_line(action, root);
    let out = session.output(cp, &line, Some(text)).await?;
    if out.ok() {
        Ok(())
    } else {
        Err(command_failed(
            cp,
            &format!("{line} < {}", file.display()),
            &out,
        ))
    }
}

/// The step: `action` on the manifest `file`.
pub struct Manifest {
    pub action: Action,
    pub file: PathBuf,
}

#[async_trait]
impl<C: ClusterCtx> Step<C> for Manifest {
    async fn run(&self, ctx: &mut C) -> Result<()> {
        let session = ctx.session()?;
        let (lab, root) = (ctx.lab().clone(), ctx.root());
        run(&*session, &lab, self.action, &self.file, root).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::fixture::{TestCtx, out};
    use crate::session::fake::FakeSession;

    #[tokio::test]
    async fn the_manifest_goes_to_the_control_planes_kubectl_on_stdin() {
        let mut ctx = TestCtx::new(
            FakeSession::new()
                .on(
                    "master",
                    "apply -f -",
                    "daemonset.apps/kube-flannel-ds created\n",
                )
                .on("master", "delete --ignore-not-found", ""),
        );
        let file = ctx.lab.variant("fixed").unwrap().manifest.clone();
        for action in [Action::Apply, Action::Delete] {
            Manifest {
                action,
                file: file.clone(),
            }
            .run(&mut ctx)
            .await
            .unwrap();
        }
        assert_eq!(
            ctx.fake.ran(),
            [
                "master: sudo kubectl --kubeconfig /etc/kubernetes/admin.conf apply -f -",
                "master: sudo kubectl --kubeconfig /etc/kubernetes/admin.conf delete --ignore-not-found --wait=true -f -",
            ]
        );
        let sent = std::fs::read_to_string(&file).unwrap();
        let given: Vec<Option<String>> = ctx
            .fake
            .inputs()
            .into_iter()
            .map(|i| i.map(|b| String::from_utf8_lossy(&b).into_owned()))
            .collect();
        assert!(
            given == [Some(sent.clone()), Some(sent)],
            "the manifest is not what kubectl was given: {given:?}"
        );
    }

    #[tokio::test]
    async fn a_refused_manifest_surfaces_kubectls_stderr() {
        let mut ctx = TestCtx::new(FakeSession::new().on_out(
            "master",
            "apply -f -",
            out(
                1,
                "",
                "error: error validating \"STDIN\": unknown field \"spec.bogus\"\n",
            ),
        ));
        let file = ctx.lab.workload_files[0].clone();
        let err = Manifest {
            action: Action::Apply,
            file,
        }
        .run(&mut ctx)
        .await
        .unwrap_err();
        assert!(matches!(err, LabError::Command { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains("unknown field \"spec.bogus\"") && msg.contains("nginx-deployment.yaml"),
            "{msg}"
        );
    }
}
