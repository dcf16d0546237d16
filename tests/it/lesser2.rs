//! The lesser findings the ninth and tenth probes of issue 21 left
//! (`docs/security-probe.md`, "Lesser, fixed since (lesser2)"): each test
//! seen failing on the code before its fix.

use crate::labs::{TestLab, text};
use lab::provider::netns::files::Layout;
use lab::session::Session;

/// Run `cmd` as root of the lab's pod on node1 (what `kubectl exec` gives
/// on netns); `cmd` gets the pod's folder (bound into the pod at its host
/// path).
fn as_pod_root(lab: &TestLab, cmd: impl Fn(&str) -> String) -> String {
    let session = lab.node1_session();
    let p = lab.pod_on("node1");
    let dir = std::path::absolute(Layout::new(lab.dir()).pod_dir(&p.name)).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(session.pod_output(&p.pod_ref(), &cmd(&dir.to_string_lossy())))
        .unwrap()
        .text()
}

/// A FIFO a pod planted for its `access.log` made the next `apply` wait
/// its 30 s readiness bound (nginx opens its logs itself and waited on it)
/// and say only "timed out ... waiting for nginx of POD"; `verify` then
/// said the apply was "interrupted". Now the pod's entry refuses the FIFO
/// by type, naming the file, and `verify` and `status` say the apply
/// failed, and why.
#[test]
fn a_failed_apply_is_told_as_failed_naming_the_fifo_a_pod_planted() {
    let lab = TestLab::chapter4("l2f");
    lab.up(&[]);
    let planted = as_pod_root(&lab, |dir| {
        format!("rm -f {dir}/access.log && mkfifo {dir}/access.log && echo planted")
    });
    assert!(planted.contains("planted"), "{planted}");
    let apply = lab.lab(&["apply", &lab.name, "--variant", "fixed"]);
    let said = text(&apply);
    assert!(!apply.status.success(), "{said}");
    for want in ["access.log", "is a FIFO, not a regular file"] {
        assert!(said.contains(want), "apply does not say {want:?}: {said}");
    }
    let verify = lab.lab(&["verify", &lab.name]);
    let said = text(&verify);
    assert_eq!(verify.status.code(), Some(6), "{said}");
    assert!(
        said.contains("`lab apply --variant fixed` failed (")
            && said.contains("access.log is a FIFO")
            && !said.contains("interrupted"),
        "verify after a failed apply: {said}"
    );
    let status = lab.lab(&["status", &lab.name]);
    let said = text(&status);
    assert!(
        said.contains("applying fixed, failed: ") && !said.contains("interrupted"),
        "status after a failed apply: {said}"
    );
}

/// One node that filled the lab's one tmpfs (104 MiB for chapter 4's
/// nodes and pods together) left its lab's other nodes without space:
/// node2 could not write a byte. Now each node's writable part (its
/// overlay layer, `/run`, `/root`) is a tmpfs of its own, a share of the
/// lab's bound: node1 fills its own, node2 still writes.
#[test]
fn a_node_that_fills_its_disk_leaves_the_other_nodes_room() {
    let lab = TestLab::chapter4("l2d");
    lab.up(&[]);
    let out = lab.ssh(
        "node1",
        "dd if=/dev/zero of=/tmp/fill bs=1M count=400 2>&1; echo rc=$?",
    );
    let said = text(&out);
    assert!(said.contains("No space left on device"), "{said}");
    for node in ["node2", "master"] {
        let out = lab.ssh(
            node,
            "dd if=/dev/zero of=/tmp/room bs=1M count=4 2>&1 && rm /tmp/room && echo wrote",
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("wrote"),
            "{node} could not write 4 MiB while node1's disk was full: {}",
            text(&out)
        );
    }
    // node1's own share, still a bound: at most the lab's whole.
    let out = lab.ssh("node1", "du -m /tmp/fill | cut -f1; rm -f /tmp/fill");
    let held: u64 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{}", text(&out)));
    assert!(held < 104, "node1 held {held} MiB: the lab's whole");
}

/// `lab proxy` (ssh's `ProxyCommand`) for a node or lab that is not up
/// here exited 3, a fault of lab's own ("could not enter node"): it is
/// the caller's wrong name, exit 2 (README's exit codes), saying which.
/// The state folder is one of a netns lab's as far as `proxy` looks (its
/// sshd configuration), with no namespace of the lab.
#[test]
fn proxy_to_a_node_that_is_not_up_is_a_usage_error() {
    let name = crate::harness::unique_name("l2p");
    let state = tempfile::tempdir().unwrap();
    let dir = state.path().join(&name);
    std::fs::create_dir_all(dir.join("ssh")).unwrap();
    std::fs::write(dir.join("ssh/sshd_config"), "").unwrap();
    for node in ["node1", "node9"] {
        let out = crate::harness::lab_cmd_in(state.path())
            .args(["proxy", "--state", dir.to_str().unwrap(), &name, node])
            .output()
            .unwrap();
        let said = text(&out);
        assert_eq!(out.status.code(), Some(2), "{said}");
        assert!(
            said.contains(&format!("node {node} of lab {name} is not up here")),
            "{said}"
        );
    }
}

/// The bytes of the files under `dir`.
fn bytes_under(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir).map_or(0, |rd| {
        rd.flatten()
            .map(|e| match e.file_type() {
                Ok(t) if t.is_dir() => bytes_under(&e.path()),
                _ => e.metadata().map_or(0, |m| m.len()),
            })
            .sum()
    })
}

/// A failing `verify` copies its nodes' logs (up to 16 MiB each) into the
/// run's artifacts, which `destroy` keeps: nodes writing 16 MiB logs grew
/// the state folder by 32 MiB a run, without end (the ninth probe: 92 MiB
/// after three runs). Now the lab's artifacts keep at most 64 MiB, the
/// oldest runs going first, the newest kept, and `verify` says so.
#[test]
fn a_labs_kept_diagnostics_are_bounded_over_runs() {
    let lab = TestLab::chapter4("l2k");
    lab.up(&[]);
    for node in ["node1", "node2"] {
        let out = lab.ssh(
            node,
            "head -c 16777216 /dev/zero | tr '\\0' x > /run/flannel/flanneld.log && echo wrote",
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("wrote"),
            "{}",
            text(&out)
        );
    }
    let mut said = String::new();
    for _ in 0..4 {
        let out = lab.lab(&["verify", &lab.name]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        said = text(&out);
    }
    let destroy = lab.lab(&["destroy", &lab.name]);
    assert!(destroy.status.success(), "{}", text(&destroy));
    let artifacts = lab.dir().join("artifacts");
    let kept = bytes_under(&artifacts);
    assert!(
        kept <= 64 << 20,
        "the lab keeps {} MiB of diagnostics after 4 runs",
        kept >> 20
    );
    let runs = std::fs::read_dir(&artifacts).unwrap().count();
    assert!(runs >= 1, "the newest run's diagnostics are kept");
    assert!(
        said.contains("removed the oldest runs' diagnostics"),
        "verify does not say it removed older runs: {said}"
    );
}

/// A FIFO a node planted at its sshd log (`/var/log/sshd.log`, which sshd
/// opens itself) made every `lab ssh` to it end after ssh's 10 s banner
/// timeout with "Connection timed out during banner exchange". Now
/// `lab proxy` refuses it by type first, naming the file.
#[test]
fn a_fifo_a_node_plants_for_its_sshd_log_is_named() {
    let lab = TestLab::chapter4("l2s");
    lab.up(&[]);
    let out = lab.ssh(
        "node1",
        "rm -f /var/log/sshd.log && mkfifo /var/log/sshd.log && echo planted",
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("planted"),
        "{}",
        text(&out)
    );
    let out = lab.ssh("node1", "echo in");
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("/var/log/sshd.log is a FIFO, not a regular file"),
        "{said}"
    );
    // node2 is untouched.
    let out = lab.ssh("node2", "echo in");
    assert!(out.status.success(), "{}", text(&out));
}
