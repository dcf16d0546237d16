//! The bring-up steps of the vagrant provider, one file each. The lists they
//! form (`up`, `apply`) are built from the lab as data in the provider module.

pub mod define_network;
pub mod fetch_admin_conf;
pub mod join_workers;
pub mod kubeadm_init;
pub mod manifest;
pub mod pin_nic_names;
pub mod provision;
pub mod start_libvirt;
pub mod vagrant_up;
pub mod wait_nodes;
pub mod wait_pods;
pub mod write_files;
pub mod write_ssh_config;

pub use define_network::DefineNetwork;
pub use fetch_admin_conf::FetchAdminConf;
pub use join_workers::JoinWorkers;
pub use kubeadm_init::KubeadmInit;
pub use manifest::{Action, Manifest};
pub use pin_nic_names::PinNicNames;
pub use provision::Provision;
pub use start_libvirt::StartLibvirt;
pub use vagrant_up::VagrantUp;
pub use wait_nodes::WaitNodesReady;
pub use wait_pods::WaitPods;
pub use write_files::WriteFiles;
pub use write_ssh_config::WriteSshConfig;
