//! probe21bp, finding 1: a pod a listing had already shown gone came back
//! in a later listing, `Terminating`, and the chapter stayed green (`G23`:
//! the old flannel pod after the table at line 197 that no longer lists
//! it; `G19`: `No resources found` after the nginx delete, then the old
//! nginx pod `Terminating`). kubectl lists an ending pod until it is gone,
//! never after: such a row drifts. The same pod `Terminating` in the first
//! listing after the apply that replaces it is true and passes.

use serde_json::Value;

fn book(insert_after: &str, text: &str) -> (i32, String, Value) {
    let (after, text) = (insert_after.to_string(), text.to_string());
    crate::book::book_chapter4_changed("bkbp", move |chapter| {
        assert!(chapter.contains(after.as_str()), "{after}");
        chapter.replacen(after.as_str(), &format!("{after}{text}"), 1)
    })
}

const FLANNEL_197: &str =
    "kube-system   kube-flannel-ds-tjz4c   1/1       Running   0          35s\n";

/// Seen failing with `gone_and_back` not called (`coherence_deleted.rs`):
/// rc 0, the chapter's summary.
#[test]
fn a_pod_shown_again_after_a_listing_without_it_drifts() {
    let again = "\n```\n\n```bash\nkubectl --kubeconfig ./admin.conf get pods -n kube-system -l app=flannel\n\nNAME                    READY     STATUS        RESTARTS   AGE\nkube-flannel-ds-4mwc7   1/1       Running       0          40s\nkube-flannel-ds-fj8dg   1/1       Running       0          40s\nkube-flannel-ds-tjz4c   1/1       Running       0          40s\nkube-flannel-ds-59hmh   1/1       Terminating   0          1h\n";
    let (code, stdout, v) = book(FLANNEL_197, again);
    assert_eq!(code, 1, "{stdout}");
    let text = v.to_string();
    assert!(
        text.contains("the book shows kube-flannel-ds-59hmh here, but the listing at line 197 already showed it gone"),
        "{stdout}"
    );
}

/// The control: the old pod `Terminating` in the first listing after the
/// apply that replaces it (the table at line 197 itself) is true.
#[test]
fn a_pod_terminating_in_the_first_listing_after_its_replacement_passes() {
    let ending = "kube-system   kube-flannel-ds-59hmh   1/1       Terminating   0          1h\n";
    let (code, stdout, _) = book(FLANNEL_197, ending);
    assert_eq!(code, 0, "{stdout}");
}
