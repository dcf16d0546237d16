//! What a curl's output says ([`Facts`]): whether it answered, its HTTP
//! status, why it did not answer ([`Failure`], by meaning), its page's
//! `<title>`; read the same from the book's lines and from the lab's.

use std::fmt;

/// Why a curl got no answer, by meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    TimedOut,
    Refused,
    NoRoute,
    NotResolved,
    /// Exit 7 without the kernel's reason (curl 7.8x says `Couldn't
    /// connect to server` for a refusal and a route error alike).
    CouldNotConnect,
    /// Another curl error: its exit code.
    Other(i32),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::TimedOut => write!(f, "timed out"),
            Failure::Refused => write!(f, "connection refused"),
            Failure::NoRoute => write!(f, "no route to the host"),
            Failure::NotResolved => write!(f, "the host not resolved"),
            Failure::CouldNotConnect => write!(f, "could not connect"),
            Failure::Other(n) => write!(f, "curl error {n}"),
        }
    }
}

impl Failure {
    /// The same failure as `other`, by meaning: a bare "could not connect"
    /// is a refusal or a route error worded by a newer curl.
    pub fn agrees(&self, other: &Failure) -> bool {
        use Failure::*;
        self == other
            || matches!(
                (self, other),
                (CouldNotConnect, Refused | NoRoute) | (Refused | NoRoute, CouldNotConnect)
            )
    }
}

/// What a curl's output says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// Whether it answered; None: the output does not say.
    pub answered: Option<bool>,
    pub status: Option<u16>,
    pub failure: Option<Failure>,
    pub title: Option<String>,
    /// The page a netns pod serves names its pod and node (`NAME on
    /// NODE`): which pod answered, where a book shows such a page.
    pub pod_page: Option<String>,
    /// The product of the `Server:` header (`nginx` of `Server:
    /// nginx/1.13.12`, `apache` of `Server: Apache/2.4.29 (Ubuntu)`).
    pub server: Option<String>,
    /// The book's `Server:` header's value as written (`nginx/1.13.12`):
    /// said in a difference sentence, never compared (the lab's version is
    /// its own, so the lab's is not kept).
    pub server_header: Option<String>,
    /// Every status line, as written (spaces aside, `-v`'s `< ` taken
    /// off): protocol, code and words (`HTTP/1.1 200 OK`), in order.
    pub status_lines: Vec<String>,
    /// Whether the output was cut (`...`): its status lines are some of
    /// those that came.
    pub cut: bool,
    /// The first line of a page that is no status, header, curl's own line
    /// or write-out: the page's own text (`<h1>It works!</h1>`).
    pub page_line: Option<String>,
}

impl fmt::Display for Facts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.answered, &self.failure) {
            (Some(false), Some(why)) => return write!(f, "no answer ({why})"),
            (Some(false), None) => return write!(f, "no answer"),
            (None, _) => return write!(f, "nothing"),
            _ => {}
        }
        // Every status line as written, protocol and words, and the
        // book's `Server:`: the sentence keys a known-drift entry, which
        // then explains no other answer (probe21by, finding 2: "an answer
        // (HTTP 200)" stayed known after the book's `HTTP/1.0` and
        // `Server: Microsoft-IIS/10.0`).
        let mut said: Vec<String> = self.status_lines.iter().map(|s| format!("`{s}`")).collect();
        if let (true, Some(s)) = (said.is_empty(), self.status) {
            said.push(format!("HTTP {s}"));
        }
        if let Some(s) = &self.server_header {
            said.push(format!("`Server: {s}`"));
        }
        if let Some(t) = &self.title {
            said.push(format!("the title `{t}`"));
        }
        if let Some(p) = &self.pod_page {
            said.push(format!("the page `{p}`"));
        }
        if said.is_empty() {
            write!(f, "an answer")
        } else {
            write!(f, "an answer ({})", said.join(", "))
        }
    }
}

/// curl's error line: `curl: (N) message`.
pub(super) fn error_line(l: &str) -> Option<(i32, &str)> {
    let r = l.trim().strip_prefix("curl: (")?;
    let (n, msg) = r.split_once(')')?;
    Some((n.parse().ok()?, msg.trim()))
}

fn failure_of(code: i32, msg: &str) -> Failure {
    let low = msg.to_lowercase();
    if code == 28 || low.contains("timed out") || low.contains("timeout was reached") {
        Failure::TimedOut
    } else if low.contains("connection refused") {
        Failure::Refused
    } else if low.contains("no route to host")
        || low.contains("network is unreachable")
        || low.contains("host is unreachable")
    {
        Failure::NoRoute
    } else if code == 6 || low.contains("resolve host") {
        Failure::NotResolved
    } else if code == 7 {
        Failure::CouldNotConnect
    } else {
        Failure::Other(code)
    }
}

/// Whether a `-v` line (lowercased, after its `*`) says the connection
/// was not made.
fn connect_failed(low: &str) -> bool {
    [
        "failed to connect",
        "connection timed out",
        "connection refused",
        "no route to host",
        "network is unreachable",
        "couldn't connect",
        "could not resolve",
        "timed out after",
    ]
    .iter()
    .any(|w| low.contains(w))
        || (low.contains("connect to ") && low.contains(" failed"))
}

/// An HTTP status line (`HTTP/1.1 200 OK`, `< HTTP/1.1 200 OK`, `HTTP/2 200`).
fn status_line(l: &str) -> Option<u16> {
    let t = l.trim().trim_start_matches("< ");
    let (proto, rest) = t.split_once(' ')?;
    if !proto.starts_with("HTTP/") {
        return None;
    }
    let code = rest.split_whitespace().next()?;
    (code.len() == 3).then(|| code.parse().ok()).flatten()
}

fn title(l: &str) -> Option<String> {
    let low = l.to_lowercase();
    let i = low.find("<title>")? + "<title>".len();
    let j = low[i..].find("</title>")? + i;
    Some(crate::book::compare::squash(&l[i..j]))
}

/// A netns pod's page (`nginx-deployment-node1-0 on node1`): two names
/// joined by ` on `, nothing else on the line.
fn pod_page(l: &str) -> Option<String> {
    let t = l.trim();
    let (pod, node) = t.split_once(" on ")?;
    let name = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
    };
    (name(pod) && name(node)).then(|| t.to_string())
}

/// The product a `Server:` header names, lowercased (`< Server: X` of
/// `-v` too).
fn server(l: &str) -> Option<String> {
    let t = l.trim().trim_start_matches("< ");
    let (name, value) = t.split_once(':')?;
    if !name.eq_ignore_ascii_case("server") {
        return None;
    }
    let product = value.split_whitespace().next()?.split('/').next()?;
    (!product.is_empty()).then(|| product.to_lowercase())
}

/// Whether a line is curl's or HTTP's own rather than the page's: `-v`'s
/// (`* `, `> `, `< `, `{ `, `} `), a header (`Name: value`), curl's error,
/// its progress meter, kubectl's exit line.
fn not_page(l: &str) -> bool {
    let t = l.trim();
    // A header's name opens with a letter: `20:55:02.971300 IP …` (a
    // capture's packet line) is none, and was read as one (probe21bc,
    // finding 4: no page line, so "it answered" matched).
    let header = t.split_once(':').is_some_and(|(name, _)| {
        name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    ["* ", "> ", "< ", "{ ", "} "]
        .iter()
        .any(|p| t.starts_with(p))
        || ["*", ">", "<"].contains(&t)
        || header
        || status_line(t).is_some()
        || error_line(t).is_some()
        || t.contains("% Total")
        || t.contains("Dload")
        || t.contains("--:--:--")
        || t.starts_with("command terminated with exit code ")
}

/// The status an HTTP error page's title names: three digits from 100 to
/// 599, then the reason (`404 Not Found`).
pub(super) fn status_of_title(t: &str) -> Option<u16> {
    let (code, reason) = t.split_once(' ')?;
    let n: u16 = code.parse().ok()?;
    (code.len() == 3 && (100..600).contains(&n) && !reason.trim().is_empty()).then_some(n)
}

/// The facts of a curl's output; `code`: its exit code, when it ran (the
/// lab's), None for the book's (read from its lines alone).
pub fn facts(lines: &[String], code: Option<i32>) -> Facts {
    let mut f = Facts {
        cut: lines.iter().any(|l| crate::book::compare::is_elision(l)),
        ..Facts::default()
    };
    let mut written = None;
    // A cut (`...`) says that output was there, not what it was. A book
    // line that reads as curl's own only past ASCII says nothing lab can
    // read: no fact, and no page's text (named by `judge`).
    let lines: Vec<&String> = lines
        .iter()
        .filter(|l| !crate::book::compare::is_elision(l))
        .filter(|l| code.is_some() || super::claims::reads_as_curls(l).is_none())
        .collect();
    let mut connected = false;
    let mut verbose_failure = None;
    for l in lines.iter().copied() {
        // `-v`'s account of a connection: `* Connected to ...`, or why
        // none was made (`curl -sv` prints no `curl: (N)` line).
        if let Some(said) = l.trim().strip_prefix('*') {
            let low = said.to_lowercase();
            connected |= low.trim_start().starts_with("connected to");
            if verbose_failure.is_none() && connect_failed(&low) {
                verbose_failure = Some(failure_of(7, said));
            }
        }
        // kubectl's words for a command in a pod that failed (a silent
        // curl's exit).
        if f.failure.is_none()
            && let Some(n) = l
                .trim()
                .strip_prefix("command terminated with exit code ")
                .and_then(|n| n.trim().parse::<i32>().ok())
            && n != 0
        {
            f.failure = Some(failure_of(n, ""));
        }
        if f.status.is_none() {
            f.status = status_line(l);
        }
        if status_line(l).is_some() {
            let t = l.trim().trim_start_matches("< ");
            f.status_lines.push(crate::book::compare::squash(t));
        }
        // `-w '%{http_code}'`: three digits on a line of their own.
        let t = l.trim();
        let code_line = t.len() == 3 && t.bytes().all(|b| b.is_ascii_digit());
        if code_line {
            written = t.parse::<u16>().ok();
        }
        if f.title.is_none() {
            f.title = title(l);
        }
        if f.pod_page.is_none() {
            f.pod_page = pod_page(l);
        }
        if f.server.is_none() {
            f.server = server(l);
            if code.is_none() && f.server.is_some() {
                f.server_header = l
                    .trim()
                    .trim_start_matches("< ")
                    .split_once(':')
                    .map(|(_, v)| crate::book::compare::squash(v));
            }
        }
        if f.page_line.is_none() && !t.is_empty() && !code_line && !not_page(l) {
            f.page_line = Some(crate::book::compare::squash(t));
        }
        if f.failure.is_none()
            && let Some((n, msg)) = error_line(l)
        {
            f.failure = Some(failure_of(n, msg));
        }
    }
    // An error page says its status in its title (`<title>503 Service
    // Temporarily Unavailable</title>`): the status when no line says it.
    if f.status.is_none() {
        f.status = f.title.as_deref().and_then(status_of_title);
    }
    if f.failure.is_none() && f.status.is_none() && !connected {
        f.failure = verbose_failure;
    }
    match written {
        Some(0) if code.is_none() && f.failure.is_none() => f.answered = Some(false),
        Some(n) if n > 0 && f.status.is_none() => f.status = Some(n),
        _ => {}
    }
    if f.answered == Some(false) {
        return f;
    }
    f.answered = match code {
        Some(0) => Some(true),
        Some(n) => {
            if f.failure.is_none() {
                f.failure = Some(failure_of(n, ""));
            }
            Some(false)
        }
        None if f.failure.is_some() => Some(false),
        None if f.status.is_some() || f.title.is_some() || f.pod_page.is_some() => Some(true),
        // Lines that are no error: a page, or the exchange of -v.
        None if lines.iter().any(|l| !l.trim().is_empty()) => Some(true),
        None => None,
    };
    f
}

/// The book lines among a curl's headers (`curl -I`, `-v`: no page shown)
/// that curl does not print: a curl is compared by its status line, so
/// such a line (a command the reader types, read as output) was passed
/// over (probe21ab, rule A). A page's lines are the page's: with `head`
/// false (no `-I`), what follows the headers' blank line is one.
pub fn not_curls_own(book: &[String], head: bool) -> Vec<String> {
    static OWN: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"^(?:HTTP/|[A-Za-z0-9-]+:(?:\s|$)|[*<>{}]|curl: \(|command terminated with exit code |[\d\s.kMG:-]+$)|% Total|Dload",
        )
        .expect("curl's own")
    });
    let status = |l: &str| l.trim_start_matches(['<', ' ']).starts_with("HTTP/");
    let page = book.iter().any(|l| {
        let t = l.trim_start();
        t.starts_with('<') && t[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '!')
    });
    if page || !book.iter().any(|l| status(l)) {
        return Vec::new();
    }
    let mut seen_status = false;
    let mut out = Vec::new();
    for l in book {
        let t = l.trim();
        if t.is_empty() {
            if seen_status && !head {
                break;
            }
            continue;
        }
        seen_status |= t.starts_with("HTTP/");
        // One read as curl's own past ASCII is named by `judge`.
        let past_ascii = super::claims::reads_as_curls(t).is_some();
        if !crate::book::compare::is_elision(t) && !OWN.is_match(t) && !past_ascii {
            out.push(format!(
                "curl: the book shows a line among the headers that curl does not print: `{t}`"
            ));
        }
    }
    out
}
