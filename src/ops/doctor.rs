//! `lab doctor --fix`: installing the Debian packages a provider needs
//! (what is missing is asked of the provider: `provider::netns::missing_programs`).

use crate::error::{LabError, Result};

/// Install Debian packages with apt-get (`update`, then `install`), as root.
pub fn install_debian_packages(pkgs: &[&str]) -> Result<()> {
    let status =
        |c: &mut std::process::Command| c.env("DEBIAN_FRONTEND", "noninteractive").status();
    let ok = status(
        std::process::Command::new("apt-get")
            .arg("update")
            .arg("-qq"),
    )
    .map(|s| s.success())
    .unwrap_or(false);
    if !ok {
        return Err(LabError::Step {
            step: "apt-get update".into(),
            message: "failed; install the packages by hand".into(),
        });
    }
    let ok = status(
        std::process::Command::new("apt-get")
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(pkgs),
    )
    .map(|s| s.success())
    .unwrap_or(false);
    if ok {
        Ok(())
    } else {
        Err(LabError::Step {
            step: "apt-get install".into(),
            message: format!("failed to install {}", pkgs.join(" ")),
        })
    }
}
