//! The one system-call filter of a node, a pod and a probe: no user
//! namespace, no tracing of another process, no kernel keyrings, no
//! asynchronous I/O contexts, no perf events, BPF or userfaultfd, no vsock,
//! no AF_XDP, no packet fanout, no IPv6 flow label, no packet ring, socket
//! filter or socket receiving copies the guard has not allowed, no filter
//! listener of its own.
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
//! Sockets that receive copies asked of the guard too: `socket(AF_NETLINK
//! or AF_PACKET, …)`, `socket(AF_INET or AF_INET6, SOCK_RAW or SOCK_PACKET,
//! …)` (the old packet socket, made an `AF_PACKET` one: probe21w) and
//! `setsockopt(…, SOL_SOCKET, SO_RCVBUF or SO_SNDBUF, …)`. Each such socket gets its own
//! copy of an event or a packet, whose head the kernel charges to no one
//! (probe21v: 150 unread netlink sockets, 384 MB of the host's in 0.55 s);
//! the guard refuses one past a namespace's bound with `ENOBUFS` and sets
//! their buffers itself, at most 256 KiB (see `guard::socket_requests`).
//!
//! No IPv6 flow labels: `setsockopt(…, IPPROTO_IPV6, IPV6_FLOWLABEL_MGR,
//! …)` fails with `EPERM`. Flow labels are one count for the host (4096, of
//! which callers without the host's `CAP_NET_ADMIN` get 3072): probe21v's
//! node1 took them all in seconds, and then another lab's node and the
//! host's unprivileged users got `ENOBUFS`. A label is chosen by the
//! kernel without one (ping6 `-F` asks for one; nothing the lab runs does).
//!
//! No TCP repair mode: `setsockopt(…, IPPROTO_TCP, TCP_REPAIR, …)` fails
//! with `EPERM`. In repair mode a node sets a connection's sequence numbers
//! itself and has it established without a packet; a "fragmentation
//! needed" it then sends itself for that connection passes the kernel's
//! check, and each such connection leaves a route exception of the host's,
//! charged to no one (probe21y: 300,000 in 7.4 s, 73 MB). Checkpointing
//! tools use it; nothing the lab runs does.
//!
//! TCP user timeouts asked of the guard: `setsockopt(…, IPPROTO_TCP,
//! TCP_USER_TIMEOUT, …)` (the one TCP option handed over). An orphan
//! (a connection closed, its data unacknowledged) retransmits for its user
//! timeout when one is set, up to 2^31-1 ms (24.8 days), not for the
//! kernel's `tcp_orphan_retries`; each holds its send queue and its
//! namespace after the namespace's name is gone (probe21az: 10 orphans, 80
//! MB of the host's, outlived `lab destroy`). The guard sets the timeout
//! itself, at most `guard::user_timeouts::MOST_MS` (120 s, the most
//! `TCP_LINGER2` keeps one).
//!
//! No long `sendmmsg()`, no forced socket buffer: `sendmmsg()` of more than
//! [`SENDMMSG_MOST`] messages and `setsockopt(…, SOL_SOCKET,
//! SO_SNDBUFFORCE or SO_RCVBUFFORCE, …)` fail with `EPERM` (as the forced
//! options do without `CAP_NET_ADMIN`; iptables and nft then keep the
//! buffer they have). The kernel checks no signal inside one call, so what
//! one process has in flight is at most two sends, each bounded by its
//! send buffer (`net.core.wmem_max`, which the lab sets in every namespace:
//! see `table_bounds`): probe21au killed a process inside 16 sends of
//! 524,288 bytes each, and it ran 75 s after `SIGKILL`.
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
//! No perf events, no BPF, no userfaultfd: `perf_event_open`, `bpf` and
//! `userfaultfd` fail with `EPERM` (as in Docker's default profile). A perf
//! event's ring buffer is kernel pages charged to no cgroup, bounded only
//! by a per-user allowance, and a node's root may switch to any of its
//! 65,536 uids: probe21af mapped 600 of about 1 MB each in 0.56 s (636 MB
//! of the host's). Only the host's `kernel.perf_event_paranoid`,
//! `kernel.unprivileged_bpf_disabled` and `vm.unprivileged_userfaultfd`
//! had refused them before, and `lab` changes no host setting. Nothing the
//! lab runs uses them (`perf` and `bpftrace` on a node fail as on a host
//! that forbids them).
//!
//! No tracing: `ptrace`, `process_vm_readv` and `process_vm_writev` fail
//! with `EPERM`. Root in a node has lost `CAP_SYS_PTRACE`, but a process of
//! the same uid may still be traced without it: probe21bd's node root
//! attached to its session's PID 1 (`sshd`), wrote code into it that
//! ended its main thread alone while a thread of its own ran on, and that
//! thread outlived a guard stop and `destroy` (which also kill such
//! processes now: see `sys::tasks`). `process_vm_writev` writes another
//! process's memory as `PTRACE_POKEDATA` does, and `process_vm_readv` reads
//! it. Nothing the lab runs needs them; `strace` and `gdb` fail in a node.
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
const NR_PERF_EVENT_OPEN: u32 = libc::SYS_perf_event_open as u32;
const NR_BPF: u32 = libc::SYS_bpf as u32;
const NR_USERFAULTFD: u32 = libc::SYS_userfaultfd as u32;
const NR_SENDMMSG: u32 = libc::SYS_sendmmsg as u32;
const NR_PTRACE: u32 = libc::SYS_ptrace as u32;
const NR_PROCESS_VM_READV: u32 = libc::SYS_process_vm_readv as u32;
const NR_PROCESS_VM_WRITEV: u32 = libc::SYS_process_vm_writev as u32;

/// The most messages one `sendmmsg()` may carry: the C library's resolver
/// sends two (A and AAAA at once). The kernel checks no signal between
/// them, nor between the netlink messages each carries, so a process killed
/// inside the call ends only when all are done (probe21au: 16 sends of
/// 14,561 rule messages each kept a killed process running 75 s under the
/// memory hold at a stop). Past it the call fails with `EPERM`.
pub const SENDMMSG_MOST: u32 = 2;

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
const CLONE_FLAGS: usize = 25;
const SOCKET_FAMILY: usize = 28;
const SOCKET_TYPE: usize = 35;
const SOCKET_OPTION: usize = 39;
const PACKET_OPTION: usize = 44;
const SOCKET_LEVEL_OPTION: usize = 49;
const IPV6_OPTION: usize = 56;
const TCP_OPTION: usize = 58;
const SECCOMP_OP: usize = 61;
const PRCTL_OP: usize = 63;
const SENDMMSG_VLEN: usize = 67;
const TO_ALLOW: usize = 69;
const TO_EPERM: usize = 70;
const TO_ENOSYS: usize = 71;
const TO_EAFNOSUPPORT: usize = 72;
const TO_NOTIFY: usize = 73;

/// `SOCK_PACKET`: the old packet socket of `AF_INET` (the kernel makes it
/// an `AF_PACKET` one; not in the libc crate).
const SOCK_PACKET: u32 = 10;
/// `IPV6_FLOWLABEL_MGR` (not in the libc crate).
const IPV6_FLOWLABEL_MGR: u32 = 32;
const AND: u32 = libc::BPF_ALU | libc::BPF_AND | libc::BPF_K;

/// The program.
const FILTER: [libc::sock_filter; 74] = [
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
    /* 17 */ jump(JEQ, NR_PERF_EVENT_OPEN, 17, TO_EPERM, 18),
    /* 18 */ jump(JEQ, NR_BPF, 18, TO_EPERM, 19),
    /* 19 */ jump(JEQ, NR_USERFAULTFD, 19, TO_EPERM, 20),
    /* 20 */ jump(JEQ, NR_SENDMMSG, 20, SENDMMSG_VLEN, 21),
    /* 21 */ jump(JEQ, NR_PTRACE, 21, TO_EPERM, 22),
    /* 22 */ jump(JEQ, NR_PROCESS_VM_READV, 22, TO_EPERM, 23),
    /* 23 */ jump(JEQ, NR_PROCESS_VM_WRITEV, 23, TO_EPERM, 24),
    /* 24 */ stmt(RET, ALLOW),
    /* 25 CLONE_FLAGS */ stmt(LD, ARG0_LOW),
    /* 26 */ jump(JSET, libc::CLONE_NEWUSER as u32, 26, TO_EPERM, 27),
    /* 27 */ stmt(RET, ALLOW),
    /* 28 SOCKET_FAMILY */ stmt(LD, ARG0_LOW),
    /* 29 */ jump(JEQ, libc::AF_VSOCK as u32, 29, TO_EAFNOSUPPORT, 30),
    /* 30 */ jump(JEQ, libc::AF_XDP as u32, 30, TO_EAFNOSUPPORT, 31),
    /* 31 */ jump(JEQ, libc::AF_NETLINK as u32, 31, TO_NOTIFY, 32),
    /* 32 */ jump(JEQ, libc::AF_PACKET as u32, 32, TO_NOTIFY, 33),
    /* 33 */ jump(JEQ, libc::AF_INET as u32, 33, SOCKET_TYPE, 34),
    /* 34 */ jump(JEQ, libc::AF_INET6 as u32, 34, SOCKET_TYPE, TO_ALLOW),
    /* 35 SOCKET_TYPE */ stmt(LD, ARG1_LOW),
    /* 36 */ stmt(AND, 0xf),
    /* 37 */ jump(JEQ, libc::SOCK_RAW as u32, 37, TO_NOTIFY, 38),
    /* 38 */ jump(JEQ, SOCK_PACKET, 38, TO_NOTIFY, TO_ALLOW),
    /* 39 SOCKET_OPTION */ stmt(LD, ARG1_LOW),
    /* 40 */ jump(JEQ, libc::SOL_PACKET as u32, 40, PACKET_OPTION, 41),
    /* 41 */ jump(JEQ, libc::SOL_SOCKET as u32, 41, SOCKET_LEVEL_OPTION, 42),
    /* 42 */ jump(JEQ, libc::IPPROTO_IPV6 as u32, 42, IPV6_OPTION, 43),
    /* 43 */ jump(JEQ, libc::IPPROTO_TCP as u32, 43, TCP_OPTION, TO_ALLOW),
    /* 44 PACKET_OPTION */ stmt(LD, ARG2_LOW),
    /* 45 */ jump(JEQ, libc::PACKET_FANOUT as u32, 45, TO_EPERM, 46),
    /* 46 */ jump(JEQ, libc::PACKET_RX_RING as u32, 46, TO_NOTIFY, 47),
    /* 47 */ jump(JEQ, libc::PACKET_TX_RING as u32, 47, TO_NOTIFY, 48),
    /* 48 */ stmt(RET, ALLOW),
    /* 49 SOCKET_LEVEL_OPTION */ stmt(LD, ARG2_LOW),
    /* 50 */ jump(JEQ, libc::SO_ATTACH_FILTER as u32, 50, TO_NOTIFY, 51),
    /* 51 */
    jump(
        JEQ,
        libc::SO_ATTACH_REUSEPORT_CBPF as u32,
        51,
        TO_NOTIFY,
        52,
    ),
    /* 52 */ jump(JEQ, libc::SO_SNDBUFFORCE as u32, 52, TO_EPERM, 53),
    /* 53 */ jump(JEQ, libc::SO_RCVBUFFORCE as u32, 53, TO_EPERM, 54),
    /* 54 */ jump(JEQ, libc::SO_RCVBUF as u32, 54, TO_NOTIFY, 55),
    /* 55 */ jump(JEQ, libc::SO_SNDBUF as u32, 55, TO_NOTIFY, TO_ALLOW),
    /* 56 IPV6_OPTION */ stmt(LD, ARG2_LOW),
    /* 57 */ jump(JEQ, IPV6_FLOWLABEL_MGR, 57, TO_EPERM, TO_ALLOW),
    /* 58 TCP_OPTION */ stmt(LD, ARG2_LOW),
    /* 59 */ jump(JEQ, libc::TCP_REPAIR as u32, 59, TO_EPERM, 60),
    /* 60 */ jump(JEQ, libc::TCP_USER_TIMEOUT as u32, 60, TO_NOTIFY, TO_ALLOW),
    /* 61 SECCOMP_OP */ stmt(LD, ARG0_LOW),
    /* 62 */ jump(JEQ, libc::SECCOMP_SET_MODE_FILTER, 62, TO_EPERM, TO_ALLOW),
    /* 63 PRCTL_OP */ stmt(LD, ARG0_LOW),
    /* 64 */ jump(JEQ, libc::PR_SET_SECCOMP as u32, 64, 65, TO_ALLOW),
    /* 65 */ stmt(LD, ARG1_LOW),
    /* 66 */ jump(JEQ, libc::SECCOMP_MODE_FILTER, 66, TO_EPERM, TO_ALLOW),
    /* 67 SENDMMSG_VLEN */ stmt(LD, ARG2_LOW),
    /* 68 */ jump(JGE, SENDMMSG_MOST + 1, 68, TO_EPERM, TO_ALLOW),
    /* 69 TO_ALLOW */ stmt(RET, ALLOW),
    /* 70 TO_EPERM */ stmt(RET, EPERM),
    /* 71 TO_ENOSYS */ stmt(RET, ENOSYS),
    /* 72 TO_EAFNOSUPPORT */ stmt(RET, EAFNOSUPPORT),
    /* 73 TO_NOTIFY */ stmt(RET, NOTIFY),
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
#[path = "seccomp_tests.rs"]
mod tests;
