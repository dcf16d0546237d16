//! What a new user meets first: a typo'd lab name, a copied binary, an
//! interactive `lab ssh`, the last line of a run. Each test here failed
//! before its fix.

use crate::harness::lab_cmd;
use crate::labs::{TestLab, text};

#[test]
fn destroy_of_a_lab_that_never_existed_is_an_error_naming_the_labs_up() {
    let (mut cmd, state) = lab_cmd();
    let out = cmd.args(["destroy", "chapter5"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("destroyed"), "{err}");
    assert!(
        err.contains("there is no lab 'chapter5' here to destroy"),
        "{err}"
    );
    assert!(err.contains("(labs up here: none)"), "{err}");
    // Nothing was made for it.
    assert!(!state.path().join("chapter5").exists());
}

#[test]
fn up_of_an_unknown_lab_suggests_the_nearest_and_lists_the_labs() {
    let (mut cmd, state) = lab_cmd();
    let out = cmd
        .current_dir(crate::harness::root())
        .args(["up", "chapter5"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("did you mean 'chapter4'?"), "{err}");
    assert!(err.contains("labs found: chapter4"), "{err}");
    assert!(!state.path().join("chapter5").exists());
}

/// The binary copied into an empty folder, run from another empty folder
/// with `LAB_PATH` unset: `lab`'s own labs travel with it.
fn copied_binary() -> (tempfile::TempDir, std::path::PathBuf, tempfile::TempDir) {
    let bin_dir = tempfile::tempdir().unwrap();
    let bin = bin_dir.path().join("lab");
    std::fs::copy(env!("CARGO_BIN_EXE_lab"), &bin).unwrap();
    let cwd = tempfile::tempdir().unwrap();
    (bin_dir, bin, cwd)
}

#[test]
fn a_copied_binary_in_an_empty_folder_finds_chapter4() {
    let (_bin_dir, bin, cwd) = copied_binary();
    let state = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(&bin)
        .current_dir(cwd.path())
        .env_remove("LAB_PATH")
        .env("LAB_STATE_DIR", state.path())
        .env("CI", "1")
        .arg("list")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        stdout.starts_with("chapter4: Setup Network Using Flannel\n"),
        "{stdout}"
    );
    assert!(stdout.contains("  checks    11\n"), "{stdout}");
    // The files are written under the state folder, not in the repository.
    let file = stdout
        .lines()
        .find_map(|l| l.strip_prefix("  file      "))
        .unwrap();
    assert!(
        file.starts_with(&state.path().display().to_string()),
        "{file}"
    );
    assert!(!file.contains(env!("CARGO_MANIFEST_DIR")), "{file}");
    // The whole lab came along: its chapter and manifests load.
    let out = std::process::Command::new(&bin)
        .current_dir(cwd.path())
        .env_remove("LAB_PATH")
        .env("LAB_STATE_DIR", state.path())
        .args(["render", "chapter4"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn a_nodes_resolver_is_its_own_loopback_not_the_hosts_nameserver() {
    let lab = TestLab::chapter4("ux");
    lab.up(&[]);
    let out = lab.ssh("node1", "cat /etc/resolv.conf");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let conf = String::from_utf8_lossy(&out.stdout);
    let servers: Vec<&str> = conf
        .lines()
        .filter_map(|l| l.strip_prefix("nameserver"))
        .map(str::trim)
        .collect();
    assert!(!servers.is_empty(), "no nameserver line: {conf}");
    assert!(
        servers.iter().all(|s| s.starts_with("127.")),
        "a node would wait for a nameserver it cannot reach: {conf}"
    );
    // The last line of a run ends with a newline, on every stream.
    let out = lab.lab(&["verify", &lab.name, "--only", "own pod subnet"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    for s in [&out.stdout, &out.stderr] {
        assert!(s.is_empty() || s.ends_with(b"\n"), "{}", text(&out));
    }
}
