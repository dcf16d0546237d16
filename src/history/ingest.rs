//! A run's JSON report into a [`RunData`]: the one way results enter the
//! history.
//!
//! [`test_report`] accepts the versioned run record (`schema_version: 1`,
//! `kind: "lab-run"`, written by `lab test --json`); the chapter's blocks
//! come from its `book` section (`{"chapter", "blocks": [{"line",
//! "verdict", "commands"}]}`), which `lab test` of a lab with a chapter
//! writes.

use super::{ResultKind, ResultRow, RunData, RunStatus, StepRow, Verdict};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The run record schema this `lab` reads.
pub const RUN_SCHEMA_VERSION: u64 = 1;

#[derive(Deserialize)]
struct RunRecord {
    run_id: Option<String>,
    #[serde(default)]
    host: Option<HostRec>,
    #[serde(default)]
    inputs: Option<serde_json::Map<String, serde_json::Value>>,
    started_at: Option<String>,
    finished_at: Option<String>,
    duration_s: Option<f64>,
    #[serde(default)]
    steps: Vec<StepRec>,
    #[serde(default)]
    results: Vec<ResultRec>,
    outcome: Option<String>,
    error: Option<String>,
    #[serde(default)]
    book: Option<serde_json::Value>,
    #[serde(default)]
    lab: Option<LabRec>,
}

#[derive(Deserialize)]
struct LabRec {
    version: Option<String>,
}

#[derive(Deserialize)]
struct HostRec {
    hostname: Option<String>,
    kernel: Option<String>,
    lab_version: Option<String>,
}

#[derive(Deserialize)]
struct StepRec {
    name: String,
    #[serde(default)]
    phase: Option<String>,
    #[serde(default)]
    variant: Option<String>,
    #[serde(default = "yes")]
    ok: bool,
    #[serde(default)]
    duration_s: f64,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct ResultRec {
    name: String,
    #[serde(default)]
    variant: String,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    expected: Option<String>,
    #[serde(default)]
    observed: Option<String>,
    verdict: String,
    #[serde(default)]
    duration_s: Option<f64>,
}

fn outcome_status(outcome: Option<&str>, results: &[ResultRow]) -> RunStatus {
    match outcome {
        Some("passed") => RunStatus::Passed,
        Some("failed") => RunStatus::Failed,
        Some("interrupted") => RunStatus::Interrupted,
        Some("error") => RunStatus::Error,
        _ if results.iter().any(|r| r.verdict.failing()) => RunStatus::Failed,
        _ => RunStatus::Passed,
    }
}

/// A `lab test --json` run record as a run.
pub fn test_report(text: &str) -> Result<RunData, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let obj = v.as_object().ok_or("not a JSON object")?;
    match obj.get("schema_version") {
        Some(sv) => {
            let n = sv.as_u64().ok_or("schema_version is not a number")?;
            if n > RUN_SCHEMA_VERSION {
                return Err(format!(
                    "run record schema_version {n} is newer than this lab reads ({RUN_SCHEMA_VERSION})"
                ));
            }
            if let Some(kind) = obj.get("kind").and_then(|k| k.as_str())
                && kind != "lab-run"
            {
                return Err(format!("kind is {kind:?}, not \"lab-run\""));
            }
            let rec: RunRecord =
                serde_json::from_value(v.clone()).map_err(|e| format!("run record: {e}"))?;
            run_record(rec)
        }
        None => Err("not a run record (no schema_version)".into()),
    }
}

fn run_record(rec: RunRecord) -> Result<RunData, String> {
    let mut results = Vec::new();
    // `lab test` of a lab with a chapter has its blocks twice: as results
    // (variant `book`) and as the `book` section, whose verdicts are the
    // book's own words; the section is kept.
    let has_book = rec.book.as_ref().is_some_and(|b| !b.is_null());
    for r in rec
        .results
        .into_iter()
        .filter(|r| !(has_book && r.variant == "book"))
    {
        results.push(ResultRow {
            kind: ResultKind::Check,
            verdict: Verdict::parse(&r.verdict)
                .ok_or_else(|| format!("result '{}': unknown verdict {:?}", r.name, r.verdict))?,
            variant: r.variant,
            name: r.name,
            detail: None,
            path: r.path,
            expected: r.expected,
            observed: r.observed,
            duration_s: r.duration_s,
        });
    }
    if let Some(book) = rec.book.filter(|b| !b.is_null()) {
        results.extend(book_blocks(&book)?);
    }
    let mut inputs = BTreeMap::new();
    if let Some(map) = rec.inputs {
        flatten_inputs(&mut inputs, "", &map);
    }
    let (host, kernel) = match rec.host {
        Some(h) => {
            if let Some(v) = &h.kernel {
                inputs.insert("kernel".into(), v.clone());
            }
            if let Some(v) = h.lab_version {
                inputs.insert("lab_version".into(), v);
            }
            (h.hostname, h.kernel)
        }
        None => (None, None),
    };
    if let Some(v) = rec.lab.and_then(|l| l.version) {
        inputs.insert("lab.version".into(), v);
    }
    let status = outcome_status(rec.outcome.as_deref(), &results);
    Ok(RunData {
        status,
        reason: rec.error,
        run_id: rec.run_id,
        started_at: rec.started_at,
        finished_at: rec.finished_at,
        duration_s: rec.duration_s,
        host,
        kernel,
        inputs,
        steps: rec
            .steps
            .into_iter()
            .map(|s| StepRow {
                name: s.name,
                phase: s.phase.unwrap_or_else(|| "up".into()),
                variant: s.variant.unwrap_or_default(),
                ok: s.ok,
                duration_s: s.duration_s,
            })
            .collect(),
        results,
    })
}

/// `{"files": {"lab.yaml": "sha256:.."}, "kubernetes": "1.32"}` into
/// `file:lab.yaml`, `kubernetes`; nulls are left out (nothing known).
fn flatten_inputs(
    out: &mut BTreeMap<String, String>,
    prefix: &str,
    map: &serde_json::Map<String, serde_json::Value>,
) {
    for (k, v) in map {
        let key = match (prefix, k.as_str()) {
            ("", "files") => {
                if let Some(m) = v.as_object() {
                    flatten_inputs(out, "file:", m);
                }
                continue;
            }
            ("", k) => k.to_string(),
            (p, k) => format!("{p}{k}"),
        };
        match v {
            serde_json::Value::Null => {}
            serde_json::Value::String(s) => {
                out.insert(key, s.clone());
            }
            serde_json::Value::Object(m) => flatten_inputs(out, &format!("{key}."), m),
            other => {
                out.insert(key, other.to_string());
            }
        }
    }
}

/// The `book` section of a run record (a `lab book --json` report) as results.
fn book_blocks(v: &serde_json::Value) -> Result<Vec<ResultRow>, String> {
    let blocks = v
        .get("blocks")
        .and_then(|b| b.as_array())
        .ok_or("a book report has a \"blocks\" list")?;
    let mut out = Vec::new();
    for b in blocks {
        let line = b.get("line").and_then(|l| l.as_u64()).unwrap_or(0);
        let word = b
            .get("verdict")
            .and_then(|x| x.as_str())
            .ok_or_else(|| format!("block at line {line}: no verdict"))?;
        let verdict = match word {
            "match" | "known_drift" => Verdict::Pass,
            "drift" | "not_understood" => Verdict::Fail,
            "skipped" => Verdict::Skip,
            "error" => Verdict::Error,
            other => return Err(format!("block at line {line}: unknown verdict {other:?}")),
        };
        let first = b
            .get("commands")
            .and_then(|c| c.as_array())
            .and_then(|c| c.first())
            .and_then(|c| {
                c.as_str()
                    .map(str::to_string)
                    .or_else(|| Some(c.to_string()))
            })
            .unwrap_or_default();
        let first: String = first
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(60)
            .collect();
        out.push(ResultRow {
            kind: ResultKind::Block,
            variant: String::new(),
            name: if first.is_empty() {
                format!("line {line}")
            } else {
                format!("line {line}: {first}")
            },
            verdict,
            detail: (word != "match").then(|| word.to_string()),
            path: None,
            expected: None,
            observed: b
                .get("observed")
                .and_then(|o| o.as_str())
                .map(str::to_string),
            duration_s: b.get("duration_s").and_then(|d| d.as_f64()),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORD: &str = r#"{
      "schema_version": 1, "kind": "lab-run",
      "run_id": "20261127T120102Z-chapter4-netns-4f3a", "command": "test",
      "lab": { "name": "chapter4", "title": "Setup Network Using Flannel", "version": null },
      "provider": "netns",
      "host": { "hostname": "h", "kernel": "6.1.0-13", "os": "Debian", "lab_version": "0.1.0" },
      "inputs": { "files": { "lab.yaml": "sha256:aa", "flannel.yml": "sha256:bb" },
                  "flannel_image": "docker.io/flannel/flannel:v0.26.1", "kubernetes": "1.32",
                  "box": null, "box_version": null, "git_commit": "abc" },
      "started_at": "2026-11-27T12:01:02Z", "finished_at": "2026-11-27T12:01:14Z", "duration_s": 12.3,
      "artifacts_root": "/x",
      "steps": [ { "name": "namespaces", "phase": "up", "variant": "default", "ok": true, "duration_s": 0.41 } ],
      "variants": ["default"],
      "results": [ { "name": "pod to pod", "variant": "default", "path": "a → b", "expected": "unreachable",
                     "observed": "reachable", "verdict": "fail", "duration_s": 1.02, "output": "", "evidence": [] } ],
      "summary": { "passed": 0, "failed": 1, "errors": 0, "skipped": 0, "total": 1 },
      "outcome": "failed", "error": null
    }"#;

    #[test]
    fn the_run_record_is_read_with_its_inputs_and_steps() {
        let d = test_report(RECORD).unwrap();
        assert_eq!(d.status, RunStatus::Failed);
        assert_eq!(
            d.run_id.as_deref(),
            Some("20261127T120102Z-chapter4-netns-4f3a")
        );
        assert_eq!(d.inputs["file:flannel.yml"], "sha256:bb");
        assert_eq!(
            d.inputs["flannel_image"],
            "docker.io/flannel/flannel:v0.26.1"
        );
        assert_eq!(d.inputs["kernel"], "6.1.0-13");
        assert!(!d.inputs.contains_key("box"));
        assert_eq!(d.steps[0].duration_s, 0.41);
        assert_eq!(d.results[0].verdict, Verdict::Fail);
        assert_eq!(d.results[0].path.as_deref(), Some("a → b"));
    }

    #[test]
    fn a_newer_record_or_a_stranger_is_refused() {
        let newer = RECORD.replace("\"schema_version\": 1", "\"schema_version\": 2");
        assert!(test_report(&newer).unwrap_err().contains("newer"));
        assert!(test_report("{\"x\": 1}").is_err());
        assert!(test_report("[1]").is_err());
    }

    #[test]
    fn book_blocks_become_results() {
        let json = r#"{"chapter":"c.md","blocks":[
            {"line":12,"verdict":"match","commands":["kubectl get nodes"]},
            {"line":40,"verdict":"drift","commands":["ip route"]},
            {"line":50,"verdict":"known_drift","commands":[]},
            {"line":60,"verdict":"not_understood","commands":["vi x"]}]}"#;
        let book_report = |t: &str| book_blocks(&serde_json::from_str(t).unwrap());
        let r = book_report(json).unwrap();
        let got: Vec<(&str, Verdict, Option<&str>)> = r
            .iter()
            .map(|r| (r.name.as_str(), r.verdict, r.detail.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("line 12: kubectl get nodes", Verdict::Pass, None),
                ("line 40: ip route", Verdict::Fail, Some("drift")),
                ("line 50", Verdict::Pass, Some("known_drift")),
                ("line 60: vi x", Verdict::Fail, Some("not_understood")),
            ]
        );
        assert!(book_report(r#"{"blocks":[{"line":1,"verdict":"maybe"}]}"#).is_err());
    }
}
