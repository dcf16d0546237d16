//! The run record's one source: a [`Sink`] of the event stream that keeps
//! every step, result, evidence file and the chapter's report of a run, so
//! that the operation that ran it keeps nothing beside the events.

use super::run::{RunPhase, StepRecord, seconds};
use super::{CheckResult, Event, Sink};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Builds a run's record from the event stream alone: the steps of each
/// phase with their durations, the variants in the order their checks ran,
/// every result (check order within a variant), the evidence per variant
/// and the chapter's report. Nothing reaches the record beside the events.
#[derive(Clone, Default)]
pub struct Recorder {
    inner: Arc<Mutex<Recorded>>,
}

/// What a [`Recorder`] has kept so far.
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    phase: Option<(RunPhase, String)>,
    pub steps: Vec<StepRecord>,
    pub variants: Vec<String>,
    /// In check order, variant after variant (absolute evidence paths).
    pub results: Vec<CheckResult>,
    /// Where the current run of checks began in `results`.
    segment: usize,
    pub evidence: BTreeMap<String, Vec<PathBuf>>,
    pub book: Option<super::book_section::BookReport>,
}

impl Recorder {
    pub fn new() -> Recorder {
        Recorder::default()
    }

    /// What was recorded so far.
    pub fn recorded(&self) -> Recorded {
        self.inner.lock().unwrap().clone()
    }

    /// The steps recorded so far.
    pub fn steps(&self) -> Vec<StepRecord> {
        self.inner.lock().unwrap().steps.clone()
    }

    /// The variants whose checks ran, in that order.
    pub fn variants(&self) -> Vec<String> {
        self.inner.lock().unwrap().variants.clone()
    }

    /// Whether a result recorded so far failed or could not run.
    pub fn failing(&self) -> bool {
        self.inner
            .lock()
            .unwrap()
            .results
            .iter()
            .any(|r| r.verdict.failing())
    }
}

impl Recorded {
    fn step(&mut self, name: &str, ok: bool, elapsed: Duration, error: Option<&String>) {
        let (phase, variant) = self.phase.clone().unwrap_or((RunPhase::Up, String::new()));
        self.steps.push(StepRecord {
            name: name.to_string(),
            phase,
            variant,
            ok,
            duration_s: seconds(elapsed),
            error: if ok { None } else { error.cloned() },
        });
    }
}

impl Sink for Recorder {
    fn event(&self, e: &Event) {
        let mut r = self.inner.lock().unwrap();
        match e {
            Event::PhaseStart { phase, variant } => r.phase = Some((*phase, variant.clone())),
            Event::StepEnd {
                step,
                ok,
                elapsed,
                detail,
            } => r.step(step, *ok, *elapsed, detail.as_ref()),
            Event::PhaseEnd {
                name,
                ok,
                elapsed,
                error,
            } => r.step(name, *ok, *elapsed, error.as_ref()),
            Event::ChecksStart { variant, .. } => {
                if !r.variants.contains(variant) {
                    r.variants.push(variant.clone());
                }
                r.segment = r.results.len();
            }
            Event::CheckEnd(c) => r.results.push((**c).clone()),
            Event::ChecksEnd { order, .. } => {
                // Results arrive as checks finish; the record keeps check order.
                let at = r.segment;
                let place = |name: &str| order.iter().position(|o| o == name).unwrap_or(usize::MAX);
                r.results[at..].sort_by_key(|c| place(&c.name));
                r.segment = r.results.len();
            }
            Event::Evidence { variant, files } => {
                r.evidence.insert(variant.clone(), files.clone());
            }
            Event::Book(b) => {
                r.segment = r.results.len();
                r.book = Some((**b).clone());
            }
            Event::RunStart { .. }
            | Event::RunEnd { .. }
            | Event::StepStart { .. }
            | Event::Info(_)
            | Event::BookBlock { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Reporter;

    #[test]
    fn the_recorder_puts_each_step_in_its_phase_and_keeps_the_variants_in_order() {
        let recorder = Recorder::new();
        let rep = Reporter::quiet().with_sink(Arc::new(recorder.clone()));
        let step = |name: &str, ok: bool| Event::StepEnd {
            step: name.into(),
            ok,
            elapsed: Duration::from_millis(1500),
            detail: (!ok).then(|| "it broke".to_string()),
        };
        rep.emit(Event::PhaseStart {
            phase: RunPhase::Up,
            variant: "broken".into(),
        });
        rep.emit(step("namespaces", true));
        for v in ["broken", "fixed", "broken"] {
            rep.emit(Event::ChecksStart {
                variant: v.into(),
                total: 1,
            });
        }
        rep.emit(Event::PhaseStart {
            phase: RunPhase::Destroy,
            variant: "fixed".into(),
        });
        rep.emit(step("delete namespaces", false));
        let steps = recorder.steps();
        assert_eq!(steps.len(), 2);
        assert_eq!(
            (
                steps[0].phase,
                steps[0].variant.as_str(),
                steps[0].ok,
                steps[0].duration_s
            ),
            (RunPhase::Up, "broken", true, 1.5)
        );
        assert_eq!(
            (steps[1].phase, steps[1].error.as_deref()),
            (RunPhase::Destroy, Some("it broke"))
        );
        assert_eq!(recorder.variants(), ["broken", "fixed"]);
    }
}
