//! Reports: the table, JUnit and JSON renderings of check results, pinned by
//! snapshots, and the JUnit shown to parse.

use lab::report::{CheckResult, Tally, Verdict, junit, table};
use std::time::Duration;

fn results() -> Vec<CheckResult> {
    let r = |name: &str, variant: &str, verdict: Verdict, observed: &str| CheckResult {
        name: name.into(),
        variant: variant.into(),
        route: "node1 → pod nginx@node2".into(),
        expected: "unreachable".into(),
        observed: observed.into(),
        verdict,
        elapsed: Duration::from_millis(1012),
        output: "$ ping -n -c 1 -W 1 10.244.2.2\n1 packets transmitted, 0 received <&>\n".into(),
        artifacts: if verdict == Verdict::Fail {
            vec!["/state/x/artifacts/run/nodes/node1/ip-route.txt".into()]
        } else {
            vec![]
        },
    };
    vec![
        r(
            "node reaches pod across nodes",
            "broken",
            Verdict::Pass,
            "unreachable (no reply within 1s)",
        ),
        r(
            "every node is Ready",
            "broken",
            Verdict::Skip,
            "netns has no Kubernetes API server",
        ),
        r(
            "node reaches pod across nodes",
            "fixed",
            Verdict::Fail,
            "unreachable (no reply within 1s)",
        ),
        r(
            "ICMP goes into the overlay",
            "fixed",
            Verdict::Error,
            "could not run: ssh to node1 failed",
        ),
    ]
}

#[test]
fn table_snapshot() {
    insta::assert_snapshot!(table::render(&results()));
}

#[test]
fn junit_snapshot_parses_with_a_suite_per_variant() {
    let xml = junit::render("chapter4", &results());
    insta::assert_snapshot!(xml);
    let doc = roxmltree::Document::parse(&xml).expect("valid XML");
    let suites: Vec<_> = doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), 2);
    assert_eq!(suites[1].attribute("failures"), Some("1"));
    assert_eq!(suites[1].attribute("errors"), Some("1"));
    assert_eq!(suites[0].attribute("skipped"), Some("1"));
    let fixed_cases: Vec<_> = suites[1]
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert!(fixed_cases[0].children().any(|n| n.has_tag_name("failure")));
    assert!(fixed_cases[1].children().any(|n| n.has_tag_name("error")));
}

#[test]
fn summary_counts_errors_as_failed() {
    let t = Tally::of(&results());
    assert_eq!(t.summary(), "1 passed, 2 failed, 1 skipped");
    assert!(!t.ok());
}

#[test]
fn control_characters_in_the_table_are_shown_not_sent() {
    let mut rs = results();
    rs[0].observed = "x\u{1b}]0;pwned\u{7}\u{1b}[31mred\u{9b}2J".into();
    rs[2].route = "node1\r\u{8}".into();
    let t = table::render(&rs);
    assert!(
        !t.chars().any(|c| c.is_control() && c != '\n'),
        "raw control characters: {t:?}"
    );
    assert!(
        t.contains(r"x\u{1b}]0;pwned\u{7}\u{1b}[31mred\u{9b}2J"),
        "{t}"
    );
    assert!(t.contains(r"node1\u{d}\u{8}"), "{t}");
}

#[test]
fn an_escape_sequence_in_an_argument_is_shown_escaped() {
    let (mut cmd, _state) = crate::harness::lab_cmd();
    let out = cmd
        .args(["verify", "x\u{1b}]0;pwned\u{7}", "--only", "\u{1b}[2J"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains('\u{1b}') && !stderr.contains('\u{7}'),
        "{stderr:?}"
    );
    assert!(stderr.contains(r"\u{1b}"), "{stderr}");
}

#[test]
fn an_escape_sequence_in_remote_output_never_reaches_the_terminal() {
    let lab = crate::labs::TestLab::new("chapter4", "es", |y| {
        y.replacen(
            "\nchecks:\n",
            "\nchecks:\n  - name: odd output\n    on: node1\n    run: printf 'x\\033]0;pwned\\007\\033[31mred\\n'\n    expect: { contains: red }\n",
            1,
        )
    });
    lab.up(&[]);
    let out = lab.lab(&["verify", &lab.name, "--only", "odd output"]);
    let shown = crate::labs::text(&out);
    assert!(out.status.success(), "{shown}");
    for (what, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        assert!(
            !bytes.iter().any(|b| *b == 0x1b || *b == 0x07),
            "raw ESC/BEL on {what}: {shown:?}"
        );
    }
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(r"x\u{1b}]0;pwned\u{7}\u{1b}[31mred"),
        "{shown}"
    );
}

#[test]
fn an_icmp_error_is_reported_as_what_came_back() {
    // On the broken network the pod's ping loops in the overlay and a
    // `Time to live exceeded` comes back at once: still unreachable (no echo
    // reply), but the report says what came back, not "no reply within 1s".
    let lab = crate::labs::TestLab::chapter4("ic");
    lab.up(&[]);
    let (out, report) = lab.verify(&["--only", "pod reaches pod across"]);
    assert!(out.status.success(), "{}", crate::labs::text(&out));
    let check = &report["checks"][0];
    assert_eq!(check["verdict"], "pass", "{check}");
    assert_eq!(
        check["observed"], "unreachable (From 10.244.1.1: Time to live exceeded)",
        "{check}"
    );
}

#[test]
fn a_mesh_counts_targets_not_icmp_error_lines() {
    // fping prints an ICMP error per probe on stderr: these say why a target
    // is unreachable, they are not more unreachable targets ("3 of 1").
    let lab = crate::labs::TestLab::new("chapter4", "im", |y| {
        y.replacen(
            "\nchecks:\n",
            "\nchecks:\n  - name: pods cannot reach each other\n    mesh: { pods: nginx }\n    expect: unreachable\n",
            1,
        )
    });
    lab.up(&[]);
    let (out, report) = lab.verify(&["--only", "pods cannot reach"]);
    let checks = report["checks"].as_array().expect("a report");
    assert_eq!(checks.len(), 2, "{}", crate::labs::text(&out));
    for c in checks {
        assert_eq!(c["verdict"], "pass", "{c}");
        let observed = c["observed"].as_str().unwrap();
        assert!(
            observed.starts_with("1 of 1 unreachable") && observed.contains("Time Exceeded"),
            "{c}"
        );
    }
    assert!(out.status.success(), "{}", crate::labs::text(&out));
}
