//! What the third probe of issue 21 found (`docs/security-probe.md`, the
//! section of this session), one test each, each seen failing on main.

use crate::labs::{TestLab, text};

/// A node writes its own `/run` (a host folder of the lab's state, bound
/// there). `lab`, root on the host, writes `flannel/subnet.env` and the
/// flanneld log into it at every `apply`: through a link the node made, that
/// write landed on any host file (`subnet.tmp.PID -> /etc/shadow`: the
/// host's file truncated and overwritten) or in any host folder
/// (`/run/flannel -> /etc`).
#[test]
fn a_node_cannot_make_lab_write_a_host_file_through_its_links() {
    let lab = TestLab::chapter4("lnk");
    lab.up(&[]);
    let host = tempfile::Builder::new()
        .prefix("lab-host-")
        .tempdir()
        .unwrap();
    let victim = host.path().join("victim");
    std::fs::write(&victim, "the host's file\n").unwrap();
    let folder = host.path().join("folder");
    std::fs::create_dir(&folder).unwrap();

    // node1: a link for every PID the next write's temporary file could be
    // named by (pid_max is 32768 here; the names main and this fix use).
    let plant = format!(
        "perl -e 'for my $n (1..32768) {{ for my $f (\"subnet.tmp.$n\", \"subnet.env.tmp.$n\", \"flanneld.tmp.$n\", \"flanneld.log.tmp.$n\") {{ symlink(\"{}\", \"/run/flannel/$f\") or die \"$f: $!\" }} }}'",
        victim.display()
    );
    let out = lab.ssh("node1", &plant);
    assert!(out.status.success(), "planting links: {}", text(&out));
    let out = lab.lab(&["apply", &lab.name, "--variant", "fixed"]);
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "the host's file\n",
        "apply wrote the host's file through node1's link: {}",
        text(&out)
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = lab.ssh("node1", "cat /run/flannel/subnet.env");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("FLANNEL_SUBNET="),
        "node1 has its subnet.env: {}",
        text(&out)
    );

    // node2: its /run/flannel made a link to a host folder.
    let out = lab.ssh(
        "node2",
        &format!(
            "rm -rf /run/flannel && ln -s {} /run/flannel",
            folder.display()
        ),
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = lab.lab(&["apply", &lab.name, "--variant", "broken"]);
    let made: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(
        made.is_empty(),
        "apply wrote {made:?} into the host's folder through node2's /run/flannel: {}",
        text(&out)
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        text(&out).contains("symbolic link"),
        "the error says why: {}",
        text(&out)
    );
}

/// A chapter's kubectl line that lab does not understand still goes to
/// kubectl without a cluster, to hear whether kubectl refuses it. Its words
/// were checked for URLs and absolute paths, not for `--server`/`-s`: a
/// chapter line made the host's kubectl send requests to any address it
/// named (seen here on loopback; on another machine, anywhere).
#[test]
fn a_chapter_cannot_point_kubectl_at_a_server() {
    use std::io::ErrorKind;
    let lab = TestLab::chapter4("srv");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let at = listener.local_addr().unwrap();
    let chapter = format!(
        "# Hostile\n\n```bash\nkubectl --kubeconfig ./admin.conf -s {at} get nodes\n```\n\n\
         ```bash\nkubectl --kubeconfig ./admin.conf get pods --server={at}\n```\n\n\
         ```bash\nkubectl --kubeconfig ./admin.conf --server {at} get pods\n```\n"
    );
    std::fs::write(lab.src.path().join("chapter.md"), chapter).unwrap();
    let _ = std::fs::remove_file(lab.src.path().join("chapter.drift.yaml"));
    let file = lab.file();
    let out = lab.lab(&["book", file.to_str().unwrap()]);
    let accepted = match listener.accept() {
        Ok((_, from)) => Some(from),
        Err(e) if e.kind() == ErrorKind::WouldBlock => None,
        Err(e) => panic!("accept: {e}"),
    };
    assert_eq!(
        accepted,
        None,
        "kubectl connected to {at}, named by the chapter: {}",
        text(&out)
    );
    let said = text(&out);
    assert!(
        said.contains("3 blocks:"),
        "the chapter was replayed: {said}"
    );
    assert_ne!(out.status.code(), Some(0), "{said}");
}

/// A report path is refused inside a lab's state folder, by its path: a
/// hard link to the lab's `state.json` elsewhere was accepted, and
/// `lab verify LAB --json LINK` replaced the running lab's state with the
/// run record (every later command: "not valid lab state", exit 6).
#[test]
fn a_report_is_never_written_over_a_labs_state_through_a_hard_link() {
    let lab = TestLab::chapter4("hln");
    lab.up(&[]);
    let state = lab.dir().join("state.json");
    let before = std::fs::read(&state).unwrap();
    let elsewhere = tempfile::tempdir_in(lab.state.path().parent().unwrap()).unwrap();
    let link = elsewhere.path().join("report.json");
    if std::fs::hard_link(&state, &link).is_err() {
        panic!("cannot hard-link {} (another filesystem?)", state.display());
    }
    let out = lab.lab(&["verify", &lab.name, "--json", link.to_str().unwrap()]);
    assert_eq!(
        std::fs::read(&state).unwrap(),
        before,
        "the lab's state.json was overwritten through a hard link: {}",
        text(&out)
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let out = lab.lab(&["status", &lab.name]);
    assert!(out.status.success(), "{}", text(&out));
}

/// Keyrings are the user's, not a namespace's: root on a node added keys to
/// (and could read keys of) the host root's keyrings. The key the node
/// tries to add here must not reach the host's `/proc/keys`.
#[test]
fn a_node_cannot_reach_the_hosts_keyrings() {
    let lab = TestLab::chapter4("key");
    lab.up(&[]);
    let desc = format!("{}-probe-key", lab.name);
    // add_key(2) on x86_64 is 248; -4 is the user keyring.
    let script = format!(
        "perl -e 'my ($t, $d, $p) = (\"user\", \"{desc}\", \"from node1\"); my $r = syscall(248, $t, $d, $p, length($p), -4); print \"add_key: \", ($r < 0 ? \"refused: $!\" : \"key $r\"), \"\\n\"'"
    );
    let out = lab.ssh("node1", &script);
    let keys = std::fs::read_to_string("/proc/keys").unwrap();
    let reached: Vec<&str> = keys.lines().filter(|l| l.contains(&desc)).collect();
    for l in &reached {
        // Put the host back: invalidate the key the node added.
        if let Some(id) = l
            .split_whitespace()
            .next()
            .and_then(|h| i64::from_str_radix(h, 16).ok())
        {
            unsafe { libc::syscall(libc::SYS_keyctl, 21, id, 0, 0, 0) };
        }
    }
    assert!(
        reached.is_empty(),
        "node1 added a key to the host's keyrings: {reached:?}; {}",
        text(&out)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("add_key: refused"),
        "the node asked and was refused: {}",
        text(&out)
    );
}

/// SIGTERM during `lab book`'s final teardown: the teardown is finished
/// first (README), and the command still says it was interrupted (130).
/// It exited 0, as if no signal had come.
#[test]
fn a_signal_during_the_final_teardown_still_means_interrupted() {
    use std::io::{BufRead, BufReader};
    let lab = TestLab::chapter4("sgt");
    let file = lab.file();
    let mut child = lab
        .cmd()
        .args(["book", file.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The steps are shown on stderr, the blocks on stdout.
    let stdout = child.stdout.take().unwrap();
    let outs = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let mut seen = String::new();
    let mut signalled = false;
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        // The teardown's first step has ended; the others are still to run.
        if !signalled && line.contains("stop processes") {
            let pid = nix::unistd::Pid::from_raw(child.id() as i32);
            nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM)
                .expect("lab book was still running");
            signalled = true;
        }
    }
    let status = child.wait().unwrap();
    let errs = outs.join().unwrap();
    assert!(signalled, "no teardown seen: {seen}\n{errs}");
    assert_eq!(
        status.code(),
        Some(130),
        "TERM during the teardown: {seen}\n{errs}"
    );
    assert!(
        crate::labs::namespaces_of(&lab.name).is_empty(),
        "the teardown was finished: {seen}\n{errs}"
    );
}

/// `book:` and manifests must resolve inside the lab folder; the
/// known-drift file found beside the chapter followed a symlink anywhere
/// (a lab folder from elsewhere could make `lab` read a host file, and its
/// errors quote the file's values). Refused before anything is made.
#[test]
fn the_known_drift_file_beside_the_chapter_stays_in_its_folder() {
    let lab = TestLab::chapter4("kdl");
    let host = tempfile::Builder::new()
        .prefix("lab-host-")
        .tempdir()
        .unwrap();
    let outside = host.path().join("drift.yaml");
    std::fs::write(&outside, "version: 2\ndrift: []\n").unwrap();
    let beside = lab.src.path().join("chapter.drift.yaml");
    std::fs::remove_file(&beside).unwrap();
    std::os::unix::fs::symlink(&outside, &beside).unwrap();
    let file = lab.file();
    let out = lab.lab(&["book", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("outside the chapter's folder"),
        "{}",
        text(&out)
    );
    assert!(crate::labs::namespaces_of(&lab.name).is_empty());
}
