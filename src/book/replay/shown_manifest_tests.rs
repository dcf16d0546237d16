//! Blocks of manifests and patches judged against chapter4's own files,
//! without a lab (no root): which file the text before a block names, and
//! what each is compared with. The drift directions were seen failing with
//! the compare switched off (`differences` returning nothing).

use super::*;

fn files() -> Vec<LabFile> {
    [
        (
            "flannel.yml",
            include_str!("../../../labs/chapter4/flannel.yml"),
        ),
        (
            "flannel_fix.yml",
            include_str!("../../../labs/chapter4/flannel_fix.yml"),
        ),
        (
            "nginx-deployment.yaml",
            include_str!("../../../labs/chapter4/nginx-deployment.yaml"),
        ),
    ]
    .into_iter()
    .map(|(name, text)| LabFile {
        variant: match name {
            "flannel.yml" => Some(("broken", "flannel picks the default-route NIC (NAT)", true)),
            "flannel_fix.yml" => Some(("fixed", "flannel told --iface=enp0s8", false)),
            _ => None,
        }
        .map(|(n, about, starts)| FileVariant {
            name: n.into(),
            about: about.into(),
            starts,
        }),
        name: name.into(),
        text: text.into(),
        objects: crate::testbed::manifest::parse_documents(text)
            .unwrap()
            .docs,
    })
    .collect()
}

/// The chapter `text` and its last block's reports.
fn judged(text: &str) -> (Vec<usize>, Vec<CommandReport>, String) {
    judged_in(text, "broken")
}

/// The chapter `text` and its last block's reports, the lab running
/// `variant` there.
fn judged_in(text: &str, variant: &str) -> (Vec<usize>, Vec<CommandReport>, String) {
    let ch = crate::book::parse::parse(std::path::Path::new("c.md"), text.as_bytes()).unwrap();
    let block = ch.blocks.last().unwrap();
    let files = files();
    let named = named_files(&ch, block, &files);
    let (reports, why) = match lang_of(&block.lang).as_str() {
        "diff" => super::super::shown_diff::judge(block, &files, &named, variant),
        _ => {
            let applied = shown_variant::applied(&ch, block, &files);
            let prefer = preference(&lead_in(&ch, block).join("\n"), variant, &files, &applied);
            yaml_block(block, &files, &named, &prefer, variant)
        }
    };
    (named, reports, why)
}

/// The broken DaemonSet's args (no `--iface`).
const BROKEN_ARGS: &str = "```yaml\nkind: DaemonSet\nmetadata:\n  name: kube-flannel-ds\nspec:\n  template:\n    spec:\n      containers:\n        - name: kube-flannel\n          args:\n            - --ip-masq\n            - --kube-subnet-mgr\n```\n";

#[test]
fn the_first_file_the_text_names_is_the_one_compared() {
    let text = format!(
        "# t\n\nCreate `flannel_fix.yml` with this DaemonSet (the rest as in `flannel.yml`):\n\n{BROKEN_ARGS}"
    );
    let (named, r, _) = judged(&text);
    assert_eq!(named, vec![1, 0]);
    assert_eq!(r.len(), 1);
    assert_eq!(
        r[0].differences,
        vec![
            "spec.template.spec.containers[kube-flannel].args: the book shows [--ip-masq, --kube-subnet-mgr], the lab's flannel_fix.yml has [--ip-masq, --kube-subnet-mgr, --iface=enp0s8]"
        ]
    );
    assert_eq!(r[0].command, "yaml: DaemonSet kube-flannel-ds");
}

#[test]
fn with_no_file_named_the_book_agrees_when_one_file_holds_its_object_so() {
    let (named, r, _) = judged(&format!("# t\n\nThe DaemonSet:\n\n{BROKEN_ARGS}"));
    assert!(named.is_empty());
    assert!(r[0].differences.is_empty(), "{:?}", r[0].differences);
    assert_eq!(
        r[0].ran.as_deref(),
        Some(
            "compared with DaemonSet kube-system/kube-flannel-ds of the lab's flannel.yml (variant broken, where the lab starts: flannel picks the default-route NIC (NAT))"
        )
    );
    // The report says which file it matched (probe21as, finding 4).
    assert_eq!(
        r[0].command,
        "yaml: DaemonSet kube-flannel-ds (flannel.yml)"
    );
    // Wrong for both: each file's difference is said.
    let wrong = BROKEN_ARGS.replace(
        "- --kube-subnet-mgr\n",
        "- --kube-subnet-mgr\n            - --iface=enp0s3\n",
    );
    let (_, r, _) = judged(&format!("# t\n\nThe DaemonSet:\n\n{wrong}"));
    assert_eq!(
        r[0].differences,
        vec![
            "spec.template.spec.containers[kube-flannel].args[2]: the book shows --iface=enp0s3, the lab's flannel.yml has none",
            "spec.template.spec.containers[kube-flannel].args[2]: the book shows --iface=enp0s3, the lab's flannel_fix.yml has --iface=enp0s8",
        ]
    );
}

#[test]
fn an_object_the_named_file_lacks_by_name_drifts_and_an_unknown_kind_is_skipped() {
    let typo = BROKEN_ARGS.replace("kube-flannel-ds", "kube-flannel");
    let (_, r, _) = judged(&format!("# t\n\nIn `flannel_fix.yml`:\n\n{typo}"));
    assert_eq!(
        r[0].differences,
        vec![
            "the book shows DaemonSet kube-flannel as the lab's flannel_fix.yml, which has no such object (it has DaemonSet kube-system/kube-flannel-ds)"
        ]
    );
    let ns = "```yaml\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n```\n";
    let (_, r, why) = judged(&format!("# t\n\nIn `flannel_fix.yml`:\n\n{ns}"));
    assert!(r.is_empty());
    // The text names a file (probe21av, finding 7): the reason says so.
    assert_eq!(
        why,
        "it names no object of the lab's manifests (no document has the kind and metadata.name of one, and the file the text just before it names, flannel_fix.yml, holds no object of its kind)"
    );
    let (_, r, why) = judged(&format!("# t\n\nA namespace:\n\n{ns}"));
    assert!(r.is_empty());
    assert_eq!(why, NAMES_NOTHING);
}

#[test]
fn a_patch_removing_a_line_the_lab_still_has_drifts() {
    let diff = "# t\n\nThe fix, in `flannel_fix.yml`:\n\n```diff\n-            - --iface=enp0s8\n+            - --iface=enp0s9\n```\n";
    let (_, r, _) = judged(diff);
    assert_eq!(
        r[0].differences,
        vec![
            "the book's patch adds `- --iface=enp0s9`; the lab's flannel_fix.yml has no such line",
            "the book's patch removes `- --iface=enp0s8`; the lab's flannel_fix.yml still has it",
        ]
    );
    let none = "# t\n\nA patch:\n\n```diff\n+ something\n```\n";
    let (_, r, why) = judged(none);
    assert!(r.is_empty());
    assert!(
        why.starts_with("it names no file of the lab's manifests"),
        "{why}"
    );
}

/// probe21as, finding 3: a patch whose every line is somewhere in the
/// lab's file, but not together (the flag added under the init
/// container's `args`, which would not even be YAML), matched. Its hunk
/// must stand together in the file; the true hunk still matches. Seen
/// failing with the hunks not looked at (no difference).
#[test]
fn a_hunks_lines_must_stand_together_in_the_file() {
    let apart = "# t\n\nThe fix:\n\n```diff\n--- a/flannel.yml\n+++ b/flannel_fix.yml\n@@ -148,3 +148,4 @@\n           args: [\"-f\", \"/etc/kube-flannel/cni-conf.json\", \"/etc/cni/net.d/10-flannel.conflist\"]\n+            - --iface=enp0s8\n           volumeMounts:\n```\n";
    let (_, r, _) = judged(apart);
    assert_eq!(r.len(), 1);
    assert!(
        r[0].differences
            .iter()
            .any(|d| d.contains("has them apart")),
        "{:?}",
        r[0].differences
    );
    let true_hunk = "# t\n\nThe fix:\n\n```diff\n--- a/flannel.yml\n+++ b/flannel_fix.yml\n@@ -160,3 +160,4 @@\n           args:\n             - --ip-masq\n             - --kube-subnet-mgr\n+            - --iface=enp0s8\n```\n";
    let (_, r, _) = judged(true_hunk);
    assert!(r[0].differences.is_empty(), "{:?}", r[0].differences);
}

/// probe21as, finding 3: a patch from the fixed variant's file to the
/// broken one's (`--iface` removed), which the chapter calls the fix,
/// matched: each side is a true run of its file. It goes backwards, and
/// drifts saying so, by its names or (one name for both sides) by its
/// lines; the patch the other way still matches. Seen failing with the
/// direction not looked at (`backwards` returning None): no difference.
#[test]
fn a_patch_that_undoes_the_fix_drifts_saying_so() {
    let hunk = "@@ -160,4 +160,3 @@\n           args:\n             - --ip-masq\n             - --kube-subnet-mgr\n-            - --iface=enp0s8\n```\n";
    let by_names = format!(
        "# t\n\nThe fix, as a patch:\n\n```diff\n--- a/flannel_fix.yml\n+++ b/flannel.yml\n{hunk}"
    );
    let (_, r, _) = judged(&by_names);
    assert_eq!(r[0].command, "diff: flannel.yml");
    assert_eq!(
        r[0].differences,
        vec![
            "the book's patch goes backwards: it turns the lab's flannel_fix.yml (variant fixed: flannel told --iface=enp0s8) into its flannel.yml (variant broken, where the lab starts: flannel picks the default-route NIC (NAT)); applied, it undoes the change the lab's variant fixed makes"
        ]
    );
    let one_name =
        format!("# t\n\nThe fix:\n\n```diff\n--- a/flannel.yml\n+++ b/flannel.yml\n{hunk}");
    let (_, r, _) = judged(&one_name);
    assert_eq!(r[0].differences.len(), 1, "{:?}", r[0].differences);
    assert!(
        r[0].differences[0].contains("goes backwards"),
        "{:?}",
        r[0].differences
    );
    // Forwards: a match.
    let forwards = by_names
        .replace("a/flannel_fix.yml", "a/flannel.yml")
        .replace("b/flannel.yml", "b/flannel_fix.yml")
        .replace("-            - --iface", "+            - --iface");
    let (_, r, _) = judged(&forwards);
    assert!(r[0].differences.is_empty(), "{:?}", r[0].differences);
}

/// probe21as, finding 4: under "the fixed DaemonSet", the broken
/// variant's DaemonSet matched (as flannel.yml's). Where the text calls it
/// the fix, or the lab runs the fixed variant there (the chapter applied
/// `flannel_fix.yml`), it is compared with the fixed variant's file only;
/// text that says "before the fix" keeps both. Seen failing with
/// `narrow` keeping every candidate: a match.
#[test]
fn a_manifest_called_the_fix_is_the_fixed_variants() {
    let fixed =
        format!("# t\n\nLets recreate the pod network with the fixed DaemonSet:\n\n{BROKEN_ARGS}");
    let want = vec![
        "spec.template.spec.containers[kube-flannel].args: the book shows [--ip-masq, --kube-subnet-mgr], the lab's flannel_fix.yml has [--ip-masq, --kube-subnet-mgr, --iface=enp0s8]",
    ];
    let (_, r, _) = judged(&fixed);
    assert_eq!(r[0].differences, want);
    assert_eq!(
        r[0].command,
        "yaml: DaemonSet kube-flannel-ds (flannel_fix.yml)"
    );
    assert!(
        r[0].ran.as_deref().unwrap().ends_with(
            "flannel_fix.yml (variant fixed: flannel told --iface=enp0s8), taken for it since the text just before it calls it the fix"
        ),
        "{:?}",
        r[0].ran
    );
    // After the chapter applied the fix, a neutral lead-in: the same.
    let (_, r, _) = judged_in(&format!("# t\n\nThe DaemonSet:\n\n{BROKEN_ARGS}"), "fixed");
    assert_eq!(r[0].differences, want);
    assert!(
        r[0].ran
            .as_deref()
            .unwrap()
            .contains("the lab runs variant fixed at this point of the chapter")
    );
    // "Before the fix": either file.
    let before = format!("# t\n\nThe DaemonSet before the fix:\n\n{BROKEN_ARGS}");
    let (_, r, _) = judged(&before);
    assert!(r[0].differences.is_empty(), "{:?}", r[0].differences);
    assert_eq!(
        r[0].command,
        "yaml: DaemonSet kube-flannel-ds (flannel.yml)"
    );
}

/// The broken DaemonSet (no `--iface`) as JSON, without the fence.
const BROKEN_JSON: &str = r#"{"kind": "DaemonSet", "metadata": {"name": "kube-flannel-ds"}, "spec": {"template": {"spec": {"containers": [{"name": "kube-flannel", "args": ["--ip-masq", "--kube-subnet-mgr"]}]}}}}"#;

/// What the fixed file's args say to a book showing the broken ones.
const FIX_ARGS_DIFFER: &str = "spec.template.spec.containers[kube-flannel].args: the book shows [--ip-masq, --kube-subnet-mgr], the lab's flannel_fix.yml has [--ip-masq, --kube-subnet-mgr, --iface=enp0s8]";

/// A `List` (YAML or JSON, `List` or `DaemonSetList`) is opened into its
/// items and each is compared, and two JSON objects in one block are both
/// read (probe21aw, findings 3 and 4). Seen failing before
/// `shown_documents`: each was skipped ("names no object of the lab's").
#[test]
fn a_list_and_a_json_stream_are_read_object_by_object() {
    let yaml_list = "# t\n\nThe fix:\n\n```yaml\napiVersion: v1\nkind: List\nitems:\n  - kind: DaemonSet\n    metadata:\n      name: kube-flannel-ds\n    spec:\n      template:\n        spec:\n          containers:\n            - name: kube-flannel\n              args: [--ip-masq, --kube-subnet-mgr]\n```\n";
    let json_list = format!(
        "# t\n\nThe fix:\n\n```json\n{{\"apiVersion\": \"apps/v1\", \"kind\": \"DaemonSetList\", \"items\": [{BROKEN_JSON}]}}\n```\n"
    );
    let stream = format!(
        "# t\n\nThe fix:\n\n```json\n{{\"kind\": \"ConfigMap\", \"metadata\": {{\"name\": \"none-of-the-labs\"}}}}\n{BROKEN_JSON}\n```\n"
    );
    for text in [yaml_list.to_string(), json_list, stream] {
        let (_, r, why) = judged(&text);
        let compared: Vec<_> = r.iter().filter(|r| r.verdict != Verdict::Skipped).collect();
        assert_eq!(compared.len(), 1, "{text}: {why} {r:?}");
        assert_eq!(compared[0].differences, vec![FIX_ARGS_DIFFER], "{text}");
    }
}

/// A bare array of objects is read, its objects compared, and it drifts
/// whatever they hold: kubectl decodes no array. Seen failing before
/// `shown_documents`: skipped.
#[test]
fn a_bare_array_of_objects_drifts_as_kubectl_applies_nothing_of_it() {
    let fixed = BROKEN_JSON.replace(
        "\"--kube-subnet-mgr\"]",
        "\"--kube-subnet-mgr\", \"--iface=enp0s8\"]",
    );
    let (_, r, _) = judged(&format!("# t\n\nThe fix:\n\n```json\n[{fixed}]\n```\n"));
    assert_eq!(r.len(), 1);
    assert_eq!(
        r[0].differences,
        vec![super::super::shown_documents::BARE_ARRAY]
    );
}

/// A JSON manifest naming a lab object, with a duplicate key, drifts as a
/// YAML one does (a reader's copy is refused); it was skipped, the JSON
/// `"kind":` not being read as naming the object (probe21aw, finding 4).
#[test]
fn a_json_manifest_with_a_duplicate_key_drifts() {
    let dup = BROKEN_JSON.replace("\"args\": [", "\"args\": [\"--iface=enp0s3\"], \"args\": [");
    let (_, r, why) = judged(&format!("# t\n\nThe DaemonSet:\n\n```json\n{dup}\n```\n"));
    assert_eq!(r.len(), 1, "{why}");
    assert!(
        r[0].differences[0].starts_with("the book's json block is not valid JSON at line "),
        "{:?}",
        r[0].differences
    );
}

#[path = "shown_variant_tests.rs"]
mod variant;
