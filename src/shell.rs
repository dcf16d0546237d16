//! Shell words: the one quoting of the crate, in the foundations so that
//! every room (probes too) quotes the same way, and [`crate::exec`] shows
//! command lines with it.

/// Quote a string as one POSIX shell word: as is when it is safe, else in
/// single quotes (`'` becomes `'\''`). The one quoting of the crate, for
/// scripts sent over SSH, probes, ProxyCommands and shown command lines.
pub fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:@,%+".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
