//! Files a user names as input (a database, a known-drift file) are refused
//! by their type before they are read: a FIFO would wait for a writer, a
//! device never ends. One wording of "what this is instead" for all of them.

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
}
