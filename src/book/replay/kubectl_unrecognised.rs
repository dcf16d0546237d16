//! A kubectl line lab does not understand (an unknown flag), given to the
//! pinned kubectl all the same when its words are harmless
//! ([`judgeable`]): kubectl's refusal is what the reader meets, in
//! kubectl's words; what it accepts stays not understood.

use super::super::judgeable::judgeable;
use super::super::plan::Planned;
use super::super::refusal::{minor, refusal};
use super::super::{Replayer, Said, Target};
use super::CACHED;
use crate::book::{CommandReport, KubectlOutcome, KubectlReport, Verdict};

impl Replayer<'_> {
    /// A kubectl line lab does not understand (an unknown flag), given to
    /// kubectl without a cluster all the same when its words are harmless:
    /// if kubectl refuses it, the reader's command fails, in kubectl's
    /// words (drift, not "not understood"); if kubectl accepts it, it stays
    /// not understood (lab cannot tell what it means), with kubectl's note.
    pub(in crate::book::replay) async fn judge_unrecognised(
        &self,
        t: &dyn Target,
        p: &Planned,
        r: &mut CommandReport,
    ) -> bool {
        let Some(args) = judgeable(&p.step.command) else {
            return false;
        };
        let Ok(run) = t.kubectl_line(&args, false).await else {
            return false;
        };
        let line = format!("kubectl {}", args.join(" "));
        match run.said {
            Said::Refused { message } => {
                r.verdict = Verdict::Match;
                if crate::kubectl::shows_refusal(&r.book, &message) {
                    r.reason = Some(format!(
                        "kubectl {} refuses the line as the book shows: the reader meets that refusal (lab does not understand the line: {})",
                        minor(&run.version),
                        r.reason.clone().unwrap_or_default()
                    ));
                } else {
                    r.differences.push(refusal(&run.version, &message));
                    r.reason = Some(format!(
                        "kubectl refuses the line, so the reader's command fails (lab does not understand it either: {})",
                        r.reason.clone().unwrap_or_default()
                    ));
                }
                r.kubectl = Some(KubectlReport {
                    version: run.version.clone(),
                    outcome: KubectlOutcome::Refused,
                    said: vec![message],
                    note: format!(
                        "refused by kubectl v{}: the reader's command fails: `{line}`",
                        run.version
                    ),
                    skew: run.skew,
                });
                r.ran_on = Some("kubectl".into());
                r.ran = Some(line);
                if run.cached {
                    r.why.push(CACHED.into());
                }
                true
            }
            Said::Accepted { warnings } => {
                r.kubectl = Some(KubectlReport {
                    version: run.version.clone(),
                    outcome: KubectlOutcome::Accepted,
                    said: warnings,
                    note: format!(
                        "accepted by kubectl v{}; not run: lab does not understand it: `{line}`",
                        run.version
                    ),
                    skew: run.skew,
                });
                false
            }
        }
    }
}
