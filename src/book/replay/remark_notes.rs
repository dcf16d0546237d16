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
        .collect();
    kept.join("; ")
}

/// Whether `piece` says only that the author stopped the output, or that
/// it went on until they did: its words are those of stopping and going
/// on, with the interrupt named (`Ctrl-C pressed here`, `stopped with
/// Ctrl-C`, `and so on until Ctrl-C`) or `until stopped`.
fn stopped(piece: &str) -> bool {
    let low = piece.to_lowercase().replace("so on", "etc");
    let words: Vec<&str> = low
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| "()[]{}\"'`.!?*".contains(c)))
        .filter(|w| !w.is_empty())
        .collect();
    let interrupt = |w: &str| matches!(w, "ctrl-c" | "ctrl+c" | "^c" | "control-c");
    let stop = |w: &str| matches!(w, "stopped" | "interrupted");
    let named = words.iter().any(|w| interrupt(w))
        || words.windows(2).any(|p| p[0] == "until" && stop(p[1]));
    named
        && words
            .iter()
            .all(|w| interrupt(w) || stop(w) || STOPPING.contains(w))
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
    "stop",
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
}
