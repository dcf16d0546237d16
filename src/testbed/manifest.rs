//! Reads the Kubernetes manifests a lab ships: their documents, located by
//! line, and what the workloads deploy. What a network manifest configures
//! is its pod network plugin's to read (`cni::registry`).
//!
//! The manifests are the single source of truth for both providers: vagrant
//! applies them with kubectl, netns reproduces what they would make happen.

use super::guard;
use super::locate::Locator;
use serde::Deserialize;
use serde_norway::Value;
use std::path::Path;

/// One Deployment of the lab's workloads.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Workload {
    pub name: String,
    /// The pods' `app` label.
    pub app: String,
    /// Every label of the pods' template (`app` among them), which a
    /// `kubectl get pods -l KEY=VALUE` selects on.
    #[serde(skip)]
    pub labels: Vec<(String, String)>,
    /// `spec.replicas` (Kubernetes' int32, at least 0; 1 when absent).
    pub replicas: u32,
    /// The line of `spec.replicas` in its manifest, for problems found once
    /// the nodes are known (more pods than a node's subnet holds).
    #[serde(skip)]
    pub replicas_line: Option<usize>,
    /// First container port (80 when none is declared).
    pub port: u16,
    /// Whether the Deployment asks for its replicas on distinct nodes
    /// (topology spread on hostname or pod anti-affinity).
    pub spread: bool,
}

pub use crate::cni::registry::ManifestError;

fn err(field: impl Into<String>, message: impl Into<String>) -> ManifestError {
    ManifestError {
        field: field.into(),
        message: message.into(),
        line: None,
    }
}

/// The Kubernetes objects of a manifest file, with the text they came from
/// so that a field can be pointed at by line.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub docs: Vec<Value>,
    /// The 1-based first line of each of `docs`.
    starts: Vec<usize>,
    text: String,
    /// The byte offset where each line of `text` starts.
    line_offsets: Vec<usize>,
}

impl Manifest {
    /// The 1-based line of `field` (like `spec.replicas`) in document `doc`.
    /// Only the document's own text is scanned.
    pub fn line_of(&self, doc: usize, field: &str) -> Option<usize> {
        let start = *self.starts.get(doc)?;
        let offset = |line: usize| self.line_offsets.get(line - 1).copied();
        let from = offset(start)?;
        let to = self
            .starts
            .get(doc + 1)
            .and_then(|&l| offset(l))
            .unwrap_or(self.text.len());
        Locator::new(self.text.get(from..to)?)
            .locate(field)
            .map(|(line, _)| start - 1 + line)
    }
}

/// Parse every document of a multi-document Kubernetes YAML file; each must
/// have `apiVersion` and `kind`.
pub fn read_documents(path: &Path) -> Result<Manifest, ManifestError> {
    let text = guard::read(path).map_err(|e| ManifestError {
        field: String::new(),
        message: e.message,
        line: e.line,
    })?;
    parse_documents(&text)
}

/// The 1-based line where each document of a YAML stream starts (its first
/// line of content), in the order a YAML `Deserializer` yields them: an
/// implicit first document when content precedes the first `---`, then one
/// per `---` marker.
pub fn document_lines(text: &str) -> Vec<usize> {
    let is_marker = |l: &str| l == "---" || l.starts_with("--- ") || l.starts_with("---\t");
    let is_content = |l: &str| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with('#') && !is_marker(l)
    };
    let lines: Vec<&str> = text.lines().collect();
    let first_content = |from: usize| {
        (from..lines.len())
            .take_while(|&i| !is_marker(lines[i]))
            .find(|&i| is_content(lines[i]))
    };
    let mut out = Vec::new();
    if let Some(i) = first_content(0) {
        out.push(i + 1);
    }
    for (i, l) in lines.iter().enumerate() {
        if is_marker(l) {
            // `--- {inline}` holds its content on the marker's line.
            let inline = l[3..].trim();
            let at = if !inline.is_empty() && !inline.starts_with('#') {
                Some(i)
            } else {
                first_content(i + 1)
            };
            out.push(at.unwrap_or(i) + 1);
        }
    }
    out
}

pub fn parse_documents(text: &str) -> Result<Manifest, ManifestError> {
    guard::check_nesting(text).map_err(|e| ManifestError {
        field: String::new(),
        message: e.message,
        line: e.line,
    })?;
    let starts = document_lines(text);
    let mut docs = Vec::new();
    let mut kept = Vec::new();
    for (i, de) in serde_norway::Deserializer::from_str(text).enumerate() {
        let v = Value::deserialize(de).map_err(|e| ManifestError {
            field: format!("document {}", i + 1),
            message: format!("not valid YAML: {e}"),
            line: e.location().map(|l| l.line()),
        })?;
        if v.is_null() {
            continue;
        }
        for key in ["apiVersion", "kind"] {
            if v.get(key).and_then(Value::as_str).is_none() {
                return Err(ManifestError {
                    line: starts.get(i).copied(),
                    ..err(
                        format!("document {}", i + 1),
                        format!("not a Kubernetes object: no `{key}`"),
                    )
                });
            }
        }
        docs.push(v);
        kept.push(starts.get(i).copied().unwrap_or(1));
    }
    if docs.is_empty() {
        return Err(err("", "no Kubernetes objects in the file"));
    }
    let line_offsets = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    Ok(Manifest {
        docs,
        starts: kept,
        text: text.to_string(),
        line_offsets,
    })
}

/// A YAML value as written in a message (`"two"`, `-1`).
fn show(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        _ => serde_norway::to_string(v)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

use crate::cni::registry::{kind, name};

/// Read the Deployments of a workload manifest.
pub fn workloads(m: &Manifest) -> Result<Vec<Workload>, ManifestError> {
    let mut out = Vec::new();
    for (doc, d) in m.docs.iter().enumerate() {
        if kind(d) != "Deployment" {
            continue;
        }
        let n = name(d).to_string();
        let field = format!("Deployment {n}");
        let at = |path: &str, e: ManifestError| ManifestError {
            line: m.line_of(doc, path),
            ..e
        };
        let spec = d.get("spec").ok_or_else(|| err(&field, "no spec"))?;
        let replicas_line = m.line_of(doc, "spec.replicas");
        // Kubernetes: an int32, at least 0; absent (or null) means 1.
        let replicas = match spec.get("replicas") {
            None | Some(Value::Null) => 1,
            Some(v) => v
                .as_u64()
                .and_then(|r| u32::try_from(r).ok())
                .filter(|r| *r <= i32::MAX as u32)
                .ok_or_else(|| {
                    at(
                        "spec.replicas",
                        err(
                            format!("{field}.spec.replicas"),
                            format!(
                                "{} is not a number of replicas (a whole number from 0 to {})",
                                show(v),
                                i32::MAX
                            ),
                        ),
                    )
                })?,
        };
        let tspec = spec.get("template").and_then(|t| t.get("spec"));
        let template_labels = spec
            .get("template")
            .and_then(|t| t.get("metadata"))
            .and_then(|m| m.get("labels"));
        let labels = template_labels
            .and_then(Value::as_mapping)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        let app = template_labels
            .and_then(|l| l.get("app"))
            .and_then(Value::as_str)
            .ok_or_else(|| {
                err(
                    format!("{field}.spec.template.metadata.labels.app"),
                    "every workload needs an `app` label",
                )
            })?
            .to_string();
        let port = tspec
            .and_then(|s| s.get("containers"))
            .and_then(Value::as_sequence)
            .and_then(|c| c.first())
            .and_then(|c| c.get("ports"))
            .and_then(Value::as_sequence)
            .and_then(|p| p.first())
            .and_then(|p| p.get("containerPort"));
        let port = match port {
            None => 80,
            Some(v) => v
                .as_u64()
                .and_then(|p| u16::try_from(p).ok())
                .filter(|p| *p > 0)
                .ok_or_else(|| {
                    let path = "spec.template.spec.containers[0].ports[0].containerPort";
                    at(
                        path,
                        err(
                            format!("{field}.{path}"),
                            format!("{} is not a port number (1-65535)", show(v)),
                        ),
                    )
                })?,
        };
        let spread = tspec.is_some_and(|s| {
            let tsc = s
                .get("topologySpreadConstraints")
                .and_then(Value::as_sequence)
                .is_some_and(|v| {
                    v.iter().any(|c| {
                        c.get("topologyKey").and_then(Value::as_str)
                            == Some("kubernetes.io/hostname")
                    })
                });
            let anti = s
                .get("affinity")
                .and_then(|a| a.get("podAntiAffinity"))
                .is_some();
            tsc || anti
        });
        out.push(Workload {
            name: n,
            app,
            labels,
            replicas,
            replicas_line,
            port,
            spread,
        });
    }
    if out.is_empty() {
        return Err(err("", "no Deployment in the file"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_documents() {
        let text = "# preamble\n---\n# c\napiVersion: v1\nkind: A\n---\napiVersion: v1\n--- {apiVersion: v1}\n";
        assert_eq!(document_lines(text), vec![4, 7, 8]);
        assert_eq!(document_lines("a: 1\n---\nb: 2\n"), vec![1, 3]);
        let e = parse_documents(text).unwrap_err();
        assert_eq!((e.field.as_str(), e.line), ("document 2", Some(7)));
    }

    #[test]
    fn fields_are_located_in_their_own_document() {
        let text = "apiVersion: v1\nkind: A\nspec:\n  replicas: 1\n---\n# c\napiVersion: v1\nkind: B\nspec:\n  x: 1\n  replicas: 2\n";
        let m = parse_documents(text).unwrap();
        assert_eq!(m.line_of(0, "spec.replicas"), Some(4));
        assert_eq!(m.line_of(1, "spec.replicas"), Some(11));
        assert_eq!(m.line_of(1, "kind"), Some(8));
        assert_eq!(m.line_of(2, "kind"), None);
    }

    #[test]
    fn container_ports_must_be_ports() {
        let deployment = |port: &str| {
            format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{ name: web }}\nspec:\n  template:\n    metadata: {{ labels: {{ app: web }} }}\n    spec:\n      containers:\n        - name: web\n          ports: [{{ containerPort: {port} }}]\n"
            )
        };
        assert_eq!(
            workloads(&parse_documents(&deployment("8080")).unwrap()).unwrap()[0].port,
            8080
        );
        for bad in ["0", "70000", "http"] {
            let e = workloads(&parse_documents(&deployment(bad)).unwrap()).unwrap_err();
            assert!(
                e.field.ends_with("containerPort") && e.message.contains("1-65535"),
                "{bad}: {e:?}"
            );
        }
    }

    #[test]
    fn rejects_non_kubernetes_yaml() {
        assert!(parse_documents("a: 1\n").is_err());
        assert!(parse_documents("kind: [\n").is_err());
    }
}
