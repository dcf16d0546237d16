//! Every pod network plugin `lab` knows, registered in one list ([`CNIS`],
//! as probes are in `probe::PROBES` and providers in
//! `provider::registry::PROVIDERS`): its name, which manifests are its, and
//! how its configuration is read from one and held to what the lab
//! reproduces. Validation asks this list, never a plugin by name.

use super::CniConfig;
use ipnet::Ipv4Net;
use serde_norway::Value;

/// A manifest problem: the field path inside the manifest and what is wrong.
#[derive(Debug, Clone)]
pub struct ManifestError {
    pub field: String,
    pub message: String,
    pub line: Option<usize>,
}

/// What a plugin's rules may check its configuration against.
#[derive(Debug, Clone, Copy)]
pub struct LabFacts {
    /// `network.pods`, if it is valid.
    pub pods: Option<Ipv4Net>,
}

/// A plugin's reading of its manifest: its configuration and its rules'
/// problems, or what the manifest lacks.
pub type Reading = Result<(CniConfig, Vec<String>), ManifestError>;

/// One pod network plugin.
pub struct Entry {
    pub name: &'static str,
    /// Whether a manifest's documents configure this plugin.
    pub recognizes: fn(&[Value]) -> bool,
    /// The plugin's configuration from its manifest's documents, and what
    /// its rules find wrong with it for this lab (each a sentence; the
    /// caller names the file and field). `Err` when the manifest does not
    /// say what the plugin needs (with the field inside the manifest).
    pub read: fn(&[Value], &LabFacts) -> Reading,
}

/// Every plugin, the default first (the one whose reading explains a
/// manifest no plugin recognizes).
#[cfg(not(test))]
pub static CNIS: &[&Entry] = &[&super::flannel::ENTRY];
#[cfg(test)]
pub static CNIS: &[&Entry] = &[&super::flannel::ENTRY, &super::stub::ENTRY];

/// The plugin a network manifest configures, read and checked by its entry.
pub fn read(docs: &[Value], facts: &LabFacts) -> Reading {
    let entry = CNIS
        .iter()
        .find(|e| (e.recognizes)(docs))
        .unwrap_or(&CNIS[0]);
    (entry.read)(docs, facts)
}

/// The names of the plugins, for messages.
pub fn names() -> Vec<&'static str> {
    CNIS.iter().map(|e| e.name).collect()
}

/// A manifest document's `kind` ("" when it has none).
pub fn kind(v: &serde_norway::Value) -> &str {
    v.get("kind")
        .and_then(serde_norway::Value::as_str)
        .unwrap_or("")
}

/// A manifest document's `metadata.name` ("" when it has none).
pub fn name(v: &serde_norway::Value) -> &str {
    v.get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(serde_norway::Value::as_str)
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_the_default_comes_first() {
        let mut n = names();
        assert_eq!(n[0], "flannel");
        n.sort();
        n.dedup();
        assert_eq!(n.len(), CNIS.len());
    }
}
