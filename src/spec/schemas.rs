//! Every manifest of a lab checked against the OpenAPI schemas of the lab's
//! own Kubernetes version (`kubernetes: "1.32"`), so a lab never ships an
//! object its cluster would refuse: a field of the wrong type, a field the
//! version does not know (strict), or a kind/apiVersion the version does not
//! have (PodSecurityPolicy after 1.25).
//!
//! The schemas are those PyPI's `kubernetes-validate` ships, one set per
//! minor version; `lab` drives its Python API with the short program below
//! and reads one JSON line per problem, each naming the file, the line where
//! the object starts, and the object (`DaemonSet/kube-flannel-ds`).

use crate::error::{LabError, Problem, Result};
use crate::spec::Lab;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Reads the files given as arguments (after the version), validates every
/// document, prints one JSON object per problem.
const PROGRAM: &str = r#"
import json, sys
try:
    import yaml, kubernetes_validate as kv
except ImportError as e:
    print(json.dumps({"missing": str(e)})); sys.exit(0)
version = sys.argv[1]
known = kv.utils.all_versions()
if kv.utils.major_minor(version) not in [kv.utils.major_minor(v) for v in known]:
    print(json.dumps({"unsupported": "kubernetes-validate %s has schemas for %s only" % (kv.__version__, ", ".join(kv.utils.major_minor(v) for v in known))}))
    sys.exit(0)
for path in sys.argv[2:]:
    text = open(path, encoding="utf-8").read()
    nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    docs = list(yaml.safe_load_all(text))
    for node, doc in zip(nodes, docs):
        if not isinstance(doc, dict):
            continue
        meta = doc.get("metadata") or {}
        obj = "%s/%s" % (doc.get("kind", "?"), meta.get("name", "?") if isinstance(meta, dict) else "?")
        out = {"file": path, "line": node.start_mark.line + 1, "object": obj}
        try:
            kv.validate(doc, version, strict=True)
        except kv.SchemaNotFoundError:
            out["message"] = "Kubernetes %s has no %s in %s" % (version, doc.get("kind"), doc.get("apiVersion"))
        except kv.ValidationError as e:
            where = ".".join(str(p) for p in e.path)
            out["message"] = (where + ": " if where else "") + e.message
        except Exception as e:
            out["message"] = "could not be validated: %s" % e
        else:
            continue
        print(json.dumps(out))
"#;

/// The longest the validator may run (this machine: about a second for
/// chapter4's three manifests).
const VALIDATOR_TIME: std::time::Duration = std::time::Duration::from_secs(120);

/// The files of a lab that are Kubernetes manifests: every variant's network
/// and every workload, each once, in the lab's order.
pub fn manifest_files(lab: &Lab) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = Vec::new();
    for f in lab
        .variants
        .iter()
        .map(|v| &v.manifest)
        .chain(lab.workload_files.iter())
    {
        if !files.contains(f) {
            files.push(f.clone());
        }
    }
    files
}

/// The schema version for a lab's `kubernetes:` (`1.32` → `1.32.0`).
pub fn schema_version(kubernetes: &str) -> String {
    if kubernetes.matches('.').count() >= 2 {
        kubernetes.to_string()
    } else {
        format!("{kubernetes}.0")
    }
}

/// Validate every manifest of `lab` against its Kubernetes version. Ok with
/// no problems: all valid. The problems name file, line and object (as
/// `field`). Err: the validator could not run (not installed, or it does
/// not know the version).
pub fn validate(lab: &Lab) -> Result<Vec<Problem>> {
    validate_files(&manifest_files(lab), &lab.kubernetes)
}

/// [`validate`] for given files and version.
pub fn validate_files(files: &[PathBuf], kubernetes: &str) -> Result<Vec<Problem>> {
    run_validator(PROGRAM, files, kubernetes, VALIDATOR_TIME)
}

/// Run `program` (the validator, or a test's) on the files, stopped after
/// `limit`.
fn run_validator(
    program: &str,
    files: &[PathBuf],
    kubernetes: &str,
    limit: std::time::Duration,
) -> Result<Vec<Problem>> {
    let version = schema_version(kubernetes);
    let unavailable = |why: String| LabError::Unavailable {
        provider: "kubernetes-validate".into(),
        why,
    };
    // Bounded in time: a validator that does not finish (a manifest that
    // is slow to check, a stuck interpreter) is stopped, not waited for.
    let out = Command::new("timeout")
        .args(["--kill-after=5", &limit.as_secs().to_string()])
        .arg("python3")
        .arg("-c")
        .arg(program)
        .arg(&version)
        .args(files)
        .output()
        .map_err(|e| unavailable(format!("cannot run python3: {e}")))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    // `timeout` exits 124 when it stopped the validator (137 after KILL).
    if matches!(out.status.code(), Some(124) | Some(137)) {
        return Err(unavailable(format!(
            "the validator did not finish in {} s and was stopped",
            limit.as_secs()
        )));
    }
    if !out.status.success() {
        return Err(unavailable(format!(
            "validating {} failed: {}",
            files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let mut problems = Vec::new();
    for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| unavailable(format!("unreadable validator output {line:?}: {e}")))?;
        if let Some(m) = v.get("unsupported").and_then(|m| m.as_str()) {
            return Err(unavailable(format!(
                "no schemas for Kubernetes {version}: {m}"
            )));
        }
        if let Some(m) = v.get("missing").and_then(|m| m.as_str()) {
            return Err(unavailable(format!(
                "{m}: install it with `pip install kubernetes-validate` (.ci/install does)"
            )));
        }
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("?").to_string();
        problems.push(Problem {
            file: Path::new(&s("file")).to_path_buf(),
            line: v.get("line").and_then(|l| l.as_u64()).map(|l| l as usize),
            column: None,
            field: s("object"),
            message: format!("not valid for Kubernetes {version}: {}", s("message")),
        });
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minor_versions_get_a_patch() {
        assert_eq!(schema_version("1.32"), "1.32.0");
        assert_eq!(schema_version("1.32.4"), "1.32.4");
    }

    #[test]
    fn a_validator_that_does_not_finish_is_stopped_and_says_so() {
        let started = std::time::Instant::now();
        let err = run_validator(
            "import time; time.sleep(60)",
            &[],
            "1.32",
            std::time::Duration::from_secs(1),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("did not finish in 1 s"), "{err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
    }
}
