//! How a report reaches its file ([`super::output::Target::write`]): a
//! regular file is replaced whole (a temporary file beside it, renamed over
//! it when complete), so a write that fails half way (a full disk) leaves
//! the last report as it was instead of an empty or cut file (probe21bo
//! lesser 5); devices, FIFOs and terminals are written through in place.

use super::output::{destination, parent_of};
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Write `bytes` as the regular file `p` is (or is to be), through its
/// links: into a temporary file in its folder, renamed over it only when
/// complete, with the old file's mode (and owner, where that can be
/// kept). `false` when `p` is no regular file, or its folder takes no
/// new file: then it is written through in place.
pub(super) fn replace_whole(p: &Path, bytes: &[u8]) -> std::io::Result<bool> {
    use std::os::unix::fs::PermissionsExt;
    let Ok(dest) = destination(p) else {
        return Ok(false);
    };
    let old = match std::fs::metadata(&dest) {
        Ok(m) if m.is_file() => Some(m),
        Ok(_) => return Ok(false),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(_) => return Ok(false),
    };
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Ok(mut tmp) = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .permissions(std::fs::Permissions::from_mode(0o644))
        .tempfile_in(parent_of(&dest))
    else {
        return Ok(false);
    };
    if let Some(m) = &old {
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(m.mode() & 0o7777))?;
        // Kept for root writing a user's report; not possible otherwise.
        let _ = std::os::unix::fs::fchown(tmp.as_file(), Some(m.uid()), Some(m.gid()));
    }
    tmp.write_all(bytes)?;
    tmp.flush()?;
    // Dropped on an error above: the temporary file is removed.
    tmp.persist(&dest).map_err(|e| e.error)?;
    Ok(true)
}

/// Write `bytes` into `p` in place: a device, a FIFO, a terminal.
pub(super) fn write_through(p: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    // A report is made to be shared (CI artifacts, a browser):
    // created 0644 (less under a stricter umask); a node's output in
    // it comes from the node's own files, never the host's.
    // Opened without blocking: a FIFO that no one reads is an
    // error at once (ENXIO), never a hang that ignores signals;
    // one that is read (`--json /dev/stdout | jq`) works.
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o644)
        .custom_flags(libc::O_NONBLOCK)
        .open(p)
        .map_err(|e| {
            if e.raw_os_error() == Some(libc::ENXIO) {
                std::io::Error::new(
                    e.kind(),
                    format!("{} is a FIFO that no one reads", p.display()),
                )
            } else {
                e
            }
        })?;
    // Then its writes block as any file's do.
    let fd = std::os::fd::AsRawFd::as_raw_fd(&f);
    // SAFETY: fcntl on a descriptor this function owns.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags >= 0 {
            libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
        }
    }
    f.write_all(bytes)?;
    f.flush()
}
