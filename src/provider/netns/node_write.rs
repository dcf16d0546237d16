//! Files `lab` (root on the host) writes where a node or a pod writes too:
//! a node's `/run` (`flannel/subnet.env`, flanneld's log) and a pod's
//! folder (`nginx.conf`). The node can put a symbolic link there; `lab`
//! must never follow it out to the host's files (the third probe of issue
//! 21: `subnet.tmp.PID -> /etc/shadow`, planted for every PID, had the
//! next `apply` overwrite the host's file).

use crate::error::LabError;
use std::path::Path;

/// Write `own/rel` where a node (or a pod) can write too (its `/run`), as
/// `files::write_file` does, without following a symbolic link the node made:
/// the folder is opened below `own` with `openat2(RESOLVE_BENEATH |
/// RESOLVE_NO_SYMLINKS)`, the temporary file is made anew (`O_EXCL |
/// O_NOFOLLOW`, after removing one of that name) and renamed inside that
/// folder. Otherwise `/run/flannel -> /etc` or `subnet.tmp.PID ->
/// /etc/shadow`, made by `lab ssh LAB node1`, made `lab` (root on the host)
/// write the host's file at the next `apply`. With `owner` (host uid and
/// gid), the file is given to them before it takes its name: a node's own
/// file (its root's, in the lab's range: see `ids`).
pub fn write_node_file(
    own: &Path,
    rel: &Path,
    bytes: &[u8],
    mode: u32,
    owner: Option<(u32, u32)>,
) -> crate::Result<()> {
    use nix::fcntl::{OFlag, OpenHow, ResolveFlag, openat, openat2, renameat};
    use nix::sys::stat::Mode;
    use nix::unistd::{UnlinkatFlags, unlinkat};
    use std::io::Write;
    let shown = own.join(rel);
    let fail = |e: nix::errno::Errno| {
        let why = if e == nix::errno::Errno::ELOOP || e == nix::errno::Errno::EXDEV {
            " (a symbolic link on the way, made on the node: not followed)"
        } else {
            ""
        };
        LabError::io(format!("writing {}{why}", shown.display()), e.into())
    };
    let (Some(folder), Some(name)) = (rel.parent(), rel.file_name()) else {
        return Err(LabError::Internal(format!(
            "{} names no file",
            rel.display()
        )));
    };
    let folder = if folder.as_os_str().is_empty() {
        Path::new(".")
    } else {
        folder
    };
    let top = std::fs::File::open(own)
        .map_err(|e| LabError::io(format!("opening {}", own.display()), e))?;
    let how = OpenHow::new()
        .flags(OFlag::O_DIRECTORY | OFlag::O_RDONLY | OFlag::O_CLOEXEC)
        .resolve(ResolveFlag::RESOLVE_BENEATH | ResolveFlag::RESOLVE_NO_SYMLINKS);
    let dir = openat2(&top, folder, how).map_err(fail)?;
    let mut tmp = name.to_os_string();
    tmp.push(format!(".tmp.{}", std::process::id()));
    let tmp = tmp.as_os_str();
    match unlinkat(&dir, tmp, UnlinkatFlags::NoRemoveDir) {
        Ok(()) | Err(nix::errno::Errno::ENOENT) => {}
        Err(e) => return Err(fail(e)),
    }
    let flags =
        OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
    let fd = openat(&dir, tmp, flags, Mode::from_bits_truncate(mode)).map_err(fail)?;
    let file = std::fs::File::from(fd);
    let given = match owner {
        Some((uid, gid)) => std::os::unix::fs::fchown(&file, Some(uid), Some(gid))
            .map_err(|e| LabError::io(format!("giving {} to the node", shown.display()), e)),
        None => Ok(()),
    };
    let written = given.and_then(|()| {
        (&file)
            .write_all(bytes)
            .map_err(|e| LabError::io(format!("writing {}", shown.display()), e))
    });
    let renamed = written.and_then(|()| renameat(&dir, tmp, &dir, name).map_err(fail));
    if renamed.is_err() {
        let _ = unlinkat(&dir, tmp, UnlinkatFlags::NoRemoveDir);
    }
    renamed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_a_node_can_change_is_written_without_following_its_links() {
        let t = tempfile::tempdir().unwrap();
        let (own, host) = (t.path().join("run"), t.path().join("host"));
        std::fs::create_dir_all(own.join("flannel")).unwrap();
        std::fs::create_dir(&host).unwrap();
        std::fs::write(host.join("victim"), "host").unwrap();
        let tmp = format!("subnet.env.tmp.{}", std::process::id());
        std::os::unix::fs::symlink(host.join("victim"), own.join("flannel").join(tmp)).unwrap();
        write_node_file(&own, Path::new("flannel/subnet.env"), b"lab", 0o644, None).unwrap();
        assert_eq!(
            std::fs::read_to_string(host.join("victim")).unwrap(),
            "host"
        );
        assert_eq!(
            std::fs::read_to_string(own.join("flannel/subnet.env")).unwrap(),
            "lab"
        );
        std::fs::remove_dir_all(own.join("flannel")).unwrap();
        std::os::unix::fs::symlink(&host, own.join("flannel")).unwrap();
        let e = write_node_file(&own, Path::new("flannel/subnet.env"), b"lab", 0o644, None)
            .unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert!(!host.join("subnet.env").exists());
    }
}
