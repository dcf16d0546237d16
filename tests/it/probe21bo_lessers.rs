//! probe21bo's lesser findings: the copy of the lab kept in the state
//! folder (`lab/lab.yaml` and its manifests) was believed when edited
//! (no longer the digest `state.json` records) or when others could write
//! it, though the same mode on `state.json` is refused (lesser 1); a
//! workload listed twice passed validation and failed `up` half way
//! (lesser 2).

use crate::labs::{TestLab, text};
use std::os::unix::fs::PermissionsExt;

/// Lesser 1: a copy others can write (a file 0666, the folder 0777) and a
/// copy edited since `up` are refused by `status`, `verify` and `apply`
/// (exit 2, the trust refusal); restored, the lab is used again.
/// Seen failing without `trust::check_copy` and the digest check in
/// `State::lab_source`: `status` exit 0 with the copy's `lab.yaml` at
/// 0666 (the probe: `verify` ran an edited copy's checks, no warning).
#[test]
fn the_lab_copy_in_the_state_folder_is_refused_when_others_could_write_it_or_it_was_edited() {
    let t = TestLab::chapter4("sboa");
    t.up(&[]);
    let copy = t.dir().join("lab");
    let yaml = copy.join("lab.yaml");
    let mode = |p: &std::path::Path, m: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap()
    };
    let refused = |said: &str| {
        for args in [
            vec!["status", t.name.as_str()],
            vec!["verify", t.name.as_str()],
            vec!["apply", t.name.as_str(), "--variant", "fixed"],
        ] {
            let out = t.lab(&args);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
            assert!(text(&out).contains(said), "{args:?}: {}", text(&out));
        }
    };
    let file_mode = std::fs::metadata(&yaml).unwrap().permissions().mode() & 0o7777;
    mode(&yaml, 0o666);
    refused("can be written by other users (mode 666)");
    mode(&yaml, file_mode);
    let dir_mode = std::fs::metadata(&copy).unwrap().permissions().mode() & 0o7777;
    mode(&copy, 0o777);
    refused("can be written by other users (mode 777)");
    mode(&copy, dir_mode);
    let good = std::fs::read_to_string(&yaml).unwrap();
    std::fs::write(&yaml, format!("{good}\n# edited after up\n")).unwrap();
    refused("no longer the lab that was brought up");
    std::fs::write(&yaml, &good).unwrap();
    let out = t.lab(&["verify", &t.name]);
    assert!(out.status.success(), "{}", text(&out));
}

/// Lesser 2: a workload listed twice is a validation error (exit 2)
/// naming the file, line and field, and nothing is made.
/// Seen failing without the duplicate check in `validate/workloads.rs`:
/// `up` exit 3, "File exists".
#[test]
fn a_workload_listed_twice_is_refused_at_validation() {
    let t = TestLab::new("chapter4", "sbob", |y| {
        y.replace(
            "workloads: [nginx-deployment.yaml]",
            "workloads: [nginx-deployment.yaml, nginx-deployment.yaml]",
        )
    });
    let file = t.file();
    let out = t.lab(&["up", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains("lab.yaml:21"), "{said}");
    assert!(said.contains("workloads"), "{said}");
    assert!(
        said.contains("twice") || said.contains("duplicate"),
        "{said}"
    );
    assert!(!t.dir().join("state.json").exists(), "{said}");
}

/// Lesser 3 (probe21bo's 5): on a full disk, `verify --json F` fails the
/// write (exit 3, the results shown) and leaves F as it was, not emptied,
/// and no temporary file beside it.
/// Seen failing with `Target::write` writing the path in place: exit 3,
/// and F held the first 4 KiB of the new report, the last one gone (the
/// probe: F left empty).
#[test]
fn a_report_that_cannot_be_written_whole_leaves_its_file_as_it_was() {
    let t = TestLab::chapter4("sboe");
    t.up(&[]);
    let disk = tempfile::tempdir().unwrap();
    let d = disk.path().to_str().unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=16k", "tmpfs", d])
        .status()
        .unwrap();
    assert!(mounted.success());
    struct Unmount(String);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(d.to_string());
    let report = disk.path().join("r.json");
    std::fs::write(&report, "the last report\n").unwrap();
    // Fill what is left.
    let fill = std::process::Command::new("dd")
        .args(["if=/dev/zero", &format!("of={d}/fill"), "bs=1k"])
        .output()
        .unwrap();
    assert!(!fill.status.success());
    let out = t.lab(&["verify", &t.name, "--json", report.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        text(&out).contains("No space left on device"),
        "{}",
        text(&out)
    );
    assert_eq!(
        std::fs::read_to_string(&report).unwrap(),
        "the last report\n"
    );
    let names: Vec<_> = std::fs::read_dir(disk.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

/// Lesser 4 (probe21bo's 6): a state root others could swap (here the
/// root itself 0777, not sticky; the probe's was its parent folder) is
/// refused by `status` and `verify` as by `apply` (exit 2, the same
/// words), nothing run.
/// Seen failing without `root_is_usable` in `State::load`: `status`
/// exit 0.
#[test]
fn a_state_root_others_could_swap_is_refused_by_reading_commands_too() {
    let t = TestLab::chapter4("sbof");
    t.up(&[]);
    let root = t.state.path();
    let was = std::fs::metadata(root).unwrap().permissions().mode() & 0o7777;
    let open = |m: u32| std::fs::set_permissions(root, std::fs::Permissions::from_mode(m)).unwrap();
    let mut said = Vec::new();
    for args in [
        vec!["status", t.name.as_str()],
        vec!["verify", t.name.as_str()],
        vec!["apply", t.name.as_str(), "--variant", "fixed"],
    ] {
        open(0o777);
        let out = t.lab(&args);
        open(was);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(
            text(&out).contains("can be written by other users"),
            "{args:?}: {}",
            text(&out)
        );
        let last = String::from_utf8_lossy(&out.stderr);
        said.push(last.lines().last().unwrap_or("").to_string());
    }
    assert!(said.iter().all(|s| *s == said[0]), "{said:?}");
    let out = t.lab(&["status", &t.name]);
    assert!(out.status.success(), "{}", text(&out));
}
