//! The one system-call filter of a node (and a pod): the kernel's key
//! management (`add_key`, `request_key`, `keyctl`) answers EPERM, as in
//! Docker's default profile. Keyrings belong to a user (of a user
//! namespace), not to a network, mount or PID namespace: root on a node was
//! root's keyrings on the host (the third probe of issue 21 added a key from
//! `lab ssh LAB node1` that the host's `/proc/keys` listed, and could read
//! the host's keys).
//!
//! Installed by the node's PID 1 after no_new_privs, before it execs the
//! command: everything the node runs inherits it and cannot remove it.

// Classic BPF as seccomp reads it (linux/filter.h, linux/seccomp.h).
const LD_W_ABS: u16 = 0x20;
const JEQ_K: u16 = 0x05 | 0x10;
const AND_K: u16 = 0x04 | 0x50;
const RET_K: u16 = 0x06;
const RET_ALLOW: u32 = 0x7fff_0000;
const RET_ERRNO: u32 = 0x0005_0000;
/// `seccomp_data`: the call's number, then its architecture.
const NR: u32 = 0;
const ARCH: u32 = 4;
const AUDIT_ARCH_X86_64: u32 = 0xC000_003E;
const AUDIT_ARCH_I386: u32 = 0x4000_0003;
/// x32 calls are x86_64 numbers with this bit set.
const X32_BIT: u32 = 0x4000_0000;

const fn op(code: u16, jt: u8, jf: u8, k: u32) -> libc::sock_filter {
    libc::sock_filter { code, jt, jf, k }
}

/// add_key, request_key, keyctl: 248-250 on x86_64 (and x32), 286-288 on
/// i386; any other architecture's calls are let through (a node runs the
/// host's programs, which are x86_64 here).
const FILTER: [libc::sock_filter; 15] = [
    op(LD_W_ABS, 0, 0, ARCH),
    op(JEQ_K, 0, 6, AUDIT_ARCH_X86_64),
    op(LD_W_ABS, 0, 0, NR),
    op(AND_K, 0, 0, !X32_BIT),
    op(JEQ_K, 9, 0, 248),
    op(JEQ_K, 8, 0, 249),
    op(JEQ_K, 7, 0, 250),
    op(RET_K, 0, 0, RET_ALLOW),
    op(JEQ_K, 0, 4, AUDIT_ARCH_I386),
    op(LD_W_ABS, 0, 0, NR),
    op(JEQ_K, 3, 0, 286),
    op(JEQ_K, 2, 0, 287),
    op(JEQ_K, 1, 0, 288),
    op(RET_K, 0, 0, RET_ALLOW),
    op(RET_K, 0, 0, RET_ERRNO | libc::EPERM as u32),
];

/// Install the filter in the calling process (no_new_privs must be set).
/// A system call on static memory: safe between fork and exec.
pub fn deny_keyrings() -> std::io::Result<()> {
    let prog = libc::sock_fprog {
        len: FILTER.len() as u16,
        filter: FILTER.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: prctl reads `prog` and the static filter it points to.
    let rc = unsafe {
        libc::prctl(
            libc::PR_SET_SECCOMP,
            libc::SECCOMP_MODE_FILTER as libc::c_ulong,
            &prog as *const libc::sock_fprog,
            0,
            0,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}
