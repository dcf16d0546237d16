//! A curl's headers as the book shows them (`-I`, `-i`, `-v`), each value
//! compared with the lab's curl's or named as not compared (probe21br,
//! finding 4: `> POST /` under a command that sends GET, `Content-Type:
//! application/json`, `Content-Length: 0`, `Connection: close` each
//! matched unread). Apart from `curl.rs` for its size.
//!
//! Compared: the request line's method and target (`> GET / HTTP/1.1`)
//! with the lab's curl's, which sent the book's own command's request
//! (GET, or HEAD for `-I`); `Connection` and `Accept` with the lab's; the
//! page's `Content-Type` and `Content-Length` with the lab's only where the
//! lab serves nginx's own page (its title shown: vagrant), since a netns
//! pod's nginx serves a line naming its pod, not the book's page. `Server`
//! is compared by its product and `Host` by its address elsewhere
//! ([`super::differences`], [`super::peers`]). Not compared, and said so:
//! dates, `ETag`, `Last-Modified`, `Accept-Ranges`, a `User-Agent` or
//! `Server` version, and a page header where the page is not nginx's.

/// A header line of curl's (`Name: value`, after `-v`'s `< `/`> `), as
/// (whether it was sent, its name in lower case, its value).
pub(super) fn header(l: &str) -> Option<(bool, String, String)> {
    let t = l.trim_end();
    let (sent, t) = match t.strip_prefix("> ") {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix("< ").unwrap_or(t)),
    };
    let (name, value) = t.split_once(':')?;
    let ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    (ok && !value.is_empty() && value.starts_with(' '))
        .then(|| (sent, name.to_string(), value.trim().to_string()))
}

/// The header lines of a curl's output: the ones it sent (`> Name:
/// value`), and the answer's between its status line (`HTTP/1.1 200 OK`,
/// `< HTTP/1.1 200 OK`) and the blank line that ends them; a page's or an
/// error's `Word: text` is none.
fn headers(lines: &[String]) -> Vec<(bool, String, String)> {
    let mut inside = false;
    let mut out = Vec::new();
    for l in lines {
        let t = l.trim();
        let answer = t.strip_prefix('<').map(str::trim).unwrap_or(t);
        if answer.starts_with("HTTP/") {
            inside = true;
            continue;
        }
        if answer.is_empty() {
            inside = false;
            continue;
        }
        if let Some(h) = header(l)
            && (h.0 || inside)
        {
            out.push(h);
        }
    }
    out
}

/// A request line (`> GET / HTTP/1.1`): its method and target.
pub(super) fn request(l: &str) -> Option<(String, String)> {
    let t = l.trim().strip_prefix('>')?.trim();
    let mut w = t.split_whitespace();
    let (method, target, version) = (w.next()?, w.next()?, w.next()?);
    (method.bytes().all(|b| b.is_ascii_uppercase()) && version.starts_with("HTTP/"))
        .then(|| (method.to_string(), target.to_string()))
}

/// The differences between the book's headers and the lab's, and the
/// book's values not compared. `nginx_page`: the lab serves nginx's own
/// page, so the page's headers are the book's to compare.
pub(super) fn read(
    book: &[String],
    lab: &[String],
    nginx_page: bool,
) -> (Vec<String>, Vec<String>) {
    let (mut d, mut u) = (Vec::new(), Vec::new());
    if let Some((m, t)) = book.iter().find_map(|l| request(l)) {
        match lab.iter().find_map(|l| request(l)) {
            Some((lm, lt)) if (lm.as_str(), lt.as_str()) != (m.as_str(), t.as_str()) => d.push(format!(
                "curl: the book's request line is `{m} {t}`; the book's own command sends `{lm} {lt}` (the lab's curl's)"
            )),
            Some(_) => {}
            None => u.push(format!("the request line `{m} {t}`: the lab's curl printed none")),
        }
    }
    d.extend(super::header_lines::not_curls_form(book));
    let labs = headers(lab);
    for (sent, name, value) in headers(book) {
        let key = name.to_ascii_lowercase();
        let compared = match key.as_str() {
            "connection" | "accept" => true,
            "content-type" | "content-length" => nginx_page,
            // An address is compared elsewhere (whom it reached, through
            // the book's addresses); a name is the book's own command's
            // (probe21bt: `Host: example.com` passed unread).
            "host" if is_address(&value) => continue,
            "host" => true,
            "server" if value.split('/').nth(1).is_none() => continue,
            k if OF_THE_RUN.contains(&k) => false,
            // Any other header is nginx's or curl's to send, and the lab
            // runs both: one the lab's curl did not print, the reader's
            // did not either (probe21bt: `X-Powered-By`, a `Location` on a
            // 200 were excused as a date or a version).
            _ => {
                if !labs
                    .iter()
                    .any(|(s, n, _)| *s == sent && n.eq_ignore_ascii_case(&name))
                {
                    d.push(format!(
                        "curl: the book's {} has `{name}: {value}`; the lab's curl's has no such header",
                        if sent { "request" } else { "answer" }
                    ));
                    continue;
                }
                true
            }
        };
        let lab_value = labs
            .iter()
            .find(|(s, n, _)| *s == sent && n.eq_ignore_ascii_case(&name))
            .map(|(_, _, v)| v);
        match lab_value {
            Some(v) if compared && !v.eq_ignore_ascii_case(&value) => d.push(format!(
                "curl: the book's {} has `{name}: {value}`; the lab's curl's has `{name}: {v}`",
                if sent { "request" } else { "answer" }
            )),
            Some(_) if compared => {}
            _ if compared => u.push(format!("`{name}: {value}`: the lab's curl printed no such header")),
            _ if key == "server" => u.push(format!(
                "the version in `Server: {value}` (its product is compared)"
            )),
            _ if key == "content-type" || key == "content-length" => u.push(format!(
                "`{name}: {value}`: the lab's page is not nginx's own (a netns pod's nginx serves a line naming its pod)"
            )),
            _ => u.push(format!(
                "`{name}: {value}`: a header lab does not compare (a date, a tag, a version: the book's run's)"
            )),
        }
    }
    (d, u)
}

/// Headers whose values are the book's run's own (a date, a tag, a
/// version, a file's time), named as not compared.
const OF_THE_RUN: &[&str] = &[
    "date",
    "etag",
    "last-modified",
    "accept-ranges",
    "user-agent",
    "server",
    "expires",
];

/// Whether a `Host` value is an IPv4 address (with its port or not).
fn is_address(value: &str) -> bool {
    let host = value.rsplit_once(':').map_or(value, |(h, _)| h);
    host.parse::<std::net::Ipv4Addr>().is_ok()
}

#[cfg(test)]
#[path = "curl_headers_tests.rs"]
mod tests;
