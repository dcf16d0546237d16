//! Flannel's configuration as its manifest gives it: `net-conf.json` of its
//! ConfigMap (network, backend, VNI, port) and flanneld's flags in its
//! DaemonSet (interface selection, masquerading). Read here, by the plugin,
//! for validation (`rules.rs`) and for the providers that reproduce it.

use crate::cni::registry::ManifestError;
use ipnet::Ipv4Net;
use serde_norway::Value;

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

fn err(field: impl Into<String>, message: impl Into<String>) -> ManifestError {
    ManifestError {
        field: field.into(),
        message: message.into(),
        line: None,
    }
}

use crate::cni::registry::{kind, name};

/// Read flannel's configuration from a network manifest.
pub fn read(docs: &[Value]) -> Result<FlannelConfig, ManifestError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    /// The documents of a manifest's text.
    fn docs(text: &str) -> Vec<Value> {
        serde_norway::Deserializer::from_str(text)
            .map(|d| Value::deserialize(d).unwrap())
            .collect()
    }

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
        let cfg = read(&docs(text)).unwrap();
        assert_eq!(cfg.network.to_string(), "10.244.0.0/16");
        assert_eq!(cfg.backend, "vxlan");
        assert_eq!((cfg.vni, cfg.port), (1, 8472));
        assert_eq!(cfg.iface, vec!["enp0s8"]);
        assert!(cfg.ip_masq);
    }

    #[test]
    fn backend_numbers_are_checked_not_truncated() {
        let conf = |backend: &str| {
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {{ name: c }}\ndata:\n  net-conf.json: '{{\"Network\": \"10.244.0.0/16\", \"Backend\": {backend}}}'\n---\n\
                 apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{ name: d }}\nspec:\n  template:\n    spec:\n      containers:\n        - {{ name: f, command: [/opt/bin/flanneld] }}\n"
            )
        };
        let ok = read(&docs(&conf(
            r#"{"Type": "vxlan", "VNI": 4096, "Port": 4789}"#,
        )))
        .unwrap();
        assert_eq!((ok.vni, ok.port), (4096, 4789));
        for bad in [
            r#"{"Type": "vxlan", "Port": 70000}"#,
            r#"{"Type": "vxlan", "VNI": 16777216}"#,
        ] {
            let e = read(&docs(&conf(bad))).unwrap_err();
            assert!(e.message.contains("is not a number in"), "{bad}: {e:?}");
        }
    }
}
