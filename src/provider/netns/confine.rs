//! Where a probe runs: a node's network, in a confined context of `lab`'s
//! making. A probe (ping, curl, `ip route get`, fping: [`Session::output_net`]
//! of `crate::session`) is a command `lab` writes, run thousands of times in
//! a mesh, so it does not enter the node as a session does (a mount
//! namespace per command copies the host's mount table, one mount per lab
//! namespace under /run/netns). It must not run in the host's files either:
//! every value that reaches a probe is typed or quoted, but a probe that
//! forgot to quote would otherwise run as root on the host.
//!
//! So a session makes one [`ProbeRoot`] (once, on its first probe): a mount
//! namespace whose `/` is the lab's `rootfs` (lab-made `/etc`, empty
//! folders), **read-only**, with the host's `/usr` (and `/bin`, `/lib`, ...
//! where they are folders) read-only with every mount under them, and a
//! `/dev` of null, zero, full, random and urandom; no `/proc`, no `/sys`,
//! no `/run`, nothing writable;
//! the host's tree is detached. The session keeps it alive by an open file
//! (no process stays in it). Each probe then only joins it ([`enter`]): the
//! node's network namespace, that mount namespace (no copy) and the user
//! namespace that owns the node's network (see `sys::userns`), and it runs
//! as a user of its own ([`PROBE_ID`]:
//! it owns no host file and signals no host process) whose only
//! capabilities are `CAP_NET_RAW` and `CAP_NET_ADMIN` (ambient; nothing
//! else in the bounding set), with no_new_privs and no user namespace
//! (`seccomp`). An injected `touch /etc/x`, `> /tmp/x` or `kill 1` fails
//! there. (Not a PID namespace: every probe would be PID 1 there, and
//! `ping` and `fping` take their ICMP identifier from their PID, so two
//! probes of one node at once would read each other's replies.)

use super::enter::{Op, check, cstr};
use crate::error::{LabError, Result};
use std::ffi::CString;
use std::fs::File;
use std::os::fd::{AsRawFd, RawFd};
use std::path::Path;
use std::process::Command;

/// Capabilities a probe keeps: its node's network (`ping`'s raw socket,
/// `ip`'s netlink). Every other one leaves the bounding set.
pub const KEPT: &[u32] = &[12 /* CAP_NET_ADMIN */, 13 /* CAP_NET_RAW */];

/// The last capability this kernel generation knows (CAP_CHECKPOINT_RESTORE);
/// an unknown higher one is dropped too (EINVAL is ignored).
const LAST_CAP: u32 = 63;

/// Every capability but [`KEPT`].
const DROPPED: [u32; LAST_CAP as usize + 1 - 2] = {
    let mut out = [0u32; LAST_CAP as usize + 1 - 2];
    let (mut cap, mut i) = (0u32, 0usize);
    while cap <= LAST_CAP {
        if cap != KEPT[0] && cap != KEPT[1] {
            out[i] = cap;
            i += 1;
        }
        cap += 1;
    }
    out
};

/// The devices of a probe's `/dev` (bound from the host's).
const DEVICES: &[&str] = &["null", "zero", "full", "random", "urandom"];

/// A read-only mount namespace for the probes of one lab, held open.
#[derive(Debug)]
pub struct ProbeRoot {
    mnt: File,
    /// The guard's socket, which every probe hands its filter's listener
    /// to (see `supervised`).
    supervisor: std::path::PathBuf,
}

impl ProbeRoot {
    /// Make it from the lab's `rootfs` (see `rootfs`): a child unshares a
    /// mount namespace, builds it, pivots into it and execs `sh` waiting on
    /// its input; its namespace is opened and the child ends.
    pub fn make(rootfs: &Path, supervisor: &Path) -> Result<ProbeRoot> {
        let r = std::fs::canonicalize(rootfs)
            .map_err(|e| LabError::io(format!("the probes' root {}", rootfs.display()), e))?;
        let plan = plan(&r)?;
        let mut cmd = Command::new("/bin/sh");
        cmd.args(["-c", "read _"])
            .env_clear()
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        {
            use std::os::unix::process::CommandExt;
            // SAFETY: system calls only, on memory made before the fork.
            unsafe {
                cmd.pre_exec(move || plan.apply());
            }
        }
        let mut child = cmd.spawn().map_err(|e| {
            LabError::io(format!("making the probes' root from {}", r.display()), e)
        })?;
        let mnt = File::open(format!("/proc/{}/ns/mnt", child.id()));
        drop(child.stdin.take());
        let _ = child.wait();
        let mnt = mnt.map_err(|e| LabError::io("opening the probes' mount namespace", e))?;
        Ok(ProbeRoot {
            mnt,
            supervisor: supervisor.to_path_buf(),
        })
    }
}

/// What the child that makes a [`ProbeRoot`] does.
struct Plan {
    ops: Vec<Op>,
    root: CString,
    dot: CString,
    slash: CString,
}

fn plan(r: &Path) -> Result<Plan> {
    let mut ops = vec![Op::bind(r, r, 0)?];
    for d in super::enter::HOST_READ_ONLY {
        let host = Path::new("/").join(d);
        if std::fs::symlink_metadata(&host).is_ok_and(|m| m.is_dir()) && r.join(d).is_dir() {
            ops.push(Op::bind(&host, &r.join(d), libc::MS_REC)?);
            ops.push(Op::read_only(&r.join(d))?);
        }
    }
    let dev = r.join("dev");
    ops.push(Op::mount(
        Some("tmpfs"),
        &dev,
        Some("tmpfs"),
        libc::MS_NOSUID | libc::MS_NOEXEC,
        Some("mode=755,size=16k"),
    )?);
    for d in DEVICES {
        let host = Path::new("/dev").join(d);
        if host.exists() {
            ops.push(Op::Touch(cstr(dev.join(d))?));
            ops.push(Op::bind(&host, &dev.join(d), 0)?);
            ops.push(Op::read_only_device(&dev.join(d))?);
        }
    }
    // The folder under the devices, then the root, read-only.
    ops.push(Op::mount(
        None,
        &dev,
        None,
        libc::MS_REMOUNT | libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NOEXEC,
        None,
    )?);
    // Its top only: the host folders under it are read-only all the way
    // down already, and `/dev/null` bound under it must stay writable.
    ops.push(Op::read_only_top(r)?);
    Ok(Plan {
        ops,
        root: cstr(r)?,
        dot: cstr(".")?,
        slash: cstr("/")?,
    })
}

impl Plan {
    /// In the child: system calls only.
    fn apply(&self) -> std::io::Result<()> {
        crate::state::lock::let_go_in_child();
        let null = std::ptr::null();
        // SAFETY: system calls on NUL-terminated strings made before fork.
        unsafe {
            check(libc::unshare(libc::CLONE_NEWNS))?;
            check(libc::mount(
                null,
                self.slash.as_ptr(),
                null,
                libc::MS_REC | libc::MS_PRIVATE,
                null as *const libc::c_void,
            ))?;
        }
        for op in &self.ops {
            op.apply()?;
        }
        // The host's tree detached, as a node's entry does.
        super::enter::pivot_into(&self.root, &self.dot, &self.slash)
    }
}

/// The user and group a probe runs as, in the node's user namespace: no
/// account of the node's has it, and on the host it is a uid of the lab's
/// range (see `ids`), which no account of the host's has either, so a probe
/// owns no host file and may signal no host process (and, unlike a PID
/// namespace of its own, it keeps its host PID, which `ping` and `fping`
/// use as their ICMP identifier: probes in one node must not share one).
pub const PROBE_ID: u32 = 65533;

/// Make `cmd`'s child a probe: after it entered the node's network
/// namespace `netns` (the caller's `pre_exec`, registered first), it joins
/// `root`, then the user namespace that owns the network (a node's or
/// pod's own: the capabilities it keeps count there, over that network
/// only), and becomes [`PROBE_ID`] with [`KEPT`] as its only (ambient)
/// capabilities, no_new_privs and no user namespace (see the module's
/// header). `root` and `netns` must stay open until the child has started.
pub fn enter(cmd: &mut Command, root: &ProbeRoot, netns: &File) {
    use std::os::unix::process::CommandExt;
    let fd: RawFd = root.mnt.as_raw_fd();
    let net: RawFd = netns.as_raw_fd();
    // Open until `cmd` is dropped (after the child started).
    let handoff = super::supervised::Handoff::connect(&root.supervisor);
    // SAFETY: system calls only in the child, on nothing allocated there.
    unsafe {
        cmd.pre_exec(move || {
            check(libc::setns(fd, libc::CLONE_NEWNS))?;
            super::enter::join_owner(net)?;
            become_probe(handoff.raw())
        });
    }
}

/// Root becomes [`PROBE_ID`] keeping [`KEPT`]: the bounding set without
/// [`DROPPED`], the user and groups changed with the capabilities kept,
/// then [`KEPT`] made inheritable and ambient (what an exec'd program that
/// is not root gets), no_new_privs and the user-namespace filter, whose
/// listener goes to the guard on `handoff` (see `supervised`).
fn become_probe(handoff: RawFd) -> std::io::Result<()> {
    let kept = KEPT.iter().fold(0u64, |m, &c| m | (1u64 << c));
    // SAFETY: prctl, setgroups, setres[ug]id and capset on stack memory.
    unsafe {
        for &cap in DROPPED.iter() {
            if libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0) != 0
                && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINVAL)
            {
                return Err(std::io::Error::last_os_error());
            }
        }
        check(libc::prctl(libc::PR_SET_KEEPCAPS, 1, 0, 0, 0))?;
        check(libc::setgroups(0, std::ptr::null()))?;
        check(libc::setresgid(PROBE_ID, PROBE_ID, PROBE_ID))?;
        check(libc::setresuid(PROBE_ID, PROBE_ID, PROBE_ID))?;
        use super::privileges::{Data, Header};
        let mut h = Header {
            version: 0x2008_0522,
            pid: 0,
        };
        let half = |shift: u32| {
            let m = (kept >> shift) as u32;
            Data {
                effective: m,
                permitted: m,
                inheritable: m,
            }
        };
        let d = [half(0), half(32)];
        check(libc::syscall(libc::SYS_capset, &mut h as *mut Header, d.as_ptr()) as libc::c_int)?;
        check(libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL as libc::c_ulong,
            0,
            0,
            0,
        ))?;
        for &cap in KEPT {
            check(libc::prctl(
                libc::PR_CAP_AMBIENT,
                libc::PR_CAP_AMBIENT_RAISE as libc::c_ulong,
                cap as libc::c_ulong,
                0,
                0,
            ))?;
        }
    }
    super::privileges::bound_open_files()?;
    super::privileges::keep_no_inherited_files()?;
    super::seccomp::install(handoff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_probe_keeps_its_network_and_nothing_else() {
        assert_eq!(DROPPED.len(), 62);
        for cap in [0, 1, 2, 5, 6, 7, 19, 21, 27, 38, 39, 40] {
            assert!(DROPPED.contains(&cap), "{cap} kept");
        }
        assert!(!DROPPED.contains(&12) && !DROPPED.contains(&13));
    }
}
