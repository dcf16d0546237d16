//! The system-call filter's tests: each rule seen refusing in a forked
//! child, and the same call working without the filter.

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
    errno_of(unsafe { libc::syscall(libc::SYS_keyctl, 0 as libc::c_long, -4 as libc::c_long, 0) })
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

/// A packet socket made before the fork (under the filter, making one
/// is a request to the guard).
static PACKET: std::sync::OnceLock<i32> = std::sync::OnceLock::new();

fn packet_socket() -> i32 {
    let all = (libc::ETH_P_ALL as u16).to_be() as libc::c_int;
    // SAFETY: socket(2); kept for the tests' run.
    *PACKET.get_or_init(|| unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW, all) })
}

/// A packet socket's `PACKET_FANOUT` join's errno (200: no packet
/// socket opens; the tests run as root).
fn fanout() -> i32 {
    // SAFETY: system calls on values of ours.
    unsafe {
        let p = PACKET.get().map_or(-1, |&p| libc::dup(p));
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
    packet_socket();
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

/// The errno of `socket(family, kind, protocol)` (0: made, closed).
fn socket_errno(family: i32, kind: i32, protocol: i32) -> i32 {
    // SAFETY: socket(2), closed at once.
    unsafe {
        let s = libc::socket(family, kind, protocol);
        if s >= 0 {
            libc::close(s);
        }
        errno_of(s.into())
    }
}

/// Netlink, packet and raw sockets (each receives copies of what
/// others receive): made by the guard's leave alone, `ENOSYS` with no
/// guard holding the listener; one of UDP and TCP is made.
fn receiving_sockets() -> i32 {
    let all = (libc::ETH_P_ALL as u16).to_be() as libc::c_int;
    let asked = [
        socket_errno(libc::AF_NETLINK, libc::SOCK_RAW, 0),
        socket_errno(libc::AF_PACKET, libc::SOCK_DGRAM, all),
        socket_errno(libc::AF_INET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 1),
        socket_errno(libc::AF_INET6, libc::SOCK_RAW, 58),
        // SOCK_PACKET (probe21w).
        socket_errno(libc::AF_INET, 10, all),
    ];
    let others = [
        socket_errno(libc::AF_INET, libc::SOCK_DGRAM, 0),
        socket_errno(libc::AF_INET6, libc::SOCK_STREAM, 0),
    ];
    match (asked.iter().all(|&e| e == libc::ENOSYS), others == [0, 0]) {
        (true, true) => 0,
        (false, _) => 1,
        (_, false) => 2,
    }
}

/// A receive buffer's errno and a send buffer's (both asked of the guard:
/// it bounds netlink sockets' send buffers, probe21au), on a UDP socket;
/// then an IPv6 flow label's: 0 when the first two are `ENOSYS` and the
/// label `EPERM`, 5 when all three work.
fn buffers_and_flow_labels() -> i32 {
    // SAFETY: system calls on values of ours.
    unsafe {
        let s = libc::socket(libc::AF_INET6, libc::SOCK_DGRAM, 0);
        let size: libc::c_int = 1 << 20;
        let set =
            |name| libc::setsockopt(s, libc::SOL_SOCKET, name, (&size as *const i32).cast(), 4);
        let (r, w) = (
            errno_of(set(libc::SO_RCVBUF).into()),
            errno_of(set(libc::SO_SNDBUF).into()),
        );
        // struct in6_flowlabel_req: address (::1), label, action (get),
        // share (exclusive), flags (create), expires, linger, padding.
        let mut req = [0u8; 32];
        req[15] = 1;
        // A label of this run's (one a run before holds lingers).
        let mut t: libc::timespec = std::mem::zeroed();
        libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut t);
        let label = ((t.tv_nsec as u32) & 0x7_ffff) | 1;
        req[16..20].copy_from_slice(&label.to_be_bytes());
        req[21] = 1;
        req[22..24].copy_from_slice(&1u16.to_ne_bytes());
        req[24..26].copy_from_slice(&1u16.to_ne_bytes());
        let f = libc::setsockopt(
            s,
            libc::IPPROTO_IPV6,
            IPV6_FLOWLABEL_MGR as i32,
            req.as_ptr().cast(),
            32,
        );
        let f = errno_of(f.into());
        libc::close(s);
        match (r, w, f) {
            (libc::ENOSYS, libc::ENOSYS, libc::EPERM) => 0,
            (libc::ENOSYS, libc::ENOSYS, _) => 3,
            (0, 0, 0) => 5,
            _ => 4,
        }
    }
}

#[test]
fn a_filtered_process_asks_the_guard_for_receiving_sockets_and_gets_no_flow_label() {
    assert_eq!(in_child(false, receiving_sockets), 1);
    assert_eq!(in_child(true, receiving_sockets), 0);
    assert_eq!(in_child(false, buffers_and_flow_labels), 5);
    assert_eq!(in_child(true, buffers_and_flow_labels), 0);
}

/// TCP repair mode on a TCP socket (`EPERM` when refused, 0 when root here
/// may), and an option of TCP's beside it, which stays allowed: 0 when
/// repair is refused and `TCP_NODELAY` set, 1 when repair works.
fn tcp_repair() -> i32 {
    // SAFETY: system calls on values of ours.
    unsafe {
        let s = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
        let one: libc::c_int = 1;
        let set = |name| {
            let r = libc::setsockopt(s, libc::IPPROTO_TCP, name, (&one as *const i32).cast(), 4);
            errno_of(r.into())
        };
        let (repair, nodelay) = (set(libc::TCP_REPAIR), set(libc::TCP_NODELAY));
        libc::close(s);
        match (repair, nodelay) {
            (libc::EPERM, 0) => 0,
            (0, 0) => 1,
            _ => 2,
        }
    }
}

/// probe21y: in repair mode a node chose a connection's sequence numbers
/// and had its own "fragmentation needed" taken, a route exception each.
#[test]
fn a_filtered_process_gets_no_tcp_repair_mode() {
    assert_eq!(in_child(false, tcp_repair), 1);
    assert_eq!(in_child(true, tcp_repair), 0);
}

/// `TCP_USER_TIMEOUT` on a TCP socket and `TCP_NODELAY` beside it: 0
/// when the first is handed to a guard (`ENOSYS` with none, as here) and
/// the second set by the kernel, 1 when both are set by the kernel.
fn tcp_user_timeout() -> i32 {
    // SAFETY: system calls on values of ours.
    unsafe {
        let s = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
        let ms: libc::c_int = 600_000;
        let set = |name| {
            let r = libc::setsockopt(s, libc::IPPROTO_TCP, name, (&ms as *const i32).cast(), 4);
            errno_of(r.into())
        };
        let (timeout, nodelay) = (set(libc::TCP_USER_TIMEOUT), set(libc::TCP_NODELAY));
        libc::close(s);
        match (timeout, nodelay) {
            (libc::ENOSYS, 0) => 0,
            (0, 0) => 1,
            _ => 2,
        }
    }
}

/// probe21az finding 1: a user timeout of 2^31-1 ms kept a node's
/// orphans retransmitting for 24.8 days after `lab destroy`; the guard
/// sets it, at most `guard`'s bound (and no other TCP option is handed
/// over: `TCP_NODELAY` stays the kernel's).
#[test]
fn a_filtered_process_asks_the_guard_for_a_tcp_user_timeout() {
    assert_eq!(in_child(false, tcp_user_timeout), 1);
    assert_eq!(in_child(true, tcp_user_timeout), 0);
}

/// `perf_event_open` (no attributes), `bpf` (no command) and `userfaultfd`
/// (no flags it knows): what each gives, packed in one code.
fn perf_bpf_userfaultfd() -> i32 {
    // SAFETY: system calls only, with invalid arguments: nothing is made.
    let errnos = unsafe {
        [
            errno_of(libc::syscall(
                libc::SYS_perf_event_open,
                std::ptr::null::<u8>(),
                0,
                -1,
                -1,
                0,
            )),
            errno_of(libc::syscall(libc::SYS_bpf, -1, std::ptr::null::<u8>(), 0)),
            errno_of(libc::syscall(libc::SYS_userfaultfd, -1)),
        ]
    };
    match errnos {
        [libc::EPERM, libc::EPERM, libc::EPERM] => 1,
        e if !e.contains(&libc::EPERM) && !e.contains(&0) => 2,
        _ => 3,
    }
}

/// probe21af: a perf ring buffer's pages are charged to no cgroup, and each
/// of a node's 65,536 uids may map about 1 MB of them (600 in 0.56 s,
/// 636 MB); only the host's `perf_event_paranoid` had refused it before.
/// `bpf` and `userfaultfd` were refused by host settings alone too. The
/// filter refuses all three with `EPERM` (as Docker's default profile);
/// without it, the kernel reads their arguments (and refuses them for
/// what they are).
#[test]
fn a_filtered_process_opens_no_perf_event_bpf_or_userfaultfd() {
    assert_eq!(in_child(false, perf_bpf_userfaultfd), 2);
    assert_eq!(in_child(true, perf_bpf_userfaultfd), 1);
}

/// `sendmmsg()` of two and of three datagrams to a UDP socket of our own on
/// loopback, and `SO_SNDBUFFORCE`, `SO_RCVBUFFORCE` and `SO_KEEPALIVE` on
/// it: their errnos, packed in one code (1: two sent, three refused with
/// `EPERM`, both forced options refused, `SO_KEEPALIVE` set; 2: all worked).
fn long_sendmmsg_and_forced_buffers() -> i32 {
    // SAFETY: system calls on memory of ours that outlives them.
    unsafe {
        let s = libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0);
        let mut at: libc::sockaddr_in = std::mem::zeroed();
        at.sin_family = libc::AF_INET as u16;
        at.sin_addr.s_addr = u32::from_be_bytes([127, 0, 0, 1]).to_be();
        let mut len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
        libc::bind(s, (&at as *const libc::sockaddr_in).cast(), len);
        libc::getsockname(s, (&mut at as *mut libc::sockaddr_in).cast(), &mut len);
        libc::connect(s, (&at as *const libc::sockaddr_in).cast(), len);
        let mut byte = [0u8; 1];
        let mut iov = libc::iovec {
            iov_base: byte.as_mut_ptr().cast(),
            iov_len: 1,
        };
        let mut msgs: [libc::mmsghdr; 3] = std::mem::zeroed();
        for m in &mut msgs {
            m.msg_hdr.msg_iov = &mut iov;
            m.msg_hdr.msg_iovlen = 1;
        }
        let two = libc::sendmmsg(s, msgs.as_mut_ptr(), 2, 0);
        let two = if two == 2 { 0 } else { errno_of(-1) };
        let three = errno_of(libc::sendmmsg(s, msgs.as_mut_ptr(), 3, 0).into());
        let big: libc::c_int = 1 << 20;
        let set = |name| {
            let r = libc::setsockopt(s, libc::SOL_SOCKET, name, (&big as *const i32).cast(), 4);
            errno_of(r.into())
        };
        let forced = [set(libc::SO_SNDBUFFORCE), set(libc::SO_RCVBUFFORCE)];
        let plain = set(libc::SO_KEEPALIVE);
        libc::close(s);
        match (two, three, forced, plain) {
            (0, libc::EPERM, [libc::EPERM, libc::EPERM], 0) => 1,
            (0, 0, [0, 0], 0) => 2,
            _ => 3,
        }
    }
}

/// probe21au: one `sendmmsg()` of 16 netlink sends (233,000 rule messages)
/// kept a process running 75 s after `SIGKILL` under the memory hold at a
/// stop, and `SO_SNDBUFFORCE` lets root with `CAP_NET_ADMIN` make each send
/// as long as it likes. The filter lets the resolver's two messages through.
#[test]
fn a_filtered_process_sends_no_long_sendmmsg_nor_forces_its_buffers() {
    assert_eq!(in_child(false, long_sendmmsg_and_forced_buffers), 2);
    assert_eq!(in_child(true, long_sendmmsg_and_forced_buffers), 1);
}

/// `ptrace(PTRACE_ATTACH)` of a PID no process has, and
/// `process_vm_readv`/`process_vm_writev` of nothing in this process: their
/// errnos, packed in one code (1: all refused with `EPERM`; 2: the attach
/// found no process, both copies of nothing worked).
fn ptrace_and_process_vm() -> i32 {
    // SAFETY: system calls only: an attach to no process, copies of no
    // bytes (null vectors of length 0).
    let errnos = unsafe {
        let me = libc::getpid();
        [
            errno_of(libc::syscall(
                libc::SYS_ptrace,
                libc::PTRACE_ATTACH,
                i32::MAX,
                0,
                0,
            )),
            errno_of(libc::syscall(
                libc::SYS_process_vm_readv,
                me,
                std::ptr::null::<u8>(),
                0,
                std::ptr::null::<u8>(),
                0,
                0,
            )),
            errno_of(libc::syscall(
                libc::SYS_process_vm_writev,
                me,
                std::ptr::null::<u8>(),
                0,
                std::ptr::null::<u8>(),
                0,
                0,
            )),
        ]
    };
    match errnos {
        [libc::EPERM, libc::EPERM, libc::EPERM] => 1,
        [libc::ESRCH, 0, 0] => 2,
        _ => 3,
    }
}

/// probe21bd finding 1: a node's root `ptrace`d its session's PID 1 (the
/// same uid needs no capability), wrote code into it and made its main
/// thread end alone, which kept a thread alive past `destroy`. The filter
/// refuses `ptrace` and the two cross-process copies (`process_vm_writev`
/// writes another process's memory as `PTRACE_POKEDATA` does) with
/// `EPERM`; without it they work.
#[test]
fn a_filtered_process_cannot_trace_or_write_another_process() {
    assert_eq!(in_child(false, ptrace_and_process_vm), 2);
    assert_eq!(in_child(true, ptrace_and_process_vm), 1);
}
