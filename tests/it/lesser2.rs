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
