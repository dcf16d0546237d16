//! What the netns provider records in the lab's state (`provider_state`):
//! the namespaces it made, the processes it started (with their start time,
//! so a reused PID is never killed) and the pods.

use super::flannel::Lease;
use crate::error::{LabError, Result};
use crate::provider::PodRef;
use serde::{Deserialize, Serialize};

/// A process `lab` started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcRecord {
    pub pid: i32,
    /// Field 22 of `/proc/<pid>/stat` (clock ticks since boot): with the PID,
    /// identifies the process across PID reuse.
    pub start_time: u64,
    /// What it is (`nginx`).
    pub what: String,
    /// The node or pod it serves.
    pub of: String,
    /// The network namespace it runs in.
    pub netns: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetnsState {
    /// Every namespace made (or about to be made) for the lab.
    #[serde(default)]
    pub namespaces: Vec<String>,
    #[serde(default)]
    pub processes: Vec<ProcRecord>,
    #[serde(default)]
    pub pods: Vec<PodRef>,
    /// Each node's flannel lease in the current variant.
    #[serde(default)]
    pub leases: Vec<Lease>,
    /// Pods made so far count generations (each `apply` makes a new one),
    /// which name their veths.
    #[serde(default)]
    pub pod_generation: u32,
}

impl NetnsState {
    pub fn from_value(v: &serde_json::Value) -> Result<NetnsState> {
        if v.is_null() {
            return Ok(NetnsState::default());
        }
        serde_json::from_value(v.clone()).map_err(|e| {
            LabError::Usage(format!(
                "the lab's netns state is not valid ({e}); `lab destroy` removes the lab"
            ))
        })
    }

    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("state serializes")
    }

    /// Record namespaces about to be made (before making them).
    pub fn add_namespaces(&mut self, names: impl IntoIterator<Item = String>) {
        for n in names {
            if !self.namespaces.contains(&n) {
                self.namespaces.push(n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_state_json() {
        let mut s = NetnsState::default();
        s.add_namespaces([
            "t1.net".to_string(),
            "t1.node1".to_string(),
            "t1.net".to_string(),
        ]);
        assert_eq!(s.namespaces.len(), 2);
        s.processes.push(ProcRecord {
            pid: 42,
            start_time: 1234,
            what: "nginx".into(),
            of: "web-node1-0".into(),
            netns: "t1.pod.web-node1-0".into(),
        });
        s.pods.push(PodRef {
            name: "web-node1-0".into(),
            app: "web".into(),
            node: "node1".into(),
            ip: "10.244.1.2".parse().unwrap(),
            port: 80,
            exec_node: "node1".into(),
            exec_prefix: "nsenter --net=/run/netns/t1.pod.web-node1-0".into(),
        });
        let state = crate::state::State {
            name: "t1".into(),
            provider: "netns".into(),
            lab_file: "/x/lab.yaml".into(),
            workers: None,
            variant: "broken".into(),
            phase: crate::state::Phase::Creating,
            provider_state: s.to_value(),
        };
        let text = serde_json::to_string(&state).unwrap();
        let back: crate::state::State = serde_json::from_str(&text).unwrap();
        assert_eq!(NetnsState::from_value(&back.provider_state).unwrap(), s);
        assert_eq!(
            NetnsState::from_value(&serde_json::Value::Null).unwrap(),
            NetnsState::default()
        );
    }
}
