//! A netns pod is one real nginx process (no master and worker pair: a
//! thousand pods are a thousand processes, not two thousand) that serves
//! HTTP on its port, and is stopped by destroy.

use crate::labs::{TestLab, text};

#[test]
fn a_pod_is_one_nginx_process_that_serves_http() {
    let lab = TestLab::chapter4("pd");
    lab.up(&["--variant", "fixed"]);
    let pods: Vec<String> = crate::labs::namespaces_of(&lab.name)
        .iter()
        .filter_map(|n| n.strip_prefix(&format!("{}.", lab.name)))
        .filter(|n| n.starts_with("pod."))
        .map(String::from)
        .collect();
    assert_eq!(pods.len(), 2, "{pods:?}");
    for pod in &pods {
        let pids = lab.pids_in(pod);
        let names: Vec<String> = pids
            .iter()
            .map(|p| {
                std::fs::read_to_string(format!("/proc/{p}/comm"))
                    .unwrap_or_default()
                    .trim()
                    .to_string()
            })
            .collect();
        assert_eq!(names, ["nginx"], "{pod}: processes {pids:?}");
        // It answers HTTP from inside its own namespace.
        let out = lab.in_ns(
            pod,
            &["curl", "-sS", "--max-time", "5", "http://127.0.0.1:80/"],
        );
        assert!(out.status.success(), "{pod}: {}", text(&out));
        let body = String::from_utf8_lossy(&out.stdout);
        assert!(body.contains(" on node"), "{pod} answered {body:?}");
    }
    // And across the pod network, as the chapter's check asks.
    let (out, report) = lab.verify(&["--only", "nginx answers across nodes"]);
    assert!(out.status.success(), "{}\n{report}", text(&out));
}
