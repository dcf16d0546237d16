//! The real kubectl binaries of this machine judging the chapter's lines
//! offline (`lab::kubectl`): each classification is shown on real output,
//! and each with the input that gives the opposite verdict. Needs no root.
//! kubectl 1.30 and 1.32 are on every machine of this project
//! (google-cloud-cli's `kubectl` package, `.ci/install`); a test whose
//! binary is absent fails, saying which one (never skipped and passed).

use super::harness;
use lab::kubectl::{self, Judgement, Kubectl, Verdict};
use std::path::Path;
use std::time::Duration;

/// The kubectl of `minor` found on this machine; the test fails without it.
fn real(minor: &str) -> Kubectl {
    kubectl::discover()
        .into_iter()
        .find(|k| k.version.minor_str() == minor)
        .unwrap_or_else(|| {
            panic!(
                "this test needs kubectl {minor} (google-cloud-cli's `kubectl` package ships /usr/lib/google-cloud-sdk/bin/kubectl.{minor}; .ci/install installs it)"
            )
        })
}

/// An offline folder with the chapter's `admin.conf` and `flannel.yml`.
fn offline() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    kubectl::offline_dir(
        dir.path(),
        "admin.conf",
        &[(
            "flannel.yml".into(),
            harness::root().join("labs/chapter4/flannel.yml"),
        )],
    )
    .unwrap();
    dir
}

/// `line` (the words after `kubectl`, split on spaces) as kubectl `k`
/// judges it from `dir`.
async fn judged(k: &Kubectl, line: &str, dir: &Path) -> Judgement {
    let args: Vec<String> = line.split(' ').map(str::to_string).collect();
    let out = kubectl::run(
        k,
        &args,
        dir,
        Duration::from_secs(20),
        kubectl::Reach::Offline,
    )
    .await
    .unwrap();
    kubectl::judge(&out)
}

const EXEC_NO_DASHES: &str =
    "--kubeconfig ./admin.conf exec -it nginx-deployment-75675f5897-4dm42 ping 10.244.3.3";

#[tokio::test]
async fn exec_without_dashes_is_deprecated_on_1_30_and_refused_on_1_32() {
    let (k30, k32) = (real("1.30"), real("1.32"));
    let dir = offline();
    assert_eq!(
        judged(&k30, EXEC_NO_DASHES, dir.path()).await,
        Judgement::Accepted {
            warnings: vec!["kubectl exec [POD] [COMMAND] is DEPRECATED and will be removed in a future version. Use kubectl exec [POD] -- [COMMAND] instead.".into()]
        }
    );
    assert_eq!(
        judged(&k32, EXEC_NO_DASHES, dir.path()).await,
        Judgement::Refused {
            message: "error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead".into()
        }
    );
    // The opposite input: with `--`, 1.32 accepts it and 1.30 warns of
    // nothing.
    let fixed =
        "--kubeconfig ./admin.conf exec -it nginx-deployment-75675f5897-4dm42 -- ping 10.244.3.3";
    for k in [&k30, &k32] {
        assert_eq!(
            judged(k, fixed, dir.path()).await,
            Judgement::Accepted { warnings: vec![] },
            "{}",
            k.version
        );
    }
}

#[tokio::test]
async fn exec_with_dashes_logs_and_get_nodes_are_accepted() {
    let (k30, k32) = (real("1.30"), real("1.32"));
    let dir = offline();
    for k in [&k30, &k32] {
        for line in [
            "--kubeconfig ./admin.conf exec -n kube-system kube-flannel-ds-zzkf7 -- route -n",
            "--kubeconfig ./admin.conf get nodes",
            "--kubeconfig ./admin.conf logs -n kube-system kube-flannel-ds-zzkf7",
            "--kubeconfig ./admin.conf get pods --all-namespaces -l app=flannel",
            "version --client",
        ] {
            assert_eq!(
                judged(k, line, dir.path()).await,
                Judgement::Accepted { warnings: vec![] },
                "kubectl {}: {line}",
                k.version
            );
        }
    }
}

/// An unknown flag is refused in kubectl's words; the right flag (above)
/// is accepted.
#[tokio::test]
async fn an_unknown_flag_is_refused() {
    let k32 = real("1.32");
    let dir = offline();
    assert_eq!(
        judged(
            &k32,
            "--kubeconfig ./admin.conf get pods --all-namespace -l app=flannel",
            dir.path()
        )
        .await,
        Judgement::Refused {
            message: "error: unknown flag: --all-namespace".into()
        }
    );
}

/// `apply -f` is accepted with its file present (kubectl reads it, then
/// connects for the schema), refused with it absent.
#[tokio::test]
async fn apply_needs_its_file() {
    let k32 = real("1.32");
    let dir = offline();
    let line = "--kubeconfig ./admin.conf apply -f flannel.yml";
    assert!(judged(&k32, line, dir.path()).await.accepted());
    std::fs::remove_file(dir.path().join("flannel.yml")).unwrap();
    assert_eq!(
        judged(&k32, line, dir.path()).await,
        Judgement::Refused {
            message: "error: the path \"flannel.yml\" does not exist".into()
        }
    );
}

/// kubectl sees nothing of the caller's environment: no `KUBECONFIG`, a
/// lab-owned `HOME`.
#[tokio::test]
async fn the_environment_is_cleared() {
    let env = Kubectl {
        path: "/usr/bin/env".into(),
        version: kubectl::KubeVersion::parse("1.0.0").unwrap(),
    };
    let dir = tempfile::tempdir().unwrap();
    let out = kubectl::run(
        &env,
        &[],
        dir.path(),
        Duration::from_secs(10),
        kubectl::Reach::Offline,
    )
    .await
    .unwrap();
    let mut names: Vec<&str> = out
        .stdout
        .lines()
        .filter_map(|l| l.split('=').next())
        .collect();
    names.sort();
    assert_eq!(names, ["HOME", "LANG", "PATH"], "{}", out.stdout);
    let home = format!("HOME={}", kubectl::home_dir().display());
    assert!(out.stdout.lines().any(|l| l == home), "{}", out.stdout);
}

/// At the deadline, the line's whole process group is killed and the run
/// is an error (never a verdict).
#[tokio::test]
async fn the_deadline_kills_the_group() {
    let marker = format!("lab-kubectl-deadline-{}", std::process::id());
    let sh = Kubectl {
        path: "/bin/sh".into(),
        version: kubectl::KubeVersion::parse("1.0.0").unwrap(),
    };
    let dir = tempfile::tempdir().unwrap();
    let args = vec![
        "-c".to_string(),
        format!("sh -c 'sleep 300; true {marker}' & sleep 300"),
    ];
    let started = std::time::Instant::now();
    let e = kubectl::run(
        &sh,
        &args,
        dir.path(),
        Duration::from_millis(500),
        kubectl::Reach::Offline,
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("did not finish within 0.5s"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(10));
    let left = || {
        std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
            .filter(|c| String::from_utf8_lossy(c).contains(&marker))
            .count()
    };
    // SIGKILL was sent to the group; its members take a moment to go.
    for _ in 0..40 {
        if left() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(left(), 0, "the group's child is gone");
}

/// The matrix over 1.30 and 1.32: the exec line refused from 1.32, the
/// rest accepted; a repeated line runs once per kubectl, a second matrix
/// runs nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_matrix_and_its_cache() {
    let (k30, k32) = (real("1.30"), real("1.32"));
    let dir = offline();
    let words = |l: &str| l.split(' ').map(str::to_string).collect::<Vec<_>>();
    let lines = vec![
        (49, words("--kubeconfig ./admin.conf get nodes")),
        (104, words(EXEC_NO_DASHES)),
        (208, words("--kubeconfig ./admin.conf get nodes")),
    ];
    let all = vec![k30, k32];
    let cache = kubectl::RunCache::default();
    let m = kubectl::matrix_with(&all, &lines, dir.path(), &cache).await;
    assert_eq!(cache.runs.load(std::sync::atomic::Ordering::Relaxed), 4);
    assert_eq!(m.lines[1].cells[0].verdict, Verdict::Deprecated);
    assert_eq!(m.lines[1].cells[1].verdict, Verdict::Refused);
    assert_eq!(m.lines[2].cells[1].verdict, Verdict::Accepted);
    assert_eq!(
        m.summary(),
        "the chapter's kubectl lines work with kubectl 1.30; line 104 is refused from 1.32 (error: exec [POD] [COMMAND] is not supported anymore…)"
    );
    let again = kubectl::matrix_with(&all, &lines, dir.path(), &cache).await;
    assert_eq!(again, m);
    assert_eq!(cache.runs.load(std::sync::atomic::Ordering::Relaxed), 4);
    // The folder's files changed: its runs are not reused.
    let apply = vec![(32, words("--kubeconfig ./admin.conf apply -f flannel.yml"))];
    let m = kubectl::matrix_with(&all, &apply, dir.path(), &cache).await;
    assert_eq!(m.lines[0].cells[1].verdict, Verdict::Accepted);
    std::fs::remove_file(dir.path().join("flannel.yml")).unwrap();
    let m = kubectl::matrix_with(&all, &apply, dir.path(), &cache).await;
    assert_eq!(cache.runs.load(std::sync::atomic::Ordering::Relaxed), 8);
    assert_eq!(m.lines[0].cells[1].verdict, Verdict::Refused);
}

/// One kubectl per minor, sorted; google-cloud-cli's dispatcher
/// (`v1.32.4-dispatcher`) gives way to the versioned `kubectl.1.32`.
#[test]
fn discovery_prefers_the_versioned_binary() {
    let all = kubectl::discover();
    let minors: Vec<(u32, u32)> = all
        .iter()
        .map(|k| (k.version.major, k.version.minor))
        .collect();
    let mut sorted = minors.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(minors, sorted, "one per minor, sorted");
    let versioned = Path::new("/usr/lib/google-cloud-sdk/bin/kubectl.1.32");
    assert!(
        versioned.exists(),
        "this test needs {} (.ci/install installs it)",
        versioned.display()
    );
    let k32 = all
        .iter()
        .find(|k| k.version.minor_str() == "1.32")
        .unwrap();
    assert_eq!(k32.path, versioned);
}

/// `lab doctor` names the kubectl of chapter 4's pinned minor.
#[test]
fn doctor_names_the_kubectl_of_the_pinned_minor() {
    real("1.32");
    let (mut cmd, _state) = harness::lab_cmd();
    let out = cmd
        .current_dir(harness::root())
        .args(["doctor", "--provider", "netns"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("kubectl minors present: "), "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("ok      kubectl 1.32.")
            && l.contains("for Kubernetes 1.32 (")
            && l.contains("chapter4")),
        "{text}"
    );
}
