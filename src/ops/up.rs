//! `lab up`: bring a lab up with one variant. The same for every provider:
//! what a failed or interrupted bring-up made is torn down, unless kept for
//! debugging (`--keep`); a refusal (the lab is already up, the provider
//! cannot run here) leaves nothing behind, not even the state folder the
//! lock made.

use super::held::Held;
use crate::error::{LabError, Result};
use crate::provider::vagrant::Vm;
use crate::provider::{self, Kind, Provider};
use crate::report::run::RunPhase;
use crate::report::{Event, Reporter};
use crate::signals::{self, interruptible};
use crate::spec::Lab;
use crate::state::{self, State};

/// What `lab up` was asked, resolved.
pub struct Settings {
    pub lab: Lab,
    /// The provider (`--provider`, else this host's default).
    pub provider: Kind,
    /// The VM provider of the vagrant provider (`--vm`), if given.
    pub vm: Option<Vm>,
    /// The variant (`--variant`, else the lab's default), known to the lab.
    pub variant: String,
    /// Keep what was made when a step fails (`--keep`).
    pub keep: bool,
}

/// The provider `lab up --provider P --vm V` asks for: `--vm` only with
/// `--provider vagrant`; without `--provider`, this host's default.
pub fn choose_provider(provider: Option<Kind>, vm: Option<Vm>) -> Result<Kind> {
    let takes_vm = |k: Kind| k.capabilities().takes_vm;
    match (provider, vm) {
        (Some(k), _) if takes_vm(k) => Ok(k),
        (_, Some(_)) => Err(LabError::Usage("--vm applies to --provider vagrant".into())),
        (Some(k), None) => Ok(k),
        (None, None) => provider::default_kind(),
    }
}

/// The variant `--variant` names (checked against the lab), else the lab's default.
pub fn choose_variant(lab: &Lab, variant: Option<String>) -> Result<String> {
    let variant = variant.unwrap_or_else(|| lab.default_variant.clone());
    lab.variant(&variant)?;
    Ok(variant)
}

impl Settings {
    /// The provider these settings name.
    pub fn make_provider(&self) -> Box<dyn Provider> {
        let options = provider::registry::Options { vm: self.vm };
        provider::registry::make_with(self.provider, &options)
    }
}

/// A lab that is up.
pub struct Up {
    pub state: State,
    pub lab: Lab,
    pub provider: Box<dyn Provider>,
}

/// Bring the lab up, holding its lock.
pub async fn up(s: Settings, rep: &Reporter) -> Result<Up> {
    let held = Held::acquire(&s.lab.name, "up")?;
    up_locked(s, &held, rep).await
}

/// `up` of a lab the caller holds. The bring-up is phase `up` of the event
/// stream; a teardown after a failure, phase `destroy`.
pub(crate) async fn up_locked(s: Settings, held: &Held, rep: &Reporter) -> Result<Up> {
    let lab = &s.lab;
    debug_assert_eq!(lab.name, held.name);
    let refused = |e: LabError| {
        // Nothing was made: a folder made for this `up` goes too.
        if held.fresh {
            held.refused();
        } else {
            let _ = state::clear_lab_dir(&held.dir, true);
        }
        e
    };
    if let Some(st) = State::load(&lab.name)? {
        let own = lab.instance_of.as_deref().unwrap_or(&lab.name);
        if state::instance::lab_of(&st) != own {
            return Err(LabError::Usage(format!(
                "the name '{}' is taken here by an instance of lab '{}'; choose another --name (or `lab destroy {0}` first)",
                lab.name,
                state::instance::lab_of(&st)
            )));
        }
        // A state lab did not make is named as such, not as a lab to destroy.
        crate::provider::for_state(&st)?;
        // Half made, half switched or half destroyed: what repairs it.
        if let Some(e) = super::not_whole(&st) {
            return Err(e);
        }
        return Err(LabError::AlreadyUp {
            name: lab.name.clone(),
            provider: st.provider.to_string(),
            variant: st.variant,
        });
    }
    let p = s.make_provider();
    p.available().map_err(refused)?;
    state::copy_lab_files(lab, &held.dir).map_err(refused)?;
    held.log_to(rep);
    let variant = &s.variant;
    rep.info(format!(
        "lab {}: {} ({} nodes, provider {}, variant {variant})",
        lab.name,
        lab.title,
        lab.nodes.len(),
        p.kind()
    ));
    rep.emit(Event::PhaseStart {
        phase: RunPhase::Up,
        variant: variant.clone(),
    });
    let st = match interruptible(p.up(lab, variant, rep)).await {
        Ok(st) => st,
        Err(e) => {
            // A provider records state before it makes anything, so no
            // state means nothing was made (a refusal such as leftovers of
            // this lab).
            let Some(st) = State::load(&lab.name).ok().flatten() else {
                return Err(refused(e));
            };
            if s.keep && !matches!(e, LabError::Interrupted) {
                rep.info(format!(
                    "keeping what was made (--keep); `lab destroy {}` removes it",
                    lab.name
                ));
            } else {
                if let Some(sig) = signals::received() {
                    rep.info(format!("{sig}: stopping"));
                }
                rep.info("tearing down what was made (use --keep to keep it)");
                rep.emit(Event::PhaseStart {
                    phase: RunPhase::Destroy,
                    variant: variant.clone(),
                });
                if let Err(d) = p.destroy(&lab.name, Some(&st), rep).await {
                    rep.info(format!(
                        "the teardown failed too: {d}; run `lab destroy {}`",
                        lab.name
                    ));
                }
            }
            return Err(e);
        }
    };
    rep.info(format!(
        "lab {} is up; `lab verify {0}` checks it, `lab destroy {0}` removes it",
        lab.name
    ));
    Ok(Up {
        state: st,
        lab: s.lab,
        provider: p,
    })
}
