//! `pods: { app, running, on_distinct_nodes }`: Kubernetes says how many
//! pods of `app` run, and whether on distinct nodes (needs a Kubernetes API:
//! vagrant; skipped on netns with the reason).

use super::expect::{Accepts, Expect};
use super::parse::{Flag, Resolver, checked};
use super::{At, Cx, Judged, Place, Probe, ProbeKind, kubectl_holds};
use async_trait::async_trait;
use serde_norway::Value;
use std::sync::Arc;

pub struct Kind;

checked!(
    /// A number of pods.
    Count(u32),
    "must be a number of pods",
    |v| v.as_u64().and_then(|n| u32::try_from(n).ok())
);

/// `{ app: nginx, running: 2, on_distinct_nodes: true }`
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPods {
    app: Option<String>,
    running: Option<Count>,
    on_distinct_nodes: Option<Flag>,
}

impl ProbeKind for Kind {
    fn key(&self) -> &'static str {
        "pods"
    }
    fn place(&self) -> Place {
        Place::Lab
    }
    fn parse(&self, r: &mut Resolver, _at: At, v: &Value) -> Option<Arc<dyn Probe>> {
        let raw: RawPods = if v.is_mapping() {
            r.strict(v, "pods", |k| {
                format!("unknown key '{k}' (a pods probe has: app, running, on_distinct_nodes)")
            })?
        } else {
            RawPods {
                app: None,
                running: None,
                on_distinct_nodes: None,
            }
        };
        let app = raw.app.unwrap_or_default();
        if app.is_empty() || !crate::testbed::validate_name(&app) {
            r.bad("pods.app", "missing or invalid: the pods' app label");
            return None;
        }
        let running = raw.running.map(|c| c.0);
        let on_distinct_nodes = raw.on_distinct_nodes.is_some_and(|f| f.0);
        if running.is_none() && !on_distinct_nodes {
            r.bad(
                "pods",
                "say what to check: running: N and/or on_distinct_nodes: true",
            );
        }
        Some(Arc::new(Pods {
            app,
            running,
            on_distinct_nodes,
        }))
    }
    fn programs(&self) -> &'static [&'static str] {
        // kubectl is the session's to run (`Session::kubectl`), not a node's.
        &[]
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pods {
    pub app: String,
    pub running: Option<u32>,
    pub on_distinct_nodes: bool,
}

#[async_trait]
impl Probe for Pods {
    fn label(&self) -> String {
        format!("kubectl get pods -l app={}", self.app)
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
        let label = format!("app={}", self.app);
        let args = ["get", "pods", "-A", "-l", &label, "-o", "json"];
        vec![
            kubectl_holds(self, cx, expect, &args, |o| {
                judge(o, self.running, self.on_distinct_nodes)
            })
            .await,
        ]
    }
}

/// Whether `kubectl get pods -o json` shows `running` pods running, on
/// distinct nodes if asked.
pub fn judge(json: &str, running: Option<u32>, distinct: bool) -> (bool, String) {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(json) else {
        return (false, "kubectl did not print JSON".into());
    };
    let items = v["items"].as_array().cloned().unwrap_or_default();
    let run: Vec<&serde_json::Value> = items
        .iter()
        .filter(|p| p["status"]["phase"] == "Running")
        .collect();
    let mut nodes: Vec<&str> = run
        .iter()
        .filter_map(|p| p["spec"]["nodeName"].as_str())
        .collect();
    let n_running = run.len();
    nodes.sort();
    let all = nodes.len();
    nodes.dedup();
    let ok_count = running.is_none_or(|r| r as usize == n_running);
    let ok_distinct = !distinct || nodes.len() == all;
    (
        ok_count && ok_distinct,
        format!("{n_running} running on {}", nodes.join(", ")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_json() {
        let pods = r#"{"items":[{"spec":{"nodeName":"node1"},"status":{"phase":"Running"}},{"spec":{"nodeName":"node1"},"status":{"phase":"Running"}}]}"#;
        assert!(judge(pods, Some(2), false).0);
        assert!(!judge(pods, Some(2), true).0);
    }
}
