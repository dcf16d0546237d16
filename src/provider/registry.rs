//! Every provider `lab` knows, registered in one list ([`PROVIDERS`], as
//! probes are in `probe::PROBES`): its name, its constructor, why it cannot
//! run a lab here, and what it can do. Nothing outside this file matches on
//! a provider's kind: callers ask its [`Entry`] (`entry(kind).capabilities`).
//! A new provider is a folder of its own with an `entry.rs` (which names
//! its [`Kind`] and brings its doctor) and one line here; `--provider`
//! takes the names listed here, and a state file naming another is refused
//! by [`for_state`]. The test-only stub (`provider/stub.rs`) shows it.

use super::{Kind, Provider, netns, vagrant};
use crate::cni::Runs;
use crate::error::{LabError, Result};
use crate::spec::Lab;
use crate::state::State;

/// What a provider can do, as the generic layers need to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// The lab has a real Kubernetes API server (kubectl reaches the cluster).
    pub kubernetes: bool,
    /// How the pod network plugin runs on its nodes (where its log is).
    pub cni_runs: Runs,
    /// Commands on a node run as root already (`sudo` is dropped), rather
    /// than as a user that needs `sudo`.
    pub node_is_root: bool,
    /// The lab boots a box (the run's inputs name it).
    pub boots_box: bool,
    /// It takes `--vm` (which VM provider makes its machines).
    pub takes_vm: bool,
    /// Which of a node's files are what the reader's machine has: `None`,
    /// all (the lab boots the reader's box); else only these (a pattern
    /// ending in `/` is a folder, `*` one path component), which the lab
    /// makes as the chapter's cluster does (the rest of a node's files are
    /// the host's or the lab's own).
    pub cluster_files: Option<&'static [&'static str]>,
    /// The servers a node of the reader's kubeadm cluster answers on at
    /// its own addresses that this provider's nodes do not run (empty:
    /// the lab's nodes run them all, kubeadm made its cluster): a
    /// connection the book makes to one is not compared.
    pub absent_servers: &'static [crate::cluster::ports::NodeServer],
}

/// What a provider needs from the command line to be made.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// `--vm`, for a provider that [`Capabilities::takes_vm`].
    pub vm: Option<vagrant::Vm>,
}

/// One provider.
pub struct Entry {
    pub kind: Kind,
    /// Its one-line description (`lab doctor`, docs).
    pub about: &'static str,
    /// A provider of this kind.
    pub make: fn(&Options) -> Box<dyn Provider>,
    /// Why it cannot run `lab` on this host, if it cannot (the nightly's
    /// "unavailable", with what to do).
    pub unavailable: fn(&Lab, &Options) -> Option<String>,
    pub capabilities: Capabilities,
    /// What `lab doctor` says of this host for it, a line at a time
    /// through `say`; `Err` when the provider cannot run here.
    pub doctor: Doctor,
}

/// A provider's doctor: what it says of this host, a line at a time
/// through `say`; `Err` when the provider cannot run here.
pub type Doctor = fn(&DoctorAsk<'_>, &mut dyn FnMut(&str)) -> Result<()>;

/// What `lab doctor` was asked, for a provider's doctor.
pub struct DoctorAsk<'a> {
    /// `--fix`: install what is missing, where the provider can.
    pub fix: bool,
    /// `--lab`: the lab whose needs are checked against this host.
    pub lab: Option<&'a Lab>,
    /// The command line's options (`--vm`).
    pub options: Options,
}

/// Every provider, the default first.
#[cfg(not(test))]
pub static PROVIDERS: &[&Entry] = &[&netns::entry::ENTRY, &vagrant::entry::ENTRY];
#[cfg(test)]
pub static PROVIDERS: &[&Entry] = &[
    &netns::entry::ENTRY,
    &vagrant::entry::ENTRY,
    &super::stub::ENTRY,
];

/// The entry of `kind`, if a provider has that name.
pub fn find(kind: Kind) -> Option<&'static Entry> {
    PROVIDERS.iter().copied().find(|e| e.kind == kind)
}

/// The entry of `kind`, a registered kind (`--provider` takes only those;
/// a state file's kind is checked by [`for_state`] first).
pub fn entry(kind: Kind) -> &'static Entry {
    find(kind).expect("a kind from --provider or a checked state is registered in PROVIDERS")
}

/// The registered kinds, in [`PROVIDERS`]' order.
static KINDS: std::sync::LazyLock<Vec<Kind>> =
    std::sync::LazyLock::new(|| PROVIDERS.iter().map(|e| e.kind).collect());

/// `--provider` takes the registered names (and says which they are).
impl clap::ValueEnum for Kind {
    fn value_variants<'a>() -> &'a [Self] {
        &KINDS
    }
    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let e = find(*self)?;
        Some(clap::builder::PossibleValue::new(e.kind.as_str()))
    }
}

/// The provider of kind `kind`, or the default one for this machine.
pub fn get(kind: Option<Kind>) -> Result<Box<dyn Provider>> {
    let kind = match kind {
        Some(k) => k,
        None => default_kind()?,
    };
    Ok(make(kind))
}

/// The provider of kind `kind`.
pub fn make(kind: Kind) -> Box<dyn Provider> {
    make_with(kind, &Options::default())
}

/// The provider of kind `kind` with the command line's options.
pub fn make_with(kind: Kind, options: &Options) -> Box<dyn Provider> {
    (entry(kind).make)(options)
}

/// The provider `lab doctor` speaks of when the default cannot run here
/// (the first that needs no root: vagrant).
pub fn fallback_kind() -> Kind {
    Kind::Vagrant
}

/// Tear down what a lab without state left here: netns's namespaces and
/// processes are found by the lab's claim (as root on Linux); a VM
/// provider's machines are not found without state.
pub async fn destroy_unrecorded(name: &str, rep: &crate::report::Reporter) -> Result<()> {
    if cfg!(target_os = "linux") && nix::unistd::geteuid().is_root() {
        make(Kind::Netns).destroy(name, None, rep).await?;
    }
    Ok(())
}

/// netns on Linux as root; otherwise the user must choose.
pub fn default_kind() -> Result<Kind> {
    if cfg!(target_os = "linux") && nix::unistd::geteuid().is_root() {
        Ok(Kind::Netns)
    } else {
        Err(LabError::Unavailable {
            provider: "netns".into(),
            why: if cfg!(target_os = "linux") {
                "it needs root (CAP_NET_ADMIN) to make network namespaces; run `sudo lab ...`, or use VMs with `--provider vagrant`".into()
            } else {
                "it needs Linux network namespaces; use VMs with `--provider vagrant`".into()
            },
        })
    }
}

/// The provider a lab that is up was made with. The state's word is
/// cross-checked where the host can tell: a state saying `vagrant` while
/// the lab's netns namespaces exist (claimed by this state folder) is wrong,
/// and trusting it would leave them behind; a vagrant state is believed
/// only where the host's record says lab made its folder
/// ([`crate::state::made`]).
pub fn for_state(state: &State) -> Result<Box<dyn Provider>> {
    if find(state.provider).is_none() {
        let known: Vec<&str> = PROVIDERS.iter().map(|e| e.kind.as_str()).collect();
        return Err(LabError::Untrusted(format!(
            "the state of lab '{}' ({}) names provider '{}', which this lab does not have (providers: {}); nothing was changed",
            state.name,
            state.dir().join(crate::state::STATE_FILE).display(),
            state.provider,
            known.join(", ")
        )));
    }
    if state.provider != Kind::Netns {
        // The namespaces are this state's lab's if its folder claimed them,
        // or if nobody did (a claim from another folder makes them that
        // folder's lab's).
        let claim = crate::state::claim::read(&state.name);
        let claimed = claim.as_ref().is_some_and(|c| c.state_dir == state.dir());
        let net = netns::names::prefix(&state.name) + "net";
        let namespaces = netns::sys::lab_namespaces(&state.name);
        if claimed || (claim.is_none() && namespaces.contains(&net)) {
            return Err(LabError::Untrusted(format!(
                "the state of lab '{}' says provider {}, but netns namespaces of lab '{0}' exist ({}): the state does not match what runs; nothing was changed",
                state.name,
                state.provider,
                if namespaces.is_empty() {
                    "claimed in /run/lab".to_string()
                } else {
                    namespaces.join(", ")
                }
            )));
        }
    }
    // A folder lab did not make hands no file of its own to a program.
    if state.provider == Kind::Vagrant {
        super::vagrant::vouch(state)?;
    }
    get(Some(state.provider))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    #[test]
    fn every_kind_is_registered_once_and_makes_its_own_kind() {
        for kind in Kind::value_variants() {
            let found: Vec<_> = PROVIDERS.iter().filter(|e| e.kind == *kind).collect();
            assert_eq!(found.len(), 1, "{kind} registered {} times", found.len());
            assert_eq!(make(*kind).kind(), *kind);
        }
        assert_eq!(PROVIDERS.len(), Kind::value_variants().len());
        assert_eq!(PROVIDERS[0].kind, Kind::Netns, "the default comes first");
    }

    #[test]
    fn capabilities_say_what_differs() {
        let (n, v) = (entry(Kind::Netns), entry(Kind::Vagrant));
        assert!(!n.capabilities.kubernetes && v.capabilities.kubernetes);
        assert_eq!(n.capabilities.cni_runs, Runs::HostDaemon);
        assert_eq!(v.capabilities.cni_runs, Runs::KubernetesPods);
        assert!(n.capabilities.node_is_root && !v.capabilities.node_is_root);
        assert!(!n.capabilities.takes_vm && v.capabilities.takes_vm);
    }
}
