//! The verify engine: runs a lab's checks through the provider's session
//! (see [`crate::session`]), concurrently with a bound and each with its own
//! deadline, judges through each check's probe (see [`crate::probe`]) what
//! it observed against what the current variant expects, and collects
//! diagnostics of every result that did not pass.
//!
//! Three outcomes are kept apart: the expectation held (pass), the network
//! said otherwise (fail), and the check could not ask (error: node not
//! reached or gone, pod missing, tool missing). "Unreachable" passes only on
//! a real no-reply. A check that could not ask is a check's `error`, never
//! an error of the command: `verify` fails only when it cannot start.

pub mod diagnostics;
pub mod kept;
pub mod stopped;

use crate::error::Result;
use crate::probe::Cx;
use crate::provider::shared::Shared;
use crate::provider::{Provider, StoppedNodes};
use crate::report::{CheckResult, Event, Reporter, Verdict};
use crate::spec::{Check, Lab};
use crate::state::State;
use futures::StreamExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How many checks run at once (and how many sources of one sweep).
pub use crate::probe::CONCURRENCY;
/// Deadline of one remote command of a check.
const DEADLINE: Duration = Duration::from_secs(20);

/// What `lab verify` was asked.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The variant whose expectations apply (the lab's current one if None).
    pub variant: Option<String>,
    /// Only checks whose name contains this (case-insensitive).
    pub only: Option<String>,
    /// The run's artifacts root (`ops::run::Run::root`):
    /// diagnostics go to `<root>/<variant>/`.
    pub artifacts_root: PathBuf,
    /// The run's session and round-trip time, when the run shares them
    /// (`lab test`); else verify opens its own and closes it.
    pub shared: Option<Shared>,
}

/// The session and round-trip time of a run: `shared`'s, or opened here
/// (the bool: opened here, so closed here).
async fn session_of(
    lab: &Lab,
    state: &State,
    provider: &dyn Provider,
    shared: Option<&Shared>,
    rep: &Reporter,
) -> Result<(Shared, bool)> {
    Ok(match shared {
        Some(s) => (s.clone(), false),
        None => (
            Shared::open(lab, state, provider, DEADLINE, rep).await?,
            true,
        ),
    })
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
    let only = opts.only.as_deref();
    let checks: Vec<&Check> = lab
        .checks
        .iter()
        .filter(|c| selected(only, &c.name))
        .collect();
    if checks.is_empty() && lab.skipped_checks.is_empty() {
        return Err(crate::error::LabError::Usage(match &opts.only {
            Some(p) => format!("no check of lab '{}' matches '{p}'", lab.name),
            None => format!("lab '{}' has no checks", lab.name),
        }));
    }
    let access = provider.access(lab, state, rep).await?;
    let (shared, own) = session_of(lab, state, provider, opts.shared.as_ref(), rep).await?;
    // The pod network that runs (the expectations may be another variant's).
    let running = lab
        .variant(&state.variant)
        .or_else(|_| lab.variant(&variant))?;
    let cx = Cx {
        lab,
        pods: &access.pods,
        session: shared.session.as_ref(),
        cni: running.cni.plugin(),
        cni_runs: provider.kind().capabilities().cni_runs,
        rtt: shared.rtt.clone(),
    };
    let artifacts = diagnostics::Artifacts::new(&opts.artifacts_root, &variant);
    // Nodes gone for good: the results that need them are errors saying
    // so (asked again after each check: the guard may stop one meanwhile).
    let stopped = || provider.stopped_nodes(lab, state);
    if let Some(s) = stopped() {
        rep.info(format!(
            "warning: {}; the checks that need it are errors",
            s.why
        ));
    }

    let total = checks.iter().map(|c| c.probe.results(&cx)).sum();
    rep.emit(Event::ChecksStart {
        variant: variant.clone(),
        total,
    });
    let (cx, artifacts, variant_ref) = (&cx, &artifacts, variant.as_str());
    let stopped = &stopped;
    // The futures made before they are awaited (no closure held across an
    // await): `verify` is then `Send` for every lifetime, so a caller may
    // await it inside a `Send` future (`lab test` checks a variant within
    // the chapter's switch to it).
    let each: Vec<_> = checks
        .into_iter()
        .enumerate()
        .map(|(i, check)| run_and_emit(cx, artifacts, check, variant_ref, stopped, rep, i))
        .collect();
    let mut all: Vec<(usize, Vec<CheckResult>)> = futures::stream::iter(each)
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    all.sort_by_key(|(i, _)| *i);
    let mut results: Vec<CheckResult> = all.into_iter().flat_map(|(_, r)| r).collect();
    // Checks that `--nodes` left without their nodes: skipped, with the reason.
    for s in lab
        .skipped_checks
        .iter()
        .filter(|s| selected(only, &s.name))
    {
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
        order: results.iter().map(|r| r.name.clone()).collect(),
    });

    // Diagnostics before anything is torn down.
    if results
        .iter()
        .any(|r| matches!(r.verdict, Verdict::Fail | Verdict::Error))
    {
        let extra = provider
            .collect_logs(lab, state, &artifacts.dir().join("provider"), rep)
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
            artifacts.dir().display()
        ));
        artifacts.bound_kept(rep);
    }
    if own {
        shared.close().await;
    }
    Ok(results)
}

/// Collect the chapter's troubleshooting evidence from every node (routes,
/// the CNI's state file and log, FDB, ...) into `<root>/<variant>-evidence/`
/// of the run's artifacts root; returns the files.
pub async fn collect_evidence(
    lab: &Lab,
    state: &State,
    provider: &dyn Provider,
    root: &std::path::Path,
    shared: Option<&Shared>,
    rep: &Reporter,
) -> Result<Vec<PathBuf>> {
    let access = provider.access(lab, state, rep).await?;
    let (shared, own) = session_of(lab, state, provider, shared, rep).await?;
    let cx = Cx {
        lab,
        pods: &access.pods,
        session: shared.session.as_ref(),
        cni: lab.variant(&state.variant)?.cni.plugin(),
        cni_runs: provider.kind().capabilities().cni_runs,
        rtt: shared.rtt.clone(),
    };
    let artifacts = diagnostics::Artifacts::new(root, &format!("{}-evidence", state.variant));
    let files = futures::future::join_all(lab.nodes.iter().map(|n| artifacts.node(&cx, &n.name)))
        .await
        .into_iter()
        .flatten()
        .collect();
    if own {
        shared.close().await;
    }
    Ok(files)
}

/// Whether `--only`'s pattern (if any) selects the check `name`.
fn selected(only: Option<&str>, name: &str) -> bool {
    only.is_none_or(|p| name.to_lowercase().contains(&p.to_lowercase()))
}

/// [`run_check`], its results emitted as they come; `i` its place.
async fn run_and_emit(
    cx: &Cx<'_>,
    artifacts: &diagnostics::Artifacts,
    check: &Check,
    variant: &str,
    stopped: &(dyn Fn() -> Option<StoppedNodes> + Sync),
    rep: &Reporter,
    i: usize,
) -> (usize, Vec<CheckResult>) {
    let results = run_check(cx, artifacts, check, variant, stopped).await;
    for r in &results {
        rep.emit(Event::CheckEnd(Box::new(r.clone())));
    }
    (i, results)
}

/// Run one check: its probe's results, each with diagnostics when it did
/// not pass; one that needs a node `stopped` names (as it ended) is an
/// error saying so.
async fn run_check(
    cx: &Cx<'_>,
    artifacts: &diagnostics::Artifacts,
    check: &Check,
    variant: &str,
    stopped: &(dyn Fn() -> Option<StoppedNodes> + Sync),
) -> Vec<CheckResult> {
    let expect = check.expect_for(variant);
    let result = |verdict, observed: String| CheckResult {
        name: check.name.clone(),
        variant: variant.to_string(),
        path: check.probe.label(),
        expected: expect.to_string(),
        observed,
        verdict,
        elapsed: Duration::ZERO,
        output: String::new(),
        artifacts: vec![],
    };
    if check.probe.needs_kubernetes()
        && let Err(why) = cx.session.kubernetes()
    {
        return vec![result(Verdict::Skip, why)];
    }
    let started = Instant::now();
    let mut judged = check.probe.check(cx, expect).await;
    let elapsed = started.elapsed();
    if let Some(s) = stopped() {
        judged = judged
            .into_iter()
            .map(|j| stopped::judged(cx.lab, cx.pods, j, &s))
            .collect();
    }
    let diagnose = judged
        .iter()
        .filter(|j| matches!(j.verdict, Verdict::Fail | Verdict::Error))
        .enumerate()
        .map(|(n, j)| async move {
            let capture = n < diagnostics::CAPTURES_PER_CHECK;
            let name = format!("{}{}", check.name, j.suffix);
            (
                j.suffix.clone(),
                artifacts.for_result(cx, &name, j, capture).await,
            )
        })
        // Made before they are awaited (see `verify`).
        .collect::<Vec<_>>();
    let files: Vec<(String, Vec<PathBuf>)> = futures::stream::iter(diagnose)
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    judged
        .into_iter()
        .map(|j| CheckResult {
            name: format!("{}{}", check.name, j.suffix),
            path: j.label,
            observed: j.observed,
            verdict: j.verdict,
            elapsed: j.elapsed.unwrap_or(elapsed),
            output: j.output,
            artifacts: files
                .iter()
                .find(|(s, _)| *s == j.suffix)
                .map(|(_, f)| f.clone())
                .unwrap_or_default(),
            ..result(j.verdict, String::new())
        })
        .collect()
}

#[cfg(test)]
mod tests;
