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
