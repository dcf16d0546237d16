//! A node's network namespace is owned by a user namespace of its own, so
//! that root in the node (which enters that user namespace, see `enter`)
//! has `CAP_NET_ADMIN` and `CAP_NET_RAW` over the node's network only. The
//! kernel checks a capability against the user namespace that owns the
//! object: a node's network namespace holds ids of the namespaces its veths'
//! peers live in (the lab's bridge, its NAT ends, its pods), and netlink's
//! `IFLA_TARGET_NETNSID` acts there for whoever has `CAP_NET_ADMIN` over
//! *their* owner; with the host's user namespace owning them and the node's
//! root in its own, it has not.
//!
//! A pod's network namespace is owned by one of its own too: a pod's root
//! left in the host's user namespace would keep the host root's reach over
//! its node's network (by the id of its veth's peer) even without the
//! capability. Each user namespace made here is owned by a host uid of the
//! lab's range (no host account has one, see `ids`): the kernel charges
//! what runs inside to the owner too (inotify, message queues).
//!
//! A user namespace can only be made by a process that is alone in its
//! address space's thread group (`unshare(CLONE_NEWUSER)` refuses a
//! multi-threaded one), so a child is cloned with `CLONE_NEWUSER |
//! CLONE_NEWNET`: it shares lab's memory (`CLONE_VM`: nothing of a large
//! heap is copied) and runs on a small stack of its own, where it only
//! blocks every signal and pauses. The thread that cloned it (acting as the
//! namespace's owner for that one call) writes its maps (the node's uids
//! and gids 0..65535 to the lab's range on the host: see `ids`),
//! bind-mounts its network namespace on `/run/netns/NAME` (the network
//! namespace keeps its user namespace alive) and kills it.

use std::ffi::c_void;
use std::fs::File;
use std::path::Path;

use super::super::ids::Ids;

/// `NS_GET_USERNS` of `ioctl_ns(2)`: the user namespace owning a namespace.
pub const NS_GET_USERNS: libc::c_ulong = 0xb701;

/// The cloned child's stack: it makes a few system calls and no call deeper.
const STACK_BYTES: usize = 16 * 1024;

/// A cloned child's first step: none of lab's files (its copies closed:
/// lab killed, nothing of it stays open here) and none of its signal
/// handlers (every signal blocked). Raw system calls on a stack value.
fn forget_lab() {
    // SAFETY: system calls on a stack value; neither fails here.
    unsafe {
        libc::syscall(libc::SYS_close_range, 0u32, u32::MAX, 0u32);
        let all: [u64; 1] = [!0];
        libc::syscall(
            libc::SYS_rt_sigprocmask,
            libc::SIG_BLOCK,
            all.as_ptr(),
            std::ptr::null_mut::<u64>(),
            8usize,
        );
    }
}

/// The child: none of lab's files (its lock, its output pipes: lab killed,
/// nothing of it stays open here), all signals blocked (lab's handlers are
/// not its), a parent death signal (it ends with the thread that made it;
/// if that already ended, it ends now), then a pause until it is killed.
/// Raw system calls only: it shares lab's memory, and libc's wrappers would
/// write `errno` into the cloning thread's. `parent` is lab's PID.
extern "C" fn hold(parent: *mut c_void) -> libc::c_int {
    forget_lab();
    // SAFETY: system calls on a stack value; none returns an error here.
    unsafe {
        libc::syscall(libc::SYS_prctl, libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        if libc::syscall(libc::SYS_getppid) != parent as libc::c_long {
            libc::syscall(libc::SYS_exit, 0);
        }
        loop {
            libc::syscall(libc::SYS_pause);
        }
    }
}

/// The child between its clone and its end: killed and reaped when dropped,
/// whatever happened in between (its stack lives as long as it).
struct Holder {
    pid: libc::pid_t,
    _stack: Vec<u8>,
}

impl Drop for Holder {
    fn drop(&mut self) {
        // Never 0 or below here (that would name a process group).
        if self.pid > 0 {
            // SAFETY: our own child, by the PID clone returned, not reaped.
            unsafe { libc::kill(self.pid, libc::SIGKILL) };
            self.reap();
        }
    }
}

impl Holder {
    /// Wait for the child to end (reaped once: its PID is not waited for
    /// again); its wait status.
    fn reap(&mut self) -> libc::c_int {
        let mut status = 0;
        if self.pid > 0 {
            // SAFETY: our own child, by the PID clone returned.
            while unsafe { libc::waitpid(self.pid, &mut status, 0) } < 0
                && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR)
            {}
            self.pid = 0;
        }
        status
    }

    /// Clone a child with `flags` (`CLONE_NEWUSER`, ...) that holds
    /// still until it is dropped.
    fn clone(flags: libc::c_int) -> std::io::Result<Holder> {
        Holder::clone_running(hold, flags)
    }

    /// Clone a child with `flags` that runs `child` (raw system calls only)
    /// on a stack of its own; `lab`'s PID is its argument.
    fn clone_running(
        child: extern "C" fn(*mut c_void) -> libc::c_int,
        flags: libc::c_int,
    ) -> std::io::Result<Holder> {
        let mut stack = vec![0u8; STACK_BYTES];
        // The top, 16-byte aligned (the stack grows down).
        let top = {
            let end = stack.as_mut_ptr() as usize + STACK_BYTES;
            (end & !15) as *mut c_void
        };
        // SAFETY: `child` touches nothing of ours but its own stack, which
        // the Holder keeps until the child is reaped.
        let pid = unsafe {
            libc::clone(
                child,
                top,
                libc::CLONE_VM | flags | libc::SIGCHLD,
                std::process::id() as usize as *mut c_void,
            )
        };
        if pid < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Holder { pid, _stack: stack })
    }
}

/// The child of [`can_make`], in new user, mount, PID and network
/// namespaces: what a node's entry mounts there, a `/proc` and a `/sys`
/// (the kernel allows them in a user namespace only where the host's are
/// fully visible: not in a container that masks parts of its `/proc`),
/// over the host's in its private copy of the mounts. Exit status: 0, or
/// the step that was refused (1-3).
extern "C" fn try_mounts(_: *mut c_void) -> libc::c_int {
    forget_lab();
    let mount = |src: &[u8], dst: &[u8], fs: &[u8], flags: libc::c_ulong| {
        let p = |b: &[u8]| {
            if b.is_empty() {
                std::ptr::null()
            } else {
                b.as_ptr()
            }
        };
        // SAFETY: NUL-terminated static strings, or null.
        unsafe { libc::syscall(libc::SYS_mount, p(src), p(dst), p(fs), flags, 0usize) == 0 }
    };
    let ro = libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC;
    let step = if !mount(b"", b"/\0", b"", libc::MS_REC | libc::MS_PRIVATE) {
        1
    } else if !mount(b"proc\0", b"/proc\0", b"proc\0", ro) {
        2
    } else if !mount(b"sysfs\0", b"/sys\0", b"sysfs\0", ro | libc::MS_RDONLY) {
        3
    } else {
        0
    };
    // SAFETY: the raw exit of this child alone.
    unsafe { libc::syscall(libc::SYS_exit, step) };
    step
}

/// Whether this host lets lab give a node a user namespace of its own and
/// enter it (`user.max_user_namespaces` above 0, a kernel built with them,
/// no filter refusing them, a `/proc` and `/sys` a user namespace may
/// mount): a child in new namespaces tries, and ends.
pub fn can_make() -> std::io::Result<()> {
    let mut child = Holder::clone_running(
        try_mounts,
        libc::CLONE_NEWUSER | libc::CLONE_NEWNS | libc::CLONE_NEWPID | libc::CLONE_NEWNET,
    )?;
    let status = child.reap();
    if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0 {
        return Ok(());
    }
    let what = match libc::WEXITSTATUS(status) {
        2 => "a /proc there is refused: the host's /proc is not fully visible (masked?)",
        3 => "a /sys there is refused: the host's /sys is not fully visible (masked?)",
        _ => "its mounts could not be made private",
    };
    Err(std::io::Error::other(what))
}

/// Why the netns provider cannot run where [`can_make`] fails, and what
/// to do.
pub fn refused(e: &std::io::Error) -> String {
    let fix = if e.kind() == std::io::ErrorKind::Other {
        "run lab where the host's /proc and /sys are whole (not in a container that masks them)"
    } else {
        "is user.max_user_namespaces 0? raise it with `sysctl -w user.max_user_namespaces=15000`"
    };
    format!(
        "it needs user namespaces (each node's and pod's network is owned by one of its own, so root in a node has its own network only), and this host refuses them ({e}); {fix}, or use VMs with `--provider vagrant`"
    )
}

/// `lab doctor`'s line: whether lab can make user namespaces here (what
/// [`can_make`] said).
pub fn doctor_line(made: &std::io::Result<()>) -> String {
    match made {
        Ok(()) => "ok      user namespaces (one owns each node's and pod's network)".into(),
        Err(e) => format!(
            "MISSING user namespaces (one owns each node's and pod's network):\n        {e}"
        ),
    }
}

/// This thread's effective uid set to `uid` with its capabilities kept
/// (`SECBIT_NO_SETUID_FIXUP`), for the one `clone` that makes a user
/// namespace (its owner is the caller's effective uid); put back when
/// dropped. Credentials are a thread's own: raw system calls change this
/// thread's alone (libc's wrappers would change every thread's).
struct ActingAs {
    bits: libc::c_long,
}

impl ActingAs {
    fn uid(uid: u32) -> std::io::Result<ActingAs> {
        const SECBIT_NO_SETUID_FIXUP: libc::c_long = 1 << 2;
        // SAFETY: prctl and setresuid on this thread's credentials.
        unsafe {
            let bits = libc::syscall(libc::SYS_prctl, libc::PR_GET_SECUREBITS);
            if bits < 0
                || libc::syscall(
                    libc::SYS_prctl,
                    libc::PR_SET_SECUREBITS,
                    bits | SECBIT_NO_SETUID_FIXUP,
                ) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            let back = ActingAs { bits };
            if libc::syscall(libc::SYS_setresuid, -1i32, uid, -1i32) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(back)
        }
    }
}

impl Drop for ActingAs {
    fn drop(&mut self) {
        // SAFETY: as above; the capabilities were kept, so these succeed.
        let ok = unsafe {
            libc::syscall(libc::SYS_setresuid, -1i32, 0u32, -1i32) == 0
                && libc::syscall(libc::SYS_prctl, libc::PR_SET_SECUREBITS, self.bits) == 0
        };
        if !ok {
            // A thread of lab's left acting as another uid must not go on.
            std::process::abort();
        }
    }
}

/// Make a network namespace owned by a new user namespace and bind-mount
/// it on `path` (an existing empty file); returns it open. The user
/// namespace maps uids and gids 0..65535 to the lab's range and is owned
/// by a uid of the range of its own ([`Ids::owner`] of the path's name):
/// see `ids`.
pub fn new_owned_netns(path: &Path, ids: Ids) -> std::result::Result<File, String> {
    use nix::mount::{MsFlags, mount};
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let owner = ids.owner(&name);
    // The owner has every capability in the namespace: a host account of
    // that uid (a directory's, which no file of the host lists) would be
    // root in the node.
    if let Ok(Some(u)) = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(owner)) {
        return Err(format!(
            "the host account {} has uid {owner}, which would own the namespace: a lab's range must be no account's; destroy the lab and bring it up again (another range is chosen)",
            u.name
        ));
    }
    let holder = {
        let _as =
            ActingAs::uid(owner).map_err(|e| format!("acting as the namespace's owner: {e}"))?;
        Holder::clone(libc::CLONE_NEWUSER | libc::CLONE_NEWNET)
    }
    .map_err(|e| format!("a new user and network namespace: {e}"))?;
    let proc_ = Path::new("/proc").join(holder.pid.to_string());
    for map in ["uid_map", "gid_map"] {
        std::fs::write(proc_.join(map), ids.map())
            .map_err(|e| format!("writing {map} of a new user namespace: {e}"))?;
    }
    let net = proc_.join("ns/net");
    let ns = File::open(&net).map_err(|e| format!("opening {}: {e}", net.display()))?;
    mount(
        Some(&net),
        path,
        Some("none"),
        MsFlags::MS_BIND,
        None::<&str>,
    )
    .map_err(|e| format!("mounting {}: {e}", path.display()))?;
    drop(holder);
    Ok(ns)
}

/// Whether the namespace open as `ns` is owned by a user namespace other
/// than this process's: a node's or pod's own (see [`new_owned_netns`]),
/// not one of a lab brought up by an older `lab`, which the host's owns.
pub fn owned_apart(ns: &File) -> std::io::Result<bool> {
    use std::os::fd::{AsRawFd, FromRawFd};
    use std::os::unix::fs::MetadataExt;
    // SAFETY: an ioctl on an open namespace fd; the fd it returns is ours.
    let owner = unsafe {
        let fd = libc::ioctl(ns.as_raw_fd(), NS_GET_USERNS as _);
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        File::from_raw_fd(fd)
    };
    let (theirs, ours) = (owner.metadata()?, std::fs::metadata("/proc/self/ns/user")?);
    Ok((theirs.dev(), theirs.ino()) != (ours.dev(), ours.ino()))
}

/// What an entry says of a namespace the host's user namespace owns.
pub const MADE_BY_AN_OLDER_LAB: &str = "its network namespace has no user namespace of its own: the lab was brought up by an older lab; `lab destroy` it and bring it up again";

#[cfg(test)]
mod tests {
    /// Where the tests run as root, a user namespace can be made and let
    /// go (its child reaped: no zombie is left to this test process).
    #[test]
    fn a_user_namespace_is_made_and_let_go() {
        if !nix::unistd::geteuid().is_root() {
            return;
        }
        super::can_make().unwrap();
    }

    /// A namespace made with a user namespace of its own is told apart
    /// from one the host's owns (this process's own network namespace).
    #[test]
    fn a_namespace_of_its_own_user_namespace_is_told_from_the_hosts() {
        if !nix::unistd::geteuid().is_root() {
            return;
        }
        let host = std::fs::File::open("/proc/self/ns/net").unwrap();
        assert!(!super::owned_apart(&host).unwrap());
        let child = super::Holder::clone(libc::CLONE_NEWUSER | libc::CLONE_NEWNET).unwrap();
        let ns = std::fs::File::open(format!("/proc/{}/ns/net", child.pid)).unwrap();
        assert!(super::owned_apart(&ns).unwrap());
    }
}
