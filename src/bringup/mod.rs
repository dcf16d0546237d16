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
        let cpu_before = cpu_seconds();
        let result = planned.step.run(ctx).await;
        let elapsed = started.elapsed();
        // On a shared machine the wall time says little: the CPU a step
        // used (lab's threads and the programs it waited for) is its cost.
        rep.log(&format!(
            "step {}: {:.2} s wall, {:.2} s CPU",
            planned.title,
            elapsed.as_secs_f64(),
            cpu_seconds() - cpu_before
        ));
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

/// User and system time of this process (all threads) and of the children
/// it has waited for, in seconds.
fn cpu_seconds() -> f64 {
    [libc::RUSAGE_SELF, libc::RUSAGE_CHILDREN]
        .into_iter()
        .map(|who| {
            // SAFETY: getrusage fills the struct it is given.
            let mut u: libc::rusage = unsafe { std::mem::zeroed() };
            // SAFETY: `u` is a valid rusage for the call to write.
            if unsafe { libc::getrusage(who, &mut u) } != 0 {
                return 0.0;
            }
            let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 / 1e6;
            t(u.ru_utime) + t(u.ru_stime)
        })
        .sum()
}
