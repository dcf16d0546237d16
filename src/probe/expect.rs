//! What a check expects: the shared vocabulary of expectations
//! (`reachable`, `{ status: 200 }`, `{ contains: ... }`, `{ dev: ... }`),
//! each written as a typed raw struct. Which of them a probe takes is the
//! probe's to say ([`Accepts`]); the engine compares through the probe.

use super::parse::{Flag, Resolver, Strings, checked, fields_of, fits};
use serde::Serialize;
use serde_norway::Value;
use std::fmt;
use std::net::Ipv4Addr;

/// What a check expects to observe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Expect {
    Reachable {
        ttl: Option<u8>,
    },
    Unreachable,
    Status(u16),
    Output {
        contains: Vec<String>,
        not_contains: Vec<String>,
        distinct: Option<String>,
    },
    Route {
        dev: Option<String>,
        via: Option<Ipv4Addr>,
    },
    /// The condition the probe states holds (Kubernetes checks).
    Holds,
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expect::Reachable { ttl: None } => write!(f, "reachable"),
            Expect::Reachable { ttl: Some(t) } => write!(f, "reachable, ttl {t}"),
            Expect::Unreachable => write!(f, "unreachable"),
            Expect::Status(s) => write!(f, "HTTP {s}"),
            Expect::Output {
                contains,
                not_contains,
                distinct,
            } => {
                let mut parts: Vec<String> =
                    contains.iter().map(|c| format!("contains {c:?}")).collect();
                parts.extend(not_contains.iter().map(|c| format!("lacks {c:?}")));
                if let Some(d) = distinct {
                    parts.push(format!("{d} distinct per node"));
                }
                write!(f, "{}", parts.join(", "))
            }
            Expect::Route { dev, via } => {
                let mut parts = vec![];
                if let Some(d) = dev {
                    parts.push(format!("dev {d}"));
                }
                if let Some(v) = via {
                    parts.push(format!("via {v}"));
                }
                write!(f, "{}", parts.join(" "))
            }
            Expect::Holds => write!(f, "holds"),
        }
    }
}

checked!(
    /// A TTL, 1-255.
    Ttl(u8),
    "must be a number 1-255",
    |v| v.as_u64().and_then(|t| u8::try_from(t).ok()).filter(|t| *t > 0)
);
checked!(
    /// An HTTP status, 100-599.
    Status(u16),
    "must be an HTTP status (100-599)",
    |v| v
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())
        .filter(|s| (100..600).contains(s))
);
checked!(
    /// An IPv4 address.
    Via(Ipv4Addr),
    "must be an IPv4 address",
    |v| v.as_str().and_then(|s| s.parse().ok())
);

/// `{ reachable: true, ttl: 62 }`
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReach {
    reachable: Option<Flag>,
    ttl: Option<Ttl>,
}

/// `{ status: 200 }`
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStatus {
    status: Option<Status>,
}

/// `{ contains: [...], not_contains: [...], distinct: KEY }`
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutput {
    contains: Option<Strings>,
    not_contains: Option<Strings>,
    distinct: Option<String>,
}

/// `{ dev: flannel.1, via: 10.244.2.0 }`
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoute {
    dev: Option<String>,
    via: Option<Via>,
}

/// Every key an expectation can have: a mapping with another key is a map
/// by variant.
pub fn keys() -> Vec<&'static str> {
    [
        fields_of::<RawReach>(),
        fields_of::<RawStatus>(),
        fields_of::<RawOutput>(),
        fields_of::<RawRoute>(),
    ]
    .concat()
}

/// The forms of expectation a probe takes.
#[derive(Debug, Clone, Copy)]
pub struct Accepts {
    /// `reachable` and `unreachable`.
    pub words: bool,
    /// `{ reachable, ttl }`.
    pub reach: bool,
    /// `{ status }`.
    pub status: bool,
    /// `{ contains, not_contains, distinct }`.
    pub output: bool,
    /// `{ dev, via }`.
    pub route: bool,
    /// `true` (the condition holds).
    pub holds: bool,
    /// What the probe takes, for the message when something else is given.
    pub described: &'static str,
}

impl Accepts {
    pub const NONE: Accepts = Accepts {
        words: false,
        reach: false,
        status: false,
        output: false,
        route: false,
        holds: false,
        described: "",
    };
    /// ping, mesh.
    pub const REACH: Accepts = Accepts {
        words: true,
        reach: true,
        described: "reachable, unreachable or { reachable: true, ttl: N }",
        ..Accepts::NONE
    };
    /// A command's output (run, a CNI's log, a capture).
    pub const OUTPUT: Accepts = Accepts {
        output: true,
        described: "{ contains: ..., not_contains: ..., distinct: KEY }",
        ..Accepts::NONE
    };
    /// Kubernetes conditions.
    pub const HOLDS: Accepts = Accepts {
        holds: true,
        described: "true",
        ..Accepts::NONE
    };
}

/// One expectation (for one variant, or for all), in a form `accepts` takes.
/// Why an expectation that compares nothing is refused: it would always
/// pass.
const NOTHING: &str = "expects nothing, so the check would pass whatever the lab does: give what it must show (contains, not_contains, distinct; a route's dev or via)";

pub fn parse(r: &mut Resolver, v: &Value, field: &str, accepts: &Accepts) -> Option<Expect> {
    match v {
        Value::String(s) if accepts.words && s == "reachable" => {
            return Some(Expect::Reachable { ttl: None });
        }
        Value::String(s) if accepts.words && s == "unreachable" => {
            return Some(Expect::Unreachable);
        }
        Value::Bool(true) if accepts.holds => return Some(Expect::Holds),
        Value::Mapping(_) if accepts.reach && fits::<RawReach>(v) => {
            let m: RawReach = r.strict(v, field, |_| String::new())?;
            return Some(if m.reachable.is_none_or(|f| f.0) {
                Expect::Reachable {
                    ttl: m.ttl.map(|t| t.0),
                }
            } else {
                Expect::Unreachable
            });
        }
        Value::Mapping(_) if accepts.status && fits::<RawStatus>(v) => {
            let m: RawStatus = r.strict(v, field, |_| String::new())?;
            match m.status {
                Some(s) => return Some(Expect::Status(s.0)),
                None => {
                    r.bad(
                        &format!("{field}.status"),
                        "must be an HTTP status (100-599)",
                    );
                    return None;
                }
            }
        }
        Value::Mapping(_) if accepts.output && fits::<RawOutput>(v) => {
            let m: RawOutput = r.strict(v, field, |_| String::new())?;
            let contains = m.contains.unwrap_or_default().0;
            let not_contains = m.not_contains.unwrap_or_default().0;
            if contains.is_empty() && not_contains.is_empty() && m.distinct.is_none() {
                r.bad(field, NOTHING);
                return None;
            }
            let mut ok = true;
            for (key, words) in [("contains", &contains), ("not_contains", &not_contains)] {
                // A blank one (a space, a tab) is in almost every output.
                if words.iter().any(|w| w.trim().is_empty()) {
                    r.bad(
                        &format!("{field}.{key}"),
                        "an empty (or blank) string is in every output, so it can decide nothing: give the text to look for",
                    );
                    ok = false;
                }
            }
            if m.distinct.as_deref().is_some_and(|d| d.trim().is_empty()) {
                r.bad(
                    &format!("{field}.distinct"),
                    "must name a KEY of KEY=value lines",
                );
                ok = false;
            }
            return ok.then_some(Expect::Output {
                contains,
                not_contains,
                distinct: m.distinct,
            });
        }
        Value::Mapping(_) if accepts.route && fits::<RawRoute>(v) => {
            let m: RawRoute = r.strict(v, field, |_| String::new())?;
            if m.dev.is_none() && m.via.is_none() {
                r.bad(field, NOTHING);
                return None;
            }
            if m.dev.as_deref().is_some_and(|d| d.trim().is_empty()) {
                r.bad(&format!("{field}.dev"), "must name an interface");
                return None;
            }
            return Some(Expect::Route {
                dev: m.dev,
                via: m.via.map(|v| v.0),
            });
        }
        _ => {}
    }
    r.bad(
        field,
        format!(
            "this expectation does not fit the probe; expected {}",
            accepts.described
        ),
    );
    None
}
