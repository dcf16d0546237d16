//! How a process enters a node (or a pod) so that the node is a machine of
//! its own and cannot reach the host: after the node's network namespace,
//! the child joins the node's cgroups (its memory and process limit, see
//! `cgroups`) and sets its OOM score to the highest ([`OOM_FIRST`]), then the user namespace that owns the node's network (a
//! node's own, see `sys::userns`: from there on its capabilities count in
//! that namespace, so root in a node has its own network and nothing of the
//! lab's other namespaces), makes its own mount, UTS, IPC and PID
//! namespaces (that user namespace's), and builds the node's view of the
//! files in the node's overlay (see `rootfs`), bound on itself first (what
//! a user namespace copies of the host's mounts is locked, and
//! `pivot_root` refuses a locked root), with the node's `/run` and `/root`
//! (and a pod's folder) bound in by their host paths, still as the host's
//! uid 0 (the lab's folders are root's alone). It then works in the node's
//! root and becomes the namespace's root ([`become_its_root`]: the lab's
//! first host uid, see `ids`), and goes on by paths relative to it: the
//! host's `/usr` read-only (and every mount under it), a minimal `/dev`
//! (null, zero, full, random, urandom, tty, a devpts of its own, shm; no
//! block device), a read-only `/sys` of its network namespace. It then
//! forks: the child is PID 1 of the new PID namespace, mounts a `/proc` of
//! that namespace in the node's root while the host's is still in view (a
//! user namespace may mount a proc only then), read-only but for
//! `/proc/sys/net` of its own network, pivots into the node's root (the
//! host's tree is detached), drops from its
//! bounding set every capability that reaches past its own namespaces
//! (`privileges`; a pod loses `CAP_NET_ADMIN` too, see [`Machine`]), sets
//! no_new_privs and execs the command. Everything the command starts lives
//! in that PID namespace and dies with its PID 1.
//!
//! The parent of PID 1 execs nothing and runs no node code: it waits for
//! PID 1 (resuming it when a node's tracer left it stopped) and exits with
//! its status ([`Mode::Wait`]: sessions, `lab proxy`), or
//! reports PID 1's host PID on a pipe and exits at once ([`Mode::Detach`]:
//! a pod's nginx, which `lab` records and stops by that PID).
//!
//! Everything in the child is a system call on memory prepared before the
//! fork (the parent is multi-threaded): [`Plan`] is built in the parent.

use crate::error::{LabError, Result};
use std::ffi::CString;
use std::fs::File;
use std::os::fd::RawFd;
use std::path::{Path, PathBuf};
use std::process::Command;

pub(super) use super::mount_op::{Op, check, cstr};

/// How every entry to a node (or a pod) sets itself up.
#[derive(Debug, Clone)]
pub struct NodeSetup {
    pub hostname: String,
    /// Bound onto /run.
    pub run: PathBuf,
    /// Bound onto /root.
    pub home: PathBuf,
    /// Where the node's overlay is mounted on the host (absolute): the
    /// node's `/`.
    pub root: PathBuf,
    /// Host folders bound (read-write) at the same path (a pod's nginx
    /// folder: its configuration, logs and temp files).
    pub binds: Vec<PathBuf>,
    /// The node's (or pod's) cgroup, which every entry joins where it
    /// exists (see `cgroups`).
    pub cgroup: String,
    /// A node or a pod: what root keeps of the network.
    pub machine: Machine,
    /// The guard's socket, which every entry hands its filter's listener
    /// to (see `supervised`).
    pub supervisor: PathBuf,
}

/// What is entered, and so what root keeps of the network. Either's
/// network namespace is owned by a user namespace of its own (see
/// `sys::userns`), which the entry joins first: root there has its
/// capabilities over that namespace only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Machine {
    /// A node: root keeps `CAP_NET_ADMIN` and `CAP_NET_RAW` over the
    /// node's network.
    Node,
    /// A pod: root has no `CAP_NET_ADMIN` (as a Kubernetes container by
    /// default).
    Pod,
}

/// What happens to the process between the host and the node's PID 1.
#[derive(Debug, Clone, Copy)]
pub enum Mode {
    /// It waits for PID 1 and exits with its status; PID 1 dies with it.
    /// A PID 1 that stops is resumed at once (SIGCONT): no signal from
    /// inside stops a PID namespace's init, but a node's command of the
    /// same uid may trace it (`ptrace(PTRACE_ATTACH, 1)` needs no
    /// `CAP_SYS_PTRACE` there), and a tracer that exits without a wait
    /// leaves it stopped with nothing in the node that could resume it:
    /// `sshd` then reaped no command and `lab ssh` waited until its ssh was
    /// killed (the twentieth probe's zombie), a session until its deadline.
    /// Stops while a tracer holds PID 1 are the tracer's (its parent sees
    /// none); this one is reported once the tracer has let go.
    Wait,
    /// It writes PID 1's host PID (4 bytes, native order) to this fd and
    /// exits.
    Detach(RawFd),
}

/// Where a process sets how the OOM killer ranks it ...
const OOM_SCORE_ADJ: &str = "/proc/self/oom_score_adj";
/// ... and the rank of every process of a node or a pod: the highest,
/// the first killed (raising it needs no privilege, lowering it
/// `CAP_SYS_RESOURCE` in the host's user namespace, which a node has not).
pub const OOM_FIRST: &[u8] = b"1000";

/// The devices of a node's `/dev` (bound from the host's).
const DEVICES: &[&str] = &["null", "zero", "full", "random", "urandom", "tty"];

/// Host folders a node sees read-only at the same place (when they are
/// folders on the host; where the host links them into /usr, the node's
/// root has the same link).
pub const HOST_READ_ONLY: &[&str] = &["usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"];

/// Everything the child does, prepared before the fork.
struct Plan {
    hostname: CString,
    /// First, still in the host's user namespace: the cgroups joined, the
    /// OOM score set.
    joins: Vec<Op>,
    /// The network namespace's fd (open in the child as in the parent):
    /// the entry joins the user namespace that owns it.
    netns: RawFd,
    machine: Machine,
    /// Before the fork, still as the host's uid 0 (its files and the lab's
    /// folders, which are root's alone, are reached by their host paths):
    /// the node's root bound on itself, its own folders bound into it.
    on_host_paths: Vec<Op>,
    /// The node's root (the working folder from here on).
    root: CString,
    /// Before the fork, as the node's root, relative to the node's root.
    before: Vec<Op>,
    /// After the fork, in PID 1, before the pivot (the node's /proc, which
    /// a user namespace may mount only where the host's is visible).
    after: Vec<Op>,
    dot: CString,
    slash: CString,
    mode: Mode,
    /// The connection to the guard the filter's listener goes on.
    handoff: super::supervised::Handoff,
}

impl NodeSetup {
    fn plan(&self, mode: Mode, netns: RawFd) -> Result<Plan> {
        let r = &self.root;
        let inside = |p: &str| r.join(p);
        // A node being stopped (its memory held by `destroy` or the guard)
        // is never entered: the entry would wait for ever.
        if super::cgroups::memory_held(&self.cgroup) {
            return Err(LabError::NeedsRepair(format!(
                "{} ({}) is being stopped: its memory is held, as `lab destroy` and the guard \
                 hold a node's they stop, so nothing may enter it; `lab destroy` removes the lab",
                self.hostname, self.cgroup
            )));
        }
        // The node's cgroups first: PID 1 and all it starts are counted.
        let mut joins = super::cgroups::procs_files(&self.cgroup)
            .iter()
            .map(|f| Ok(Op::Write(cstr(f)?, b"0")))
            .collect::<Result<Vec<_>>>()?;
        // Then the OOM killer's score, which all it starts inherits: the
        // node's (or pod's) processes go before any of the host's when the
        // host runs out of memory (their limits are cut to fit half of it,
        // see `limits::cgroup_limits`, but labs side by side may hold more).
        joins.push(Op::Write(cstr(OOM_SCORE_ADJ)?, OOM_FIRST));
        // The root bound on itself: a mount of this namespace's own (what
        // a user namespace copied from the host is locked, and
        // `pivot_root` refuses a locked new root).
        let mut on_host_paths = vec![Op::bind(r, r, libc::MS_REC)?];
        for (own, at) in [(&self.run, "run"), (&self.home, "root")] {
            let (Some(dir), Some(name)) = (own.parent(), own.file_name()) else {
                return Err(LabError::Internal(format!(
                    "{} names no folder",
                    own.display()
                )));
            };
            on_host_paths.push(Op::BindFrom(
                cstr(dir)?,
                vec![cstr(name)?],
                cstr(inside(at))?,
            ));
        }
        for b in &self.binds {
            let rel = b.strip_prefix("/").map_err(|_| {
                LabError::Internal(format!("{} is not an absolute path", b.display()))
            })?;
            let parts = rel.iter().map(cstr).collect::<Result<Vec<_>>>()?;
            on_host_paths.push(Op::BindBeneath(cstr(b)?, cstr(r)?, parts));
        }
        // From here on, paths are the node's, relative to its root (the
        // working folder): the node's root may not pass the lab's folders.
        let inside = |p: &str| PathBuf::from(p);
        let mut before = vec![];
        for d in HOST_READ_ONLY {
            let host = Path::new("/").join(d);
            let is_dir = std::fs::symlink_metadata(&host).is_ok_and(|m| m.is_dir());
            if is_dir {
                before.push(Op::Mkdir(cstr(inside(d))?, 0o755));
                before.push(Op::bind(&host, &inside(d), libc::MS_REC)?);
                before.push(Op::read_only(&inside(d))?);
            }
        }
        let dev = inside("dev");
        before.push(Op::mount(
            Some("tmpfs"),
            &dev,
            Some("tmpfs"),
            libc::MS_NOSUID | libc::MS_NOEXEC,
            Some("mode=755,size=64k"),
        )?);
        for d in DEVICES {
            let host = Path::new("/dev").join(d);
            if host.exists() {
                before.push(Op::Touch(cstr(dev.join(d))?));
                before.push(Op::bind(&host, &dev.join(d), 0)?);
                before.push(Op::read_only_device(&dev.join(d))?);
            }
        }
        before.push(Op::Mkdir(cstr(dev.join("pts"))?, 0o755));
        before.push(Op::mount(
            Some("devpts"),
            &dev.join("pts"),
            Some("devpts"),
            libc::MS_NOSUID | libc::MS_NOEXEC,
            Some("newinstance,ptmxmode=0666,mode=0620,gid=5,max=64"),
        )?);
        before.push(Op::Symlink(cstr("pts/ptmx")?, cstr(dev.join("ptmx"))?));
        before.push(Op::Mkdir(cstr(dev.join("shm"))?, 0o1777));
        before.push(Op::mount(
            Some("shm"),
            &dev.join("shm"),
            Some("tmpfs"),
            libc::MS_NOSUID | libc::MS_NODEV,
            Some("mode=1777,size=16m"),
        )?);
        for (link, target) in [
            ("fd", "/proc/self/fd"),
            ("stdin", "/proc/self/fd/0"),
            ("stdout", "/proc/self/fd/1"),
            ("stderr", "/proc/self/fd/2"),
        ] {
            before.push(Op::Symlink(cstr(target)?, cstr(dev.join(link))?));
        }
        // /sys of the node's network namespace, read-only.
        before.push(Op::mount(
            Some("sysfs"),
            &inside("sys"),
            Some("sysfs"),
            libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
            None,
        )?);
        // A pod sees its node's files read-only (its own folder, /run and
        // /root are mounts of their own, writable): a pod's root wrote the
        // node's /etc/ld.so.preload, and the node's next command ran the
        // pod's code with the node's CAP_NET_ADMIN.
        if self.machine == Machine::Pod {
            before.push(Op::read_only_top(Path::new("."))?);
        }
        let proc_ = inside("proc");
        let mut after = vec![Op::mount(
            Some("proc"),
            &proc_,
            Some("proc"),
            libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
            None,
        )?];
        // The network switches a VM's root sets on its own network stay
        // writable ([`WRITABLE_NET_SYSCTLS`]); the rest of its /proc is
        // read-only: the kernel's sysctls, its network's resource limits,
        // and its top-level entries (`/proc/dma`, `/proc/kcore`...), whose
        // mode and owner are the kernel's, one for every namespace: a
        // node's `chmod` of one reached the host and outlived the lab (the
        // thirteenth probe).
        for writable in WRITABLE_NET_SYSCTLS {
            after.push(Op::OwnMountIfThere(cstr(proc_.join(writable))?));
        }
        after.push(Op::read_only_top(&proc_)?);
        Ok(Plan {
            hostname: cstr(&self.hostname)?,
            joins,
            netns,
            machine: self.machine,
            on_host_paths,
            root: cstr(r)?,
            before,
            after,
            dot: cstr(".")?,
            slash: cstr("/")?,
            mode,
            handoff: super::supervised::Handoff::connect(&self.supervisor),
        })
    }
}

impl Plan {
    /// The child's side, after it entered the node's network namespace:
    /// system calls only (async-signal-safe).
    fn apply_in_child(&self) -> std::io::Result<()> {
        crate::state::lock::let_go_in_child();
        // The process between waits for PID 1 with SIGCHLD at its default:
        // a handler of the caller's (which it inherits) would run there on
        // memory and descriptors it no longer has.
        // SAFETY: sigaction is async-signal-safe.
        unsafe {
            libc::signal(libc::SIGCHLD, libc::SIG_DFL);
        }
        for op in &self.joins {
            op.apply()?;
        }
        join_owner(self.netns)?;
        let null = std::ptr::null();
        // SAFETY: plain system calls on NUL-terminated strings made before fork.
        unsafe {
            check(libc::unshare(
                libc::CLONE_NEWNS | libc::CLONE_NEWUTS | libc::CLONE_NEWIPC | libc::CLONE_NEWPID,
            ))?;
            check(libc::mount(
                null,
                self.slash.as_ptr(),
                null,
                libc::MS_REC | libc::MS_SLAVE,
                null as *const libc::c_void,
            ))?;
            check(libc::sethostname(
                self.hostname.as_ptr(),
                self.hostname.as_bytes().len(),
            ))?;
        }
        for op in &self.on_host_paths {
            op.apply()?;
        }
        // SAFETY: chdir on a string made before the fork.
        check(unsafe { libc::chdir(self.root.as_ptr()) })?;
        become_its_root()?;
        for op in &self.before {
            op.apply()?;
        }
        // SAFETY: fork is async-signal-safe; the child continues with
        // system calls only, the parent waits or reports and _exits.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err(std::io::Error::last_os_error());
        }
        if pid > 0 {
            self.between(pid);
        }
        if let Mode::Wait = self.mode {
            // SAFETY: as above. PID 1 dies with the process that waits for it.
            unsafe {
                check(libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0))?;
            }
        }
        // PID 1 lets go of the terminal `lab` was run from (its controlling
        // one, which all it starts would inherit; it stays in its process
        // group, so what stops a session still reaches it): root in a node
        // opened `/dev/tty` from `verify`'s commands (a library in its own
        // /etc/ld.so.preload) and typed into the user's shell (`TIOCSTI`),
        // and a pod's nginx held it for its life (the eleventh probe of
        // issue 21). The host's /dev is still in view here.
        // SAFETY: open, ioctl and close are async-signal-safe.
        unsafe {
            let tty = libc::open(
                c"/dev/tty".as_ptr(),
                libc::O_RDWR | libc::O_NOCTTY | libc::O_NONBLOCK | libc::O_CLOEXEC,
            );
            if tty >= 0 {
                let r = libc::ioctl(tty, libc::TIOCNOTTY);
                let e = std::io::Error::last_os_error();
                libc::close(tty);
                if r != 0 {
                    return Err(e);
                }
            }
        }
        // PID 1 mounts its PID namespace's /proc while the host's is still
        // in view, then pivots (the process between only waits or reports).
        for op in &self.after {
            op.apply()?;
        }
        pivot_into(&self.dot, &self.dot, &self.slash)?;
        let extra: &[u32] = match self.machine {
            Machine::Node => &[],
            Machine::Pod => &[12 /* CAP_NET_ADMIN */],
        };
        super::privileges::drop_privileges(extra, self.handoff.raw())
    }

    /// The process between the host and PID 1: never returns.
    fn between(&self, pid: libc::pid_t) -> ! {
        // SAFETY: system calls only, then _exit.
        unsafe {
            match self.mode {
                Mode::Detach(fd) => {
                    let bytes = pid.to_ne_bytes();
                    let ok = libc::write(fd, bytes.as_ptr() as *const libc::c_void, bytes.len())
                        == bytes.len() as isize;
                    libc::_exit(if ok { 0 } else { 1 })
                }
                Mode::Wait => {
                    // Hold nothing of the caller's (the exec-error pipe
                    // must close when PID 1 execs).
                    libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32);
                    // PID 1 left stopped is resumed (see [`Mode::Wait`]).
                    let mut status = 0;
                    loop {
                        let r = libc::waitpid(pid, &mut status, libc::WUNTRACED);
                        if r == pid && libc::WIFSTOPPED(status) {
                            libc::kill(pid, libc::SIGCONT);
                            continue;
                        }
                        if r == pid {
                            break;
                        }
                        if r < 0
                            && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR)
                        {
                            libc::_exit(127);
                        }
                    }
                    if libc::WIFEXITED(status) {
                        libc::_exit(libc::WEXITSTATUS(status))
                    }
                    libc::_exit(128 + libc::WTERMSIG(status))
                }
            }
        }
    }
}

/// Join the user namespace that owns the network namespace open at
/// `netns` (a node's own, see `sys::userns`): from here on this process's
/// capabilities count there, and what it makes next (mount, UTS, IPC and
/// PID namespaces) is that user namespace's. System calls only.
pub(super) fn join_owner(netns: RawFd) -> std::io::Result<()> {
    // SAFETY: ioctl on an open namespace fd; setns and close on the fd it
    // returns.
    unsafe {
        let user = libc::ioctl(netns, super::sys::userns::NS_GET_USERNS as _);
        if user < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let r = libc::setns(user, libc::CLONE_NEWUSER);
        let e = std::io::Error::last_os_error();
        libc::close(user);
        if r != 0 {
            return Err(e);
        }
    }
    Ok(())
}

/// After [`join_owner`]: become the user namespace's root (uid and gid 0
/// there, the lab's first host uid: see `ids`), with no supplementary
/// group, the capabilities kept (the kernel keeps them for a change to the
/// namespace's root). What the process makes from here on (a node's files,
/// its `/dev`) is the node root's, and what it is charged (epoll watches,
/// pipe buffers) is the lab's uid's, never the host root's. System calls
/// only.
pub(super) fn become_its_root() -> std::io::Result<()> {
    // SAFETY: raw system calls on this process's credentials (a child
    // between fork and exec: one thread).
    unsafe {
        check(
            libc::syscall(libc::SYS_setgroups, 0usize, std::ptr::null::<libc::gid_t>())
                as libc::c_int,
        )?;
        check(libc::syscall(libc::SYS_setresgid, 0u32, 0u32, 0u32) as libc::c_int)?;
        check(libc::syscall(libc::SYS_setresuid, 0u32, 0u32, 0u32) as libc::c_int)
    }
}

/// The network sysctls a node may set (under its `/proc`): forwarding, the
/// per-device switches (`conf/*/rp_filter`, `accept_redirects`...)
/// and the bridge's calls into netfilter, as a VM's root
/// sets its own. Every other one of its network's is read-only: they are
/// limits the kernel sizes host memory and its own work by, and the
/// kernel is the host's (probe21r: `igmp_max_msf` raised, one
/// `setsockopt` held a host CPU and the host's network lock for minutes;
/// `ipfrag_high_thresh`, `tcp_fin_timeout`, `somaxconn`, `optmem_max`
/// raised, host memory nothing charged). Not IPv6's per-device switches:
/// the lab runs IPv4, and a node that turned IPv6 on with router
/// solicitations every tick on 600 veths took 0.37 of a host core in
/// timers, no process left (probe21s).
pub(super) const WRITABLE_NET_SYSCTLS: &[&str] = &[
    "sys/net/ipv4/ip_forward",
    "sys/net/ipv4/conf",
    "sys/net/bridge",
];

/// `pivot_root(".", ".")` into `root`: the host's tree ends up on top of
/// the new root and is detached at once (what runc does), then `/`
/// (`dot` is ".", `slash` is "/"). System calls only: safe between fork
/// and exec.
pub(super) fn pivot_into(
    root: &std::ffi::CStr,
    dot: &std::ffi::CStr,
    slash: &std::ffi::CStr,
) -> std::io::Result<()> {
    // SAFETY: system calls on NUL-terminated paths that outlive them.
    unsafe {
        check(libc::chdir(root.as_ptr()))?;
        check(libc::syscall(libc::SYS_pivot_root, dot.as_ptr(), dot.as_ptr()) as libc::c_int)?;
        check(libc::umount2(dot.as_ptr(), libc::MNT_DETACH))?;
        check(libc::chdir(slash.as_ptr()))
    }
}

/// Make `cmd`'s child enter a node the way every session on it does: the
/// node's network namespace (open at `ns`, which the parent keeps open until
/// the child has started), then its [`NodeSetup`] (see the module's header).
pub fn enter_node_before_exec(
    cmd: &mut Command,
    ns: &File,
    setup: &NodeSetup,
    mode: Mode,
) -> Result<()> {
    use std::os::fd::AsRawFd;
    use std::os::unix::process::CommandExt;
    let apart = super::sys::userns::owned_apart(ns)
        .map_err(|e| LabError::io("finding who owns a network namespace", e))?;
    if !apart {
        return Err(LabError::Enter {
            node: setup.hostname.clone(),
            message: super::sys::userns::MADE_BY_AN_OLDER_LAB.into(),
        });
    }
    super::sys::enter_netns_before_exec(cmd, ns);
    let plan = setup.plan(mode, ns.as_raw_fd())?;
    // SAFETY: the closure makes system calls only, on memory made before fork.
    unsafe {
        cmd.pre_exec(move || plan.apply_in_child());
    }
    Ok(())
}
