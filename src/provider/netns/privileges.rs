//! What root in a node (or a pod) keeps: the capabilities it loses from
//! its bounding set ([`DROPPED`]), and the last step before a node's
//! command is exec'd ([`drop_privileges`]: that bounding set, no inheritable
//! or ambient capabilities, no_new_privs, the seccomp filter). Called in
//! the child between fork and exec: system calls only.

use super::enter::check;

/// Capabilities root in a node loses: what reaches the host or the kernel
/// beyond the node's own namespaces. Kept: chown, dac_override, fowner,
/// fsetid, kill, setgid, setuid, setpcap, net_bind_service, net_broadcast,
/// net_admin, net_raw, sys_chroot, audit_write, setfcap (what sshd, nginx,
/// tcpdump, ping and iptables need, on the node's own objects).
pub const DROPPED: &[u32] = &[
    2,  // CAP_DAC_READ_SEARCH (open_by_handle_at reaches host files)
    9,  // CAP_LINUX_IMMUTABLE
    14, // CAP_IPC_LOCK
    15, // CAP_IPC_OWNER
    16, // CAP_SYS_MODULE
    17, // CAP_SYS_RAWIO
    19, // CAP_SYS_PTRACE
    20, // CAP_SYS_PACCT
    21, // CAP_SYS_ADMIN
    22, // CAP_SYS_BOOT
    23, // CAP_SYS_NICE
    24, // CAP_SYS_RESOURCE
    25, // CAP_SYS_TIME
    26, // CAP_SYS_TTY_CONFIG
    27, // CAP_MKNOD
    28, // CAP_LEASE
    30, // CAP_AUDIT_CONTROL
    32, // CAP_MAC_OVERRIDE
    33, // CAP_MAC_ADMIN
    34, // CAP_SYSLOG
    35, // CAP_WAKE_ALARM
    36, // CAP_BLOCK_SUSPEND
    37, // CAP_AUDIT_READ
    38, // CAP_PERFMON
    39, // CAP_BPF
    40, // CAP_CHECKPOINT_RESTORE
];

/// `capget`/`capset`'s header (`struct __user_cap_header_struct`), version 3.
#[repr(C)]
pub(super) struct Header {
    pub(super) version: u32,
    pub(super) pid: i32,
}

/// One half of `capget`/`capset`'s data (`struct __user_cap_data_struct`):
/// version 3 takes two, capabilities 0-31 and 32-63.
#[repr(C)]
#[derive(Clone, Copy)]
pub(super) struct Data {
    pub(super) effective: u32,
    pub(super) permitted: u32,
    pub(super) inheritable: u32,
}

/// The bounding set without [`DROPPED`] and `extra` (a pod's
/// `CAP_NET_ADMIN`, see `enter::Machine`), no inheritable or ambient
/// capabilities, no_new_privs and no user namespace (`seccomp`): what the
/// exec'd program gets is root's remaining set, and nothing it runs can
/// gain more. The filter's listener goes to the guard on `handoff` (see
/// `supervised`).
pub(super) fn drop_privileges(extra: &[u32], handoff: std::os::fd::RawFd) -> std::io::Result<()> {
    // SAFETY: prctl and capget/capset on stack memory.
    unsafe {
        for &cap in DROPPED.iter().chain(extra) {
            if libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0) != 0
                && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINVAL)
            {
                return Err(std::io::Error::last_os_error());
            }
        }
        check(libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL as libc::c_ulong,
            0,
            0,
            0,
        ))?;
        let mut h = Header {
            version: 0x2008_0522,
            pid: 0,
        };
        let mut d = [Data {
            effective: 0,
            permitted: 0,
            inheritable: 0,
        }; 2];
        check(
            libc::syscall(libc::SYS_capget, &mut h as *mut Header, d.as_mut_ptr()) as libc::c_int,
        )?;
        for x in &mut d {
            x.inheritable = 0;
        }
        check(libc::syscall(libc::SYS_capset, &mut h as *mut Header, d.as_ptr()) as libc::c_int)?;
        check(libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))?;
    }
    bound_open_files()?;
    keep_no_inherited_files()?;
    // No user namespace, no keyrings: the one filter, installed last.
    super::seccomp::install(handoff)
}

/// The limit of open files (`RLIMIT_NOFILE`, soft and hard) of every
/// process of a node, a pod or a probe: a VM's default soft limit. It is
/// also the kernel's bound on the descriptors a host uid keeps in flight on
/// unix sockets (`too_many_unix_fds`: the sender's limit against its uid's
/// count), and below the count (`UNIX_INFLIGHT_SANE_USER`, 2024) past which
/// every send of a descriptor waits for the kernel's unix-socket garbage
/// collector: probe21v's node1, inheriting `lab`'s 20,000, kept 19,000 in
/// flight and a host kworker busy a core. Raising the hard limit needs
/// `CAP_SYS_RESOURCE` in the host's user namespace, which nothing of a
/// node has (`setrlimit` fails with EPERM).
pub const OPEN_FILES: u64 = 1024;

/// Lower this process's limit of open files to [`OPEN_FILES`] (or keep a
/// lower one `lab` was given). System calls only.
pub(super) fn bound_open_files() -> std::io::Result<()> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit on a stack value.
    unsafe {
        check(libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim))?;
        let n = lim.rlim_max.min(OPEN_FILES);
        let r = libc::rlimit {
            rlim_cur: n,
            rlim_max: n,
        };
        check(libc::setrlimit(libc::RLIMIT_NOFILE, &r))
    }
}

/// Every file above stderr closes at exec: what the exec'd program gets is
/// its stdin, stdout and stderr. `lab` opens its own files close-on-exec,
/// but whatever started `lab` may have left files open without it (a
/// shell's `exec 7</`, make's jobserver pipes, a CI runner's sockets), and
/// a child inherits them: a pod's nginx kept them for the pod's life, and
/// root in the pod opened `/proc/1/fd/7/etc/shadow`, the host's. The exec
/// error pipe of `Command` is close-on-exec already. System calls only.
pub(super) fn keep_no_inherited_files() -> std::io::Result<()> {
    // SAFETY: close_range on fds of this process; no memory.
    let r = unsafe {
        libc::syscall(
            libc::SYS_close_range,
            3u32,
            u32::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        )
    };
    if r == 0 {
        return Ok(());
    }
    // A kernel before 5.11: each possible fd, up to the limit of open files.
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit into a stack value, fcntl on fds of this process.
    unsafe {
        check(libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim))?;
        for fd in 3..lim.rlim_cur.min(1 << 20) as libc::c_int {
            libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
        }
    }
    Ok(())
}
