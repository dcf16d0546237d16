//! Unit tests of the verify engine, on a fake session (no root).

use super::*;
use crate::probe::tests::cx_with;
use crate::session::Output;
use crate::session::fake::FakeSession;
use crate::spec::tests::lab;

fn check(lab: &Lab, name: &str) -> Check {
    lab.checks.iter().find(|c| c.name == name).unwrap().clone()
}

#[tokio::test]
async fn a_failed_check_gets_its_nodes_and_a_capture_and_a_passed_one_nothing() {
    let lab = lab();
    let dir = tempfile::tempdir().unwrap();
    let artifacts = diagnostics::Artifacts::new(dir.path(), "fixed");
    let reply = Output {
        code: Some(0),
        stdout: "64 bytes from 10.244.2.2: icmp_seq=1 ttl=63 time=0.1 ms\n".into(),
        stderr: String::new(),
    };
    let s = FakeSession::new()
        .on(
            "node1",
            "tcpdump",
            "### capture-flannel.1\nIP 10.244.1.0 > 10.244.2.2\n",
        )
        .on_out("node1", "ping -n -c 1 -W 1", reply)
        .on(
            "node1",
            "### ip-addr",
            "### ip-addr\n2: enp0s8\n### iptables\n",
        )
        .on("node2", "### ip-addr", "### ip-addr\n3: enp0s8\n");
    let cx = cx_with(&lab, &s);
    let across = check(&lab, "node reaches pod across nodes");
    // fixed expects ttl 63: the reply passes, nothing is collected.
    let r = run_check(&cx, &artifacts, &across, "fixed", &|| None).await;
    assert_eq!(r[0].verdict, Verdict::Pass, "{r:?}");
    assert!(r[0].artifacts.is_empty());
    assert!(!dir.path().join("artifacts").exists());
    // broken expects unreachable: the reply fails, and both nodes and a
    // capture on node1 (where the ping starts) are collected.
    let r = run_check(&cx, &artifacts, &across, "broken", &|| None).await;
    assert_eq!(r[0].verdict, Verdict::Fail, "{r:?}");
    assert_eq!(r[0].observed, "reachable, ttl 63");
    let names: Vec<String> = r[0]
        .artifacts
        .iter()
        .map(|p| {
            p.strip_prefix(artifacts.dir())
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    assert!(
        names.contains(&"nodes/node1/ip-addr.txt".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"nodes/node2/ip-addr.txt".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"nodes/node1/flannel.log".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"node-reaches-pod-across-nodes/node1-capture-flannel.1.txt".to_string()),
        "{names:?}"
    );
    let ran = s.ran();
    let capture = ran.iter().find(|c| c.contains("tcpdump")).unwrap();
    for i in ["flannel.1", "enp0s3", "enp0s8"] {
        assert!(
            capture.contains(&format!("tcpdump -l -n -i {i} ")),
            "{capture}"
        );
    }
    assert!(
        capture.contains("'host 10.244.2.2 or udp port 8472'"),
        "{capture}"
    );
}

#[tokio::test]
async fn a_probe_that_could_not_ask_is_an_error_with_diagnostics() {
    let lab = lab();
    let dir = tempfile::tempdir().unwrap();
    let artifacts = diagnostics::Artifacts::new(dir.path(), "broken");
    let s = FakeSession::new().unreached("node1", "", "namespace gone");
    let cx = cx_with(&lab, &s);
    let r = run_check(
        &cx,
        &artifacts,
        &check(&lab, "route to node2's pods goes through flannel.1"),
        "broken",
        &|| None,
    )
    .await;
    assert_eq!(r[0].verdict, Verdict::Error);
    assert!(r[0].observed.starts_with("could not run: "), "{r:?}");
    assert!(
        r[0].artifacts
            .iter()
            .any(|p| p.ends_with("nodes/node1/ssh-error.txt")),
        "{r:?}"
    );
}

#[tokio::test]
async fn kubernetes_checks_are_skipped_with_the_reason_where_there_is_none() {
    let lab = lab();
    let dir = tempfile::tempdir().unwrap();
    let artifacts = diagnostics::Artifacts::new(dir.path(), "broken");
    let s = FakeSession::new();
    let r = run_check(
        &cx_with(&lab, &s),
        &artifacts,
        &check(&lab, "every node is Ready"),
        "broken",
        &|| None,
    )
    .await;
    assert_eq!(r[0].verdict, Verdict::Skip);
    assert_eq!(r[0].observed, "the fake lab has no Kubernetes API");
    assert!(s.ran().is_empty());
}

#[tokio::test]
async fn the_capture_follows_the_vxlan_port_the_manifest_gives() {
    // A copy of chapter4 whose broken variant's net-conf says Port 4789
    // (which flannel and the manifest parser accept).
    let dir = tempfile::tempdir().unwrap();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("labs/chapter4");
    for f in std::fs::read_dir(&src).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, dir.path().join(f.file_name().unwrap())).unwrap();
    }
    let manifest = dir.path().join("flannel.yml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let edited = text.replace(
        "\"Type\": \"vxlan\"\n",
        "\"Type\": \"vxlan\",\n        \"Port\": 4789\n",
    );
    assert_ne!(text, edited);
    std::fs::write(&manifest, edited).unwrap();
    let lab = crate::spec::load_file(&dir.path().join("lab.yaml"), Default::default()).unwrap();
    let broken = lab.variant("broken").unwrap().cni.plugin();
    assert_eq!(broken.overlay_port(), 4789);

    let artifacts = diagnostics::Artifacts::new(dir.path(), "broken");
    let s = FakeSession::new().on(
        "node1",
        "mktemp -d /tmp/lab-capture.",
        "/tmp/lab-capture.ab12\n",
    );
    let mut cx = cx_with(&lab, &s);
    cx.cni = broken;
    let r = run_check(
        &cx,
        &artifacts,
        &check(&lab, "pod reaches pod across nodes"),
        "fixed",
        &|| None,
    )
    .await;
    assert_ne!(r[0].verdict, Verdict::Pass);
    let ran = s.ran();
    let capture = ran
        .iter()
        .find(|c| c.contains("tcpdump"))
        .unwrap_or_else(|| panic!("a capture: {ran:?}"));
    assert!(capture.starts_with("node1: "), "{capture}");
    assert!(
        capture.contains("'host 10.244.2.2 or udp port 4789'"),
        "{capture}"
    );
    // The pod's traffic is made from the pod, through the session, once
    // node1's captures listen, and node1 is told when it was made.
    let at = |what: &str| {
        ran.iter()
            .rposition(|c| c.contains(what))
            .unwrap_or_else(|| panic!("{what} never ran: {ran:?}"))
    };
    let made = at("pod nginx-deployment-node1-0: ping");
    assert!(at("mktemp -d /tmp/lab-capture.") < made, "{ran:?}");
    assert!(at("cat /tmp/lab-capture.ab12/listening") < made, "{ran:?}");
    assert!(
        made < at("echo made >/tmp/lab-capture.ab12/made"),
        "{ran:?}"
    );
}

/// The programs a shell command line runs (roughly: the first word of
/// each simple command, and what `timeout` runs), shell keywords and
/// builtins left out.
fn programs_in(line: &str) -> Vec<String> {
    // Keywords before a command, and what is no program at all.
    const BEFORE: &[&str] = &["do", "then", "while", "if", "!"];
    const BUILTIN: &[&str] = &[
        "for", "done", "fi", "echo", "kill", "wait", "break", "true", "[", "case", "esac", "exec",
        "read", "set", "exit",
    ];
    let mut s = line
        .replace("2>&1", " ")
        .replace(">&2", " ")
        .replace(">/dev/null", " ")
        .replace("<&", "<");
    for sep in ["$((", "$(", "(", ")", "&&", "||", "|", "&", "\n"] {
        s = s.replace(sep, ";");
    }
    let mut out = Vec::new();
    for seg in s.split(';') {
        let mut words = seg
            .split_whitespace()
            .skip_while(|w| BEFORE.contains(w) || w.contains('=') || w.contains('+'));
        if let Some(w) = words.next().map(|w| w.trim_start_matches('\'')) {
            if w == "exec" {
                // `exec prog` runs prog; `exec 3<file` only redirects.
                out.extend(
                    words
                        .next()
                        .filter(|p| !p.contains(['<', '>']))
                        .map(str::to_string),
                );
                continue;
            }
            if BUILTIN.contains(&w) {
                continue;
            }
            out.push(w.to_string());
            if w == "timeout" {
                out.extend(words.nth(1).map(str::to_string));
            }
        }
    }
    out
}

#[tokio::test]
async fn every_program_the_probes_and_diagnostics_run_is_declared() {
    let lab = lab();
    let dir = tempfile::tempdir().unwrap();
    let artifacts = diagnostics::Artifacts::new(dir.path(), "broken");
    // Nothing answers: every check errs, and its diagnostics run.
    let s = FakeSession::new();
    let cx = cx_with(&lab, &s);
    let mut checks = lab.checks.clone();
    checks.push(Check {
        name: "mesh".into(),
        probe: std::sync::Arc::new(crate::probe::mesh::Mesh {
            app: "nginx".into(),
            from_nodes: true,
        }),
        expect: lab.checks[3].expect.clone(),
    });
    for variant in ["broken", "fixed"] {
        for c in &checks {
            run_check(&cx, &artifacts, c, variant, &|| None).await;
        }
    }
    let declared = crate::probe::programs(cx.cni);
    let mut seen = Vec::new();
    for line in s.ran() {
        let (_, cmd) = line.split_once(": ").unwrap();
        // A `run:` check's command is the lab file's.
        if lab
            .checks
            .iter()
            .any(|c| c.probe.label().ends_with(&format!("$ {cmd}")))
        {
            continue;
        }
        for p in programs_in(cmd) {
            assert!(
                declared.contains(&p.as_str()),
                "{p} (in `{cmd}`) is not declared: {declared:?}"
            );
            seen.push(p);
        }
    }
    for p in [
        "ping",
        "curl",
        "fping",
        "tcpdump",
        "ip",
        "bridge",
        "iptables-save",
        "cat",
    ] {
        assert!(seen.iter().any(|s| s == p), "{p} never ran: {seen:?}");
    }
    assert_eq!(
        programs_in(
            "f=$(mktemp); timeout 15 tcpdump -i x & t=$!; for _ in $(seq 3); do grep -q a; done"
        ),
        ["mktemp", "timeout", "tcpdump", "seq", "grep"]
    );
}
