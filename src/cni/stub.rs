//! A stub pod network plugin, for the tests only: it shows that a plugin is
//! one module plus one line in [`super::registry::CNIS`], that validation
//! reads a manifest through the plugin that recognizes it, and that a
//! plugin's own rules refuse what it cannot do with the lab's file, line
//! and field. Its manifest is a ConfigMap with `data.stub-net.json`
//! (`{"Mode": "bridge"}`); only `bridge` is accepted.

use super::registry::{Entry, LabFacts, Reading};
use super::{Cni, CniConfig, ReadyPods, Runs};
use crate::error::Result;
use crate::session::{Output, Session};
use crate::spec::manifest::ManifestError;
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

#[cfg(test)]
mod tests {
    use crate::error::LabError;
    use crate::spec::{LoadOptions, load_file};
    use std::path::Path;

    /// chapter4's lab with its `broken` variant's manifest replaced by a
    /// stub manifest of `mode`; loaded from a temporary folder.
    fn load_with_stub(mode: &str) -> (tempfile::TempDir, crate::Result<crate::spec::Lab>) {
        let dir = tempfile::tempdir().unwrap();
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("labs/chapter4");
        for f in [
            "lab.yaml",
            "flannel_fix.yml",
            "nginx-deployment.yaml",
            "chapter.md",
        ] {
            std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
        }
        std::fs::write(
            dir.path().join("flannel.yml"),
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stub-cfg\ndata:\n  stub-net.json: '{{\"Mode\": \"{mode}\"}}'\n"
            ),
        )
        .unwrap();
        let lab = load_file(&dir.path().join("lab.yaml"), LoadOptions::default());
        (dir, lab)
    }

    #[test]
    fn a_registered_plugin_reads_its_manifest() {
        let (_dir, lab) = load_with_stub("bridge");
        let lab = lab.expect("the stub's manifest is valid for it");
        let broken = lab.variant("broken").unwrap();
        assert_eq!(broken.cni.plugin().name(), "stub");
        assert!(broken.cni.flannel().is_none());
        assert_eq!(lab.variant("fixed").unwrap().cni.plugin().name(), "flannel");
    }

    #[test]
    fn a_registered_plugin_refuses_what_it_cannot_do_at_validation() {
        let (_dir, lab) = load_with_stub("overlay");
        let Err(LabError::Invalid(problems)) = lab else {
            panic!("the stub's rule must refuse Mode overlay: {lab:?}");
        };
        let p = &problems.0;
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].field, "variants.broken.network");
        assert!(p[0].file.ends_with("lab.yaml"), "{:?}", p[0].file);
        assert_eq!(p[0].line, Some(18), "the line of variants.broken.network");
        assert_eq!(
            p[0].message,
            "flannel.yml: stub's Mode 'overlay' is not reproduced; use bridge"
        );
    }
}
