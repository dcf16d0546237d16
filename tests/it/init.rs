//! `lab init` end to end: a lab drafted from the shipped chapter, with the
//! chapter's manifests beside it, passes `lab test` on netns, book included;
//! bad input exits 2 naming the file and creates nothing.

use crate::harness::{lab_cmd, root, unique_name};
use crate::labs::{TestLab, require_root, text};

#[test]
fn a_lab_drafted_from_chapter4_passes_lab_test() {
    require_root();
    let name = unique_name("in");
    let dir = tempfile::Builder::new()
        .prefix("lab-init-")
        .tempdir()
        .expect("temporary lab folder");
    let src = root().join("labs/chapter4");
    for f in ["flannel.yml", "flannel_fix.yml", "nginx-deployment.yaml"] {
        std::fs::copy(src.join(f), dir.path().join(f)).expect("copy a manifest");
    }
    let lab = TestLab {
        name: name.clone(),
        src: dir,
        state: tempfile::tempdir().expect("tempdir"),
    };
    let out = lab.lab(&[
        "init",
        src.join("chapter.md").to_str().unwrap(),
        lab.src.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "lab init failed:\n{}", text(&out));
    let file = lab.file();
    let drafted = std::fs::read_to_string(&file).expect("lab.yaml drafted");
    let first = drafted
        .lines()
        .find(|l| l.starts_with("name:"))
        .expect("a name: line")
        .to_string();
    std::fs::write(&file, drafted.replacen(&first, &format!("name: {name}"), 1)).unwrap();
    let json = lab.state.path().join("report.json");
    let out = lab.lab(&[
        "test",
        file.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    let shown = text(&out);
    assert!(
        out.status.success(),
        "lab test of the drafted lab failed:\n{shown}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("report")).expect("json");
    let book = &report["book"];
    assert_eq!(book["summary"]["not_understood"], 0, "{shown}");
    let blocks = book["blocks"].as_array().expect("the chapter's blocks");
    assert_eq!(blocks.len(), 17, "{shown}");
    assert!(
        blocks.iter().all(|b| b["verdict"] != "not_understood"),
        "{shown}"
    );
    // The drafted checks ran, variant after variant, and held.
    let results = report["results"].as_array().expect("results");
    for check in [
        "node1 pings nginx on node2",
        "nginx on node1 pings nginx on node2",
        "flannel on node1 chose its interface",
        "route from node1 to node2's pods goes through flannel.1",
    ] {
        let ran: Vec<_> = results.iter().filter(|r| r["name"] == check).collect();
        assert_eq!(ran.len(), 2, "{check} once per variant:\n{shown}");
        assert!(
            ran.iter().all(|r| r["verdict"] == "pass"),
            "{check}:\n{shown}"
        );
    }
}

#[test]
fn a_lab_drafted_from_another_chapter_passes_lab_test() {
    // Two nodes (ctrl, worker-a), 192.168.56.0/24, pods 10.42.0.0/16,
    // eth0/eth1, one variant whose flannel manifest lab init drafts.
    require_root();
    let name = unique_name("in");
    let tmp = tempfile::Builder::new()
        .prefix("lab-init-")
        .tempdir()
        .expect("temporary folder");
    let chapter = tmp.path().join("two-node.md");
    std::fs::copy(root().join("tests/fixtures/init/two-node.md"), &chapter).unwrap();
    let dir = tempfile::Builder::new()
        .prefix("lab-init-")
        .tempdir()
        .expect("temporary lab folder");
    std::fs::copy(
        root().join("tests/fixtures/init/web.yaml"),
        dir.path().join("web.yaml"),
    )
    .unwrap();
    let lab = TestLab {
        name: name.clone(),
        src: dir,
        state: tempfile::tempdir().expect("tempdir"),
    };
    let out = lab.lab(&[
        "init",
        chapter.to_str().unwrap(),
        lab.src.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "lab init failed:\n{}", text(&out));
    assert!(lab.src.path().join("kube-flannel.yml").is_file(), "drafted");
    let file = lab.file();
    let drafted = std::fs::read_to_string(&file).unwrap();
    let first = drafted
        .lines()
        .find(|l| l.starts_with("name:"))
        .unwrap()
        .to_string();
    std::fs::write(&file, drafted.replacen(&first, &format!("name: {name}"), 1)).unwrap();
    let json = lab.state.path().join("report.json");
    let out = lab.lab(&[
        "test",
        file.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    let shown = text(&out);
    assert!(
        out.status.success(),
        "lab test of the drafted lab failed:\n{shown}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["book"]["summary"]["not_understood"], 0, "{shown}");
    assert_eq!(report["book"]["summary"]["drift"], 0, "{shown}");
    let passed = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["variant"] != "book" && r["verdict"] == "pass")
        .count();
    assert_eq!(passed, 5, "the five drafted checks held:\n{shown}");
}

#[test]
fn bad_chapters_exit_2_naming_the_file_and_create_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nowhere.md");
    let into = tmp.path().join("lab");
    let (mut cmd, _state) = lab_cmd();
    let out = cmd
        .args(["init", missing.to_str().unwrap(), into.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("nowhere.md") && err.contains("cannot read"),
        "{err}"
    );
    assert!(!into.exists());

    let bare = root().join("tests/fixtures/init/no-machines.md");
    let (mut cmd, _state) = lab_cmd();
    let out = cmd
        .args(["init", bare.to_str().unwrap(), into.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no-machines.md") && err.contains("names no machines"),
        "{err}"
    );
    assert!(!into.exists(), "nothing created");
}

/// Another author's chapter on another lab (`tests/fixtures/init/
/// three-workers.md`): nodes `cp`, `w1`–`w3`, 192.168.56.0/24, pods
/// 10.10.0.0/16, `eth0` NAT and `eth1` private, 3 replicas, prompts in
/// `console` blocks, the broken overlay and the fix with `--iface=eth1`.
/// Drafted by `lab init`, it passes `lab test` with every block understood
/// and none drifting (the nodes table's row `cp` was taken for the `cp`
/// program: not understood). A copy whose claims are wrong (a cross-node
/// ping answered in the broken variant, a pod's ping answered, a wrong
/// source address, flannel choosing eth1) drifts at exactly those lines.
#[test]
fn another_authors_chapter_on_a_three_worker_lab_replays_and_its_wrong_claims_drift() {
    require_root();
    let name = unique_name("tw");
    let tmp = tempfile::Builder::new()
        .prefix("lab-init-")
        .tempdir()
        .expect("temporary folder");
    let chapter = tmp.path().join("three-workers.md");
    std::fs::copy(
        root().join("tests/fixtures/init/three-workers.md"),
        &chapter,
    )
    .unwrap();
    let dir = tempfile::Builder::new()
        .prefix("lab-init-")
        .tempdir()
        .expect("temporary lab folder");
    std::fs::copy(
        root().join("tests/fixtures/init/web3.yaml"),
        dir.path().join("web.yaml"),
    )
    .unwrap();
    let lab = TestLab {
        name: name.clone(),
        src: dir,
        state: tempfile::tempdir().expect("tempdir"),
    };
    let out = lab.lab(&[
        "init",
        chapter.to_str().unwrap(),
        lab.src.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "lab init failed:\n{}", text(&out));
    let file = lab.file();
    let drafted = std::fs::read_to_string(&file).unwrap();
    for want in [
        "interfaces: { nat: eth0, private: eth1 }",
        "pods: 10.10.0.0/16",
        "name: cp, role: control-plane, ip: 192.168.56.10",
        "name: w3, role: worker, ip: 192.168.56.13",
    ] {
        assert!(drafted.contains(want), "{want}:\n{drafted}");
    }
    let first = drafted
        .lines()
        .find(|l| l.starts_with("name:"))
        .unwrap()
        .to_string();
    std::fs::write(&file, drafted.replacen(&first, &format!("name: {name}"), 1)).unwrap();
    let json = lab.state.path().join("report.json");
    let out = lab.lab(&[
        "test",
        file.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    let shown = text(&out);
    assert!(out.status.success(), "lab test failed:\n{shown}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let summary = &report["book"]["summary"];
    assert_eq!(summary["not_understood"], 0, "{shown}");
    assert_eq!(summary["drift"], 0, "{shown}");
    assert_eq!(summary["match"], 3, "{shown}");
    let wrong = root().join("tests/fixtures/init/three-workers-wrong.md");
    let json = lab.state.path().join("book.json");
    let out = lab.lab(&[
        "book",
        file.to_str().unwrap(),
        "--chapter",
        wrong.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let drifted: Vec<(u64, String)> = report["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["commands"].as_array().unwrap().iter())
        .filter(|c| c["verdict"] == "drift")
        .map(|c| {
            (
                c["line"].as_u64().unwrap(),
                c["differences"][0].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let lines: Vec<u64> = drifted.iter().map(|d| d.0).collect();
    assert_eq!(lines, [50, 59, 70, 90], "{drifted:#?}\n{shown}");
    assert!(
        drifted[0]
            .1
            .contains("the book shows a reply with ttl 63 from ")
            && drifted[0].1.contains("; the lab shows no reply"),
        "{drifted:#?}"
    );
    assert!(
        drifted[1]
            .1
            .contains("Time to live exceeded from 10.10.1.1"),
        "{drifted:#?}"
    );
    assert!(drifted[2].1.contains("src 192.168.56.21"), "{drifted:#?}");
    assert!(drifted[3].1.contains("name eth1"), "{drifted:#?}");
}
