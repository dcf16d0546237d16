//! The `variants:` map: one pod network manifest each, read by the plugin
//! it configures (`cni::registry`) and held to that plugin's rules; the
//! default one of them.

use super::{Collector, files::manifest_path, is_dns_label};
use crate::testbed::Variant;
use crate::testbed::manifest;
use crate::testbed::raw::RawLab;
use ipnet::Ipv4Net;
use std::path::Path;

/// The variants whose manifests are valid, in file order.
pub(super) fn variants(
    c: &mut Collector,
    dir: &Path,
    raw: &RawLab,
    pods: Option<Ipv4Net>,
) -> Vec<Variant> {
    let mut variants = Vec::new();
    if raw.variants.0.is_empty() {
        c.push(
            "variants",
            "no variants: name at least one pod network manifest",
        );
    }
    for (name, v) in &raw.variants.0 {
        let field = format!("variants.{name}");
        if !is_dns_label(name) {
            c.push(
                &field,
                format!("'{name}' is not a valid variant name (lowercase letters, digits, '-')"),
            );
            continue;
        }
        let Some(path) = manifest_path(c, dir, &format!("{field}.network"), &v.network) else {
            continue;
        };
        // The plugin the manifest configures reads it and holds it to its
        // own rules (the CNI registry); the problems are this field's.
        let facts = crate::cni::registry::LabFacts { pods };
        match manifest::read_documents(&path)
            .and_then(|m| crate::cni::registry::read(&m.docs, &facts))
        {
            Ok((cni, problems)) => {
                for p in problems {
                    c.push(format!("{field}.network"), format!("{}: {p}", v.network));
                }
                variants.push(Variant {
                    name: name.clone(),
                    manifest: path,
                    about: v.about.clone(),
                    cni,
                });
            }
            Err(e) => c.push_manifest(&format!("{field}.network"), &path, e),
        }
    }
    if !raw
        .variants
        .0
        .iter()
        .any(|(n, _)| *n == raw.default_variant)
    {
        let known: Vec<&str> = raw.variants.0.iter().map(|(n, _)| n.as_str()).collect();
        c.push(
            "default_variant",
            format!(
                "'{}' is not a variant (variants: {})",
                raw.default_variant,
                known.join(", ")
            ),
        );
    }
    variants
}
