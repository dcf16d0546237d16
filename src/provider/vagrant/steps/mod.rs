//! The bring-up steps that are the vagrant provider's own, one file each:
//! its folder and Vagrantfile, `vagrant up`, its SSH config, libvirt, the
//! packages, admin.conf on the host. kubeadm init, join, the manifests and
//! the waits are the cluster's steps ([`crate::cluster`]), which run over
//! [`super::ctx::VagrantCtx`]. The lists they form (`up`, `apply`) are
//! built from the lab as data in [`super::plan`].

pub mod define_network;
pub mod fetch_admin_conf;
pub mod pin_nic_names;
pub mod provision;
pub mod start_libvirt;
pub mod vagrant_up;
pub mod write_files;
pub mod write_ssh_config;

pub use define_network::DefineNetwork;
pub use fetch_admin_conf::FetchAdminConf;
pub use pin_nic_names::PinNicNames;
pub use provision::Provision;
pub use start_libvirt::StartLibvirt;
pub use vagrant_up::VagrantUp;
pub use write_files::WriteFiles;
pub use write_ssh_config::WriteSshConfig;
