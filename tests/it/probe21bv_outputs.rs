//! Probe 21bv, output paths: one check of every file `lab` writes where
//! the user says (reports, `graph --out`, the pages of `nightly --out` and
//! `man --out`), which keeps databases, programs, lab files and every file
//! a lab reads (its chapter, known drift, manifests: of a `lab.yaml`
//! beside or above, or of any lab up on this host); two reports that meet
//! through a link to a missing file; `lab init --force` over the lab file
//! of a lab that is up. None of these bring a lab up: a lab that is up is
//! what its claim (`LAB_RUN_DIR`) and state say, as `lab up` leaves them.

use crate::harness::{copy_lab, lab_cmd, unique_name};
use crate::labs::text;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A lab folder (a copy of chapter 4) named `opt…`.
fn lab_folder() -> (String, tempfile::TempDir) {
    let name = unique_name("opt");
    let dir = copy_lab("chapter4", &name);
    (name, dir)
}

/// What no report or picture may replace, with the words of its refusal:
/// a history database, a script, and another lab's files.
fn kept_files(other: &Path, scratch: &Path) -> Vec<(PathBuf, &'static str)> {
    let db = scratch.join("history.db");
    std::fs::write(&db, b"SQLite format 3\0and the rest").unwrap();
    let script = scratch.join("tool.sh");
    std::fs::write(&script, "#!/bin/sh\necho hi\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut v = vec![(db, "database"), (script, "executable")];
    v.push((other.join("lab.yaml"), "lab file"));
    for f in [
        "chapter.md",
        "chapter.drift.yaml",
        "flannel.yml",
        "flannel_fix.yml",
        "nginx-deployment.yaml",
    ] {
        v.push((other.join(f), "reads (its chapter"));
    }
    v
}

/// Findings 2 and 4: `lab graph --out` over a database, a script and
/// every file of another lab's folder is refused (exit 2, unchanged), as
/// a report is. Seen failing on f04b48c (without this fix): exit 0 for
/// `history.db`, the first of them, replaced by the SVG.
#[test]
fn graph_out_never_replaces_a_database_a_program_or_another_labs_files() {
    let (_, lab) = lab_folder();
    let (_, other) = lab_folder();
    let scratch = tempfile::tempdir().unwrap();
    for (path, why) in kept_files(other.path(), scratch.path()) {
        let before = std::fs::read(&path).unwrap();
        let (mut cmd, _state) = lab_cmd();
        let out = cmd
            .args(["graph", lab.path().to_str().unwrap(), "--out"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}: {}",
            path.display(),
            text(&out)
        );
        assert!(
            text(&out).contains(why),
            "{}: {}",
            path.display(),
            text(&out)
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "{} changed",
            path.display()
        );
    }
    // A new file, and an old picture, are written.
    let svg = scratch.path().join("topology.svg");
    for _ in 0..2 {
        let (mut cmd, _state) = lab_cmd();
        let out = cmd
            .args(["graph", lab.path().to_str().unwrap(), "--out"])
            .arg(&svg)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
    }
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
}

/// Finding 4: a report over another lab's chapter, known drift or
/// manifest is refused, directly or through a link, exit 2, nothing run
/// (`book` and `test` share `Reports::check_inputs` with `verify`). Seen
/// failing on f04b48c (without this fix): the path was let by and
/// `verify` went on to say the lab is not up (on a lab that is up the
/// probe saw exit 0 and the chapter replaced).
#[test]
fn a_report_never_replaces_a_file_another_lab_reads() {
    let (name, _lab) = lab_folder();
    let (_, other) = lab_folder();
    let links = tempfile::tempdir().unwrap();
    for f in [
        "chapter.md",
        "chapter.drift.yaml",
        "flannel_fix.yml",
        "nginx-deployment.yaml",
    ] {
        let direct = other.path().join(f);
        let link = links.path().join(format!("{f}.json"));
        std::os::unix::fs::symlink(&direct, &link).unwrap();
        for (flag, path) in [("--json", &direct), ("--junit", &link)] {
            let before = std::fs::read(&direct).unwrap();
            let (mut cmd, _state) = lab_cmd();
            let out = cmd
                .args(["verify", &name, flag])
                .arg(path)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(2), "{f}: {}", text(&out));
            assert!(
                text(&out).contains("which a report never replaces"),
                "{flag} {}: {}",
                path.display(),
                text(&out)
            );
            assert_eq!(std::fs::read(&direct).unwrap(), before, "{f} changed");
        }
    }
}

/// A claims folder (`LAB_RUN_DIR`) saying lab `name` is up from
/// `lab_file`, as `lab up` leaves it: the claim names the state folder,
/// whose `state.json` names the lab file.
fn claim_up(run_dir: &Path, state_dir: &Path, name: &str, lab_file: &Path) {
    std::fs::create_dir_all(state_dir).unwrap();
    std::fs::write(
        state_dir.join("state.json"),
        serde_json::json!({ "name": name, "lab_file": lab_file }).to_string(),
    )
    .unwrap();
    std::fs::write(
        run_dir.join(format!("{name}.json")),
        serde_json::json!({ "name": name, "instance": "i1", "state_dir": state_dir }).to_string(),
    )
    .unwrap();
}

/// Finding 4, a lab up from a lab file of another name (`my-lab.yaml`,
/// no `lab.yaml` beside): its chapter and manifests are found through
/// the host's claims. Seen failing on f04b48c (without this fix): the
/// path was let by ("is not up").
#[test]
fn a_report_never_replaces_a_file_of_a_lab_up_from_a_file_of_another_name() {
    let (name, _lab) = lab_folder();
    let (other_name, other) = lab_folder();
    let my = other.path().join("my-lab.yaml");
    std::fs::rename(other.path().join("lab.yaml"), &my).unwrap();
    let run = tempfile::tempdir().unwrap();
    let states = tempfile::tempdir().unwrap();
    claim_up(
        run.path(),
        &states.path().join(&other_name),
        &other_name,
        &my,
    );
    for f in ["chapter.md", "flannel.yml"] {
        let path = other.path().join(f);
        let before = std::fs::read(&path).unwrap();
        let (mut cmd, _state) = lab_cmd();
        let out = cmd
            .env("LAB_RUN_DIR", run.path())
            .args(["verify", &name, "--json"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{f}: {}", text(&out));
        assert!(
            text(&out).contains("which a report never replaces"),
            "{f}: {}",
            text(&out)
        );
        assert_eq!(std::fs::read(&path).unwrap(), before, "{f} changed");
    }
}

/// Lesser: two report paths that meet through a link to a file not made
/// yet are one file, refused as the other cases are. Seen failing on
/// f04b48c (`same_destination` did not follow links when neither file
/// exists): the paths were let by, "is not up" (on an up lab one report
/// was lost).
#[test]
fn two_reports_that_meet_through_a_link_to_a_missing_file_are_refused() {
    let d = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("v.json", d.path().join("v2.json")).unwrap();
    let (mut cmd, _state) = lab_cmd();
    let out = cmd
        .current_dir(d.path())
        .args([
            "verify", "optnone", "--json", "v.json", "--junit", "v2.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("writes there too"), "{}", text(&out));
    assert!(!d.path().join("v.json").exists());
}

/// The pages of `lab nightly --out` and `lab man --out` are checked as
/// every output is: an `index.html` that is a database, a `lab.1` that is
/// a program, are refused, exit 2, unchanged. Seen failing on f04b48c
/// (without the checks in `cli/nightly.rs` and `cli/man.rs`): nightly went on to
/// read the history ("history database …: does not exist"; with one, the
/// page is replaced), man replaced `lab.1` (exit 0).
#[test]
fn nightly_and_man_pages_never_replace_a_kept_file() {
    let out_dir = tempfile::tempdir().unwrap();
    std::fs::write(out_dir.path().join(".lab-nightly"), "mark\n").unwrap();
    let index = out_dir.path().join("index.html");
    std::fs::write(&index, b"SQLite format 3\0a history").unwrap();
    let (mut cmd, _state) = lab_cmd();
    let out = cmd
        .args(["nightly", "report", "--db"])
        .arg(out_dir.path().join("none.db"))
        .arg("--out")
        .arg(out_dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("index.html is a database")
            && text(&out).contains("which a report never replaces"),
        "{}",
        text(&out)
    );
    assert_eq!(
        std::fs::read(&index).unwrap(),
        b"SQLite format 3\0a history"
    );

    let man = tempfile::tempdir().unwrap();
    let page = man.path().join("lab.1");
    std::fs::write(&page, "#!/bin/sh\n").unwrap();
    std::fs::set_permissions(&page, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (mut cmd, _state) = lab_cmd();
    let out = cmd.args(["man", "--out"]).arg(man.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("executable"), "{}", text(&out));
    assert_eq!(std::fs::read(&page).unwrap(), b"#!/bin/sh\n");
}

/// Lesser: `lab init CHAPTER DIR --force` over the lab file of a lab that
/// is up is refused, naming the lab and `lab destroy`; once it is down,
/// `--force` redrafts. Seen failing on f04b48c (without the check in
/// `init::init`): exit 0, the up lab's `lab.yaml` redrafted.
#[test]
fn init_force_never_replaces_the_lab_file_of_a_lab_that_is_up() {
    let (name, lab) = lab_folder();
    let file = lab.path().join("lab.yaml");
    let before = std::fs::read(&file).unwrap();
    let run = tempfile::tempdir().unwrap();
    let states = tempfile::tempdir().unwrap();
    claim_up(run.path(), &states.path().join(&name), &name, &file);
    let init = |run_dir: &Path| {
        let (mut cmd, _state) = lab_cmd();
        cmd.env("LAB_RUN_DIR", run_dir)
            .arg("init")
            .arg(lab.path().join("chapter.md"))
            .arg(lab.path())
            .arg("--force")
            .output()
            .unwrap()
    };
    let out = init(run.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("lab {name}, which is up"))
            && text(&out).contains(&format!("lab destroy {name}")),
        "{}",
        text(&out)
    );
    assert_eq!(std::fs::read(&file).unwrap(), before, "lab.yaml changed");
    // Down (no claim): redrafted.
    let none = tempfile::tempdir().unwrap();
    let out = init(none.path());
    assert!(out.status.success(), "{}", text(&out));
    assert_ne!(std::fs::read(&file).unwrap(), before);
}

/// The probe's own case, on a lab really up (its claim and state as `lab
/// up` leaves them): a report and a picture over the files of a lab that
/// is up, and `lab init --force` over its lab file, are refused, exit 2,
/// every file kept; the lab still verifies. Seen failing on f04b48c
/// (without this fix) through the cases above, which fake only the claim.
#[test]
fn the_files_of_a_lab_that_is_up_are_kept_from_every_output() {
    let up = crate::labs::TestLab::chapter4("opt");
    up.up(&[]);
    let (_, other) = lab_folder();
    let dir = up.src.path();
    let before: Vec<(PathBuf, Vec<u8>)> = ["lab.yaml", "chapter.md", "flannel.yml"]
        .iter()
        .map(|f| (dir.join(f), std::fs::read(dir.join(f)).unwrap()))
        .collect();
    for (path, _) in &before[1..] {
        let out = up
            .cmd()
            .args(["graph", other.path().to_str().unwrap(), "--out"])
            .arg(path)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}: {}",
            path.display(),
            text(&out)
        );
    }
    let out = up
        .cmd()
        .args(["init"])
        .arg(dir.join("chapter.md"))
        .arg(dir)
        .arg("--force")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("lab destroy {}", up.name)),
        "{}",
        text(&out)
    );
    for (path, was) in &before {
        assert_eq!(
            &std::fs::read(path).unwrap(),
            was,
            "{} changed",
            path.display()
        );
    }
    let out = up.lab(&["verify", &up.name]);
    assert!(out.status.success(), "{}", text(&out));
}
