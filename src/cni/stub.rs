//! A stub pod network plugin, for the tests only: it shows that a plugin is
//! one module plus one line in [`super::registry::CNIS`], that validation
//! reads a manifest through the plugin that recognizes it, and that a
//! plugin's own rules refuse what it cannot do with the lab's file, line
//! and field. Its manifest is a ConfigMap with `data.stub-net.json`
//! (`{"Mode": "bridge"}`); only `bridge` is accepted.

use super::registry::ManifestError;
use super::registry::{Entry, LabFacts, Reading};
use super::{Cni, CniConfig, ReadyPods, Runs};
use crate::error::Result;
use crate::session::{Output, Session};
use async_trait::async_trait;
use serde_norway::Value;

pub static ENTRY: Entry = Entry {
    name: "stub",
    recognizes,
    read,
};

#[derive(Debug, Clone, serde::Serialize)]
pub struct StubConfig {
    pub mode: String,
}

fn config_map(docs: &[Value]) -> Option<&Value> {
    docs.iter()
        .find_map(|d| d.get("data").and_then(|x| x.get("stub-net.json")))
}

fn recognizes(docs: &[Value]) -> bool {
    config_map(docs).is_some()
}

fn read(docs: &[Value], _: &LabFacts) -> Reading {
    let text = config_map(docs).and_then(Value::as_str).unwrap_or("{}");
    let conf: serde_json::Value = serde_json::from_str(text).map_err(|e| ManifestError {
        field: "ConfigMap.data.stub-net.json".into(),
        line: None,
        message: format!("not valid JSON: {e}"),
    })?;
    let mode = conf["Mode"].as_str().unwrap_or("").to_string();
    let problems = if mode == "bridge" {
        vec![]
    } else {
        vec![format!(
            "stub's Mode '{mode}' is not reproduced; use bridge"
        )]
    };
    Ok((CniConfig::new(StubConfig { mode }), problems))
}

#[async_trait]
impl Cni for StubConfig {
    fn name(&self) -> &'static str {
        "stub"
    }
    fn config_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn image(&self, _: &str) -> Option<String> {
        None
    }
    fn ready_pods(&self) -> ReadyPods {
        ReadyPods {
            namespace: "kube-system",
            app: "stub",
        }
    }
    fn overlay_device(&self) -> String {
        "stub0".into()
    }
    fn overlay_port(&self) -> u16 {
        4789
    }
    fn state_file(&self) -> &'static str {
        "/run/stub/state"
    }
    async fn log(&self, session: &dyn Session, _: Runs, node: &str) -> Result<Output> {
        session.output(node, "cat /run/stub/log", None).await
    }
    fn programs(&self) -> &'static [&'static str] {
        &["cat"]
    }
}
