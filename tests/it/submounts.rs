//! A host folder a node (or a probe) sees read-only is read-only all the
//! way down: a mount under it (a separate `/usr/local`, common on CI
//! images) is not writable from the node either.
//!
//! The test never touches the host's mount table: it brings a lab up, then
//! runs itself again (the ignored [`inner_a_node_cannot_write_a_mount_under_usr`])
//! under `unshare -m` with a tmpfs (mode 1777: anyone may write it) mounted
//! on `/usr/local/share` in that private mount namespace only; the node's
//! entry and the probes' root are made from that namespace, so they see the
//! tmpfs under their `/usr`. The namespace dies with the process.

use crate::labs::{TestLab, text};
use lab::provider::netns::files::Layout;
use lab::provider::netns::session::NetnsSession;
use lab::report::Reporter;
use lab::session::Session;
use std::time::Duration;

/// The folder under `/usr` the inner run mounts a tmpfs on.
const UNDER_USR: &str = "/usr/local/share";

#[test]
fn a_mount_under_usr_is_read_only_in_a_node_and_a_probe() {
    let lab = TestLab::chapter4("sub");
    lab.up(&[]);
    // This process's own binary, even if a build has replaced the file
    // since it started (the path of `current_exe` is then gone).
    let exe = format!("/proc/{}/exe", std::process::id());
    let out = std::process::Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(format!(
            "mount -t tmpfs -o mode=1777,size=1m lab-test-{name} {UNDER_USR} && \
             exec \"$0\" --exact submounts::inner_a_node_cannot_write_a_mount_under_usr \
             --ignored --nocapture --test-threads 1",
            name = lab.name
        ))
        .arg(&exe)
        .env("LAB_TEST_INNER_LAB", &lab.name)
        .env("LAB_TEST_INNER_STATE", lab.dir())
        .output()
        .unwrap();
    assert!(out.status.success(), "the inner run failed: {}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 passed"),
        "the inner test did not run: {}",
        text(&out)
    );
    // Nothing of it reached the host's mount table.
    let host = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(
        !host.contains(&format!("lab-test-{}", lab.name)),
        "the test's tmpfs is on the host: {host}"
    );
}

/// Run by the test above only, in its private mount namespace (where
/// [`UNDER_USR`] is a tmpfs of the test's).
#[test]
#[ignore = "run by a_mount_under_usr_is_read_only_in_a_node_and_a_probe"]
fn inner_a_node_cannot_write_a_mount_under_usr() {
    let name = std::env::var("LAB_TEST_INNER_LAB").expect("run by the outer test");
    let state = std::env::var("LAB_TEST_INNER_STATE").expect("run by the outer test");
    // Here (the test's own namespace) the tmpfs is writable, by anyone.
    let control = std::path::Path::new(UNDER_USR).join("control");
    std::fs::write(&control, "seen-by-the-node\n").expect("the test's tmpfs is writable here");
    let session = NetnsSession::new(
        &name,
        &Layout::new(std::path::PathBuf::from(state)),
        ["node1".to_string()],
        Some(Duration::from_secs(30)),
        &Reporter::quiet(),
    )
    .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let target = format!("{UNDER_USR}/written-by-node1");
        // The node sees the tmpfs (the test is not vacuous) and cannot write it.
        let o = session
            .output(
                "node1",
                &format!(
                    "cat {UNDER_USR}/control && stat -f -c %T {UNDER_USR}; \
                     touch {target} && echo WROTE"
                ),
                None,
            )
            .await
            .unwrap();
        let said = o.text();
        assert!(
            said.contains("seen-by-the-node") && said.contains("tmpfs"),
            "node1 does not see the tmpfs: {said}"
        );
        assert!(
            !said.contains("WROTE") && !std::path::Path::new(&target).exists(),
            "node1 wrote a mount under /usr: {said}"
        );
        assert!(said.contains("Read-only file system"), "{said}");

        // A probe (its own read-only root) neither.
        let target = format!("{UNDER_USR}/written-by-a-probe");
        let o = session
            .output_net(
                "node1",
                &format!("cat {UNDER_USR}/control && touch {target} && echo WROTE"),
            )
            .await
            .unwrap();
        let said = o.text();
        assert!(
            said.contains("seen-by-the-node"),
            "the probe does not see the tmpfs: {said}"
        );
        assert!(
            !said.contains("WROTE") && !std::path::Path::new(&target).exists(),
            "a probe wrote a mount under /usr: {said}"
        );
        assert!(said.contains("Read-only file system"), "{said}");
    });
}
