//! The checks of a lab: what to probe, from where, and what each variant
//! expects. Resolved against the lab's nodes, pods and variants at load time,
//! so a check that names an unknown node, pod label or variant never runs.

use super::validate::Collector;
use super::{Lab, Role};
use ipnet::Ipv4Net;
use serde::Serialize;
use serde_norway::{Mapping, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv4Addr;

/// Where a probe starts: a node, or a pod found by its `app` label and node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Endpoint {
    Node(String),
    Pod { app: String, on: String },
}

/// What a probe aims at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Target {
    Node(String),
    Pod { app: String, on: String },
    Ip(Ipv4Addr),
}

/// Where a route check looks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum RouteDest {
    PodsOf(String),
    Net(Ipv4Net),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Probe {
    Ping {
        from: Endpoint,
        to: Target,
    },
    Http {
        from: Endpoint,
        to: Target,
        port: u16,
        path: String,
    },
    Run {
        on: Vec<String>,
        command: String,
    },
    Route {
        on: String,
        to: RouteDest,
    },
    FlannelLog {
        on: String,
    },
    Capture {
        on: String,
        iface: String,
        ping: Target,
    },
    /// A generated full sweep: every pod of `app` pings every other one, or
    /// (`from: nodes`) every node pings every pod of `app`.
    Mesh {
        app: String,
        from_nodes: bool,
    },
    /// Kubernetes: every node Ready (vagrant only).
    NodesReady,
    /// Kubernetes: pods of `app` (vagrant only).
    Pods {
        app: String,
        running: Option<u32>,
        on_distinct_nodes: bool,
    },
}

impl Probe {
    /// Whether the check needs a real Kubernetes API (vagrant only).
    pub fn needs_kubernetes(&self) -> bool {
        matches!(self, Probe::NodesReady | Probe::Pods { .. })
    }

    /// The nodes a check runs on or from (for diagnostics).
    pub fn nodes(&self) -> Vec<String> {
        let ep = |e: &Endpoint| match e {
            Endpoint::Node(n) | Endpoint::Pod { on: n, .. } => n.clone(),
        };
        let tg = |t: &Target| match t {
            Target::Node(n) | Target::Pod { on: n, .. } => Some(n.clone()),
            Target::Ip(_) => None,
        };
        let mut out = match self {
            Probe::Ping { from, to } | Probe::Http { from, to, .. } => {
                [Some(ep(from)), tg(to)].into_iter().flatten().collect()
            }
            Probe::Run { on, .. } => on.clone(),
            Probe::Route { on, to } => {
                let mut v = vec![on.clone()];
                if let RouteDest::PodsOf(n) = to {
                    v.push(n.clone());
                }
                v
            }
            Probe::FlannelLog { on } => vec![on.clone()],
            Probe::Capture { on, ping, .. } => {
                [Some(on.clone()), tg(ping)].into_iter().flatten().collect()
            }
            Probe::Mesh { .. } | Probe::NodesReady | Probe::Pods { .. } => vec![],
        };
        out.dedup();
        out
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Node(n) => write!(f, "{n}"),
            Endpoint::Pod { app, on } => write!(f, "pod {app}@{on}"),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Node(n) => write!(f, "{n}"),
            Target::Pod { app, on } => write!(f, "pod {app}@{on}"),
            Target::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

impl Probe {
    /// "from → to" for reports.
    pub fn route_label(&self) -> String {
        match self {
            Probe::Ping { from, to } => format!("{from} → {to}"),
            Probe::Http {
                from,
                to,
                port,
                path,
            } => format!("{from} → http://{to}:{port}{path}"),
            Probe::Run { on, command } => format!(
                "{} $ {command}",
                if on.len() > 2 {
                    "all".into()
                } else {
                    on.join(",")
                }
            ),
            Probe::Route { on, to } => match to {
                RouteDest::PodsOf(n) => format!("{on}: route to pods of {n}"),
                RouteDest::Net(n) => format!("{on}: route to {n}"),
            },
            Probe::FlannelLog { on } => format!("{on}: flannel log"),
            Probe::Capture { on, iface, ping } => {
                format!("{on}: tcpdump -i {iface} while ping {ping}")
            }
            Probe::Mesh {
                app,
                from_nodes: false,
            } => format!("every {app} pod → every other {app} pod"),
            Probe::Mesh {
                app,
                from_nodes: true,
            } => format!("every node → every {app} pod"),
            Probe::NodesReady => "kubectl get nodes".into(),
            Probe::Pods { app, .. } => format!("kubectl get pods -l app={app}"),
        }
    }
}

/// What a check expects to observe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Expect {
    Reachable {
        ttl: Option<u8>,
    },
    Unreachable,
    Status(u16),
    Output {
        contains: Vec<String>,
        not_contains: Vec<String>,
        distinct: Option<String>,
    },
    Route {
        dev: Option<String>,
        via: Option<Ipv4Addr>,
    },
    /// The condition the probe states holds (Kubernetes checks).
    Holds,
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expect::Reachable { ttl: None } => write!(f, "reachable"),
            Expect::Reachable { ttl: Some(t) } => write!(f, "reachable, ttl {t}"),
            Expect::Unreachable => write!(f, "unreachable"),
            Expect::Status(s) => write!(f, "HTTP {s}"),
            Expect::Output {
                contains,
                not_contains,
                distinct,
            } => {
                let mut parts: Vec<String> =
                    contains.iter().map(|c| format!("contains {c:?}")).collect();
                parts.extend(not_contains.iter().map(|c| format!("lacks {c:?}")));
                if let Some(d) = distinct {
                    parts.push(format!("{d} distinct per node"));
                }
                write!(f, "{}", parts.join(", "))
            }
            Expect::Route { dev, via } => {
                let mut parts = vec![];
                if let Some(d) = dev {
                    parts.push(format!("dev {d}"));
                }
                if let Some(v) = via {
                    parts.push(format!("via {v}"));
                }
                write!(f, "{}", parts.join(" "))
            }
            Expect::Holds => write!(f, "holds"),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: String,
    pub probe: Probe,
    /// The expectation for each variant of the lab.
    pub expect: BTreeMap<String, Expect>,
}

impl Check {
    pub fn expect_for(&self, variant: &str) -> &Expect {
        self.expect
            .get(variant)
            .expect("validated: an expectation for every variant")
    }
}

const EXPECT_KEYS: &[&str] = &[
    "reachable",
    "ttl",
    "status",
    "contains",
    "not_contains",
    "distinct",
    "dev",
    "via",
];
const PROBE_KEYS: &[&str] = &[
    "ping",
    "http",
    "run",
    "route",
    "flannel_log",
    "capture",
    "mesh",
    "nodes",
    "pods",
];

/// A check of the file left out of this lab, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedCheck {
    pub name: String,
    pub reason: String,
}

/// Resolve the raw `checks:` list against the lab.
///
/// `nominal` is the lab with the file's own worker counts when `--nodes`
/// overrides them: a check that resolves against it but not against `lab`
/// is about workers this size of the lab does not have, and is skipped.
pub(crate) fn resolve(
    c: &mut Collector,
    lab: &Lab,
    nominal: Option<&Lab>,
    raw: &[Value],
) -> (Vec<Check>, Vec<SkippedCheck>) {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    let mut names = std::collections::HashSet::new();
    for (i, v) in raw.iter().enumerate() {
        let base = format!("checks[{i}]");
        let before = c.problems.len();
        let mut r = Resolver {
            c: &mut *c,
            lab,
            base: base.clone(),
            ok: true,
        };
        let check = r.check(v).filter(|_| r.ok);
        if check.is_none()
            && let Some(nominal) = nominal
            && c.problems.len() > before
        {
            let mut scratch = c.scratch();
            let mut r = Resolver {
                c: &mut scratch,
                lab: nominal,
                base,
                ok: true,
            };
            if let Some(ch) = r.check(v)
                && r.ok
            {
                let reason = format!(
                    "not applicable with {} worker{}: {}",
                    lab.workers().count(),
                    if lab.workers().count() == 1 { "" } else { "s" },
                    c.problems[before].message
                );
                c.problems.truncate(before);
                skipped.push(SkippedCheck {
                    name: ch.name,
                    reason,
                });
                continue;
            }
        }
        if let Some(check) = check {
            if !names.insert(check.name.clone()) {
                c.push(
                    format!("checks[{i}].name"),
                    format!("check name '{}' is used twice", check.name),
                );
            }
            out.push(check);
        }
    }
    (out, skipped)
}

struct Resolver<'a, 'b> {
    c: &'a mut Collector<'b>,
    lab: &'a Lab,
    base: String,
    ok: bool,
}

fn key_str(k: &Value) -> String {
    k.as_str()
        .map(str::to_string)
        .unwrap_or_else(|| format!("{k:?}"))
}

impl Resolver<'_, '_> {
    fn bad(&mut self, field: &str, message: impl Into<String>) {
        self.ok = false;
        let f = if field.is_empty() {
            self.base.clone()
        } else {
            format!("{}.{field}", self.base)
        };
        self.c.push(f, message);
    }

    fn check(&mut self, v: &Value) -> Option<Check> {
        let Some(m) = v.as_mapping() else {
            self.bad(
                "",
                "a check must be a mapping with name, a probe and expect",
            );
            return None;
        };
        let allowed = ["name", "from", "on", "expect"];
        for k in m.keys() {
            let k = key_str(k);
            if !allowed.contains(&k.as_str()) && !PROBE_KEYS.contains(&k.as_str()) {
                self.bad(&k, format!("unknown key '{k}' (a check has name, from/on, expect and one probe of: {})", PROBE_KEYS.join(", ")));
            }
        }
        let name = match m.get("name").and_then(Value::as_str) {
            Some(n) if !n.trim().is_empty() && !n.chars().any(char::is_control) => n.to_string(),
            _ => {
                self.bad("name", "every check needs a one-line name");
                String::new()
            }
        };
        let probes: Vec<&str> = PROBE_KEYS
            .iter()
            .copied()
            .filter(|k| m.contains_key(*k))
            .collect();
        let kind = match probes.as_slice() {
            [one] => *one,
            [] => {
                self.bad(
                    "",
                    format!(
                        "check '{name}' has no probe: add one of {}",
                        PROBE_KEYS.join(", ")
                    ),
                );
                return None;
            }
            many => {
                self.bad(
                    many[1],
                    format!(
                        "check '{name}' has {} probes ({}); give exactly one",
                        many.len(),
                        many.join(", ")
                    ),
                );
                return None;
            }
        };
        let pv = &m[kind];
        // `from` says where a ping or request starts; `on` where the other
        // probes run. The wrong one would be silently ignored.
        let (wanted, unwanted) = match kind {
            "ping" | "http" => (Some("from"), "on"),
            "run" | "route" | "flannel_log" | "capture" => (Some("on"), "from"),
            _ => (None, "on"),
        };
        for k in [Some(unwanted), wanted.is_none().then_some("from")]
            .into_iter()
            .flatten()
        {
            if m.contains_key(k) {
                let instead = wanted.map_or("nothing: it covers the whole lab".to_string(), |w| {
                    format!("`{w}:`")
                });
                self.bad(
                    k,
                    format!("a {kind} check does not take `{k}:`; it takes {instead}"),
                );
                // `on:` written for `from:` (or the reverse): one problem, not
                // a second one for the key it stands for.
                if wanted.is_some_and(|w| !m.contains_key(w)) {
                    return None;
                }
            }
        }
        let known = match kind {
            "http" => &["pod", "on", "port", "path"][..],
            "route" => &["to"][..],
            "capture" => &["iface", "while"][..],
            "mesh" => &["pods", "from"][..],
            "pods" => &["app", "running", "on_distinct_nodes"][..],
            _ => &[][..],
        };
        if let Some(pm) = pv.as_mapping()
            && !known.is_empty()
        {
            for k in pm.keys() {
                let k = key_str(k);
                if !known.contains(&k.as_str()) {
                    self.bad(
                        &format!("{kind}.{k}"),
                        format!(
                            "unknown key '{k}' (a {kind} probe has: {})",
                            known.join(", ")
                        ),
                    );
                }
            }
        }
        let probe = match kind {
            "ping" => {
                let from = self.endpoint(m, "from")?;
                let to = self.target(pv, "ping")?;
                Probe::Ping { from, to }
            }
            "http" => {
                let from = self.endpoint(m, "from")?;
                let to = self.target(pv, "http")?;
                let port = match pv.get("port") {
                    None => self
                        .lab
                        .workloads
                        .iter()
                        .find(|w| matches!(&to, Target::Pod { app, .. } if *app == w.app))
                        .map_or(80, |w| w.port),
                    Some(p) => match p
                        .as_u64()
                        .and_then(|p| u16::try_from(p).ok())
                        .filter(|p| *p > 0)
                    {
                        Some(p) => p,
                        None => {
                            self.bad("http.port", "must be a port number (1-65535)");
                            return None;
                        }
                    },
                };
                let path = pv
                    .get("path")
                    .and_then(Value::as_str)
                    .unwrap_or("/")
                    .to_string();
                if !path.starts_with('/')
                    || !path
                        .bytes()
                        .all(|b| b.is_ascii_graphic() && b != b'\'' && b != b'"' && b != b'\\')
                {
                    self.bad(
                        "http.path",
                        "must be a URL path starting with / (no quotes or spaces)",
                    );
                }
                Probe::Http {
                    from,
                    to,
                    port,
                    path,
                }
            }
            "run" => {
                let on = self.on_nodes(m)?;
                let Some(cmd) = pv.as_str() else {
                    self.bad("run", "must be a command line (a string)");
                    return None;
                };
                Probe::Run {
                    on,
                    command: cmd.to_string(),
                }
            }
            "route" => {
                let on = self.on_node(m)?;
                let to = match pv.get("to") {
                    Some(t) if t.get("pods_of").is_some() => {
                        let n = t["pods_of"].as_str().unwrap_or_default().to_string();
                        self.node_ref("route.to.pods_of", &n)?;
                        RouteDest::PodsOf(n)
                    }
                    Some(t) => match t.as_str().and_then(|s| {
                        s.parse::<Ipv4Net>()
                            .ok()
                            .or_else(|| s.parse::<Ipv4Addr>().ok().map(Ipv4Net::from))
                    }) {
                        Some(n) => RouteDest::Net(n),
                        None => {
                            self.bad("route.to", "must be { pods_of: <node> } or a CIDR");
                            return None;
                        }
                    },
                    None => {
                        self.bad(
                            "route.to",
                            "missing: say where the route goes ({ pods_of: <node> } or a CIDR)",
                        );
                        return None;
                    }
                };
                Probe::Route { on, to }
            }
            "flannel_log" => {
                if pv.as_bool() != Some(true) {
                    self.bad("flannel_log", "must be true");
                }
                Probe::FlannelLog {
                    on: self.on_node(m)?,
                }
            }
            "capture" => {
                let on = self.on_node(m)?;
                let iface = match pv.get("iface").and_then(Value::as_str) {
                    Some(i)
                        if !i.is_empty()
                            && i.len() <= 15
                            && i.bytes()
                                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)) =>
                    {
                        i.to_string()
                    }
                    Some(i) => {
                        self.bad("capture.iface", format!("'{i}' is not an interface name"));
                        return None;
                    }
                    None => {
                        self.bad("capture.iface", "missing: the interface to capture on");
                        return None;
                    }
                };
                let Some(ping) = pv.get("while").and_then(|w| w.get("ping")) else {
                    self.bad(
                        "capture.while",
                        "missing: { ping: <target> }, the traffic to make while capturing",
                    );
                    return None;
                };
                let ping = self.target(ping, "capture.while.ping")?;
                Probe::Capture { on, iface, ping }
            }
            "mesh" => {
                let app = pv
                    .get("pods")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                self.app_ref("mesh.pods", &app)?;
                let from_nodes = match pv.get("from").and_then(Value::as_str) {
                    None | Some("pods") => false,
                    Some("nodes") => true,
                    Some(other) => {
                        self.bad(
                            "mesh.from",
                            format!("'{other}' is not a sweep source (pods or nodes)"),
                        );
                        return None;
                    }
                };
                Probe::Mesh { app, from_nodes }
            }
            "nodes" => {
                if pv.as_str() != Some("Ready") {
                    self.bad(
                        "nodes",
                        "the only node condition checked is Ready (nodes: Ready)",
                    );
                }
                Probe::NodesReady
            }
            "pods" => {
                let app = pv
                    .get("app")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                if app.is_empty() || !super::validate::is_dns_label(&app) {
                    self.bad("pods.app", "missing or invalid: the pods' app label");
                    return None;
                }
                let running = match pv.get("running") {
                    None => None,
                    Some(n) => match n.as_u64().and_then(|n| u32::try_from(n).ok()) {
                        Some(n) => Some(n),
                        None => {
                            self.bad("pods.running", "must be a number of pods");
                            return None;
                        }
                    },
                };
                let on_distinct_nodes = match pv.get("on_distinct_nodes") {
                    None => false,
                    Some(b) => match b.as_bool() {
                        Some(b) => b,
                        None => {
                            self.bad("pods.on_distinct_nodes", "must be true or false");
                            return None;
                        }
                    },
                };
                if running.is_none() && !on_distinct_nodes {
                    self.bad(
                        "pods",
                        "say what to check: running: N and/or on_distinct_nodes: true",
                    );
                }
                Probe::Pods {
                    app,
                    running,
                    on_distinct_nodes,
                }
            }
            _ => unreachable!("PROBE_KEYS"),
        };
        let expect = self.expectations(m.get("expect"), &probe)?;
        Some(Check {
            name,
            probe,
            expect,
        })
    }

    fn node_ref(&mut self, field: &str, name: &str) -> Option<()> {
        if self.lab.node(name).is_some() {
            return Some(());
        }
        let known: Vec<&str> = self
            .lab
            .nodes
            .iter()
            .map(|n| n.name.as_str())
            .take(8)
            .collect();
        self.bad(
            field,
            format!(
                "unknown node '{name}' (nodes: {}{})",
                known.join(", "),
                if self.lab.nodes.len() > 8 {
                    ", ..."
                } else {
                    ""
                }
            ),
        );
        None
    }

    fn app_ref(&mut self, field: &str, app: &str) -> Option<()> {
        if self.lab.workloads.iter().any(|w| w.app == app) {
            return Some(());
        }
        let known: Vec<&str> = self.lab.workloads.iter().map(|w| w.app.as_str()).collect();
        self.bad(
            field,
            format!(
                "unknown pod label app={app} (the workloads deploy: {})",
                known.join(", ")
            ),
        );
        None
    }

    /// `{ pod: <app>, on: <node> }`, checked against the lab's placement.
    fn pod_ref(&mut self, field: &str, v: &Value) -> Option<(String, String)> {
        let Some(m) = v.as_mapping() else {
            self.bad(field, "must be { pod: <app label>, on: <node> }");
            return None;
        };
        for k in m.keys() {
            let k = key_str(k);
            if !["pod", "on", "port", "path"].contains(&k.as_str()) {
                self.bad(
                    &format!("{field}.{k}"),
                    format!("unknown key '{k}' (a pod reference has pod and on)"),
                );
            }
        }
        let (Some(app), Some(on)) = (
            m.get("pod").and_then(Value::as_str),
            m.get("on").and_then(Value::as_str),
        ) else {
            self.bad(
                field,
                "a pod reference needs both pod: <app label> and on: <node>",
            );
            return None;
        };
        self.app_ref(&format!("{field}.pod"), app)?;
        self.node_ref(&format!("{field}.on"), on)?;
        let node = self.lab.node(on).expect("checked");
        if !self
            .lab
            .placements()
            .iter()
            .any(|p| p.app == app && p.node == on)
        {
            let why = if node.role == Role::ControlPlane {
                " (the control plane is tainted NoSchedule)"
            } else {
                ""
            };
            self.bad(
                &format!("{field}.on"),
                format!("no {app} pod is placed on {on}{why}"),
            );
            return None;
        }
        Some((app.to_string(), on.to_string()))
    }

    fn endpoint(&mut self, m: &Mapping, key: &str) -> Option<Endpoint> {
        match m.get(key) {
            None => {
                self.bad(
                    key,
                    "missing: where the probe starts (a node, or { pod: <app>, on: <node> })",
                );
                None
            }
            Some(Value::String(n)) => {
                self.node_ref(key, n)?;
                Some(Endpoint::Node(n.clone()))
            }
            Some(v) => self
                .pod_ref(key, v)
                .map(|(app, on)| Endpoint::Pod { app, on }),
        }
    }

    fn target(&mut self, v: &Value, field: &str) -> Option<Target> {
        match v {
            Value::String(s) => {
                if let Ok(ip) = s.parse::<Ipv4Addr>() {
                    Some(Target::Ip(ip))
                } else {
                    self.node_ref(field, s)?;
                    Some(Target::Node(s.clone()))
                }
            }
            Value::Mapping(_) => self
                .pod_ref(field, v)
                .map(|(app, on)| Target::Pod { app, on }),
            _ => {
                self.bad(
                    field,
                    "must be a node, an IP, or { pod: <app>, on: <node> }",
                );
                None
            }
        }
    }

    fn on_nodes(&mut self, m: &Mapping) -> Option<Vec<String>> {
        match m.get("on").and_then(Value::as_str) {
            Some("all") => Some(self.lab.nodes.iter().map(|n| n.name.clone()).collect()),
            Some("workers") => Some(self.lab.workers().map(|n| n.name.clone()).collect()),
            Some(n) => {
                self.node_ref("on", n)?;
                Some(vec![n.to_string()])
            }
            None => {
                self.bad(
                    "on",
                    "missing: the node to run on (a node name, all or workers)",
                );
                None
            }
        }
    }

    fn on_node(&mut self, m: &Mapping) -> Option<String> {
        match m.get("on").and_then(Value::as_str) {
            Some(n) => {
                self.node_ref("on", n)?;
                Some(n.to_string())
            }
            None => {
                self.bad("on", "missing: the node to run on");
                None
            }
        }
    }

    fn expectations(
        &mut self,
        v: Option<&Value>,
        probe: &Probe,
    ) -> Option<BTreeMap<String, Expect>> {
        let variants: Vec<String> = self.lab.variants.iter().map(|v| v.name.clone()).collect();
        let Some(v) = v else {
            if probe.needs_kubernetes() {
                return Some(variants.into_iter().map(|n| (n, Expect::Holds)).collect());
            }
            self.bad("expect", "missing: what the check expects");
            return None;
        };
        // A mapping whose keys are all variant names is a map by variant.
        let by_variant = v.as_mapping().is_some_and(|m| {
            m.keys()
                .any(|k| !EXPECT_KEYS.contains(&key_str(k).as_str()))
        });
        if !by_variant {
            let e = self.expect_one(v, probe, "expect")?;
            return Some(variants.into_iter().map(|n| (n, e.clone())).collect());
        }
        let m = v.as_mapping().expect("checked");
        let mut out = BTreeMap::new();
        for (k, val) in m {
            let k = key_str(k);
            if !variants.contains(&k) {
                self.bad(
                    &format!("expect.{k}"),
                    format!(
                        "unknown variant '{k}' in expect (variants: {}; expectation keys: {})",
                        variants.join(", "),
                        EXPECT_KEYS.join(", ")
                    ),
                );
                continue;
            }
            if let Some(e) = self.expect_one(val, probe, &format!("expect.{k}")) {
                out.insert(k, e);
            }
        }
        for n in &variants {
            if !out.contains_key(n) && self.ok {
                self.bad("expect", format!("no expectation for variant '{n}': give one value for all variants or one per variant"));
            }
        }
        Some(out)
    }

    fn expect_one(&mut self, v: &Value, probe: &Probe, field: &str) -> Option<Expect> {
        let reach = matches!(probe, Probe::Ping { .. } | Probe::Mesh { .. });
        let http = matches!(probe, Probe::Http { .. });
        let output = matches!(
            probe,
            Probe::Run { .. } | Probe::FlannelLog { .. } | Probe::Capture { .. }
        );
        let route = matches!(probe, Probe::Route { .. });
        let strs = |v: Option<&Value>| -> Vec<String> {
            match v {
                Some(Value::String(s)) => vec![s.clone()],
                Some(Value::Sequence(s)) => s
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect(),
                _ => vec![],
            }
        };
        let e = match v {
            Value::String(s) if s == "reachable" && (reach || http) => {
                Expect::Reachable { ttl: None }
            }
            Value::String(s) if s == "unreachable" && (reach || http) => Expect::Unreachable,
            Value::Bool(true) if probe.needs_kubernetes() => Expect::Holds,
            Value::Mapping(m)
                if reach
                    && m.keys()
                        .all(|k| ["reachable", "ttl"].contains(&key_str(k).as_str())) =>
            {
                let reachable = m.get("reachable").and_then(Value::as_bool).unwrap_or(true);
                let ttl = m
                    .get("ttl")
                    .and_then(Value::as_u64)
                    .and_then(|t| u8::try_from(t).ok());
                if m.contains_key("ttl") && ttl.is_none() {
                    self.bad(&format!("{field}.ttl"), "must be a number 1-255");
                }
                if reachable {
                    Expect::Reachable { ttl }
                } else {
                    Expect::Unreachable
                }
            }
            Value::Mapping(m) if http && m.keys().all(|k| key_str(k) == "status") => {
                match m
                    .get("status")
                    .and_then(Value::as_u64)
                    .and_then(|s| u16::try_from(s).ok())
                    .filter(|s| (100..600).contains(s))
                {
                    Some(s) => Expect::Status(s),
                    None => {
                        self.bad(
                            &format!("{field}.status"),
                            "must be an HTTP status (100-599)",
                        );
                        return None;
                    }
                }
            }
            Value::Mapping(m)
                if output
                    && m.keys().all(|k| {
                        ["contains", "not_contains", "distinct"].contains(&key_str(k).as_str())
                    }) =>
            {
                let distinct = m
                    .get("distinct")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                if distinct.is_some() && !matches!(probe, Probe::Run { on, .. } if on.len() > 1) {
                    self.bad(
                        &format!("{field}.distinct"),
                        "distinct compares several nodes: use it with on: all",
                    );
                }
                Expect::Output {
                    contains: strs(m.get("contains")),
                    not_contains: strs(m.get("not_contains")),
                    distinct,
                }
            }
            Value::Mapping(m)
                if route
                    && m.keys()
                        .all(|k| ["dev", "via"].contains(&key_str(k).as_str())) =>
            {
                let dev = m.get("dev").and_then(Value::as_str).map(str::to_string);
                let via = match m.get("via").and_then(Value::as_str) {
                    Some(s) => match s.parse() {
                        Ok(ip) => Some(ip),
                        Err(_) => {
                            self.bad(&format!("{field}.via"), "must be an IPv4 address");
                            return None;
                        }
                    },
                    None => None,
                };
                Expect::Route { dev, via }
            }
            _ => {
                let allowed = if reach {
                    "reachable, unreachable or { reachable: true, ttl: N }"
                } else if http {
                    "unreachable or { status: N }"
                } else if output {
                    "{ contains: ..., not_contains: ..., distinct: KEY }"
                } else if route {
                    "{ dev: IFACE, via: IP }"
                } else {
                    "true"
                };
                self.bad(
                    field,
                    format!("this expectation does not fit the probe; expected {allowed}"),
                );
                return None;
            }
        };
        Some(e)
    }
}
