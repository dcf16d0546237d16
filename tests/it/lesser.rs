//! Issue 21's lesser findings (the fifth and sixth probes' "found, not
//! fixed"): a state root or cache where lab cannot make its folders, ...

use crate::harness;

/// A state root where lab cannot make its folders (in a kernel filesystem,
/// on a read-only mount) is the user's setting: a usage error naming
/// `LAB_STATE_DIR`, the path and why, nothing made; also for the commands
/// that only read state. The read-only mount is a tmpfs in a mount
/// namespace of the test's own (`unshare -m`), so nothing is left mounted.
#[test]
fn a_state_root_where_lab_cannot_make_folders_is_a_usage_error() {
    harness::require_root();
    let name = harness::unique_name("ls");
    let commands: Vec<Vec<&str>> = vec![
        vec!["up", "chapter4", "--name", &name],
        vec!["status", &name],
        vec!["status"],
        vec!["verify", &name],
        vec!["destroy", &name],
    ];
    let ro = tempfile::tempdir().unwrap();
    let roots: Vec<(String, &str)> = vec![
        ("/proc/self".into(), "is under /proc, the kernel's"),
        ("/sys/kernel".into(), "is under /sys, the kernel's"),
        (
            "/sys/fs/cgroup/lab-test".into(),
            "is under /sys, the kernel's",
        ),
        ("/proc/self/x/y".into(), "is under /proc, the kernel's"),
        (ro.path().display().to_string(), "read-only mount"),
    ];
    for (root, why) in &roots {
        for c in &commands {
            let lab = env!("CARGO_BIN_EXE_lab");
            let mut cmd;
            if why.contains("read-only") {
                cmd = std::process::Command::new("unshare");
                let script = format!("mount -t tmpfs -o ro lab-test {root} && exec \"$0\" \"$@\"");
                cmd.args(["-m", "sh", "-c", &script, lab]);
            } else {
                cmd = std::process::Command::new(lab);
            }
            cmd.env("LAB_STATE_DIR", root)
                .env("CI", "1")
                .env("NO_COLOR", "1")
                .env_remove("LAB_PATH");
            let out = cmd.args(c).output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{c:?} at {root}: {err}");
            for want in ["LAB_STATE_DIR", root.as_str(), why] {
                assert!(err.contains(want), "{c:?} at {root}: {want} not in {err}");
            }
        }
    }
    assert_eq!(std::fs::read_dir(ro.path()).unwrap().count(), 0);
    assert!(!harness::netns_list().iter().any(|n| n.contains(&name)));
}

/// A cache folder where lab cannot write out the labs it ships
/// (`LAB_CACHE_DIR` at a device, a FIFO, under `/proc`): the error names
/// the variable, the path and why, exit 2, no hang; `lab list` warns.
#[test]
fn a_cache_folder_where_lab_cannot_write_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let state = dir.path().join("state");
    let caches = [
        (
            "/dev/null".to_string(),
            "is not a folder (it is a character device)",
        ),
        (fifo.display().to_string(), "is not a folder (it is a FIFO)"),
        ("/proc/self".to_string(), "is under /proc"),
    ];
    for (cache, why) in &caches {
        for (args, code) in [(vec!["render", "chapter4"], 2), (vec!["list"], 0)] {
            let out = harness::lab_cmd_in(&state)
                .current_dir(dir.path())
                .env("LAB_CACHE_DIR", cache)
                .args(&args)
                .timeout(std::time::Duration::from_secs(60))
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(code), "{args:?} at {cache}: {err}");
            for want in ["LAB_CACHE_DIR", cache.as_str(), why] {
                assert!(
                    err.contains(want),
                    "{args:?} at {cache}: {want} not in {err}"
                );
            }
        }
    }
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// During `lab book --watch`, a chapter or known-drift file swapped for a
/// link out of the lab folder: before, it was read (the start's check was
/// not repeated), the chapter's blocks printed and run, a known-drift
/// file's errors quoting its values. Now each re-read checks what the
/// start checked: said, not read, and the watch goes on.
#[test]
fn a_watched_file_swapped_for_a_link_out_of_the_lab_folder_is_not_read() {
    use crate::probe5::{interrupt, watch};
    harness::require_root();
    let name = harness::unique_name("wl");
    let lab = harness::copy_lab("chapter4", &name);
    let state = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let secret_chapter = outside.path().join("host.md");
    std::fs::write(
        &secret_chapter,
        "# Host\n\n```\n$ echo SECRETCHAPTERWORD\nSECRETCHAPTERWORD\n```\n",
    )
    .unwrap();
    let secret_known = outside.path().join("host.yaml");
    std::fs::write(&secret_known, "version: 2\ndrift: SECRETKNOWNWORD\n").unwrap();
    let (mut child, mut lines) = watch(lab.path(), state.path(), &[]);
    lines.wait("watching", |l| l.starts_with("watching chapter.md"));
    let swap = |file: &str, to: &std::path::Path| {
        let p = lab.path().join(file);
        let tmp = lab.path().join(format!("{file}.new"));
        std::os::unix::fs::symlink(to, &tmp).unwrap();
        std::fs::rename(&tmp, &p).unwrap();
    };
    swap("chapter.drift.yaml", &secret_known);
    lines.wait("the known-drift link said", |l| {
        l.contains("chapter.drift.yaml") && l.contains("outside") || l.contains("SECRET")
    });
    swap("chapter.md", &secret_chapter);
    lines.wait("the chapter link said", |l| {
        l.contains("chapter.md") && l.contains("outside") || l.contains("SECRET")
    });
    assert_eq!(interrupt(&mut child), Some(130), "{:?}", lines.seen);
    while let Ok(l) = lines.rx.recv_timeout(std::time::Duration::from_secs(5)) {
        lines.seen.push(l);
    }
    for l in &lines.seen {
        assert!(
            !l.contains("SECRETCHAPTERWORD") && !l.contains("SECRETKNOWNWORD"),
            "read through a link: {l}\n{:?}",
            lines.seen
        );
    }
    crate::book::no_namespaces_of(&name);
}

/// A node's root names interfaces as it likes; before, a name holding ESC
/// and BEL (which `ip -j` prints raw) made `lab inspect` and the live
/// `lab graph` exit 3 ("control character"). Now both show the names
/// escaped, exit 0, and never print a raw control character.
#[test]
fn interface_names_with_escapes_made_in_a_node_are_shown_escaped() {
    use std::os::unix::ffi::OsStrExt;
    let lab = crate::labs::TestLab::chapter4("le");
    lab.up(&[]);
    let names: [&[u8]; 4] = [b"\x1b]0;pwn\x07x", b"a\\nb", b"x%dy", b"\xffz"];
    for (i, n) in names.iter().enumerate() {
        let out = std::process::Command::new("ip")
            .args(["netns", "exec", &format!("{}.node1", lab.name)])
            .args(["ip", "link", "add"])
            .arg(std::ffi::OsStr::from_bytes(n))
            .args(["type", "veth", "peer", "name", &format!("lzp{i}")])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", crate::labs::text(&out));
    }
    let mut commands = vec![vec!["inspect", lab.name.as_str()]];
    for f in ["svg", "mermaid", "dot"] {
        commands.push(vec!["graph", &lab.name, "--format", f]);
    }
    for args in commands {
        let out = lab.lab(&args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            crate::labs::text(&out)
        );
        let raw = out
            .stdout
            .iter()
            .chain(&out.stderr)
            .any(|&b| b < 0x20 && b != b'\n' || b == 0x7f || b == 0xff);
        assert!(
            !raw,
            "{args:?} printed a raw control byte: {}",
            crate::labs::text(&out)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        if args[0] == "inspect" {
            // (`x%dy` is the kernel's template for a free number: `x0y`.)
            for want in ["\\u{1b}]0;pwn\\u{7}x", "a\\\\nb", "x0y", "\u{fffd}z"] {
                assert!(text.contains(want), "{want} not in {text}");
            }
        }
    }
}
