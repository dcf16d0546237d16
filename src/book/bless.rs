//! `lab book --bless`: the known-drift file rewritten from the replay's
//! differences, and the one rule of when it is not. A lab with a node the
//! guard stopped (see [`crate::provider::Provider::stopped_nodes`]) is
//! refused, before the replay and again after it (a stop during it), and
//! the file is left byte for byte: every line that needed the lost node is
//! an error, whose known drift blessing would drop as stale, and a
//! difference it would record may be the stop's, not the book's.

use super::{BookReport, Prepared, judge};
use crate::error::{LabError, Result};
use crate::provider::StoppedNodes;
use std::path::Path;

/// `Err` (exit 3, as `apply` refuses such a lab) when nodes were stopped
/// (`stopped`): names the stop, what to do, and that `known` is untouched.
pub(super) fn refuse_without_a_node(stopped: Option<StoppedNodes>, known: &Path) -> Result<()> {
    match stopped {
        None => Ok(()),
        Some(s) => Err(LabError::Step {
            step: "nodes".to_string(),
            message: format!(
                "{}; `--bless` records no drift from a lab that lost a node: {} is left as it was",
                s.why,
                known.display()
            ),
        }),
    }
}

/// Write `report`'s drift to `prepared`'s known-drift file (reasons of the
/// entries that still match kept) and judge `report` with it; `stopped`
/// is the lab's stopped nodes as asked after the replay: any refuses it
/// ([`refuse_without_a_node`]) and nothing is written.
pub(super) fn bless(
    report: &mut BookReport,
    prepared: &Prepared,
    stopped: Option<StoppedNodes>,
) -> Result<()> {
    refuse_without_a_node(stopped, &prepared.known_path)?;
    let blessed = judge::blessed(report, &prepared.known);
    let dropped = std::mem::take(&mut report.stale);
    let name = prepared
        .chapter
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Replaced, never written through: a link planted in its place goes,
    // and what it named is untouched (probe21p).
    crate::state::replace_file(
        &prepared.known_path,
        blessed.to_yaml(&name).as_bytes(),
        0o644,
        true,
    )?;
    judge::judge(report, &blessed);
    report.stale = dropped;
    report.blessed = true;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::{known, parse};

    /// A chapter of one block whose `route -n` drifts, and its known-drift
    /// file with one entry the replay explains no more, in `dir`.
    fn prepared(dir: &Path) -> Prepared {
        let chapter = dir.join("c.md");
        std::fs::write(&chapter, "# c\n\n```\n$ route -n\n```\n").unwrap();
        let known_path = dir.join("c.drift.yaml");
        std::fs::write(
            &known_path,
            "version: 2\ndrift:\n- command: ping 10.244.2.2\n  line: 9\n  difference: no reply\n  reason: a reason a person wrote\n",
        )
        .unwrap();
        Prepared {
            chapter: parse::read(&chapter).unwrap(),
            known: known::load(&known_path).unwrap(),
            known_path,
            homes: Default::default(),
        }
    }

    /// The report of that chapter: `route -n` run on node2, drifting.
    fn drifted() -> BookReport {
        let mut r = crate::book::tests_report::of(vec![]);
        r.blocks = vec![crate::book::BlockReport {
            line: 3,
            end: 5,
            fence: "```".into(),
            verdict: crate::book::Verdict::Match,
            commands: vec![crate::book::CommandReport {
                line: 4,
                command: "route -n".into(),
                verdict: crate::book::Verdict::Match,
                ran_on: Some("node2".into()),
                ran: Some("route -n".into()),
                variant: "broken".into(),
                book: vec![],
                lab: vec![],
                bindings: vec![],
                differences: vec!["no docker0".into()],
                known: vec![],
                reason: None,
                kubectl: None,
                why: vec![],
            }],
            prose: vec![],
            duration_s: 0.0,
        }];
        judge::judge(&mut r, &known::KnownFile::default());
        r
    }

    /// A node the guard stopped during the replay (the stopped nodes asked
    /// after it name node1): refused, naming the stop, and the file keeps
    /// its bytes (its entry a person wrote is not dropped, the new drift
    /// not recorded). Without a stop the same call writes it. Seen failing
    /// with the refusal taken out of `bless`: it returned Ok, having
    /// written the file.
    #[test]
    fn a_stop_seen_after_the_replay_refuses_the_bless_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = prepared(dir.path());
        let before = std::fs::read(&p.known_path).unwrap();
        let stopped = StoppedNodes {
            nodes: vec!["node1".into()],
            why: "node node1 was stopped by the guard: x; a stopped node cannot be brought \
                  back: run `lab destroy l`, then `lab up` again"
                .into(),
        };
        let mut r = drifted();
        let e = bless(&mut r, &p, Some(stopped.clone())).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        let said = e.to_string();
        assert!(
            said.contains(&stopped.why)
                && said.contains("--bless")
                && said.contains("left as it was"),
            "{said}"
        );
        assert_eq!(std::fs::read(&p.known_path).unwrap(), before);
        assert!(!r.blessed);

        bless(&mut r, &p, None).unwrap();
        let written = std::fs::read_to_string(&p.known_path).unwrap();
        assert!(
            written.contains("no docker0") && !written.contains("a reason a person wrote"),
            "{written}"
        );
    }
}
