//! Files a user names as input (a database, a known-drift file) are refused
//! by their type before they are read: a FIFO would wait for a writer, a
//! device never ends. One wording of "what this is instead" for all of them,
//! and one way to open a file a node or pod may have replaced
//! ([`open_regular`]).

/// What a file that is not a regular file is, in words ("a FIFO", …).
pub fn kind(t: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_dir() {
        "a folder"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// Open `path` with `opts` without blocking, following no link in its last
/// part and refusing, by type (`fstat` of what was opened), what is not a
/// regular file: a FIFO there is not waited on, a device not read. The
/// error says what it is instead ("is a FIFO, not a regular file").
pub fn open_regular(
    opts: &mut std::fs::OpenOptions,
    path: &std::path::Path,
) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let f = opts
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => not_regular("a symbolic link"),
            _ => e,
        })?;
    let t = f.metadata()?.file_type();
    if !t.is_file() {
        return Err(not_regular(kind(t)));
    }
    Ok(f)
}

/// At most `max` bytes and one more of what `path` leads to (links
/// followed), if it is a regular file: opened without blocking and read
/// only when regular (a FIFO would wait for a writer, deaf to Ctrl-C; a
/// device might never end). `None` when it is gone, is no regular file,
/// or cannot be read. More than `max` bytes back says the file is bigger.
pub fn head_of_regular(path: &std::path::Path, max: u64) -> Option<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC)
        .open(path)
        .ok()?;
    if !f.metadata().ok()?.is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    f.take(max + 1).read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

/// Whether what is at `path` (if anything) is a regular file, seen without
/// opening or following it: for files another program opens itself.
pub fn regular_or_absent(path: &std::path::Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(not_regular("a symbolic link")),
        Ok(m) if !m.is_file() => Err(not_regular(kind(m.file_type()))),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

fn not_regular(what: &str) -> std::io::Error {
    std::io::Error::other(format!("is {what}, not a regular file"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn kinds_in_words() {
        let dir = tempfile::tempdir().unwrap();
        let t = std::fs::metadata(dir.path()).unwrap().file_type();
        assert_eq!(super::kind(t), "a folder");
        let t = std::fs::metadata("/dev/null").unwrap().file_type();
        assert_eq!(super::kind(t), "a character device");
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let t = std::fs::metadata(&fifo).unwrap().file_type();
        assert_eq!(super::kind(t), "a FIFO");
    }

    #[test]
    fn what_is_not_a_regular_file_is_refused_by_type_without_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, "x").unwrap();
        let read = || std::fs::OpenOptions::new().read(true).clone();
        let e = super::open_regular(&mut read(), &fifo).unwrap_err();
        assert_eq!(e.to_string(), "is a FIFO, not a regular file");
        let e = super::open_regular(&mut read(), &link).unwrap_err();
        assert_eq!(e.to_string(), "is a symbolic link, not a regular file");
        let e = super::open_regular(&mut read(), std::path::Path::new("/dev/null")).unwrap_err();
        assert_eq!(e.to_string(), "is a character device, not a regular file");
        assert!(super::open_regular(&mut read(), &file).is_ok());
        let e = super::regular_or_absent(&fifo).unwrap_err();
        assert_eq!(e.to_string(), "is a FIFO, not a regular file");
        let e = super::regular_or_absent(&link).unwrap_err();
        assert_eq!(e.to_string(), "is a symbolic link, not a regular file");
        assert!(super::regular_or_absent(&file).is_ok());
        assert!(super::regular_or_absent(&dir.path().join("none")).is_ok());
    }
}
