//! The ninth adversarial probe of issue 21 (`docs/security-probe.md`,
//! "ninth probe"): each test is a finding, seen failing on the code
//! before its fix.

use crate::labs::{TestLab, text};
use lab::provider::netns::files::Layout;
use lab::session::Session;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Run `cmd` as root of the lab's pod on node1 (what `kubectl exec`
/// gives on netns); returns its output and the pod's folder on the host.
fn as_pod_root(lab: &TestLab, cmd: impl Fn(&str) -> String) -> (String, PathBuf) {
    try_as_pod_root(lab, cmd).unwrap()
}

/// [`as_pod_root`], or why the pod could not be entered.
fn try_as_pod_root(
    lab: &TestLab,
    cmd: impl Fn(&str) -> String,
) -> Result<(String, PathBuf), String> {
    let session = lab.node1_session();
    let p = lab.pod_on("node1");
    let dir = std::path::absolute(Layout::new(lab.dir()).pod_dir(&p.name)).unwrap();
    let pod = p.pod_ref();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let out = rt
        .block_on(session.pod_output(&pod, &cmd(&dir.to_string_lossy())))
        .map_err(|e| e.to_string())?;
    Ok((out.text(), dir))
}

/// A pod's root made a host folder its own `/run`: a pod's folder is
/// bound into the pod, and its `run` and `root` are the sources of the
/// pod's `/run` and `/root` binds. `run` replaced by a link to a host
/// folder: the next `apply` made `netns` in that host folder (a
/// `create_dir_all` on the host) and bound the host folder as the new
/// pod's `/run`, read-write (by hand: the pod wrote a file into it). Now
/// neither follows a link the pod planted: the pod's entry fails (the pod
/// broke its own pod), nothing is made or written outside the lab.
#[test]
fn a_link_a_pod_plants_for_its_run_or_root_is_not_followed_to_the_host() {
    for sub in ["run", "root"] {
        let lab = TestLab::chapter4("p9r");
        lab.up(&[]);
        let host = tempfile::tempdir().unwrap();
        let (planted, _) = as_pod_root(&lab, |dir| {
            format!(
                "mv {dir}/{sub} {dir}/{sub}.x && ln -s {h} {dir}/{sub} && echo planted",
                h = host.path().display()
            )
        });
        assert!(planted.contains("planted"), "{planted}");
        let apply = lab.lab(&["apply", &lab.name, "--variant", "fixed"]);
        // The entry now fails (the pod broke its own pod); before the fix
        // it bound the host folder and the pod wrote there.
        let wrote = try_as_pod_root(&lab, |_| {
            format!("echo x > /{sub}/p9-pod-wrote; echo rc=$?")
        })
        .map_or_else(|e| e, |(t, _)| t);
        let made: Vec<String> = std::fs::read_dir(host.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            made.is_empty(),
            "{sub}: lab made or let the pod write {made:?} in a host folder; apply: {}\npod: {wrote}",
            text(&apply)
        );
    }
}

/// A pod hung `lab apply`: a pod's `nginx.out` (in its own folder)
/// replaced by a FIFO, the next `apply` opened it for nginx's output and
/// waited for a reader, forever (by hand: 40 s, until a TERM). Now it is
/// opened without blocking and must be a regular file: the entry fails at
/// once.
#[test]
fn a_fifo_a_pod_plants_for_its_log_does_not_hang_apply() {
    let lab = TestLab::chapter4("p9f");
    lab.up(&[]);
    let (planted, _) = as_pod_root(&lab, |dir| {
        format!("rm {dir}/nginx.out && mkfifo {dir}/nginx.out && echo planted")
    });
    assert!(planted.contains("planted"), "{planted}");
    let mut child = lab
        .cmd()
        .args(["apply", &lab.name, "--variant", "fixed"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let status = status.expect("lab apply still waited on the pod's FIFO after 60 s");
    assert!(
        !status.success(),
        "apply with a FIFO for nginx's log: {status}"
    );
}

/// A report wrote over a lab's nodes' and pods' files: a lab's `nodes`
/// and `pods` are links from its state folder to the lab's own tmpfs
/// (`/run/lab-root/LAB/.files`), so a report path through them (or
/// straight into `/run/lab-root`) was outside every state folder by its
/// real path. `lab verify L --json STATE/L/nodes/node1/run/flannel/subnet.env`
/// exited 0 with the run record as node1's `subnet.env`, and `--json
/// /run/lab-root/L/node1/etc/hosts` replaced node1's `/etc/hosts` (its
/// next check failed). Now both are refused, exit 2, the files untouched.
#[test]
fn a_report_never_replaces_a_nodes_or_pods_files() {
    let lab = TestLab::chapter4("p9j");
    lab.up(&[]);
    let subnet = lab.dir().join("nodes/node1/run/flannel/subnet.env");
    let hosts = std::path::PathBuf::from(format!("/run/lab-root/{}/node1/etc/hosts", lab.name));
    for f in [&subnet, &hosts] {
        let before = std::fs::read(f).unwrap();
        let out = lab.lab(&["verify", &lab.name, "--json", f.to_str().unwrap()]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}: {}",
            f.display(),
            text(&out)
        );
        assert_eq!(
            std::fs::read(f).unwrap(),
            before,
            "{} was replaced",
            f.display()
        );
    }
}
