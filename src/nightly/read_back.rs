//! Tonight's runs as the history gives them back, checked against what
//! this nightly recorded from their run records before the night's
//! summary and exit code are made of the history (probe21bv finding 1,
//! defence in depth): rows read back decide the verdict only when they
//! are the records' own (each run's status and each result's verdict),
//! and only when the history's last night, the one a summary is of, is
//! tonight's. Otherwise the nightly fails (exit 3) rather than say what
//! the history holds instead.

use crate::error::{LabError, Result};
use crate::history::{History, RunData, Snapshot};
use crate::provider::Kind;
use std::collections::BTreeMap;
use std::path::Path;

/// What tonight wrote: per lab and provider, the run last recorded.
pub type Written = BTreeMap<(String, String), RunData>;

/// Record `d`, tonight's run of `lab` on `provider`, in night `night` of
/// `h`, and in `written`.
pub fn record(
    h: &mut History,
    written: &mut Written,
    night: i64,
    lab: &str,
    provider: Kind,
    d: RunData,
) -> Result<()> {
    h.record_run(night, lab, &provider.to_string(), &d)?;
    written.insert((lab.to_string(), provider.to_string()), d);
    Ok(())
}

/// A run as its verdict sees it: its status and each result's kind,
/// variant, name and verdict, in order.
fn verdicts(d: &RunData) -> impl PartialEq + '_ {
    (
        d.status,
        d.results
            .iter()
            .map(|r| (r.kind, r.variant.as_str(), r.name.as_str(), r.verdict))
            .collect::<Vec<_>>(),
    )
}

/// Whether `snap` (the history of `db` read back) gives tonight's night
/// `night` last, with exactly the runs `written`.
pub fn check(db: &Path, snap: &Snapshot, night: &str, written: &Written) -> Result<()> {
    let fail = |why: String| -> Result<()> {
        Err(LabError::Step {
            step: "history database".into(),
            message: format!(
                "{}: {why}; tonight's verdict is not made of it (the runs' own reports are in their folders)",
                db.display()
            ),
        })
    };
    let Some(last) = snap.nights.last() else {
        return fail(format!("it gives back no night, not tonight's '{night}'"));
    };
    if last.name != night {
        return fail(format!(
            "its last night is '{}' (started {}), not tonight's '{night}', and a summary is of the last night",
            last.name, last.started_at
        ));
    }
    for ((lab, provider), d) in written {
        let Some(r) = last
            .runs
            .iter()
            .find(|r| &r.lab == lab && &r.provider == provider)
        else {
            return fail(format!("tonight's run of {lab} on {provider} is not in it"));
        };
        if verdicts(&r.data) != verdicts(d) {
            let failing = |d: &RunData| d.results.iter().filter(|r| r.verdict.failing()).count();
            return fail(format!(
                "tonight's run of {lab} on {provider} reads back {} with {} results ({} failing), \
                 but its record says {} with {} ({} failing)",
                r.data.status.as_str(),
                r.data.results.len(),
                failing(&r.data),
                d.status.as_str(),
                d.results.len(),
                failing(d)
            ));
        }
    }
    if let Some(r) = last
        .runs
        .iter()
        .find(|r| !written.contains_key(&(r.lab.clone(), r.provider.clone())))
    {
        return fail(format!(
            "tonight's night has a run of {} on {} that this nightly did not make",
            r.lab, r.provider
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Night, RunStatus, Verdict};

    fn run(verdict: Verdict) -> RunData {
        let status = if verdict == Verdict::Pass {
            RunStatus::Passed
        } else {
            RunStatus::Failed
        };
        RunData::one_check(status, verdict)
    }

    fn night(name: &str, d: RunData) -> Night {
        Night::chapter4_netns(name, "2026-12-07T03:00:00Z", d)
    }

    /// The nightly's verdict was made of whatever rows the history gave
    /// back: a history that dropped tonight's failing row and kept a
    /// planted pass said "0 failing", exit 0. Now rows that are not the
    /// record's, or a last night that is not tonight's, fail the night
    /// (exit 3). Seen failing with the check returning `Ok` at once: both
    /// crafted snapshots were accepted.
    #[test]
    fn rows_that_are_not_the_records_own_make_no_verdict() {
        let db = Path::new("h.db");
        let written: Written = [(
            ("chapter4".to_string(), "netns".to_string()),
            run(Verdict::Fail),
        )]
        .into();
        let honest = Snapshot {
            nights: vec![night("n2", run(Verdict::Fail))],
        };
        check(db, &honest, "n2", &written).unwrap();
        let planted = Snapshot {
            nights: vec![night("n2", run(Verdict::Pass))],
        };
        let e = check(db, &planted, "n2", &written).unwrap_err();
        assert_eq!(e.exit_code(), 3, "{e}");
        assert!(
            e.to_string()
                .contains("reads back passed with 1 results (0 failing)"),
            "{e}"
        );
        let later = Snapshot {
            nights: vec![
                night("n2", run(Verdict::Fail)),
                night("2099", run(Verdict::Pass)),
            ],
        };
        let e = check(db, &later, "n2", &written).unwrap_err();
        assert!(e.to_string().contains("its last night is '2099'"), "{e}");
    }
}
