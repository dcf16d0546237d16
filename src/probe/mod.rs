//! Probes: what a check asks of the network, one module per kind, each
//! behind the two traits here. A [`ProbeKind`] is the YAML key users write
//! (`ping:`) and reads its value strictly into typed raw structs, resolved
//! against the lab's [`Testbed`]; the [`Probe`] it makes says where it runs
//! (nodes, for diagnostics), its label for reports, which expectations
//! apply to it, how many results it expands to, how it observes through the
//! provider's [`Session`] and judges what it saw, and what traffic to
//! replay under a capture when it fails.
//!
//! To add a probe: a new file here with a `Kind` (implementing
//! [`ProbeKind`]) and its probe type (implementing [`Probe`]), and one line
//! in [`PROBES`]. Nothing else names probe kinds: the check parser
//! (`spec::checks`, above this room), the verify engine and diagnostics go
//! through the list and the traits. Probes see the testbed only, never the
//! lab with its checks (`spec::Lab`), so the checks can be resolved by
//! this registry without a circle.

pub mod capture;
pub mod cni_log;
pub mod deadline;
pub mod expect;
pub mod http;
pub mod listen;
pub mod mesh;
pub mod nodes_ready;
pub mod parse;
pub mod path;
pub mod ping;
pub mod pods;
pub mod route;
pub mod run;
pub mod target;

use crate::cni::Cni;
use crate::error::LabError;
use crate::report::Verdict;
use crate::session::PodRef;
use crate::session::{Output, Session};
use crate::testbed::Testbed;
use async_trait::async_trait;
use expect::{Accepts, Expect};
use parse::Resolver;
use serde_norway::Value;
use std::fmt;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Duration;
use target::{Endpoint, Target};

/// Every kind of probe, in the order messages list them.
pub const PROBES: &[&dyn ProbeKind] = &[
    &ping::Kind,
    &http::Kind,
    &run::Kind,
    &route::Kind,
    &cni_log::Kind,
    &capture::Kind,
    &mesh::Kind,
    &nodes_ready::Kind,
    &pods::Kind,
];

/// The kind whose key is `key`.
pub fn kind(key: &str) -> Option<&'static dyn ProbeKind> {
    PROBES.iter().copied().find(|k| k.key() == key)
}

/// What a check says about where its probe runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// `from:` a node or a pod (ping, http).
    From,
    /// `on:` one node.
    On,
    /// `on:` a node, `all` or `workers`.
    OnMany,
    /// Neither: the probe covers the whole lab.
    Lab,
}

/// Where a check's probe runs, resolved.
#[derive(Debug, Clone)]
pub enum At {
    From(Endpoint),
    On(Vec<String>),
    Lab,
}

impl At {
    /// The one node of `On`.
    pub fn node(&self) -> String {
        match self {
            At::On(n) => n.first().cloned().unwrap_or_default(),
            _ => String::new(),
        }
    }
}

/// A kind of probe: its key in a check and how to read it.
pub trait ProbeKind: Sync {
    /// The key a check names it by (`ping`).
    fn key(&self) -> &'static str;

    /// Where a check of this kind says it runs.
    fn place(&self) -> Place;

    /// Read the probe's value strictly and resolve it against the lab;
    /// problems go to `r`, with fields under `r.base`.
    fn parse(&self, r: &mut Resolver, at: At, v: &Value) -> Option<Arc<dyn Probe>>;

    /// The programs its commands run on a node or in a pod (each needs a
    /// package there: see `provider::netns::PACKAGES`).
    fn programs(&self) -> &'static [&'static str];
}

/// A resolved probe of a check.
#[async_trait]
pub trait Probe: fmt::Debug + Send + Sync {
    /// What it does, for reports: "from → to" or where it runs.
    fn label(&self) -> String;

    /// The nodes it runs on or from, whose state diagnostics collect.
    fn nodes(&self) -> Vec<String>;

    /// The forms of expectation it takes.
    fn accepts(&self) -> Accepts;

    /// Further rules for an expectation of the accepted forms.
    fn check_expectation(&self, _r: &mut Resolver, _e: &Expect, _field: &str) {}

    /// The expectation of a check that gives none (`None`: one is needed).
    fn implicit_expectation(&self) -> Option<Expect> {
        None
    }

    /// Whether it needs a real Kubernetes API (vagrant only).
    fn needs_kubernetes(&self) -> bool {
        false
    }

    /// How many results it gives in the lab as it is.
    fn results(&self, _cx: &Cx) -> usize {
        1
    }

    /// Observe through the session and judge against `expect`.
    async fn check(&self, cx: &Cx<'_>, expect: &Expect) -> Vec<Judged>;
}

/// What the probes of a run share: the lab as it is up, and the way in.
pub struct Cx<'a> {
    pub lab: &'a Testbed,
    /// The pods that run.
    pub pods: &'a [PodRef],
    pub session: &'a dyn Session,
    /// The pod network that runs.
    pub cni: &'a dyn Cni,
    /// How the lab's provider runs the CNI (where its log is).
    pub cni_runs: crate::cni::Runs,
    /// The lab's round-trip time, measured once per run, from which the
    /// wait for an answer expected not to come is derived.
    pub rtt: deadline::Rtt,
}

/// Why a probe could not ask: a check `error`, never a network verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouldNotAsk(pub String);

impl fmt::Display for CouldNotAsk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<LabError> for CouldNotAsk {
    fn from(e: LabError) -> Self {
        CouldNotAsk(e.to_string())
    }
}

pub type Asked<T> = std::result::Result<T, CouldNotAsk>;

impl Cx<'_> {
    /// The running pod of `app` on `on`.
    pub fn pod(&self, app: &str, on: &str) -> Asked<&PodRef> {
        self.pods
            .iter()
            .find(|p| p.app == app && p.node == on)
            .ok_or_else(|| {
                let have: Vec<String> = self
                    .pods
                    .iter()
                    .map(|p| format!("{}@{}", p.app, p.node))
                    .collect();
                CouldNotAsk(format!(
                    "no pod app={app} on {on} is running (pods: {})",
                    have.join(", ")
                ))
            })
    }

    /// The address of a target.
    pub fn ip(&self, t: &Target) -> Asked<Ipv4Addr> {
        Ok(match t {
            Target::Ip(ip) => *ip,
            Target::Node(n) => self
                .lab
                .node(n)
                .map(|n| n.ip)
                .ok_or_else(|| CouldNotAsk(format!("lab has no node {n}")))?,
            Target::Pod { app, on } => self.pod(app, on)?.ip,
        })
    }

    /// Run a probe's `cmd` from an endpoint: on the node (its network), or
    /// inside the pod.
    pub async fn run_from(&self, from: &Endpoint, cmd: &str) -> Asked<Output> {
        Ok(match from {
            Endpoint::Node(n) => self.session.output_net(n, cmd).await?,
            Endpoint::Pod { app, on } => {
                let pod = self.pod(app, on)?;
                self.session.pod_output(pod, cmd).await?
            }
        })
    }
}

/// Traffic a failed probe made, made again while diagnostics capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Traffic {
    pub from: Endpoint,
    pub to: Ipv4Addr,
    /// The command that makes it, run from `from`.
    pub command: String,
}

/// One judged result of a probe.
#[derive(Debug, Clone)]
pub struct Judged {
    /// Added to the check's name when a probe gives several results
    /// (`: from node1`).
    pub suffix: String,
    pub label: String,
    pub verdict: Verdict,
    pub observed: String,
    /// The commands and their output.
    pub output: String,
    /// Its own time, when it is one of several results.
    pub elapsed: Option<Duration>,
    /// Nodes whose state to collect when it did not pass.
    pub nodes: Vec<String>,
    /// What to capture when it did not pass.
    pub replay: Option<Traffic>,
}

impl Judged {
    /// The one result of `probe`: observed (or not) and judged.
    pub fn of(probe: &dyn Probe, seen: Asked<(Verdict, String, String)>) -> Judged {
        let (verdict, observed, output) = match seen {
            Ok(s) => s,
            Err(e) => (Verdict::Error, format!("could not run: {e}"), String::new()),
        };
        Judged {
            suffix: String::new(),
            label: probe.label(),
            verdict,
            observed,
            output,
            elapsed: None,
            nodes: probe.nodes(),
            replay: None,
        }
    }

    pub fn replay(mut self, t: Option<Traffic>) -> Judged {
        self.replay = t;
        self
    }
}

/// `(verdict, observed)` from whether it held.
pub fn held(ok: bool, text: String) -> (Verdict, String) {
    (if ok { Verdict::Pass } else { Verdict::Fail }, text)
}

/// An expectation a probe does not take (validation makes this unreachable).
pub fn misfit(e: &Expect, what: &str) -> (Verdict, String) {
    (
        Verdict::Error,
        format!("expectation {e} does not apply to {what}"),
    )
}

/// The one result of a Kubernetes condition (`holds:` only): `kubectl
/// <args>` (JSON) judged by `judge` into whether it holds and what was seen.
pub async fn kubectl_holds(
    probe: &dyn Probe,
    cx: &Cx<'_>,
    expect: &Expect,
    args: &[&str],
    judge: impl FnOnce(&str) -> (bool, String),
) -> Judged {
    let seen = async {
        let o = cx.session.kubectl(args).await?;
        let (holds, detail) = judge(&o.stdout);
        let (v, t) = match expect {
            Expect::Holds => held(holds, detail),
            e => misfit(e, "a Kubernetes condition"),
        };
        Asked::Ok((v, t, o.text()))
    }
    .await;
    Judged::of(probe, seen)
}

/// How many checks run at once (and how many sources of one sweep); the
/// verify engine's, declared here so that probes need not import it.
pub const CONCURRENCY: usize = 16;

/// The programs the verify engine's diagnostics run on a node (declared
/// here, below verify, so that [`programs`] lists every program run).
pub const DIAGNOSTIC_PROGRAMS: &[&str] = &[
    "ip",
    "bridge",
    "iptables-save",
    "tcpdump",
    "timeout",
    "mktemp",
    "mkfifo",
    "sh",
    "cat",
    "rm",
];

/// Every program the probes, the CNI and diagnostics run on a node or in a pod.
pub fn programs(cni: &dyn Cni) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = PROBES.iter().flat_map(|k| k.programs()).copied().collect();
    out.extend(cni.programs());
    out.extend(DIAGNOSTIC_PROGRAMS);
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// chapter4's testbed as shipped (its checks are `spec`'s, above).
    pub fn lab() -> Testbed {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("labs/chapter4/lab.yaml");
        crate::testbed::load_file(&file, Default::default()).expect("chapter4")
    }

    /// The pods of `lab` as its placement puts them.
    pub fn pods(lab: &Testbed) -> Vec<PodRef> {
        lab.placements().iter().map(|p| p.pod_ref()).collect()
    }

    /// A netns context of `lab` over `session`, with its pods placed.
    pub fn cx_with<'a>(lab: &'a Testbed, session: &'a dyn Session) -> Cx<'a> {
        Cx {
            lab,
            pods: Box::leak(pods(lab).into_boxed_slice()),
            session,
            cni: lab.variants[0].cni.plugin(),
            cni_runs: crate::cni::Runs::HostDaemon,
            rtt: Default::default(),
        }
    }
}
