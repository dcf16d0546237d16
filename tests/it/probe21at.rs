//! probe21at, finding 1: a chapter's kubectl line with a second
//! `--kubeconfig` (kubectl takes the last one) sent the host's kubectl, as
//! root, to the cluster of the chapter's choosing: a listener of the
//! probe's logged a real `DELETE` while the run passed and the report said
//! kubectl "did not run it". Seen failing first with the recogniser's
//! check taken out and kubectl's fence off (the listener got connections
//! and the run passed, rc 0).

use crate::book::book_in;
use crate::harness::{copy_lab, require_root, unique_name};
use std::io::Read;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A listener on the host's loopback counting the connections it takes
/// (and reading what each sends, so a client is not stuck).
fn counting_listener() -> (u16, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let seen = Arc::new(AtomicUsize::new(0));
    let count = seen.clone();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            count.fetch_add(1, Ordering::SeqCst);
            let mut s = s;
            s.set_read_timeout(Some(std::time::Duration::from_millis(200)))
                .ok();
            let _ = s.read(&mut [0u8; 4096]);
        }
    });
    (port, seen)
}

/// A second `--kubeconfig` naming a cluster of its own (a listener on the
/// host's loopback): the line is not understood, the run fails, and the
/// listener is never reached, with the kubectl matrix too.
#[test]
fn a_second_kubeconfig_is_not_understood_and_reaches_nothing() {
    require_root();
    let (port, seen) = counting_listener();
    let name = unique_name("bat");
    let lab = copy_lab("chapter4", &name);
    let conf = lab.path().join("other.conf");
    std::fs::write(
        &conf,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:{port}\n\
             contexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\n\
             users:\n- name: u\n  user:\n    token: t\n"
        ),
    )
    .unwrap();
    let chapter = lab.path().join("chapter.md");
    let text = std::fs::read_to_string(&chapter).unwrap();
    let line = "kubectl --kubeconfig ./admin.conf delete -f nginx-deployment.yaml";
    assert!(text.contains(line), "chapter4 has `{line}`");
    let at = text[..text.find(line).unwrap()].lines().count() + 1;
    // Relative (the book's folder) and absolute forms, joined and spaced.
    let text = text.replacen(line, &format!("{line} --kubeconfig={}", conf.display()), 1);
    let text = text.replacen(
        "kubectl --kubeconfig ./admin.conf get pods",
        "kubectl --kubeconfig ./admin.conf get pods --kubeconfig other.conf",
        1,
    );
    std::fs::write(&chapter, text).unwrap();
    let (code, stdout, v, ..) = book_in(&name, lab, &["--kubectl-matrix"]);
    assert_eq!(
        seen.load(Ordering::SeqCst),
        0,
        "kubectl reached the chapter's cluster: {stdout}"
    );
    assert_ne!(code, 0, "{stdout}");
    let c = crate::book::report_commands(&v)
        .into_iter()
        .find(|c| c["line"].as_u64() == Some(at as u64))
        .unwrap_or_else(|| panic!("line {at} in the report: {stdout}"));
    assert_eq!(c["verdict"], "not_understood", "{stdout}");
    assert!(
        c["reason"]
            .as_str()
            .unwrap()
            .contains("second --kubeconfig"),
        "{stdout}"
    );
}
