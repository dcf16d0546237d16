//! Results that need a node the guard stopped (see
//! [`crate::provider::Provider::stopped_nodes`]): an error that says so,
//! never a verdict. A stopped node's namespace is gone and its pods have
//! lost their link, so "unreachable" to or from it is the stop, not the
//! network the chapter describes: probe21bq saw "pod reaches pod across
//! nodes" (broken variant, expected unreachable) pass as "no route to
//! 10.244.2.2" from a pod of node1, which the guard had stopped.
//!
//! A result needs a node when the node is its source or target (the nodes
//! the probe names, a mesh's source and the pods it missed), owns the
//! address its traffic went to (the node's address or its pod subnet), or
//! when it names no node at all (it covers the whole lab). A path that
//! passes through a third node is not seen: the netns provider's nodes
//! meet on one shared network, so no path between two nodes crosses
//! another.

use crate::probe::Judged;
use crate::provider::StoppedNodes;
use crate::report::Verdict;
use crate::session::PodRef;
use crate::testbed::Testbed;

/// Whether `j` needs one of the `stopped` nodes of `lab` (whose pods are
/// `pods`).
pub fn needs(lab: &Testbed, pods: &[PodRef], j: &Judged, stopped: &[String]) -> bool {
    if j.nodes.is_empty() {
        return !stopped.is_empty();
    }
    let named = j.nodes.iter().any(|n| stopped.contains(n));
    let owner = j.replay.as_ref().and_then(|t| {
        let pod = pods.iter().find(|p| p.ip == t.to).map(|p| p.node.as_str());
        let node = lab
            .nodes
            .iter()
            .find(|n| n.ip == t.to || n.pod_subnet.contains(&t.to))
            .map(|n| n.name.as_str());
        pod.or(node)
    });
    named || owner.is_some_and(|o| stopped.iter().any(|s| s == o))
}

/// `j` made an error naming the stop when it needs a stopped node: what it
/// saw is kept in its output, unjudged.
pub fn judged(lab: &Testbed, pods: &[PodRef], mut j: Judged, stopped: &StoppedNodes) -> Judged {
    if needs(lab, pods, &j, &stopped.nodes) {
        j.output = format!(
            "not judged ({}), it saw: {}\n{}",
            stopped.why, j.observed, j.output
        );
        j.verdict = Verdict::Error;
        j.observed = stopped.why.clone();
        j.replay = None;
    }
    j
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::Traffic;
    use crate::probe::target::Endpoint;
    use std::net::Ipv4Addr;

    fn result(nodes: &[&str], to: Option<Ipv4Addr>) -> Judged {
        Judged {
            suffix: String::new(),
            label: String::new(),
            verdict: Verdict::Pass,
            observed: "unreachable".to_string(),
            output: String::new(),
            elapsed: None,
            nodes: nodes.iter().map(|n| n.to_string()).collect(),
            replay: to.map(|to| Traffic {
                from: Endpoint::Node("node2".to_string()),
                to,
                command: String::new(),
            }),
        }
    }

    /// Probe21bq, lesser 3: with node1 stopped, a result from or to node1,
    /// to an address of node1's or of its pods, or of the whole lab, is an
    /// error naming the stop; one between node2 and the master is judged.
    /// Seen failing end to end: `tests/it/probe21bq_lessers.rs`.
    #[test]
    fn a_result_that_needs_a_stopped_node_is_an_error_naming_it() {
        let lab = crate::probe::tests::lab();
        let pods = crate::probe::tests::pods(&lab);
        let stopped = StoppedNodes {
            nodes: vec!["node1".to_string()],
            why: "node node1 was stopped by the guard: …".to_string(),
        };
        let node1 = lab.node("node1").unwrap();
        let in_subnet = node1.pod_subnet.hosts().nth(5).unwrap();
        for j in [
            result(&["node1", "node2"], None),
            result(&["node2"], Some(node1.ip)),
            result(&["node2"], Some(in_subnet)),
            result(&[], None),
        ] {
            let j = judged(&lab, &pods, j, &stopped);
            assert_eq!(j.verdict, Verdict::Error, "{j:?}");
            assert_eq!(j.observed, stopped.why);
            assert!(j.output.contains("it saw: unreachable"), "{}", j.output);
        }
        let master = lab.nodes[0].ip;
        let j = judged(&lab, &pods, result(&["node2"], Some(master)), &stopped);
        assert_eq!(j.verdict, Verdict::Pass);
    }
}
