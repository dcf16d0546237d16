//! The command line around the commands: `lab list`, shell completions and
//! the man page, all made from the one clap definition; the settings the
//! environment gives (the state root).

use crate::harness::{lab_cmd, root};

#[test]
fn list_shows_each_lab_with_its_variants_checks_and_chapter() {
    let (mut cmd, _state) = lab_cmd();
    let out = cmd.current_dir(root()).arg("list").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("chapter4: Setup Network Using Flannel\n"),
        "{text}"
    );
    assert!(
        text.contains("  variants  broken (default), fixed\n"),
        "{text}"
    );
    assert!(
        text.contains("  checks    11\n    - every node is Ready\n"),
        "{text}"
    );
    assert!(text.contains("  chapter   "), "{text}");
}

#[test]
fn completions_are_valid_shell_calling_lab_back() {
    for shell in ["bash", "zsh", "fish"] {
        let (mut cmd, _state) = lab_cmd();
        let out = cmd.args(["completions", shell]).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let script = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(script.contains("COMPLETE="), "{shell}: {script}");
        assert!(!script.contains("proxy"), "{shell}: {script}");
        if shell == "bash" {
            let file = tempfile::NamedTempFile::new().unwrap();
            std::fs::write(file.path(), &script).unwrap();
            let ok = std::process::Command::new("bash")
                .arg("-n")
                .arg(file.path())
                .status()
                .unwrap();
            assert!(ok.success(), "bash -n refuses the completions");
        }
    }
    let (mut cmd, _state) = lab_cmd();
    assert_eq!(
        cmd.args(["completions", "tcsh"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

#[test]
fn the_man_page_is_roff_naming_the_commands() {
    let (mut cmd, _state) = lab_cmd();
    let out = cmd.arg("man").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.contains(".TH lab 1"), "{page}");
    assert!(
        page.contains("lab\\-nightly") || page.contains("nightly"),
        "{page}"
    );
}

/// A state root that is not a folder (a device, a FIFO) is the user's
/// setting to fix: exit 2 naming `LAB_STATE_DIR`, nothing made, no hang on
/// the FIFO. (The fourth probe's F6: it was exit 3, "Not a directory".)
#[test]
fn a_state_root_that_is_not_a_folder_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    for root in [std::path::Path::new("/dev/null"), fifo.as_path()] {
        for command in ["up", "status"] {
            let out = crate::harness::lab_cmd_in(root)
                .args([command, "chapter4"])
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{command} {}: {err}",
                root.display()
            );
            assert!(
                err.contains("LAB_STATE_DIR") && err.contains("is not a folder"),
                "{err}"
            );
        }
    }
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// probe21p, lesser: `lab man --out DIR` wrote each page through a link
/// planted in DIR under its name. Now each page replaces what is there.
#[test]
fn man_pages_are_never_written_through_a_link_in_their_folder() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "keep\n").unwrap();
    std::os::unix::fs::symlink(&victim, dir.path().join("lab.1")).unwrap();
    let (mut cmd, _state) = lab_cmd();
    let out = cmd
        .args(["man", "--out", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", crate::labs::text(&out));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep\n");
    let page = std::fs::symlink_metadata(dir.path().join("lab.1")).unwrap();
    assert!(page.file_type().is_file());
}
