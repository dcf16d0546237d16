//! `lab book`: replay the lab's chapter against it (see [`crate::book`]).
//! The chapter and its known-drift file are read before anything is made
//! (bad input is a refusal); then the lab is brought up (or used as it is,
//! if it is up), the chapter is replayed, and the lab is torn down unless
//! `--keep` or it was up before. A signal stops the replay; the teardown is
//! finished first, as in every operation ([`crate::signals`]).

use super::held::Held;
use super::up::{self, up_locked};
use crate::book::{self, BookReport};
use crate::error::{LabError, Result};
use crate::provider::Kind;
use crate::provider::vagrant::Vm;
use crate::report::Reporter;
use crate::signals::{self, interruptible};
use crate::spec::Lab;
use crate::state::State;

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
    /// `--suggest`: the chapter's rewrite after the replay.
    pub suggest: Option<book::suggest::Options>,
}

/// A replay that ended: the verdicts, and the error of the teardown after
/// it, if it failed (the verdicts are shown all the same).
pub struct Booked {
    pub report: BookReport,
    pub error: Option<LabError>,
    /// With `--suggest`, the chapter's rewrite.
    pub suggestion: Option<book::suggest::Suggestion>,
}

/// The lab brought up, or used as it is up: what a replay needs, and
/// whether it was up before (then it stays up).
struct Ready {
    held: Held,
    state: State,
    lab: Lab,
    provider: Box<dyn crate::provider::Provider>,
    was_up: bool,
}

/// Lock the lab, and bring it up unless it is up. Refusals (a busy lab,
/// another provider, the provider unavailable) come before anything is made.
async fn ready(s: &Settings, rep: &Reporter) -> Result<Ready> {
    let name = s.lab.name.clone();
    let held = Held::acquire(&name, "book")?;
    let loaded = State::load(&name).inspect_err(|_| held.refused())?;
    let was_up = loaded.is_some();
    let (st, lab, p) = match loaded {
        Some(st) => {
            if let Some(e) = super::not_whole(&st) {
                return Err(e);
            }
            if s.provider.is_some_and(|k| k != st.provider) {
                return Err(LabError::Usage(format!(
                    "lab '{name}' is up with provider {}; destroy it first to use another",
                    st.provider
                )));
            }
            let r = super::Running::of(st)?;
            held.log_to(rep);
            // The chapter is read now, the lab is the one brought up: the
            // warning says which of each.
            let chapter = s.book.chapter.as_ref().or(s.lab.book.as_ref());
            if let Some(w) = chapter.and_then(|c| super::book_changed::warning(&r.state, c)) {
                rep.info(format!("warning: {w}"));
            } else if let Some(w) = &r.drift {
                rep.info(format!("warning: {w}"));
            }
            (r.state, r.lab, r.provider)
        }
        None => {
            let settings = up::Settings {
                lab: s.lab.clone(),
                provider: up::choose_provider(s.provider, s.vm)?,
                vm: s.vm,
                variant: s.lab.default_variant.clone(),
                // --keep: what was made stays, whatever happens.
                keep: s.keep,
            };
            let up = up_locked(settings, &held, rep).await?;
            (up.state, up.lab, up.provider)
        }
    };
    Ok(Ready {
        held,
        state: st,
        lab,
        provider: p,
        was_up,
    })
}

/// Tear the lab down at the end, unless `--keep` or it was up before.
async fn finish(s: &Settings, r: &Ready, rep: &Reporter) -> Result<()> {
    if s.keep || r.was_up {
        rep.info(format!(
            "lab {} stays up; `lab destroy {0}` removes it",
            r.lab.name
        ));
        Ok(())
    } else {
        r.held.teardown(r.provider.as_ref(), rep).await
    }
}

/// `lab book --watch`: the lab brought up (or used), the chapter replayed,
/// then replayed again as it, its known drift and the lab's files are saved
/// ([`book::watch`]), until a signal; then the lab is torn down unless
/// `--keep` or it was up before. Ends as interrupted (exit 130).
pub async fn watch(s: Settings, rep: &Reporter, sink: &book::watch::Sink<'_>) -> Result<()> {
    let prepared = book::prepare(&s.lab, &s.book)?;
    let mut r = ready(&s, rep).await?;
    let watched = interruptible(book::watch::watch(
        r.lab.clone(),
        &mut r.state,
        r.provider.as_ref(),
        prepared.chapter,
        prepared.known_path,
        prepared.known,
        &prepared.homes,
        rep,
        sink,
    ))
    .await;
    if let Some(sig) = signals::received() {
        rep.info(format!("{sig}: stopping"));
    }
    let torn = finish(&s, &r, rep).await;
    match watched {
        Ok(()) | Err(LabError::Interrupted) => {}
        Err(e) => return Err(e),
    }
    torn.map_err(|e| LabError::Teardown(Box::new(e)))?;
    Err(LabError::Interrupted)
}

/// Replay the chapter. Refusals (a bad chapter or known-drift file, a busy
/// lab, another provider, the provider unavailable) come before anything
/// is made.
pub async fn book(s: Settings, rep: &Reporter) -> Result<Booked> {
    let prepared = book::prepare(&s.lab, &s.book)?;
    let chapter = s.suggest.map(|_| prepared.chapter.clone());
    let mut r = ready(&s, rep).await?;
    let (lab, p) = (r.lab.clone(), r.provider.as_ref());
    let st = &mut r.state;
    // The replay's phase header (`lab test` has its own, from its run).
    rep.emit(crate::report::Event::PhaseStart {
        phase: crate::report::run::RunPhase::Book,
        variant: st.variant.clone(),
    });
    let replayed = interruptible(book::run(&s.book, prepared, &lab, st, p, rep)).await;
    if let Some(sig) = signals::received() {
        rep.info(format!("{sig}: stopping"));
    }
    let torn = finish(&s, &r, rep).await;
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
    // Stopped by a signal: no suggestion is made (nor written), and one
    // being made stops at its next wait (probe21cc: minutes after Ctrl-C).
    let suggestion = match (s.suggest, chapter) {
        (Some(o), Some(c)) if signals::received().is_none() => {
            interruptible(async { Ok(suggest(&report, &c, &lab, &o).await) })
                .await
                .ok()
        }
        _ => None,
    };
    // A signal during the teardown: finished first, still interrupted.
    let error = match torn {
        Err(e) => Some(LabError::Teardown(Box::new(e))),
        Ok(()) => signals::received().map(|_| LabError::Interrupted),
    };
    Ok(Booked {
        report,
        error,
        suggestion,
    })
}

/// The chapter's rewrite after `report`, refusals judged by the kubectl of
/// the lab's minor (offline).
pub async fn suggest(
    report: &BookReport,
    chapter: &book::parse::Chapter,
    lab: &Lab,
    o: &book::suggest::Options,
) -> book::suggest::Suggestion {
    /// No kubectl to ask: no refused line is rewritten.
    struct Nobody(String);
    #[async_trait::async_trait]
    impl book::suggest::Judge for Nobody {
        async fn accepts(&self, _: &[String]) -> std::result::Result<bool, String> {
            Err(self.0.clone())
        }
    }
    let header = book::suggest::header_path(&chapter.path);
    match book::suggest::KubectlJudge::new(lab) {
        Ok(j) => book::suggest::suggest(report, chapter, lab, &j, o, &header).await,
        Err(e) => book::suggest::suggest(report, chapter, lab, &Nobody(e), o, &header).await,
    }
}
