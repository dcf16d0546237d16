//! `flannel_log: true` `on:` a node: the pod network plugin's log on that
//! node, read where the provider runs the plugin (see [`crate::cni`]),
//! judged by what it contains, as the chapter reads flannel's log to see
//! which interface it chose. The key stays the one lab files use.

use super::expect::{Accepts, Expect};
use super::parse::Resolver;
use super::run::judge_output;
use super::{Asked, At, Cx, Judged, Place, Probe, ProbeKind};
use async_trait::async_trait;
use serde_norway::Value;
use std::sync::Arc;

pub struct Kind;

impl ProbeKind for Kind {
    fn key(&self) -> &'static str {
        "flannel_log"
    }
    fn place(&self) -> Place {
        Place::On
    }
    fn parse(&self, r: &mut Resolver, at: At, v: &Value) -> Option<Arc<dyn Probe>> {
        if v.as_bool() != Some(true) {
            r.bad("flannel_log", "must be true");
        }
        Some(Arc::new(CniLog { on: at.node() }))
    }
    fn programs(&self) -> &'static [&'static str] {
        // The plugin says what reading its log runs (`Cni::programs`).
        &[]
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CniLog {
    pub on: String,
}

#[async_trait]
impl Probe for CniLog {
    fn label(&self) -> String {
        format!("{}: flannel log", self.on)
    }
    fn nodes(&self) -> Vec<String> {
        vec![self.on.clone()]
    }
    fn accepts(&self) -> Accepts {
        Accepts::OUTPUT
    }
    async fn check(&self, cx: &Cx<'_>, expect: &Expect) -> Vec<Judged> {
        let seen = async {
            let o = cx.cni.log(cx.session, cx.cni_runs, &self.on).await?;
            let text = format!("[{}] {} log\n{}", self.on, cx.cni.name(), o.text());
            let (v, t) = judge_output(expect, &[(self.on.clone(), o)]);
            Asked::Ok((v, t, text))
        }
        .await;
        vec![Judged::of(self, seen)]
    }
}
