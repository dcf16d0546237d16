//! The verify engine: runs a lab's checks through the provider's session
//! (see [`crate::session`]), concurrently with a bound and each with its own
//! deadline, and judges what it observed against what the current variant
//! expects.
//!
//! Three outcomes are kept apart: the expectation held (pass), the network
//! said otherwise (fail), and the check could not ask (error: node not
//! reached or gone, pod missing, tool missing). "Unreachable" passes only on a real no-reply.

pub mod diagnostics;
pub mod probe;

use crate::error::{LabError, Result};
use crate::provider::{Access, PodRef, Provider};
use crate::report::{CheckResult, Event, Reporter, Verdict};
use crate::session::{Output, Session};
use crate::spec::checks::RouteDest;
use crate::spec::{Check, Endpoint, Expect, Lab, Probe, Target};
use crate::state::State;
use probe::{HttpResult, PingResult};
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How many checks run at once.
pub const CONCURRENCY: usize = 16;
/// Deadline of one remote command of a check.
const DEADLINE: Duration = Duration::from_secs(20);

/// What `lab verify` was asked.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The variant whose expectations apply (the lab's current one if None).
    pub variant: Option<String>,
    /// Only checks whose name contains this (case-insensitive).
    pub only: Option<String>,
    /// Collect diagnostics of failed checks (on by default).
    pub no_diagnostics: bool,
    /// The run's artifacts root (see [`crate::report::run`]): diagnostics
    /// go to `<root>/<variant>/`. None: a root of its own under the lab's
    /// `artifacts/`.
    pub artifacts_root: Option<PathBuf>,
}

/// The artifacts root of a run of `state`'s lab that was given none.
fn own_root(state: &State) -> PathBuf {
    let id = crate::report::run::new_run_id(
        &state.name,
        &state.provider.to_string(),
        std::time::SystemTime::now(),
    );
    state.dir().join("artifacts").join(id)
}

/// Everything a check needs, shared by the concurrent checks of a run.
pub struct Ctx {
    pub lab: Lab,
    pub access: Access,
    /// Every command on a node goes through it, each with [`DEADLINE`], so
    /// no check's timeout blocks the others.
    pub session: Box<dyn Session>,
    pub variant: String,
    /// `(node, command)` printing flannel's log, per node.
    pub flannel_logs: Vec<(String, (String, String))>,
    pub artifacts: diagnostics::Artifacts,
}

impl Ctx {
    fn pod(&self, app: &str, on: &str) -> Result<&PodRef> {
        self.access
            .pods
            .iter()
            .find(|p| p.app == app && p.node == on)
            .ok_or_else(|| {
                let have: Vec<String> = self
                    .access
                    .pods
                    .iter()
                    .map(|p| format!("{}@{}", p.app, p.node))
                    .collect();
                LabError::Step {
                    step: "resolve pod".into(),
                    message: format!(
                        "no pod app={app} on {on} is running (pods: {})",
                        have.join(", ")
                    ),
                }
            })
    }

    fn target_ip(&self, t: &Target) -> Result<Ipv4Addr> {
        Ok(match t {
            Target::Ip(ip) => *ip,
            Target::Node(n) => self
                .lab
                .node(n)
                .map(|n| n.ip)
                .ok_or_else(|| LabError::Usage(format!("unknown node {n}")))?,
            Target::Pod { app, on } => self.pod(app, on)?.ip,
        })
    }

    /// Run a probe's `cmd` from an endpoint: on the node (its network), or
    /// inside the pod.
    async fn run_from(&self, from: &Endpoint, cmd: &str) -> Result<Output> {
        match from {
            Endpoint::Node(n) => self.session.output_net(n, cmd).await,
            Endpoint::Pod { app, on } => {
                let pod = self.pod(app, on)?;
                self.session.pod_output(pod, cmd).await
            }
        }
    }
}

/// What a probe saw.
#[derive(Debug, Clone)]
enum Observed {
    Ping(PingResult),
    Http(HttpResult),
    /// Output per node (one entry for single-node probes).
    Output(Vec<(String, Output)>),
    Route {
        line: String,
        dev: Option<String>,
        via: Option<Ipv4Addr>,
    },
    /// Sources whose sweep had unreachable targets.
    Mesh {
        pairs: usize,
        unreachable: Vec<String>,
    },
    Kube {
        holds: bool,
        detail: String,
    },
}

/// Run every (selected) check of the lab in its current state.
pub async fn verify(
    lab: &Lab,
    state: &State,
    provider: &dyn Provider,
    opts: &Options,
    rep: &Reporter,
) -> Result<Vec<CheckResult>> {
    let variant = opts
        .variant
        .clone()
        .unwrap_or_else(|| state.variant.clone());
    lab.variant(&variant)?;
    let checks: Vec<Check> = lab
        .checks
        .iter()
        .filter(|c| {
            opts.only
                .as_ref()
                .is_none_or(|p| c.name.to_lowercase().contains(&p.to_lowercase()))
        })
        .cloned()
        .collect();
    if checks.is_empty() && lab.skipped_checks.is_empty() {
        return Err(LabError::Usage(match &opts.only {
            Some(p) => format!("no check of lab '{}' matches '{p}'", lab.name),
            None => format!("lab '{}' has no checks", lab.name),
        }));
    }
    let access = provider.access(lab, state, rep).await?;
    let session = provider
        .session(lab, state, &access, Some(DEADLINE), rep)
        .await?;
    let flannel_logs = lab
        .nodes
        .iter()
        .map(|n| (n.name.clone(), provider.flannel_log(lab, &n.name)))
        .collect();
    let root = opts
        .artifacts_root
        .clone()
        .unwrap_or_else(|| own_root(state));
    let artifacts = diagnostics::Artifacts::new(&root, &variant, !opts.no_diagnostics);
    let ctx = Arc::new(Ctx {
        lab: lab.clone(),
        access,
        session,
        variant: variant.clone(),
        flannel_logs,
        artifacts,
    });

    let total = checks.iter().map(|c| expanded_len(&ctx, c)).sum();
    rep.emit(Event::ChecksStart {
        variant: variant.clone(),
        total,
    });
    let sem = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, check) in checks.into_iter().enumerate() {
        let (ctx, sem, rep) = (ctx.clone(), sem.clone(), rep.clone());
        tasks.spawn(async move {
            let _permit = sem.acquire_owned().await.expect("open");
            let results = run_check(&ctx, &check).await;
            for r in &results {
                rep.emit(Event::CheckEnd(Box::new(r.clone())));
            }
            (i, results)
        });
    }
    let mut all = Vec::new();
    while let Some(done) = tasks.join_next().await {
        all.push(done.map_err(|e| LabError::Step {
            step: "verify".into(),
            message: e.to_string(),
        })?);
    }
    all.sort_by_key(|(i, _)| *i);
    let mut results: Vec<CheckResult> = all.into_iter().flat_map(|(_, r)| r).collect();
    // Checks that `--nodes` left without their nodes: skipped, with the reason.
    for s in lab.skipped_checks.iter().filter(|s| {
        opts.only
            .as_ref()
            .is_none_or(|p| s.name.to_lowercase().contains(&p.to_lowercase()))
    }) {
        let r = CheckResult {
            name: s.name.clone(),
            variant: variant.clone(),
            path: String::new(),
            expected: String::new(),
            observed: s.reason.clone(),
            verdict: Verdict::Skip,
            elapsed: Duration::ZERO,
            output: String::new(),
            artifacts: vec![],
        };
        rep.emit(Event::CheckEnd(Box::new(r.clone())));
        results.push(r);
    }
    rep.emit(Event::ChecksEnd {
        variant: variant.clone(),
    });

    // Diagnostics before anything is torn down.
    if results
        .iter()
        .any(|r| matches!(r.verdict, Verdict::Fail | Verdict::Error))
        && ctx.artifacts.enabled
    {
        let extra = provider
            .collect_logs(lab, state, &ctx.artifacts.dir().join("provider"), rep)
            .await
            .unwrap_or_default();
        for r in results
            .iter_mut()
            .filter(|r| matches!(r.verdict, Verdict::Fail | Verdict::Error))
        {
            r.artifacts.extend(extra.iter().cloned());
        }
        rep.info(format!(
            "diagnostics written to {}",
            ctx.artifacts.dir().display()
        ));
    }
    let ctx = Arc::try_unwrap(ctx).ok();
    if let Some(ctx) = ctx {
        ctx.session.close().await;
    }
    Ok(results)
}

/// Collect the chapter's troubleshooting evidence from every node (routes,
/// subnet.env, flannel's log, FDB, ...) into `<root>/<variant>-evidence/`
/// of the run's artifacts root; returns the files.
pub async fn collect_evidence(
    lab: &Lab,
    state: &State,
    provider: &dyn Provider,
    root: &std::path::Path,
    rep: &Reporter,
) -> Result<Vec<PathBuf>> {
    let access = provider.access(lab, state, rep).await?;
    let session = provider
        .session(lab, state, &access, Some(DEADLINE), rep)
        .await?;
    let artifacts = diagnostics::Artifacts::new(root, &format!("{}-evidence", state.variant), true);
    let nodes: Vec<String> = lab.nodes.iter().map(|n| n.name.clone()).collect();
    let futs = nodes.iter().map(|n| {
        let log = provider.flannel_log(lab, n);
        let (session, artifacts) = (session.as_ref(), &artifacts);
        async move { artifacts.node(session, n, &log).await }
    });
    let files = join_all(futs).await.into_iter().flatten().collect();
    session.close().await;
    Ok(files)
}

fn expanded_len(ctx: &Ctx, c: &Check) -> usize {
    match &c.probe {
        Probe::Mesh {
            app,
            from_nodes: false,
        } => ctx
            .access
            .pods
            .iter()
            .filter(|p| &p.app == app)
            .count()
            .max(1),
        Probe::Mesh {
            from_nodes: true, ..
        } => ctx.lab.nodes.len(),
        _ => 1,
    }
}

async fn run_check(ctx: &Ctx, check: &Check) -> Vec<CheckResult> {
    let expect = check.expect_for(&ctx.variant).clone();
    if let Probe::Mesh { app, from_nodes } = &check.probe {
        return run_mesh(ctx, check, app, *from_nodes, &expect).await;
    }
    let started = Instant::now();
    let mut result = CheckResult {
        name: check.name.clone(),
        variant: ctx.variant.clone(),
        path: check.probe.route_label(),
        expected: expect.to_string(),
        observed: String::new(),
        verdict: Verdict::Error,
        elapsed: Duration::ZERO,
        output: String::new(),
        artifacts: vec![],
    };
    if check.probe.needs_kubernetes() && ctx.access.kubectl.is_none() {
        result.verdict = Verdict::Skip;
        result.observed = ctx
            .access
            .no_kubernetes
            .clone()
            .unwrap_or_else(|| "no Kubernetes API here".into());
        return vec![result];
    }
    match observe(ctx, &check.probe, &expect).await {
        Ok((observed, output)) => {
            let (verdict, text) = judge(&expect, &observed);
            result.verdict = verdict;
            result.observed = text;
            result.output = output;
        }
        Err(e) => {
            result.verdict = Verdict::Error;
            result.observed = format!("could not run: {e}");
        }
    }
    result.elapsed = started.elapsed();
    if matches!(result.verdict, Verdict::Fail | Verdict::Error) {
        result.artifacts = ctx.artifacts.for_check(ctx, check).await;
    }
    vec![result]
}

async fn observe(ctx: &Ctx, p: &Probe, expect: &Expect) -> Result<(Observed, String)> {
    match p {
        Probe::Ping { from, to } => {
            let ip = ctx.target_ip(to)?;
            let cmd = probe::ping(ip, matches!(expect, Expect::Reachable { .. }));
            let out = ctx.run_from(from, &cmd).await?;
            Ok((
                Observed::Ping(probe::parse_ping(out.code, &out.text())),
                format!("$ {cmd}\n{}", out.text()),
            ))
        }
        Probe::Http {
            from,
            to,
            port,
            path,
        } => {
            let ip = ctx.target_ip(to)?;
            let cmd = probe::http(ip, *port, path);
            let out = ctx.run_from(from, &cmd).await?;
            Ok((
                Observed::Http(probe::parse_http(&out.text())),
                format!("$ {cmd}\n{}", out.text()),
            ))
        }
        Probe::Run { on, command } => {
            let runs = on
                .iter()
                .map(|n| async move { (n.clone(), ctx.session.output(n, command, None).await) });
            let mut outs = Vec::new();
            let mut text = String::new();
            for (n, r) in join_all(runs).await {
                let o = r?;
                text.push_str(&format!("[{n}] $ {command}\n{}\n", o.text()));
                outs.push((n, o));
            }
            Ok((Observed::Output(outs), text))
        }
        Probe::FlannelLog { on } => {
            let (node, cmd) = ctx
                .flannel_logs
                .iter()
                .find(|(n, _)| n == on)
                .map(|(_, l)| l.clone())
                .expect("validated node");
            let o = ctx.session.output(&node, &cmd, None).await?;
            let text = format!("[{node}] $ {cmd}\n{}", o.text());
            Ok((Observed::Output(vec![(on.clone(), o)]), text))
        }
        Probe::Route { on, to } => {
            let net = match to {
                RouteDest::PodsOf(n) => ctx.lab.node(n).expect("validated").pod_subnet,
                RouteDest::Net(n) => *n,
            };
            let cmd = probe::route(net);
            let o = ctx.session.output_net(on, &cmd).await?;
            if !o.ok() {
                return Err(LabError::Step {
                    step: "route".into(),
                    message: o.text(),
                });
            }
            let (dev, via) = probe::parse_route(&o.stdout);
            let line = o.stdout.lines().next().unwrap_or("").trim().to_string();
            Ok((
                Observed::Route { line, dev, via },
                format!("[{on}] $ {cmd}\n{}", o.text()),
            ))
        }
        Probe::Capture { on, iface, ping } => {
            let ip = ctx.target_ip(ping)?;
            let cmd = probe::capture(iface, ip, &probe::ping(ip, false));
            let o = ctx.session.output(on, &cmd, None).await?;
            let text = format!("[{on}] $ {cmd}\n{}", o.text());
            Ok((Observed::Output(vec![(on.clone(), o)]), text))
        }
        Probe::NodesReady => {
            let (node, kubectl) = ctx.access.kubectl.clone().expect("checked");
            let o = ctx
                .session
                .output(&node, &format!("{kubectl} get nodes -o json"), None)
                .await?;
            let (holds, detail) = kube_nodes_ready(&o.stdout, ctx.lab.nodes.len());
            Ok((Observed::Kube { holds, detail }, o.text()))
        }
        Probe::Pods {
            app,
            running,
            on_distinct_nodes,
        } => {
            let (node, kubectl) = ctx.access.kubectl.clone().expect("checked");
            let o = ctx
                .session
                .output(
                    &node,
                    &format!("{kubectl} get pods -A -l app={app} -o json"),
                    None,
                )
                .await?;
            let (holds, detail) = kube_pods(&o.stdout, *running, *on_distinct_nodes);
            Ok((Observed::Kube { holds, detail }, o.text()))
        }
        Probe::Mesh { .. } => unreachable!("expanded by run_mesh"),
    }
}

/// A full sweep: every pod of `app` pings every other one (or every node
/// pings every pod); one result per source, so a failure names its source.
async fn run_mesh(
    ctx: &Ctx,
    check: &Check,
    app: &str,
    from_nodes: bool,
    expect: &Expect,
) -> Vec<CheckResult> {
    let pods: Vec<&PodRef> = ctx.access.pods.iter().filter(|p| p.app == app).collect();
    let sources: Vec<(String, Endpoint)> = if from_nodes {
        ctx.lab
            .nodes
            .iter()
            .map(|n| (n.name.clone(), Endpoint::Node(n.name.clone())))
            .collect()
    } else {
        pods.iter()
            .map(|p| {
                (
                    p.name.clone(),
                    Endpoint::Pod {
                        app: p.app.clone(),
                        on: p.node.clone(),
                    },
                )
            })
            .collect()
    };
    let sem = tokio::sync::Semaphore::new(CONCURRENCY);
    let runs = sources.iter().map(|(name, from)| {
        let targets: Vec<Ipv4Addr> = pods
            .iter()
            .filter(|p| p.name != *name)
            .map(|p| p.ip)
            .collect();
        let sem = &sem;
        async move {
            let _p = sem.acquire().await.expect("open");
            let started = Instant::now();
            let cmd = probe::mesh(&targets);
            let r = ctx.run_from(from, &cmd).await;
            (name, from, targets.len(), r, started.elapsed(), cmd)
        }
    });
    let mut out = Vec::new();
    for (name, from, n, r, elapsed, cmd) in join_all(runs).await {
        let (verdict, observed, output) = match r {
            Err(e) => (Verdict::Error, format!("could not run: {e}"), String::new()),
            Ok(o) if o.code.is_some_and(|c| c >= 2) => (
                Verdict::Error,
                format!("fping exited {:?}: {}", o.code, o.text().trim()),
                o.text(),
            ),
            Ok(o) => {
                let unreachable = probe::parse_mesh(&o.stdout, &o.stderr);
                let (v, t) = judge(
                    expect,
                    &Observed::Mesh {
                        pairs: n,
                        unreachable,
                    },
                );
                (v, t, format!("$ {cmd}\n{}", o.text()))
            }
        };
        out.push(CheckResult {
            name: format!("{}: from {name}", check.name),
            variant: ctx.variant.clone(),
            path: format!("{from} → {n} {app} pods"),
            expected: expect.to_string(),
            observed,
            verdict,
            elapsed,
            output,
            artifacts: vec![],
        });
    }
    out
}

/// Await all futures concurrently (on this task), keeping their order.
pub(crate) async fn join_all<F: std::future::Future>(
    futs: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    let mut set: Vec<std::pin::Pin<Box<F>>> = futs.into_iter().map(Box::pin).collect();
    let mut outs: Vec<Option<F::Output>> = (0..set.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in set.iter_mut().enumerate() {
            if outs[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => outs[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outs.into_iter().map(|o| o.expect("ready")).collect()
}

/// Compare what was observed with what is expected.
fn judge(expect: &Expect, obs: &Observed) -> (Verdict, String) {
    use Verdict::{Fail, Pass};
    let v = |ok: bool| if ok { Pass } else { Fail };
    match (expect, obs) {
        (_, Observed::Ping(PingResult::Broken { detail }))
        | (_, Observed::Http(HttpResult::Broken { detail })) => (Verdict::Error, detail.clone()),
        (Expect::Reachable { ttl }, Observed::Ping(PingResult::Reply { ttl: got })) => {
            let text = format!(
                "reachable, ttl {}",
                got.map_or("?".into(), |t| t.to_string())
            );
            (v(ttl.is_none() || ttl == got), text)
        }
        (Expect::Reachable { .. }, Observed::Ping(PingResult::NoReply { detail })) => {
            (Fail, format!("unreachable ({detail})"))
        }
        (Expect::Unreachable, Observed::Ping(PingResult::NoReply { detail })) => {
            (Pass, format!("unreachable ({detail})"))
        }
        (Expect::Unreachable, Observed::Ping(PingResult::Reply { ttl })) => (
            Fail,
            format!(
                "reachable, ttl {}",
                ttl.map_or("?".into(), |t| t.to_string())
            ),
        ),
        (Expect::Status(want), Observed::Http(HttpResult::Status(got))) => {
            (v(want == got), format!("HTTP {got}"))
        }
        (Expect::Reachable { .. }, Observed::Http(HttpResult::Status(got))) => {
            (Pass, format!("HTTP {got}"))
        }
        (Expect::Unreachable, Observed::Http(HttpResult::Timeout)) => {
            (Pass, "unreachable (no answer within 1s)".into())
        }
        (Expect::Unreachable, Observed::Http(HttpResult::Status(s))) => (Fail, format!("HTTP {s}")),
        (_, Observed::Http(HttpResult::Refused)) => (
            Fail,
            "connection refused (the pod answers, nothing listens)".into(),
        ),
        (_, Observed::Http(HttpResult::Timeout)) => (Fail, "no answer within 1s".into()),
        (
            Expect::Output {
                contains,
                not_contains,
                distinct,
            },
            Observed::Output(outs),
        ) => judge_output(contains, not_contains, distinct.as_deref(), outs),
        (
            Expect::Route { dev, via },
            Observed::Route {
                line,
                dev: got_dev,
                via: got_via,
            },
        ) => {
            if line.is_empty() {
                return (Fail, "no such route".into());
            }
            let ok = dev.as_ref().is_none_or(|d| Some(d) == got_dev.as_ref())
                && via.is_none_or(|w| Some(w) == *got_via);
            (v(ok), line.clone())
        }
        (Expect::Reachable { .. }, Observed::Mesh { pairs, unreachable }) => {
            let ok = unreachable.is_empty();
            let text = if ok {
                format!("{pairs}/{pairs} reachable")
            } else {
                format!(
                    "{} of {pairs} unreachable: {}",
                    unreachable.len(),
                    unreachable.join(" ")
                )
            };
            (v(ok), text)
        }
        (Expect::Unreachable, Observed::Mesh { pairs, unreachable }) => {
            let mut text = format!("{} of {pairs} unreachable", unreachable.len());
            if !unreachable.is_empty() {
                text = format!("{text}: {}", unreachable.join(" "));
            }
            (v(unreachable.len() == *pairs), text)
        }
        (Expect::Holds, Observed::Kube { holds, detail }) => (v(*holds), detail.clone()),
        (e, o) => (
            Verdict::Error,
            format!("expectation {e} does not apply to {o:?}"),
        ),
    }
}

fn judge_output(
    contains: &[String],
    not_contains: &[String],
    distinct: Option<&str>,
    outs: &[(String, Output)],
) -> (Verdict, String) {
    let mut problems = Vec::new();
    for (node, o) in outs {
        if !o.ok() {
            problems.push(format!(
                "{node}: exit {:?}: {}",
                o.code,
                o.text().lines().next().unwrap_or("")
            ));
            continue;
        }
        let text = o.text();
        for c in contains {
            if !text.contains(c.as_str()) {
                problems.push(format!("{node}: no {c:?}"));
            }
        }
        for c in not_contains {
            if text.contains(c.as_str()) {
                problems.push(format!("{node}: has {c:?}"));
            }
        }
    }
    let mut summary = Vec::new();
    if let Some(key) = distinct {
        let mut seen: Vec<(String, String)> = Vec::new();
        for (node, o) in outs {
            match probe::env_value(&o.stdout, key) {
                Some(v) => {
                    if let Some((other, _)) = seen.iter().find(|(_, x)| *x == v) {
                        problems.push(format!("{key}={v} on both {other} and {node}"));
                    }
                    seen.push((node.clone(), v));
                }
                None => problems.push(format!("{node}: no {key}")),
            }
        }
        summary = seen.iter().map(|(n, v)| format!("{n}: {v}")).collect();
    }
    if problems.is_empty() {
        let text = if summary.is_empty() {
            let first = outs
                .iter()
                .flat_map(|(_, o)| o.stdout.lines())
                .find(|l| contains.iter().any(|c| l.contains(c.as_str())));
            first.unwrap_or("as expected").trim().to_string()
        } else {
            summary.join(", ")
        };
        (Verdict::Pass, text)
    } else {
        (Verdict::Fail, problems.join("; "))
    }
}

fn kube_nodes_ready(json: &str, want: usize) -> (bool, String) {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(json) else {
        return (false, "kubectl did not print JSON".into());
    };
    let items = v["items"].as_array().cloned().unwrap_or_default();
    let ready: Vec<String> = items
        .iter()
        .filter(|n| {
            n["status"]["conditions"].as_array().is_some_and(|c| {
                c.iter()
                    .any(|c| c["type"] == "Ready" && c["status"] == "True")
            })
        })
        .filter_map(|n| n["metadata"]["name"].as_str().map(str::to_string))
        .collect();
    (
        ready.len() == want && items.len() == want,
        format!(
            "{}/{} nodes Ready ({})",
            ready.len(),
            want,
            ready.join(", ")
        ),
    )
}

fn kube_pods(json: &str, running: Option<u32>, distinct: bool) -> (bool, String) {
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

    fn out(code: i32, stdout: &str) -> Output {
        Output {
            code: Some(code),
            stdout: stdout.into(),
            stderr: String::new(),
        }
    }

    /// Each observation is judged as given against `e`.
    fn judged(e: &Expect, cases: &[(Observed, Verdict)]) {
        for (obs, want) in cases {
            assert_eq!(judge(e, obs).0, *want, "{e} against {obs:?}");
        }
    }

    #[test]
    fn unreachable_passes_only_on_no_reply() {
        judged(
            &Expect::Unreachable,
            &[
                (
                    Observed::Ping(PingResult::NoReply { detail: "x".into() }),
                    Verdict::Pass,
                ),
                (
                    Observed::Ping(PingResult::Reply { ttl: Some(63) }),
                    Verdict::Fail,
                ),
                (
                    Observed::Ping(PingResult::Broken { detail: "x".into() }),
                    Verdict::Error,
                ),
                (Observed::Http(HttpResult::Refused), Verdict::Fail),
                (Observed::Http(HttpResult::Timeout), Verdict::Pass),
            ],
        );
    }

    #[test]
    fn reachable_checks_ttl() {
        judged(
            &Expect::Reachable { ttl: Some(62) },
            &[
                (
                    Observed::Ping(PingResult::Reply { ttl: Some(62) }),
                    Verdict::Pass,
                ),
                (
                    Observed::Ping(PingResult::Reply { ttl: Some(63) }),
                    Verdict::Fail,
                ),
                (
                    Observed::Ping(PingResult::NoReply { detail: "x".into() }),
                    Verdict::Fail,
                ),
            ],
        );
    }

    #[test]
    fn distinct_and_contains() {
        let e = Expect::Output {
            contains: vec!["FLANNEL_NETWORK=10.244.0.0/16".into()],
            not_contains: vec![],
            distinct: Some("FLANNEL_SUBNET".into()),
        };
        let a = out(
            0,
            "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.0.1/24\n",
        );
        let b = out(
            0,
            "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\n",
        );
        assert_eq!(
            judge(
                &e,
                &Observed::Output(vec![("m".into(), a.clone()), ("n".into(), b)])
            )
            .0,
            Verdict::Pass
        );
        assert_eq!(
            judge(
                &e,
                &Observed::Output(vec![("m".into(), a.clone()), ("n".into(), a)])
            )
            .0,
            Verdict::Fail
        );
    }

    #[test]
    fn routes() {
        let e = Expect::Route {
            dev: Some("flannel.1".into()),
            via: None,
        };
        let ok = Observed::Route {
            line: "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink".into(),
            dev: Some("flannel.1".into()),
            via: None,
        };
        assert_eq!(judge(&e, &ok).0, Verdict::Pass);
        assert_eq!(
            judge(
                &e,
                &Observed::Route {
                    line: String::new(),
                    dev: None,
                    via: None
                }
            )
            .0,
            Verdict::Fail
        );
    }

    #[test]
    fn kubernetes_json() {
        let nodes = r#"{"items":[{"metadata":{"name":"master"},"status":{"conditions":[{"type":"Ready","status":"True"}]}},{"metadata":{"name":"node1"},"status":{"conditions":[{"type":"Ready","status":"False"}]}}]}"#;
        assert!(!kube_nodes_ready(nodes, 2).0);
        let pods = r#"{"items":[{"spec":{"nodeName":"node1"},"status":{"phase":"Running"}},{"spec":{"nodeName":"node1"},"status":{"phase":"Running"}}]}"#;
        assert!(kube_pods(pods, Some(2), false).0);
        assert!(!kube_pods(pods, Some(2), true).0);
    }
}
