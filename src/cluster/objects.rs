//! What the API server says, read from `kubectl get ... -o json`: nodes
//! and their Ready condition, pods with their node, address and readiness.
//! The cluster's waits are built on these, and a provider's pod references
//! (which pods the checks reach) too.

use crate::error::{LabError, Result};
use crate::session::PodRef;
use serde_json::Value;
use std::net::Ipv4Addr;

/// A node as the API server sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeInfo {
    pub name: String,
    pub ready: bool,
    /// `InternalIP`, when reported.
    pub internal_ip: Option<String>,
}

/// A pod as the API server sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodInfo {
    pub name: String,
    pub namespace: String,
    pub app: Option<String>,
    pub node: Option<String>,
    pub ip: Option<String>,
    pub phase: String,
    /// Every container reports ready.
    pub ready: bool,
    /// Being deleted (`metadata.deletionTimestamp` set).
    pub terminating: bool,
    /// First declared container port.
    pub port: Option<u16>,
}

impl PodInfo {
    /// Running, ready and not on its way out.
    pub fn up(&self) -> bool {
        self.phase == "Running" && self.ready && !self.terminating
    }

    /// One-word summary for wait messages.
    pub fn summary(&self) -> String {
        let state = if self.terminating {
            "Terminating".to_string()
        } else if self.phase == "Running" && !self.ready {
            "Running (not ready)".to_string()
        } else {
            self.phase.clone()
        };
        format!(
            "{} {} on {}",
            self.name,
            state,
            self.node.as_deref().unwrap_or("(unscheduled)")
        )
    }
}

fn items(text: &str, what: &str) -> Result<Vec<Value>> {
    let v: Value = serde_json::from_str(text).map_err(|e| LabError::Step {
        step: format!("kubectl get {what}"),
        message: format!("it printed something that is not JSON ({e})"),
    })?;
    Ok(v.get("items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default())
}

fn s(v: &Value, path: &[&str]) -> Option<String> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_str().map(str::to_string)
}

/// Parse `kubectl get nodes -o json`.
pub fn nodes(text: &str) -> Result<Vec<NodeInfo>> {
    Ok(items(text, "nodes")?
        .iter()
        .map(|n| {
            let status = n.get("status");
            let ready = status
                .and_then(|s| s.get("conditions"))
                .and_then(Value::as_array)
                .is_some_and(|cs| {
                    cs.iter()
                        .any(|c| c["type"] == "Ready" && c["status"] == "True")
                });
            let internal_ip = status
                .and_then(|s| s.get("addresses"))
                .and_then(Value::as_array)
                .and_then(|a| a.iter().find(|x| x["type"] == "InternalIP"))
                .and_then(|x| x["address"].as_str())
                .map(str::to_string);
            NodeInfo {
                name: s(n, &["metadata", "name"]).unwrap_or_default(),
                ready,
                internal_ip,
            }
        })
        .collect())
}

/// Parse `kubectl get pods -o json`.
pub fn pods(text: &str) -> Result<Vec<PodInfo>> {
    Ok(items(text, "pods")?
        .iter()
        .map(|p| {
            let statuses = p
                .get("status")
                .and_then(|s| s.get("containerStatuses"))
                .and_then(Value::as_array);
            let ready =
                statuses.is_some_and(|cs| !cs.is_empty() && cs.iter().all(|c| c["ready"] == true));
            let port = p
                .get("spec")
                .and_then(|s| s.get("containers"))
                .and_then(Value::as_array)
                .and_then(|c| c.first())
                .and_then(|c| c.get("ports"))
                .and_then(Value::as_array)
                .and_then(|ports| ports.first())
                .and_then(|x| x["containerPort"].as_u64())
                .and_then(|x| u16::try_from(x).ok());
            PodInfo {
                name: s(p, &["metadata", "name"]).unwrap_or_default(),
                namespace: s(p, &["metadata", "namespace"]).unwrap_or_default(),
                app: s(p, &["metadata", "labels", "app"]),
                node: s(p, &["spec", "nodeName"]),
                ip: s(p, &["status", "podIP"]),
                phase: s(p, &["status", "phase"]).unwrap_or_else(|| "Unknown".into()),
                ready,
                terminating: p
                    .get("metadata")
                    .and_then(|m| m.get("deletionTimestamp"))
                    .is_some_and(|d| !d.is_null()),
                port,
            }
        })
        .collect())
}

/// The lab's workload pods that are up, as the checks see them.
pub fn pod_refs(pods: &[PodInfo], apps: &[String]) -> Vec<PodRef> {
    let mut out: Vec<PodRef> = pods
        .iter()
        .filter(|p| p.up() && p.app.as_ref().is_some_and(|a| apps.contains(a)))
        .filter_map(|p| {
            let node = p.node.clone()?;
            let ip: Ipv4Addr = p.ip.as_deref()?.parse().ok()?;
            Some(PodRef {
                name: p.name.clone(),
                app: p.app.clone().unwrap_or_default(),
                node: node.clone(),
                ip,
                port: p.port.unwrap_or(80),
                namespace: p.namespace.clone(),
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.app, &a.node, &a.name).cmp(&(&b.app, &b.node, &b.name)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PODS: &str = r#"{"apiVersion":"v1","kind":"List","items":[
      {"metadata":{"name":"nginx-deployment-6d8f-abcde","namespace":"default","labels":{"app":"nginx"}},
       "spec":{"nodeName":"node1","containers":[{"name":"nginx","ports":[{"containerPort":80}]}]},
       "status":{"phase":"Running","podIP":"10.244.1.2","containerStatuses":[{"ready":true}]}},
      {"metadata":{"name":"nginx-deployment-6d8f-fghij","namespace":"default","labels":{"app":"nginx"}},
       "spec":{"nodeName":"node2","containers":[{"name":"nginx","ports":[{"containerPort":8080}]}]},
       "status":{"phase":"Running","podIP":"10.244.2.3","containerStatuses":[{"ready":true}]}},
      {"metadata":{"name":"nginx-deployment-old-zzzzz","namespace":"default","labels":{"app":"nginx"},"deletionTimestamp":"2025-01-01T00:00:00Z"},
       "spec":{"nodeName":"node2","containers":[{"name":"nginx"}]},
       "status":{"phase":"Running","podIP":"10.244.2.2","containerStatuses":[{"ready":true}]}},
      {"metadata":{"name":"pending","namespace":"default","labels":{"app":"nginx"}},
       "spec":{"containers":[{"name":"nginx"}]},"status":{"phase":"Pending"}},
      {"metadata":{"name":"other","namespace":"default","labels":{"app":"redis"}},
       "spec":{"nodeName":"node1","containers":[{"name":"r"}]},
       "status":{"phase":"Running","podIP":"10.244.1.9","containerStatuses":[{"ready":true}]}}
    ]}"#;

    #[test]
    fn reads_pods_and_keeps_only_the_live_workload_ones() {
        let pods = pods(PODS).unwrap();
        assert_eq!(pods.len(), 5);
        assert!(pods[2].terminating && !pods[2].up());
        assert_eq!(pods[3].summary(), "pending Pending on (unscheduled)");
        let refs = pod_refs(&pods, &["nginx".to_string()]);
        assert_eq!(refs.len(), 2);
        assert_eq!(
            (
                refs[0].node.as_str(),
                refs[0].ip.to_string().as_str(),
                refs[0].port
            ),
            ("node1", "10.244.1.2", 80)
        );
        assert_eq!(refs[1].port, 8080);
        assert_eq!(refs[0].namespace, "default");
    }

    #[test]
    fn reads_node_readiness() {
        let text = r#"{"items":[
          {"metadata":{"name":"master"},"status":{"conditions":[{"type":"MemoryPressure","status":"False"},{"type":"Ready","status":"True"}],
            "addresses":[{"type":"InternalIP","address":"10.100.198.200"},{"type":"Hostname","address":"master"}]}},
          {"metadata":{"name":"node1"},"status":{"conditions":[{"type":"Ready","status":"False"}]}}]}"#;
        let n = nodes(text).unwrap();
        assert_eq!(
            n[0],
            NodeInfo {
                name: "master".into(),
                ready: true,
                internal_ip: Some("10.100.198.200".into())
            }
        );
        assert!(!n[1].ready);
        assert!(nodes("not json").is_err());
    }
}
