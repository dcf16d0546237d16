//! A run's record into a [`RunData`]: the one way results enter the
//! history.
//!
//! The record is read as its own type ([`RunReport`], versions 1 and 2:
//! version 1's `inputs.flannel_image` is version 2's `inputs.cni_image`)
//! and stored whole beside the rows the analysis reads; the rows are the
//! record's results as they are, the chapter's blocks among them (variant
//! [`BOOK_VARIANT`]) with the book's own verdict word from the typed `book`
//! section.

use super::{ResultKind, ResultRow, RunData, RunStatus, StepRow};
use crate::book::report::BOOK_VARIANT;
use crate::report::run::{HostInfo, Inputs, Outcome, RunReport, SCHEMA_VERSION};
use std::collections::BTreeMap;

/// A run record's JSON as the record, upgraded to this `lab`'s version:
/// refused when it is not a record, is of another kind, or is newer.
pub fn read_record(text: &str) -> Result<RunReport, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let obj = v.as_object().ok_or("not a JSON object")?;
    let n = obj
        .get("schema_version")
        .ok_or("not a run record (no schema_version)")?
        .as_u64()
        .ok_or("schema_version is not a number")?;
    if n > u64::from(SCHEMA_VERSION) {
        return Err(format!(
            "run record schema_version {n} is newer than this lab reads ({SCHEMA_VERSION})"
        ));
    }
    if let Some(kind) = obj.get("kind").and_then(|k| k.as_str())
        && kind != crate::report::run::KIND
    {
        return Err(format!("kind is {kind:?}, not \"lab-run\""));
    }
    let mut rec: RunReport = serde_json::from_value(v).map_err(|e| format!("run record: {e}"))?;
    rec.schema_version = SCHEMA_VERSION;
    Ok(rec)
}

/// A `lab test --json` run record as a run.
pub fn test_report(text: &str) -> Result<RunData, String> {
    read_record(text).map(run_data)
}

/// What a run depended on as the history's input keys: `file:<name>`,
/// `cni_image`, `kubernetes`, `box`, `box_version`, `git_commit`, `kernel`,
/// `lab_version` (unknown values are left out).
pub fn input_keys(inputs: &Inputs, host: &HostInfo) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = inputs
        .files
        .iter()
        .map(|(f, d)| (format!("file:{f}"), d.clone()))
        .collect();
    let known = [
        ("cni_image", &inputs.cni_image),
        ("kubernetes", &inputs.kubernetes),
        ("box", &inputs.box_name),
        ("box_version", &inputs.box_version),
        ("git_commit", &inputs.git_commit),
    ];
    for (k, v) in known {
        if let Some(v) = v {
            out.insert(k.into(), v.clone());
        }
    }
    for (k, v) in [("kernel", &host.kernel), ("lab_version", &host.lab_version)] {
        if !v.is_empty() {
            out.insert(k.into(), v.clone());
        }
    }
    out
}

/// A run record as a run of the history.
pub fn run_data(rec: RunReport) -> RunData {
    // The chapter's blocks are results like the checks (one per block, in
    // the chapter's order); the book's own word for each is the detail.
    let words: Vec<&'static str> = rec
        .book
        .iter()
        .flat_map(|b| b.blocks.iter().map(|b| b.verdict.as_str()))
        .collect();
    let mut block = 0;
    let results = rec
        .results
        .iter()
        .map(|r| {
            let is_block = r.variant == BOOK_VARIANT;
            let detail = if is_block {
                block += 1;
                words
                    .get(block - 1)
                    .filter(|w| **w != "match")
                    .map(|w| w.to_string())
            } else {
                None
            };
            ResultRow {
                kind: if is_block {
                    ResultKind::Block
                } else {
                    ResultKind::Check
                },
                variant: if is_block {
                    String::new()
                } else {
                    r.variant.clone()
                },
                name: r.name.clone(),
                verdict: r.verdict,
                detail,
                path: Some(r.path.clone()).filter(|p| !p.is_empty()),
                expected: Some(r.expected.clone()).filter(|p| !p.is_empty()),
                observed: Some(r.observed.clone()).filter(|p| !p.is_empty()),
                duration_s: Some(crate::report::run::seconds(r.elapsed)),
            }
        })
        .collect();
    let mut inputs = input_keys(&rec.inputs, &rec.host);
    if let Some(v) = &rec.lab.version {
        inputs.insert("lab.version".into(), v.clone());
    }
    let status = match rec.outcome {
        Outcome::Passed => RunStatus::Passed,
        Outcome::Failed => RunStatus::Failed,
        Outcome::Interrupted => RunStatus::Interrupted,
        Outcome::Error => RunStatus::Error,
    };
    RunData {
        status,
        reason: rec.error.clone(),
        run_id: Some(rec.run_id.clone()),
        started_at: Some(rec.started_at.clone()),
        finished_at: Some(rec.finished_at.clone()),
        duration_s: Some(rec.duration_s),
        host: Some(rec.host.hostname.clone()).filter(|h| !h.is_empty()),
        kernel: Some(rec.host.kernel.clone()).filter(|k| !k.is_empty()),
        inputs,
        steps: rec
            .steps
            .iter()
            .map(|s| StepRow {
                name: s.name.clone(),
                phase: serde_json::to_value(s.phase)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                variant: s.variant.clone(),
                ok: s.ok,
                duration_s: s.duration_s,
            })
            .collect(),
        results,
        record: Some(Box::new(rec)),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::report::Verdict;

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
    fn a_version_1_record_is_read_with_its_inputs_and_steps() {
        let d = test_report(RECORD).unwrap();
        assert_eq!(d.status, RunStatus::Failed);
        assert_eq!(
            d.run_id.as_deref(),
            Some("20261127T120102Z-chapter4-netns-4f3a")
        );
        assert_eq!(d.inputs["file:flannel.yml"], "sha256:bb");
        assert_eq!(d.inputs["cni_image"], "docker.io/flannel/flannel:v0.26.1");
        assert_eq!(d.inputs["kernel"], "6.1.0-13");
        // The record's git_commit (the lab folder's last commit) is the
        // history's: one meaning, computed once (`report::run::Inputs`).
        assert_eq!(d.inputs["git_commit"], "abc");
        assert!(!d.inputs.contains_key("box"));
        assert_eq!(d.steps[0].duration_s, 0.41);
        assert_eq!(d.results[0].verdict, Verdict::Fail);
        assert_eq!(d.results[0].path.as_deref(), Some("a → b"));
        let rec = d.record.expect("the record is kept");
        assert_eq!(rec.schema_version, SCHEMA_VERSION);
        assert_eq!(
            rec.inputs.cni_image.as_deref(),
            Some("docker.io/flannel/flannel:v0.26.1")
        );
    }

    #[test]
    fn a_newer_record_or_a_stranger_is_refused() {
        let newer = RECORD.replace("\"schema_version\": 1", "\"schema_version\": 3");
        assert!(test_report(&newer).unwrap_err().contains("newer"));
        assert!(test_report("{\"x\": 1}").is_err());
        assert!(test_report("[1]").is_err());
        let other = RECORD.replace("\"lab-run\"", "\"lab-walk\"");
        assert!(test_report(&other).unwrap_err().contains("lab-walk"));
    }

    /// The `book` section as `lab test` writes it: commands are objects.
    pub(crate) const BOOK: &str = r#"{"version":1,"chapter":"/l/chapter.md","lab":"chapter4",
      "provider":"netns","known_file":"/l/chapter.drift.yaml","blessed":false,
      "summary":{"match":1,"drift":1,"known_drift":0,"skipped":0,"not_understood":0,"error":0},
      "blocks":[
        {"line":103,"end":110,"fence":"```bash","verdict":"drift","prose":[],"duration_s":0.5,
         "commands":[{"line":104,"command":"kubectl get pods -o wide","verdict":"drift","variant":"broken",
           "book":["nginx-1 10.244.1.2"],"lab":["nginx-1 10.244.1.9"],
           "bindings":["nginx-deployment-66b6c48dd5-ab12c → nginx-1"],
           "differences":["the book shows 10.244.1.2, the lab shows 10.244.1.9"],"known":[""]}]},
        {"line":18,"end":20,"fence":"```bash","verdict":"match","prose":[],"duration_s":0.1,
         "commands":[{"line":19,"command":"ip route","verdict":"match","variant":"broken",
           "book":[],"lab":[],"bindings":[],"differences":[],"known":[]}]}]}"#;

    /// A v2 record of a run that replayed the chapter, as `lab test` makes it.
    pub(crate) fn record_with_book() -> RunReport {
        let mut rec = read_record(RECORD).unwrap();
        let book: crate::book::BookReport = serde_json::from_str(BOOK).unwrap();
        rec.results.extend(crate::book::report::as_checks(&book));
        rec.book = Some(book);
        rec
    }

    #[test]
    fn book_blocks_are_named_by_their_command_and_say_what_differs() {
        // Read from the record's JSON, as the nightly reads it: the first
        // command is an object, and its block is named by its command, not
        // by the object's JSON (issue 19).
        let d = test_report(&record_with_book().to_json()).unwrap();
        let blocks: Vec<&ResultRow> = d
            .results
            .iter()
            .filter(|r| r.kind == ResultKind::Block)
            .collect();
        let got: Vec<(&str, Verdict, Option<&str>)> = blocks
            .iter()
            .map(|r| (r.name.as_str(), r.verdict, r.detail.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "line 103: kubectl get pods -o wide",
                    Verdict::Fail,
                    Some("drift")
                ),
                ("line 18: ip route", Verdict::Pass, None),
            ]
        );
        assert!(blocks.iter().all(|b| !b.name.contains('{')));
        let observed = blocks[0].observed.as_deref().unwrap();
        assert!(
            observed.contains("the book shows 10.244.1.2, the lab shows 10.244.1.9"),
            "{observed}"
        );
    }

    #[test]
    fn a_run_round_trips_through_the_history_as_the_same_record() {
        let dir = tempfile::tempdir().unwrap();
        let mut h = super::super::History::open(&dir.path().join("h.db")).unwrap();
        let n = h.begin_night("n1", "2026-11-27T12:00:00Z", None).unwrap();
        let rec = record_with_book();
        let d = run_data(rec.clone());
        h.record_run(n, "chapter4", "netns", &d).unwrap();
        let snap = h.load().unwrap();
        let back = &snap.nights[0].runs[0].data;
        assert_eq!(back.record.as_deref(), Some(&rec));
        assert_eq!(back, &d);
    }
}
