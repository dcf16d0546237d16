//! `route: { to: { pods_of: <node> } }` (or `to: <CIDR or address>`) `on:` a
//! node: the route the node has for a network (or takes to an address),
//! judged by its device and gateway.

use super::expect::{Accepts, Expect};
use super::parse::Resolver;
use super::{Asked, At, CouldNotAsk, Cx, Judged, Place, Probe, ProbeKind, held, misfit};
use crate::report::Verdict;
use async_trait::async_trait;
use ipnet::Ipv4Net;
use serde_norway::Value;
use std::net::Ipv4Addr;
use std::sync::Arc;

pub struct Kind;

/// `{ to: ... }`
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoute {
    to: Option<Value>,
}

/// `{ pods_of: <node> }`
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPodsOf {
    pods_of: Option<String>,
}

/// Where a route check looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteDest {
    PodsOf(String),
    Net(Ipv4Net),
}

impl ProbeKind for Kind {
    fn key(&self) -> &'static str {
        "route"
    }
    fn place(&self) -> Place {
        Place::On
    }
    fn parse(&self, r: &mut Resolver, at: At, v: &Value) -> Option<Arc<dyn Probe>> {
        let on = at.node();
        let raw: RawRoute = if v.is_mapping() {
            r.strict(v, "route", |k| {
                format!("unknown key '{k}' (a route probe has: to)")
            })?
        } else {
            RawRoute { to: None }
        };
        let to = match raw.to {
            Some(t @ Value::Mapping(_)) => {
                let p: RawPodsOf = r.strict(&t, "route.to", |_| {
                    "must be { pods_of: <node> } or a CIDR".into()
                })?;
                let Some(n) = p.pods_of else {
                    r.bad("route.to", "must be { pods_of: <node> } or a CIDR");
                    return None;
                };
                r.node_ref("route.to.pods_of", &n)?;
                RouteDest::PodsOf(n)
            }
            Some(t) => match t.as_str().and_then(|s| {
                s.parse::<Ipv4Net>()
                    .ok()
                    .or_else(|| s.parse::<Ipv4Addr>().ok().map(Ipv4Net::from))
            }) {
                Some(n) => RouteDest::Net(n),
                None => {
                    r.bad("route.to", "must be { pods_of: <node> } or a CIDR");
                    return None;
                }
            },
            None => {
                r.bad(
                    "route.to",
                    "missing: say where the route goes ({ pods_of: <node> } or a CIDR)",
                );
                return None;
            }
        };
        Some(Arc::new(Route { on, to }))
    }
    fn programs(&self) -> &'static [&'static str] {
        &["ip"]
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub on: String,
    pub to: RouteDest,
}

#[async_trait]
impl Probe for Route {
    fn label(&self) -> String {
        match &self.to {
            RouteDest::PodsOf(n) => format!("{}: route to pods of {n}", self.on),
            RouteDest::Net(n) => format!("{}: route to {n}", self.on),
        }
    }
    fn nodes(&self) -> Vec<String> {
        let mut v = vec![self.on.clone()];
        if let RouteDest::PodsOf(n) = &self.to
            && *n != self.on
        {
            v.push(n.clone());
        }
        v
    }
    fn accepts(&self) -> Accepts {
        Accepts {
            route: true,
            described: "{ dev: IFACE, via: IP }",
            ..Accepts::NONE
        }
    }
    async fn check(&self, cx: &Cx<'_>, expect: &Expect) -> Vec<Judged> {
        let seen = async {
            let net = match &self.to {
                RouteDest::PodsOf(n) => {
                    cx.lab
                        .node(n)
                        .ok_or_else(|| CouldNotAsk(format!("lab has no node {n}")))?
                        .pod_subnet
                }
                RouteDest::Net(n) => *n,
            };
            let cmd = command(net);
            let o = cx.session.output_net(&self.on, &cmd).await?;
            if !o.ok() {
                return Err(CouldNotAsk(format!(
                    "`{cmd}` on {}: {}",
                    self.on,
                    o.text().trim()
                )));
            }
            let (v, t) = judge(expect, &o.stdout);
            Asked::Ok((v, t, format!("[{}] $ {cmd}\n{}", self.on, o.text())))
        }
        .await;
        vec![Judged::of(self, seen)]
    }
}

/// The route a node has for `net` (exact match) or, for one address, takes.
pub fn command(net: Ipv4Net) -> String {
    if net.prefix_len() == 32 {
        format!("ip -4 route get {}", net.addr())
    } else {
        format!("ip -4 route show exact {net}")
    }
}

/// `dev` and `via` of the first route line.
pub fn parse(out: &str) -> (Option<String>, Option<Ipv4Addr>) {
    let line = out.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let words: Vec<&str> = line.split_whitespace().collect();
    let after = |k: &str| words.windows(2).find(|w| w[0] == k).map(|w| w[1]);
    (
        after("dev").map(str::to_string),
        after("via").and_then(|v| v.parse().ok()),
    )
}

/// Compare the route a node printed with what is expected.
pub fn judge(expect: &Expect, stdout: &str) -> (Verdict, String) {
    let Expect::Route { dev, via } = expect else {
        return misfit(expect, "a route");
    };
    let line = stdout.lines().next().unwrap_or("").trim().to_string();
    if line.is_empty() {
        return held(false, "no such route".into());
    }
    let (got_dev, got_via) = parse(stdout);
    let ok = dev.as_ref().is_none_or(|d| Some(d) == got_dev.as_ref())
        && via.is_none_or(|w| Some(w) == got_via);
    held(ok, line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        let r = "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink \n";
        assert_eq!(
            parse(r),
            (
                Some("flannel.1".into()),
                Some("10.244.2.0".parse().unwrap())
            )
        );
        assert_eq!(parse(""), (None, None));
        let e = Expect::Route {
            dev: Some("flannel.1".into()),
            via: None,
        };
        assert_eq!(judge(&e, r).0, Verdict::Pass);
        assert_eq!(judge(&e, "").0, Verdict::Fail);
        let other = "10.244.2.0/24 via 10.0.2.2 dev enp0s3\n";
        assert_eq!(judge(&e, other).0, Verdict::Fail);
    }
}
