//! The versioned run record ([`RunReport`]): what one `lab test` or
//! `lab verify` did, in one document that the table, JSON and JUnit render
//! and that later tools (`lab nightly`'s history) read back.
//!
//! Its JSON shape is a contract, documented in `docs/run-report.md` and
//! `docs/run-report.schema.json` (generated from these types, [`schema`]);
//! fields may be added, never renamed or removed without raising
//! [`SCHEMA_VERSION`]. Records of version 1 are still read
//! (`inputs.flannel_image` is version 2's `inputs.cni_image`).
//!
//! A run is recorded from the one event stream ([`super::Event`]): the
//! [`Recorder`] sink keeps the steps of every phase with their durations
//! (and the variants in the order they ran); the operation that ran it adds
//! the results, the inputs and the outcome. Every file a run writes lies
//! under one artifacts root, `.lab/<lab>/artifacts/<run_id>/`, and the record
//! names them relative to it.

pub use super::recorder::{Recorded, Recorder};
use super::{CheckResult, Tally, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The version of the record's JSON shape.
/// 2: `inputs.flannel_image` became `inputs.cni_image`; `book` is typed.
pub const SCHEMA_VERSION: u32 = 2;

/// What `kind` says: this document is a run of `lab`.
pub const KIND: &str = "lab-run";

/// The command a run was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RunCommand {
    Test,
    Verify,
    Book,
}

impl RunCommand {
    pub fn as_str(self) -> &'static str {
        match self {
            RunCommand::Test => "test",
            RunCommand::Verify => "verify",
            RunCommand::Book => "book",
        }
    }
}

/// The part of a run a step belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RunPhase {
    /// Bringing the lab up.
    Up,
    /// Switching it to another variant.
    Apply,
    /// Running the checks of one variant.
    Verify,
    /// Collecting the chapter's troubleshooting evidence.
    Evidence,
    /// Replaying the chapter (`lab test` or `lab book` of a lab with
    /// `book:`). A variant switch the chapter makes is a step of this
    /// phase, except where `lab test` checks that variant: then the switch
    /// is the run's own `apply` phase, followed by its checks, and the
    /// replay goes on after them.
    Book,
    /// Tearing it down.
    Destroy,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Every check held and every step succeeded.
    Passed,
    /// A check did not hold (or could not run); the steps succeeded.
    Failed,
    /// The run itself failed: bring-up, a switch, the evidence, the teardown.
    Error,
    /// Stopped by SIGINT, SIGTERM or SIGHUP.
    Interrupted,
}

/// The lab a run was of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LabInfo {
    pub name: String,
    pub title: String,
    /// `lab.yaml` has no version field yet: always null.
    pub version: Option<String>,
}

/// The machine a run was on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HostInfo {
    pub hostname: String,
    /// `uname -r`.
    pub kernel: String,
    /// `PRETTY_NAME` of `/etc/os-release`.
    pub os: String,
    /// The version of `lab` that ran.
    pub lab_version: String,
}

impl HostInfo {
    /// This machine, now.
    pub fn here() -> HostInfo {
        let uname = nix::sys::utsname::uname().ok();
        let os = std::fs::read_to_string("/etc/os-release")
            .ok()
            .and_then(|t| {
                t.lines()
                    .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                    .map(|v| v.trim().trim_matches('"').to_string())
            })
            .unwrap_or_else(|| std::env::consts::OS.to_string());
        HostInfo {
            hostname: nix::unistd::gethostname()
                .ok()
                .and_then(|h| h.into_string().ok())
                .unwrap_or_default(),
            kernel: uname
                .map(|u| u.release().to_string_lossy().into_owned())
                .unwrap_or_default(),
            os,
            lab_version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// What the results depend on, so that two runs can be compared.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Inputs {
    /// `sha256:<hex>` of the lab file and every manifest it names, by their
    /// path relative to the lab's folder.
    #[schemars(schema_with = "sha256_map")]
    pub files: BTreeMap<String, String>,
    /// The image of the CNI the manifests run (flannel's), if any; named
    /// `flannel_image` in records of version 1.
    #[serde(alias = "flannel_image")]
    pub cni_image: Option<String>,
    /// The Kubernetes minor version of `lab.yaml`.
    pub kubernetes: Option<String>,
    /// The Vagrant box, for the vagrant provider.
    #[serde(rename = "box")]
    pub box_name: Option<String>,
    pub box_version: Option<String>,
    /// The last commit that touched the lab's folder (`git log -1 -- DIR`),
    /// when it is inside a git repository: it changes when the lab's own
    /// files do, not with every commit elsewhere in the repository (this
    /// `lab`'s version is `host.lab_version`).
    pub git_commit: Option<String>,
}

/// The schema of [`Inputs::files`]: every value a `sha256:` digest.
fn sha256_map(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "object",
        "additionalProperties": { "type": "string", "pattern": "^sha256:[0-9a-f]{64}$" }
    })
}

/// The last commit that touched `dir` (see [`Inputs::git_commit`]), if it is
/// inside a git repository (and git is installed).
pub fn git_commit(dir: &Path) -> Option<String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["log", "-1", "--format=%H", "--", "."])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && id.len() >= 40 && id.chars().all(|c| c.is_ascii_hexdigit()))
        .then_some(id)
}

/// One step of a run, in the order it ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StepRecord {
    pub name: String,
    pub phase: RunPhase,
    pub variant: String,
    pub ok: bool,
    pub duration_s: f64,
    /// Why it failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Counts of verdicts; errors are counted apart from failures here (the
/// terminal's closing line adds them up).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
    pub skipped: usize,
    pub total: usize,
    /// Of `passed`, the book's blocks that passed as known drift, not as
    /// matches (their `observed` starts with `known drift`; 0 in records
    /// written before it was counted).
    #[serde(default)]
    pub known_drift: usize,
}

impl Summary {
    /// The counts of `results`.
    pub fn of(results: &[CheckResult]) -> Summary {
        Tally::of(results).into()
    }
}

impl From<Tally> for Summary {
    fn from(t: Tally) -> Summary {
        Summary {
            passed: t.passed,
            failed: t.failed,
            errors: t.errored,
            skipped: t.skipped,
            total: t.passed + t.failed + t.errored + t.skipped,
            known_drift: t.known_drift,
        }
    }
}

/// The record of one run (see the module's header and `docs/run-report.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RunReport {
    #[schemars(range(min = 1, max = 2))]
    pub schema_version: u32,
    #[schemars(extend("const" = "lab-run"))]
    pub kind: String,
    #[schemars(regex(pattern = r"^[0-9]{8}T[0-9]{6}Z-[a-z0-9-]+-[0-9a-f]{4}$"))]
    pub run_id: String,
    pub command: RunCommand,
    pub lab: LabInfo,
    pub provider: String,
    pub host: HostInfo,
    pub inputs: Inputs,
    #[schemars(regex(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"))]
    pub started_at: String,
    #[schemars(regex(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"))]
    pub finished_at: String,
    #[schemars(range(min = 0))]
    pub duration_s: f64,
    /// Every file this run wrote is under it; the paths below are relative.
    pub artifacts_root: PathBuf,
    pub steps: Vec<StepRecord>,
    /// In the order they ran.
    pub variants: Vec<String>,
    /// In check order, variant after variant; `evidence` relative to
    /// `artifacts_root`.
    pub results: Vec<CheckResult>,
    /// The troubleshooting evidence collected per variant (`lab test`),
    /// relative to `artifacts_root`.
    #[serde(default)]
    pub evidence: BTreeMap<String, Vec<PathBuf>>,
    pub summary: Summary,
    pub outcome: Outcome,
    /// What made the run itself fail, if it did.
    pub error: Option<String>,
    /// The chapter's replay (`lab test` of a lab with `book:`): the report
    /// of `lab book --json`. Its blocks are also in `results` (variant
    /// [`crate::book::report::BOOK_VARIANT`]). Absent when no chapter was
    /// replayed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub book: Option<super::book_section::BookReport>,
}

impl RunReport {
    /// The record as JSON (pretty, with a final newline).
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a run report serializes");
        text.push('\n');
        text
    }

    pub fn tally(&self) -> Tally {
        Tally::of(&self.results)
    }

    /// Where an evidence path of this record is on disk.
    pub fn evidence_path(&self, rel: &Path) -> PathBuf {
        self.artifacts_root.join(rel)
    }
}

/// A run id: UTC time, lab, provider and four random hex digits
/// (`20261127T120102Z-chapter4-netns-4f3a`): unique per run, sortable by
/// time, and the name of the run's artifacts folder.
pub fn new_run_id(lab: &str, provider: &str, at: SystemTime) -> String {
    let secs = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let t = crate::clock::Utc::from_unix(secs);
    let random = &crate::digest::random_id()[..4];
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z-{lab}-{provider}-{random}",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// RFC 3339 UTC time, to the second (`2026-11-27T12:01:02Z`): the one
/// formatter, [`crate::clock::Utc::rfc3339`].
pub fn rfc3339(at: SystemTime) -> String {
    let secs = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    crate::clock::Utc::from_unix(secs).rfc3339()
}

/// The record's JSON Schema, generated from [`RunReport`] (what
/// `docs/run-report.schema.json` holds; a test keeps the two equal).
pub fn schema() -> String {
    let schema = schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<RunReport>();
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema serializes");
    text.push('\n');
    text
}

/// Seconds, to the millisecond.
pub fn seconds(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0).round() / 1000.0
}

/// The outcome of a run from its error (if the run failed) and its results.
pub fn outcome_of(error: Option<&crate::error::LabError>, results: &[CheckResult]) -> Outcome {
    match error {
        Some(crate::error::LabError::Interrupted) => Outcome::Interrupted,
        Some(_) => Outcome::Error,
        None if results
            .iter()
            .any(|r| matches!(r.verdict, Verdict::Fail | Verdict::Error)) =>
        {
            Outcome::Failed
        }
        None => Outcome::Passed,
    }
}

/// `path` relative to `root` when it lies under it (evidence paths in a
/// record); as it is otherwise.
pub fn relative(path: &Path, root: &Path) -> PathBuf {
    path.strip_prefix(root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_times_and_images() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_780_862);
        let id = new_run_id("chapter4", "netns", at);
        assert!(id.starts_with("20261127T120102Z-chapter4-netns-"), "{id}");
        assert!(
            regex::Regex::new(r"^\d{8}T\d{6}Z-chapter4-netns-[0-9a-f]{4}$")
                .unwrap()
                .is_match(&id)
        );
        assert_eq!(rfc3339(at), "2026-11-27T12:01:02Z");
    }

    /// `git_commit` is the last commit that touched the lab's folder, not
    /// HEAD: a commit elsewhere in the repository changes nothing the lab's
    /// results depend on (it was HEAD here and the folder's commit in the
    /// nightly, so every night looked like a change).
    #[test]
    fn git_commit_is_the_last_commit_touching_the_lab_folder() {
        let repo = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| {
            let out = std::process::Command::new("git")
                .arg("-C")
                .arg(repo.path())
                .args([
                    "-c",
                    "user.name=lab",
                    "-c",
                    "user.email=lab@example.invalid",
                ])
                .args(args)
                .output()
                .expect("git runs");
            assert!(out.status.success(), "{out:?}");
            String::from_utf8(out.stdout).unwrap().trim().to_string()
        };
        git(&["init", "-q"]);
        let lab = repo.path().join("labs/chapter4");
        std::fs::create_dir_all(&lab).unwrap();
        std::fs::write(lab.join("lab.yaml"), "name: chapter4\n").unwrap();
        git(&["add", "."]);
        git(&["commit", "-q", "-m", "the lab"]);
        let lab_commit = git(&["rev-parse", "HEAD"]);
        std::fs::write(repo.path().join("README.md"), "elsewhere\n").unwrap();
        git(&["add", "."]);
        git(&["commit", "-q", "-m", "elsewhere"]);
        let head = git(&["rev-parse", "HEAD"]);
        assert_ne!(head, lab_commit);
        assert_eq!(git_commit(&lab).as_deref(), Some(lab_commit.as_str()));
        assert_eq!(git_commit(repo.path()).as_deref(), Some(head.as_str()));
        let outside = tempfile::tempdir().unwrap();
        assert_eq!(git_commit(outside.path()), None);
    }

    #[test]
    fn outcomes() {
        use crate::error::LabError;
        assert_eq!(outcome_of(None, &[]), Outcome::Passed);
        assert_eq!(
            outcome_of(Some(&LabError::Interrupted), &[]),
            Outcome::Interrupted
        );
        assert_eq!(
            outcome_of(
                Some(&LabError::Teardown(Box::new(LabError::Internal(
                    "x".into()
                )))),
                &[]
            ),
            Outcome::Error
        );
    }
}
