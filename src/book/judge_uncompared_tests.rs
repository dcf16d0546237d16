//! probe21bc, finding 2: no known-drift entry covers a command whose
//! meaning could not be run or compared. A refused `exec POD CMD` whose
//! pod lab cannot place is `not_understood` from the replay, and keeps
//! that; a line kubectl refused that ran on kubectl alone (no fixed form
//! of it ran in the lab) while the book shows output under it drifts, its
//! entry stale, and `--bless` writes none for it. Where the fixed line's
//! command ran (in a pod, on a node), or the book shows nothing under the
//! line but kubectl's own failing, the entry explains the refusal as
//! before. Seen failing first: without [`super::uncompared()`], the refused
//! `get` with its table was `known_drift` and the entry not stale.
use super::*;
use crate::book::tests_report::of as report;
use crate::book::{BlockReport, CommandReport, KubectlOutcome, KubectlReport};

const EXEC: &str =
    "kubectl --kubeconfig ./admin.conf exec -it nginx-deployment-75675f5897-4dm42 ping 10.244.3.3";
const GET: &str = "kubectl --kubeconfig ./admin.conf get pods --all-namespace -l app=flannel";
const EXEC_REFUSED: &str = "kubectl 1.32 refuses the book's line: error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead";
const GET_REFUSED: &str =
    "kubectl 1.32 refuses the book's line: error: unknown flag: --all-namespace";
const REPLY: &str = "56 bytes from 10.244.3.3: seq=0 ttl=62 time=0.947 ms";
const TABLE: [&str; 2] = [
    "NAMESPACE     NAME                    READY     STATUS    RESTARTS   AGE",
    "kube-system   kube-flannel-ds-4mwc7   1/1       Running   0          35s",
];

/// A line kubectl refused (`difference`), as the replay leaves it: run on
/// `ran_on`, the book showing `book` under it.
fn refused(command: &str, difference: &str, ran_on: &str, book: &[&str]) -> CommandReport {
    CommandReport {
        line: 104,
        command: command.into(),
        verdict: Verdict::Match,
        ran_on: Some(ran_on.into()),
        ran: Some(command.into()),
        variant: "broken".into(),
        book: book.iter().map(|l| l.to_string()).collect(),
        lab: vec![],
        bindings: vec![],
        differences: vec![difference.into()],
        known: vec![],
        reason: None,
        kubectl: Some(KubectlReport {
            version: "1.32.5".into(),
            outcome: KubectlOutcome::Refused,
            said: vec![difference.into()],
            note: "refused by kubectl v1.32.5: the reader's command fails".into(),
            skew: None,
        }),
        why: vec![],
    }
}

fn entry(command: &str, difference: &str) -> Entry {
    Entry {
        command: normalize(command),
        line: Some(104),
        occurrence: None,
        difference: difference.into(),
        reason: "kubectl 1.31 removed it. The lab also ran the fixed line's command, and its output is compared with the book's below it.".into(),
    }
}

fn judged(c: CommandReport, known: &KnownFile) -> BookReport {
    let mut r = report(vec![BlockReport {
        line: 103,
        end: 108,
        fence: "```bash".into(),
        verdict: Verdict::Match,
        commands: vec![c],
        prose: vec![],
        duration_s: 0.0,
    }]);
    judge(&mut r, known);
    r
}

fn file(entries: Vec<Entry>) -> KnownFile {
    KnownFile {
        version: VERSION,
        drift: entries,
    }
}

/// The replay's verdict for a refused exec whose pod the book never
/// tabled stands: its refusal's entry explains nothing, and is stale.
#[test]
fn a_refused_line_not_understood_is_not_known() {
    let mut c = refused(EXEC, EXEC_REFUSED, "kubectl", &[REPLY]);
    c.verdict = Verdict::NotUnderstood;
    c.reason = Some("kubectl refuses the line, so the reader's command fails; its meaning could not be run in the lab either: the book never shows pod nginx-deployment-75675f5897-4dm42 in a `kubectl get pods` table".into());
    let k = file(vec![entry(EXEC, EXEC_REFUSED)]);
    let r = judged(c, &k);
    assert_eq!(r.blocks[0].verdict, Verdict::NotUnderstood, "{r:#?}");
    assert!(r.blocks[0].commands[0].known.is_empty());
    assert_eq!(r.stale, k.drift);
    assert!(!r.ok());
    assert!(blessed(&r, &k).drift.is_empty());
}

/// A refused line that ran on kubectl alone, the book showing what its
/// fixed form would print: drift whatever the file says, saying why; the
/// entry is stale and a bless writes none.
#[test]
fn a_refused_line_whose_output_no_one_compared_drifts() {
    for (command, difference, book) in [
        (GET, GET_REFUSED, TABLE.to_vec()),
        (
            EXEC,
            EXEC_REFUSED,
            vec!["PING 10.244.3.3 (10.244.3.3): 48 data bytes", REPLY],
        ),
        // Below a line of kubectl's own, or cut, still a claim.
        (EXEC, EXEC_REFUSED, vec!["error: something", "...", REPLY]),
    ] {
        let k = file(vec![entry(command, difference)]);
        let mut r = judged(refused(command, difference, "kubectl", &book), &k);
        let c = &r.blocks[0].commands[0];
        assert_eq!(c.verdict, Verdict::Drift, "{book:?}: {c:#?}");
        assert_eq!(c.known, [""]);
        assert!(
            c.reason.as_deref().is_some_and(|w| w.starts_with(
                "kubectl refuses the line, so the reader's command fails, and lab ran no fixed form of it: what the book shows under it was not compared"
            )),
            "{c:#?}"
        );
        assert_eq!(r.stale.len(), 1, "{book:?}");
        assert_eq!(r.stale[0].command, normalize(command));
        assert!(blessed(&r, &k).drift.is_empty(), "{book:?}");
        // Judged again (`--watch` does), the reason says it once.
        let once = r.blocks[0].commands[0].reason.clone();
        judge(&mut r, &k);
        assert_eq!(r.blocks[0].commands[0].reason, once);
        assert_eq!(r.blocks[0].verdict, Verdict::Drift);
    }
    // A reason of the replay's is kept, the note after it.
    let mut c = refused(GET, GET_REFUSED, "kubectl", &TABLE);
    c.reason = Some("kubectl refuses the line, so the reader's command fails (lab does not understand it either: kubectl get with --all-namespace)".into());
    let r = judged(c, &file(vec![entry(GET, GET_REFUSED)]));
    let w = r.blocks[0].commands[0].reason.clone().unwrap_or_default();
    assert!(
        w.ends_with("--all-namespace); what the book shows under it was not compared, so no known-drift entry covers it"),
        "{w}"
    );
}

/// Where the fixed line's command ran in the lab, or the book shows
/// nothing under the line but kubectl's own failing (what the reader meets
/// once it is fixed), or the line is an apply or a delete (whose message
/// is compared for no line), the refusal's entry explains it.
#[test]
fn a_refusal_whose_fixed_line_ran_or_claims_nothing_stays_known() {
    let delete = "kubectl --kubeconfig ./admin.conf delete -f nginx-deployment.yaml";
    let cases = [
        (EXEC, "pod nginx-deployment-node1-0 on node1", vec![REPLY]),
        (EXEC, "node1", vec![REPLY]),
        (EXEC, "kubectl", vec![]),
        (EXEC, "kubectl", vec!["", "..."]),
        (
            EXEC,
            "kubectl",
            vec![
                "Error from server (NotFound): pods \"nginx-deployment-75675f5897-4dm42\" not found",
            ],
        ),
        (
            GET,
            "kubectl",
            vec![
                "error: unknown flag: --all-namespace",
                "See 'kubectl get --help' for usage.",
            ],
        ),
        (
            delete,
            "kubectl",
            vec!["deployment \"nginx-deployment\" deleted"],
        ),
    ];
    for (command, ran_on, book) in cases {
        let difference = "kubectl 1.32 refuses the book's line: error: something";
        let k = file(vec![entry(command, difference)]);
        let r = judged(refused(command, difference, ran_on, &book), &k);
        let c = &r.blocks[0].commands[0];
        assert_eq!(c.verdict, Verdict::KnownDrift, "{ran_on} {book:?}: {c:#?}");
        assert!(r.stale.is_empty(), "{ran_on} {book:?}");
        assert_eq!(c.reason, None, "{c:#?}");
    }
    // A line kubectl took is no refusal: its entry explains what it may.
    let mut c = refused(GET, GET_REFUSED, "kubectl", &TABLE);
    c.kubectl.as_mut().unwrap().outcome = KubectlOutcome::Accepted;
    let r = judged(c, &file(vec![entry(GET, GET_REFUSED)]));
    assert_eq!(r.blocks[0].verdict, Verdict::KnownDrift);
}
