//! Small helpers for the integration tests.
//!
//! - [`lab_cmd`]: the `lab` binary with `LAB_STATE_DIR` set to a fresh
//!   temporary folder (returned: keep it alive while the command runs, and
//!   inspect it afterwards) and `CI=1`, so output is plain lines.
//! - [`fixture`]: a path under `tests/fixtures/`.
//! - [`copy_lab`]: a throw-away copy of `labs/<src>/` under a new lab name,
//!   for tests that bring labs up: names from [`unique_name`] keep tests that
//!   run at the same time (in this binary or in other checkouts on the same
//!   machine) from sharing namespaces, interfaces or state.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use tempfile::TempDir;

/// The repository root (where `Cargo.toml`, `labs/` and `tests/` are).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures").join(name)
}

/// A `lab` command with a fresh, empty state folder (`LAB_STATE_DIR`), which
/// is returned with it. Plain output (`CI=1`); `LAB_PATH` is cleared so only
/// `labs/` and explicit paths are found.
pub fn lab_cmd() -> (Command, TempDir) {
    let state = tempfile::Builder::new()
        .prefix("lab-state-")
        .tempdir()
        .expect("temporary state folder");
    (lab_cmd_in(state.path()), state)
}

/// A `lab` command using an existing state folder, for a sequence of
/// commands on one lab (`up`, then `verify`, then `destroy`).
pub fn lab_cmd_in(state_dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lab"));
    cmd.env("LAB_STATE_DIR", state_dir)
        .env("CI", "1")
        .env("NO_COLOR", "1")
        .env_remove("LAB_PATH");
    cmd
}

/// A lab name unique to this test run and short enough for interface and
/// namespace names built from it: `<prefix><pid % 10000>x<counter>`, e.g.
/// `t4821x3`.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{prefix}{}x{}",
        std::process::id() % 10000,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Copy `labs/<src>/` (its `lab.yaml` and every file beside it) into a new
/// temporary folder and rename the lab to `new_name` (its `name:` line).
/// The folder is the lab: pass `dir.path()` to `lab up`.
pub fn copy_lab(src: &str, new_name: &str) -> TempDir {
    let from = root().join("labs").join(src);
    let dir = tempfile::Builder::new()
        .prefix("lab-copy-")
        .tempdir()
        .expect("temporary lab folder");
    for entry in std::fs::read_dir(&from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.expect("directory entry");
        if entry.file_type().expect("file type").is_file() {
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("copy");
        }
    }
    let file = dir.path().join("lab.yaml");
    let text = std::fs::read_to_string(&file).expect("lab.yaml");
    let mut renamed = false;
    let text: String = text
        .lines()
        .map(|l| {
            if !renamed && l.starts_with("name:") {
                renamed = true;
                format!("name: {new_name}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    assert!(renamed, "{} has no top-level name: line", file.display());
    std::fs::write(&file, text).expect("write lab.yaml");
    dir
}

/// Replace `old` by `new` in `file`, which must contain it exactly once.
pub fn edit(file: &Path, old: &str, new: &str) {
    let text = std::fs::read_to_string(file).expect("read");
    assert_eq!(
        text.matches(old).count(),
        1,
        "{old:?} should occur once in {}",
        file.display()
    );
    std::fs::write(file, text.replacen(old, new, 1)).expect("write");
}

/// Whether the tests run as root (netns assertions need it).
pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// The one root policy of the tests: a test that needs root says so and
/// fails when not root (CI runs as root); none prints "skipped" and passes.
pub fn require_root() {
    assert!(
        is_root(),
        "this test needs root (network namespaces); CI runs as root"
    );
}

/// The network namespaces of this machine (`ip netns list`), names only;
/// empty when `ip` is missing.
pub fn netns_list() -> Vec<String> {
    std::process::Command::new("ip")
        .args(["netns", "list"])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .filter_map(|l| l.split_whitespace().next().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Run headless Chromium on a file; its stdout.
pub fn chromium_run(chromium: &std::path::Path, args: &[&str], file: &std::path::Path) -> String {
    let profile = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", file.display()))
        .output()
        .expect("run chromium");
    assert!(
        o.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}
