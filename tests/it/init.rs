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
