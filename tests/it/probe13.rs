//! The thirteenth probe of issue 21 (`docs/security-probe.md`, "thirteenth
//! probe"): a reproduction of what it found, report only.
//!
//! Failed on db63e56 (fixed since, the lead): a node's `/dev/null`, `/dev/zero`, `/dev/full`,
//! `/dev/random`, `/dev/urandom` and `/dev/tty` are the host's own device
//! files (read-write binds of the host's devtmpfs inodes), and a node's root
//! (uid 0 mapped to the host's 0, `CAP_CHOWN`, `CAP_FOWNER`) changes their
//! owner and mode on the host: `chmod 000 /dev/null` in a node leaves every
//! program of the host's other users without `/dev/null`, and a plain
//! `tcpdump -i lo -w /dev/null` in a node gives the host's `/dev/null` to the
//! user `tcpdump`. The test only re-applies the current owner and mode (so
//! the host keeps them whatever happens) and looks at what the node's
//! command did: it must fail, and the host's inode must keep its change
//! time.

use crate::labs::{TestLab, text};
use std::os::unix::fs::MetadataExt;

/// The host's inode change time of `path`, in nanoseconds.
fn ctime(path: &str) -> i128 {
    let m = std::fs::metadata(path).unwrap();
    m.ctime() as i128 * 1_000_000_000 + m.ctime_nsec() as i128
}

#[test]
fn a_nodes_root_cannot_change_the_hosts_device_files() {
    let lab = TestLab::chapter4("p13d");
    lab.up(&[]);
    let mut changed = Vec::new();
    for dev in [
        "/dev/null",
        "/dev/zero",
        "/dev/full",
        "/dev/urandom",
        "/dev/tty",
    ] {
        let m = std::fs::metadata(dev).unwrap();
        let (uid, gid, mode) = (m.uid(), m.gid(), m.mode() & 0o7777);
        let before = ctime(dev);
        // The same owner and mode again: the host keeps both, only the
        // inode's change time says whether the node reached it.
        let out = lab.ssh(
            "node1",
            &format!("chown {uid}:{gid} {dev} && chmod {mode:o} {dev} && echo changed"),
        );
        let said = text(&out);
        if said.contains("changed") || ctime(dev) != before {
            changed.push(format!("{dev}: {said}"));
        }
    }
    assert!(
        changed.is_empty(),
        "a node's root changed the host's device files: {changed:?}"
    );
}

/// Failed on db63e56 (fixed since, the lead): a node's `/proc` is a proc of its own PID
/// namespace, but its top-level entries (`/proc/meminfo`, `/proc/dma`, ...)
/// are the kernel's one `proc_dir_entry` each, and `chmod`/`chown` on them
/// (`proc_notify_change`) changes that entry for every `/proc` on the host:
/// by hand, `chmod 0400 /proc/dma` in node1 made `/proc/dma` 0400 in node2,
/// in a fresh `unshare -pmf --mount-proc` on the host (`nobody`: "Permission
/// denied") and after `lab destroy`. The test sets `/proc/version`'s own
/// mode and owner again (0444, root: nothing changes whatever happens) and
/// asks that the node's command fail.
#[test]
fn a_nodes_root_cannot_change_the_kernels_proc_entries() {
    let lab = TestLab::chapter4("p13p");
    lab.up(&[]);
    let out = lab.ssh(
        "node1",
        "chmod 0444 /proc/version && chown 0:0 /proc/version && echo changed",
    );
    let said = text(&out);
    assert!(
        !said.contains("changed"),
        "a node's root changed a kernel-wide /proc entry: {said}"
    );
}

/// Failed on db63e56 (fixed since, the lead): a failed `apply`'s reason (`state.json`'s
/// `apply_failed`, new this session) quotes the tail of a pod's own
/// `nginx.out`, which the pod's root writes, and `lab status` prints it to
/// the user's terminal unescaped: a pod that put `ESC ] 0 ; title BEL` and
/// `ESC [ 2 J` there (and made its next nginx fail: `nginx.pid` a folder)
/// set the title of, and cleared, the terminal of whoever ran `lab status`
/// (`apply` and `verify` print the same text escaped, `\u{1b}`).
#[test]
fn a_pods_control_characters_never_reach_the_terminal_through_status() {
    use lab::provider::netns::files::Layout;
    use lab::session::Session;
    let lab = TestLab::chapter4("p13e");
    lab.up(&[]);
    let session = lab.node1_session();
    let p = lab.pod_on("node1");
    let dir = std::path::absolute(Layout::new(lab.dir()).pod_dir(&p.name)).unwrap();
    let dir = dir.to_string_lossy();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let cmd = format!(
        "printf '\\033]0;P13-TITLE\\007\\033[2JP13-FROM-POD\\n' >> {dir}/nginx.out && \
         rm -rf {dir}/nginx.pid && mkdir {dir}/nginx.pid && echo planted"
    );
    // nginx listens before it writes its pid file: under load lab's
    // readiness may connect in that moment and the apply succeed (the pod
    // then has no nginx); the pod plants again, at most five times.
    let mut tries = 0;
    let apply = loop {
        tries += 1;
        let p = lab.pod_on("node1");
        let planted = rt
            .block_on(session.pod_output(&p.pod_ref(), &cmd))
            .unwrap()
            .text();
        assert!(planted.contains("planted"), "{planted}");
        let variant = if tries % 2 == 1 { "fixed" } else { "broken" };
        let apply = lab.lab(&["apply", &lab.name, "--variant", variant]);
        if !apply.status.success() || tries == 5 {
            break apply;
        }
    };
    assert!(!apply.status.success(), "{}", text(&apply));
    let status = lab.lab(&["status", &lab.name]);
    let said = text(&status);
    assert!(said.contains("P13-FROM-POD"), "status says why: {said}");
    assert!(
        !said.contains('\u{1b}') && !said.contains('\u{7}'),
        "a pod's control characters reached the terminal: {said:?}"
    );
}

/// Failed on db63e56 (fixed since, the lead): a state folder whose path holds a space
/// (`LAB_STATE_DIR="/tmp/p13/s x"`) is accepted by `lab up`, which brings
/// the lab up, but `lab destroy` then refuses it, exit 2: "PID … runs
/// `/usr/sbin/nginx -e stderr -c /tmp/p13/s x/…`, not a process lab started
/// from this state folder; it was copied or crafted" (`provider_state.rs`
/// `trusted` splits the pod's command line at spaces), and leaves its 7
/// namespaces, 14 mounts, cgroups and both nginx. The test kills the
/// recorded nginx itself when `destroy` fails, so it leaves nothing.
#[test]
fn a_lab_in_a_state_folder_with_a_space_is_destroyed() {
    use crate::harness::{copy_lab, lab_cmd_in, require_root, unique_name};
    require_root();
    let name = unique_name("p13s");
    let src = copy_lab("chapter4", &name);
    let base = tempfile::tempdir().unwrap();
    let state = base.path().join("state x");
    std::fs::create_dir(&state).unwrap();
    let up = lab_cmd_in(&state)
        .args(["up", &src.path().join("lab.yaml").to_string_lossy()])
        .output()
        .unwrap();
    assert!(up.status.success(), "{}", text(&up));
    let destroy = lab_cmd_in(&state)
        .args(["destroy", &name])
        .output()
        .unwrap();
    let said = text(&destroy);
    if !destroy.status.success() {
        for (pid, st) in crate::labs::recorded(&state.join(&name)) {
            if crate::labs::alive(pid, st) {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(pid),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
        }
        for _ in 0..50 {
            let left = crate::labs::recorded(&state.join(&name));
            if left.iter().all(|&(p, s)| !crate::labs::alive(p, s)) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let again = lab_cmd_in(&state)
            .args(["destroy", &name])
            .output()
            .unwrap();
        assert!(again.status.success(), "{}", text(&again));
    }
    assert!(
        destroy.status.success(),
        "destroy refused a lab it brought up: {said}"
    );
}
