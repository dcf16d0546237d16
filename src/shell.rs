//! Shell words: the one quoting of the crate, in the foundations so that
//! every room (probes too) quotes the same way, and [`crate::exec`] shows
//! command lines with it; and the alphabet of interface names, which lab
//! files give and scripts use unquoted ([`is_ifname`]).

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

/// A Linux interface name that is also safe in a shell: 1 to 15 characters of
/// letters, digits, `.`, `_` and `-`, not starting with `-` or `.`.
pub fn is_ifname(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 15
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
        && !s.starts_with('-')
        && !s.starts_with('.')
}
