//! Lesser findings of the sixteenth, nineteenth and twentieth probes
//! (`docs/security-probe.md`, "lesser3 session"), each test seen failing
//! on main at a26d8c0 first: blocks of `lab book` skipped with a false
//! sentence, matched on another server's page, or skipped where kubectl
//! refuses nothing the book shows it refusing.

use crate::book::{chapter4_with, verdicts};
use crate::harness::require_root;

/// That the last blocks of a replay (the crafted ones after chapter 4's
/// head) have the verdicts `want`.
pub(crate) fn assert_last_blocks(stdout: &str, v: &serde_json::Value, want: &[(u64, &str)]) {
    let got = verdicts(v);
    let want: Vec<(u64, String)> = want.iter().map(|(l, s)| (*l, s.to_string())).collect();
    assert_eq!(
        got[got.len().saturating_sub(want.len())..],
        want,
        "{stdout}"
    );
}

/// The sixteenth probe's lesser finding (C7, C8): a ping of a node's own
/// `cni0` address (its pod subnet's .1; `flannel.1` holds the .0), shown
/// with its header alone ("no reply"), was `skipped` saying the address
/// "is no node's or pod's of the lab": the lab's nodes have both addresses
/// and answer. Failed on a26d8c0: blocks 18 and 25 `skipped`. Now compared
/// (drift: the lab's node answers); the true reply of node2's `cni0`
/// matches. An address in no subnet the book shows (`ping -c 1`, its
/// header alone) was `skipped` here; since probe21as (finding 1) a ping
/// with a count whose header alone is all the book shows, and which fails
/// in the lab, drifts as one shown without output does.
#[test]
fn a_ping_of_a_nodes_cni0_or_flannel1_address_is_compared() {
    require_root();
    let (stdout, v) = chapter4_with("lesser3c", "book/cni0-ping.md");
    assert_eq!(
        verdicts(&v),
        [
            (8, "skipped".to_string()),
            (18, "drift".into()),
            (25, "drift".into()),
            (32, "match".into()),
            (43, "drift".into()),
        ],
        "{stdout}"
    );
}

/// The twentieth probe's lesser finding: a curl of the lab's nginx pod
/// whose book output is another server's page (Apache's title, Apache's
/// `Server:` header, httpd's untitled page) was `match` on netns, where
/// the pod's page is a line naming it and only "it answered" was compared.
/// Failed on a26d8c0: blocks 18, 31 and 41 `match`. Now the page lab
/// cannot tell for its server's is `skipped` saying so, the other server's
/// header a drift; nginx's own page still matches (its header, whose
/// version and `Content-Type` are not compared on netns, is `skipped` since
/// probe21br). Since
/// probe21bc (lesser 7), a page titled as none of nginx's is a drift too
/// (the lab's server is nginx): it was `skipped`; since probe21be (lesser
/// 2), so is an untitled page shown whole with nothing of its pod (41).
#[test]
fn a_curl_showing_another_servers_page_is_never_a_match() {
    require_root();
    let (stdout, v) = chapter4_with("lesser3s", "book/curl-other-server.md");
    assert_eq!(
        verdicts(&v),
        [
            (8, "skipped".to_string()),
            (18, "drift".into()),
            (31, "drift".into()),
            (41, "drift".into()),
            (48, "match".into()),
            // nginx's own header: its product agrees, but the version and
            // `Content-Type` are not compared on netns, so it is no plain
            // match (probe21br, finding 4).
            (60, "skipped".into()),
        ],
        "{stdout}"
    );
}

/// The nineteenth probe's lesser findings on kubectl's refusals: a book
/// showing a refusal (an older kubectl's `error: exec [POD] [COMMAND] is
/// not supported anymore…`) under a line kubectl 1.32 takes (with `--`) was
/// `skipped` ("nothing to compare"); the reader's ping runs, so the book is
/// false: drift, saying kubectl takes the line. Reverse: the book showing
/// the pinned kubectl's own refusal under the line it refuses (`exec POD
/// ping`, `get pods --all-namespace`) drifted ("kubectl 1.32 refuses the
/// book's line"), though the reader meets exactly that: a match. Failed on
/// a26d8c0: 16 `skipped`, 32 and 52 `drift`. kubectl that could not reach
/// its server (24), lines under a `get` from which no table reads, is not
/// understood (probe21ay, finding 4: it was skipped as "the book shows no
/// table to compare with").
#[test]
fn a_refusal_the_book_shows_is_compared_with_kubectls() {
    require_root();
    let (stdout, v) = chapter4_with("lesser3k", "book/kubectl-refusals.md");
    assert_eq!(
        verdicts(&v),
        [
            (5, "skipped".to_string()),
            (16, "drift".into()),
            (24, "not_understood".into()),
            (32, "match".into()),
            (40, "skipped".into()),
            (52, "match".into()),
        ],
        "{stdout}"
    );
    let block16 = &v["blocks"][1]["commands"][0]["differences"];
    assert_eq!(
        block16[0].as_str().unwrap_or_default(),
        "kubectl 1.32 takes the book's line; the book shows kubectl failing: error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead",
        "{stdout}"
    );
}

/// probe21b's false green: `kubectl apply -f FIX -n default`, whose
/// objects are all in `kube-system`, switched the lab's network (the
/// apply `skipped`, the cross-node ping after it `match`), while the
/// reader's kubectl refuses the line ("the namespace from the provided
/// object … does not match …") and the reader's network stays broken.
/// Failed on b6301e3: blocks 16 and 20 `skipped` and `match`. Now the
/// apply is drift and does nothing, the ping after it drift; the same
/// apply with `-n kube-system` switches and its ping matches. A book that
/// shows kubectl's refusal word for word is told no difference (before:
/// block 46 drift with two that contradicted each other, "kubectl takes
/// the book's line" and "kubectl refuses the line"); one that shows
/// another refusal, one difference.
#[test]
fn an_apply_with_another_namespace_than_its_objects_switches_nothing() {
    require_root();
    let (stdout, v) = chapter4_with("nsapply", "book/apply-wrong-namespace.md");
    assert_eq!(
        verdicts(&v),
        [
            (8, "skipped".to_string()),
            (16, "drift".into()),
            (20, "drift".into()),
            (31, "skipped".into()),
            (35, "match".into()),
            (46, "skipped".into()),
            (54, "drift".into()),
        ],
        "{stdout}"
    );
    let differences = |block: usize| {
        v["blocks"][block]["commands"][0]["differences"]
            .as_array()
            .unwrap()
            .clone()
    };
    assert_eq!(differences(5).len(), 0, "{}", v["blocks"][5]);
    let other = differences(6);
    assert_eq!(other.len(), 1, "{other:?}");
    assert!(
        other[0]
            .as_str()
            .unwrap()
            .contains("kubectl refuses the line: error: the namespace from the provided object \"kube-system\""),
        "{other:?}"
    );
}

/// probe21d's false greens: a non-breaking space (U+00A0) between a
/// command's words was read as a space (the reader's shell runs a command
/// named `ping\u{a0}-c`: not found), and a `| grep` whose book output is a
/// line grep drops matched. Failed on 40cb941: blocks 17 and 27 `match`.
/// Now the first is not understood, the second drift; the same grep
/// showing what it prints still matches.
#[test]
fn words_a_shell_reads_otherwise_and_lines_grep_drops_are_never_a_match() {
    require_root();
    let (stdout, v) = chapter4_with("words21d", "book/probe21d-words.md");
    assert_eq!(
        verdicts(&v),
        [
            (6, "skipped".to_string()),
            (17, "not_understood".into()),
            (28, "drift".into()),
            (35, "match".into()),
        ],
        "{stdout}"
    );
}

/// probe21e's false green: a `route -n` row without the table's 8 columns
/// was never compared. Failed on ca347ac: block 45 `match`; now drift. An
/// `ip route` that shows some of the routes (the ones a book discusses) is
/// compared on the lines it shows (README: the lab's other routes are no
/// difference), as is a table cut with `...`; the whole table matches.
#[test]
fn a_route_row_without_the_tables_columns_is_never_a_match() {
    require_root();
    let (stdout, v) = chapter4_with("routes21e", "book/probe21e-routes.md");
    assert_eq!(
        verdicts(&v),
        [
            (5, "skipped".to_string()),
            (15, "match".into()),
            (28, "match".into()),
            (37, "match".into()),
            (45, "drift".into()),
        ],
        "{stdout}"
    );
}

/// probe21f's false green (in part): blocks after `vagrant destroy` ran
/// against the lab, which keeps its machines, and matched what the reader,
/// who has none, cannot see. Failed on a8c43fb: block 28 `match`. Since
/// probe21by (finding 4) a command the book shows succeeding there drifts
/// (the reader meets no machine); the same ping before the destroy still
/// matches.
#[test]
fn nothing_after_vagrant_destroy_is_a_match() {
    require_root();
    let (stdout, v) = chapter4_with("destroy21f", "book/after-destroy.md");
    assert_eq!(
        verdicts(&v),
        [
            (3, "skipped".to_string()),
            (13, "match".into()),
            (22, "skipped".into()),
            (28, "drift".into()),
        ],
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "from here on: the chapter destroyed its machines (`vagrant destroy`, line 23)"
        ),
        "{stdout}"
    );
}

/// Between the chapter's `kubectl delete -f` of a workload file and its
/// next apply, the reader has none of the workload's pods, while the lab
/// keeps its own (probe21f's false green, its second half). Failed before
/// the fix: block 29 (a node's ping of the deleted pod) `match`, block 40
/// (an exec in it) `drift`. Then the ping was `skipped` saying why; since
/// probe21bm (finding 1) the reply it shows from the deleted pod's address
/// drifts; after the apply again, the same ping matches. The exec (the reader's kubectl
/// finds no such pod) and the listing that shows the deleted pods
/// `Running` drift (probe21bh, finding 2: `skipped`, they let a chapter
/// that claims what the reader never sees pass).
#[test]
fn nothing_on_a_deleted_workload_is_a_match() {
    require_root();
    let (stdout, v) = chapter4_with("wdel21f", "book/after-workload-delete.md");
    assert_eq!(
        verdicts(&v),
        [
            (3, "skipped".to_string()),
            (14, "match".into()),
            (23, "skipped".into()),
            (29, "drift".into()),
            (40, "drift".into()),
            (46, "drift".into()),
            (56, "skipped".into()),
            (65, "match".into()),
        ],
        "{stdout}"
    );
    let reasons: Vec<&str> = v["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| [46].contains(&b["line"].as_u64().unwrap()))
        .flat_map(|b| b["commands"].as_array().unwrap())
        .map(|c| c["reason"].as_str().unwrap_or_default())
        .collect();
    assert!(
        reasons
            .iter()
            .all(|r| r.contains("the chapter deleted nginx-deployment")),
        "{reasons:#?}"
    );
    // The ping's reply from the deleted pod's address is the book's wrong
    // claim (probe21bm, finding 1: it was `skipped`, the chapter green).
    let ping = crate::book::command(&v, 30);
    assert!(
        crate::book::first_difference(&ping)
            .contains("the book shows an answer from 10.244.1.2, but line 24's `kubectl delete -f` deleted nginx-deployment"),
        "{ping}"
    );
    let exec = crate::book::command(&v, 41);
    assert!(
        crate::book::first_difference(&exec)
            .starts_with("nginx-deployment-75675f5897-4dm42 was deleted at line 24"),
        "{exec}"
    );
    let table = crate::book::command(&v, 47);
    assert!(
        crate::book::first_difference(&table).contains("deleted those pods"),
        "{table}"
    );
}

/// A netns node's files outside what the lab fills as the cluster does are
/// the host's (its `/etc/os-release` says Debian where the book's box is
/// Ubuntu): a `cat` of one, directly or through a link, is never compared
/// (probe21f). Failed before the fix: blocks 5 and 10 `match` on a Debian
/// host. The kernel's network settings and flannel's file still match.
#[test]
fn a_file_of_the_hosts_image_is_never_a_match() {
    require_root();
    let (stdout, v) = chapter4_with("img21f", "book/host-files.md");
    assert_eq!(
        verdicts(&v),
        [
            (5, "skipped".to_string()),
            (10, "skipped".into()),
            (15, "skipped".into()),
            (23, "skipped".into()),
            (29, "match".into()),
            (34, "match".into()),
        ],
        "{stdout}"
    );
    for b in [0, 1] {
        let reason = v["blocks"][b]["commands"][0]["reason"]
            .as_str()
            .unwrap_or_default();
        assert!(
            reason.contains("os-release") && reason.contains("is not the reader's"),
            "{reason}"
        );
    }
}

/// probe21h's false greens: a line lab does not understand that may change
/// what the reader has (`kubectl scale … --replicas=0`) was not run, and the
/// blocks after it were compared with a lab that never saw it; lines that
/// change a node (`sysctl -w`, `tc`) under a curl's page were read as the
/// page and never ran, and the chapter passed. Failed on 532dccc: blocks
/// 98, 79 and 96 `match`. Now the line under the page is a command (not
/// understood), and every later command is `skipped` saying which line;
/// a line that only reads (`kubectl describe`) stops nothing.
#[test]
fn a_change_lab_did_not_see_stops_every_later_match() {
    require_root();
    let (stdout, v) = chapter4_with("unseen21h", "book/probe21h-unseen.md");
    assert_last_blocks(
        &stdout,
        &v,
        &[
            (79, "not_understood"),
            (83, "match"),
            (94, "not_understood"),
            (98, "skipped"),
        ],
    );
    let reason = v["blocks"].as_array().unwrap().last().unwrap()["commands"][0]["reason"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        reason.contains("line 95 (`kubectl --kubeconfig ./admin.conf scale deployment"),
        "{reason}"
    );
    // The terminal says where the comparison stops, once.
    assert_eq!(
        stdout.matches("from here on: line 95 (`kubectl").count(),
        1,
        "{stdout}"
    );
    let (stdout, v) = chapter4_with("page21h", "book/probe21h-page.md");
    assert_last_blocks(&stdout, &v, &[(79, "not_understood"), (96, "skipped")]);
}

/// probe21j's false greens. A line of a command's shape right under the
/// output of a command whose output lab does not read line by line (a
/// `cat` netns does not run) was read as output and never ran: the chapter
/// passed. And `sed -i` of the fix's manifest was read as a line that
/// only reads, so the chapter's fix after it matched. Failed on 2bf03ef:
/// blocks 79 `skipped` (its swallowed line never ran) and 126 `match`.
/// Now the swallowed line makes its command not understood, the listed
/// `printf … | tee` is a command, and the fix after the edit is skipped.
#[test]
fn a_line_lab_cannot_tell_from_output_or_an_edit_is_never_passed_over() {
    require_root();
    let (stdout, v) = chapter4_with("swallow21j", "book/probe21j-swallowed.md");
    assert_last_blocks(
        &stdout,
        &v,
        &[
            (79, "not_understood"),
            (89, "not_understood"),
            (101, "skipped"),
        ],
    );
    let (stdout, v) = chapter4_with("edit21j", "book/probe21j-edited-fix.md");
    let got = verdicts(&v);
    assert!(
        got.contains(&(79, "not_understood".to_string())),
        "{stdout}"
    );
    assert_eq!(got.last(), Some(&(126, "skipped".to_string())), "{stdout}");
}

/// probe21k's: a line naming a program right under the output of a kubectl
/// line (an exec's ping, `apply`'s message), which lab compares by facts
/// or not at all, was read as output and never ran; the chapter passed.
/// Failed on 584b165: blocks 79 and 88 `skipped`. Now both are not
/// understood, naming the line.
#[test]
fn a_program_under_kubectls_output_is_never_passed_over() {
    require_root();
    let (stdout, v) = chapter4_with("swallow21k", "book/probe21k-swallowed.md");
    assert_last_blocks(
        &stdout,
        &v,
        &[(79, "not_understood"), (88, "not_understood")],
    );
    let said = v.to_string();
    assert!(
        said.contains("the book shows `ln -sf flannel.yml flannel_fix.yml` right under")
            && said.contains("the book shows `gzip admin.conf` right under"),
        "{said}"
    );
}

/// Values of a ping's reply the book prints that were not compared (the
/// fifth probe's lesser, left until now): a size (`1480 bytes`), a number
/// past the command's own `-c` (`icmp_seq=7` on `-c 1`) and a duplicate's
/// `(DUP!)` each matched the lab's plain 64-byte reply. Seen failing before
/// the change: blocks 16, 22 and 28 `match`. The true reply still matches.
#[test]
fn a_pings_size_number_and_duplicate_mark_are_compared() {
    require_root();
    let (stdout, v) = chapter4_with("pingvals", "book/ping-reply-values.md");
    assert_eq!(
        verdicts(&v),
        [
            (8, "skipped".to_string()),
            (16, "drift".into()),
            (22, "drift".into()),
            (28, "drift".into()),
            (35, "match".into()),
        ],
        "{stdout}"
    );
}

/// A line skipped in a pod says the pod it would have run in, as a line
/// run there does (fixa's lesser: a curl from a pod to an address of the
/// reader's world, skipped, said `ran_on: node1`). Seen failing before the
/// change: `node1`.
#[test]
fn a_line_skipped_in_a_pod_names_the_pod() {
    require_root();
    let (stdout, v) = chapter4_with("podskip", "book/pod-curl-elsewhere.md");
    let line12 = v["blocks"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|b| b["commands"].as_array().cloned().unwrap_or_default())
        .find(|c| c["line"] == 12)
        .expect("line 12 replayed");
    assert_eq!(line12["verdict"], "skipped", "{stdout}");
    let ran_on = line12["ran_on"].as_str().unwrap_or_default();
    assert!(
        ran_on.starts_with("pod nginx-deployment-") && ran_on.ends_with(" on node1"),
        "{ran_on}: {stdout}"
    );
}
