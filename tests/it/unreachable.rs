//! An expected "unreachable" is decided by evidence, and says which: the
//! kernel's FDB, an ICMP error, or no reply within the deadline derived from
//! the lab's round-trip time; each decision is shown to fail on a path that
//! works.

use crate::labs::{TestLab, text, verdict};
use crate::verify::{CROSS_NODE, artifacts, assert_fail};

/// The observed text of a check in a JSON report.
fn observed<'a>(report: &'a serde_json::Value, name: &str) -> &'a str {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .and_then(|c| c["observed"].as_str())
        .unwrap_or("")
}

#[test]
fn an_unreachable_names_what_decided_it_and_each_decision_fails_on_a_path_that_works() {
    let lab = TestLab::chapter4("ud");
    lab.up(&[]);
    let (out, report) = lab.verify(&[]);
    assert!(out.status.success(), "{}", text(&out));
    // The kernel's FDB: node2's VTEP is node1's own 10.0.2.15.
    for name in [
        "node reaches pod across nodes",
        "nginx answers across nodes",
    ] {
        let seen = observed(&report, name);
        assert!(
            seen.starts_with("unreachable (decided by: flannel.1's FDB sends 10.244.2.2")
                && seen.ends_with("to this node's own VTEP 10.0.2.15)"),
            "{name}: {seen}"
        );
    }
    // An ICMP error that came back.
    assert_eq!(
        observed(&report, "pod reaches pod across nodes"),
        "unreachable (decided by: ICMP Time to live exceeded from 10.244.1.1)"
    );

    // The fix underneath, judged as broken: no evidence, the echo and the
    // GET are answered, and every one of them fails.
    let fix = lab.lab(&["apply", &lab.name, "--variant", "fixed"]);
    assert!(fix.status.success(), "{}", text(&fix));
    let (out, report) = lab.verify(&["--variant", "broken"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_fail(&report, &CROSS_NODE);
    assert_eq!(
        observed(&report, "node reaches pod across nodes"),
        "reachable, ttl 63"
    );
    // The pod's echo, made again from the pod once node1's captures listen,
    // is in the capture on node1's overlay.
    let overlay = artifacts(&report, "pod reaches pod across nodes")
        .into_iter()
        .find(|f| f.ends_with("node1-capture-flannel.1.txt"))
        .expect("a capture on flannel.1");
    let seen = std::fs::read_to_string(&overlay).unwrap();
    assert!(
        seen.contains("IP 10.244.1.2 > 10.244.2.2: ICMP echo request"),
        "{seen}"
    );

    // No evidence and no answer: the deadline decides, and says so; with
    // the silence lifted, the same check fails.
    let only = ["--variant", "broken", "--only", "node reaches pod across"];
    let drop = ["FORWARD", "-d", "10.244.2.2", "-p", "icmp", "-j", "DROP"];
    let add = lab.in_ns("node2", &[&["iptables", "-I"][..], &drop].concat());
    assert!(add.status.success(), "{}", text(&add));
    let (out, report) = lab.verify(&only);
    assert!(out.status.success(), "{}", text(&out));
    let seen = observed(&report, "node reaches pod across nodes");
    assert!(
        seen.starts_with("unreachable (decided by: no reply within ") && seen.contains(" ms, "),
        "{seen}"
    );
    let del = lab.in_ns("node2", &[&["iptables", "-D"][..], &drop].concat());
    assert!(del.status.success(), "{}", text(&del));
    let (out, report) = lab.verify(&only);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(verdict(&report, "node reaches pod across nodes"), "fail");
}
