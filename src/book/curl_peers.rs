//! Whom a curl's own lines say it reached (`*   Trying ADDR:80...`, `*
//! Connected to NAME (ADDR) port P`, `> Host: ADDR`, `curl: (7) Failed to
//! connect to ADDR port P`), the book's held against the lab's line by line
//! of each kind, every value of it. Apart from `curl.rs` for its size.
//!
//! Probe21ay, finding 5: only the first such line was compared, so a
//! `Connected to 10.244.1.2 (10.244.3.3) port 8080` and a `Host:
//! 10.244.3.3` under a right `Trying` matched a lab that printed port 80
//! and 10.244.1.2.

/// The differences between whom the book's curl lines say it reached and
/// the lab's: line by line of each kind both show ([`peer_lines`]), and
/// where no kind is shown by both, the first of each (an error's `Failed
/// to connect to` against the lab's `Trying`). Addresses always, ports
/// where both show one, a `Connected to` line's name and a `Host:`
/// header's whole value as printed.
pub(super) fn differ(book: &[String], lab: &[String]) -> Vec<String> {
    let (b, l) = (peer_lines(book), peer_lines(lab));
    let differ = |x: &Peer, y: &Peer| {
        x.addr != y.addr
            || matches!((&x.port, &y.port), (Some(p), Some(q)) if p != q)
            || matches!((&x.name, &y.name), (Some(p), Some(q)) if p != q)
    };
    let said = |x: &Peer, y: &Peer| {
        if x.kind == y.kind {
            format!(
                "curl: the book's `{}` line says {}; the lab's curl's says {}",
                x.kind,
                x.shown(),
                y.shown()
            )
        } else {
            format!(
                "curl: the book's output reached {}; the lab's curl reached {}",
                x.reached(),
                y.reached()
            )
        }
    };
    let both: Vec<(&Peer, &Peer)> = b
        .iter()
        .filter_map(|x| Some((x, l.iter().find(|y| y.kind == x.kind)?)))
        .collect();
    if both.is_empty() {
        return match (b.first(), l.first()) {
            (Some(x), Some(y))
                if x.addr != y.addr
                    || matches!((&x.port, &y.port), (Some(p), Some(q)) if p != q) =>
            {
                vec![said(x, y)]
            }
            _ => Vec::new(),
        };
    }
    both.into_iter()
        .filter(|(x, y)| differ(x, y))
        .map(|(x, y)| said(x, y))
        .collect()
}

/// One of curl's lines naming whom it reached: its kind (`Trying`,
/// `Connected to`, `Failed to connect to`, `Host:`), the address, the port
/// where shown, and a `Connected to NAME (ADDR)`'s name or a `Host:`
/// header's whole value.
#[derive(Debug, PartialEq, Eq)]
struct Peer {
    kind: &'static str,
    addr: String,
    port: Option<String>,
    name: Option<String>,
}

impl Peer {
    fn reached(&self) -> String {
        match &self.port {
            Some(p) => format!("{}:{p}", self.addr),
            None => self.addr.clone(),
        }
    }

    fn shown(&self) -> String {
        match (self.kind, &self.name) {
            ("Host:", Some(n)) => format!("`{n}`"),
            (_, Some(n)) => format!("{n} ({})", self.reached()),
            _ => self.reached(),
        }
    }
}

/// The first line of each kind curl's verbose or error lines name whom it
/// reached by, in order.
fn peer_lines(lines: &[String]) -> Vec<Peer> {
    const KINDS: [(&str, &str); 4] = [
        ("connected to ", "Connected to"),
        ("trying ", "Trying"),
        ("failed to connect to ", "Failed to connect to"),
        ("host: ", "Host:"),
    ];
    let mut out: Vec<Peer> = Vec::new();
    for l in lines {
        let t = l.trim().trim_start_matches(['*', '>', ' ']);
        let lower = t.to_lowercase();
        let Some((kind, rest)) = KINDS
            .iter()
            .find_map(|(k, kind)| lower.find(k).map(|i| (*kind, &t[i + k.len()..])))
        else {
            continue;
        };
        if out.iter().any(|p| p.kind == kind) {
            continue;
        }
        let Some(reached) = peer(std::slice::from_ref(l)) else {
            continue;
        };
        let (mut addr, port) = match reached.split_once(':') {
            Some((a, p)) => (a.to_string(), Some(p.to_string())),
            None => (reached, None),
        };
        // `Connected to NAME (ADDR)`: the address is the one in brackets,
        // the name the URL's host.
        if kind == "Connected to"
            && let Some(inside) = rest.split_once('(').and_then(|(_, r)| r.split_once(')'))
        {
            addr = inside.0.trim().to_string();
        }
        let name = match kind {
            "Host:" => Some(rest.trim().to_string()),
            "Connected to" => rest
                .split_whitespace()
                .next()
                .filter(|w| !w.starts_with('('))
                .map(str::to_string),
            _ => None,
        };
        out.push(Peer {
            kind,
            addr,
            port,
            name,
        });
    }
    out
}

/// The address (and port, where shown) curl's verbose or error lines say
/// it reached or tried first.
pub(super) fn peer(lines: &[String]) -> Option<String> {
    let ip = |w: &str| -> Option<String> {
        let w = w.trim_matches(|c: char| "()[].,:".contains(c));
        let (host, port) = match w.split_once(':') {
            Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => (h, Some(p)),
            _ => (w, None),
        };
        let a: std::net::Ipv4Addr = host.parse().ok()?;
        Some(match port {
            Some(p) if !p.is_empty() => format!("{a}:{p}"),
            _ => a.to_string(),
        })
    };
    lines.iter().find_map(|l| {
        let t = l.trim().trim_start_matches(['*', '>', ' ']);
        let lower = t.to_lowercase();
        let rest = [
            "connected to ",
            "trying ",
            "failed to connect to ",
            "host: ",
        ]
        .iter()
        .find_map(|k| lower.find(k).map(|i| &t[i + k.len()..]))?;
        // `Connected to NAME (ADDR) port 80`: the address in brackets.
        let words: Vec<&str> = rest.split_whitespace().collect();
        let port = words
            .iter()
            .position(|w| *w == "port")
            .and_then(|i| words.get(i + 1))
            .map(|p| p.trim_matches(|c: char| !c.is_ascii_digit()));
        let addr = words.iter().take(3).find_map(|w| ip(w))?;
        Some(match port {
            Some(p) if !p.is_empty() && !addr.contains(':') => format!("{addr}:{p}"),
            _ => addr,
        })
    })
}
