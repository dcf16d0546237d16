//! netns's doctor (its entry's `doctor`, for `lab doctor`): the programs
//! it needs, one line each with the Debian package that has it; with a lab,
//! the limits of this host the lab needs; `--fix` installs what is missing
//! with apt-get.

use super::limits;
use crate::error::{LabError, Result};
use crate::provider::registry::DoctorAsk;
use crate::spec::Lab;

/// netns's doctor: each program it needs (with its Debian package), and
/// with a lab each limit of this host the lab needs; `--fix` installs the
/// missing packages with apt-get.
pub fn report(ask: &DoctorAsk<'_>, say: &mut dyn FnMut(&str)) -> Result<()> {
    let fix = ask.fix;
    let limits_fail = match ask.lab {
        Some(lab) => netns_limits(lab, say),
        None => None,
    };
    // A lab's process and memory limits are cut to fit the host.
    say(&super::cgroups::doctor_line(match ask.lab {
        Some(lab) => limits::cgroup_limits(lab, &limits::Host::read()),
        None => (super::cgroups::NODE, super::cgroups::POD),
    }));
    let userns = super::sys::userns::can_make();
    say(&super::sys::userns::doctor_line(&userns));
    let missing = super::missing_programs();
    for (prog, pkg) in super::PACKAGES {
        let ok = !missing.iter().any(|(p, _)| p == prog);
        say(&format!(
            "{} {prog:<16} (Debian package {pkg})",
            if ok { "ok     " } else { "MISSING" }
        ));
    }
    if let Err(e) = userns {
        return Err(LabError::Unavailable {
            provider: "netns".into(),
            why: super::sys::userns::refused(&e),
        });
    }
    if missing.is_empty() {
        if let Some(why) = limits_fail {
            return Err(LabError::Unavailable {
                provider: "netns".into(),
                why,
            });
        }
        say("netns provider: ready");
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
    say(&format!("installing with apt-get: {}", pkgs.join(" ")));
    crate::exec::install_debian_packages(&pkgs)
}

/// `lab doctor --lab L` on netns: each limit of the host the lab needs, one
/// line each; the refusal `lab up` would give, if any.
fn netns_limits(lab: &Lab, say: &mut dyn FnMut(&str)) -> Option<String> {
    for l in limits::limits(lab, &limits::Host::read()) {
        // Memory is counted in KiB: said in MiB, with its unit.
        let amount = |n: u64| l.amount(n);
        use crate::report::terminal::wrap_text;
        let mut line = wrap_text(
            if l.ok() { "ok     " } else { "LIMIT  " },
            &format!(
                "{} (needs {}, has {})",
                l.what,
                amount(l.needed),
                amount(l.available)
            ),
            8,
        );
        if !l.ok() {
            line.push('\n');
            line.push_str(&wrap_text("        fix:", &l.fix, 13));
        }
        say(&line);
    }
    limits::exceeded(lab, &limits::Host::read())
}
