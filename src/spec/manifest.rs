//! Reads the Kubernetes manifests a lab ships: what flannel is told to do
//! (its `net-conf.json` and flanneld's flags) and what the workloads deploy.
//!
//! The manifests are the single source of truth for both providers: vagrant
//! applies them with kubectl, netns reproduces what they would make happen.

use super::guard;
use super::locate::Locator;
use ipnet::Ipv4Net;
use serde::Deserialize;
use serde_norway::Value;
use std::path::Path;

/// What flanneld is configured to do by a network manifest.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FlannelConfig {
    /// `Network` of `net-conf.json`.
    pub network: Ipv4Net,
    /// `Backend.Type` (only `vxlan` is reproduced by netns).
    pub backend: String,
    /// VXLAN ID (`Backend.VNI`, default 1).
    pub vni: u32,
    /// VXLAN UDP port (`Backend.Port`, default 8472).
    pub port: u16,
    /// flanneld's interface selection flags, in the order given.
    pub iface: Vec<String>,
    pub iface_regex: Vec<String>,
    pub iface_can_reach: Option<String>,
    pub public_ip: Option<String>,
    /// `--ip-masq` given.
    pub ip_masq: bool,
}

impl FlannelConfig {
    /// flannel's defaults for a network: vxlan, VNI 1, UDP port 8472, no
    /// interface flags, no masquerading.
    pub fn vxlan(network: Ipv4Net) -> Self {
        FlannelConfig {
            network,
            backend: "vxlan".into(),
            vni: 1,
            port: 8472,
            iface: vec![],
            iface_regex: vec![],
            iface_can_reach: None,
            public_ip: None,
            ip_masq: false,
        }
    }
}

/// One Deployment of the lab's workloads.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Workload {
    pub name: String,
    /// The pods' `app` label.
    pub app: String,
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

/// A manifest problem: the field path inside the manifest and what is wrong.
#[derive(Debug, Clone)]
pub struct ManifestError {
    pub field: String,
    pub message: String,
    pub line: Option<usize>,
}

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

fn kind(v: &Value) -> &str {
    v.get("kind").and_then(Value::as_str).unwrap_or("")
}

fn name(v: &Value) -> &str {
    v.get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// Read flannel's configuration from a network manifest.
pub fn flannel_config(docs: &[Value]) -> Result<FlannelConfig, ManifestError> {
    let cm = docs
        .iter()
        .find(|d| {
            kind(d) == "ConfigMap" && d.get("data").and_then(|x| x.get("net-conf.json")).is_some()
        })
        .ok_or_else(|| {
            err(
                "ConfigMap",
                "no ConfigMap with data.net-conf.json (flannel's network configuration)",
            )
        })?;
    let field = format!("ConfigMap {}.data.net-conf.json", name(cm));
    let text = cm["data"]["net-conf.json"]
        .as_str()
        .ok_or_else(|| err(&field, "must be a string"))?;
    let conf: serde_json::Value =
        serde_json::from_str(text).map_err(|e| err(&field, format!("not valid JSON: {e}")))?;
    let network: Ipv4Net = conf
        .get("Network")
        .and_then(|n| n.as_str())
        .ok_or_else(|| err(format!("{field}.Network"), "missing"))?
        .parse()
        .map_err(|e| err(format!("{field}.Network"), format!("not an IPv4 CIDR: {e}")))?;
    let backend = conf.get("Backend").cloned().unwrap_or_default();
    let backend_type = backend
        .get("Type")
        .and_then(|t| t.as_str())
        .unwrap_or("udp")
        .to_string();
    // A number of the backend, within `range`; flannel's default when absent.
    let number =
        |key: &str, default: u64, range: std::ops::RangeInclusive<u64>| match backend.get(key) {
            None => Ok(default),
            Some(v) => v.as_u64().filter(|n| range.contains(n)).ok_or_else(|| {
                err(
                    format!("{field}.Backend.{key}"),
                    format!("{v} is not a number in {}..={}", range.start(), range.end()),
                )
            }),
        };
    let vni = number("VNI", 1, 0..=0xff_ffff)? as u32;
    let port = number("Port", 8472, 1..=65535)? as u16;

    let ds = docs
        .iter()
        .find(|d| kind(d) == "DaemonSet" && flanneld(d).is_some())
        .ok_or_else(|| err("DaemonSet", "no DaemonSet running flanneld"))?;
    let args = flanneld(ds).unwrap_or_default();
    let mut cfg = FlannelConfig {
        backend: backend_type,
        vni,
        port,
        ..FlannelConfig::vxlan(network)
    };
    for arg in args {
        let (flag, value) = match arg.split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        let flag = flag.trim_start_matches('-');
        match (flag, value) {
            ("iface", Some(v)) => cfg.iface.push(v),
            ("iface-regex", Some(v)) => cfg.iface_regex.push(v),
            ("iface-can-reach", Some(v)) => cfg.iface_can_reach = Some(v),
            ("public-ip", Some(v)) => cfg.public_ip = Some(v),
            ("ip-masq", None) => cfg.ip_masq = true,
            ("ip-masq", Some(v)) => cfg.ip_masq = v == "true",
            _ => {}
        }
    }
    Ok(cfg)
}

/// flanneld's command line (command + args) in a DaemonSet, if it runs flanneld.
fn flanneld(ds: &Value) -> Option<Vec<String>> {
    let containers = ds
        .get("spec")?
        .get("template")?
        .get("spec")?
        .get("containers")?
        .as_sequence()?;
    for c in containers {
        let list = |key: &str| -> Vec<String> {
            c.get(key)
                .and_then(Value::as_sequence)
                .map(|s| {
                    s.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let command = list("command");
        if command.iter().any(|c| c.ends_with("flanneld")) {
            let mut all = command[1..].to_vec();
            all.extend(list("args"));
            return Some(all);
        }
    }
    None
}

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
        let app = spec
            .get("template")
            .and_then(|t| t.get("metadata"))
            .and_then(|m| m.get("labels"))
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
    fn reads_flannel_flags_and_netconf() {
        let text = r#"
apiVersion: v1
kind: ConfigMap
metadata: { name: kube-flannel-cfg }
data:
  net-conf.json: |
    { "Network": "10.244.0.0/16", "Backend": { "Type": "vxlan" } }
---
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: kube-flannel-ds }
spec:
  template:
    spec:
      containers:
        - name: kube-flannel
          command: [/opt/bin/flanneld]
          args: [--ip-masq, --kube-subnet-mgr, --iface=enp0s8]
"#;
        let cfg = flannel_config(&parse_documents(text).unwrap().docs).unwrap();
        assert_eq!(cfg.network.to_string(), "10.244.0.0/16");
        assert_eq!(cfg.backend, "vxlan");
        assert_eq!((cfg.vni, cfg.port), (1, 8472));
        assert_eq!(cfg.iface, vec!["enp0s8"]);
        assert!(cfg.ip_masq);
    }

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
    fn backend_numbers_are_checked_not_truncated() {
        let conf = |backend: &str| {
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {{ name: c }}\ndata:\n  net-conf.json: '{{\"Network\": \"10.244.0.0/16\", \"Backend\": {backend}}}'\n---\n\
                 apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{ name: d }}\nspec:\n  template:\n    spec:\n      containers:\n        - {{ name: f, command: [/opt/bin/flanneld] }}\n"
            )
        };
        let ok = flannel_config(
            &parse_documents(&conf(r#"{"Type": "vxlan", "VNI": 4096, "Port": 4789}"#))
                .unwrap()
                .docs,
        )
        .unwrap();
        assert_eq!((ok.vni, ok.port), (4096, 4789));
        for bad in [
            r#"{"Type": "vxlan", "Port": 70000}"#,
            r#"{"Type": "vxlan", "VNI": 16777216}"#,
        ] {
            let e = flannel_config(&parse_documents(&conf(bad)).unwrap().docs).unwrap_err();
            assert!(e.message.contains("is not a number in"), "{bad}: {e:?}");
        }
    }

    #[test]
    fn rejects_non_kubernetes_yaml() {
        assert!(parse_documents("a: 1\n").is_err());
        assert!(parse_documents("kind: [\n").is_err());
    }
}
