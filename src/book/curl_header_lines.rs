//! Every line of `curl -v`'s marks (`> ` what it sent, `< ` what it got)
//! the book shows, held to the forms curl prints (probe21bu, finding 4).
//! A header line curl never prints in that form (`> Host:example.com`,
//! `>  Host: …`, `< Content-Type : …`, `< X_Powered_By: …`, a `< ` header
//! after the blank `<` line that ends the answer's headers) was read as
//! no header, so it was neither compared nor named: it vanished. curl
//! prints a request line (`> GET / HTTP/1.1`), a status line (`<
//! HTTP/1.1 200 OK`), headers as `Name: value` (a name of letters, digits
//! and `-`, one space after the mark and after the colon) between them
//! and a blank marked line, and the blank marked line itself; any other
//! marked line is a difference. (The unmarked header lines of `-i`/`-I`
//! are held to curl's form by `curl_facts::not_curls_own`.)

use super::headers::{header, request};

/// The book's lines of curl's marks (or the answer's header lines) that
/// are not in any form curl prints them: a difference each.
pub(super) fn not_curls_form(book: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    // Whether the request's (`>`) and the answer's (`<`) headers have
    // ended with their blank marked line (and no new request line or
    // status line opened them again). A header before its first line is
    // taken as the book's cut of them, not flagged.
    let (mut request_ended, mut answer_ended) = (false, false);
    for l in book {
        let lead = l.trim();
        let mark = lead
            .chars()
            .next()
            .filter(|c| *c == '>' || *c == '<')
            .filter(|_| lead[1..].is_empty() || lead[1..].starts_with([' ', '\t']));
        let Some(mark) = mark else {
            continue;
        };
        let sent = mark == '>';
        let rest = &lead[1..];
        if rest.trim().is_empty() {
            match sent {
                true => request_ended = true,
                false => answer_ended = true,
            }
            continue;
        }
        if sent && request(lead).is_some() {
            request_ended = false;
            continue;
        }
        if !sent && rest.starts_with(" HTTP/") {
            answer_ended = false;
            continue;
        }
        let ended = if sent { request_ended } else { answer_ended };
        if header(lead).is_none() || !rest.starts_with(' ') || rest[1..].starts_with([' ', '\t']) {
            out.push(odd(lead, sent));
        } else if ended {
            out.push(format!(
                "curl: the book shows `{lead}` after the blank `{mark}` line that ends the {}'s headers: curl -v prints no header there",
                if sent { "request" } else { "answer" }
            ));
        }
    }
    out
}

/// The difference of a header line not in curl's form.
fn odd(line: &str, sent: bool) -> String {
    format!(
        "curl: the book shows `{line}` among the {}'s lines, which is not how curl prints a header (`Name: value`: a name of letters, digits and `-`, one space after the mark and after the colon)",
        if sent { "request" } else { "answer" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &str) -> Vec<String> {
        s.lines().map(str::to_string).collect()
    }

    const TRUE: &str = "*   Trying 10.244.3.4...\n* Connected to 10.244.3.4 (10.244.3.4) port 80 (#0)\n> GET / HTTP/1.1\n> Host: 10.244.3.4\n> User-Agent: curl/7.47.0\n> Accept: */*\n>\n< HTTP/1.1 200 OK\n< Server: nginx/1.13.12\n< Content-Type: text/html\n< Content-Length: 612\n<\n<title>Welcome to nginx!</title>\n* Connection #0 to host 10.244.3.4 left intact";

    #[test]
    fn curls_own_forms_pass() {
        assert!(not_curls_form(&lines(TRUE)).is_empty());
        let i = "HTTP/1.1 200 OK\nServer: nginx/1.13.12\nContent-Type: text/html\n\n<html>\n<head>";
        assert!(not_curls_form(&lines(i)).is_empty());
    }

    #[test]
    fn other_forms_drift() {
        for (from, to) in [
            ("> Host: 10.244.3.4", "> Host:example.com"),
            ("> Host: 10.244.3.4", ">  Host: example.com"),
            ("> Host: 10.244.3.4", ">\tHost: example.com"),
            ("< Server: nginx/1.13.12", "< X-Powered-By:PHP/7.2"),
            ("< Server: nginx/1.13.12", "<  Set-Cookie: session=abc"),
            ("< Server: nginx/1.13.12", "< X_Powered_By: PHP/7.2"),
            (
                "< Content-Type: text/html",
                "< Content-Type : application/json",
            ),
            ("<\n<title>", "<\n< X-Powered-By: PHP/7.2\n<title>"),
        ] {
            let book = TRUE.replacen(from, to, 1);
            assert_eq!(not_curls_form(&lines(&book)).len(), 1, "{to}");
        }
    }
}
