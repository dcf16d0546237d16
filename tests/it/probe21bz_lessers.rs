//! probe21bz's lessers: a lab up from a lab file not named `lab.yaml` that
//! `lab book`, `lab test`, `lab up` and `lab graph --variant` did not find
//! by its name (the others did); `lab apply` to the variant already
//! running, which said "already runs" on a state the others refuse; and
//! such a lab file's chapter, which a report replaced while the lab was
//! down.

use crate::labs::{TestLab, text};
use crate::probe21bv_state::{Foreign, start_time};

/// Seen failing before `Provider::refuse_untrusted` was asked on the way
/// to "already runs": `lab apply LAB --variant broken` (the variant that
/// runs) exit 0 on a state listing a namespace of the lab's prefix that
/// its claim does not, which every other command refuses (exit 2).
#[test]
fn apply_to_the_variant_that_runs_refuses_a_state_the_claim_does_not_back() {
    let t = TestLab::chapter4("lessbzap");
    t.up(&[]);
    let foreign = Foreign::new(&t.name);
    let file = t.dir().join("state.json");
    let good = std::fs::read(&file).unwrap();
    let pid = foreign.sleep.id();
    for with_process in [false, true] {
        let mut state: serde_json::Value = serde_json::from_slice(&good).unwrap();
        assert_eq!(state["variant"], "broken");
        let ps = &mut state["provider_state"];
        ps["namespaces"]
            .as_array_mut()
            .unwrap()
            .push(foreign.ns.clone().into());
        if with_process {
            let of = ps["pods"][0]["name"].as_str().unwrap().to_string();
            ps["processes"]
                .as_array_mut()
                .unwrap()
                .push(serde_json::json!({
                    "pid": pid, "start_time": start_time(pid), "what": "nginx",
                    "of": of, "netns": foreign.ns,
                }));
        }
        std::fs::write(&file, serde_json::to_vec_pretty(&state).unwrap()).unwrap();
        let out = t.lab(&["apply", &t.name, "--variant", "broken"]);
        std::fs::write(&file, &good).unwrap();
        let said = text(&out);
        assert_eq!(out.status.code(), Some(2), "{said}");
        assert!(
            said.contains(&format!("lists namespace {}", foreign.ns)),
            "{said}"
        );
        assert!(!said.contains("already runs"), "{said}");
    }
    // The state as `lab` wrote it: already running, exit 0.
    let out = t.lab(&["apply", &t.name, "--variant", "broken"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("already runs"), "{}", text(&out));
}
