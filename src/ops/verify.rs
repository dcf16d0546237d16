//! `lab verify`: run the checks of a lab that is up, as it is, as one
//! recorded run ([`Ran`]). Diagnostics of failed checks go under the run's
//! artifacts root.

use super::run::{Run, is_refusal};
use super::{Need, Ran, running};
use crate::error::Result;
use crate::report::Reporter;
use crate::report::run::{RunCommand, RunPhase};
use crate::signals::interruptible;
use crate::verify;
use std::time::Instant;

/// What `lab verify` was asked.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The lab (a name or a path); None: the one lab that is up here.
    pub lab: Option<String>,
    /// Judge with this variant's expectations (default: the current one).
    pub variant: Option<String>,
    /// Only checks whose name contains this (case-insensitive).
    pub only: Option<String>,
}

/// Run the checks. A refusal (no such lab, not up, busy, half made, no
/// check matches) is an error and nothing is recorded; once checks start,
/// the run is recorded whatever happens.
pub async fn verify(s: &Settings, rep: &Reporter) -> Result<Ran> {
    let r = running(s.lab.clone(), Need::Up)?;
    let dir = crate::state::lab_dir(&r.lab.name);
    rep.log_to(&dir.join(crate::state::LOG_FILE));
    if let Some(w) = &r.drift {
        rep.info(format!("warning: {w}"));
    }
    let variant = s.variant.clone().unwrap_or_else(|| r.state.variant.clone());
    let run = Run::start(RunCommand::Verify, &r.lab.name, &dir, r.state.provider, rep);
    run.phase(RunPhase::Verify, &variant);
    let since = Instant::now();
    let checked = interruptible(verify::verify(
        &r.lab,
        &r.state,
        r.provider.as_ref(),
        &verify::Options {
            variant: s.variant.clone(),
            only: s.only.clone(),
            artifacts_root: run.root.clone(),
            shared: None,
        },
        &run.rep,
    ))
    .await;
    let origin = r
        .state
        .lab_file
        .parent()
        .unwrap_or(&r.state.lab_file)
        .to_path_buf();
    // The results reached the record as events.
    let errors = match checked {
        Ok(_) => {
            run.phase_end("checks", since, None);
            vec![]
        }
        Err(e) => {
            run.phase_end("checks", since, Some(&e));
            if is_refusal(&e) {
                run.finish(&r.lab, &origin, vec![]);
                return Err(e);
            }
            vec![e]
        }
    };
    Ok(run.finish(&r.lab, &origin, errors))
}
