//! The eleventh adversarial probe of issue 21 (`docs/security-probe.md`,
//! "eleventh probe"): each test is a finding, seen failing on the code
//! before its fix.

use crate::labs::{TestLab, recorded, verdict};
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::mpsc;
use std::time::Duration;

/// A check that says whether a command `lab` runs on node1 can open the
/// terminal of whoever ran `lab` (`/dev/tty`: the process's controlling
/// terminal).
const TTY_CHECK: &str = "
  - name: a node's command has no terminal of the host's
    on: node1
    run: \"if (: </dev/tty) 2>/dev/null; then echo has-a-terminal; else echo no-terminal; fi\"
    expect: { contains: no-terminal }
";

/// Run `script` with `sh` as the session leader of a new terminal, as a
/// user's shell runs `lab` (the terminal is its controlling one); `env`
/// are its variables. Returns what it printed up to `marker`, the
/// terminal's master side (the shell then waits for a line on it) and the
/// shell.
fn on_a_terminal(
    script: &str,
    env: &[(&str, String)],
    marker: &str,
) -> (String, OwnedFd, std::process::Child) {
    use std::os::unix::process::CommandExt;
    let pty = nix::pty::openpty(None, None).unwrap();
    let slave = pty.slave.as_raw_fd();
    let mut cmd = std::process::Command::new("/bin/sh");
    cmd.args(["-c", script])
        .envs(env.iter().map(|(k, v)| (*k, v)))
        .stdin(std::fs::File::from(pty.slave.try_clone().unwrap()))
        .stdout(std::fs::File::from(pty.slave.try_clone().unwrap()))
        .stderr(std::fs::File::from(pty.slave.try_clone().unwrap()));
    // SAFETY: system calls only between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setsid() < 0 || libc::ioctl(slave, libc::TIOCSCTTY, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd.spawn().unwrap();
    drop(pty.slave);
    let mut reader = std::fs::File::from(pty.master.try_clone().unwrap());
    let (tx, rx) = mpsc::channel();
    let marker = marker.to_string();
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
            if String::from_utf8_lossy(&seen).contains(&marker) {
                break;
            }
        }
        let _ = tx.send(String::from_utf8_lossy(&seen).into_owned());
    });
    let seen = rx
        .recv_timeout(Duration::from_secs(300))
        .expect("the shell on the terminal printed its marker");
    (seen, pty.master, child)
}

/// The terminal a process has as its controlling one (`tty_nr` of
/// `/proc/PID/stat`; 0: none).
fn controlling_tty(pid: i32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let f: Vec<&str> = s[s.rfind(')').unwrap() + 1..].split_whitespace().collect();
    f[4].parse().unwrap()
}

/// A node reached the host's terminal through its controlling terminal.
/// What `lab` starts in a node or pod left the caller's session with a
/// process group of its own only (`process_group(0)`), so it kept the
/// terminal `lab` was run from as its controlling one: a session command
/// of `verify`/`book`, a pod's nginx (for its whole life) and a node's
/// `sshd -i` under `lab ssh` could open `/dev/tty`. By hand on the release
/// build: node1's root put a library in its own `/etc/ld.so.preload`; the
/// next `lab verify`, run from a terminal, loaded it in `cat` on node1,
/// which wrote on the user's terminal and typed a command into the user's
/// shell (`TIOCSTI`; `dev.tty.legacy_tiocsti` is 1 here), which ran as
/// root on the host after `verify` ended. Now PID 1 of every entry starts
/// a session of its own: nothing in a node or pod has a terminal of the
/// host's.
#[test]
fn nothing_in_a_node_or_pod_has_the_callers_terminal() {
    let lab = TestLab::new("chapter4", "p11t", |y| y + TTY_CHECK);
    let json = lab.state.path().join("tty.json");
    let script = r#"
"$LAB" up "$FILE" >/dev/null 2>&1; echo "up=$?"
"$LAB" verify "$NAME" --json "$JSON" >/dev/null 2>&1; echo "verify=$?"
"$LAB" ssh "$NAME" node1 -- 'echo sshd-tty=$(cut -d" " -f7 /proc/1/stat)'
echo p11-ready
read _
"#;
    let env = [
        ("LAB", env!("CARGO_BIN_EXE_lab").to_string()),
        ("FILE", lab.file().display().to_string()),
        ("NAME", lab.name.clone()),
        ("JSON", json.display().to_string()),
        ("LAB_STATE_DIR", lab.state.path().display().to_string()),
        ("CI", "1".to_string()),
        ("PATH", std::env::var("PATH").unwrap_or_default()),
    ];
    let (seen, master, mut shell) = on_a_terminal(script, &env, "p11-ready");
    // While the shell (the session's leader) runs, as a user's does: the
    // pods' nginx and the guard of the nodes' tables.
    let nginx: Vec<(i32, u64)> = recorded(&lab.dir())
        .into_iter()
        .map(|(pid, _)| (pid, controlling_tty(pid)))
        .collect();
    std::fs::File::from(master).write_all(b"\n").unwrap();
    let _ = shell.wait();
    let report = std::fs::read(&json)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .unwrap_or(serde_json::Value::Null);
    assert!(seen.contains("up=0"), "{seen}");
    assert_eq!(nginx.len(), 3, "{seen}");
    let mut held = Vec::new();
    if nginx.iter().any(|(_, tty)| *tty != 0) {
        held.push(format!(
            "the pods' nginx and the guard (PID, tty_nr): {nginx:?}"
        ));
    }
    if !seen.contains("sshd-tty=0") {
        held.push("node1's sshd under `lab ssh`".to_string());
    }
    let check = "a node's command has no terminal of the host's";
    if report.is_null() || verdict(&report, check) != "pass" {
        held.push(format!("a command of `lab verify` on node1 ({check})"));
    }
    assert!(
        held.is_empty(),
        "the caller's terminal is held by: {held:#?}
{seen}"
    );
}
