//! Reading a check's YAML strictly: typed raw structs (serde derive,
//! `deny_unknown_fields`) for every mapping a probe or an expectation takes,
//! and a [`Resolver`] that turns names in them (nodes, pod labels) into what
//! the lab has, collecting every problem with its field path so that the lab
//! file's line and column can be found (see `testbed::locate`).
//!
//! Wrong values keep their own messages: a field whose value must be
//! checked (a port, a status, an interface name) is a newtype here whose
//! `Deserialize` says what would be valid, and the problem is reported at
//! the field serde was in (`checks[6].expect.fixed.status`).

use super::target::{Endpoint, Target};
use crate::testbed::validate::Collector;
use crate::testbed::{Role, Testbed};
use serde::de::{self, Deserialize, DeserializeOwned, Deserializer, Visitor};
use serde_norway::Value;
use std::net::Ipv4Addr;

/// Resolves one check against the lab, collecting its problems.
pub struct Resolver<'a, 'b> {
    pub(crate) c: &'a mut Collector<'b>,
    pub lab: &'a Testbed,
    /// The check's field path (`checks[3]`).
    pub base: String,
    /// No problem was found in this check so far.
    pub ok: bool,
}

/// The name of a YAML key as written.
pub fn key_str(k: &Value) -> String {
    k.as_str()
        .map(str::to_string)
        .unwrap_or_else(|| format!("{k:?}"))
}

impl Resolver<'_, '_> {
    /// A problem at `field` of this check (`""`: the check itself).
    pub fn bad(&mut self, field: &str, message: impl Into<String>) {
        self.ok = false;
        let f = if field.is_empty() {
            self.base.clone()
        } else {
            format!("{}.{field}", self.base)
        };
        self.c.push(f, message);
    }

    /// `v` as the typed raw struct `T`. Every key `T` does not have is
    /// reported at `field.key` with `unknown(key)`; a value `T` refuses, at
    /// the field it is in, with the message its type gives.
    pub fn strict<T: DeserializeOwned>(
        &mut self,
        v: &Value,
        field: &str,
        unknown: impl Fn(&str) -> String,
    ) -> Option<T> {
        let mut clean = true;
        if let Some(m) = v.as_mapping() {
            let known = fields_of::<T>();
            for k in m.keys() {
                let k = key_str(k);
                if !known.contains(&k.as_str()) {
                    self.bad(&format!("{field}.{k}"), unknown(&k));
                    clean = false;
                }
            }
        }
        if !clean {
            return None;
        }
        match serde_path_to_error::deserialize::<_, T>(v.clone()) {
            Ok(t) => Some(t),
            Err(e) => {
                let path = e.path().to_string();
                let at = if path.is_empty() || path == "." {
                    field.to_string()
                } else {
                    format!("{field}.{path}")
                };
                let message = e.inner().to_string();
                self.bad(&at, message);
                None
            }
        }
    }

    pub fn node_ref(&mut self, field: &str, name: &str) -> Option<()> {
        if self.lab.node(name).is_some() {
            return Some(());
        }
        let known: Vec<&str> = self
            .lab
            .nodes
            .iter()
            .map(|n| n.name.as_str())
            .take(8)
            .collect();
        self.bad(
            field,
            format!(
                "unknown node '{name}' (nodes: {}{})",
                known.join(", "),
                if self.lab.nodes.len() > 8 {
                    ", ..."
                } else {
                    ""
                }
            ),
        );
        None
    }

    pub fn app_ref(&mut self, field: &str, app: &str) -> Option<()> {
        if self.lab.workloads.iter().any(|w| w.app == app) {
            return Some(());
        }
        let known: Vec<&str> = self.lab.workloads.iter().map(|w| w.app.as_str()).collect();
        self.bad(
            field,
            format!(
                "unknown pod label app={app} (the workloads deploy: {})",
                known.join(", ")
            ),
        );
        None
    }

    /// A pod reference, checked against the lab's placement.
    pub fn pod_ref(&mut self, field: &str, p: &RawPodRef) -> Option<(String, String)> {
        let (Some(app), Some(on)) = (&p.pod, &p.on) else {
            self.bad(
                field,
                "a pod reference needs both pod: <app label> and on: <node>",
            );
            return None;
        };
        self.app_ref(&format!("{field}.pod"), app)?;
        self.node_ref(&format!("{field}.on"), on)?;
        let node = self.lab.node(on).expect("checked");
        if !self
            .lab
            .placements()
            .iter()
            .any(|p| p.app == *app && p.node == *on)
        {
            let why = if node.role == Role::ControlPlane {
                " (the control plane is tainted NoSchedule)"
            } else {
                ""
            };
            self.bad(
                &format!("{field}.on"),
                format!("no {app} pod is placed on {on}{why}"),
            );
            return None;
        }
        Some((app.clone(), on.clone()))
    }

    /// `{ pod: <app>, on: <node> }` written as a mapping.
    fn pod_mapping(&mut self, field: &str, v: &Value) -> Option<(String, String)> {
        let p: RawPodRef = self.strict(v, field, |k| {
            format!("unknown key '{k}' (a pod reference has pod and on)")
        })?;
        self.pod_ref(field, &p)
    }

    /// Where a probe starts: a node name, or a pod reference.
    pub fn endpoint(&mut self, v: Option<&Value>, key: &str) -> Option<Endpoint> {
        match v {
            None => {
                self.bad(
                    key,
                    "missing: where the probe starts (a node, or { pod: <app>, on: <node> })",
                );
                None
            }
            Some(Value::String(n)) => {
                self.node_ref(key, n)?;
                Some(Endpoint::Node(n.clone()))
            }
            Some(v) => self
                .pod_mapping(key, v)
                .map(|(app, on)| Endpoint::Pod { app, on }),
        }
    }

    /// What a probe aims at: a node name, an IP, or a pod reference.
    pub fn target(&mut self, v: &Value, field: &str) -> Option<Target> {
        match v {
            Value::String(s) => self.target_name(s, field),
            Value::Mapping(_) => self
                .pod_mapping(field, v)
                .map(|(app, on)| Target::Pod { app, on }),
            _ => {
                self.bad(
                    field,
                    "must be a node, an IP, or { pod: <app>, on: <node> }",
                );
                None
            }
        }
    }

    /// A target written as a string: an IP or a node.
    pub fn target_name(&mut self, s: &str, field: &str) -> Option<Target> {
        if let Ok(ip) = s.parse::<Ipv4Addr>() {
            Some(Target::Ip(ip))
        } else {
            self.node_ref(field, s)?;
            Some(Target::Node(s.to_string()))
        }
    }

    /// `on:` of a probe that runs on one node or several (`all`, `workers`).
    pub fn on_nodes(&mut self, v: Option<&Value>) -> Option<Vec<String>> {
        match v.and_then(Value::as_str) {
            Some("all") => Some(self.lab.nodes.iter().map(|n| n.name.clone()).collect()),
            Some("workers") => Some(self.lab.workers().map(|n| n.name.clone()).collect()),
            Some(n) => {
                self.node_ref("on", n)?;
                Some(vec![n.to_string()])
            }
            None => {
                self.bad(
                    "on",
                    "missing: the node to run on (a node name, all or workers)",
                );
                None
            }
        }
    }

    /// `on:` of a probe that runs on one node.
    pub fn on_node(&mut self, v: Option<&Value>) -> Option<String> {
        match v.and_then(Value::as_str) {
            Some(n) => {
                self.node_ref("on", n)?;
                Some(n.to_string())
            }
            None => {
                self.bad("on", "missing: the node to run on");
                None
            }
        }
    }
}

/// `{ pod: <app label>, on: <node> }`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPodRef {
    pub pod: Option<String>,
    pub on: Option<String>,
}

/// The field names of the struct `T` deserializes as (what
/// `deny_unknown_fields` accepts), asked of its derived `Deserialize`.
pub fn fields_of<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Ask<'a>(&'a mut &'static [&'static str]);
    impl<'de> Deserializer<'de> for Ask<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("asked"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map enum identifier ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Ask(&mut fields));
    fields
}

/// Whether every key of the mapping `v` is a field of `T`.
pub fn fits<T: DeserializeOwned>(v: &Value) -> bool {
    let known = fields_of::<T>();
    v.as_mapping()
        .is_some_and(|m| m.keys().all(|k| known.contains(&key_str(k).as_str())))
}

/// A value held to a rule, whose `Deserialize` says what would be valid:
/// `checked!(Port(u16), "must be a port number (1-65535)", |v| ...)`.
macro_rules! checked {
    ($(#[$m:meta])* $name:ident($ty:ty), $msg:expr, $parse:expr) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(pub $ty);
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let v = serde_norway::Value::deserialize(d)?;
                let parse: fn(&serde_norway::Value) -> Option<$ty> = $parse;
                parse(&v).map($name).ok_or_else(|| serde::de::Error::custom($msg))
            }
        }
    };
}
pub(crate) use checked;

checked!(
    /// A TCP port, 1-65535.
    Port(u16),
    "must be a port number (1-65535)",
    |v| v.as_u64().and_then(|p| u16::try_from(p).ok()).filter(|p| *p > 0)
);

checked!(
    /// `true` or `false`.
    Flag(bool),
    "must be true or false",
    Value::as_bool
);

/// One string or a list of strings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Strings(pub Vec<String>);

impl<'de> Deserialize<'de> for Strings {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Strings(match Value::deserialize(d)? {
            Value::String(s) => vec![s],
            Value::Sequence(s) => s
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            _ => vec![],
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Two {
        a: Option<u8>,
        port: Option<Port>,
    }

    #[test]
    fn fields_come_from_the_struct_and_checked_values_say_what_is_valid() {
        assert_eq!(fields_of::<Two>(), ["a", "port"]);
        assert!(fits::<Two>(&serde_norway::from_str("{ a: 1 }").unwrap()));
        assert!(!fits::<Two>(&serde_norway::from_str("{ b: 1 }").unwrap()));
        let v: Value = serde_norway::from_str("{ port: eighty }").unwrap();
        let e = serde_path_to_error::deserialize::<_, Two>(v).unwrap_err();
        assert_eq!(e.path().to_string(), "port");
        assert_eq!(e.inner().to_string(), "must be a port number (1-65535)");
    }
}
