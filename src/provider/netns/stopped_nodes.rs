//! The nodes of a lab the guard stopped (their namespaces gone, its log
//! saying so), and the one sentence that says it: `apply` refuses with it
//! before anything changes (a switch cannot reach them; probe21bj found
//! `apply` saying only "opening namespace LAB.node1: No such file or
//! directory"), and a check or a book line that needs such a node is an
//! error in its words, never a verdict (probe21bq, lesser 3: a pod that
//! lost its node "passed" as unreachable). Only a new lab brings them back.

use super::guard;
use super::{files, names, sys};
use crate::provider::StoppedNodes;
use crate::spec::Lab;
use crate::state::State;

/// The nodes of `lab` the guard stopped, with why; `None` when none was.
pub fn by_guard(lab: &Lab, state: &State) -> Option<StoppedNodes> {
    let log = files::Layout::new(state.dir()).guard_log();
    let said = guard::stopped_nodes_why(&log);
    let stopped: Vec<(&str, &str)> = lab
        .nodes
        .iter()
        .filter_map(|n| {
            let ns = names::node_ns(&lab.name, &n.name);
            let (_, why) = said.iter().find(|(s, _)| *s == ns)?;
            (!sys::netns_path(&ns).exists()).then_some((n.name.as_str(), why.as_str()))
        })
        .collect();
    if stopped.is_empty() {
        return None;
    }
    Some(StoppedNodes {
        nodes: stopped.iter().map(|(n, _)| n.to_string()).collect(),
        why: sentence(&stopped, &log, &lab.name),
    })
}

/// "node node1 was stopped by the guard: WHY (its log: LOG); a stopped node
/// cannot be brought back: run `lab destroy LAB`, then `lab up` again".
fn sentence(stopped: &[(&str, &str)], log: &std::path::Path, lab: &str) -> String {
    let each: Vec<String> = stopped
        .iter()
        .map(|(node, why)| match why.is_empty() {
            true => format!("node {node} was stopped by the guard"),
            false => format!("node {node} was stopped by the guard: {why}"),
        })
        .collect();
    format!(
        "{} (its log: {}); a stopped node cannot be brought back: run `lab destroy {lab}`, \
         then `lab up` again",
        each.join("; "),
        log.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sentence_names_each_node_why_and_what_to_do() {
        let log = std::path::Path::new("/s/l/guard.log");
        let one = sentence(&[("node1", "602 forwarding entries")], log, "l");
        assert_eq!(
            one,
            "node node1 was stopped by the guard: 602 forwarding entries (its log: \
             /s/l/guard.log); a stopped node cannot be brought back: run `lab destroy l`, \
             then `lab up` again"
        );
        let two = sentence(&[("node1", "a"), ("node2", "")], log, "l");
        assert!(
            two.starts_with(
                "node node1 was stopped by the guard: a; node node2 was stopped by the guard (its"
            ),
            "{two}"
        );
    }
}
