//! The full mesh judges every pair on its own: a pair that is dead is
//! reported dead (named, from every source that cannot reach it), a pair
//! that is alive is never reported dead, and an "unreachable" expectation
//! fails on a lab whose pods answer. The sweeps run back to back
//! (`fping -i 0`) from each source's network namespace alone: these tests
//! show that neither shortcut hides a dead pair.

use crate::labs::{TestLab, text};

const CHECKS: &str = "\nchecks:\n  \
  - name: pod mesh\n    mesh: { pods: nginx }\n    expect: reachable\n  \
  - name: node mesh\n    mesh: { pods: nginx, from: nodes }\n    expect: reachable\n  \
  - name: pods cannot reach each other\n    mesh: { pods: nginx }\n    expect: unreachable\n";

/// (source suffix, verdict, observed) of every result of the check `name`.
fn results(report: &serde_json::Value, name: &str) -> Vec<(String, String, String)> {
    let all = report["results"].as_array().expect("a report");
    let mine: Vec<_> = all
        .iter()
        .filter(|c| c["name"].as_str().is_some_and(|n| n.starts_with(name)))
        .map(|c| {
            (
                c["name"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches(name)
                    .to_string(),
                c["verdict"].as_str().unwrap().to_string(),
                c["observed"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert!(!mine.is_empty(), "no results of '{name}': {report}");
    mine
}

fn pod_ip(lab: &TestLab, pod: &str) -> String {
    let out = lab.in_ns(
        &format!("pod.{pod}"),
        &["ip", "-4", "-o", "addr", "show", "eth0"],
    );
    let t = String::from_utf8_lossy(&out.stdout).into_owned();
    t.split_whitespace()
        .skip_while(|w| *w != "inet")
        .nth(1)
        .and_then(|a| a.split('/').next())
        .unwrap_or_else(|| panic!("no address on eth0 of {pod}: {t}"))
        .to_string()
}

#[test]
fn the_mesh_reports_each_dead_pair_and_no_live_one() {
    let lab = TestLab::new("chapter4", "mx", |y| {
        y.split("\nchecks:").next().unwrap().to_string() + CHECKS
    });
    lab.up(&["--variant", "fixed"]);
    let pods: Vec<String> = crate::labs::namespaces_of(&lab.name)
        .iter()
        .filter_map(|n| {
            n.strip_prefix(&format!("{}.pod.", lab.name))
                .map(String::from)
        })
        .collect();
    let (on1, on2) = (
        pods.iter()
            .find(|p| p.contains("node1"))
            .expect("a pod on node1"),
        pods.iter()
            .find(|p| p.contains("node2"))
            .expect("a pod on node2"),
    );
    let (ip1, ip2) = (pod_ip(&lab, on1), pod_ip(&lab, on2));

    // A healthy lab: every pair answers; "unreachable" fails from every pod.
    let (out, report) = lab.verify(&[]);
    for (from, v, observed) in results(&report, "pod mesh")
        .into_iter()
        .chain(results(&report, "node mesh"))
    {
        assert_eq!(v, "pass", "{from}: {observed}\n{}", text(&out));
    }
    let wrong = results(&report, "pods cannot reach each other");
    assert_eq!(wrong.len(), 2, "{wrong:?}");
    for (from, v, observed) in &wrong {
        assert_eq!(v, "fail", "{from}: {observed}");
        assert!(
            observed.starts_with("0 of 1 unreachable"),
            "{from}: {observed}"
        );
    }
    assert!(!out.status.success(), "{}", text(&out));

    // The pod on node2 loses its default route: it still answers its own
    // node (cni0's address is on its link), nobody else.
    let cut = lab.in_ns(&format!("pod.{on2}"), &["ip", "route", "del", "default"]);
    assert!(cut.status.success(), "{}", text(&cut));
    let (out, report) = lab.verify(&["--only", "mesh"]);
    assert!(!out.status.success(), "{}", text(&out));
    let pod_mesh = results(&report, "pod mesh");
    let from1 = pod_mesh
        .iter()
        .find(|(from, ..)| from.contains(on1.as_str()))
        .unwrap_or_else(|| panic!("no result from {on1}: {pod_mesh:?}"));
    assert_eq!(from1.1, "fail", "{from1:?}");
    assert!(
        from1.2.starts_with(&format!("1 of 1 unreachable: {ip2}")),
        "{from1:?}"
    );
    let from2 = pod_mesh
        .iter()
        .find(|(from, ..)| from.contains(on2.as_str()))
        .unwrap_or_else(|| panic!("no result from {on2}: {pod_mesh:?}"));
    assert_ne!(from2.1, "pass", "{from2:?}");
    for (from, v, observed) in results(&report, "node mesh") {
        if from.ends_with("node2") {
            // node2 → its own pod: the link route answers; node2 → node1's
            // pod is untouched.
            assert_eq!(v, "pass", "{from}: {observed}");
        } else {
            assert_eq!(v, "fail", "{from}: {observed}");
            assert!(
                observed.starts_with(&format!("1 of 2 unreachable: {ip2}")),
                "{from}: {observed} (only {ip2} is dead, {ip1} answers)"
            );
        }
    }

    // The route back: every pair answers again.
    let mend = lab.in_ns(
        &format!("pod.{on2}"),
        &["ip", "route", "add", "default", "via", &gateway(&ip2)],
    );
    assert!(mend.status.success(), "{}", text(&mend));
    let (out, report) = lab.verify(&["--only", "mesh"]);
    for (from, v, observed) in results(&report, "pod mesh")
        .into_iter()
        .chain(results(&report, "node mesh"))
    {
        assert_eq!(v, "pass", "{from}: {observed}\n{}", text(&out));
    }
}

/// The `.1` of a pod's /24 (its node's `cni0`).
fn gateway(ip: &str) -> String {
    let mut o: Vec<&str> = ip.split('.').collect();
    o[3] = "1";
    o.join(".")
}
