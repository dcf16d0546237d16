//! The safe alphabets: values that end up in a shell script or a
//! Vagrantfile (names, box, interfaces) are held to them, so no lab file
//! can inject code into what `lab` renders. (Interface names are
//! [`crate::shell::is_ifname`]: the pod network plugins check them too.)

pub(crate) use crate::shell::is_ifname;

/// A DNS label (RFC 1123): what Kubernetes and hostnames accept.
pub(crate) fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// A Vagrant box name: `owner/name` of letters, digits, `.`, `_`, `-`.
pub(crate) fn is_box(s: &str) -> bool {
    let ok_part = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
    };
    match s.split_once('/') {
        Some((a, b)) => ok_part(a) && ok_part(b),
        None => ok_part(s),
    }
}
