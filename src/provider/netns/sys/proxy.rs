//! `lab proxy`: a node's `sshd -i` as the ssh `ProxyCommand`.

use super::super::enter::{Mode, enter_node_before_exec};
use super::super::names;
use super::netns_path;
use crate::error::{LabError, Result};
use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::process::Command;

/// `lab proxy --state DIR <lab> <node>`: the ssh `ProxyCommand` of the lab's
/// nodes. It enters the node (its network namespace and [`NodeSetup`], as
/// every session on the node does) and becomes `sshd -i` there, speaking SSH
/// on the stdin and stdout that ssh gave it: a real sshd for each
/// connection, as systemd's socket-activated `ssh.socket` runs it, and no
/// daemon per node waiting for connections. The host never gets an address
/// in the lab's ranges, and a lab of a thousand nodes holds no process for
/// its nodes. Call before any other thread exists; returns only on failure.
pub fn proxy(state_dir: &Path, lab: &str, node: &str) -> Result<()> {
    use std::os::unix::process::CommandExt;
    if !names::valid_lab_name(lab) || !names::valid_lab_name(node) {
        return Err(LabError::Usage(format!(
            "lab proxy: '{lab}' '{node}' are not a lab and a node name"
        )));
    }
    let layout = super::super::files::Layout::new(state_dir);
    let config = layout.sshd_config();
    if !config.is_file() {
        return Err(LabError::Usage(format!(
            "lab proxy: {} is not the state folder of a netns lab (no {})",
            state_dir.display(),
            config.display()
        )));
    }
    let ns = names::node_ns(lab, node);
    // No such namespace: the caller named a lab or node that is not up
    // here (exit 2), not a fault of lab's (README's exit codes).
    let ns_file = File::open(netns_path(&ns)).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => LabError::Usage(format!(
            "lab proxy: node {node} of lab {lab} is not up here (no namespace {ns})"
        )),
        _ => LabError::Enter {
            node: node.to_string(),
            message: format!("namespace {ns}: {e}"),
        },
    })?;
    // sshd opens its log itself: a FIFO the node planted there made every
    // `lab ssh` wait for ssh's banner timeout, saying nothing of why.
    let log = layout.sshd_log(node);
    crate::input_file::regular_or_absent(&log).map_err(|e| LabError::Enter {
        node: node.to_string(),
        message: format!(
            "its {} {e} (made on the node?): sshd would wait on it",
            super::super::rootfs::SSHD_LOG
        ),
    })?;
    let sshd = super::super::ctx::Programs::find().sshd;
    let mut cmd = Command::new(&sshd);
    // The node's own configuration and log (see `rootfs`): the lab's
    // state folder is not part of a node's files.
    // Nothing of ssh's environment (the user's) reaches the node.
    cmd.env_clear()
        .envs(super::super::session::ENV.iter().copied());
    cmd.arg("-i")
        .arg("-f")
        .arg(super::super::rootfs::SSHD_CONFIG)
        .arg("-E")
        .arg(super::super::rootfs::SSHD_LOG);
    enter_node_before_exec(
        &mut cmd,
        &ns_file,
        &layout.node_setup(lab, node)?,
        Mode::Wait,
    )?;
    // sshd's stderr is no file of the host's: ssh gives its `ProxyCommand`
    // its own stderr, the user's terminal, which root in the node would
    // open as `/proc/1/fd/2` (read what is typed there, write to it). sshd
    // logs to its file (`-E`); lab's own errors until the node is entered
    // still reach the user (this runs in PID 1, after the entry's steps).
    let null = File::options()
        .write(true)
        .open("/dev/null")
        .map_err(|e| LabError::io("opening /dev/null", e))?;
    let null_fd = null.as_raw_fd();
    // SAFETY: dup2 only, on an fd open until exec (close-on-exec itself).
    unsafe {
        cmd.pre_exec(move || {
            if libc::dup2(null_fd, libc::STDERR_FILENO) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let err = cmd.exec();
    Err(LabError::io(
        format!("starting {} in node {node}", sshd.display()),
        err,
    ))
}
