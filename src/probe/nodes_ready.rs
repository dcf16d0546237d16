//! `nodes: Ready`: Kubernetes says every node of the lab is Ready (needs a
//! Kubernetes API: vagrant; skipped on netns with the reason).

use super::expect::{Accepts, Expect};
use super::parse::Resolver;
use super::{At, Cx, Judged, Place, Probe, ProbeKind, kubectl_holds};
use async_trait::async_trait;
use serde_norway::Value;
use std::sync::Arc;

pub struct Kind;

impl ProbeKind for Kind {
    fn key(&self) -> &'static str {
        "nodes"
    }
    fn place(&self) -> Place {
        Place::Lab
    }
    fn parse(&self, r: &mut Resolver, _at: At, v: &Value) -> Option<Arc<dyn Probe>> {
        if v.as_str() != Some("Ready") {
            r.bad(
                "nodes",
                "the only node condition checked is Ready (nodes: Ready)",
            );
        }
        Some(Arc::new(NodesReady))
    }
    fn programs(&self) -> &'static [&'static str] {
        // kubectl is the session's to run (`Session::kubectl`), not a node's.
        &[]
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodesReady;

#[async_trait]
impl Probe for NodesReady {
    fn label(&self) -> String {
        "kubectl get nodes".into()
    }
    fn nodes(&self) -> Vec<String> {
        vec![]
    }
    fn accepts(&self) -> Accepts {
        Accepts::HOLDS
    }
    fn implicit_expectation(&self) -> Option<Expect> {
        Some(Expect::Holds)
    }
    fn needs_kubernetes(&self) -> bool {
        true
    }
    async fn check(&self, cx: &Cx<'_>, expect: &Expect) -> Vec<Judged> {
        let want = cx.lab.nodes.len();
        vec![
            kubectl_holds(self, cx, expect, &["get", "nodes", "-o", "json"], |o| {
                judge(o, want)
            })
            .await,
        ]
    }
}

/// Whether `kubectl get nodes -o json` lists `want` nodes, all Ready.
pub fn judge(json: &str, want: usize) -> (bool, String) {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(json) else {
        return (false, "kubectl did not print JSON".into());
    };
    let items = v["items"].as_array().cloned().unwrap_or_default();
    let ready: Vec<String> = items
        .iter()
        .filter(|n| {
            n["status"]["conditions"].as_array().is_some_and(|c| {
                c.iter()
                    .any(|c| c["type"] == "Ready" && c["status"] == "True")
            })
        })
        .filter_map(|n| n["metadata"]["name"].as_str().map(str::to_string))
        .collect();
    (
        ready.len() == want && items.len() == want,
        format!(
            "{}/{} nodes Ready ({})",
            ready.len(),
            want,
            ready.join(", ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::tests::{cx_with, lab};
    use crate::report::Verdict;
    use crate::session::fake::FakeSession;

    #[tokio::test]
    async fn every_node_must_be_ready() {
        let nodes = r#"{"items":[{"metadata":{"name":"master"},"status":{"conditions":[{"type":"Ready","status":"True"}]}},{"metadata":{"name":"node1"},"status":{"conditions":[{"type":"Ready","status":"False"}]}}]}"#;
        assert!(!judge(nodes, 2).0);
        let lab = lab();
        let s = FakeSession::new().kubectl("get nodes", nodes);
        let j = NodesReady.check(&cx_with(&lab, &s), &Expect::Holds).await;
        assert_eq!(j[0].verdict, Verdict::Fail);
        assert_eq!(s.ran(), ["kubectl get nodes -o json"]);
    }
}
