//! The history as stored: nights, runs (a lab on a provider, one night),
//! their results and steps, and how each ended. A result's verdict is the
//! run record's own [`Verdict`]; a run keeps its record whole
//! ([`RunData::record`]).

use std::collections::BTreeMap;

/// The verdict of one result, across checks and book blocks: the run
/// record's own.
pub use crate::report::Verdict;

/// Whether a result is a check of `lab test` or a block of `lab book`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResultKind {
    Check,
    Block,
}

impl ResultKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ResultKind::Check => "check",
            ResultKind::Block => "block",
        }
    }
    pub(super) fn parse(s: &str) -> ResultKind {
        if s == "block" {
            ResultKind::Block
        } else {
            ResultKind::Check
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunStatus {
    /// Still running, or its writer died (then shown as interrupted).
    Running,
    /// Every check held.
    Passed,
    /// A check did not hold.
    Failed,
    /// The run itself failed (bring-up, teardown, no report).
    Error,
    /// Stopped by a signal, or its writer was killed.
    Interrupted,
    /// The provider cannot run here; `reason` says why.
    NotRun,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Passed => "passed",
            RunStatus::Failed => "failed",
            RunStatus::Error => "error",
            RunStatus::Interrupted => "interrupted",
            RunStatus::NotRun => "not_run",
        }
    }
    pub(super) fn parse(s: &str) -> RunStatus {
        match s {
            "running" => RunStatus::Running,
            "passed" => RunStatus::Passed,
            "failed" => RunStatus::Failed,
            "error" => RunStatus::Error,
            "interrupted" => RunStatus::Interrupted,
            _ => RunStatus::NotRun,
        }
    }
    /// The run reached its checks and reported them (passed or failed).
    pub fn completed(self) -> bool {
        matches!(self, RunStatus::Passed | RunStatus::Failed)
    }
}

/// How a night ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NightStatus {
    Running,
    Complete,
    /// Its writer died (`kill -9`, a crash): some runs may be missing.
    Incomplete,
    /// Stopped by Ctrl-C or a signal.
    Interrupted,
}

impl NightStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            NightStatus::Running => "running",
            NightStatus::Complete => "complete",
            NightStatus::Incomplete => "incomplete",
            NightStatus::Interrupted => "interrupted",
        }
    }
    pub(super) fn parse(s: &str) -> NightStatus {
        match s {
            "running" => NightStatus::Running,
            "complete" => NightStatus::Complete,
            "interrupted" => NightStatus::Interrupted,
            _ => NightStatus::Incomplete,
        }
    }
}

/// One check or book-block result.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultRow {
    pub kind: ResultKind,
    /// The variant of a check; empty for a book block.
    pub variant: String,
    pub name: String,
    pub verdict: Verdict,
    /// The book's own word (`known_drift`, `not_understood`...), if any.
    pub detail: Option<String>,
    pub path: Option<String>,
    pub expected: Option<String>,
    pub observed: Option<String>,
    pub duration_s: Option<f64>,
}

/// One bring-up, switch or teardown step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRow {
    pub name: String,
    /// `up`, `apply` or `destroy`.
    pub phase: String,
    pub variant: String,
    pub ok: bool,
    pub duration_s: f64,
}

/// Everything one run (a lab on a provider, one night) produced.
#[derive(Debug, Clone, PartialEq)]
pub struct RunData {
    pub status: RunStatus,
    /// Why it was not run, or the run-level error.
    pub reason: Option<String>,
    /// The run's own id (the run record's `run_id`), if it has one.
    pub run_id: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub duration_s: Option<f64>,
    pub host: Option<String>,
    pub kernel: Option<String>,
    /// What the results depend on: `file:lab.yaml`, `cni_image`,
    /// `kubernetes`, `kernel`, `git_commit`... (see [`ingest`]).
    pub inputs: BTreeMap<String, String>,
    pub steps: Vec<StepRow>,
    pub results: Vec<ResultRow>,
    /// The run's own record, as `lab test` wrote it (stored whole, read back
    /// as the same type); None for a run that wrote none (not run, killed)
    /// and for runs stored before schema version 2.
    pub record: Option<Box<crate::report::run::RunReport>>,
}

impl RunData {
    /// A run that did not happen, with why.
    pub fn not_run(reason: impl Into<String>) -> RunData {
        RunData {
            status: RunStatus::NotRun,
            reason: Some(reason.into()),
            ..RunData::empty(RunStatus::NotRun)
        }
    }

    pub fn empty(status: RunStatus) -> RunData {
        RunData {
            status,
            reason: None,
            run_id: None,
            started_at: None,
            finished_at: None,
            duration_s: None,
            host: None,
            kernel: None,
            inputs: BTreeMap::new(),
            steps: Vec::new(),
            results: Vec::new(),
            record: None,
        }
    }
}

/// A run as stored, with where it belongs.
#[derive(Debug, Clone)]
pub struct Run {
    pub lab: String,
    pub provider: String,
    pub data: RunData,
}

/// A night as stored, with its runs.
#[derive(Debug, Clone)]
pub struct Night {
    pub name: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub status: NightStatus,
    pub host: Option<String>,
    pub runs: Vec<Run>,
}

/// The whole history, nights oldest first.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub nights: Vec<Night>,
}

#[cfg(test)]
impl Night {
    /// A complete night with one run, chapter4 on netns: the shape most
    /// tests of the nightly's analysis need.
    pub(crate) fn chapter4_netns(name: &str, started_at: &str, data: RunData) -> Night {
        Night {
            name: name.into(),
            started_at: started_at.into(),
            finished_at: None,
            status: NightStatus::Complete,
            host: None,
            runs: vec![Run {
                lab: "chapter4".into(),
                provider: "netns".into(),
                data,
            }],
        }
    }
}

#[cfg(test)]
impl RunData {
    /// A run of `status` with one check, `node reaches pod` of the broken
    /// variant, of `verdict`: the run most tests of the history need.
    pub(crate) fn one_check(status: RunStatus, verdict: Verdict) -> RunData {
        let mut d = RunData::empty(status);
        d.results.push(ResultRow {
            kind: ResultKind::Check,
            variant: "broken".into(),
            name: "node reaches pod".into(),
            verdict,
            detail: None,
            path: None,
            expected: None,
            observed: None,
            duration_s: None,
        });
        d
    }
}
