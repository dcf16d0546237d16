//! Report paths on the command line (`--junit`, `--json`): written through
//! like every Unix tool writes (symlinks followed, FIFOs, devices and
//! `/dev/fd/N` work, `-` is stdout), checked before anything runs, and a
//! write that still fails at the end never hides the results.
//!
//! Devices are made with `mknod` in a temporary folder, never the host's:
//! a regression that replaces the path must not replace `/dev/null`.

use crate::labs::{TestLab, namespaces_of, text};
use nix::sys::stat::{Mode, SFlag, makedev, mknod};
use std::io::Read;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::process::Output;

/// One cheap check that passes on the broken variant.
const ONLY: &str = "own pod subnet";

fn up() -> TestLab {
    let lab = TestLab::chapter4("rp");
    lab.up(&[]);
    lab
}

fn verify(lab: &TestLab, reports: &[&str]) -> Output {
    let mut args = vec!["verify", lab.name.as_str(), "--only", ONLY];
    args.extend_from_slice(reports);
    lab.lab(&args)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A character device like the host's `/dev/null` (1,3) or `/dev/full`
/// (1,7), in `dir`.
fn char_device(dir: &Path, name: &str, minor: u64) -> std::path::PathBuf {
    let p = dir.join(name);
    mknod(
        &p,
        SFlag::S_IFCHR,
        Mode::from_bits_truncate(0o666),
        makedev(1, minor),
    )
    .unwrap();
    p
}

fn is_char_device(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_char_device())
}

#[test]
fn a_symlinked_report_writes_its_target_and_stays_a_link() {
    let lab = up();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("real.xml");
    std::fs::write(&target, "old").unwrap();
    let link = dir.path().join("link.xml");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = verify(&lab, &["--junit", s(&link)]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link stays a link"
    );
    let xml = std::fs::read_to_string(&target).unwrap();
    assert!(
        xml.contains("<testsuites"),
        "the target got the report: {xml}"
    );
}

#[test]
fn a_fifo_reader_receives_the_report() {
    let lab = up();
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("report.fifo");
    nix::unistd::mkfifo(&fifo, Mode::from_bits_truncate(0o600)).unwrap();
    // A reader that never blocks: lab's open for writing finds it, and
    // what lab wrote waits in the pipe.
    let mut reader = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits())
            .open(&fifo)
            .unwrap()
    };
    let out = verify(&lab, &["--json", s(&fifo)]);
    assert!(out.status.success(), "{}", text(&out));
    let mut got = Vec::new();
    let _ = reader.read_to_end(&mut got);
    let doc: serde_json::Value = serde_json::from_slice(&got)
        .unwrap_or_else(|e| panic!("{e}: {:?}\n{}", String::from_utf8_lossy(&got), text(&out)));
    assert_eq!(doc["summary"]["passed"], 1);
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo(),
        "the FIFO stays a FIFO"
    );
}

#[test]
fn a_device_report_path_stays_a_device() {
    let lab = up();
    let dir = tempfile::tempdir().unwrap();
    let null = char_device(dir.path(), "null", 3);
    let out = verify(&lab, &["--junit", s(&null), "--json", s(&null)]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(is_char_device(&null), "the device node was replaced");
}

#[test]
fn a_dash_writes_the_report_to_stdout() {
    let lab = up();
    let out = verify(&lab, &["--json", "-"]);
    assert!(out.status.success(), "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is the JSON report only ({e}):\n{}", text(&out)));
    assert_eq!(doc["summary"]["passed"], 1);
    assert!(
        !lab.src.path().join("-").exists(),
        "no file named '-' in the working folder"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("1 passed, 0 failed"),
        "the table and summary move to stderr: {stderr}"
    );
}

#[test]
fn a_dev_fd_path_writes_to_the_inherited_pipe() {
    // `lab verify --json >(jq .)`: the shell passes /dev/fd/N.
    use std::os::fd::AsRawFd;
    use std::os::unix::process::CommandExt;
    let lab = up();
    let (mut rd, wr) = {
        let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).unwrap();
        (std::fs::File::from(r), w)
    };
    let fd = wr.as_raw_fd();
    let mut cmd = lab.cmd();
    cmd.args(["verify", &lab.name, "--only", ONLY, "--json"])
        .arg(format!("/dev/fd/{fd}"));
    // Only lab inherits the pipe (not the children of other tests).
    unsafe {
        cmd.pre_exec(move || {
            // SAFETY: `fd` is open in the child (the parent keeps it open
            // until after spawn), and borrowed only for this call.
            nix::fcntl::fcntl(
                std::os::fd::BorrowedFd::borrow_raw(fd),
                nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::empty()),
            )
            .map(|_| ())
            .map_err(std::io::Error::from)
        });
    }
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(wr);
    let reading = std::thread::spawn(move || {
        let mut got = Vec::new();
        let _ = rd.read_to_end(&mut got);
        got
    });
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let got = reading.join().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&got)
        .unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(&got)));
    assert_eq!(doc["summary"]["passed"], 1);
}

#[test]
fn a_bad_report_path_stops_lab_test_before_anything_is_made() {
    let lab = TestLab::chapter4("rb");
    let file = lab.file();
    let out = lab.lab(&["test", s(&file), "--junit", "/nonexistent/x.xml"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--junit") && stderr.contains("/nonexistent"),
        "names the option and the folder: {stderr}"
    );
    assert!(
        namespaces_of(&lab.name).is_empty(),
        "nothing was brought up"
    );
    assert_eq!(
        std::fs::read_dir(lab.state.path()).unwrap().count(),
        0,
        "no state folder, no lab.log"
    );
}

#[test]
fn report_paths_into_directories_or_the_labs_own_files_are_refused() {
    let lab = up();
    let state = lab.dir().join("state.json");
    let before = std::fs::read(&state).unwrap();
    let log = lab.dir().join("lab.log");
    let log_before = std::fs::read(&log).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let json = dir.path().join("r.json");
    for bad in [
        state.clone(),
        dir.path().to_path_buf(),
        file.join("x.xml"),
        dir.path().join("missing/x.xml"),
    ] {
        let out = verify(&lab, &["--junit", s(&bad), "--json", s(&json)]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}: {}",
            bad.display(),
            text(&out)
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--junit"),
            "{}",
            text(&out)
        );
        assert!(!json.exists(), "nothing written for {}", bad.display());
    }
    assert_eq!(
        std::fs::read(&state).unwrap(),
        before,
        "state.json untouched"
    );
    assert_eq!(
        std::fs::read(&log).unwrap(),
        log_before,
        "refused before anything ran, not even logged"
    );
    assert!(!dir.path().join("missing").exists());
    let out = verify(&lab, &["--junit", "-", "--json", "-"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

#[test]
fn a_report_that_cannot_be_written_still_shows_the_results() {
    let lab = up();
    let dir = tempfile::tempdir().unwrap();
    // Like /dev/full: every write fails with ENOSPC.
    let full = char_device(dir.path(), "full", 7);
    let json = dir.path().join("r.json");
    let out = verify(&lab, &["--junit", s(&full), "--json", s(&json)]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(ONLY), "the table is shown: {}", text(&out));
    assert!(
        stdout
            .lines()
            .last()
            .is_some_and(|l| l.starts_with("1 passed, 0 failed in ")),
        "{}",
        text(&out)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(s(&full)) && stderr.contains("No space left"),
        "says which report failed and why: {stderr}"
    );
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(doc["summary"]["passed"], 1, "the other report is written");
    assert!(is_char_device(&full));
}

/// A report never overwrites the lab's inputs: the chapter, the lab file, a
/// manifest or the known-drift file (named directly or through a symlink)
/// are refused with exit 2 before anything runs, and stay as they were.
#[test]
fn a_report_path_that_is_an_input_is_refused() {
    let (_, state) = crate::harness::lab_cmd();
    let name = crate::labs::unique_name("inp");
    let src = crate::harness::copy_lab("chapter4", &name);
    let d = src.path();
    let link = d.join("link.json");
    std::os::unix::fs::symlink(d.join("lab.yaml"), &link).unwrap();
    let manifest = std::fs::read_dir(d)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "yml"))
        .expect("a manifest");
    let cases = [
        ("book", "--html", d.join("chapter.md")),
        ("book", "--json", d.join("lab.yaml")),
        ("book", "--junit", d.join("chapter.drift.yaml")),
        ("book", "--json", link.clone()),
        ("test", "--json", manifest.clone()),
        ("test", "--junit", d.join("lab.yaml")),
    ];
    for (cmd, flag, path) in cases {
        let before = std::fs::read(&path).unwrap();
        let out = crate::harness::lab_cmd_in(state.path())
            .current_dir(d)
            .args([cmd, "lab.yaml", flag, s(&path)])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{cmd} {flag} {}: {}",
            path.display(),
            text(&out)
        );
        assert!(text(&out).contains("input"), "{}", text(&out));
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "{} changed",
            path.display()
        );
    }
    assert!(namespaces_of(&name).is_empty());
}
