//! A bind mount onto a folder below a node's root that the node itself can
//! change: a pod's folder, bound into the pod at its host path (see
//! `files::Layout::pod_setup`). The folders on the way are the node's own
//! files (its overlay), and an entry makes them before it pivots, as root
//! on the host's paths: a node's root replaced one by a symbolic link
//! (`/tmp/S/LAB/pods -> /some/host/folder`) and the next pod entry made
//! `nginx-deployment-node1-0` in that host folder (the eighth probe of
//! issue 21). So each folder is made and opened below the last one with
//! `O_NOFOLLOW` (a link on the way fails the entry), and the mount's target
//! is the open folder (`/proc/self/fd/N`), never a path resolved again.
//! System calls only: it runs in the child between fork and exec.

use std::ffi::{CStr, CString};

/// Bind `src` onto `root/parts[0]/parts[1]/...`, making the folders that
/// are missing (0755), following no symbolic link below `root`.
pub(super) fn bind(src: &CStr, root: &CStr, parts: &[CString]) -> std::io::Result<()> {
    let fd = open_beneath(root, parts)?;
    let path = fd_path(fd);
    bind_and_close(src.as_ptr(), path.as_ptr() as *const libc::c_char, fd)
}

/// Bind the folder `root/parts[0]/...` onto `dst`, opening the source as
/// [`bind`] opens a target: a pod's `/run` and `/root` are bound from
/// `run` and `root` of the pod's own folder, which the pod can replace by
/// a link to a host folder; the next entry bound that host folder as the
/// pod's `/run`, writable, and `lab apply` made `run/netns` in it (the
/// ninth probe of issue 21).
pub(super) fn bind_from(root: &CStr, parts: &[CString], dst: &CStr) -> std::io::Result<()> {
    let fd = open_beneath(root, parts)?;
    let path = fd_path(fd);
    bind_and_close(path.as_ptr() as *const libc::c_char, dst.as_ptr(), fd)
}

/// `mount(src, dst, MS_BIND)`, then close `fd` (the folder one of them
/// names through `/proc/self/fd`), whatever the mount gave. System calls
/// only: safe between fork and exec.
fn bind_and_close(
    src: *const libc::c_char,
    dst: *const libc::c_char,
    fd: libc::c_int,
) -> std::io::Result<()> {
    // SAFETY: NUL-terminated strings the caller keeps alive; `fd` opened by
    // the caller, closed here once.
    unsafe {
        let rc = libc::mount(src, dst, std::ptr::null(), libc::MS_BIND, std::ptr::null());
        let e = std::io::Error::last_os_error();
        libc::close(fd);
        if rc != 0 { Err(e) } else { Ok(()) }
    }
}

/// Make (0755) and open `root/parts[0]/parts[1]/...`, each folder below the
/// last with `O_NOFOLLOW`: a link on the way is an error (`ELOOP`,
/// `ENOTDIR`), never followed. Returns the open folder (close it).
pub(super) fn open_beneath(root: &CStr, parts: &[CString]) -> std::io::Result<libc::c_int> {
    const DIR: libc::c_int =
        libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    let err = std::io::Error::last_os_error;
    // SAFETY: system calls on NUL-terminated strings made before the fork
    // and on fds opened here (each closed once but the one returned).
    unsafe {
        let mut fd = libc::open(root.as_ptr(), DIR);
        if fd < 0 {
            return Err(err());
        }
        for p in parts {
            let made = libc::mkdirat(fd, p.as_ptr(), 0o755) == 0;
            if !made && err().raw_os_error() != Some(libc::EEXIST) {
                let e = err();
                libc::close(fd);
                return Err(e);
            }
            let next = libc::openat(fd, p.as_ptr(), DIR);
            let e = err();
            libc::close(fd);
            if next < 0 {
                return Err(e);
            }
            fd = next;
            if made && libc::fchmod(fd, 0o755) != 0 {
                let e = err();
                libc::close(fd);
                return Err(e);
            }
        }
        Ok(fd)
    }
}

/// `root/rel` made as [`open_beneath`] makes it, in `lab` itself (a node's
/// or pod's folders, before its entry: a link planted there is an error),
/// then (made or found) given `mode` through
/// the folder it opened (`fchmod`), never a path resolved again: a node's
/// own folders, which the node can replace by links. With `owner` (host
/// uid and gid), `root/rel` is given to them the same way (`fchown`): a
/// node's root owns its folders (see `ids`).
pub fn make_beneath_mode(
    root: &std::path::Path,
    rel: &std::path::Path,
    mode: Option<u32>,
    owner: Option<(u32, u32)>,
) -> crate::Result<()> {
    let shown = root.join(rel);
    let io = |e: std::io::Error| {
        crate::error::LabError::io(
            format!(
                "creating {} (a symbolic link on the way is not followed)",
                shown.display()
            ),
            e,
        )
    };
    let c = |s: &std::ffi::OsStr| {
        use std::os::unix::ffi::OsStrExt;
        CString::new(s.as_bytes()).map_err(|e| io(std::io::Error::other(e)))
    };
    let parts = rel.iter().map(c).collect::<crate::Result<Vec<CString>>>()?;
    let fd = open_beneath(&c(root.as_os_str())?, &parts).map_err(io)?;
    // SAFETY: `fd` was opened by `open_beneath` and is closed once.
    let chmod = unsafe {
        let mut rc = owner.map_or(0, |(u, g)| libc::fchown(fd, u, g));
        if rc == 0 {
            rc = mode.map_or(0, |m| libc::fchmod(fd, m as libc::mode_t));
        }
        let e = std::io::Error::last_os_error();
        libc::close(fd);
        if rc != 0 { Err(e) } else { Ok(()) }
    };
    chmod.map_err(|e| {
        crate::error::LabError::io(format!("setting the mode of {}", shown.display()), e)
    })
}

/// `/proc/self/fd/N`, NUL-terminated, without allocating.
fn fd_path(fd: libc::c_int) -> [u8; 32] {
    const PREFIX: &[u8] = b"/proc/self/fd/";
    let mut path = [0u8; 32];
    path[..PREFIX.len()].copy_from_slice(PREFIX);
    let mut digits = [0u8; 10];
    let (mut n, mut k) = (fd.max(0) as u32, 0);
    loop {
        digits[k] = b'0' + (n % 10) as u8;
        n /= 10;
        k += 1;
        if n == 0 {
            break;
        }
    }
    for i in 0..k {
        path[PREFIX.len() + i] = digits[k - 1 - i];
    }
    path
}

#[cfg(test)]
mod tests {
    use super::fd_path;

    #[test]
    fn a_pods_folder_is_made_without_following_a_link_it_planted() {
        let t = tempfile::tempdir().unwrap();
        let pod = t.path().join("pod");
        let host = t.path().join("host");
        std::fs::create_dir_all(&pod).unwrap();
        std::fs::create_dir(&host).unwrap();
        std::os::unix::fs::symlink(&host, pod.join("run")).unwrap();
        let r = super::make_beneath_mode(&pod, std::path::Path::new("run/netns"), None, None);
        assert!(r.is_err(), "a link on the way was followed");
        assert_eq!(std::fs::read_dir(&host).unwrap().count(), 0);
        super::make_beneath_mode(&pod, std::path::Path::new("tmp/a"), None, None).unwrap();
        assert!(pod.join("tmp/a").is_dir());
    }

    #[test]
    fn an_fds_path_is_its_number_under_proc_self_fd() {
        let p = fd_path(1234);
        let end = p.iter().position(|&b| b == 0).unwrap();
        assert_eq!(&p[..end], b"/proc/self/fd/1234");
        let p = fd_path(0);
        let end = p.iter().position(|&b| b == 0).unwrap();
        assert_eq!(&p[..end], b"/proc/self/fd/0");
    }
}
