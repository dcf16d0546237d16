//! `lab test`: the chapter's story as one recorded run. Up with the default
//! variant, verify, collect the troubleshooting evidence, then every other
//! variant in `lab.yaml` order (apply, verify); when the lab has a chapter
//! (`book:`), replay it as its own phase (it switches variants itself, from
//! the default one on, as the chapter does, and ends in the variant the
//! chapter ends in); and tear down (always, unless `--keep`). Once the bring-up has started the run is recorded
//! whatever happens: a failed step, a signal or a failed teardown is the
//! run's outcome and error, and the results of the checks that ran are kept.

use super::Ran;
use super::held::Held;
use super::run::{Run, is_refusal};
use super::up::{self, up_locked};
use crate::book;
use crate::error::{LabError, Result};
use crate::provider::Kind;
use crate::provider::shared::Shared;
use crate::provider::vagrant::Vm;
use crate::report::run::{RunCommand, RunPhase};
use crate::report::{Event, Reporter};
use crate::signals::{self, interruptible};
use crate::spec::Lab;
use crate::verify;
use std::time::Instant;

/// The deadline of one command of the run's shared session.
const SHARED_DEADLINE: std::time::Duration = std::time::Duration::from_secs(20);

/// What `lab test` was asked, resolved.
pub struct Settings {
    pub lab: Lab,
    pub provider: Kind,
    pub vm: Option<Vm>,
    /// Leave what was made, whatever happens (`--keep`).
    pub keep: bool,
    /// Leave the lab up when the run fails (`--keep-on-failure`).
    pub keep_on_failure: bool,
    /// Run the chapter's kubectl lines through every kubectl minor found
    /// (`--kubectl-matrix`): one result per minor.
    pub kubectl_matrix: bool,
}

/// Run the story. A refusal before anything is made (busy, already up,
/// provider unavailable) is an error and nothing is recorded.
pub async fn test(s: Settings, rep: &Reporter) -> Result<Ran> {
    let name = s.lab.name.clone();
    // A chapter that cannot be read is refused before anything is made.
    let book_settings = book::Settings {
        kubectl_matrix: s.kubectl_matrix,
        ..book::Settings::default()
    };
    let mut chapter = match &s.lab.book {
        Some(_) => Some(book::prepare(&s.lab, &book_settings)?),
        None => None,
    };
    let held = Held::acquire(&name, "test")?;
    held.log_to(rep);
    let run = Run::start(RunCommand::Test, &name, &held.dir, s.provider, rep);
    let lab = s.lab.clone();
    let origin = lab.dir.clone();
    let variant = lab.default_variant.clone();
    let settings = up::Settings {
        lab: s.lab,
        provider: s.provider,
        vm: s.vm,
        variant: variant.clone(),
        keep: s.keep || s.keep_on_failure,
    };
    let up = match up_locked(settings, &held, &run.rep).await {
        Ok(up) => up,
        Err(e) if is_refusal(&e) => {
            run.finish(&lab, &origin, vec![]);
            return Err(e);
        }
        // What the bring-up made was torn down (phase `destroy` of the record).
        Err(e) => return Ok(run.finish(&lab, &origin, vec![e])),
    };
    let (mut st, lab, p) = (up.state, up.lab, up.provider);
    let rep = &run.rep;
    // One session (one set-up per node) and one round-trip time for the
    // whole story: every variant's checks, the evidence and the chapter.
    let shared: std::sync::OnceLock<Shared> = std::sync::OnceLock::new();
    let story = async {
        let sharing = Shared::open(&lab, &st, p.as_ref(), SHARED_DEADLINE, rep).await?;
        let sharing = shared.get_or_init(|| sharing);
        let opts = verify::Options {
            artifacts_root: run.root.clone(),
            shared: Some(sharing.clone()),
            ..Default::default()
        };
        // The default variant first (then its evidence), then each other
        // variant in `lab.yaml` order, switched to.
        let mut order = vec![lab.default_variant.clone()];
        order.extend(
            lab.variants
                .iter()
                .map(|v| v.name.clone())
                .filter(|v| *v != lab.default_variant),
        );
        for (i, v) in order.iter().enumerate() {
            if i > 0 {
                run.phase(RunPhase::Apply, v);
                p.apply(&lab, &mut st, v, rep).await?;
            }
            run.phase(RunPhase::Verify, v);
            let since = Instant::now();
            let r = verify::verify(&lab, &st, p.as_ref(), &opts, rep).await;
            run.phase_end("checks", since, r.as_ref().err());
            r?;
            if i == 0 {
                run.phase(RunPhase::Evidence, v);
                let since = Instant::now();
                let files =
                    verify::collect_evidence(&lab, &st, p.as_ref(), &run.root, Some(sharing), rep)
                        .await;
                run.phase_end("troubleshooting evidence", since, files.as_ref().err());
                rep.emit(Event::Evidence {
                    variant: v.clone(),
                    files: files?,
                });
                rep.info(format!(
                    "troubleshooting evidence ({v}) in {}",
                    run.root.join(format!("{v}-evidence")).display()
                ));
            }
        }
        // The chapter, block by block, in the state it expects: it applies
        // the variants' network files itself.
        if let Some(prepared) = chapter.take() {
            let from = st.variant.clone();
            run.phase(RunPhase::Book, &from);
            let since = Instant::now();
            let r = book::run_sharing(
                &book_settings,
                prepared,
                &lab,
                &mut st,
                p.as_ref(),
                Some(sharing),
                rep,
            )
            .await;
            run.phase_end(book::report::BOOK_VARIANT, since, r.as_ref().err());
            let r = r?;
            let stale = book::report::stale_text(&r);
            if !stale.is_empty() {
                rep.info(stale.trim_end().to_string());
            }
            if let Some(m) = &r.kubectl_matrix {
                rep.info(format!("kubectl matrix: {}", m.summary()));
            }
            let checks = book::report::as_checks(&r);
            rep.emit(Event::Book(Box::new(r)));
            for c in checks {
                rep.emit(Event::CheckEnd(Box::new(c)));
            }
        }
        Ok::<(), LabError>(())
    };
    let mut errors: Vec<LabError> = interruptible(story).await.err().into_iter().collect();
    if let Some(s) = shared.get() {
        s.close().await;
    }
    if let Some(sig) = signals::received() {
        rep.info(format!("{sig}: stopping"));
    }
    let failed = !errors.is_empty() || run.failing();
    if s.keep || (s.keep_on_failure && failed) {
        rep.info(format!(
            "{}: lab {} stays up; `lab destroy {1}` removes it",
            if s.keep {
                "--keep"
            } else {
                "--keep-on-failure"
            },
            lab.name
        ));
    } else {
        // The teardown runs whatever happened, and its failure is the run's
        // too: the results above are kept and reported all the same.
        run.phase(RunPhase::Destroy, &st.variant);
        if let Err(e) = held.teardown(p.as_ref(), rep).await {
            errors.push(LabError::Teardown(Box::new(e)));
        }
    }
    // A signal that came during the teardown: it was finished first, and
    // the run was still interrupted (exit 130, not 0).
    if signals::received().is_some() && !errors.iter().any(|e| matches!(e, LabError::Interrupted)) {
        errors.push(LabError::Interrupted);
    }
    Ok(run.finish(&lab, &origin, errors))
}
