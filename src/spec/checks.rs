//! The checks of a lab: a name, where the probe runs, one probe, and what
//! each variant expects. Read strictly and resolved against the lab's
//! testbed (its nodes, pods and variants) at load time, in the testbed's
//! validation pass (`testbed::load_file_with` hands `resolve` the raw
//! checks), so a check that names an unknown node, pod label or variant
//! never runs. What each probe takes is its own module's to say
//! (`crate::probe`, below this room); this is the part every check shares.

use crate::probe::expect::{self, Expect};
use crate::probe::parse::{Resolver, key_str};
use crate::probe::{At, PROBES, Place, Probe};
use crate::testbed::Testbed;
use crate::testbed::validate::Collector;
use serde::Serialize;
use serde_norway::{Mapping, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: String,
    #[serde(serialize_with = "probe_label")]
    pub probe: Arc<dyn Probe>,
    /// The expectation for each variant of the lab.
    pub expect: BTreeMap<String, Expect>,
}

fn probe_label<S: serde::Serializer>(p: &Arc<dyn Probe>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&p.label())
}

impl Check {
    pub fn expect_for(&self, variant: &str) -> &Expect {
        self.expect
            .get(variant)
            .expect("validated: an expectation for every variant")
    }
}

/// A check of the file left out of this lab, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedCheck {
    pub name: String,
    pub reason: String,
}

/// The keys every check has besides its probe.
const CHECK_KEYS: &[&str] = &["name", "from", "on", "expect"];

fn probe_keys() -> Vec<&'static str> {
    PROBES.iter().map(|k| k.key()).collect()
}

/// Resolve the raw `checks:` list against the lab.
///
/// `nominal` is the lab with the file's own worker counts when `--nodes`
/// overrides them: a check that resolves against it but not against `lab`
/// is about workers this size of the lab does not have, and is skipped.
pub(crate) fn resolve(
    c: &mut Collector,
    lab: &Testbed,
    nominal: Option<&Testbed>,
    raw: &[Value],
) -> (Vec<Check>, Vec<SkippedCheck>) {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    let mut names = std::collections::HashSet::new();
    for (i, v) in raw.iter().enumerate() {
        let base = format!("checks[{i}]");
        let before = c.problems.len();
        let mut r = Resolver {
            c: &mut *c,
            lab,
            base: base.clone(),
            ok: true,
        };
        let resolved = check(&mut r, v).filter(|_| r.ok);
        if resolved.is_none()
            && let Some(nominal) = nominal
            && c.problems.len() > before
        {
            let mut scratch = c.scratch();
            let mut r = Resolver {
                c: &mut scratch,
                lab: nominal,
                base,
                ok: true,
            };
            if let Some(ch) = check(&mut r, v)
                && r.ok
            {
                let reason = format!(
                    "not applicable with {} worker{}: {}",
                    lab.workers().count(),
                    if lab.workers().count() == 1 { "" } else { "s" },
                    c.problems[before].message
                );
                c.problems.truncate(before);
                skipped.push(SkippedCheck {
                    name: ch.name,
                    reason,
                });
                continue;
            }
        }
        if let Some(check) = resolved {
            if !names.insert(check.name.clone()) {
                c.push(
                    format!("checks[{i}].name"),
                    format!("check name '{}' is used twice", check.name),
                );
            }
            out.push(check);
        }
    }
    (out, skipped)
}

/// One check: its common keys here, its probe by the probe's kind.
fn check(r: &mut Resolver, v: &Value) -> Option<Check> {
    let Some(m) = v.as_mapping() else {
        r.bad(
            "",
            "a check must be a mapping with name, a probe and expect",
        );
        return None;
    };
    let keys = probe_keys();
    for k in m.keys() {
        let k = key_str(k);
        if !CHECK_KEYS.contains(&k.as_str()) && !keys.contains(&k.as_str()) {
            r.bad(
                &k,
                format!(
                    "unknown key '{k}' (a check has name, from/on, expect and one probe of: {})",
                    keys.join(", ")
                ),
            );
        }
    }
    let name = match m.get("name").and_then(Value::as_str) {
        Some(n) if !n.trim().is_empty() && !n.chars().any(char::is_control) => n.to_string(),
        _ => {
            r.bad("name", "every check needs a one-line name");
            String::new()
        }
    };
    let kinds: Vec<_> = PROBES
        .iter()
        .copied()
        .filter(|k| m.contains_key(k.key()))
        .collect();
    let kind = match kinds.as_slice() {
        [one] => *one,
        [] => {
            r.bad(
                "",
                format!(
                    "check '{name}' has no probe: add one of {}",
                    keys.join(", ")
                ),
            );
            return None;
        }
        many => {
            let names: Vec<&str> = many.iter().map(|k| k.key()).collect();
            r.bad(
                names[1],
                format!(
                    "check '{name}' has {} probes ({}); give exactly one",
                    many.len(),
                    names.join(", ")
                ),
            );
            return None;
        }
    };
    let key = kind.key();
    let at = place(r, m, key, kind.place())?;
    let probe = kind.parse(r, at, &m[key])?;
    let expect = expectations(r, m.get("expect"), probe.as_ref())?;
    Some(Check {
        name,
        probe,
        expect,
    })
}

/// `from:` or `on:`, as the probe's kind takes it. The wrong one would be
/// silently ignored, so it is refused.
fn place(r: &mut Resolver, m: &Mapping, kind: &str, place: Place) -> Option<At> {
    let wanted = match place {
        Place::From => Some("from"),
        Place::On | Place::OnMany => Some("on"),
        Place::Lab => None,
    };
    let unwanted = if wanted == Some("on") { "from" } else { "on" };
    for k in [Some(unwanted), wanted.is_none().then_some("from")]
        .into_iter()
        .flatten()
    {
        if m.contains_key(k) {
            let instead = wanted.map_or("nothing: it covers the whole lab".to_string(), |w| {
                format!("`{w}:`")
            });
            r.bad(
                k,
                format!("a {kind} check does not take `{k}:`; it takes {instead}"),
            );
            // `on:` written for `from:` (or the reverse): one problem, not
            // a second one for the key it stands for.
            if wanted.is_some_and(|w| !m.contains_key(w)) {
                return None;
            }
        }
    }
    Some(match place {
        Place::From => At::From(r.endpoint(m.get("from"), "from")?),
        Place::On => At::On(vec![r.on_node(m.get("on"))?]),
        Place::OnMany => At::On(r.on_nodes(m.get("on"))?),
        Place::Lab => At::Lab,
    })
}

/// `expect:`: one expectation for every variant, or a map by variant.
fn expectations(
    r: &mut Resolver,
    v: Option<&Value>,
    probe: &dyn Probe,
) -> Option<BTreeMap<String, Expect>> {
    let variants: Vec<String> = r.lab.variants.iter().map(|v| v.name.clone()).collect();
    let Some(v) = v else {
        if let Some(e) = probe.implicit_expectation() {
            return Some(variants.into_iter().map(|n| (n, e.clone())).collect());
        }
        r.bad("expect", "missing: what the check expects");
        return None;
    };
    let expect_keys = expect::keys();
    // A mapping whose keys are all variant names is a map by variant.
    let by_variant = v.as_mapping().is_some_and(|m| {
        m.keys()
            .any(|k| !expect_keys.contains(&key_str(k).as_str()))
    });
    let accepts = probe.accepts();
    let one = |r: &mut Resolver, v: &Value, field: &str| {
        let e = expect::parse(r, v, field, &accepts)?;
        probe.check_expectation(r, &e, field);
        Some(e)
    };
    if !by_variant {
        let e = one(r, v, "expect")?;
        return Some(variants.into_iter().map(|n| (n, e.clone())).collect());
    }
    let m = v.as_mapping().expect("checked");
    let mut out = BTreeMap::new();
    for (k, val) in m {
        let k = key_str(k);
        if !variants.contains(&k) {
            r.bad(
                &format!("expect.{k}"),
                format!(
                    "unknown variant '{k}' in expect (variants: {}; expectation keys: {})",
                    variants.join(", "),
                    expect_keys.join(", ")
                ),
            );
            continue;
        }
        if let Some(e) = one(r, val, &format!("expect.{k}")) {
            out.insert(k, e);
        }
    }
    for n in &variants {
        if !out.contains_key(n) && r.ok {
            r.bad(
                "expect",
                format!("no expectation for variant '{n}': give one value for all variants or one per variant"),
            );
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use crate::error::LabError;

    /// chapter4 with `extra` appended to its checks: the problems found,
    /// as `(field, line, message)`.
    fn problems(extra: &str) -> Vec<(String, Option<usize>, String)> {
        let dir = tempfile::tempdir().unwrap();
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("labs/chapter4");
        for f in std::fs::read_dir(&src).unwrap() {
            let f = f.unwrap().path();
            std::fs::copy(&f, dir.path().join(f.file_name().unwrap())).unwrap();
        }
        let file = dir.path().join("lab.yaml");
        let text = std::fs::read_to_string(&file).unwrap();
        std::fs::write(&file, format!("{text}{extra}")).unwrap();
        match crate::spec::load_file(&file, Default::default()) {
            Err(LabError::Invalid(p)) => {
                p.0.into_iter()
                    .map(|p| (p.field, p.line, p.message))
                    .collect()
            }
            Err(e) => panic!("{e}"),
            Ok(_) => vec![],
        }
    }

    #[test]
    fn typed_probe_values_keep_their_messages_and_places() {
        let n = crate::spec::load("chapter4", Default::default())
            .unwrap()
            .checks
            .len();
        let base = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("labs/chapter4/lab.yaml"),
        )
        .unwrap()
        .lines()
        .count();
        let got = problems(
            "  - name: port in words\n    from: node1\n    http: { pod: nginx, on: node2, port: eighty }\n    expect: unreachable\n\
             \x20 - name: capture with a typo\n    on: node1\n    capture: { iface: flannel.1, whlie: { ping: node2 } }\n    expect: { contains: x }\n\
             \x20 - name: pods as words\n    pods: { app: nginx, running: two }\n\
             \x20 - name: ttl too big\n    from: node1\n    ping: node2\n    expect: { reachable: true, ttl: 300 }\n\
             \x20 - name: a mesh of nothing\n    mesh: { pods: nginx, from: everywhere }\n    expect: reachable\n",
        );
        let want = [
            (
                format!("checks[{n}].http.port"),
                base + 3,
                "must be a port number (1-65535)",
            ),
            (
                format!("checks[{}].capture.whlie", n + 1),
                base + 7,
                "unknown key 'whlie' (a capture probe has: iface, while)",
            ),
            (
                format!("checks[{}].pods.running", n + 2),
                base + 10,
                "must be a number of pods",
            ),
            (
                format!("checks[{}].expect.ttl", n + 3),
                base + 14,
                "must be a number 1-255",
            ),
            (
                format!("checks[{}].mesh.from", n + 4),
                base + 16,
                "'everywhere' is not a sweep source (pods or nodes)",
            ),
        ];
        assert_eq!(got.len(), want.len(), "{got:?}");
        for ((field, line, message), (f, l, m)) in got.iter().zip(&want) {
            assert_eq!((field, *line, message.as_str()), (f, Some(*l), *m));
        }
    }

    /// The seventh probe's false greens from a lab file: an expectation
    /// that compares nothing (`expect: {}`, `contains: []`, a route's `{}`)
    /// or holds for every output (`contains: ""`) passed, "as expected".
    /// Each is refused at its line, and `not_contains: ""` (which never
    /// holds) with them.
    #[test]
    fn an_expectation_that_compares_nothing_is_refused() {
        let run = |expect: &str| {
            format!(
                "  - name: nothing compared\n    on: node1\n    run: cat /run/flannel/subnet.env\n    expect: {expect}\n"
            )
        };
        for (expect, field, says) in [
            ("{}", "expect", "expects nothing"),
            ("{ contains: [] }", "expect", "expects nothing"),
            ("{ contains: \"\" }", "expect.contains", "empty"),
            ("{ contains: [FLANNEL, \"\"] }", "expect.contains", "empty"),
            ("{ not_contains: \"\" }", "expect.not_contains", "empty"),
        ] {
            let got = problems(&run(expect));
            assert_eq!(got.len(), 1, "{expect}: {got:?}");
            assert!(got[0].0.ends_with(field), "{expect}: {got:?}");
            assert!(
                got[0].1.is_some() && got[0].2.contains(says),
                "{expect}: {got:?}"
            );
        }
        let route = "  - name: a route of nothing\n    on: node1\n    route: { to: { pods_of: node2 } }\n    expect: {}\n";
        let got = problems(route);
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].2.contains("expects nothing"), "{got:?}");
        let capture = "  - name: a capture of anything\n    on: node1\n    capture: { iface: flannel.1, while: { ping: { pod: nginx, on: node2 } } }\n    expect: { contains: \"\" }\n";
        assert_eq!(problems(capture).len(), 1);
        // What chapter4 checks still loads.
        assert!(problems("").is_empty());
    }

    /// A blank string (a space, a tab) is in almost every output: `contains:
    /// [" "]` passed whatever the lab showed (the eighth probe, by reading).
    #[test]
    fn a_blank_expectation_is_refused() {
        for expect in [
            "{ contains: \" \" }",
            "{ contains: [FLANNEL, \"\\t\"] }",
            "{ not_contains: \"  \" }",
        ] {
            let check = format!(
                "  - name: blank\n    on: node1\n    run: cat /run/flannel/subnet.env\n    expect: {expect}\n"
            );
            let got = problems(&check);
            assert_eq!(got.len(), 1, "{expect}: {got:?}");
            assert!(got[0].2.contains("blank"), "{expect}: {got:?}");
        }
    }
}
