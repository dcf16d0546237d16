//! Lines no login banner holds, by the output shapes lab reads elsewhere:
//! a line shown after `vagrant ssh NODE`, in its banner's place, that
//! reads as a command's output lab knows (`route -n`'s title, header and
//! rows, `ip route`'s routes, a file's `NAME=value` lines, a log's lines,
//! a kubectl table's header or message) is no banner's, and lab cannot
//! tell which command the book claims it of. probe21av set that rule for
//! ping, curl and tcpdump; the other shapes passed as "a banner lab does
//! not compare", a route via the wrong device and all (probe21by, finding
//! 5). And ssh's own failure there (`ssh: connect to host … Connection
//! refused`) says the book's login failed, where the reader's works.
//! Apart from [`super::apart_output`], which uses it, to keep that file
//! short.

/// Whether `line` (as the reader sees it) reads as the output of a command
/// lab knows other than ping, curl and tcpdump
/// ([`super::apart_output::printed_by_a_command`] reads those).
pub fn of_a_known_command(line: &str) -> bool {
    use super::apart_output::{is_ip_route_line, is_log_line, is_setting_line, is_table_header};
    let seen = super::lookalike::fold(line);
    let t = super::shell_line::strip_ansi(&seen);
    let t = t.trim();
    if t.is_empty() {
        return false;
    }
    route_n_line(t)
        || is_ip_route_line(t)
        || is_setting_line(t)
        || is_log_line(t)
        || is_table_header(t)
        || kubectl_line(t)
}

/// `route -n`'s title, its header of columns, or a row of it (an address
/// then 7 more columns; a row of other counts is still a route's where it
/// holds a netmask and flags).
fn route_n_line(t: &str) -> bool {
    let w: Vec<&str> = t.split_whitespace().collect();
    let ip = |s: &str| s.parse::<std::net::Ipv4Addr>().is_ok();
    let flags = |s: &str| !s.is_empty() && s.bytes().all(|b| b"UGHRDMAC!".contains(&b));
    w == ["Kernel", "IP", "routing", "table"]
        || (w.first() == Some(&"Destination") && w.contains(&"Gateway"))
        || (w.len() >= 4 && ip(w[0]) && ip(w[1]) && ip(w[2]) && flags(w[3]))
}

/// kubectl's own lines: an object's message (`daemonset.apps/kube-flannel-ds
/// created`), `No resources found`, its errors (`error: …`, `Error from
/// server …`, the refused connection to the API server).
fn kubectl_line(t: &str) -> bool {
    let w: Vec<&str> = t.split_whitespace().collect();
    let object = w.len() == 2
        && w[0].contains('/')
        && w[0].split('/').next().is_some_and(|k| {
            !k.is_empty()
                && k.bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'.' || b.is_ascii_digit())
        })
        && matches!(
            w[1],
            "created" | "configured" | "unchanged" | "deleted" | "patched"
        );
    object
        || t.starts_with("No resources found")
        || t.starts_with("error: ")
        || t.starts_with("Error from server")
        || (t.starts_with("The connection to the server ") && t.contains("was refused"))
        || t.starts_with("Unable to connect to the server")
}

/// The first of `lines` that is ssh's own failure to log in (`ssh: connect
/// to host 127.0.0.1 port 2222: Connection refused`, `kex_exchange_identification:
/// …`, `Permission denied (publickey)`, `Host key verification failed.`,
/// `Connection closed by … port …`): the book's login failed there.
pub fn ssh_failure(lines: &[String]) -> Option<&str> {
    lines.iter().map(String::as_str).find(|l| {
        let seen = super::lookalike::fold(l);
        let t = seen.trim();
        t.starts_with("ssh: ")
            || t.starts_with("kex_exchange_identification:")
            || t.starts_with("ssh_exchange_identification:")
            || t.contains("Permission denied (publickey")
            || t == "Host key verification failed."
            || ((t.starts_with("Connection closed by ") || t.starts_with("Connection reset by "))
                && t.contains(" port "))
    })
}

/// The legal notice Ubuntu prints at a user's first login (Debian's
/// too), line by line: its lines that open with a small letter have a
/// command's shape, and read as commands right under `vagrant ssh NODE`
/// they were not understood, failing a true banner (probe21ca, lesser 1:
/// "`the` is not a command lab replays").
const LEGAL_NOTICE: &[&str] = &[
    "The programs included with the Ubuntu system are free software;",
    "The programs included with the Debian GNU/Linux system are free software;",
    "the exact distribution terms for each program are described in the",
    "individual files in /usr/share/doc/*/copyright.",
    "Ubuntu comes with ABSOLUTELY NO WARRANTY, to the extent permitted by",
    "Debian GNU/Linux comes with ABSOLUTELY NO WARRANTY, to the extent",
    "applicable law.",
    "permitted by applicable law.",
];

/// Whether `line` is a line of the first login's legal notice
/// ([`LEGAL_NOTICE`]), word for word.
pub fn legal_notice(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    LEGAL_NOTICE
        .iter()
        .any(|l| l.split_whitespace().eq(words.iter().copied()))
}

#[cfg(test)]
#[path = "banner_lines_tests.rs"]
mod tests;
