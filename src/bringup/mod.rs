//! Bring-up as a list of small steps, as kind does it: each step is one file
//! behind a one-method trait, sharing a context; the list is built from the
//! lab definition as data, and each step reports `Start` and `End(ok)`.

use crate::error::{LabError, Result};
use crate::report::{Event, Reporter};
use async_trait::async_trait;
use std::time::Instant;

/// One step of a bring-up (or teardown) over a provider's context `C`.
#[async_trait]
pub trait Step<C: Send>: Send + Sync {
    async fn run(&self, ctx: &mut C) -> Result<()>;
}

/// A boxed step is a step (plans handed from one room to another).
#[async_trait]
impl<C: Send, S: Step<C> + ?Sized> Step<C> for Box<S> {
    async fn run(&self, ctx: &mut C) -> Result<()> {
        (**self).run(ctx).await
    }
}

/// A step with the title shown while it runs.
pub struct Planned<C> {
    pub title: String,
    pub step: Box<dyn Step<C>>,
}

impl<C: Send> Planned<C> {
    pub fn new(title: impl Into<String>, step: impl Step<C> + 'static) -> Self {
        Planned {
            title: title.into(),
            step: Box::new(step),
        }
    }
}

/// Run steps in order, stopping at the first failure, which is returned as a
/// [`LabError::Step`] naming the step (unless it is already one).
pub async fn run<C: Send>(steps: Vec<Planned<C>>, ctx: &mut C, rep: &Reporter) -> Result<()> {
    for planned in steps {
        rep.emit(Event::StepStart {
            step: planned.title.clone(),
        });
        let started = Instant::now();
        let result = planned.step.run(ctx).await;
        let elapsed = started.elapsed();
        match result {
            Ok(()) => rep.emit(Event::StepEnd {
                step: planned.title,
                ok: true,
                elapsed,
                detail: None,
            }),
            Err(e) => {
                rep.emit(Event::StepEnd {
                    step: planned.title.clone(),
                    ok: false,
                    elapsed,
                    detail: Some(e.to_string()),
                });
                return Err(match e {
                    e @ (LabError::Step { .. }
                    | LabError::Interrupted
                    | LabError::Invalid(_)
                    | LabError::Unavailable { .. }) => e,
                    other => LabError::Step {
                        step: planned.title,
                        message: other.to_string(),
                    },
                });
            }
        }
    }
    Ok(())
}
