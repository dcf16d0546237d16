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
//! A pod's network namespace is owned by one of its own too: the user
//! namespace made here is owned by uid 0 of the host's, and the kernel gives
//! that uid every capability in it, whatever its capability sets; so a pod's
//! root left in the host's user namespace would have `CAP_NET_ADMIN` over
//! its node's network (by the id of its veth's peer) even without the
//! capability.
//!
//! A user namespace can only be made by a process that is alone in its
//! address space's thread group (`unshare(CLONE_NEWUSER)` refuses a
//! multi-threaded one), so a child is cloned with `CLONE_NEWUSER |
//! CLONE_NEWNET`: it shares lab's memory (`CLONE_VM`: nothing of a large
//! heap is copied) and runs on a small stack of its own, where it only
//! blocks every signal and pauses. The thread that cloned it writes its
//! identity maps (every uid and gid maps to itself: the node's files and
//! users are the host's numbers, as before), bind-mounts its network
//! namespace on `/run/netns/NAME` (the network namespace keeps its user
//! namespace alive) and kills it.

use std::ffi::c_void;
use std::fs::File;
use std::path::Path;

/// Every uid (gid) to itself: what `/proc/self/uid_map` of the host says.
pub const IDENTITY_MAP: &str = "0 0 4294967295\n";

/// The cloned child's stack: it makes a few system calls and no call deeper.
const STACK_BYTES: usize = 16 * 1024;

/// The child: none of lab's files (its lock, its output pipes: lab killed,
/// nothing of it stays open here), all signals blocked (lab's handlers are
/// not its), a parent death signal (it ends with the thread that made it;
/// if that already ended, it ends now), then a pause until it is killed.
/// Raw system calls only: it shares lab's memory, and libc's wrappers would
/// write `errno` into the cloning thread's. `parent` is lab's PID.
extern "C" fn hold(parent: *mut c_void) -> libc::c_int {
    // SAFETY: system calls on a stack value; none returns an error here.
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
        // SAFETY: our own child, by the PID clone returned; reaped once.
        unsafe {
            libc::kill(self.pid, libc::SIGKILL);
            let mut status = 0;
            while libc::waitpid(self.pid, &mut status, 0) < 0
                && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR)
            {}
        }
    }
}

impl Holder {
    /// Clone a child with `flags` (`CLONE_NEWUSER`, ...) that holds
    /// still until it is dropped.
    fn clone(flags: libc::c_int) -> std::io::Result<Holder> {
        let mut stack = vec![0u8; STACK_BYTES];
        // The top, 16-byte aligned (the stack grows down).
        let top = {
            let end = stack.as_mut_ptr() as usize + STACK_BYTES;
            (end & !15) as *mut c_void
        };
        // SAFETY: `hold` touches nothing of ours but its own stack, which
        // the Holder keeps until the child is reaped.
        let pid = unsafe {
            libc::clone(
                hold,
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

/// Whether this host lets lab make a user namespace (`user.max_user_namespaces`
/// above 0, a kernel built with them, no filter refusing them): one is
/// made and let go.
pub fn can_make() -> std::io::Result<()> {
    Holder::clone(libc::CLONE_NEWUSER).map(drop)
}

/// Why the netns provider cannot run where [`can_make`] fails.
pub fn refused(e: &std::io::Error) -> String {
    format!(
        "it needs user namespaces (each node's and pod's network is owned by one of its own, so root in a node has its own network only), and this host refuses to make one ({e}; is user.max_user_namespaces 0?); raise it with `sysctl -w user.max_user_namespaces=15000`, or use VMs with `--provider vagrant`"
    )
}

/// `lab doctor`'s line: whether lab can make user namespaces here (what
/// [`can_make`] said).
pub fn doctor_line(made: &std::io::Result<()>) -> String {
    match made {
        Ok(()) => "ok      user namespaces (one owns each node's and pod's network)".into(),
        Err(e) => format!("MISSING user namespaces: this host refuses to make one ({e})"),
    }
}

/// Make a network namespace owned by a new user namespace (identity maps)
/// and bind-mount it on `path` (an existing empty file); returns it open.
pub fn new_owned_netns(path: &Path) -> std::result::Result<File, String> {
    use nix::mount::{MsFlags, mount};
    let holder = Holder::clone(libc::CLONE_NEWUSER | libc::CLONE_NEWNET)
        .map_err(|e| format!("a new user and network namespace: {e}"))?;
    let proc_ = Path::new("/proc").join(holder.pid.to_string());
    for map in ["uid_map", "gid_map"] {
        std::fs::write(proc_.join(map), IDENTITY_MAP)
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
}
