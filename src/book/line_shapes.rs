//! Lines of output that one kind of command prints and no other: a ping's
//! own lines, a capture's packet lines, a log's lines (flannel's messages,
//! with klog's header or a date or without), curl's status or error, a
//! page's markup ([`Shape`], [`shape`]); and which of them each command
//! lab knows prints ([`prints`]).
//!
//! A block's lines of such a shape are the output of the command of the
//! block that prints that shape, wherever the book shows them: after the
//! block's last command (inline, [`regroup`]), or in a block set apart or
//! paired below it ([`super::apart_output::printer`]). Read as the output
//! of the block's last command, a ping's failure shown below `ping …` /
//! `curl …` was curl's "page" (skipped: no title), its reply with a wrong
//! ttl never compared; a capture's echo reply below `curl` was curl's page
//! (a match); a flannel log naming the wrong interface below `kubectl logs
//! …` / `kubectl get nodes` was "not the output of `get nodes`" (skipped)
//! (probe21bc, findings 3, 4, 5). Lines of a shape no command of the block
//! prints are no command's: not understood, never another's body.

use super::compare;
use super::parse::Step;
use super::recognize::{Cmd, KubeAction, recognize};

/// A kind of line only some commands print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// ping's own: its header, a reply, an error, its statistics.
    Ping,
    /// tcpdump's: a packet line, its banner, its count at the end.
    Capture,
    /// A log's: flannel's messages, a klog line of flannel's sources, a
    /// dated line, a `level=` field.
    Log,
    /// curl's own: an HTTP status line, curl's error.
    Curl,
    /// A page's markup (`<title>…</title>`, `<html>`, `</body>`).
    Page,
}

impl Shape {
    /// Who prints it, said in a report.
    pub fn printed_by(self) -> &'static str {
        match self {
            Shape::Ping => "a ping",
            Shape::Capture => "a capture (tcpdump)",
            Shape::Log => "a log (`kubectl logs`)",
            Shape::Curl => "curl",
            Shape::Page => "curl (a page)",
        }
    }
}

/// The shape of `line`, when only some commands print it; None for a
/// blank line, a cut, prose, or a line many commands print.
pub fn shape(line: &str) -> Option<Shape> {
    let t = line.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("^c") || compare::is_elision(t) {
        return None;
    }
    if is_curls_own(t) {
        return Some(Shape::Curl);
    }
    if compare::is_pings_own(t) {
        return Some(Shape::Ping);
    }
    if super::apart_output::is_packet_line(t)
        || super::apart_output::is_capture_banner(t)
        || is_capture_count(t)
    {
        return Some(Shape::Capture);
    }
    if is_log(t) {
        return Some(Shape::Log);
    }
    is_markup(t).then_some(Shape::Page)
}

/// A ping's header (`PING 10.244.3.3 (10.244.3.3) 56(84) bytes of data.`,
/// busybox's `… : 56 data bytes`): it claims nothing of what came back.
pub fn is_ping_header(line: &str) -> bool {
    let t = line.trim().to_lowercase();
    t.starts_with("ping ") && (t.contains("bytes of data") || t.contains("data bytes"))
}

/// What a command prints of the [`Shape`]s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prints {
    /// A command lab knows: these shapes, and no other.
    Shapes(Vec<Shape>),
    /// A login (`vagrant ssh NODE`): what is shown below it stands in its
    /// banner's place, where lab reads it ([`super::replay`]'s login).
    Login,
    /// A command lab does not know: it may print anything.
    Unknown,
}

impl Prints {
    /// Whether it prints `shape`: a command lab does not know may.
    pub fn has(&self, shape: Shape) -> bool {
        match self {
            Prints::Shapes(s) => s.contains(&shape),
            Prints::Login => false,
            Prints::Unknown => true,
        }
    }
}

/// What `command` prints of the [`Shape`]s: a ping its own lines, a
/// capture its packets, `kubectl logs` a log, curl its status, error and
/// page, `cat` a file's (a log or a page); `kubectl exec POD -- CMD` and
/// `CMD | grep` what CMD prints; any other command lab knows none.
pub fn prints(command: &str) -> Prints {
    fn of(cmd: &Cmd) -> Prints {
        let s = |v: &[Shape]| Prints::Shapes(v.to_vec());
        match cmd {
            Cmd::Ssh { .. } => Prints::Login,
            Cmd::Ping { .. } => s(&[Shape::Ping]),
            Cmd::Tcpdump { .. } => s(&[Shape::Capture]),
            Cmd::Curl(_) => s(&[Shape::Curl, Shape::Page]),
            Cmd::Cat { .. } => s(&[Shape::Log, Shape::Page]),
            Cmd::Grep { inner, .. } => of(inner),
            Cmd::Kubectl(k) => match &k.action {
                KubeAction::Exec { cmd, .. } => of(cmd),
                KubeAction::Logs { .. } => s(&[Shape::Log]),
                _ => s(&[]),
            },
            _ => s(&[]),
        }
    }
    match recognize(command.trim().trim_start_matches("sudo ")) {
        Ok(c) => of(&c),
        Err(_) => Prints::Unknown,
    }
}

/// The first of `lines` whose shape `prints` does not print, and its
/// shape; a ping's header alone claims nothing (what came back is what
/// the book claims), and says no more.
pub fn foreign(prints: &Prints, lines: &[String]) -> Option<(String, Shape)> {
    lines.iter().filter(|l| !is_ping_header(l)).find_map(|l| {
        shape(l)
            .filter(|s| !prints.has(*s))
            .map(|s| (l.trim().to_string(), s))
    })
}

/// The latest of `steps` before the one at `line` that prints `shape`
/// (a command lab knows; a login prints none of them).
pub fn printer_before(steps: &[Step], line: usize, shape: Shape) -> Option<&Step> {
    steps
        .iter()
        .rev()
        .filter(|s| s.line < line)
        .find(|s| matches!(prints(&s.command), Prints::Shapes(v) if v.contains(&shape)))
}

/// Give each line of a shell block's output that its command does not
/// print, and an earlier command of the block does, to the latest such
/// command: a ping's lines shown after `ping …` / `curl …`, or after
/// `ping …` / `exit`, are the ping's; a capture's after `tcpdump …` /
/// `curl …` the capture's; a log's after `kubectl logs …` / `kubectl get
/// nodes` the log's. The lines between two of one shape go with them (a
/// blank line, a cut). A command lab does not know, or a login, keeps
/// what is shown below it; lines no earlier command prints stay, where
/// the command's comparison reads them (curl's: not understood,
/// [`super::curl::judge`]).
pub fn regroup(steps: &mut [Step]) {
    for i in 1..steps.len() {
        let own = prints(&steps[i].command);
        if !matches!(own, Prints::Shapes(_)) || foreign(&own, &steps[i].output).is_none() {
            continue;
        }
        // Whose each line is: a shaped line decides, the lines after it
        // (blank, a cut, prose) go with it.
        let mut whose = Vec::with_capacity(steps[i].output.len());
        let mut owner = i;
        for l in &steps[i].output {
            if let Some(s) = shape(l) {
                owner = match own.has(s) {
                    true => i,
                    false => printer_before(&steps[..i], steps[i].line, s)
                        .and_then(|p| steps.iter().position(|x| x.line == p.line))
                        .unwrap_or(i),
                };
            }
            whose.push(owner);
        }
        if whose.iter().all(|o| *o == i) {
            continue;
        }
        let output = std::mem::take(&mut steps[i].output);
        let at = std::mem::take(&mut steps[i].output_at);
        for (k, (l, n)) in output.into_iter().zip(at).enumerate() {
            let to = &mut steps[whose[k]];
            to.output.push(l);
            to.output_at.push(n);
        }
        let mut changed = whose;
        changed.sort_unstable();
        changed.dedup();
        for k in changed {
            tidy(&mut steps[k]);
        }
    }
}

/// `s`'s output in the order of its lines, without blank lines at either
/// end.
fn tidy(s: &mut Step) {
    let mut lines: Vec<(usize, String)> = s
        .output_at
        .iter()
        .copied()
        .zip(std::mem::take(&mut s.output))
        .collect();
    lines.sort_by_key(|(n, _)| *n);
    while lines.last().is_some_and(|(_, l)| l.trim().is_empty()) {
        lines.pop();
    }
    let blank = lines
        .iter()
        .take_while(|(_, l)| l.trim().is_empty())
        .count();
    lines.drain(..blank);
    (s.output_at, s.output) = lines.into_iter().unzip();
}

/// tcpdump's count when it stops (`1 packet captured`, `0 packets
/// received by filter`, `0 packets dropped by kernel`).
fn is_capture_count(t: &str) -> bool {
    let Some((n, what)) = t.split_once(' ') else {
        return false;
    };
    n.parse::<u64>().is_ok()
        && [
            "packet captured",
            "packets captured",
            "packet received by filter",
            "packets received by filter",
            "packet dropped by kernel",
            "packets dropped by kernel",
        ]
        .contains(&compare::squash(what).as_str())
}

/// curl's own line: an HTTP status line (`HTTP/1.1 200 OK`, `-v`'s `<
/// HTTP/1.1 200 OK`), curl's error (`curl: (7) …`), `-v`'s word that the
/// connection failed. Not kubectl's `command terminated with exit code N`
/// (any command in a pod), nor a `-w` code alone (any number).
fn is_curls_own(t: &str) -> bool {
    if t.starts_with("command terminated with exit code") {
        return false;
    }
    let f = super::curl::facts(&[t.to_string()], None);
    !f.status_lines.is_empty() || f.failure.is_some()
}

/// A line of a page's markup: it opens with an HTML tag (`<title>`,
/// `<!DOCTYPE html>`, `</body>`); kubectl's `<none>` is none.
fn is_markup(t: &str) -> bool {
    const TAGS: &[&str] = &[
        "!doctype", "!--", "html", "head", "body", "title", "meta", "link", "style", "script",
        "h1", "h2", "h3", "h4", "h5", "h6", "p", "div", "span", "center", "hr", "br", "a", "em",
        "strong", "b", "i", "pre", "table", "tr", "td", "th", "ul", "ol", "li", "address", "img",
    ];
    let Some(rest) = t.strip_prefix('<') else {
        return false;
    };
    let rest = rest.strip_prefix('/').unwrap_or(rest).to_ascii_lowercase();
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '!' || *c == '-')
        .collect();
    let after = rest[name.len()..].chars().next();
    TAGS.contains(&name.as_str()) && matches!(after, Some('>' | ' ' | '/') | None)
}

/// A log's line: one of flannel's messages (bare, after klog's header or a
/// date), a klog line of one of flannel's source files, a line opening
/// with a date (`2018-04-21T11:29:35Z …`, `2018/04/21 11:29:35 …`), or one
/// with a `level=` field. kubectl's and kubeadm's own klog lines (`W1206 …
/// warnings.go:70] …`, above a table) are none: they print them too.
fn is_log(t: &str) -> bool {
    if let Some((file, msg)) = klog(t) {
        return FLANNEL_FILES.contains(&file) || flannels(msg);
    }
    let b = t.as_bytes();
    let dated = b.len() > 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && matches!(b[4], b'-' | b'/')
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b[4]
        && b[8..10].iter().all(u8::is_ascii_digit);
    dated || t.split_whitespace().any(|w| w.starts_with("level=")) || flannels(t)
}

/// klog's line (`I1127 11:58:30.985486       1 main.go:210] MSG`): its
/// source file and its message.
fn klog(t: &str) -> Option<(&str, &str)> {
    static KLOG: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"^[IWEF]\d{4} \d{2}:\d{2}:\d{2}(?:\.\d+)?\s+(?:\d+\s+)?([\w.-]+):\d+\]\s?(.*)$",
        )
        .expect("klog's header")
    });
    let c = KLOG.captures(t)?;
    Some((c.get(1)?.as_str(), c.get(2)?.as_str()))
}

/// flanneld's source files (its klog lines name them).
const FLANNEL_FILES: &[&str] = &[
    "main.go",
    "kube.go",
    "match.go",
    "vxlan.go",
    "vxlan_network.go",
    "iptables.go",
    "ipmasq.go",
    "subnet.go",
    "device.go",
    "route_network.go",
    "local_manager.go",
];

/// Whether `msg` is one of flanneld's messages (v0.10 to today's).
fn flannels(msg: &str) -> bool {
    const OPENS: &[&str] = &[
        "Determining IP address of default interface",
        "Determining interface to use based on given ifcanreach",
        "Searching for interface using",
        "Using interface with name ",
        "Defaulting external address to interface address",
        "Could not find valid interface matching",
        "Failed to find any valid interface to use",
        "Failed to find interface to use that matches",
        "CLI flags config:",
        "Starting kube subnet manager",
        "Node controller sync successful",
        "Created subnet manager:",
        "Installing signal handlers",
        "Found network config - Backend type:",
        "VXLAN config:",
        "Acquired lease ",
        "Setting up masking rules",
        "Changing default FORWARD chain policy to ACCEPT",
        "Wrote subnet file to",
        "Running backend.",
        "watching for new subnet leases",
        "Subnet added: ",
        "Subnet removed: ",
        "Error registering network:",
    ];
    let m = msg.trim();
    OPENS.iter().any(|o| m.starts_with(o))
        || (m.starts_with("Using ") && m.ends_with(" as external address"))
        || (m.starts_with("Waiting ") && m.ends_with("for node controller to sync"))
}

#[cfg(test)]
#[path = "line_shapes_tests.rs"]
mod tests;
