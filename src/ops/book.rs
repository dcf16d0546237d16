//! `lab book`: replay the lab's chapter against it (see [`crate::book`]).
//! The chapter and its known-drift file are read before anything is made
//! (bad input is a refusal); then the lab is brought up (or used as it is,
//! if it is up), the chapter is replayed, and the lab is torn down unless
//! `--keep` or it was up before. A signal stops the replay; the teardown is
//! finished first, as in every operation ([`crate::signals`]).

use super::log_to_lab;
use super::up::{self, up_locked};
use crate::book::{self, BookReport};
use crate::error::{LabError, Result};
use crate::provider::Kind;
use crate::provider::vagrant::Vm;
use crate::report::Reporter;
use crate::signals::{self, interruptible};
use crate::spec::Lab;
use crate::state::{self, Lock, Phase, State};

/// What `lab book` was asked, resolved.
pub struct Settings {
    pub lab: Lab,
    /// `--provider`: for a lab that is not up, the provider to bring it up
    /// with (this host's default when None); for one that is up, it must be
    /// the one it runs on.
    pub provider: Option<Kind>,
    pub vm: Option<Vm>,
    /// The chapter, the known-drift file, `--bless`.
    pub book: book::Settings,
    /// Leave the lab up at the end (`--keep`).
    pub keep: bool,
}

/// A replay that ended: the verdicts, and the error of the teardown after
/// it, if it failed (the verdicts are shown all the same).
pub struct Booked {
    pub report: BookReport,
    pub error: Option<LabError>,
}

/// Replay the chapter. Refusals (a bad chapter or known-drift file, a busy
/// lab, another provider, the provider unavailable) come before anything
/// is made.
pub async fn book(s: Settings, rep: &Reporter) -> Result<Booked> {
    let prepared = book::prepare(&s.lab, &s.book)?;
    let name = s.lab.name.clone();
    let fresh = !state::lab_dir(&name).exists();
    let _lock = Lock::acquire(&name, "book")?;
    let loaded = match State::load(&name) {
        Ok(st) => st,
        Err(e) => {
            if fresh {
                let _ = std::fs::remove_dir_all(state::lab_dir(&name));
            }
            return Err(e);
        }
    };
    let was_up = loaded.is_some();
    let (mut st, lab, p) = match loaded {
        Some(st) => {
            if st.phase != Phase::Up {
                return Err(LabError::NeedsRepair(format!(
                    "lab '{name}' is not up as a whole ({}); `lab destroy {name}` removes it",
                    super::phase_text(&st)
                )));
            }
            if s.provider.is_some_and(|k| k != st.provider) {
                return Err(LabError::Usage(format!(
                    "lab '{name}' is up with provider {}; destroy it first to use another",
                    st.provider
                )));
            }
            log_to_lab(rep, &name);
            let r = super::Running::of(st)?;
            if let Some(w) = &r.drift {
                rep.info(format!("warning: {w}"));
            }
            (r.state, r.lab, r.provider)
        }
        None => {
            let variant = s.lab.default_variant.clone();
            let settings = up::Settings {
                lab: s.lab,
                provider: up::choose_provider(s.provider, s.vm)?,
                vm: s.vm,
                variant,
                // --keep: what was made stays, whatever happens.
                keep: s.keep,
            };
            let up = up_locked(settings, fresh, rep).await?;
            (up.state, up.lab, up.provider)
        }
    };
    // The replay's phase header (`lab test` has its own, from its run).
    rep.emit(crate::report::Event::PhaseStart {
        phase: crate::report::run::RunPhase::Book,
        variant: st.variant.clone(),
    });
    let replayed =
        interruptible(book::run(&s.book, prepared, &lab, &mut st, p.as_ref(), rep)).await;
    if let Some(sig) = signals::received() {
        rep.info(format!("{sig}: stopping"));
    }
    let torn = if s.keep || was_up {
        rep.info(format!(
            "lab {} stays up; `lab destroy {0}` removes it",
            lab.name
        ));
        Ok(())
    } else {
        let now = State::load(&lab.name).ok().flatten();
        p.destroy(&lab.name, now.as_ref(), rep).await
    };
    let report = match replayed {
        Ok(r) => r,
        Err(e) => {
            if let Err(t) = torn {
                rep.info(format!(
                    "the teardown failed too: {t}; run `lab destroy {}`",
                    lab.name
                ));
            }
            return Err(e);
        }
    };
    Ok(Booked {
        report,
        error: torn.err().map(|e| LabError::Teardown(Box::new(e))),
    })
}
