//! The system calls a node's (or a pod's, or a probe's) entry makes
//! between fork and exec to build its view of the files, prepared as
//! values before the fork ([`Op`]): mounts, folders, device files, links,
//! the recursive read-only `mount_setattr(2)`, joining a cgroup, the OOM
//! killer's score. Applying
//! one is system calls only (async-signal-safe); `enter` plans them.

use crate::error::{LabError, Result};
use std::ffi::CString;
use std::path::Path;

pub(super) fn cstr(s: impl AsRef<std::ffi::OsStr>) -> Result<CString> {
    use std::os::unix::ffi::OsStrExt;
    CString::new(s.as_ref().as_bytes())
        .map_err(|_| LabError::Internal(format!("a path holds a NUL byte: {:?}", s.as_ref())))
}

/// One step of the child's setup.
pub(super) enum Op {
    Mount {
        src: Option<CString>,
        dst: CString,
        fstype: Option<CString>,
        flags: libc::c_ulong,
        data: Option<CString>,
    },
    Mkdir(CString, libc::mode_t),
    /// An empty file to bind a device onto.
    Touch(CString),
    Symlink(CString, CString),
    /// The mount at this path and every mount under it read-only (with
    /// nosuid and nodev): `mount_setattr(2)` with `AT_RECURSIVE`, so a
    /// separate mount under a host folder (`/usr/local`) is read-only too.
    ReadOnlyTree(CString),
    /// Write these bytes to a file that exists, in one `write`: `0` (this
    /// process) to a cgroup's `cgroup.procs` joins it; `1000` to
    /// `/proc/self/oom_score_adj` makes it the OOM killer's first choice.
    Write(CString, &'static [u8]),
    /// Bind a folder below a root the node can change (see `beneath`).
    BindBeneath(CString, CString, Vec<CString>),
    /// Bind onto a path a folder below a root the pod can change.
    BindFrom(CString, Vec<CString>, CString),
    /// Bind a path onto itself (a mount of its own, left writable when the
    /// one above is made read-only), when it is there: a sysctl's folder
    /// of a module not loaded (`/proc/sys/net/bridge`) is not.
    OwnMountIfThere(CString),
}

/// `struct mount_attr` of `mount_setattr(2)`.
#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

/// `MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV`.
const READ_ONLY_ATTRS: u64 = 0x1 | 0x2 | 0x4;

impl Op {
    pub(super) fn mount(
        src: Option<&str>,
        dst: &Path,
        fstype: Option<&str>,
        flags: libc::c_ulong,
        data: Option<&str>,
    ) -> Result<Op> {
        Ok(Op::Mount {
            src: src.map(cstr).transpose()?,
            dst: cstr(dst)?,
            fstype: fstype.map(cstr).transpose()?,
            flags,
            data: data.map(cstr).transpose()?,
        })
    }
    pub(super) fn bind(src: &Path, dst: &Path, flags: libc::c_ulong) -> Result<Op> {
        Ok(Op::Mount {
            src: Some(cstr(src)?),
            dst: cstr(dst)?,
            fstype: None,
            flags: libc::MS_BIND | flags,
            data: None,
        })
    }
    /// Make the bind mount at `dst`, and every mount under it, read-only.
    pub(super) fn read_only(dst: &Path) -> Result<Op> {
        Ok(Op::ReadOnlyTree(cstr(dst)?))
    }
    /// Make the bind mount at `dst` read-only, and not the mounts under it
    /// (a node's `/proc/sys` is, its own `/proc/sys/net` under it is not; a
    /// probe's `/` is, the devices bound under it stay writable devices).
    pub(super) fn read_only_top(dst: &Path) -> Result<Op> {
        Op::mount(
            None,
            dst,
            None,
            libc::MS_REMOUNT | libc::MS_BIND | libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV,
            None,
        )
    }

    /// Make the device bound at `dst` read-only as a file: it is still
    /// read and written as a device, but its mode and owner cannot be
    /// changed (`EROFS`): a node's root is the host's uid 0 and had
    /// `chmod 000 /dev/full`, `chown tcpdump /dev/null` reach the host's
    /// own device files (the thirteenth probe of issue 21).
    pub(super) fn read_only_device(dst: &Path) -> Result<Op> {
        Op::mount(
            None,
            dst,
            None,
            libc::MS_REMOUNT | libc::MS_BIND | libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NOEXEC,
            None,
        )
    }

    /// Run in the child: system calls only.
    pub(super) fn apply(&self) -> std::io::Result<()> {
        let ptr = |c: &Option<CString>| c.as_ref().map_or(std::ptr::null(), |c| c.as_ptr());
        // SAFETY: NUL-terminated strings (or null) made before the fork.
        let rc = unsafe {
            match self {
                Op::Mount {
                    src,
                    dst,
                    fstype,
                    flags,
                    data,
                } => libc::mount(
                    ptr(src),
                    dst.as_ptr(),
                    ptr(fstype),
                    *flags,
                    ptr(data) as *const libc::c_void,
                ),
                Op::Mkdir(p, mode) => {
                    if libc::mkdir(p.as_ptr(), *mode) != 0
                        && std::io::Error::last_os_error().raw_os_error() == Some(libc::EEXIST)
                    {
                        0
                    } else {
                        libc::chmod(p.as_ptr(), *mode)
                    }
                }
                Op::Touch(p) => {
                    let fd = libc::open(
                        p.as_ptr(),
                        libc::O_CREAT | libc::O_WRONLY | libc::O_CLOEXEC,
                        0o600,
                    );
                    if fd < 0 { -1 } else { libc::close(fd) }
                }
                Op::ReadOnlyTree(p) => {
                    let attr = MountAttr {
                        attr_set: READ_ONLY_ATTRS,
                        attr_clr: 0,
                        propagation: 0,
                        userns_fd: 0,
                    };
                    libc::syscall(
                        libc::SYS_mount_setattr,
                        libc::AT_FDCWD,
                        p.as_ptr(),
                        libc::AT_RECURSIVE as libc::c_uint,
                        &attr as *const MountAttr,
                        std::mem::size_of::<MountAttr>(),
                    ) as libc::c_int
                }
                Op::Write(path, bytes) => {
                    let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
                    if fd < 0 {
                        -1
                    } else {
                        let n = libc::write(fd, bytes.as_ptr() as *const libc::c_void, bytes.len());
                        let e = std::io::Error::last_os_error();
                        libc::close(fd);
                        if n == bytes.len() as isize {
                            0
                        } else {
                            // The write's error, not close's.
                            *libc::__errno_location() = e.raw_os_error().unwrap_or(libc::EIO);
                            -1
                        }
                    }
                }
                Op::BindBeneath(src, root, parts) => {
                    return super::beneath::bind(src, root, parts);
                }
                Op::BindFrom(root, parts, dst) => {
                    return super::beneath::bind_from(root, parts, dst);
                }
                Op::OwnMountIfThere(p) => {
                    let rc = libc::mount(
                        p.as_ptr(),
                        p.as_ptr(),
                        std::ptr::null(),
                        libc::MS_BIND,
                        std::ptr::null(),
                    );
                    if rc != 0
                        && std::io::Error::last_os_error().raw_os_error() == Some(libc::ENOENT)
                    {
                        0
                    } else {
                        rc
                    }
                }
                Op::Symlink(target, link) => {
                    if libc::symlink(target.as_ptr(), link.as_ptr()) != 0
                        && std::io::Error::last_os_error().raw_os_error() != Some(libc::EEXIST)
                    {
                        -1
                    } else {
                        0
                    }
                }
            }
        };
        if rc != 0 {
            Err(std::io::Error::last_os_error())
        } else {
            Ok(())
        }
    }
}

pub(super) fn check(rc: libc::c_int) -> std::io::Result<()> {
    if rc != 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(())
    }
}
