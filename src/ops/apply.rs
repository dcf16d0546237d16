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
            return Err(super::not_whole(&st).expect("not up"));
        }
    }
    // An interrupted switch is redone, whatever variant it was going to.
    if st.variant == variant && st.phase == Phase::Up {
        // Not "already runs" on a state the host's claim does not back: the
        // refusal (exit 2) of every other command (probe21bz lesser); nor
        // when a node is gone: the same refusal (exit 3) as a switch gives
        // (probe21bn lesser 2).
        p.refuse_untrusted(&lab, &st)?;
        p.refuse_stopped_nodes(&lab, &st)?;
        return Ok(Applied::Already);
    }
    log_to_lab(rep, &lab.name);
    if st.phase == Phase::Applying {
        rep.info(format!(
            "completing the unfinished switch ({}) with variant {variant}",
            phase_text(&st)
        ));
    }
    // A switch that fails says why to the commands that find it half done
    // (`verify`, `status`); one interrupted by a signal or a kill says so.
    st.apply_failed = None;
    let r = p.apply(&lab, &mut st, variant, rep).await;
    if let Err(e) = &r {
        record_failure(&st.name, e);
    }
    r?;
    rep.info(format!("lab {} now runs variant {variant}", lab.name));
    Ok(Applied::Switched)
}

/// Record why an `apply` failed in the state it left half switched (not
/// for a signal: that one was interrupted). Best effort: the error itself
/// is what this `apply` reports.
fn record_failure(name: &str, e: &LabError) {
    if matches!(e, LabError::Interrupted) {
        return;
    }
    if let Ok(Some(mut st)) = State::load(name)
        && st.phase == Phase::Applying
    {
        st.apply_failed = Some(failure_text(e));
        let _ = st.save();
    }
}

/// An error as one line of at most 300 characters, for the state file,
/// its control characters escaped: it may quote a pod's own log, and
/// `lab status` prints it to the user's terminal (the thirteenth probe).
fn failure_text(e: &LabError) -> String {
    let one: String = e
        .to_string()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    let one = crate::graph::live::shown_name(&one);
    match one.char_indices().nth(300) {
        Some((i, _)) => format!("{}...", &one[..i]),
        None => one,
    }
}

#[cfg(test)]
mod tests {
    /// What a pod wrote into its log reaches `state.json`'s reason, and
    /// `lab status` prints that: its control characters are escaped.
    #[test]
    fn a_failures_reason_has_no_control_character() {
        let e = crate::error::LabError::Command {
            command: "nginx".into(),
            status: "exit 1".into(),
            output: "\u{1b}]0;TITLE\u{7}\u{1b}[2Jfrom the pod\u{202e}".into(),
        };
        let text = super::failure_text(&e);
        assert!(text.contains("from the pod"), "{text}");
        assert!(
            !text
                .chars()
                .any(|c| c.is_control() || crate::report::terminal::is_unseen_format(c)),
            "{text:?}"
        );
    }
}
