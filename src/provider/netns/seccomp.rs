//! The one system-call filter of a node, a pod and a probe: no user
//! namespace, no kernel keyrings, no asynchronous I/O contexts, no vsock,
//! no AF_XDP, no packet fanout, no packet ring the guard has not allowed,
//! no filter listener of its own.
//!
//! No user namespace. Root in a node has lost
//! `CAP_SYS_ADMIN` (see [`super::enter`]), but any process may still make a
//! user namespace and be "root" inside it (`unshare -U`): that reaches no
//! host object, yet it opens the kernel code that only root could reach
//! (namespaced mounts, netfilter, ...) to whatever runs on a node. The
//! limit `user.max_user_namespaces` is a host sysctl for the host's user
//! namespace (which a node shares), and `lab` changes no host setting, so a
//! seccomp filter does it instead, installed last by every entry (after
//! no_new_privs, which lets an unprivileged process install one, and which
//! no program it runs can lift):
//!
//! - `unshare` and `clone` with `CLONE_NEWUSER` fail with `EPERM`;
//! - `clone3` fails with `ENOSYS` (its flags are behind a pointer a filter
//!   cannot read; the C library then falls back to `clone`, as in Docker's
//!   default profile);
//! - a system call of another ABI kills the process (32-bit `int 0x80`)
//!   or fails with `EPERM` (x32): a node has no such program, and those
//!   numbers would pass the rules here unseen.
//!
//! No keyrings: `add_key`, `request_key` and `keyctl` fail with `EPERM`, as
//! in Docker's default profile. Keyrings belong to a user (of a user
//! namespace), not to a network, mount or PID namespace: root on a node was
//! root's keyrings on the host (the third probe of issue 21 added a key from
//! `lab ssh LAB node1` that the host's `/proc/keys` listed).
//!
//! No AIO or io_uring: `io_setup` and `io_uring_setup` fail with `ENOSYS`
//! (as on a kernel built without them: libaio's and liburing's users fall
//! back to plain reads and writes). AIO contexts are one count for the
//! whole host (`fs.aio-max-nr`), which a node alone used up (the eighteenth
//! probe of issue 21: the host root's `io_setup` failed with `EAGAIN`
//! while node1 held 16 contexts); io_uring's rings are charged to the host
//! uid of the node's root and open much kernel code to a node.
//!
//! No vsock: `socket(AF_VSOCK, …)` fails with `EAFNOSUPPORT` (as on a
//! kernel without vsock). Vsock ports are the host's, not a namespace's:
//! a node that bound one took it from the host (probe21n: the host's own
//! bind of the same port then failed), and CID 2 is the hypervisor.
//!
//! No AF_XDP, no packet fanout: `socket(AF_XDP, …)` fails with
//! `EAFNOSUPPORT` and `setsockopt(…, SOL_PACKET, PACKET_FANOUT, …)` with
//! `EPERM`. Both are kernel memory a node asks for by the size it names
//! and no one is charged for: probe21o's node held 1 GiB of AF_XDP rings
//! (four sockets; one call may ask for 16 GiB), and 2000 fanout groups of
//! 65,536 members took 1.86 GB (about 1 MiB a group, 65,536 groups a
//! namespace). The lab uses neither, nor does a reader's tcpdump.
//!
//! Packet rings asked of the guard: `setsockopt(…, SOL_PACKET,
//! PACKET_RX_RING or PACKET_TX_RING, …)` returns `SECCOMP_RET_USER_NOTIF`.
//! The ring's size (block size × blocks) is behind the pointer, which a
//! filter cannot read, and one call may ask for gigabytes the kernel
//! charges to no one (probe21n: 3.4 GB with six sockets); tcpdump needs a
//! ring of a few MiB. So the filter is installed with a listener
//! (`SECCOMP_FILTER_FLAG_NEW_LISTENER`, through seccomp(2)), which the entry
//! hands to the guard and closes before exec (see [`super::supervised`]);
//! the guard reads the request, makes a ring that fits the node's budget
//! itself and refuses a bigger one with `ENOMEM`, nothing allocated (see
//! `guard::ring_requests`). With no guard holding the listener the kernel
//! answers `ENOSYS`: no ring is made unchecked.
//!
//! Socket filters asked of the guard too: `setsockopt(…, SOL_SOCKET,
//! SO_ATTACH_FILTER or SO_ATTACH_REUSEPORT_CBPF, …)`. The kernel compiles
//! each into the host's one budget of compiled BPF, charged to no one, and
//! past it every unprivileged filter fails, seccomp's included (probe21u:
//! node1 took all 528 MB with 9423 filters). The guard attaches one of at
//! most 128 instructions while the node holds fewer than 128 sockets with
//! filters, and refuses the rest with `ENOPROTOOPT` (ping's is 8
//! instructions; libpcap filters in its own process when refused; see
//! `guard::filter_requests`).
//!
//! No filter of its own: `seccomp(SECCOMP_SET_MODE_FILTER, …)` and
//! `prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, …)` fail with `EPERM`. Of two
//! filters that both hand a call to a listener, the newest one's wins: a
//! node's own filter could take its ring requests and let them through
//! (`SECCOMP_USER_NOTIF_FLAG_CONTINUE`); and every filter is compiled into
//! the host's one budget of compiled BPF (a process's filters may hold
//! 32,768 instructions, a node runs 1024 processes: about 470 MB of the
//! host's 528). sshd's sandbox of its pre-authentication child then logs
//! the refusal and goes on, as on a kernel without seccomp.
//!
//! Every other system call is allowed. The filter is a fixed array built at
//! compile time, installed with `prctl` and seccomp(2) (async-signal-safe:
//! it runs in the child between fork and exec).

/// The architecture a filter checks for, and its system calls' numbers.
#[cfg(target_arch = "x86_64")]
const ARCH: u32 = 0xC000_003E; // AUDIT_ARCH_X86_64
#[cfg(target_arch = "aarch64")]
const ARCH: u32 = 0xC000_00B7; // AUDIT_ARCH_AARCH64

/// x32 system calls carry this bit on x86_64 (none on aarch64).
#[cfg(target_arch = "x86_64")]
const X32_BIT: u32 = 0x4000_0000;
#[cfg(target_arch = "aarch64")]
const X32_BIT: u32 = u32::MAX;

const NR_UNSHARE: u32 = libc::SYS_unshare as u32;
const NR_CLONE: u32 = libc::SYS_clone as u32;
const NR_CLONE3: u32 = libc::SYS_clone3 as u32;
const NR_ADD_KEY: u32 = libc::SYS_add_key as u32;
const NR_REQUEST_KEY: u32 = libc::SYS_request_key as u32;
const NR_KEYCTL: u32 = libc::SYS_keyctl as u32;
const NR_IO_SETUP: u32 = libc::SYS_io_setup as u32;
const NR_IO_URING_SETUP: u32 = libc::SYS_io_uring_setup as u32;
const NR_SOCKET: u32 = libc::SYS_socket as u32;
const NR_SETSOCKOPT: u32 = libc::SYS_setsockopt as u32;
const NR_SECCOMP: u32 = libc::SYS_seccomp as u32;
const NR_PRCTL: u32 = libc::SYS_prctl as u32;

// Offsets in `struct seccomp_data`: nr, arch, args[0] (its low half).
const NR: u32 = 0;
const ARCH_AT: u32 = 4;
const ARG0_LOW: u32 = 16;
const ARG1_LOW: u32 = 24;
const ARG2_LOW: u32 = 32;

const fn stmt(code: u32, k: u32) -> libc::sock_filter {
    libc::sock_filter {
        code: code as u16,
        jt: 0,
        jf: 0,
        k,
    }
}

/// The jump at instruction `at` to instruction `yes` when it holds, else
/// to `no` (absolute indices: the kernel's offsets are counted here).
const fn jump(code: u32, k: u32, at: usize, yes: usize, no: usize) -> libc::sock_filter {
    assert!(yes > at && no > at && yes - at - 1 <= 255 && no - at - 1 <= 255);
    libc::sock_filter {
        code: code as u16,
        jt: (yes - at - 1) as u8,
        jf: (no - at - 1) as u8,
        k,
    }
}

const LD: u32 = libc::BPF_LD | libc::BPF_W | libc::BPF_ABS;
const JEQ: u32 = libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K;
const JGE: u32 = libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K;
const JSET: u32 = libc::BPF_JMP | libc::BPF_JSET | libc::BPF_K;
const RET: u32 = libc::BPF_RET | libc::BPF_K;
const ALLOW: u32 = libc::SECCOMP_RET_ALLOW;
const EPERM: u32 = libc::SECCOMP_RET_ERRNO | libc::EPERM as u32;
const ENOSYS: u32 = libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32;
const EAFNOSUPPORT: u32 = libc::SECCOMP_RET_ERRNO | libc::EAFNOSUPPORT as u32;
const KILL: u32 = libc::SECCOMP_RET_KILL_PROCESS;
const NOTIFY: u32 = libc::SECCOMP_RET_USER_NOTIF;

// Where each part of the program starts.
const CLONE_FLAGS: usize = 18;
const SOCKET_FAMILY: usize = 21;
const SOCKET_OPTION: usize = 25;
const PACKET_OPTION: usize = 28;
const SOCKET_LEVEL_OPTION: usize = 33;
const SECCOMP_OP: usize = 36;
const PRCTL_OP: usize = 38;
const TO_ALLOW: usize = 42;
const TO_EPERM: usize = 43;
const TO_ENOSYS: usize = 44;
const TO_EAFNOSUPPORT: usize = 45;
const TO_NOTIFY: usize = 46;

/// The program.
const FILTER: [libc::sock_filter; 47] = [
    /* 0 */ stmt(LD, ARCH_AT),
    /* 1 */ jump(JEQ, ARCH, 1, 3, 2),
    /* 2 */ stmt(RET, KILL),
    /* 3 */ stmt(LD, NR),
    /* 4 */ jump(JGE, X32_BIT, 4, TO_EPERM, 5),
    /* 5 */ jump(JEQ, NR_UNSHARE, 5, CLONE_FLAGS, 6),
    /* 6 */ jump(JEQ, NR_CLONE, 6, CLONE_FLAGS, 7),
    /* 7 */ jump(JEQ, NR_CLONE3, 7, TO_ENOSYS, 8),
    /* 8 */ jump(JEQ, NR_IO_SETUP, 8, TO_ENOSYS, 9),
    /* 9 */ jump(JEQ, NR_IO_URING_SETUP, 9, TO_ENOSYS, 10),
    /* 10 */ jump(JEQ, NR_ADD_KEY, 10, TO_EPERM, 11),
    /* 11 */ jump(JEQ, NR_REQUEST_KEY, 11, TO_EPERM, 12),
    /* 12 */ jump(JEQ, NR_KEYCTL, 12, TO_EPERM, 13),
    /* 13 */ jump(JEQ, NR_SOCKET, 13, SOCKET_FAMILY, 14),
    /* 14 */ jump(JEQ, NR_SETSOCKOPT, 14, SOCKET_OPTION, 15),
    /* 15 */ jump(JEQ, NR_SECCOMP, 15, SECCOMP_OP, 16),
    /* 16 */ jump(JEQ, NR_PRCTL, 16, PRCTL_OP, 17),
    /* 17 */ stmt(RET, ALLOW),
    /* 18 CLONE_FLAGS */ stmt(LD, ARG0_LOW),
    /* 19 */ jump(JSET, libc::CLONE_NEWUSER as u32, 19, TO_EPERM, 20),
    /* 20 */ stmt(RET, ALLOW),
    /* 21 SOCKET_FAMILY */ stmt(LD, ARG0_LOW),
    /* 22 */ jump(JEQ, libc::AF_VSOCK as u32, 22, TO_EAFNOSUPPORT, 23),
    /* 23 */ jump(JEQ, libc::AF_XDP as u32, 23, TO_EAFNOSUPPORT, 24),
    /* 24 */ stmt(RET, ALLOW),
    /* 25 SOCKET_OPTION */ stmt(LD, ARG1_LOW),
    /* 26 */ jump(JEQ, libc::SOL_PACKET as u32, 26, PACKET_OPTION, 27),
    /* 27 */
    jump(
        JEQ,
        libc::SOL_SOCKET as u32,
        27,
        SOCKET_LEVEL_OPTION,
        TO_ALLOW,
    ),
    /* 28 PACKET_OPTION */ stmt(LD, ARG2_LOW),
    /* 29 */ jump(JEQ, libc::PACKET_FANOUT as u32, 29, TO_EPERM, 30),
    /* 30 */ jump(JEQ, libc::PACKET_RX_RING as u32, 30, TO_NOTIFY, 31),
    /* 31 */ jump(JEQ, libc::PACKET_TX_RING as u32, 31, TO_NOTIFY, 32),
    /* 32 */ stmt(RET, ALLOW),
    /* 33 SOCKET_LEVEL_OPTION */ stmt(LD, ARG2_LOW),
    /* 34 */ jump(JEQ, libc::SO_ATTACH_FILTER as u32, 34, TO_NOTIFY, 35),
    /* 35 */
    jump(
        JEQ,
        libc::SO_ATTACH_REUSEPORT_CBPF as u32,
        35,
        TO_NOTIFY,
        TO_ALLOW,
    ),
    /* 36 SECCOMP_OP */ stmt(LD, ARG0_LOW),
    /* 37 */ jump(JEQ, libc::SECCOMP_SET_MODE_FILTER, 37, TO_EPERM, TO_ALLOW),
    /* 38 PRCTL_OP */ stmt(LD, ARG0_LOW),
    /* 39 */ jump(JEQ, libc::PR_SET_SECCOMP as u32, 39, 40, TO_ALLOW),
    /* 40 */ stmt(LD, ARG1_LOW),
    /* 41 */ jump(JEQ, libc::SECCOMP_MODE_FILTER, 41, TO_EPERM, TO_ALLOW),
    /* 42 TO_ALLOW */ stmt(RET, ALLOW),
    /* 43 TO_EPERM */ stmt(RET, EPERM),
    /* 44 TO_ENOSYS */ stmt(RET, ENOSYS),
    /* 45 TO_EAFNOSUPPORT */ stmt(RET, EAFNOSUPPORT),
    /* 46 TO_NOTIFY */ stmt(RET, NOTIFY),
];

/// Install the filter on the calling thread (and everything it execs and
/// starts), no_new_privs first, and hand its listener to the ring
/// supervisor on `handoff` (a socket connected to the guard, see
/// [`super::supervised`]; -1: none, so every ring request fails with
/// `ENOSYS`). The listener is closed here in every case: no process of the
/// node ever holds it. System calls only (between fork and exec).
pub fn install(handoff: std::os::fd::RawFd) -> std::io::Result<()> {
    let prog = libc::sock_fprog {
        len: FILTER.len() as u16,
        filter: FILTER.as_ptr() as *mut libc::sock_filter,
    };
    let seccomp = |flags: libc::c_ulong| {
        // SAFETY: seccomp(2) on a program that lives for the whole call
        // (the kernel copies it).
        unsafe {
            libc::syscall(
                libc::SYS_seccomp,
                libc::SECCOMP_SET_MODE_FILTER as libc::c_ulong,
                flags,
                &prog as *const libc::sock_fprog,
            )
        }
    };
    // SAFETY: prctl with no pointers.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // Once the supervisor has read a request, only a fatal signal ends the
    // caller's wait (a kernel before 5.19 has no such flag: without it).
    let listener = libc::SECCOMP_FILTER_FLAG_NEW_LISTENER;
    let mut fd = seccomp(listener | libc::SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
    if fd < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINVAL) {
        fd = seccomp(listener);
    }
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    super::supervised::hand_off(fd as std::os::fd::RawFd, handoff);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Run `probe` in a forked child, with the filter when `filter`; its
    /// return value is the child's exit code (100: the filter could not be
    /// installed). `probe` makes system calls only, so a fork in a threaded
    /// test is safe.
    fn in_child(filter: bool, probe: fn() -> i32) -> i32 {
        // SAFETY: the child makes system calls only, then _exits.
        unsafe {
            let pid = libc::fork();
            assert!(pid >= 0);
            if pid == 0 {
                if filter && install(-1).is_err() {
                    libc::_exit(100);
                }
                libc::_exit(probe());
            }
            let mut status = 0;
            assert_eq!(libc::waitpid(pid, &mut status, 0), pid);
            assert!(libc::WIFEXITED(status), "child status {status:#x}");
            libc::WEXITSTATUS(status)
        }
    }

    /// The errno of the last failed call (0 when `rc` says it worked).
    fn errno_of(rc: libc::c_long) -> i32 {
        if rc >= 0 {
            0
        } else {
            // SAFETY: reads this thread's errno.
            unsafe { *libc::__errno_location() }
        }
    }

    /// Whether `unshare(CLONE_NEWUSER)` works, what `clone3` and an
    /// `unshare` without a user namespace give, packed in one code.
    fn user_namespaces() -> i32 {
        // SAFETY: system calls only.
        let (user, clone3, files) = unsafe {
            (
                errno_of(libc::unshare(libc::CLONE_NEWUSER).into()),
                errno_of(libc::syscall(
                    libc::SYS_clone3,
                    std::ptr::null::<u8>(),
                    0usize,
                )),
                // A namespace that is not a user namespace is not this
                // filter's business (the bounding set decides it).
                errno_of(libc::unshare(libc::CLONE_FILES).into()),
            )
        };
        match (user, clone3, files) {
            (libc::EPERM, libc::ENOSYS, 0) => 1,
            (0, libc::EINVAL, 0) | (0, libc::EFAULT, 0) => 2,
            _ => 3,
        }
    }

    /// `keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0)`: its errno.
    fn keyctl() -> i32 {
        // SAFETY: a system call with no pointers.
        errno_of(unsafe {
            libc::syscall(libc::SYS_keyctl, 0 as libc::c_long, -4 as libc::c_long, 0)
        })
    }

    #[test]
    fn a_filtered_process_cannot_make_a_user_namespace() {
        // Without the filter a process makes one (as any user may, on this
        // kernel), so the assertion below is about the filter.
        let unfiltered = in_child(false, user_namespaces);
        if unfiltered != 2 {
            eprintln!("user namespaces are not available here ({unfiltered}): nothing to forbid");
            return;
        }
        assert_eq!(
            in_child(true, user_namespaces),
            1,
            "unshare(CLONE_NEWUSER) must fail with EPERM and clone3 with ENOSYS"
        );
    }

    /// `io_setup(1, &ctx)`: its errno (a context made is destroyed).
    fn aio() -> i32 {
        let mut ctx: libc::c_ulong = 0;
        // SAFETY: io_setup writes one context id into `ctx`.
        unsafe {
            let rc = libc::syscall(libc::SYS_io_setup, 1 as libc::c_long, &mut ctx);
            let errno = errno_of(rc);
            if rc == 0 {
                libc::syscall(libc::SYS_io_destroy, ctx);
            }
            errno
        }
    }

    /// `io_uring_setup(1, &params)`: its errno (a ring made is closed).
    fn io_uring() -> i32 {
        let mut params = [0u8; 120];
        // SAFETY: io_uring_setup writes into `params` (120 bytes, its size).
        unsafe {
            let rc = libc::syscall(
                libc::SYS_io_uring_setup,
                1 as libc::c_long,
                params.as_mut_ptr(),
            );
            let errno = errno_of(rc);
            if rc >= 0 {
                libc::close(rc as i32);
            }
            errno
        }
    }

    #[test]
    fn a_filtered_process_cannot_make_aio_contexts_or_io_uring_rings() {
        // Without the filter this host's root makes an AIO context (the
        // assertion is about the filter).
        assert_eq!(in_child(false, aio), 0, "io_setup works unfiltered");
        assert_eq!(in_child(true, aio), libc::ENOSYS, "io_setup");
        assert_eq!(in_child(true, io_uring), libc::ENOSYS, "io_uring_setup");
    }

    #[test]
    fn a_filtered_process_cannot_use_keyrings() {
        let unfiltered = in_child(false, keyctl);
        assert_ne!(
            unfiltered,
            libc::EPERM,
            "keyctl is refused even without the filter"
        );
        assert_eq!(in_child(true, keyctl), libc::EPERM);
    }

    /// `socket(AF_VSOCK, SOCK_STREAM)`: its errno (a socket made is closed);
    /// then that an inet socket still opens (0) or not (1), times 1000.
    fn vsock() -> i32 {
        // SAFETY: system calls with no pointers.
        unsafe {
            let fd = libc::socket(libc::AF_VSOCK, libc::SOCK_STREAM, 0);
            let errno = errno_of(fd.into());
            if fd >= 0 {
                libc::close(fd);
            }
            let inet = libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0);
            if inet >= 0 {
                libc::close(inet);
            }
            errno + 1000 * i32::from(inet < 0)
        }
    }

    /// `socket(AF_XDP, SOCK_RAW)`'s errno.
    fn xdp() -> i32 {
        // SAFETY: system calls with no pointers.
        unsafe {
            let fd = libc::socket(libc::AF_XDP, libc::SOCK_RAW, 0);
            let errno = errno_of(fd.into());
            if fd >= 0 {
                libc::close(fd);
            }
            errno
        }
    }

    /// A packet socket's `PACKET_FANOUT` join's errno (200: no packet
    /// socket opens; the tests run as root).
    fn fanout() -> i32 {
        // SAFETY: system calls on values of ours.
        unsafe {
            let all = (libc::ETH_P_ALL as u16).to_be() as libc::c_int;
            let p = libc::socket(libc::AF_PACKET, libc::SOCK_RAW, all);
            if p < 0 {
                return 200;
            }
            let arg: libc::c_int = 4242 | (libc::PACKET_FANOUT_HASH << 16) as libc::c_int;
            let r = libc::setsockopt(
                p,
                libc::SOL_PACKET,
                libc::PACKET_FANOUT,
                (&arg as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
            let errno = errno_of(r.into());
            libc::close(p);
            errno
        }
    }

    #[test]
    fn a_filtered_process_opens_no_xdp_socket_and_joins_no_packet_fanout() {
        // Without the filter both work here.
        assert_eq!((in_child(false, xdp), in_child(false, fanout)), (0, 0));
        assert_eq!(
            (in_child(true, xdp), in_child(true, fanout)),
            (libc::EAFNOSUPPORT, libc::EPERM)
        );
    }

    #[test]
    fn a_filtered_process_cannot_open_vsock_sockets() {
        // Without the filter a vsock socket opens here (or the kernel has
        // no vsock: nothing to forbid).
        let unfiltered = in_child(false, vsock);
        if unfiltered != 0 {
            eprintln!("vsock is not available here ({unfiltered}): nothing to forbid");
            return;
        }
        assert_eq!(in_child(true, vsock), libc::EAFNOSUPPORT);
    }

    /// `seccomp(SET_MODE_FILTER, NEW_LISTENER)` of a filter that allows
    /// everything: its errno (a listener made is closed).
    fn own_listener() -> i32 {
        let allow = [stmt(RET, ALLOW)];
        let prog = libc::sock_fprog {
            len: 1,
            filter: allow.as_ptr() as *mut libc::sock_filter,
        };
        // SAFETY: prctl, then seccomp(2) on a program of ours.
        unsafe {
            libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
            let fd = libc::syscall(
                libc::SYS_seccomp,
                libc::SECCOMP_SET_MODE_FILTER as libc::c_ulong,
                libc::SECCOMP_FILTER_FLAG_NEW_LISTENER,
                &prog as *const libc::sock_fprog,
            );
            let errno = errno_of(fd);
            if fd >= 0 {
                libc::close(fd as i32);
            }
            errno
        }
    }

    /// A filter of a node's own with a listener would be asked first (the
    /// newest filter's notification wins a tie) and could let its ring
    /// requests through (`SECCOMP_USER_NOTIF_FLAG_CONTINUE`); one without
    /// is compiled into the host's one budget of compiled BPF (probe21u: a
    /// process's filters may hold 32,768 instructions, a node 1024
    /// processes). None may be installed, by seccomp(2) or prctl. Seen
    /// failing before: a filter without a listener was installed.
    #[test]
    fn a_filtered_process_installs_no_filter_of_its_own() {
        assert_eq!(in_child(false, own_listener), 0);
        assert_eq!(in_child(true, own_listener), libc::EPERM);
        fn by_prctl() -> i32 {
            let allow = [stmt(RET, ALLOW)];
            let prog = libc::sock_fprog {
                len: 1,
                filter: allow.as_ptr() as *mut libc::sock_filter,
            };
            // SAFETY: prctl on a program of ours.
            errno_of(unsafe {
                libc::prctl(
                    libc::PR_SET_SECCOMP,
                    libc::SECCOMP_MODE_FILTER,
                    &prog as *const libc::sock_fprog,
                ) as libc::c_long
            })
        }
        assert_eq!(in_child(false, by_prctl), 0);
        assert_eq!(in_child(true, by_prctl), libc::EPERM);
        fn plain_filter() -> i32 {
            let allow = [stmt(RET, ALLOW)];
            let prog = libc::sock_fprog {
                len: 1,
                filter: allow.as_ptr() as *mut libc::sock_filter,
            };
            // SAFETY: seccomp(2) on a program of ours.
            errno_of(unsafe {
                libc::syscall(
                    libc::SYS_seccomp,
                    libc::SECCOMP_SET_MODE_FILTER as libc::c_ulong,
                    0,
                    &prog as *const libc::sock_fprog,
                )
            })
        }
        assert_eq!(in_child(true, plain_filter), libc::EPERM);
    }
}
