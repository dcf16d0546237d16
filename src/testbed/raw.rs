//! Raw shapes of `lab.yaml`, exactly as written: strict parse, no meaning yet.
//!
//! Unknown keys are rejected here (`deny_unknown_fields`); values are kept as
//! strings where a wrong value should become a validation problem with a field
//! name rather than a bare parse error.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLab {
    pub name: String,
    #[serde(default)]
    pub title: String,
    pub kubernetes: String,
    #[serde(rename = "box")]
    pub box_: String,
    pub interfaces: RawInterfaces,
    pub network: RawNetwork,
    pub nodes: Vec<RawNode>,
    pub variants: indexmap_like::OrderedMap<RawVariant>,
    pub default_variant: String,
    #[serde(default)]
    pub workloads: Vec<String>,
    /// The chapter this lab is the lab of (`lab book`), beside `lab.yaml`.
    #[serde(default)]
    pub book: Option<String>,
    /// Checks are kept as YAML values and resolved by `spec::checks`, which
    /// knows the nodes, pods and variants they refer to.
    #[serde(default)]
    pub checks: Vec<serde_norway::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInterfaces {
    pub nat: String,
    pub private: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    pub private: String,
    pub nat: String,
    pub pods: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNode {
    pub name: String,
    pub role: String,
    pub ip: String,
    #[serde(default)]
    pub count: Option<u32>,
    #[serde(default)]
    pub cpus: Option<u32>,
    #[serde(default)]
    pub memory: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVariant {
    pub network: String,
    #[serde(default)]
    pub about: String,
}

/// A YAML mapping that keeps the order keys were written in (variants are
/// applied in that order by `lab test`).
pub mod indexmap_like {
    use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
    use std::fmt;
    use std::marker::PhantomData;

    #[derive(Debug, Clone)]
    pub struct OrderedMap<V>(pub Vec<(String, V)>);

    impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V2<V>(PhantomData<V>);
            impl<'de, V: Deserialize<'de>> Visitor<'de> for V2<V> {
                type Value = OrderedMap<V>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a mapping")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                    let mut out = Vec::new();
                    while let Some((k, v)) = m.next_entry::<String, V>()? {
                        if out.iter().any(|(key, _): &(String, V)| *key == k) {
                            return Err(serde::de::Error::custom(format!("duplicate key '{k}'")));
                        }
                        out.push((k, v));
                    }
                    Ok(OrderedMap(out))
                }
            }
            d.deserialize_map(V2(PhantomData))
        }
    }
}
