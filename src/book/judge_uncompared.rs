//! Which commands no known-drift entry may cover although the lab
//! differed: a line kubectl refused whose meaning no fixed form of it ran
//! in the lab, the book showing output under it. The entries of a refusal
//! say the fixed line ran and was compared; where it was not, a wrong claim
//! under the line passed as `known_drift` (probe21bc, finding 2). Its own
//! module so that the rule is read in one place; [`super::judge`] and
//! [`super::blessed`] apply it.

/// What the reason of a command [`uncompared`] ends with (judging again
/// adds it once).
pub(super) const UNCOMPARED: &str =
    "what the book shows under it was not compared, so no known-drift entry covers it";

/// Whether kubectl refused the line, nothing of it ran in the lab (no
/// fixed form of it: it ran on kubectl alone), and the book shows lines
/// under it that the fixed line would print. An entry explains why the
/// reader's line fails (the refusal's entries say "the lab also ran the
/// fixed line's command, and its output is compared"), never output no
/// one compared: with one, a claim under a line whose meaning could not
/// run passed (probe21bc, finding 2). kubectl's own failing lines (an
/// `error:`, its NotFound) are what the reader meets, compared where
/// shown; an `apply`/`delete -f`'s message is compared for no line.
pub(super) fn uncompared(c: &crate::book::CommandReport) -> bool {
    use crate::book::recognize::{Cmd, KubeAction, recognize};
    let refused = c
        .kubectl
        .as_ref()
        .is_some_and(|k| k.outcome == crate::book::KubectlOutcome::Refused);
    // `ran_on` is the lab's node or pod where the meaning ran, `lab` where
    // an apply's did; kubectl's own when nothing did.
    if !refused || c.ran_on.as_deref() != Some("kubectl") {
        return false;
    }
    if let Ok(Cmd::Kubectl(k)) = recognize(&c.command)
        && matches!(
            k.action,
            KubeAction::Apply { .. } | KubeAction::Delete { .. }
        )
    {
        return false;
    }
    // kubectl's pointer to its help, under a refusal.
    let help = |t: &str| t.starts_with("See '") && t.contains("-h");
    c.book.iter().any(|l| {
        let t = crate::book::lookalike::fold(l);
        let t = t.trim();
        !t.is_empty()
            && !crate::book::compare::is_elision(t)
            && crate::kubectl::failed(t).is_none()
            && !t.starts_with("Error from server")
            && !help(t)
    })
}
