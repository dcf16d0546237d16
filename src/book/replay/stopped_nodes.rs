//! A block replayed on a lab with a node the guard stopped (see
//! [`crate::provider::Provider::stopped_nodes`]): what ran on the lab's
//! nodes, pods or observed state is an error naming the stop, never a
//! verdict. The book's reader has every node; a lab that lost one is not
//! the book's cluster, and what a command sees there (a ping with no
//! reply, a route gone) may be the stop, not the chapter (probe21bq, lesser
//! 3; the same rule as `verify`'s, [`crate::verify::stopped`], where a
//! result names its nodes; a book line's target is the book's text, so
//! any stopped node counts). What did not use the lab stays as judged:
//! kubectl's own judgment of a line (`kubectl`), a manifest compared with
//! the lab's file or a switch (`lab`), a line skipped or not understood.

use super::{CommandReport, Verdict};
use crate::provider::StoppedNodes;

/// Where a command ran that is no part of the running lab.
const NOT_THE_LABS_NODES: &[&str] = &["kubectl", "lab"];

/// Make each command of `commands` that used the lab an error naming
/// `stopped`.
pub(super) fn mark(commands: &mut [CommandReport], stopped: &StoppedNodes) {
    for c in commands {
        let used_the_lab = c
            .ran_on
            .as_deref()
            .is_some_and(|on| !NOT_THE_LABS_NODES.contains(&on));
        // A line lab compared without running it (an observed table: kubectl
        // did not run it, so `Skipped`) whose differences the judge would
        // call drift is judged on the lab too (probe21bv, lesser: a stopped
        // node's `NotReady` and `0/1` rows were drift, the stop unnamed).
        let judged = match c.verdict {
            Verdict::NotUnderstood => false,
            Verdict::Skipped => !c.differences.is_empty(),
            _ => true,
        };
        if used_the_lab && judged {
            c.reason = Some(match c.reason.take() {
                Some(r) if c.verdict == Verdict::Error => format!("{}; {r}", stopped.why),
                _ => stopped.why.clone(),
            });
            c.verdict = Verdict::Error;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(ran_on: Option<&str>, verdict: Verdict) -> CommandReport {
        CommandReport {
            line: 1,
            command: "ping 10.244.2.2".to_string(),
            verdict,
            ran_on: ran_on.map(str::to_string),
            ran: None,
            variant: "broken".to_string(),
            book: vec![],
            lab: vec![],
            bindings: vec![],
            differences: vec![],
            known: vec![],
            reason: None,
            why: vec![],
            kubectl: None,
        }
    }

    /// Probe21bq, lesser 3: with node1 stopped, a line run on node2 (its
    /// target may be node1's) or in a pod is an error naming the stop;
    /// kubectl's own judgment, a manifest compared with the lab's file and
    /// a skipped line stay. Seen failing end to end:
    /// `tests/it/probe21bq_lessers.rs`.
    #[test]
    fn what_used_the_lab_is_an_error_naming_the_stop() {
        let stopped = StoppedNodes {
            nodes: vec!["node1".to_string()],
            why: "node node1 was stopped by the guard: …".to_string(),
        };
        let mut c = vec![
            command(Some("node2"), Verdict::Match),
            command(Some("pod nginx-0 on node3"), Verdict::Drift),
            command(Some("lab (observed)"), Verdict::Match),
            command(Some("kubectl"), Verdict::Match),
            command(Some("lab"), Verdict::Match),
            command(Some("node2"), Verdict::Skipped),
            command(None, Verdict::Match),
        ];
        mark(&mut c, &stopped);
        let verdicts: Vec<Verdict> = c.iter().map(|c| c.verdict).collect();
        use Verdict::*;
        assert_eq!(
            verdicts,
            [Error, Error, Error, Match, Match, Skipped, Match]
        );
        assert_eq!(c[0].reason.as_deref(), Some(stopped.why.as_str()));
    }

    /// Probe21bv, lesser: with node2 stopped, `get nodes` and `get pods`
    /// (tables lab observed: kubectl did not run them, so skipped, with
    /// the differences the judge calls drift) showed node2 `NotReady` and
    /// its pod `0/1` as drift, the stop unnamed. Seen failing before
    /// `mark` took a skipped line with differences: `Skipped` left, then
    /// judged drift.
    #[test]
    fn a_table_lab_observed_that_differs_is_an_error_naming_the_stop() {
        let stopped = StoppedNodes {
            nodes: vec!["node2".to_string()],
            why: "node node2 was stopped by the guard: …".to_string(),
        };
        let mut table = command(Some("lab (observed)"), Verdict::Skipped);
        table.differences = vec!["table (NAME STATUS): … node2 NotReady".to_string()];
        let mut c = vec![
            table,
            command(Some("lab (observed)"), Verdict::Skipped),
            command(Some("kubectl"), Verdict::Skipped),
        ];
        c[2].differences = vec!["kubectl refuses the book's line".to_string()];
        mark(&mut c, &stopped);
        let verdicts: Vec<Verdict> = c.iter().map(|c| c.verdict).collect();
        use Verdict::*;
        assert_eq!(verdicts, [Error, Skipped, Skipped]);
        assert_eq!(c[0].reason.as_deref(), Some(stopped.why.as_str()));
    }
}
