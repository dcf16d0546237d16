//! `lab doctor [--provider P] [--fix] [--lab L] [--vm V]`: what this host
//! lacks for a provider, one line each; `--fix` installs missing Debian
//! packages (netns). Then the kubectl of each lab's pinned Kubernetes minor
//! (for the book's kubectl lines; see [`crate::kubectl`]): informational,
//! a lab runs without it; `--fix` installs the minors lab can install.

use super::output::out;
use crate::error::{LabError, Result};
use crate::provider::netns::limits;
use crate::provider::vagrant::Vm;
use crate::provider::{self, Kind};
use crate::spec::{self, Lab, LoadOptions};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long, value_enum)]
    provider: Option<Kind>,
    /// Install missing OS packages with apt-get.
    #[arg(long)]
    fix: bool,
    /// For vagrant: check the lab's private range against VirtualBox.
    #[arg(long)]
    lab: Option<String>,
    #[arg(long, value_enum, default_value = "virtualbox")]
    vm: Vm,
}

pub fn run(a: Args) -> Result<()> {
    let kind = match a.provider {
        Some(k) => k,
        None => provider::default_kind().unwrap_or(Kind::Vagrant),
    };
    let provider = match kind {
        Kind::Netns => netns(a.fix, a.lab.as_deref()),
        Kind::Vagrant => vagrant(a.lab.as_deref(), a.vm),
    };
    let kubectl = super::doctor_kubectl::report(a.fix, a.lab.as_deref());
    provider.and(kubectl)
}

fn netns(fix: bool, lab: Option<&str>) -> Result<()> {
    let limits_fail = match lab {
        Some(l) => netns_limits(&spec::load(l, LoadOptions::default())?),
        None => None,
    };
    let missing = provider::netns::missing_programs();
    for (prog, pkg) in provider::netns::PACKAGES {
        let ok = !missing.iter().any(|(p, _)| p == prog);
        out!(
            "{} {prog:<16} (Debian package {pkg})",
            if ok { "ok     " } else { "MISSING" }
        );
    }
    if missing.is_empty() {
        if let Some(why) = limits_fail {
            return Err(LabError::Unavailable {
                provider: "netns".into(),
                why,
            });
        }
        out!("netns provider: ready");
        return Ok(());
    }
    let mut pkgs: Vec<&str> = missing.iter().map(|(_, p)| *p).collect();
    pkgs.sort();
    pkgs.dedup();
    if !fix {
        return Err(LabError::Unavailable {
            provider: "netns".into(),
            why: format!(
                "missing programs; run `lab doctor --fix` or `apt-get install {}`",
                pkgs.join(" ")
            ),
        });
    }
    out!("installing with apt-get: {}", pkgs.join(" "));
    crate::ops::doctor::install_debian_packages(&pkgs)
}

/// `lab doctor --lab L` on netns: each limit of the host the lab needs, one
/// line each; the refusal `lab up` would give, if any.
fn netns_limits(lab: &Lab) -> Option<String> {
    for l in limits::limits(lab, &limits::Host::read()) {
        out!(
            "{} {} (needs {}, has {}){}",
            if l.ok() { "ok     " } else { "LIMIT  " },
            l.what,
            l.needed,
            l.available,
            if l.ok() {
                String::new()
            } else {
                format!("\n        fix: {}", l.fix)
            }
        );
    }
    limits::exceeded(lab, &limits::Host::read())
}

fn vagrant(lab: Option<&str>, vm: Vm) -> Result<()> {
    let lab = match lab {
        Some(l) => Some(spec::load(l, LoadOptions::default())?),
        None => None,
    };
    let lines = crate::provider::vagrant::doctor(lab.as_ref(), vm);
    let mut bad = 0;
    for l in &lines {
        out!("{} {}", if l.ok { "ok     " } else { "PROBLEM" }, l.what);
        if !l.ok {
            bad += 1;
            if let Some(fix) = &l.fix {
                out!("        fix: {fix}");
            }
        }
    }
    if bad == 0 {
        Ok(())
    } else {
        Err(LabError::Unavailable {
            provider: "vagrant".into(),
            why: format!("{bad} problem(s) above"),
        })
    }
}
