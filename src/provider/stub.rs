//! A stub provider, for the tests only: it shows that a provider is its own
//! module (a folder, for a real one) with its entry, plus one line in
//! [`super::registry::PROVIDERS`]: no enum to extend, no `match` to edit.
//! `--provider stub` selects it by name, a state file may name it, and it is
//! refused cleanly where it cannot run: it runs nothing anywhere, so
//! `available` says so and every operation but `destroy` (nothing to
//! remove) is refused the same way, before anything is made.

use super::registry::{Capabilities, DoctorAsk, Entry, Options};
use super::{Access, Kind, Provider, Status};
use crate::cni::Runs;
use crate::error::{LabError, Result};
use crate::report::Reporter;
use crate::session::Session;
use crate::spec::Lab;
use crate::state::State;
use async_trait::async_trait;
use std::path::{Path, PathBuf};

impl Kind {
    /// The stub's name.
    #[allow(non_upper_case_globals)]
    pub const Stub: Kind = Kind::named("stub");
}

pub static ENTRY: Entry = Entry {
    kind: Kind::Stub,
    about: "a test-only provider that runs nothing",
    make,
    unavailable,
    capabilities: Capabilities {
        kubernetes: false,
        cni_runs: Runs::HostDaemon,
        node_is_root: true,
        boots_box: false,
        takes_vm: false,
        cluster_files: Some(&["/run/", "/proc/sys/net/ipv4/ip_forward", "/proc/net/route"]),
        absent_servers: crate::cluster::ports::KUBEADM_NODE_SERVERS,
    },
    doctor,
};

const WHY: &str = "it is a test-only provider: it runs nothing on any host";

fn refused() -> LabError {
    LabError::Unavailable {
        provider: "stub".into(),
        why: WHY.into(),
    }
}

fn make(_: &Options) -> Box<dyn Provider> {
    Box::new(Stub)
}

fn unavailable(_: &Lab, _: &Options) -> Option<String> {
    Some(format!("stub: {WHY}"))
}

fn doctor(_: &DoctorAsk<'_>, say: &mut dyn FnMut(&str)) -> Result<()> {
    say(&format!("PROBLEM stub: {WHY}"));
    Err(refused())
}

pub struct Stub;

#[async_trait]
impl Provider for Stub {
    fn kind(&self) -> Kind {
        Kind::Stub
    }
    fn available(&self) -> Result<()> {
        Err(refused())
    }
    async fn up(&self, _: &Lab, _: &str, _: &Reporter) -> Result<State> {
        Err(refused())
    }
    async fn apply(&self, _: &Lab, _: &mut State, _: &str, _: &Reporter) -> Result<()> {
        Err(refused())
    }
    async fn destroy(&self, _: &str, _: Option<&State>, _: &Reporter) -> Result<()> {
        Ok(())
    }
    async fn status(&self, _: &Lab, _: &State, _: &Reporter) -> Result<Status> {
        Err(refused())
    }
    async fn access(&self, _: &Lab, _: &State, _: &Reporter) -> Result<Access> {
        Err(refused())
    }
    async fn session(
        &self,
        _: &Lab,
        _: &State,
        _: &Access,
        _: Option<std::time::Duration>,
        _: &Reporter,
    ) -> Result<Box<dyn Session>> {
        Err(refused())
    }
    async fn collect_logs(
        &self,
        _: &Lab,
        _: &State,
        _: &Path,
        _: &Reporter,
    ) -> Result<Vec<PathBuf>> {
        Err(refused())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::registry;
    use clap::ValueEnum;

    #[test]
    fn the_stub_is_one_registry_line_selectable_by_name() {
        let k = Kind::from_str("stub", false).expect("--provider stub is taken");
        assert_eq!(k, Kind::Stub);
        assert_eq!(registry::make(k).kind(), Kind::Stub);
        assert!(
            Kind::from_str("nope", false).is_err(),
            "an unregistered name is refused"
        );
        let names: Vec<String> = Kind::value_variants()
            .iter()
            .map(|k| k.to_string())
            .collect();
        assert_eq!(names, ["netns", "vagrant", "stub"]);
    }

    #[test]
    fn the_stub_is_refused_where_it_cannot_run() {
        let lab = crate::spec::load("chapter4", crate::spec::LoadOptions::default()).unwrap();
        let why = (registry::entry(Kind::Stub).unavailable)(&lab, &Options::default());
        assert_eq!(
            why.as_deref(),
            Some("stub: it is a test-only provider: it runs nothing on any host")
        );
        let e = registry::make(Kind::Stub).available().unwrap_err();
        assert!(matches!(e, LabError::Unavailable { .. }), "{e}");
        assert_eq!(e.exit_code(), 4);
        let rt = tokio::runtime::Runtime::new().unwrap();
        let up = rt.block_on(registry::make(Kind::Stub).up(&lab, "fixed", &Reporter::quiet()));
        assert!(matches!(up, Err(LabError::Unavailable { .. })));
    }

    #[test]
    fn a_state_naming_a_provider_nobody_has_is_refused() {
        let mut lab = crate::spec::load("chapter4", crate::spec::LoadOptions::default()).unwrap();
        lab.name = format!("stubtest{}", std::process::id());
        // Control: a registered name is resolved (to the stub here).
        let st = State::new(&lab, Kind::Stub, "fixed", serde_json::Value::Null);
        assert_eq!(registry::for_state(&st).unwrap().kind(), Kind::Stub);
        let st = State::new(&lab, Kind::named("gone"), "fixed", serde_json::Value::Null);
        let e = registry::for_state(&st).err().expect("refused");
        assert!(matches!(e, LabError::Untrusted(_)), "{e}");
        let text = e.to_string();
        assert!(
            text.contains("names provider 'gone'")
                && text.contains("providers: netns, vagrant, stub"),
            "{text}"
        );
    }
}
