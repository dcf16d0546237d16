//! One recorded run (`lab test`, `lab verify`): its id and artifacts root,
//! its frame on the event stream (run start, phases, run end), and the
//! [`RunReport`] it ends as, whatever happened after it started.

use crate::error::LabError;
use crate::provider::Kind;
use crate::report::run::{
    self, HostInfo, Inputs, LabInfo, Recorder, RunCommand, RunPhase, RunReport, Summary,
};
use crate::report::{CheckResult, Event, Reporter};
use crate::spec::Lab;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

/// A run that ended: its record, and the error that made the run itself
/// fail (bring-up, switch, evidence, teardown, a signal), if one did. Failed
/// checks are in the record, not an error.
pub struct Ran {
    pub report: RunReport,
    pub error: Option<LabError>,
}

impl Ran {
    /// The run as a result: its error, else `ChecksFailed` when a check did
    /// not hold, else Ok.
    pub fn result(&self) -> Option<LabError> {
        let t = self.report.tally();
        if !t.ok() {
            return Some(LabError::ChecksFailed {
                failed: t.failed + t.errored,
                total: self.report.results.len(),
            });
        }
        None
    }
}

/// Whether an error is a refusal: nothing was run or made (exit 2, 4, 5,
/// 6), so there is no run to report.
pub(crate) fn is_refusal(e: &LabError) -> bool {
    matches!(e.exit_code(), 2 | 4 | 5 | 6)
}

/// A run in progress.
pub(crate) struct Run {
    pub id: String,
    command: RunCommand,
    lab: String,
    provider: Kind,
    started_at: SystemTime,
    started: Instant,
    /// Every file of the run goes under it.
    pub root: PathBuf,
    recorder: Recorder,
    /// The caller's reporter with the recorder: every event of the run goes
    /// through it.
    pub rep: Reporter,
}

impl Run {
    /// Start a run of `lab` (its folder `dir`) on `provider`: a new id, its
    /// artifacts root (`<dir>/artifacts/<id>/`, made when something is
    /// written), the run-start event.
    pub fn start(
        command: RunCommand,
        lab: &str,
        dir: &std::path::Path,
        provider: Kind,
        rep: &Reporter,
    ) -> Run {
        let started_at = SystemTime::now();
        let id = run::new_run_id(lab, &provider.to_string(), started_at);
        let root = dir.join("artifacts").join(&id);
        let recorder = Recorder::new();
        let rep = rep.with_sink(Arc::new(recorder.clone()));
        rep.emit(Event::RunStart {
            run_id: id.clone(),
            command,
            lab: lab.to_string(),
            artifacts_root: root.clone(),
        });
        Run {
            id,
            command,
            lab: lab.to_string(),
            provider,
            started_at,
            started: Instant::now(),
            root,
            recorder,
            rep,
        }
    }

    /// Whether a check or block of this run failed or could not run.
    pub fn failing(&self) -> bool {
        self.recorder.failing()
    }

    /// A phase of the run begins; the steps that follow belong to it.
    pub fn phase(&self, phase: RunPhase, variant: &str) {
        self.rep.emit(Event::PhaseStart {
            phase,
            variant: variant.to_string(),
        });
    }

    /// The work of the current phase ended (a variant's checks, the
    /// evidence, the chapter): a step of the record, as an event.
    pub fn phase_end(&self, name: &str, since: Instant, error: Option<&LabError>) {
        self.rep.emit(Event::PhaseEnd {
            name: name.to_string(),
            ok: error.is_none(),
            elapsed: since.elapsed(),
            error: error.map(|e| e.to_string()),
        });
    }

    /// End the run: its record from what the event stream said (evidence
    /// paths made relative to the artifacts root) and `errors` (all that
    /// went wrong, the first deciding the outcome and the exit code). Emits
    /// the run-end event. `origin` is the folder the lab was brought up
    /// from (for its git commit).
    pub fn finish(self, lab: &Lab, origin: &Path, mut errors: Vec<LabError>) -> Ran {
        let recorded = self.recorder.recorded();
        let results: Vec<CheckResult> = recorded
            .results
            .into_iter()
            .map(|mut r| {
                r.artifacts = r
                    .artifacts
                    .iter()
                    .map(|a| run::relative(a, &self.root))
                    .collect();
                r
            })
            .collect();
        let evidence = recorded
            .evidence
            .into_iter()
            .map(|(v, files)| {
                let files = files.iter().map(|f| run::relative(f, &self.root)).collect();
                (v, files)
            })
            .collect();
        let error = if errors.is_empty() {
            None
        } else {
            Some(errors.remove(0))
        };
        let message = error.as_ref().map(|first| {
            let mut m = first.to_string();
            for e in &errors {
                m.push_str(&format!("; then: {e}"));
            }
            m
        });
        let outcome = run::outcome_of(error.as_ref(), &results);
        let elapsed = self.started.elapsed();
        self.rep.emit(Event::RunEnd {
            run_id: self.id.clone(),
            outcome,
            elapsed,
        });
        debug_assert_eq!(lab.name, self.lab);
        let report = RunReport {
            schema_version: run::SCHEMA_VERSION,
            kind: run::KIND.to_string(),
            run_id: self.id,
            command: self.command,
            lab: LabInfo {
                name: lab.name.clone(),
                title: lab.title.clone(),
                version: None,
            },
            provider: self.provider.to_string(),
            host: HostInfo::here(),
            inputs: Inputs::of(lab, origin, self.provider.capabilities().boots_box),
            started_at: run::rfc3339(self.started_at),
            finished_at: run::rfc3339(SystemTime::now()),
            duration_s: run::seconds(elapsed),
            artifacts_root: self.root,
            steps: recorded.steps,
            variants: recorded.variants,
            summary: Summary::of(&results),
            results,
            evidence,
            outcome,
            error: message,
            book: recorded.book,
        };
        Ran { report, error }
    }
}
