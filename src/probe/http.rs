//! `http: { pod, on, port, path }` (or a node or an address) from a node or
//! a pod: one GET with short deadlines, judged by its status, or as
//! unreachable on evidence, which the result names: the kernel's verdict on
//! the path ([`super::path`]), a connection the network refused with an
//! error (`No route to host`), or no answer within a deadline derived from
//! the lab's round-trip time ([`super::deadline`]).

use super::expect::{Accepts, Expect};
use super::parse::{Port, RawPodRef, Resolver};
use super::target::{Endpoint, Target, nodes_of};
use super::{At, Cx, Judged, Place, Probe, ProbeKind, Traffic, held, misfit, path};
use crate::report::Verdict;
use async_trait::async_trait;
use serde_norway::Value;
use std::net::Ipv4Addr;
use std::sync::Arc;

pub struct Kind;

/// `{ pod: nginx, on: node2, port: 80, path: / }`
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    pod: Option<String>,
    on: Option<String>,
    port: Option<Port>,
    path: Option<String>,
}

impl ProbeKind for Kind {
    fn key(&self) -> &'static str {
        "http"
    }
    fn place(&self) -> Place {
        Place::From
    }
    fn parse(&self, r: &mut Resolver, at: At, v: &Value) -> Option<Arc<dyn Probe>> {
        let At::From(from) = at else { return None };
        let (to, port, path) = match v {
            Value::String(s) => (r.target_name(s, "http")?, None, None),
            Value::Mapping(_) => {
                let raw: RawHttp = r.strict(v, "http", |k| {
                    format!("unknown key '{k}' (a http probe has: pod, on, port, path)")
                })?;
                let (app, on) = r.pod_ref(
                    "http",
                    &RawPodRef {
                        pod: raw.pod,
                        on: raw.on,
                    },
                )?;
                (Target::Pod { app, on }, raw.port, raw.path)
            }
            _ => {
                r.bad(
                    "http",
                    "must be a node, an IP, or { pod: <app>, on: <node> }",
                );
                return None;
            }
        };
        let port = match port {
            Some(p) => p.0,
            None => r
                .lab
                .workloads
                .iter()
                .find(|w| matches!(&to, Target::Pod { app, .. } if *app == w.app))
                .map_or(80, |w| w.port),
        };
        let path = path.unwrap_or_else(|| "/".into());
        if !path.starts_with('/')
            || !path
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b'\'' && b != b'"' && b != b'\\')
        {
            r.bad(
                "http.path",
                "must be a URL path starting with / (no quotes or spaces)",
            );
        }
        Some(Arc::new(Http {
            from,
            to,
            port,
            path,
        }))
    }
    fn programs(&self) -> &'static [&'static str] {
        &["curl"]
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Http {
    pub from: Endpoint,
    pub to: Target,
    pub port: u16,
    pub path: String,
}

#[async_trait]
impl Probe for Http {
    fn label(&self) -> String {
        format!(
            "{} → http://{}:{}{}",
            self.from, self.to, self.port, self.path
        )
    }
    fn nodes(&self) -> Vec<String> {
        nodes_of(self.from.node(), self.to.node())
    }
    fn accepts(&self) -> Accepts {
        Accepts {
            words: true,
            status: true,
            described: "unreachable or { status: N }",
            ..Accepts::NONE
        }
    }
    async fn check(&self, cx: &Cx<'_>, expect: &Expect) -> Vec<Judged> {
        let mut traffic = None;
        let seen = async {
            let ip = cx.ip(&self.to)?;
            let cmd = command(ip, self.port, &self.path);
            traffic = Some(Traffic {
                from: self.from.clone(),
                to: ip,
                command: cmd.clone(),
            });
            if *expect != Expect::Unreachable {
                let out = cx.run_from(&self.from, &cmd).await?;
                let (v, t) = judge(expect, &parse(&out.text()), "1 s");
                return Ok((v, t, format!("$ {cmd}\n{}", out.text())));
            }
            // Expected unreachable: the kernel's tables first, then one GET
            // whose connection waits a deadline derived from the lab's
            // round-trip time.
            let (deadline, mut text) = match path::unreachable(cx, &self.from, ip).await? {
                path::Unreachable::Decided(judged) => return Ok(judged),
                path::Unreachable::Wait(deadline, text) => (deadline, text),
            };
            let cmd = command_within(ip, self.port, &self.path, &deadline.seconds());
            let out = cx.run_from(&self.from, &cmd).await?;
            text.push_str(&format!("$ {cmd}\n{}", out.text()));
            let (v, t) = judge(expect, &parse(&out.text()), &deadline.to_string());
            Ok((v, t, text))
        }
        .await;
        vec![Judged::of(self, seen).replay(traffic)]
    }
}

/// An HTTP GET with short deadlines; prints the status and curl's exit code.
pub fn command(ip: Ipv4Addr, port: u16, path: &str) -> String {
    command_within(ip, port, path, "1")
}

/// An HTTP GET whose connection waits `connect` seconds; once connected,
/// the answer may take two seconds.
/// The URL is one quoted word (a lab file's `path:` is never shell: the
/// probe runs as root in the host's files) and never a curl glob (`-g`).
pub fn command_within(ip: Ipv4Addr, port: u16, path: &str, connect: &str) -> String {
    format!(
        "curl -gsS -o /dev/null -w '%{{http_code}}' --connect-timeout {connect} --max-time 2 {}; echo \" curl-exit=$?\"",
        crate::shell::quote(&format!("http://{ip}:{port}{path}"))
    )
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpResult {
    Status(u16),
    /// No answer within the deadline.
    Timeout,
    /// The address answered but nothing listens on the port.
    Refused,
    /// The connection failed with an answer of the network (an ICMP error
    /// or the kernel's own: `No route to host`, `Network is unreachable`).
    NoRoute {
        detail: String,
    },
    Broken {
        detail: String,
    },
}

pub fn parse(out: &str) -> HttpResult {
    let Some(exit) = out
        .split_whitespace()
        .find_map(|w| w.strip_prefix("curl-exit="))
    else {
        return HttpResult::Broken {
            detail: format!("curl did not run: {}", out.trim()),
        };
    };
    match exit {
        "0" => out
            .split_whitespace()
            .next()
            .and_then(|s| s.parse().ok())
            .map(HttpResult::Status)
            .unwrap_or(HttpResult::Broken {
                detail: out.trim().into(),
            }),
        "28" => HttpResult::Timeout,
        "7" => ["No route to host", "Network is unreachable"]
            .into_iter()
            .find(|w| out.contains(w))
            .map_or(HttpResult::Refused, |w| HttpResult::NoRoute {
                detail: format!("connect: {w}"),
            }),
        e => HttpResult::Broken {
            detail: format!("curl exited {e}: {}", out.trim()),
        },
    }
}

/// Compare an answer with what is expected; `waited`: how long the
/// connection waited, in words.
pub fn judge(expect: &Expect, seen: &HttpResult, waited: &str) -> (Verdict, String) {
    match (expect, seen) {
        (_, HttpResult::Broken { detail }) => (Verdict::Error, detail.clone()),
        (Expect::Status(want), HttpResult::Status(got)) => held(want == got, format!("HTTP {got}")),
        (Expect::Reachable { .. }, HttpResult::Status(got)) => held(true, format!("HTTP {got}")),
        (Expect::Unreachable, HttpResult::Timeout) => held(
            true,
            format!("unreachable (decided by: no answer within {waited})"),
        ),
        (Expect::Unreachable, HttpResult::NoRoute { detail }) => {
            held(true, format!("unreachable (decided by: {detail})"))
        }
        (Expect::Unreachable, HttpResult::Status(s)) => held(false, format!("HTTP {s}")),
        (_, HttpResult::Refused) => held(
            false,
            "connection refused (the pod answers, nothing listens)".into(),
        ),
        (Expect::Status(_) | Expect::Reachable { .. }, HttpResult::Timeout) => {
            held(false, format!("no answer within {waited}"))
        }
        (Expect::Status(_) | Expect::Reachable { .. }, HttpResult::NoRoute { detail }) => {
            held(false, format!("unreachable ({detail})"))
        }
        (e, _) => misfit(e, "an HTTP request"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_outputs() {
        assert_eq!(parse("200 curl-exit=0"), HttpResult::Status(200));
        assert_eq!(parse("000 curl-exit=28"), HttpResult::Timeout);
        assert_eq!(
            parse("000curl: (7) Failed to connect curl-exit=7"),
            HttpResult::Refused
        );
        assert_eq!(
            parse(
                "000curl: (7) Failed to connect to 10.244.2.2 port 80: No route to host curl-exit=7"
            ),
            HttpResult::NoRoute {
                detail: "connect: No route to host".into()
            }
        );
        assert!(matches!(
            parse("sh: curl: not found"),
            HttpResult::Broken { .. }
        ));
    }

    #[test]
    fn unreachable_passes_only_on_no_answer() {
        let e = Expect::Unreachable;
        assert_eq!(judge(&e, &HttpResult::Timeout, "1 s").0, Verdict::Pass);
        assert_eq!(judge(&e, &HttpResult::Refused, "1 s").0, Verdict::Fail);
        assert_eq!(judge(&e, &HttpResult::Status(200), "1 s").0, Verdict::Fail);
        assert_eq!(
            judge(&Expect::Status(200), &HttpResult::Timeout, "1 s").0,
            Verdict::Fail
        );
        assert_eq!(
            judge(&Expect::Status(200), &HttpResult::Status(200), "1 s").0,
            Verdict::Pass
        );
    }

    /// A lab file's `path:` is part of the URL, never shell: the probe runs
    /// in the node's network alone, as root in the host's files.
    #[test]
    fn a_path_is_never_shell() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("ran");
        for path in [
            format!("/;touch${{IFS}}{}", marker.display()),
            format!("/$(touch${{IFS}}{})", marker.display()),
            format!("/`touch${{IFS}}{}`", marker.display()),
            format!("/&touch${{IFS}}{}&", marker.display()),
            format!("/|touch${{IFS}}{}", marker.display()),
        ] {
            // Loopback port 1: refused at once.
            let cmd = command(Ipv4Addr::LOCALHOST, 1, &path);
            let out = std::process::Command::new("/bin/sh")
                .arg("-c")
                .arg(&cmd)
                .output()
                .unwrap();
            assert!(!marker.exists(), "{path} ran as shell: {cmd}");
            let text = String::from_utf8_lossy(&out.stdout);
            assert_eq!(parse(&text), HttpResult::Refused, "{cmd}: {text}");
        }
    }
}
