//! `lab doctor`: what this host lacks for a provider, asked of the
//! provider's own doctor (its registry entry's `doctor`), which says it a
//! line at a time and installs what it can with `--fix`.

use crate::error::Result;
use crate::provider::registry::{self, DoctorAsk, Options};
use crate::provider::{self, Kind};
use crate::spec::LoadOptions;

/// What `lab doctor` was asked.
pub struct Settings {
    /// `--provider`, else this host's default, else the first provider
    /// that does not need what this host lacks for the default.
    pub provider: Option<Kind>,
    pub fix: bool,
    /// `--lab`: the lab whose needs are checked.
    pub lab: Option<String>,
    pub options: Options,
}

/// The provider's doctor, its lines through `say`.
pub fn run(s: &Settings, say: &mut dyn FnMut(&str)) -> Result<()> {
    let kind = match s.provider {
        Some(k) => k,
        None => provider::default_kind().unwrap_or_else(|_| registry::fallback_kind()),
    };
    let lab = match &s.lab {
        Some(l) => Some(super::definition(l, None, LoadOptions::default())?),
        None => None,
    };
    let ask = DoctorAsk {
        fix: s.fix,
        lab: lab.as_ref(),
        options: s.options,
    };
    (registry::entry(kind).doctor)(&ask, say)
}
