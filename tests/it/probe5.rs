//! What the fifth probe of issue 21 found (`docs/security-probe.md`, its
//! section "2026-12-04, fifth probe"), one test each, each seen failing on
//! the code before its fix.

use crate::book::no_namespaces_of;
use crate::harness::{copy_lab, lab_cmd_in, root, unique_name};
use crate::labs::{TestLab, require_root, text, verdict};
use crate::watch::{Child, Lines};
use std::io::BufRead;
use std::path::Path;
use std::sync::mpsc;

/// A capture check is judged on what tcpdump saw; a tcpdump that never
/// listened (no such interface) saw nothing, which is no evidence: before,
/// `not_contains: "ICMP echo request"` on a mistyped interface passed.
#[test]
fn a_capture_on_an_interface_that_does_not_exist_is_an_error_not_a_pass() {
    let lab = TestLab::new("chapter4", "cap", |y| {
        format!(
            "{y}  - name: p5 no echo on a mistyped interface\n    on: node1\n    capture: {{ iface: flanel.1, while: {{ ping: {{ pod: nginx, on: node2 }} }} }}\n    expect: {{ not_contains: \"ICMP echo request\" }}\n  - name: p5 no echo in the overlay\n    on: node1\n    capture: {{ iface: flannel.1, while: {{ ping: {{ pod: nginx, on: node2 }} }} }}\n    expect: {{ not_contains: \"ICMP echo request\" }}\n"
        )
    });
    lab.up(&[]);
    let (out, report) = lab.verify(&["--only", "p5 no echo"]);
    // The echo does go into the overlay: `not_contains` fails where it is seen.
    assert_eq!(
        verdict(&report, "p5 no echo in the overlay"),
        "fail",
        "{}",
        text(&out)
    );
    assert_eq!(
        verdict(&report, "p5 no echo on a mistyped interface"),
        "error",
        "{}",
        text(&out)
    );
    let observed = report["results"]
        .as_array()
        .and_then(|r| {
            r.iter()
                .find(|c| c["name"] == "p5 no echo on a mistyped interface")
        })
        .map(|c| c["observed"].to_string())
        .unwrap_or_default();
    assert!(observed.contains("flanel.1"), "{observed}");
}

/// The state folder may exist before `lab` makes anything in it (`.lab/` of
/// a cloned repository, a shared `LAB_STATE_DIR`). Before, links planted in
/// it were followed: `lab.log` was created or appended anywhere, the lab's
/// files were copied and its private keys written into any folder.
#[test]
fn a_state_folder_with_links_planted_in_it_is_refused_and_nothing_goes_through_them() {
    let lab = TestLab::chapter4("sfl");
    let host = tempfile::Builder::new()
        .prefix("lab-host-")
        .tempdir()
        .unwrap();
    let (copies, keys) = (host.path().join("copies"), host.path().join("keys"));
    std::fs::create_dir(&copies).unwrap();
    std::fs::create_dir(&keys).unwrap();
    let dir = lab.dir();
    std::fs::create_dir_all(&dir).unwrap();
    std::os::unix::fs::symlink(host.path().join("log"), dir.join("lab.log")).unwrap();
    std::os::unix::fs::symlink(&copies, dir.join("lab")).unwrap();
    std::os::unix::fs::symlink(&keys, dir.join("ssh")).unwrap();
    let out = lab.lab(&["up", lab.file().to_str().unwrap()]);
    let written: Vec<_> = std::fs::read_dir(host.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .chain(
            std::fs::read_dir(&copies)
                .unwrap()
                .flatten()
                .map(|e| e.path()),
        )
        .chain(
            std::fs::read_dir(&keys)
                .unwrap()
                .flatten()
                .map(|e| e.path()),
        )
        .filter(|p| *p != copies && *p != keys)
        .collect();
    assert!(
        written.is_empty(),
        "written through the links: {written:?}\n{}",
        text(&out)
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("symbolic link"), "{err}");
    no_namespaces_of(&lab.name);
}

/// `lab init` writes the chapter's copy and the manifests it drafts into
/// the folder; a link already there (a folder from elsewhere) was
/// followed, and the file it names, anywhere, was made with the chapter's
/// or the draft's text (and left there: "nothing was written").
#[test]
fn lab_init_never_writes_through_a_link_in_its_folder() {
    let state = tempfile::tempdir().unwrap();
    let host = tempfile::Builder::new()
        .prefix("lab-host-")
        .tempdir()
        .unwrap();
    let dir = tempfile::Builder::new()
        .prefix("lab-init-")
        .tempdir()
        .unwrap();
    let src = root().join("labs/chapter4");
    std::fs::copy(src.join("flannel.yml"), dir.path().join("flannel.yml")).unwrap();
    for (link, to) in [
        ("chapter.md", "chapter"),
        ("flannel_fix.yml", "manifest"),
        ("nginx-deployment.yaml", "workload"),
    ] {
        std::os::unix::fs::symlink(host.path().join(to), dir.path().join(link)).unwrap();
    }
    let out = lab_cmd_in(state.path())
        .args(["init", src.join("chapter.md").to_str().unwrap()])
        .arg(dir.path())
        .output()
        .unwrap();
    let made: Vec<_> = std::fs::read_dir(host.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(
        made.is_empty(),
        "written through links: {made:?}\n{}",
        text(&out)
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("symbolic link"), "{err}");
    assert!(!dir.path().join("lab.yaml").exists(), "lab.yaml written");
    // The links are not lab's to remove either.
    assert!(
        std::fs::symlink_metadata(dir.path().join("chapter.md")).is_ok(),
        "the link was removed"
    );
}

/// `lab book DIR --watch` of `lab_dir`, its lines read on a thread.
pub(crate) fn watch(lab_dir: &Path, state: &Path, extra: &[&str]) -> (Child, Lines) {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_lab"))
        .env("LAB_STATE_DIR", state)
        .env("CI", "1")
        .env("NO_COLOR", "1")
        .env_remove("LAB_PATH")
        .current_dir(lab_dir)
        .env("COLUMNS", "80")
        .arg("book")
        .arg(lab_dir)
        .arg("--watch")
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = Child(child);
    let (tx, rx) = mpsc::channel();
    let out = child.0.stdout.take().unwrap();
    let err = child.0.stderr.take().unwrap();
    let tx2 = tx.clone();
    std::thread::spawn(move || {
        for l in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    std::thread::spawn(move || {
        for l in std::io::BufReader::new(err).lines().map_while(Result::ok) {
            let _ = tx2.send(format!("stderr: {l}"));
        }
    });
    (child, Lines { rx, seen: vec![] })
}

/// Opens a FIFO for writing when dropped: a reader blocked in `open()`
/// goes on.
struct Unblock(std::ffi::CString);

impl Drop for Unblock {
    fn drop(&mut self) {
        let fd = unsafe { libc::open(self.0.as_ptr(), libc::O_WRONLY | libc::O_NONBLOCK) };
        if fd >= 0 {
            unsafe { libc::close(fd) };
        }
    }
}

pub(crate) fn interrupt(child: &mut Child) -> Option<i32> {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.0.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    child.0.wait().unwrap().code()
}

/// A watched file swapped for a FIFO: before, the watch read it whole,
/// blocking in `open()` for a writer that never came, deaf to Ctrl-C and
/// SIGTERM, its lab up (a device, `/dev/zero`, grew it without bound).
#[test]
fn a_watched_file_swapped_for_a_fifo_is_said_and_the_watch_goes_on() {
    require_root();
    let name = unique_name("wf");
    let lab = copy_lab("chapter4", &name);
    let state = tempfile::tempdir().unwrap();
    let (mut child, mut lines) = watch(lab.path(), state.path(), &[]);
    lines.wait("watching", |l| l.starts_with("watching chapter.md"));
    let known = lab.path().join("chapter.drift.yaml");
    std::fs::remove_file(&known).unwrap();
    let c = std::ffi::CString::new(known.as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    // Should the watch block in open() (the bug), a writer lets it go
    // before the child is stopped, so that a failing test leaves no lab.
    let _writer = Unblock(c);
    lines.wait("the FIFO said", |l| l.contains("a FIFO"));
    assert_eq!(interrupt(&mut child), Some(130), "{:?}", lines.seen);
    no_namespaces_of(&name);
}

/// `lab book LAB --name N --watch`: a save of a lab file loads the lab
/// again; before, the loaded lab kept the file's own name, and the variant
/// was re-applied to the namespaces of the lab of that name: another lab,
/// up beside it, lost its pods and had its overlay rebuilt.
#[test]
fn a_watch_of_an_instance_reapplies_its_own_namespaces_not_the_labs_of_its_files_name() {
    let other = TestLab::chapter4("wo");
    other.up(&[]);
    let vtep = || {
        let out = other.in_ns("node1", &["ip", "-d", "link", "show", "flannel.1"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(vtep().contains("local 10.0.2.15"), "{}", vtep());
    let instance = unique_name("wi");
    let (mut child, mut lines) =
        watch(other.src.path(), other.state.path(), &["--name", &instance]);
    lines.wait("watching", |l| l.starts_with("watching chapter.md"));
    let fix = other.src.path().join("flannel_fix.yml");
    let mut t = std::fs::read_to_string(&fix).unwrap();
    t.push_str("# saved again\n");
    std::fs::write(&fix, t).unwrap();
    lines.wait("re-applied", |l| {
        l == "lab: variant broken re-applied; replaying the whole chapter"
    });
    // The other lab is as it was: its broken overlay, its pods, its checks.
    assert!(vtep().contains("local 10.0.2.15"), "{}", vtep());
    let (out, _) = other.verify(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(interrupt(&mut child), Some(130), "{:?}", lines.seen);
    no_namespaces_of(&instance);
}

/// `lab nightly`'s output folder may predate it (`.lab/nightly/` of a
/// cloned repository, an `--out` another can write); before, a link planted
/// in a run's folder (`nights/NIGHT/LAB.netns/test.json`) took that run's
/// report to any file.
#[test]
fn a_nightly_run_folder_holding_a_link_is_an_error_and_nothing_goes_through_it() {
    require_root();
    let name = unique_name("nl");
    let lab = copy_lab("chapter4", &name);
    let work = tempfile::tempdir().unwrap();
    let victim = work.path().join("victim");
    std::fs::write(&victim, "the host's file\n").unwrap();
    let run = work
        .path()
        .join("out/nights/n1")
        .join(format!("{name}.netns"));
    std::fs::create_dir_all(&run).unwrap();
    std::os::unix::fs::symlink(&victim, run.join("test.json")).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lab"))
        .env("LAB_STATE_DIR", work.path().join("state"))
        .env("CI", "1")
        .env("NO_COLOR", "1")
        .env_remove("LAB_PATH")
        .current_dir(work.path())
        .arg("nightly")
        .arg(lab.path())
        .args(["--providers", "netns", "--night", "n1", "--db"])
        .arg(work.path().join("history.db"))
        .arg("--out")
        .arg(work.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "the host's file\n",
        "{}",
        text(&out)
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("symbolic link"),
        "{}",
        text(&out)
    );
    no_namespaces_of(&name);
}

/// `lab graph --out FILE` wrote the picture over any file: the lab's own
/// `lab.yaml` (exit 0, the lab file an SVG), live or declared.
#[test]
fn lab_graph_never_writes_its_picture_over_the_labs_inputs() {
    let lab = TestLab::chapter4("gr");
    let file = lab.file();
    let before = std::fs::read(&file).unwrap();
    let chapter = lab.src.path().join("chapter.md");
    let declared = lab.lab(&[
        "graph",
        file.to_str().unwrap(),
        "--variant",
        "fixed",
        "--out",
        chapter.to_str().unwrap(),
    ]);
    assert_eq!(declared.status.code(), Some(2), "{}", text(&declared));
    lab.up(&[]);
    let live = lab.lab(&["graph", &lab.name, "--out", file.to_str().unwrap()]);
    assert_eq!(live.status.code(), Some(2), "{}", text(&live));
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "lab.yaml overwritten"
    );
    assert!(
        !std::fs::read_to_string(&chapter).unwrap().contains("<svg"),
        "chapter.md overwritten"
    );
    // A path of its own is written.
    let svg = lab.state.path().join("lab.svg");
    let ok = lab.lab(&["graph", &lab.name, "--out", svg.to_str().unwrap()]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));
}

/// A kubectl line lab does not understand goes to kubectl offline when its
/// verb reads or judges; a switch before the verb hid the real one from
/// lab (`--warnings-as-errors proxy get`: lab saw `get`), and `lab book`
/// ran `kubectl proxy --www=DIR` on the host, as root, serving the host's
/// files on the address the chapter named for the 20 s kubectl is given.
#[test]
fn a_chapter_cannot_make_lab_serve_host_files_through_a_hidden_kubectl_verb() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let lab = TestLab::chapter4("kp");
    let www = tempfile::tempdir().unwrap();
    std::fs::write(www.path().join("secret.txt"), "the host's file\n").unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let line = format!(
        "kubectl --kubeconfig ./admin.conf --warnings-as-errors proxy get --address=127.0.0.1 --port={port} --www={} --www-prefix=/s/",
        www.path().display()
    );
    std::fs::write(
        lab.src.path().join("chapter.md"),
        format!("# A chapter\n\n```\n$ {line}\nStarting to serve on 127.0.0.1:{port}\n```\n"),
    )
    .unwrap();
    let _ = std::fs::remove_file(lab.src.path().join("chapter.drift.yaml"));
    let (stop, served) = (
        std::sync::Arc::new(AtomicBool::new(false)),
        std::sync::Arc::new(AtomicBool::new(false)),
    );
    let poll = {
        let (stop, served) = (stop.clone(), served.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    served.store(true, Ordering::SeqCst);
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        })
    };
    let out = lab.lab(&["book", lab.file().to_str().unwrap()]);
    stop.store(true, Ordering::SeqCst);
    poll.join().unwrap();
    assert!(
        !served.load(Ordering::SeqCst),
        "kubectl proxy listened on 127.0.0.1:{port} during lab book\n{}",
        text(&out)
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("not_understood"),
        "{}",
        text(&out)
    );
}

/// A chapter whose workload lab does not read (`kubectl apply -f
/// ../nginx.yaml`: not a file of the lab folder) still shows its pods in
/// its tables; `lab init` drafted checks of those pods that its own lab
/// file could not load, and said "internal error" (exit 3) for the
/// chapter's shape: now they are drafted commented out, and the draft loads.
#[test]
fn lab_init_of_a_chapter_whose_workload_lab_cannot_read_drafts_a_lab_that_loads() {
    let state = tempfile::tempdir().unwrap();
    let dir = tempfile::Builder::new()
        .prefix("lab-init-")
        .tempdir()
        .unwrap();
    let src = root().join("labs/chapter4");
    for f in ["flannel.yml", "flannel_fix.yml"] {
        std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
    }
    let book = std::fs::read_to_string(src.join("chapter.md"))
        .unwrap()
        .replace("apply -f nginx-deployment.yaml", "apply -f ../nginx.yaml");
    let chapter = dir.path().join("chapter.md");
    std::fs::write(&chapter, book).unwrap();
    let out = lab_cmd_in(state.path())
        .args(["init", chapter.to_str().unwrap()])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let drafted = std::fs::read_to_string(dir.path().join("lab.yaml")).unwrap();
    let pods: Vec<&str> = drafted.lines().filter(|l| l.contains("{ pod: ")).collect();
    assert!(!pods.is_empty(), "{drafted}");
    assert!(
        pods.iter().all(|l| l.trim_start().starts_with('#')),
        "{drafted}"
    );
    let loads = lab_cmd_in(state.path())
        .args(["render"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(loads.status.code(), Some(0), "{}", text(&loads));
}

/// The patch's headers named the chapter by its path from the current
/// folder: a lab folder named `evil\n+++ x` (a folder of a cloned
/// repository) gave `--- evil` / `+++ x/chapter.md` / `+++ evil` / ...,
/// headers of files the folder's name chose for `patch -p0` to change.
#[test]
fn a_suggested_patch_has_one_header_pair_whatever_the_folders_name() {
    require_root();
    let name = unique_name("sg");
    let copy = copy_lab("chapter4", &name);
    let work = tempfile::tempdir().unwrap();
    let lab = work.path().join("evil\n+++ x");
    std::fs::create_dir(&lab).unwrap();
    for e in std::fs::read_dir(copy.path()).unwrap().flatten() {
        std::fs::copy(e.path(), lab.join(e.file_name())).unwrap();
    }
    let patch = work.path().join("fix.patch");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lab"))
        .env("LAB_STATE_DIR", work.path().join("state"))
        .env("CI", "1")
        .env("NO_COLOR", "1")
        .env_remove("LAB_PATH")
        .current_dir(work.path())
        .arg("book")
        .arg(&lab)
        .args(["--suggest-known", "--suggest"])
        .arg(&patch)
        .output()
        .unwrap();
    no_namespaces_of(&name);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let p = std::fs::read_to_string(&patch).unwrap();
    let headers: Vec<&str> = p.lines().take_while(|l| !l.starts_with("@@")).collect();
    assert_eq!(headers, ["--- chapter.md", "+++ chapter.md"], "{p}");
}

/// A save of `lab.yaml` that changes the nodes (`count: 2` → `3`) was
/// re-applied as a variant switch, which programs the nodes the new file
/// names: "opening namespace LAB.node3: No such file", exit 3, the lab
/// torn down. It is said, and the lab stays as it was.
#[test]
fn a_watch_says_a_saved_lab_with_other_nodes_and_keeps_the_lab() {
    require_root();
    let name = unique_name("wn");
    let lab = copy_lab("chapter4", &name);
    let state = tempfile::tempdir().unwrap();
    let (mut child, mut lines) = watch(lab.path(), state.path(), &[]);
    lines.wait("watching", |l| l.starts_with("watching chapter.md"));
    crate::harness::edit(&lab.path().join("lab.yaml"), "count: 2", "count: 3");
    lines.wait("said", |l| l.contains("nodes or networks changed"));
    // Then a manifest saved: re-applied as before.
    let fix = lab.path().join("flannel_fix.yml");
    let mut t = std::fs::read_to_string(&fix).unwrap();
    t.push_str("# saved again\n");
    std::fs::write(&fix, t).unwrap();
    lines.wait("refused again", |l| l.contains("nodes or networks changed"));
    assert_eq!(interrupt(&mut child), Some(130), "{:?}", lines.seen);
    no_namespaces_of(&name);
}

/// A false green: a block in a shell's own prompt style (`vagrant@node1:~$
/// ping ...` after `vagrant ssh node1`) claimed a reply, read as the output
/// of `vagrant ssh`, which lab does not compare: "match" on the broken
/// variant, where that ping gets no reply. It is replayed: drift.
#[test]
fn a_command_after_a_shell_prompt_is_replayed_not_a_match() {
    let lab = TestLab::chapter4("sp");
    std::fs::write(
        lab.src.path().join("chapter.md"),
        "# A chapter\n\n```\n$ vagrant ssh node1\nvagrant@node1:~$ ping -c 1 10.244.2.2\n64 bytes from 10.244.2.2: icmp_seq=1 ttl=63 time=0.4 ms\n```\n",
    )
    .unwrap();
    let _ = std::fs::remove_file(lab.src.path().join("chapter.drift.yaml"));
    let json = lab.state.path().join("book.json");
    let out = lab.lab(&[
        "book",
        lab.file().to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(report["blocks"][0]["verdict"], "drift", "{}", text(&out));
    assert_eq!(
        report["blocks"][0]["commands"][1]["command"],
        "ping -c 1 10.244.2.2",
        "{}",
        text(&out)
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
}
