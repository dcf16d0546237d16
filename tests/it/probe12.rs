//! The twelfth probe's findings (docs/security-probe.md, "twelfth probe"),
//! each seen failing on the code before its fix.

use crate::harness::{copy_lab, require_root, unique_name};

/// False greens of `lab book`: a `cat` and an `ip route` whose book output
/// is another command's (tcpdump's banner, which comparison drops as
/// version-worded) compared nothing and matched; a ping whose replies old
/// iputils numbers `icmp_req=` was read by its facts alone, so who
/// answered (node2's pod) was never compared; a login then a ping cut to
/// `...` made a matching block of the login alone. On the code before the
/// fixes: 17, 22, 29 and 38 were `match`. The last two blocks are true and
/// stay `match`.
#[test]
fn a_claim_in_another_commands_words_or_an_old_pings_is_never_a_false_match() {
    require_root();
    let name = unique_name("p12");
    let lab = copy_lab("chapter4", &name);
    let chapter = crate::harness::fixture("book/probe12-claims.md");
    let (_, stdout, v, ..) =
        crate::book::book_in(&name, lab, &["--chapter", chapter.to_str().unwrap()]);
    assert_eq!(
        crate::book::verdicts(&v),
        [
            (7, "skipped".to_string()),
            (17, "drift".into()),
            (22, "drift".into()),
            (29, "drift".into()),
            (38, "skipped".into()),
            (47, "match".into()),
            (55, "match".into()),
        ],
        "{stdout}"
    );
}

/// Lesser findings of the same probe, one fixture: on netns a `get pods`
/// table is compared with what the lab observes, and the line's `-l
/// app=X` was not (flannel's pods for `-l app=nginx`, nginx's for `-l
/// app=redis`: skipped without a difference); a row of a newer kubectl
/// (`RESTARTS 7 (2m ago)`) was dropped, so a table of such rows compared
/// nothing; a comment at a prompt (`vagrant@node1:~$ # ping ...`) ran the
/// ping; a true capture drifted by the reader's `^C` and tcpdump's counts.
/// On the code before the fixes: 13, 24, 34 skipped, block 43 ran `ping`,
/// 49 drift.
#[test]
fn a_table_for_another_line_drifts_and_a_comment_runs_nothing() {
    require_root();
    let name = unique_name("p12");
    let lab = copy_lab("chapter4", &name);
    let chapter = crate::harness::fixture("book/probe12-tables.md");
    let (_, stdout, v, ..) =
        crate::book::book_in(&name, lab, &["--chapter", chapter.to_str().unwrap()]);
    assert_eq!(
        crate::book::verdicts(&v),
        [
            (3, "skipped".to_string()),
            (13, "drift".into()),
            (24, "drift".into()),
            (34, "drift".into()),
            (43, "skipped".into()),
            (49, "match".into()),
        ],
        "{stdout}"
    );
    let comment = &v["blocks"][4];
    assert_eq!(comment["line"], 43);
    assert_eq!(
        comment["commands"].as_array().map(Vec::len),
        Some(0),
        "{comment}"
    );
}
