//! The pod network plugin (CNI) behind one seam, so that the generic layers
//! (verify, diagnostics, evidence) never name flannel's files, devices or
//! ports: they ask the variant's [`Cni`]. Flannel is the one implementation
//! today (`flannel/`); the variant's manifest is parsed into its config by
//! the plugin (`flannel/config.rs`), and every answer here comes from it.
//!
//! To add a plugin: a module of its own with its config type (an `impl
//! Cni`), its validation rules and its registry entry, and one line in
//! [`registry::CNIS`]. Nothing outside `cni/` names a plugin.

pub mod flannel;
pub mod registry;
#[cfg(test)]
pub(crate) mod stub;

use crate::error::Result;
use crate::session::{Output, Session};
use async_trait::async_trait;
use flannel::FlannelConfig;
use serde::Serialize;
use std::any::Any;
use std::sync::Arc;

/// What a pod network plugin looks like on a node, and how to read it.
#[async_trait]
pub trait Cni: Send + Sync + std::fmt::Debug {
    /// The plugin's name (`flannel`), as its registry entry has it.
    fn name(&self) -> &'static str;

    /// The configuration, as a value (`lab`'s own JSON views).
    fn config_json(&self) -> serde_json::Value;

    /// The configuration itself, for the provider that reproduces this
    /// plugin and needs its own type (netns's stand-in for flanneld).
    fn as_any(&self) -> &dyn Any;

    /// The plugin's own image in its manifest's text (the run record's
    /// `cni_image`), not a helper's image.
    fn image(&self, manifest: &str) -> Option<String>;

    /// When the plugin is ready on Kubernetes: one running pod with these
    /// labels in this namespace on every node.
    fn ready_pods(&self) -> ReadyPods;

    /// The overlay's device on every node (`flannel.1`).
    fn overlay_device(&self) -> String;

    /// What a node's interface named `name` is to the plugin, when the
    /// plugin makes it (its overlay device, its bridge, its pods' veths):
    /// a lab may not give a node's own NIC such a name.
    fn node_device(&self, name: &str) -> Option<&'static str> {
        (name == self.overlay_device()).then_some("the overlay's device")
    }

    /// The UDP port the overlay's packets travel on (VXLAN: 8472 unless
    /// the manifest says otherwise).
    fn overlay_port(&self) -> u16;

    /// The file in which the plugin says what it configured on a node
    /// (`/run/flannel/subnet.env`).
    fn state_file(&self) -> &'static str;

    /// The plugin's own evidence on a node: `(file name, command)` pairs.
    fn evidence(&self) -> Vec<(String, String)> {
        let dev = self.overlay_device();
        vec![
            (dev.clone(), format!("ip -d link show {dev}")),
            (
                file_name(self.state_file()),
                format!("cat {}", self.state_file()),
            ),
        ]
    }

    /// A tcpdump filter for traffic to or from `ip`, and for the overlay's
    /// own packets (which carry it between nodes).
    fn capture_filter(&self, ip: std::net::Ipv4Addr) -> String {
        format!("host {ip} or udp port {}", self.overlay_port())
    }

    /// The plugin's log on `node`, read where it is when the plugin `runs`
    /// as it does on the lab's provider.
    async fn log(&self, session: &dyn Session, runs: Runs, node: &str) -> Result<Output>;

    /// The programs reading its evidence and its log run on a node.
    fn programs(&self) -> &'static [&'static str];
}

/// How a provider runs the pod network plugin on its nodes (its registry
/// entry says which): the plugin's own answers (where its log is) follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runs {
    /// As Kubernetes runs it: its DaemonSet's pods (logs by kubectl).
    KubernetesPods,
    /// As a daemon the provider starts on each node itself (logs in a file).
    HostDaemon,
}

/// Where a plugin's pods run and how they are labelled (its readiness).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadyPods {
    pub namespace: &'static str,
    /// The value of their `app` label.
    pub app: &'static str,
}

fn file_name(path: &str) -> String {
    path.rsplit('/').next().unwrap_or(path).to_string()
}

/// The pod network of a variant, as its manifest configures it: the
/// plugin its registry entry read.
#[derive(Debug, Clone)]
pub struct CniConfig(Arc<dyn Cni>);

impl CniConfig {
    pub fn new(plugin: impl Cni + 'static) -> Self {
        CniConfig(Arc::new(plugin))
    }

    /// The plugin, to ask.
    pub fn plugin(&self) -> &dyn Cni {
        self.0.as_ref()
    }

    /// Flannel's configuration, if flannel is the plugin.
    pub fn flannel(&self) -> Option<&FlannelConfig> {
        self.0.as_any().downcast_ref()
    }
}

/// `{"<plugin>": <its configuration>}`.
impl Serialize for CniConfig {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry(self.0.name(), &self.0.config_json())?;
        m.end()
    }
}
