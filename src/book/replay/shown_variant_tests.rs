//! probe21av's findings 3, 4, 6 and 7, without a lab: which variant a
//! manifest's lead-in or the chapter's applies mean, an edit in place of a
//! variant's file, a manifest in another namespace or shown as JSON, a
//! fragment under a named file it is no part of. Each was seen failing
//! with its fix taken out (see each test).

use super::*;

/// The DaemonSet with `--iface=enp0s8` (the fixed variant's args).
fn fixed_args() -> String {
    BROKEN_ARGS.replace(
        "- --kube-subnet-mgr\n",
        "- --kube-subnet-mgr\n            - --iface=enp0s8\n",
    )
}

const FIXED_ARGS_IN_BROKEN: &str = "spec.template.spec.containers[kube-flannel].args[2]: the book shows --iface=enp0s8, the lab's flannel.yml has none";

/// Finding 3: text that calls the block the state before the fix means
/// the starting variant's file: the fixed args there drift (they matched
/// flannel_fix.yml), the broken ones match, "fixes nothing yet" included
/// (it drifted against flannel_fix.yml). Seen failing with `preference`
/// as before (a NOT_FIX word giving `Any`): the fixed args matched.
#[test]
fn a_manifest_called_the_broken_one_is_the_starting_variants() {
    for lead in [
        "Before the fix, the DaemonSet was:",
        "The DaemonSet we applied first, the one that breaks cross-node traffic:",
        "The original DaemonSet:",
        "Here is the DaemonSet, which fixes nothing yet:",
        "The DaemonSet without the fix:",
    ] {
        let (_, r, _) = judged(&format!("# t\n\n{lead}\n\n{}", fixed_args()));
        assert_eq!(r[0].differences, vec![FIXED_ARGS_IN_BROKEN], "{lead}");
        assert_eq!(
            r[0].command,
            "yaml: DaemonSet kube-flannel-ds (flannel.yml)"
        );
        let (_, r, _) = judged(&format!("# t\n\n{lead}\n\n{BROKEN_ARGS}"));
        assert!(
            r[0].differences.is_empty(),
            "{lead}: {:?}",
            r[0].differences
        );
    }
    // Negated the other way: the fix.
    for lead in ["The DaemonSet, no longer broken:", "The working DaemonSet:"] {
        let (_, r, _) = judged(&format!("# t\n\n{lead}\n\n{BROKEN_ARGS}"));
        assert_eq!(r[0].differences.len(), 1, "{lead}");
        assert!(r[0].command.ends_with("(flannel_fix.yml)"), "{lead}");
    }
    // Even where the lab runs the fixed variant (said of the past).
    let (_, r, _) = judged_in(
        &format!(
            "# t\n\nBefore the fix, the DaemonSet was:\n\n{}",
            fixed_args()
        ),
        "fixed",
    );
    assert_eq!(r[0].differences, vec![FIXED_ARGS_IN_BROKEN]);
}

/// Finding 3: a neutral lead-in where the chapter has applied only the
/// starting variant's file (and the lab runs that variant) means that
/// file; with nothing applied, either file. Seen failing without the
/// applied-file rule: the fixed args matched flannel_fix.yml.
#[test]
fn a_manifest_after_only_the_starting_file_was_applied_is_that_files() {
    let apply = "# t\n\n```bash\nkubectl --kubeconfig ./admin.conf apply -f flannel.yml\n```\n\n";
    let (_, r, _) = judged(&format!("{apply}The DaemonSet:\n\n{}", fixed_args()));
    assert_eq!(r[0].differences, vec![FIXED_ARGS_IN_BROKEN]);
    assert!(
        r[0].ran
            .as_deref()
            .unwrap()
            .ends_with("the chapter has applied only its file"),
        "{:?}",
        r[0].ran
    );
    let (_, r, _) = judged(&format!("# t\n\nThe DaemonSet:\n\n{}", fixed_args()));
    assert!(r[0].differences.is_empty(), "{:?}", r[0].differences);
    assert_eq!(
        r[0].command,
        "yaml: DaemonSet kube-flannel-ds (flannel_fix.yml)"
    );
}

const HUNK: &str = "@@ -160,3 +160,4 @@\n           args:\n             - --ip-masq\n             - --kube-subnet-mgr\n+            - --iface=enp0s8\n```\n";

/// Finding 4: an edit in place of flannel.yml into the fix, in its three
/// forms, matches (it drifted: the added line looked for in flannel.yml);
/// a wrong flag, or the fix undone in place, still drifts. Seen failing
/// with `becomes` returning None.
#[test]
fn an_edit_in_place_into_the_fixed_file_matches() {
    for head in [
        "--- flannel.yml\n+++ flannel.yml\n",
        "--- a/flannel.yml\n+++ b/flannel.yml\n",
    ] {
        let (_, r, _) = judged(&format!("# t\n\nThe fix:\n\n```diff\n{head}{HUNK}"));
        assert!(r[0].differences.is_empty(), "{:?}", r[0].differences);
        assert_eq!(
            r[0].ran.as_deref(),
            Some(
                "an edit of the lab's flannel.yml: its old side looked for in it, its new side in the lab's flannel_fix.yml (variant fixed: flannel told --iface=enp0s8), which it gives"
            )
        );
    }
    let bare = HUNK.trim_start_matches("@@ -160,3 +160,4 @@\n");
    let (_, r, _) = judged(&format!(
        "# t\n\nEdit `flannel.yml` to fix it:\n\n```diff\n{bare}"
    ));
    assert!(r[0].differences.is_empty(), "{:?}", r[0].differences);
    let wrong = HUNK.replace("enp0s8", "enp0s9");
    let (_, r, _) = judged(&format!(
        "# t\n\nThe fix:\n\n```diff\n--- flannel.yml\n+++ flannel.yml\n{wrong}"
    ));
    assert_eq!(
        r[0].differences,
        vec!["the book's patch adds `- --iface=enp0s9`; the lab's flannel.yml has no such line"]
    );
    let undo = HUNK
        .replace("+            - --iface", "-            - --iface")
        .replace("-160,3 +160,4", "-160,4 +160,3");
    let (_, r, _) = judged(&format!(
        "# t\n\nThe fix:\n\n```diff\n--- flannel_fix.yml\n+++ flannel_fix.yml\n{undo}"
    ));
    assert_eq!(r[0].differences.len(), 1, "{:?}", r[0].differences);
    assert!(
        r[0].differences[0].contains("goes backwards"),
        "{:?}",
        r[0].differences
    );
}

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nginx-deployment\n  namespace: kube-system\nspec:\n  replicas: 2\n";

/// Finding 6: the lab's Deployment shown in another namespace drifts on
/// it (it was skipped, naming nothing); shown as JSON it is compared (it
/// was "not commands"). Seen failing with the namespace kept as shown (no
/// report) and with `json` not read.
#[test]
fn a_manifest_in_another_namespace_or_as_json_is_compared() {
    let (_, r, _) = judged(&format!(
        "# t\n\nThe deployment:\n\n```yaml\n{DEPLOYMENT}```\n"
    ));
    assert_eq!(r.len(), 1);
    assert_eq!(
        r[0].differences,
        vec![
            "metadata.namespace: the book shows kube-system, the lab's nginx-deployment.yaml has none"
        ]
    );
    let json = "{\n\t\"apiVersion\": \"apps/v1\",\n\t\"kind\": \"Deployment\",\n\t\"metadata\": {\"name\": \"nginx-deployment\"},\n\t\"spec\": {\"replicas\": 7}\n}\n";
    let (_, r, _) = judged(&format!("# t\n\nAs JSON:\n\n```json\n{json}```\n"));
    assert_eq!(r.len(), 1);
    assert_eq!(
        r[0].differences,
        vec!["spec.replicas: the book shows 7, the lab's nginx-deployment.yaml has 2"]
    );
    let (_, r, _) = judged(&format!(
        "# t\n\nAs JSON:\n\n```json\n{}```\n",
        json.replace('7', "2")
    ));
    assert!(r[0].differences.is_empty(), "{:?}", r[0].differences);
}

/// Finding 7: a fragment under text naming a file it is no part of drifts
/// (it was skipped "the text names none of their files"). Seen failing
/// with `compare_doc` returning None there.
#[test]
fn a_fragment_the_named_file_lacks_drifts() {
    let frag =
        "```yaml\n          args:\n            - --ip-masq\n            - --iface=enp0s9\n```\n";
    let (_, r, _) = judged(&format!("# t\n\nIn `nginx-deployment.yaml`:\n\n{frag}"));
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].command, "yaml: a part of nginx-deployment.yaml");
    assert_eq!(
        r[0].differences,
        vec![
            "the book shows this as part of the lab's nginx-deployment.yaml, which has no mapping with `args` anywhere"
        ]
    );
}
