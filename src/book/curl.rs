//! `curl` in a chapter: the shapes `lab book` understands, the line the lab
//! runs for one, and the facts compared. A chapter tests pod networking with
//! curl as often as with ping (`curl 10.244.1.2`, `curl -I -m 5
//! http://10.244.2.3:80/`, `kubectl exec POD -- curl -s ...`).
//!
//! Understood: `curl [FLAGS] URL`, FLAGS among `-s/--silent`,
//! `-S/--show-error`, `-I/--head`, `-i/--include`, `-v/--verbose`,
//! `-L/--location`, `-k/--insecure`, `-m/--max-time N`, `--connect-timeout
//! N` (N from 1 to [`MAX_SECONDS`]), `-o /dev/null` (short flags may be
//! joined: `-sI`); URL `http://IP[:PORT][/PATH]` or `IP[:PORT][/PATH]`
//! (curl's default scheme is http). Anything else (a host name, https,
//! `-o FILE`, `-d`, `-X`, `-K`, a proxy, `file://`) is not understood. What
//! runs is rebuilt from these typed values ([`Curl::line`]), never the
//! book's text.
//!
//! Compared ([`facts`], [`differences`]): whether it answered, the HTTP
//! status (a `-I`/`-i`/`-v` status line), why it did not answer (timed out,
//! refused, no route, name not resolved: by meaning, so an old curl's `(7)
//! ... Connection timed out` is a timeout as a new curl's `(28)` is), the
//! `Server:` header's product where both show one (`apache` is not
//! `nginx`), and the page's `<title>` when both pages have one. A page's
//! other bytes are not compared (the book's nginx version is not the lab's,
//! and the netns pods serve a page of their own naming the pod, without a
//! title); where the lab's page has no title, a book page that cannot be
//! nginx's is never a match on "it answered" ([`another_server`]): another
//! title is a difference, and so is no title and no line naming a pod
//! (`skipped` where the book cut the page). A
//! line only a ping, a capture or a log prints is no curl's output: not
//! understood ([`super::line_shapes`]).

use super::recognize::{Cmd, KubeAction, Kubectl};
use super::{CommandReport, Verdict};
use std::net::Ipv4Addr;

#[path = "curl_facts.rs"]
mod facts;
pub use facts::{Facts, Failure, facts};
#[path = "curl_claims.rs"]
mod claims;
#[path = "curl_header_lines.rs"]
mod header_lines;
#[path = "curl_headers.rs"]
mod headers;
#[path = "curl_peers.rs"]
mod peers;
#[path = "curl_star_lines.rs"]
mod star_lines;
pub use claims::reads_as_curls;
#[cfg(test)]
use peers::peer;

/// The longest `-m`/`--connect-timeout` a book's curl may ask: it must end
/// inside the replay's deadline for one command ([`super::replay::DEADLINE`]).
pub const MAX_SECONDS: u32 = 10;

/// A recognised `curl` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Curl {
    pub ip: Ipv4Addr,
    pub port: Option<u16>,
    /// Starts with `/`.
    pub path: String,
    /// `-I`: a HEAD request, the headers shown.
    pub head: bool,
    /// `-i`: the headers shown before the page.
    pub include: bool,
    /// `-v`: the exchange shown on stderr.
    pub verbose: bool,
    /// `-s`: no progress meter, and no error message unless `-S`.
    pub silent: bool,
    pub show_error: bool,
    pub follow: bool,
    pub insecure: bool,
    /// `-o /dev/null`: the page thrown away.
    pub discard: bool,
    pub max_time: Option<u32>,
    pub connect_timeout: Option<u32>,
    /// `-w '%{http_code}'`: the status printed after the page.
    pub write_code: bool,
}

/// The write-outs lab reads, as a book quotes them.
const WRITE_OUTS: &[&str] = &[
    "'%{http_code}'",
    "\"%{http_code}\"",
    "'%{http_code}\\n'",
    "\"%{http_code}\\n\"",
];

/// `line` without its `-w '%{http_code}'` (or `--write-out`, `"..."`,
/// with `\n`), and whether it had one.
pub fn take_write_out(line: &str) -> (String, bool) {
    for w in WRITE_OUTS {
        for flag in ["-w ", "--write-out "] {
            let said = format!("{flag}{w}");
            if line.contains(&said) {
                return (line.replacen(&said, "", 1), true);
            }
        }
    }
    (line.to_string(), false)
}

/// Put a write-out taken by [`take_write_out`] back on the line's curl.
pub fn with_write_out(cmd: &mut Cmd) -> Result<(), String> {
    match cmd {
        Cmd::Curl(c) => {
            c.write_code = true;
            Ok(())
        }
        Cmd::Kubectl(Kubectl {
            action: KubeAction::Exec { cmd, .. },
            ..
        }) => with_write_out(cmd),
        _ => Err("-w '%{http_code}' is curl's; lab reads it only on a curl".into()),
    }
}

fn seconds(flag: &str, v: Option<&&str>) -> Result<u32, String> {
    let v = v.ok_or_else(|| format!("curl {flag} without a number of seconds"))?;
    v.parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_SECONDS).contains(n))
        .ok_or_else(|| {
            format!(
                "curl {flag} {v}: lab replays whole seconds from 1 to {MAX_SECONDS} (so that it ends inside the replay's {} s per command)",
                super::replay::DEADLINE.as_secs()
            )
        })
}

/// A switch of curl's that lab replays: its short and long name, and the
/// flag of [`Curl`] it sets.
type Switch = (char, &'static str, fn(&mut Curl) -> &mut bool);

const SWITCHES: [Switch; 7] = [
    ('s', "--silent", |c| &mut c.silent),
    ('S', "--show-error", |c| &mut c.show_error),
    ('I', "--head", |c| &mut c.head),
    ('i', "--include", |c| &mut c.include),
    ('v', "--verbose", |c| &mut c.verbose),
    ('L', "--location", |c| &mut c.follow),
    ('k', "--insecure", |c| &mut c.insecure),
];

/// Set the switch named by its long name `word` or its short name
/// `short`; false when no switch is named so.
fn set_switch(c: &mut Curl, word: &str, short: Option<char>) -> bool {
    let found = SWITCHES
        .iter()
        .find(|(s, long, _)| *long == word || Some(*s) == short);
    if let Some((_, _, flag)) = found {
        *flag(c) = true;
    }
    found.is_some()
}

/// Recognise the words after `curl`.
pub fn recognize(args: &[&str]) -> Result<Curl, String> {
    let mut c = Curl {
        ip: Ipv4Addr::UNSPECIFIED,
        port: None,
        path: "/".into(),
        head: false,
        include: false,
        verbose: false,
        silent: false,
        show_error: false,
        follow: false,
        insecure: false,
        discard: false,
        max_time: None,
        connect_timeout: None,
        write_code: false,
    };
    let mut url = None;
    let mut i = 0;
    while i < args.len() {
        let w = args[i];
        let next = args.get(i + 1);
        i += 1;
        let long = |f: &str| w == f || w.strip_prefix(f).is_some_and(|r| r.starts_with('='));
        let value = |f: &str| -> Option<&str> { w.strip_prefix(f)?.strip_prefix('=') };
        match w {
            _ if set_switch(&mut c, w, None) => {}
            _ if long("--max-time") || long("--connect-timeout") => {
                let (flag, v) = match (value("--max-time"), value("--connect-timeout")) {
                    (Some(v), _) => ("--max-time", v),
                    (_, Some(v)) => ("--connect-timeout", v),
                    _ => {
                        i += 1;
                        (w, *next.unwrap_or(&""))
                    }
                };
                let n = seconds(flag, Some(&v).filter(|v| !v.is_empty()))?;
                if flag == "--max-time" {
                    c.max_time = Some(n);
                } else {
                    c.connect_timeout = Some(n);
                }
            }
            "--output" | "-o" => {
                if next != Some(&"/dev/null") {
                    return Err(format!(
                        "curl {w} {}: lab writes no file (only -o /dev/null)",
                        next.unwrap_or(&"")
                    ));
                }
                c.discard = true;
                i += 1;
            }
            _ if w.starts_with("--") => {
                return Err(format!(
                    "curl {w}: lab replays -s, -S, -I, -i, -v, -L, -k, -m N, --connect-timeout N and -o /dev/null"
                ));
            }
            _ if w.starts_with('-') && w.len() > 1 => {
                let flags: Vec<char> = w[1..].chars().collect();
                for (k, f) in flags.iter().enumerate() {
                    if set_switch(&mut c, "", Some(*f)) {
                        continue;
                    }
                    match f {
                        'm' | 'o' if k + 1 == flags.len() => {
                            let v = args.get(i);
                            i += 1;
                            if *f == 'm' {
                                c.max_time = Some(seconds("-m", v)?);
                            } else if v != Some(&"/dev/null") {
                                return Err(format!(
                                    "curl -o {}: lab writes no file (only -o /dev/null)",
                                    v.unwrap_or(&"")
                                ));
                            } else {
                                c.discard = true;
                            }
                        }
                        f => {
                            return Err(format!(
                                "curl -{f}: lab replays -s, -S, -I, -i, -v, -L, -k, -m N, --connect-timeout N and -o /dev/null"
                            ));
                        }
                    }
                }
            }
            _ if url.is_none() => url = Some(w),
            _ => return Err("curl with more than one URL".into()),
        }
    }
    let url = url.ok_or("curl without a URL")?;
    let (ip, port, path) = parse_url(url)?;
    c.ip = ip;
    c.port = port;
    c.path = path;
    Ok(c)
}

/// `http://IP[:PORT][/PATH]` or `IP[:PORT][/PATH]`.
fn parse_url(url: &str) -> Result<(Ipv4Addr, Option<u16>, String), String> {
    let rest = match url.split_once("://") {
        Some(("http" | "HTTP", r)) => r,
        Some((scheme, _)) => {
            return Err(format!(
                "curl {url}: lab replays http:// to the lab's addresses, not {scheme}://"
            ));
        }
        None => url,
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.split_once(':') {
        Some((h, p)) => (
            h,
            Some(
                p.parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| format!("curl {url}: the port {p} is not a port"))?,
            ),
        ),
        None => (authority, None),
    };
    let ip = host.parse::<Ipv4Addr>().map_err(|_| {
        format!("curl {url}: lab replays curl to IPv4 addresses of the lab, not the host `{host}`")
    })?;
    let safe = path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/._-".contains(&b))
        && !path.split('/').any(|c| c == "..");
    if !safe {
        return Err(format!(
            "curl {url}: lab replays URL paths of letters, digits, . _ - /"
        ));
    }
    Ok((ip, port, path.to_string()))
}

impl Curl {
    /// The line that runs for this curl against `ip` (the lab's address
    /// for the book's): typed values only, the URL one quoted word, no glob
    /// (`-g`), no progress meter and errors shown (`-sS`: the output is no
    /// terminal; `-s` alone where the book's is silent), and a deadline: the book's `-m`/`--connect-timeout`, else
    /// a connection waited `wait` seconds and the answer 2 s more; the
    /// whole under `timeout`. Also says why it is not the book's line.
    pub fn line(&self, ip: Ipv4Addr, wait: &str) -> (String, Vec<String>) {
        let mut why = Vec::new();
        // A silent curl (-s without -S) prints no error: the reader sees
        // none, and the exit says why. Any other is run with -sS: no
        // progress meter (the lab's output is no terminal; a reader's curl
        // writing to a terminal shows none) and its error shown.
        let quiet = self.silent && !self.show_error;
        let mut w = vec![
            "curl".to_string(),
            if quiet { "-gs" } else { "-gsS" }.to_string(),
        ];
        if !self.silent {
            why.push("-sS: no progress meter (the book's curl wrote to a terminal; the lab's output is none)".into());
        }
        for (on, f) in [
            (self.head, "-I"),
            (self.include, "-i"),
            (self.verbose, "-v"),
            (self.follow, "-L"),
            (self.insecure, "-k"),
        ] {
            if on {
                w.push(f.into());
            }
        }
        if self.discard {
            w.extend(["-o".into(), "/dev/null".into()]);
        }
        if self.write_code {
            w.extend(["-w".into(), "'%{http_code}\\n'".into()]);
        }
        let wait_s: f64 = wait.parse().unwrap_or(1.0);
        let connect = match (self.connect_timeout, self.max_time) {
            (Some(c), _) => c.to_string(),
            (None, Some(m)) => m.to_string(),
            (None, None) => wait.to_string(),
        };
        let max = match self.max_time {
            Some(m) => m as f64,
            None => {
                let m = self.connect_timeout.map_or(wait_s, f64::from) + 2.0;
                why.push(format!(
                    "--connect-timeout {connect} --max-time {m}: the book's curl has no -m; lab's own deadline (a connection waited {connect} s, the answer 2 s more)"
                ));
                m
            }
        };
        w.extend(["--connect-timeout".into(), connect]);
        w.extend(["--max-time".into(), fmt_secs(max)]);
        let port = self.port.map(|p| format!(":{p}")).unwrap_or_default();
        w.push(crate::shell::quote(&format!(
            "http://{ip}{port}{}",
            self.path
        )));
        let line = format!("timeout {} {}", (max.ceil() as u64) + 2, w.join(" "));
        (line, why)
    }
}

fn fmt_secs(s: f64) -> String {
    if s.fract() == 0.0 {
        format!("{}", s as u64)
    } else {
        format!("{s}")
    }
}

/// The differences between the book's curl and the lab's (one stable
/// sentence each, starting `curl:`), and whether anything was compared.
pub fn differences(book: &Facts, lab: &Facts) -> (Vec<String>, bool) {
    let Some(answered) = book.answered else {
        return (Vec::new(), false);
    };
    let mut differs = lab.answered != Some(answered);
    if !differs && answered {
        differs |= book.status.is_some() && lab.status.is_some() && book.status != lab.status;
        differs |= book.status.is_some() && lab.status.is_none();
        differs |= book.title.is_some() && lab.title.is_some() && book.title != lab.title;
        differs |=
            book.pod_page.is_some() && lab.pod_page.is_some() && book.pod_page != lab.pod_page;
    }
    if !differs
        && !answered
        && let (Some(b), Some(l)) = (&book.failure, &lab.failure)
    {
        differs |= !b.agrees(l);
    }
    let mut out = Vec::new();
    if differs {
        out.push(format!("curl: the book shows {book}; the lab shows {lab}"));
    }
    // Every status line the book shows, with its protocol and words (a
    // second status, `HTTP/2` where the lab's server speaks HTTP/1.1): the
    // lab's, or where the book cut its output, some of them in order.
    let (b, l) = (&book.status_lines, &lab.status_lines);
    let mut theirs = l.iter();
    let found = if book.cut {
        b.iter().all(|s| theirs.any(|x| x == s))
    } else {
        b == l
    };
    if !differs && answered && !b.is_empty() && !found {
        let list = |v: &[String]| match v {
            [] => "none".to_string(),
            v => v
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", "),
        };
        out.push(format!(
            "curl: the book shows the status line(s) {}; the lab's are {}",
            list(b),
            list(l)
        ));
    }
    // The `Server:` header says which server answered (`apache` is not the
    // lab's `nginx`), where both show one.
    if let (Some(b), Some(l)) = (&book.server, &lab.server)
        && b != l
    {
        out.push(format!(
            "curl: the book's answer names the server `{b}` (its `Server:` header); the lab's names `{l}`"
        ));
    }
    (out, true)
}

/// The titles nginx's own pages have: its default page's, and an error
/// page's (`404 Not Found`, whose status is compared).
fn nginx_title(t: &str) -> bool {
    t.eq_ignore_ascii_case("Welcome to nginx!") || facts::status_of_title(t).is_some()
}

/// Why the book's page cannot be the lab's server's, where the lab's page
/// has no title (a netns pod's nginx serves a line naming its pod): a
/// title that none of nginx's pages has (another server's page: a
/// difference), or a page with neither a title nor a line naming its pod
/// (`<h1>It works!</h1>`: the book may show another server's page, so
/// that both answered is no match).
fn another_server(book: &Facts, lab: &Facts) -> Option<Other> {
    if lab.answered != Some(true) || lab.title.is_some() {
        return None;
    }
    let labs = "the lab's page has no title (a netns pod's nginx serves a line naming its pod)";
    match (&book.title, &book.pod_page, &book.page_line) {
        (Some(t), ..) if !nginx_title(t) => Some(Other::Titled(format!(
            "the book's page has the title `{t}`, which none of nginx's pages has (its own is `Welcome to nginx!`); the lab's server is nginx, and {labs}: the book shows another server's page"
        ))),
        // A page cut (`...`) may have lost its title: whose it is is not
        // known. Shown whole, a page with neither nginx's title nor a line
        // naming the pod is not what the reader's curl prints (probe21be,
        // lesser 2: Apache's untitled `It works!` and a plain `Hello from a
        // pod on node2` were skipped, rc 0).
        (None, None, Some(l)) if book.cut => Some(Other::Unknown(format!(
            "the book's page (`{l}`) has no title and no line naming its pod, and is cut: {labs}, so which server's page the book shows is not known, and that it answered is no match"
        ))),
        (None, None, Some(l)) => Some(Other::Unnamed(format!(
            "the book's page (`{l}`) has no title and no line naming its pod: {labs}, so the book shows a page the reader's curl does not print"
        ))),
        _ => None,
    }
}

/// Judge a curl the lab ran (`r.lab` its output, `code` its exit) against
/// `book` (the book's lines in the lab's addresses).
pub fn judge(book: &[String], code: Option<i32>, r: &mut CommandReport) {
    let Some(code) = code else {
        r.differences
            .push(format!("`{}` was killed by a signal in the lab", r.command));
        return;
    };
    let lab = facts(&r.lab, Some(code));
    let theirs = facts(book, None);
    if let Some(Failure::Other(n)) = lab.failure {
        // Not an answer of the network: curl could not do its work.
        r.differences
            .push(format!("`{}` failed in the lab (exit {n})", r.command));
        return;
    }
    // A line that reads as curl's own only past ASCII is a claim lab
    // cannot read, named whatever else the book shows (probe21an, finding
    // 3: it was a page's text, and the curl skipped).
    // A line only a ping, a capture or a log prints is no curl's: never
    // its page (a capture's echo reply was a page that matched; a ping's
    // failure, a page with no title that was skipped: probe21bc, findings
    // 3, 4). No earlier command of its block prints it (it would be that
    // command's, [`super::line_shapes::regroup`]): whose it is is not known.
    if let Some((line, shape)) = not_curls_shape(book) {
        r.verdict = Verdict::NotUnderstood;
        r.reason = Some(format!(
            "the book shows `{line}` as this curl's output, a line only {} prints, never curl, and no command before it in the block prints it: lab cannot tell whose output it is, so it compared nothing with it",
            shape.printed_by()
        ));
        return;
    }
    let claims = claims::not_curls_own_past_ascii(book);
    if theirs.answered.is_none() && !claims.is_empty() {
        r.differences.extend(claims);
        return;
    }
    if theirs.answered.is_none() {
        r.verdict = Verdict::Skipped;
        r.reason = Some(format!(
            "the book shows no output of this curl (or cut it: `...`), so nothing says whether it answered; the lab's shows {lab}"
        ));
        return;
    }
    let other_page = another_server(&theirs, &lab);
    if other_page.is_none()
        && let (Some(t), None, Some(true)) = (&theirs.title, &lab.title, lab.answered)
    {
        r.why.push(format!(
            "the book's page has the title `{t}`; the lab's page has none (a netns pod's nginx serves a line naming its pod): the title is not compared, whether it answered is"
        ));
    }
    let (diffs, _) = differences(&theirs, &lab);
    r.differences.extend(diffs);
    r.differences.extend(claims);
    let head = r
        .command
        .split_whitespace()
        .any(|w| w == "--head" || (w.starts_with('-') && !w.starts_with("--") && w.contains('I')));
    r.differences.extend(facts::not_curls_own(book, head));
    // Curl's own words name whom it reached (`* Connected to X (ADDR)
    // port P`, `Trying ADDR:80`, `Host: ADDR`, `Failed to connect to
    // ADDR`): another address than the lab's curl reached is another
    // curl's output (the sixteenth probe: its status matched). Each such
    // line the book shows is held against the lab's of its kind, every
    // value of it (probe21ay, finding 5: only the first was, and a
    // `Connected to … port 8080` and `Host: ADDR` under it matched a lab
    // that printed port 80 and another address).
    r.differences.extend(peers::differ(book, &r.lab));
    let (d, mut uncompared) = headers::read(book, &r.lab, lab.title.is_some());
    r.differences.extend(d);
    // And every other `* ` line: a failure, a host, or named (probe21by).
    let (d, unread) = star_lines::read(book, &r.lab, code, &lab);
    r.differences.extend(d);
    uncompared.extend(unread);
    match other_page {
        // The lab's server is nginx: a page none of its pages is, titled
        // so, is not what the reader gets (probe21bc, lesser 7: skipped).
        Some(Other::Titled(why) | Other::Unnamed(why)) => {
            r.differences.push(format!("curl: {why}"))
        }
        Some(Other::Unknown(why)) if r.differences.is_empty() => {
            r.verdict = Verdict::Skipped;
            r.reason = Some(why);
        }
        _ => {}
    }
    super::printed_numbers::not_compared(r, uncompared);
}

/// The first of `book`'s lines (a curl's output as the book shows it) of
/// a shape curl never prints ([`super::line_shapes`]: a ping's, a
/// capture's, a log's), and its shape.
fn not_curls_shape(book: &[String]) -> Option<(String, super::line_shapes::Shape)> {
    use super::line_shapes::{Shape, shape};
    book.iter().find_map(|l| {
        shape(l)
            .filter(|s| matches!(s, Shape::Ping | Shape::Capture | Shape::Log))
            .map(|s| (l.trim().to_string(), s))
    })
}

/// Why the book's page is not the lab's server's ([`another_server`]).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Other {
    /// A title none of nginx's pages has: a difference.
    Titled(String),
    /// No title and no line naming its pod, shown whole: a difference.
    Unnamed(String),
    /// No title and no line naming its pod, cut: whose page is not known.
    Unknown(String),
}

/// The output the book should show for the lab's curl: the lab's lines
/// (already in the book's addresses), whose facts are what was compared.
pub fn rewrite(lab: &[String]) -> Vec<String> {
    let mut out: Vec<String> = lab.to_vec();
    while out.last().is_some_and(|l| l.trim().is_empty()) {
        out.pop();
    }
    out
}

#[cfg(test)]
#[path = "curl_tests.rs"]
mod tests;
