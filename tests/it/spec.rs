//! The lab definition end to end: every bad lab under `tests/fixtures/bad/`
//! is rejected by `lab up` and `lab render` with exit code 2, a message
//! naming file, line, field and problem, and nothing made; the chapter's own
//! lab loads with the chapter's facts.
//!
//! Each `tests/fixtures/bad/<case>/` is a full copy of `labs/chapter4/` with
//! one defect (made by `tests/fixtures/bad/make.py`) and an `expect.txt`
//! listing the problems `lab` must report, one a line:
//! `<file>[:<line>] <field> | <fragment of the message>`.

use crate::harness::{self, fixture};
use lab::error::{LabError, Problem};
use lab::spec::{self, LoadOptions, Role};
use std::path::{Path, PathBuf};

/// Every bad lab: (case, folder), sorted.
fn bad_cases() -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(fixture("bad"))
        .expect("tests/fixtures/bad")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.join("lab.yaml").is_file())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    out.sort();
    out
}

/// One line of `expect.txt`.
#[derive(Debug)]
struct Expected {
    file: String,
    line: Option<usize>,
    field: String,
    fragment: String,
}

fn read_expect(dir: &Path) -> Vec<Expected> {
    let text = std::fs::read_to_string(dir.join("expect.txt"))
        .unwrap_or_else(|e| panic!("{}/expect.txt: {e}", dir.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (head, fragment) = l
                .split_once(" | ")
                .unwrap_or_else(|| panic!("{}: bad expect line {l:?}", dir.display()));
            let (place, field) = head.split_once(' ').expect("<file>[:<line>] <field>");
            let (file, line) = match place.split_once(':') {
                Some((f, n)) => (f.to_string(), Some(n.parse().expect("line number"))),
                None => (place.to_string(), None),
            };
            Expected {
                file,
                line,
                field: field.to_string(),
                fragment: fragment.to_string(),
            }
        })
        .collect()
}

/// The problem lines of `lab`'s error output (`  <file>:<line>:<col>: ...`).
fn problem_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("  "))
        .map(str::trim)
        .collect()
}

/// Whether `line` (a problem line) is the problem `e` expects in `dir`.
fn matches(line: &str, dir: &Path, e: &Expected) -> bool {
    let file = dir.join(&e.file).display().to_string();
    let place_ok = match e.line {
        Some(n) => line.starts_with(&format!("{file}:{n}:")),
        None => line.starts_with(&format!("{file}: ")),
    };
    place_ok && line.contains(&format!(": {}: ", e.field)) && line.contains(&e.fragment)
}

/// `lab`'s output with the fixture's absolute folder made stable.
fn redact(text: &str, dir: &Path) -> String {
    text.replace(&dir.display().to_string(), "[FIXTURE]")
}

fn lab_name_of(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.join("lab.yaml")).expect("lab.yaml");
    text.lines()
        .find_map(|l| l.strip_prefix("name:"))
        .map(|n| n.trim().to_string())
        .expect("name:")
}

#[test]
fn every_bad_lab_is_rejected_naming_file_line_field_and_problem() {
    let cases = bad_cases();
    assert!(cases.len() >= 20, "only {} bad labs", cases.len());
    let netns_before = harness::is_root().then(harness::netns_list);
    let mut failures = Vec::new();
    for (case, dir) in &cases {
        // Never run `lab up` on a fixture the library accepts: as root it
        // would bring a real lab up.
        match spec::load_file(&dir.join("lab.yaml"), LoadOptions::default()) {
            Err(LabError::Invalid(_)) => {}
            Err(e) => panic!("{case}: rejected, but not as an invalid lab: {e}"),
            Ok(_) => panic!("{case}: the library accepts this bad lab"),
        }
        let expected = read_expect(dir);
        let mut outputs = Vec::new();
        for command in ["up", "render"] {
            let (mut cmd, state) = harness::lab_cmd();
            let out = cmd.arg(command).arg(dir).output().expect("run lab");
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            if out.status.code() != Some(2) {
                failures.push(format!(
                    "{case}: lab {command} exited {:?}, not 2:\n{stderr}",
                    out.status.code()
                ));
            }
            if !out.stdout.is_empty() {
                failures.push(format!("{case}: lab {command} printed to stdout"));
            }
            let made: Vec<_> = std::fs::read_dir(state.path())
                .expect("state folder")
                .map(|e| e.unwrap().file_name())
                .collect();
            if !made.is_empty() {
                failures.push(format!(
                    "{case}: lab {command} made {made:?} in LAB_STATE_DIR"
                ));
            }
            let header = format!(
                "error: invalid lab definition ({} problem{}):",
                expected.len(),
                if expected.len() == 1 { "" } else { "s" }
            );
            if !stderr.starts_with(&header) {
                failures.push(format!(
                    "{case}: lab {command} should start with {header:?}:\n{stderr}"
                ));
            }
            let lines = problem_lines(&stderr);
            if lines.len() != expected.len() {
                failures.push(format!(
                    "{case}: lab {command}: {} problems, expected {}:\n{stderr}",
                    lines.len(),
                    expected.len()
                ));
            }
            for e in &expected {
                if !lines.iter().any(|l| matches(l, dir, e)) {
                    failures.push(format!(
                        "{case}: lab {command}: no problem matches {e:?}:\n{stderr}"
                    ));
                }
            }
            outputs.push(stderr);
        }
        if outputs[0] != outputs[1] {
            failures.push(format!(
                "{case}: up and render report differently:\n{}\n{}",
                outputs[0], outputs[1]
            ));
        }
        insta::assert_snapshot!(format!("bad__{case}"), redact(&outputs[0], dir));
    }
    // A snapshot whose fixture is gone would never be checked again.
    let snapshots = harness::root().join("tests/it/snapshots");
    for entry in std::fs::read_dir(&snapshots).expect("snapshots").flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        if let Some(case) = file
            .strip_prefix("it__spec__bad__")
            .and_then(|f| f.strip_suffix(".snap"))
            && !cases.iter().any(|(c, _)| c == case)
        {
            failures.push(format!("snapshot {file} has no fixture bad/{case}"));
        }
    }
    if let Some(before) = netns_before {
        let names: Vec<String> = cases.iter().map(|(_, d)| lab_name_of(d)).collect();
        // Other tests may make namespaces meanwhile: only ours count.
        let ours: Vec<String> = harness::netns_list()
            .into_iter()
            .filter(|n| !before.contains(n) && names.iter().any(|l| n.contains(l.as_str())))
            .collect();
        if !ours.is_empty() {
            failures.push(format!("bad labs made network namespaces: {ours:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_problem_of_a_file_is_reported_at_once() {
    let dir = fixture("bad/three-defects");
    let Err(LabError::Invalid(p)) = spec::load_file(&dir.join("lab.yaml"), LoadOptions::default())
    else {
        panic!("three-defects must be invalid");
    };
    let fields: Vec<(&str, Option<usize>)> =
        p.0.iter().map(|p| (p.field.as_str(), p.line)).collect();
    assert_eq!(
        fields,
        [
            ("box", Some(8)),
            ("network.nat", Some(12)),
            // A bad check is found even though other fields are bad too.
            ("checks[8].on", Some(57)),
        ]
    );

    let (mut cmd, _state) = harness::lab_cmd();
    let out = cmd.arg("up").arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(problem_lines(&stderr).len(), 3, "{stderr}");
}

#[test]
fn checks_are_not_resolved_against_nodes_that_failed() {
    // A bad node address leaves node1/node2 unmade: the checks naming them
    // must not add "unknown node" noise on top of the one real problem.
    let dir = harness::copy_lab("chapter4", &harness::unique_name("t"));
    let file = dir.path().join("lab.yaml");
    harness::edit(&file, "ip: 10.100.198.201", "ip: 10.100.198.2011");
    let Err(LabError::Invalid(p)) = spec::load_file(&file, LoadOptions::default()) else {
        panic!("must be invalid");
    };
    let fields: Vec<&str> = p.0.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["nodes[1].ip"], "{:?}", p.0);
}

#[test]
fn chapter4_loads_with_the_chapter_facts() {
    let lab = spec::load("chapter4", LoadOptions::default()).expect("chapter4 is valid");
    assert_eq!(lab.name, "chapter4");
    assert_eq!(lab.kubernetes, "1.32");
    let nodes: Vec<(&str, Role, String, String)> = lab
        .nodes
        .iter()
        .map(|n| {
            (
                n.name.as_str(),
                n.role,
                n.ip.to_string(),
                n.pod_subnet.to_string(),
            )
        })
        .collect();
    assert_eq!(
        nodes,
        [
            (
                "master",
                Role::ControlPlane,
                "10.100.198.200".into(),
                "10.244.0.0/24".into()
            ),
            (
                "node1",
                Role::Worker,
                "10.100.198.201".into(),
                "10.244.1.0/24".into()
            ),
            (
                "node2",
                Role::Worker,
                "10.100.198.202".into(),
                "10.244.2.0/24".into()
            ),
        ]
    );
    assert_eq!(lab.control_plane().name, "master");
    assert_eq!((lab.nodes[0].cpus, lab.nodes[0].memory), (2, 2048));
    assert_eq!((lab.nodes[1].cpus, lab.nodes[1].memory), (1, 1024));
    assert_eq!(lab.network.pods.to_string(), "10.244.0.0/16");

    let variants: Vec<&str> = lab.variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(variants, ["broken", "fixed"]);
    assert_eq!(lab.default_variant, "broken");
    let flannel = |i: usize| lab.variants[i].cni.flannel().expect("flannel");
    assert!(flannel(0).iface.is_empty());
    assert_eq!(flannel(1).iface, ["enp0s8"]);
    for i in 0..lab.variants.len() {
        assert_eq!(flannel(i).network.to_string(), "10.244.0.0/16");
        assert_eq!(flannel(i).backend, "vxlan");
        assert_eq!(lab.variants[i].cni.plugin().overlay_device(), "flannel.1");
    }

    let placed: Vec<(String, String)> = lab
        .placements()
        .into_iter()
        .map(|p| (p.app, p.node))
        .collect();
    let nginx = |n: &str| ("nginx".to_string(), n.to_string());
    assert_eq!(placed, [nginx("node1"), nginx("node2")]);

    // Every check of the file is resolved, none skipped.
    let raw: serde_norway::Value =
        serde_norway::from_str(&std::fs::read_to_string(&lab.file).unwrap()).unwrap();
    let n = raw["checks"].as_sequence().expect("checks").len();
    assert!(n >= 10, "chapter4 has {n} checks");
    assert_eq!(lab.checks.len(), n);
    assert!(lab.skipped_checks.is_empty());
    for c in &lab.checks {
        assert_eq!(
            c.expect.keys().collect::<Vec<_>>(),
            ["broken", "fixed"],
            "{}",
            c.name
        );
    }
    let across = lab
        .checks
        .iter()
        .find(|c| c.name == "pod reaches pod across nodes")
        .expect("the chapter's pod-to-pod check");
    assert_eq!(across.probe.label(), "pod nginx@node1 → pod nginx@node2");
    assert_eq!(across.probe.nodes(), ["node1", "node2"]);
    assert_eq!(across.expect_for("broken").to_string(), "unreachable");
    assert_eq!(across.expect_for("fixed").to_string(), "reachable, ttl 62");
}

#[test]
fn nodes_override_sets_the_worker_count() {
    let lab = spec::load("chapter4", LoadOptions { workers: Some(5) }).unwrap();
    assert_eq!(lab.nodes.len(), 6);
    let last = lab.nodes.last().unwrap();
    assert_eq!(
        (
            last.name.as_str(),
            last.ip.to_string(),
            last.pod_subnet.to_string()
        ),
        ("node5", "10.100.198.205".into(), "10.244.5.0/24".into())
    );
    assert!(lab.skipped_checks.is_empty());
}

#[test]
fn nodes_override_of_one_leaves_out_cross_node_checks() {
    // `lab render chapter4 --nodes 1` must work: checks about node2 do not
    // apply to a one-worker lab and are left out with the reason.
    let lab = spec::load("chapter4", LoadOptions { workers: Some(1) }).unwrap();
    let names: Vec<&str> = lab.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["master", "node1"]);
    assert!(!lab.skipped_checks.is_empty());
    for s in &lab.skipped_checks {
        assert!(
            s.reason.contains("with 1 worker") && s.reason.contains("node2"),
            "{s:?}"
        );
    }
    assert!(
        lab.checks
            .iter()
            .any(|c| c.name == "node reaches pod on the same node")
    );
    assert!(
        !lab.checks
            .iter()
            .any(|c| c.probe.nodes().contains(&"node2".to_string()))
    );
}

#[test]
fn nodes_override_too_large_names_the_range() {
    let Err(LabError::Invalid(p)) = spec::load("chapter4", LoadOptions { workers: Some(300) })
    else {
        panic!("--nodes 300 must not fit a /24");
    };
    let [Problem { field, message, .. }] = p.0.as_slice() else {
        panic!("one problem: {:?}", p.0);
    };
    assert_eq!(field, "nodes[1].count");
    assert!(message.contains("--nodes 300"), "{message}");
    assert!(message.contains("10.100.198.0/24"), "{message}");

    let (mut cmd, state) = harness::lab_cmd();
    cmd.args(["render", "chapter4", "--nodes", "300"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("network.private 10.100.198.0/24"));
    assert_eq!(std::fs::read_dir(state.path()).unwrap().count(), 0);
}

#[test]
fn control_plane_defaults_meet_kubeadm_minimum() {
    // Without cpus/memory the control plane gets kubeadm's minimum, not a
    // worker's 1 CPU and 1024 MB.
    let dir = harness::copy_lab("chapter4", &harness::unique_name("t"));
    let file = dir.path().join("lab.yaml");
    harness::edit(&file, ", cpus: 2, memory: 2048 }", " }");
    let lab = spec::load_file(&file, LoadOptions::default()).unwrap();
    let cp = lab.control_plane();
    assert_eq!((cp.cpus, cp.memory), (2, 2048));
}

#[test]
fn a_copied_lab_has_its_new_name() {
    let name = harness::unique_name("t");
    assert!(name.len() <= 12 && spec::validate_name(&name), "{name}");
    let dir = harness::copy_lab("chapter4", &name);
    let lab = spec::load(dir.path().to_str().unwrap(), LoadOptions::default()).unwrap();
    assert_eq!(lab.name, name);
    assert_eq!(lab.dir, dir.path());
    assert_ne!(harness::unique_name("t"), name);
}

#[test]
fn a_missing_lab_is_a_usage_error() {
    let (mut cmd, state) = harness::lab_cmd();
    cmd.args(["up", "./no/such/lab"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no/such/lab"));
    assert_eq!(std::fs::read_dir(state.path()).unwrap().count(), 0);
}

#[test]
fn help_snapshots() {
    for (name, args) in [
        ("help", &["--help"][..]),
        ("verify_help", &["verify", "--help"][..]),
    ] {
        let (mut cmd, _state) = harness::lab_cmd();
        // Help wraps to the terminal: the snapshot's is 100 columns.
        let out = cmd.env("COLUMNS", "100").args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        insta::assert_snapshot!(name, String::from_utf8_lossy(&out.stdout));
    }
}

#[test]
fn a_file_with_thousands_of_problems_reports_the_first_ones_and_counts_the_rest() {
    // Each problem is located by scanning the text: locating 5,000 of them in
    // a 5,000-line file took quadratic time. The first 20 are shown.
    let dir = harness::copy_lab("chapter4", &harness::unique_name("t"));
    let file = dir.path().join("lab.yaml");
    let bad = "  - { name: BAD, role: worker, ip: 10.100.198.9 }\n".repeat(5000);
    harness::edit(&file, "nodes:\n", &format!("nodes:\n{bad}"));
    let Err(LabError::Invalid(p)) = spec::load_file(&file, LoadOptions::default()) else {
        panic!("must be invalid");
    };
    assert_eq!(p.0.len(), 21, "{:?}", &p.0[..3]);
    assert_eq!(
        (p.0[19].field.as_str(), p.0[19].line),
        ("nodes[19].name", Some(34))
    );
    let last = p.0.last().unwrap();
    assert_eq!(last.message, "4980 more problems not shown", "{last:?}");
}

#[test]
fn a_chapter_or_manifest_that_leaves_the_lab_folder_through_a_symlink_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    let host_file = outside.path().join("host.md");
    std::fs::write(&host_file, "# not the lab's\n").unwrap();
    std::fs::write(outside.path().join("flannel.yml"), "kind: List\n").unwrap();
    for (field, make) in [
        ("book", "chapter.md"),
        ("book", "sub/host.md"),
        ("variants", "flannel.yml"),
    ] {
        let dir = harness::copy_lab("chapter4", &harness::unique_name("t"));
        let d = dir.path();
        match make {
            "sub/host.md" => {
                std::os::unix::fs::symlink(outside.path(), d.join("sub")).unwrap();
                harness::edit(&d.join("lab.yaml"), "book: chapter.md", "book: sub/host.md");
            }
            f => {
                std::fs::remove_file(d.join(f)).unwrap();
                std::os::unix::fs::symlink(
                    outside
                        .path()
                        .join(if f == "chapter.md" { "host.md" } else { f }),
                    d.join(f),
                )
                .unwrap();
            }
        }
        let Err(LabError::Invalid(p)) =
            spec::load_file(&d.join("lab.yaml"), LoadOptions::default())
        else {
            panic!("{make} outside the lab folder was accepted");
        };
        assert!(
            p.0.iter().any(|p| p.field.starts_with(field) && p.message.contains("outside the lab folder")),
            "{make}: {:?}",
            p.0
        );
    }
}

#[test]
fn replicas_beyond_any_pod_subnet_are_refused_without_growing() {
    use std::os::unix::process::CommandExt;
    let dir = harness::copy_lab("chapter4", &harness::unique_name("t"));
    harness::edit(
        &dir.path().join("nginx-deployment.yaml"),
        "replicas: 2",
        "replicas: 2147483647",
    );
    let state = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_lab"));
    cmd.env("LAB_STATE_DIR", state.path())
        .args(["render", dir.path().to_str().unwrap()]);
    // 1 GiB of address space: far more than a lab file needs.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: 1 << 30,
                rlim_max: 1 << 30,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("nginx-deployment.yaml:11") && err.contains("spec.replicas"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(state.path()).unwrap().count(), 0);
}
