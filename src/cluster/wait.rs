//! The waits of bring-up, asked of the control plane's kubectl with a
//! deadline ([`super::poll`]): every node registered and Ready (kubelet up
//! and the pod network installed: a node stays NotReady until its CNI
//! config exists), and a number of pods with an `app` label Running and
//! ready, none still terminating (after a variant switch the old pods must
//! be gone). Which pods the pod network runs is the CNI's word
//! ([`crate::cni::Cni::ready_pods`]), not this file's.

use super::objects::{self, NodeInfo, PodInfo};
use super::poll::{self, Answer, Poll};
use super::{ClusterCtx, Root, kubectl};
use crate::bringup::Step;
use crate::error::Result;
use crate::report::Reporter;
use crate::session::Session;
use crate::spec::{Lab, Variant, Workload};
use async_trait::async_trait;

/// Each node of `want` not yet Ready, saying why; empty when all are.
pub fn nodes_missing(want: &[String], seen: &[NodeInfo]) -> Vec<String> {
    want.iter()
        .filter_map(|n| match seen.iter().find(|s| &s.name == n) {
            Some(s) if s.ready => None,
            Some(_) => Some(format!("{n} NotReady")),
            None => Some(format!("{n} not registered")),
        })
        .collect()
}

/// Each pod not up, and the count when it is not `count`; empty when
/// exactly `count` pods are up and no other is seen.
pub fn pods_missing(count: usize, seen: &[PodInfo]) -> Vec<String> {
    let up = seen.iter().filter(|p| p.up()).count();
    let mut missing: Vec<String> = seen
        .iter()
        .filter(|p| !p.up())
        .map(PodInfo::summary)
        .collect();
    if up != count {
        missing.push(format!(
            "{up} of {count} up{}",
            if seen.is_empty() { ", no pods" } else { "" }
        ));
    }
    missing
}

/// Ask the control plane's kubectl `args` until `missing` finds nothing
/// missing in its output. A kubectl that fails (the API server not up yet)
/// is one more reason to wait.
async fn ask_until(
    session: &dyn Session,
    (lab, root): (&Lab, Root),
    args: &str,
    poll: Poll,
    awaited: &str,
    rep: &Reporter,
    missing: impl Fn(&str) -> Result<Vec<String>> + Send + Sync,
) -> Result<()> {
    let cp = lab.control_plane().name.as_str();
    let line = format!("{} {args}", kubectl(root));
    let missing = &missing;
    poll::until(poll, awaited, rep, || {
        let line = line.clone();
        async move {
            let out = session.output(cp, &line, None).await?;
            let m = if out.ok() {
                missing(&out.stdout).unwrap_or_else(|e| vec![e.to_string()])
            } else {
                vec![format!(
                    "kubectl on {cp}: {}",
                    crate::ssh::tail(&out.text(), 3)
                )]
            };
            Ok(if m.is_empty() {
                Answer::Done(())
            } else {
                Answer::Missing(m)
            })
        }
    })
    .await
}

/// The step: every node of `nodes` registered and Ready.
pub struct WaitNodesReady {
    pub nodes: Vec<String>,
    pub poll: Poll,
}

#[async_trait]
impl<C: ClusterCtx> Step<C> for WaitNodesReady {
    async fn run(&self, ctx: &mut C) -> Result<()> {
        let session = ctx.session()?;
        let (lab, rep, root) = (ctx.lab().clone(), ctx.reporter().clone(), ctx.root());
        let awaited = format!("nodes {} to be Ready", self.nodes.join(", "));
        ask_until(
            &*session,
            (&lab, root),
            "get nodes -o json",
            self.poll,
            &awaited,
            &rep,
            |out| Ok(nodes_missing(&self.nodes, &objects::nodes(out)?)),
        )
        .await
    }
}

/// The step: `count` pods labelled `app=<app>` up.
pub struct WaitPods {
    /// `None`: in every namespace.
    pub namespace: Option<String>,
    pub app: String,
    pub count: usize,
    pub poll: Poll,
}

impl WaitPods {
    /// The variant's pod network ready: its plugin's pods, one per node.
    pub fn cni(lab: &Lab, variant: &Variant, poll: Poll) -> WaitPods {
        let ready = variant.cni.plugin().ready_pods();
        WaitPods {
            namespace: Some(ready.namespace.to_string()),
            app: ready.app.to_string(),
            count: lab.nodes.len(),
            poll,
        }
    }

    /// A workload's replicas, in any namespace.
    pub fn workload(w: &Workload, poll: Poll) -> WaitPods {
        WaitPods {
            namespace: None,
            app: w.app.clone(),
            count: w.replicas as usize,
            poll,
        }
    }

    /// kubectl's arguments that list the pods.
    pub fn args(&self) -> String {
        let scope = match &self.namespace {
            Some(ns) => format!("-n {}", crate::shell::quote(ns)),
            None => "--all-namespaces".to_string(),
        };
        format!(
            "get pods {scope} -l {} -o json",
            crate::shell::quote(&format!("app={}", self.app))
        )
    }
}

#[async_trait]
impl<C: ClusterCtx> Step<C> for WaitPods {
    async fn run(&self, ctx: &mut C) -> Result<()> {
        let session = ctx.session()?;
        let (lab, rep, root) = (ctx.lab().clone(), ctx.reporter().clone(), ctx.root());
        let awaited = format!(
            "{} pod(s) app={} ({}) to be Running",
            self.count,
            self.app,
            self.namespace
                .as_deref()
                .map(|n| format!("namespace {n}"))
                .unwrap_or_else(|| "all namespaces".into())
        );
        ask_until(
            &*session,
            (&lab, root),
            &self.args(),
            self.poll,
            &awaited,
            &rep,
            |out| Ok(pods_missing(self.count, &objects::pods(out)?)),
        )
        .await
    }
}

#[cfg(test)]
mod tests;
