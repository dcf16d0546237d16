//! The eighth adversarial probe of issue 21 (`docs/security-probe.md`,
//! "eighth probe"): each test is a finding, seen failing on the code
//! before its fix.

use crate::harness::{copy_lab, require_root, unique_name};
use std::path::Path;

/// `lab` as the harness runs it, as a std `Command` (stdio and `pre_exec`
/// of the caller's choosing).
fn lab_std(state: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_lab"));
    cmd.env("LAB_STATE_DIR", state)
        .env("CI", "1")
        .env("NO_COLOR", "1")
        .env_remove("LAB_PATH");
    cmd
}

/// A node reached the host's terminal: `lab ssh L node1` runs a node's
/// `sshd -i` as ssh's `ProxyCommand`, which inherited ssh's stderr, the
/// user's terminal; so PID 1 of every session on a node held the host's
/// terminal as its fd 2, and root in the node opened `/proc/1/fd/2`
/// read-write (by hand: it wrote to the host's `/dev/pts/0` and could read
/// what was typed there). Now sshd's stderr is `/dev/null` (it logs to its
/// own file, `-E`): nothing of the host's is open in the node.
#[test]
fn a_nodes_sshd_holds_nothing_of_the_callers_terminal() {
    require_root();
    let name = unique_name("p8");
    let lab = copy_lab("chapter4", &name);
    let (mut up, state) = crate::harness::lab_cmd();
    let o = up.arg("up").arg(lab.path()).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The caller's stderr: a file of the host's that the node must not see.
    let caller = lab.path().join("callers-stderr");
    let err = std::fs::File::create(&caller).unwrap();
    let o = lab_std(state.path())
        .args(["ssh", &name, "node1", "--", "readlink", "/proc/1/fd/2"])
        .stderr(err)
        .output()
        .unwrap();
    let seen = String::from_utf8_lossy(&o.stdout).into_owned();
    let d = crate::harness::lab_cmd_in(state.path())
        .args(["destroy", &name])
        .output()
        .unwrap();
    crate::book::no_namespaces_of(&name);
    assert!(
        o.status.success(),
        "{}",
        std::fs::read_to_string(&caller).unwrap_or_default()
    );
    assert_eq!(seen.trim(), "/dev/null", "the node's sshd holds {seen}");
    assert!(d.status.success(), "{}", String::from_utf8_lossy(&d.stderr));
}

/// The processes of a lab's pods (their nginx, whole lifetimes).
fn pod_processes(name: &str) -> Vec<String> {
    let prefix = format!("lab-{name}.pod.");
    let mut pids = Vec::new();
    for base in ["/sys/fs/cgroup/pids", "/sys/fs/cgroup"] {
        let Ok(dirs) = std::fs::read_dir(base) else {
            continue;
        };
        for d in dirs.flatten() {
            if d.file_name().to_string_lossy().starts_with(&prefix) {
                let procs = std::fs::read_to_string(d.path().join("cgroup.procs"));
                pids.extend(procs.unwrap_or_default().lines().map(str::to_string));
            }
        }
        if !pids.is_empty() {
            break;
        }
    }
    pids
}

/// A pod reached the host's files through a file `lab`'s caller left
/// open: `exec 7</; lab up L` (a shell's redirection, make's jobserver
/// pipes, a CI runner's sockets are open without close-on-exec) gave each
/// pod's nginx the host's `/` as its fd 7 for the pod's life, and a
/// process with the pod's namespaces and capabilities read the host's
/// `/etc/shadow` and wrote a host file through `/proc/1/fd/7` (by hand on
/// the code before the fix). Now every entry to a node or pod, and every
/// probe, closes what it inherited above stderr at exec.
#[test]
fn a_pod_inherits_no_file_of_labs_caller() {
    use std::os::fd::AsRawFd;
    use std::os::unix::process::CommandExt;
    require_root();
    let name = unique_name("p8");
    let lab = copy_lab("chapter4", &name);
    let marker = tempfile::tempdir().unwrap();
    let dir = std::fs::File::open(marker.path()).unwrap();
    let fd = dir.as_raw_fd();
    let state = tempfile::tempdir().unwrap();
    let mut up = lab_std(state.path());
    up.arg("up").arg(lab.path());
    // SAFETY: dup2 only, in the child: fd 100 without close-on-exec, as a
    // shell's `exec 100<DIR` leaves it.
    unsafe {
        up.pre_exec(move || {
            if libc::dup2(fd, 100) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let o = up.output().unwrap();
    let pods = pod_processes(&name);
    let mut held = Vec::new();
    for pid in &pods {
        for f in std::fs::read_dir(format!("/proc/{pid}/fd"))
            .unwrap()
            .flatten()
        {
            if std::fs::read_link(f.path()).is_ok_and(|t| t == marker.path()) {
                held.push(format!("{pid}: fd {}", f.file_name().to_string_lossy()));
            }
        }
    }
    let d = crate::harness::lab_cmd_in(state.path())
        .args(["destroy", &name])
        .output()
        .unwrap();
    crate::book::no_namespaces_of(&name);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!pods.is_empty(), "no pod process found");
    assert!(held.is_empty(), "pods hold the caller's folder: {held:?}");
    assert!(d.status.success(), "{}", String::from_utf8_lossy(&d.stderr));
}

/// A pod read `lab`'s caller's environment: each pod's nginx was started
/// with `lab up`'s whole environment (a CI runner's tokens, the user's
/// variables) and root in the pod reads its `/proc/1/environ` (by hand:
/// `SECRET_TOKEN=...` there, on the code before the fix). Now a pod's
/// daemon, like a session's command, gets a root login's environment only.
#[test]
fn a_pod_gets_nothing_of_labs_callers_environment() {
    require_root();
    let name = unique_name("p8");
    let lab = copy_lab("chapter4", &name);
    let state = tempfile::tempdir().unwrap();
    let o = lab_std(state.path())
        .arg("up")
        .arg(lab.path())
        .env("P8_CALLERS_SECRET", "hunter2")
        .output()
        .unwrap();
    let pods = pod_processes(&name);
    let leaked: Vec<String> = pods
        .iter()
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|e| String::from_utf8_lossy(&e).contains("P8_CALLERS_SECRET"))
        })
        .cloned()
        .collect();
    let d = lab_std(state.path())
        .args(["destroy", &name])
        .output()
        .unwrap();
    crate::book::no_namespaces_of(&name);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!pods.is_empty(), "no pod process found");
    assert!(
        leaked.is_empty(),
        "pods hold the caller's environment: {leaked:?}"
    );
    assert!(d.status.success(), "{}", String::from_utf8_lossy(&d.stderr));
}

/// False greens on netns (broken variant): `route -n` cut (`...`) right
/// below its two header lines compared the header, which every output
/// has (`match`); a curl whose page the author cut with a rule of dashes
/// (`---snip---`, `-- output omitted --`) was read as a page, so node1's own
/// pod answering matched. All three were `match` (exit 0 for them); now
/// skipped, and a row the book does show is still compared (a match here).
#[test]
fn output_cut_below_its_header_or_by_a_rule_is_never_a_match() {
    require_root();
    let name = unique_name("p8");
    let lab = copy_lab("chapter4", &name);
    let chapter = crate::harness::fixture("book/probe8-cut.md");
    let (_, stdout, v, ..) =
        crate::book::book_in(&name, lab, &["--chapter", chapter.to_str().unwrap()]);
    assert_eq!(
        crate::book::verdicts(&v),
        [
            (9, "skipped".to_string()),
            (18, "skipped".into()),
            (23, "skipped".into()),
            (30, "match".into()),
        ],
        "{stdout}"
    );
}

/// A pod gained its node's `CAP_NET_ADMIN`: a pod saw its node's files
/// writable, so its root wrote node1's `/etc/ld.so.preload` (by hand on
/// the code before the fix), and every program node1 ran next (a `lab ssh`
/// session, `verify`'s and `book`'s commands) loaded the pod's code as the
/// node's root. Now a pod sees its node's files read-only; its own folder
/// (nginx's files), `/run` and `/root` stay writable.
#[test]
fn a_pod_cannot_write_its_nodes_files() {
    use crate::labs::TestLab;

    use lab::session::Session;
    let lab = TestLab::chapter4("p8w");
    lab.up(&[]);
    let session = lab.node1_session();
    let p = lab.pod_on("node1");
    let pod = p.pod_ref();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (wrote, own, seen) = rt.block_on(async {
        let wrote = session
            .pod_output(&pod, "echo x > /etc/p8-pod-wrote; echo rc=$?")
            .await
            .unwrap();
        let own = session
            .pod_output(&pod, "echo x > /root/p8 && echo x > /run/p8 && echo own-ok")
            .await
            .unwrap();
        let seen = session
            .output(
                "node1",
                "test -e /etc/p8-pod-wrote && echo seen || echo absent",
                None,
            )
            .await
            .unwrap();
        (wrote, own, seen)
    });
    assert!(
        wrote.stdout.contains("rc=") && !wrote.stdout.contains("rc=0"),
        "the pod wrote its node's /etc: {}",
        wrote.text()
    );
    assert_eq!(seen.stdout.trim(), "absent", "{}", seen.text());
    assert!(own.stdout.contains("own-ok"), "{}", own.text());
}

/// A node made `lab` write the host's files: a pod's folder is bound into
/// the pod at its host path, and the folders on the way are the node's own
/// files, made by each pod entry before it pivots, as root on the host's
/// paths. From `lab ssh L node1`, `pods` (on the way) replaced by a link to
/// a host folder: the next pod entry (`apply` starting nginx) made
/// `nginx-deployment-node1-0` in that host folder (and bound the pod's
/// folder there). Now each folder on the way is opened without following a
/// link: the entry fails, and nothing is made outside the node. Since the
/// uidmap session the folders on the way are made by the entry as the
/// host's root, whose files are no one's in the node: its root cannot move
/// them at all ("Permission denied"), and nothing is made either.
#[test]
fn a_link_a_node_plants_on_a_pods_way_is_not_followed_to_the_host() {
    use crate::labs::{TestLab, text};
    let lab = TestLab::chapter4("p8l");
    lab.up(&[]);
    let host = tempfile::tempdir().unwrap();
    let pods = std::path::absolute(lab.dir().join("pods")).unwrap();
    let plant = format!(
        "mv {p} {p}.x && ln -s {h} {p} && echo planted",
        p = pods.display(),
        h = host.path().display()
    );
    let o = lab.ssh("node1", &plant);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("planted")
            || String::from_utf8_lossy(&o.stderr).contains("Permission denied"),
        "{}",
        text(&o)
    );
    let apply = lab.lab(&["apply", &lab.name, "--variant", "fixed"]);
    let made: Vec<String> = std::fs::read_dir(host.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        made.is_empty(),
        "lab made {made:?} in a host folder; apply: {}",
        text(&apply)
    );
}

/// A chapter copied a host file into its reports through a file `lab`'s
/// caller left open: with a folder open as fd 7, a block `cat
/// /proc/self/fd/7/etc/hostname` on node1 showed the host's name in the
/// JSON report (by hand on main; a pod's `kubectl exec POD -- cat
/// /proc/1/fd/7/...` the same). The session's command inherited it; now
/// it is closed at exec, as for a pod's daemon.
#[test]
fn a_chapter_reads_no_host_file_through_a_file_labs_caller_left_open() {
    use std::os::fd::AsRawFd;
    use std::os::unix::process::CommandExt;
    require_root();
    let name = unique_name("p8");
    let lab = copy_lab("chapter4", &name);
    let marker = tempfile::tempdir().unwrap();
    std::fs::write(marker.path().join("marker"), "p8-host-secret\n").unwrap();
    let dir = std::fs::File::open(marker.path()).unwrap();
    let fd = dir.as_raw_fd();
    let state = tempfile::tempdir().unwrap();
    let json = state.path().join("book.json");
    let chapter = crate::harness::fixture("book/probe8-fd.md");
    let mut book = lab_std(state.path());
    book.arg("book")
        .arg(lab.path())
        .arg("--chapter")
        .arg(&chapter)
        .arg("--json")
        .arg(&json);
    // SAFETY: dup2 only, in the child (see `a_pod_inherits_no_file_of_labs_caller`).
    unsafe {
        book.pre_exec(move || {
            if libc::dup2(fd, 100) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let o = book.output().unwrap();
    crate::book::no_namespaces_of(&name);
    let report = std::fs::read_to_string(&json).unwrap_or_default();
    assert!(!report.is_empty(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        !report.contains("p8-host-secret"),
        "the host's file is in the report: {report}"
    );
    assert!(report.contains("drift"), "{report}");
}
