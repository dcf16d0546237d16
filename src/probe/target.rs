//! Where a probe starts and what it aims at, as a check names them (a node,
//! a pod by its `app` label and node, an address), resolved against the lab
//! when the lab file is read.

use serde::Serialize;
use std::fmt;
use std::net::Ipv4Addr;

/// Where a probe starts: a node, or a pod found by its `app` label and node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Endpoint {
    Node(String),
    Pod { app: String, on: String },
}

/// What a probe aims at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Target {
    Node(String),
    Pod { app: String, on: String },
    Ip(Ipv4Addr),
}

impl Endpoint {
    /// The node it is on.
    pub fn node(&self) -> &str {
        match self {
            Endpoint::Node(n) | Endpoint::Pod { on: n, .. } => n,
        }
    }
}

impl Target {
    /// The node it is on (none for an address).
    pub fn node(&self) -> Option<&str> {
        match self {
            Target::Node(n) | Target::Pod { on: n, .. } => Some(n),
            Target::Ip(_) => None,
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Node(n) => write!(f, "{n}"),
            Endpoint::Pod { app, on } => write!(f, "pod {app}@{on}"),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Node(n) => write!(f, "{n}"),
            Target::Pod { app, on } => write!(f, "pod {app}@{on}"),
            Target::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

/// The nodes of `from` and `to`, once each, in that order.
pub fn nodes_of(from: &str, to: Option<&str>) -> Vec<String> {
    let mut out = vec![from.to_string()];
    if let Some(t) = to
        && t != from
    {
        out.push(t.to_string());
    }
    out
}
