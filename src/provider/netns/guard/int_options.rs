//! A node's `setsockopt` of an int option that the guard sets itself, on
//! its copy of the caller's socket, bounded: the steps the modules that
//! answer one share ([`super::user_timeouts`], [`super::socket_requests`]'s
//! buffers).
//!
//! [`caller_int_socket`] copies the caller's socket (its request's first
//! argument); [`set_asked_int`] reads the int the caller asks (checked to be
//! still the caller's request after), bounds it and sets it on the copy,
//! answering with that call's result.

use super::ring_requests::{Answered, caller, caller_socket, last_errno, read_from, still_valid};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

/// A copy of the socket `setsockopt` request `n` names, or the answer to
/// give: the kernel's own for a value shorter than an int (it says what it
/// says, `EINVAL` for these options), a failure when the socket cannot be
/// copied.
pub(super) fn caller_int_socket(
    listener: RawFd,
    n: &libc::seccomp_notif,
) -> Result<OwnedFd, (Answered, i64, i32)> {
    let d = &n.data;
    if d.args[4] < 4 {
        return Err((Answered::Continue, 0, 0));
    }
    let pidfd = caller(listener, n)?;
    match caller_socket(&pidfd, d.args[0] as u32 as i32) {
        Ok((sock, _)) => Ok(sock),
        Err(errno) => Err(failed(errno)),
    }
}

/// The answer to `setsockopt` request `n` once the guard sets `option` at
/// `level` on `sock` (its copy of the caller's socket) to `bound` of the
/// int the caller asks; `Made`'s bytes are `made_bytes` of the value set.
pub(super) fn set_asked_int(
    listener: RawFd,
    n: &libc::seccomp_notif,
    sock: &OwnedFd,
    (level, option): (i32, i32),
    bound: impl FnOnce(i32) -> i32,
    made_bytes: impl FnOnce(i32) -> u64,
) -> (Answered, i64, i32) {
    let mut asked = [0u8; 4];
    if !read_from(n.pid, n.data.args[3], &mut asked) {
        return failed(libc::EFAULT);
    }
    // What was read is the caller's, at the time of its request.
    if !still_valid(listener, n.id) {
        return (Answered::Gone, -1, libc::ESRCH);
    }
    let value = bound(i32::from_ne_bytes(asked));
    // SAFETY: setsockopt on our copy of the socket, an int of ours.
    let r = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            level,
            option,
            &value as *const i32 as *const libc::c_void,
            4,
        )
    };
    let errno = if r == 0 { 0 } else { last_errno() };
    let bytes = made_bytes(value);
    (Answered::Made { bytes, errno }, r.into(), errno)
}

/// The answer of a request failed with `errno`.
pub(super) fn failed(errno: i32) -> (Answered, i64, i32) {
    (Answered::Failed { errno }, -1, errno)
}
