//! Probe21bq's lessers that a lab shows: a node stopped for the groups its
//! devices joined by themselves says so (lesser 2), and a lab with a node
//! the guard stopped passes no check and matches no book line that needs
//! that node: each is an error naming the stop (lesser 3: "pod reaches pod
//! across nodes", expected unreachable, passed from a pod that had lost
//! its node). Lesser 1 (removals of entries already gone counted as
//! refused) is unit-tested in `guard::watch::removals` and `guard::dumped`.

use crate::guard::{assert_node1_stopped, guard_log, stop_node1};
use crate::labs::{TestLab, text};
use serde_json::Value;

/// 150 veth pairs made and set up in node1: 300 devices, each joining its
/// multicast groups by itself, past the bound of forwarding entries: node1
/// is stopped, and the guard's line says the entries are groups the kernel
/// joined for the node's devices, and for how many. Seen failing with the
/// words taken out of `removals::why_stop`: the line said "… past the
/// bound of 288, so the node is stopped", no word of devices.
#[test]
fn a_node_stopped_for_its_devices_groups_says_devices() {
    let lab = TestLab::chapter4("gq2");
    lab.up(&[]);
    let out = lab.ssh(
        "node1",
        r#"set -e
for i in $(seq 1 150); do echo "link add gqa$i type veth peer name gqb$i"; done > /tmp/v.batch
ip -batch /tmp/v.batch
for i in $(seq 1 150); do echo "link set gqa$i up"; echo "link set gqb$i up"; done > /tmp/u.batch
ip -batch /tmp/u.batch
echo added"#,
    );
    // The session may end with the node: only a refusal before it counts.
    assert!(
        text(&out).contains("added") || !crate::guard::node1_is_there(&lab),
        "{}",
        text(&out)
    );
    assert_node1_stopped(&lab, "groups the kernel joined for the node's", 15);
    let log = guard_log(&lab);
    let line = log
        .lines()
        .find(|l| l.contains("groups the kernel joined for the node's"))
        .unwrap_or_default();
    let devices: usize = line
        .split("for the node's ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(
        line.contains("forwarding entries") && devices >= 280,
        "the stop names fewer devices than node1 had up ({devices}):\n{log}"
    );
}

/// The results of a run's JSON report (`verify`'s `results`) that passed
/// and whose name or path names `node` or one of its `addresses`.
fn passed_naming(report: &Value, node: &str, addresses: &[&str]) -> Vec<String> {
    report["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["verdict"] == "pass")
        .map(|r| format!("{} [{}]: {}", r["name"], r["path"], r["observed"]))
        .filter(|t| t.contains(node) || addresses.iter().any(|a| t.contains(a)))
        .collect()
}

/// Node1 stopped by the guard (a neighbour table's proxy queue past its
/// bound), then `lab verify` of the broken variant: "pod reaches pod
/// across nodes" (from node1's pod, expected unreachable) is an error
/// naming the stop and what to do, no result that names node1 passes, the
/// run is recorded and fails; then `lab book`: no line run on the lab
/// matches, and the errors name the stop. Seen failing without the rule
/// (`verify::stopped` unused): "pod reaches pod across nodes" passed as
/// "unreachable (decided by: no route to 10.244.2.2 (ip route get: Network
/// is unreachable))"; with the book's `stopped_nodes::mark` unused: "no
/// book line names the stop".
#[test]
fn a_lab_with_a_node_the_guard_stopped_passes_nothing_that_needs_it() {
    let lab = TestLab::chapter4("gq3");
    lab.up(&[]);
    stop_node1(&lab);

    let (out, report) = lab.verify(&[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    let across = report["results"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["name"] == "pod reaches pod across nodes")
        .unwrap_or_else(|| panic!("no such result: {report}"));
    let observed = across["observed"].as_str().unwrap_or_default();
    assert_eq!(across["verdict"], "error", "{across}");
    assert!(
        observed.contains("node node1 was stopped by the guard: ")
            && observed.contains(&format!("lab destroy {}", lab.name))
            && observed.contains("lab up"),
        "{across}"
    );
    let passed = passed_naming(&report, "node1", &["10.244.1.", "10.100.198.201"]);
    assert!(
        passed.is_empty(),
        "passed though they need node1: {passed:?}"
    );

    let json = lab.state.path().join("gq3-book.json");
    let file = lab.file();
    let out = lab.lab(&[
        "book",
        file.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "-q",
    ]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    let book: Value = serde_json::from_slice(&std::fs::read(&json).unwrap_or_default())
        .unwrap_or_else(|e| panic!("no book report ({e}): {said}"));
    let commands: Vec<&Value> = book["blocks"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|b| b["commands"].as_array().into_iter().flatten())
        .collect();
    let on_the_lab = |c: &&&Value| {
        c["ran_on"]
            .as_str()
            .is_some_and(|on| on != "kubectl" && on != "lab")
    };
    let matched: Vec<String> = commands
        .iter()
        .filter(on_the_lab)
        .filter(|c| c["verdict"] == "match")
        .map(|c| format!("{} {}", c["line"], c["command"]))
        .collect();
    assert!(
        matched.is_empty(),
        "matched on a lab without node1: {matched:?}"
    );
    assert!(
        commands
            .iter()
            .filter(on_the_lab)
            .any(|c| c["verdict"] == "error"
                && c["reason"]
                    .as_str()
                    .is_some_and(|r| r.contains("node node1 was stopped by the guard"))),
        "no book line names the stop: {said}"
    );
}
