//! `lab apply`: switch a running lab's pod network to another variant, as
//! the chapter does. An interrupted switch is completed by the next `apply`,
//! to whatever variant it names.

use super::{Need, log_to_lab, phase_text, running};
use crate::error::{LabError, Result};
use crate::report::Reporter;
use crate::signals::interruptible;
use crate::state::{Lock, Phase, State};

/// What `lab apply` was asked.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The lab (a name or a path).
    pub lab: String,
    pub variant: String,
}

/// What `apply` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The lab already ran the variant; nothing changed.
    Already,
    /// The lab now runs the variant.
    Switched,
}

pub async fn apply(s: &Settings, rep: &Reporter) -> Result<Applied> {
    interruptible(apply_inner(s, rep)).await
}

async fn apply_inner(s: &Settings, rep: &Reporter) -> Result<Applied> {
    let name = super::lab_name(&s.lab)?;
    State::require(&name)?;
    let _lock = Lock::acquire(&name, "apply")?;
    let r = running(Some(name), Need::State)?;
    let (mut st, lab, p) = (r.state, r.lab, r.provider);
    let variant = s.variant.as_str();
    lab.variant(variant)?;
    if let Some(w) = &r.drift {
        rep.info(format!("warning: {w}"));
    }
    match st.phase {
        Phase::Up | Phase::Applying => {}
        Phase::Creating | Phase::Destroying => {
            return Err(LabError::NeedsRepair(format!(
                "lab '{}' is half made or half destroyed ({}); `lab destroy {0}` removes it",
                lab.name,
                phase_text(&st)
            )));
        }
    }
    // An interrupted switch is redone, whatever variant it was going to.
    if st.variant == variant && st.phase == Phase::Up {
        return Ok(Applied::Already);
    }
    log_to_lab(rep, &lab.name);
    if st.phase == Phase::Applying {
        rep.info(format!(
            "completing the interrupted switch ({}) with variant {variant}",
            phase_text(&st)
        ));
    }
    p.apply(&lab, &mut st, variant, rep).await?;
    rep.info(format!("lab {} now runs variant {variant}", lab.name));
    Ok(Applied::Switched)
}
