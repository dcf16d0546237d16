//! The notes under a command's output that say the output went on or
//! that the author stopped it (`(and so on)`, `(output continues)`,
//! `(Ctrl-C pressed here)`, `(stopped with Ctrl-C)`, `(repeats until
//! stopped)`), alone or beside an instruction or a cut's note (`(output
//! truncated, press Ctrl-C to stop)`). They stand for `...` or for the
//! `^C` mark and say nothing of what the output held, so the strict
//! reading of a remark below the output
//! ([`super::remark_words::read_below`]) leaves them out before it reads
//! the rest. probe21cb (F4, and probe21ca's WC16) found each not
//! understood, a true chapter failed. Apart from `remark_words.rs` for its
//! size; the words of a cut or of going on alone are
//! [`crate::book::compare::is_elision`]'s.

/// `remark` (inside its brackets) less its pieces (between `,`, `;` and
/// `:`) that are a cut's note, a note that the output went on, or one
/// that the author stopped it: the rest, to read (empty: only such notes).
/// A piece with any other word (`no reply until Ctrl-C`, `and so on, all
/// lost`, `stopped`) stays whole, to be read as it stands.
pub(super) fn without_notes(remark: &str) -> String {
    let kept: Vec<&str> = remark
        .split([',', ';', ':'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .filter(|p| !crate::book::compare::is_elision(&format!("({p})")) && !stopped(p))
        .map(|p| after_replies(p).unwrap_or(p))
        .collect();
    kept.join("; ")
}

/// `I hit Ctrl-C after two replies`: a note of stopping, and that replies
/// came (`replies`, read and held against the lab). How many is the
/// author's moment to stop, not the command's (probe21cd, lesser 1: the
/// true note was not understood).
fn after_replies(piece: &str) -> Option<&'static str> {
    let low = piece.to_lowercase();
    let (head, tail) = low.rsplit_once(" after ")?;
    let count = |w: &str| {
        w.parse::<u32>().is_ok_and(|n| n > 0)
            || [
                "a", "one", "two", "three", "four", "five", "six", "a few", "some",
            ]
            .contains(&w)
    };
    let (n, what) = tail.trim().rsplit_once(' ')?;
    let replies = matches!(
        what.trim_end_matches(['.', '!', ')']),
        "reply" | "replies" | "answer" | "answers" | "pong" | "pongs"
    );
    (replies && count(n.trim()) && stopped(head)).then_some("replies")
}

/// Whether `piece` says only that the author stopped the output, or that
/// it went on until they did: its words are those of stopping and going
/// on, with the interrupt named (`Ctrl-C pressed here`, `stopped with
/// Ctrl-C`, `and so on until Ctrl-C`, `runs until Ctrl-C is pressed`) or
/// the author's stopping (`until stopped`, `until you stop it`). Every
/// word of stopping must be the author's act (`stopped with`/`by`, `until
/// stopped`, `I stopped it`, `to stop`): `it stopped`, `the output stopped
/// until I pressed Ctrl-C`, `stopped here until Ctrl-C` say what the
/// output did (no more lines came), a claim, kept to be read (probe21cd,
/// G1: each was left out and the ping `match` though the lab's kept
/// replying).
fn stopped(piece: &str) -> bool {
    let low = piece.to_lowercase().replace("so on", "etc");
    let words: Vec<&str> = low
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| "()[]{}\"'`.!?*".contains(c)))
        .filter(|w| !w.is_empty())
        .collect();
    let interrupt = |w: &str| matches!(w, "ctrl-c" | "ctrl+c" | "^c" | "control-c");
    let stop = |w: &str| matches!(w, "stop" | "stopped" | "interrupt" | "interrupted");
    let person = |w: &str| matches!(w, "i" | "we" | "you");
    let before = |i: usize, k: usize| i.checked_sub(k).map(|j| words[j]);
    // `until stopped`, `until you stop it`, `to stop`, `I stopped it`,
    // `Ctrl-C stopped it`, `stopped (it) with/by Ctrl-C`: with/by the
    // author or the key, never a time (`stopped by this point`, `by then`:
    // what the output did, probe21ce H4).
    let agent = |w: &str| {
        interrupt(w) || person(w) || matches!(w, "me" | "author" | "hand" | "pressing" | "hitting")
    };
    let authors = |i: usize| {
        let skip = |w: &&&str| matches!(**w, "it" | "here" | "at" | "this" | "point" | "then");
        let mut after = words[i + 1..].iter().skip_while(skip);
        matches!(before(i, 1), Some("until" | "to"))
            || before(i, 1).is_some_and(|w| person(w) || interrupt(w))
            || after.next().is_some_and(|w| matches!(*w, "with" | "by"))
                && after
                    .find(|w| !matches!(**w, "a" | "the"))
                    .is_some_and(|w| agent(w))
    };
    let named = words.iter().any(|w| interrupt(w))
        || words.iter().enumerate().any(|(i, w)| {
            stop(w)
                && (before(i, 1) == Some("until")
                    || before(i, 2) == Some("until") && before(i, 1).is_some_and(person))
        });
    // `Ctrl-C is pressed`: `is`/`was` only before the act.
    let passive = |i: usize| {
        matches!(words[i], "is" | "was")
            && words
                .get(i + 1)
                .is_some_and(|w| matches!(*w, "pressed" | "hit" | "typed"))
    };
    named
        && words.iter().enumerate().all(|(i, w)| {
            (stop(w) && authors(i))
                || (!stop(w) && (interrupt(w) || STOPPING.contains(w) || passive(i)))
        })
}

/// The words a note of stopping may hold besides the interrupt.
const STOPPING: &[&str] = &[
    "pressed",
    "press",
    "pressing",
    "hit",
    "typed",
    "here",
    "with",
    "by",
    "at",
    "this",
    "point",
    "until",
    "i",
    "we",
    "you",
    "then",
    "key",
    "the",
    "and",
    "etc",
    "more",
    "output",
    "continues",
    "continue",
    "continued",
    "repeats",
    "repeat",
    "repeated",
    "it",
    "on",
    "lines",
    "to",
    // `runs until you press Ctrl-C`, `it keeps going until you stop it`.
    "runs",
    "running",
    "keeps",
    "keep",
    "going",
    "goes",
    "ping",
];

#[cfg(test)]
mod tests {
    use super::without_notes;

    /// probe21cb, F4: the notes of going on or stopping are left out;
    /// any piece that says more is kept whole.
    #[test]
    fn notes_of_going_on_or_stopping_are_left_out() {
        for note in [
            "and so on",
            "Ctrl-C pressed here",
            "stopped with Ctrl-C",
            "repeats until stopped",
            "and so on, until you press Ctrl-C",
            "output truncated, press Ctrl-C to stop",
        ] {
            let rest = without_notes(note);
            assert!(
                rest.is_empty()
                    || rest.to_lowercase().starts_with("until you press")
                    || rest.starts_with("press"),
                "{note}: {rest}"
            );
        }
        for (remark, rest) in [
            ("stopped", "stopped"),
            ("no reply until Ctrl-C", "no reply until Ctrl-C"),
            ("and so on, all lost", "all lost"),
            ("Ctrl-C pressed here; ttl 63", "ttl 63"),
            ("then all echoes were lost", "then all echoes were lost"),
        ] {
            assert_eq!(without_notes(remark), rest, "{remark}");
        }
    }

    /// probe21cd, G1: `stopped` said of the output (`it stopped`, `the
    /// output stopped until I pressed Ctrl-C`) is what it did, kept to be
    /// read; only the author's act is a note. Lesser 1: true notes of going
    /// on until the author stops it are left out. Seen failing first: the
    /// G1 pieces were left out, the lesser ones kept.
    #[test]
    fn only_the_authors_stopping_is_a_note() {
        for remark in [
            "then the output stopped until I pressed Ctrl-C",
            "then it stopped here until Ctrl-C",
            "stopped here until Ctrl-C",
            "output stopped at this point until you press Ctrl-C",
            "then it stopped until I pressed Ctrl-C",
            "it stopped with no more replies until Ctrl-C",
            // probe21ce H4: a `by` of time is no act.
            "the output stopped by this point until I pressed Ctrl-C",
            "it stopped by then until I pressed Ctrl-C",
            "stopped by now until Ctrl-C",
            "it stopped by the time I pressed Ctrl-C",
        ] {
            assert_eq!(without_notes(remark), remark, "{remark}");
        }
        for note in [
            "runs until you press Ctrl-C",
            "and so on, until Ctrl-C is pressed",
            "it keeps going until you stop it",
            "ping keeps running until Ctrl-C",
            "interrupted with ^C",
            "^C pressed",
            "I stopped it with Ctrl-C",
            "Ctrl-C stopped it",
            "output continues until interrupted",
            "stopped by Ctrl-C here",
            "then the output stopped here with Ctrl-C",
            "you stopped it by pressing Ctrl-C",
        ] {
            assert_eq!(without_notes(note), "", "{note}");
        }
        assert_eq!(without_notes("I hit Ctrl-C after two replies"), "replies");
        assert_eq!(
            without_notes("I hit Ctrl-C after two timeouts"),
            "I hit Ctrl-C after two timeouts"
        );
    }
}
