//! What `lab book` says when the lab's files changed since `lab up`: it
//! replays the chapter as it is now, on the lab as it was brought up (the
//! lab file and manifests `up` copied into the state folder). The warning
//! every other command gives ("using the lab as it was brought up") said
//! nothing of the chapter, which `book` reads now: probe21bv saw a block
//! appended after `up` replayed under that warning (lesser).

use crate::state::State;
use std::path::Path;

/// The warning, for the lab `st` (up) and the `chapter` replayed; `None`
/// when the lab's files are as they were at `up`. A lab file moved or
/// removed since keeps the common warning (`State::lab_drift`).
pub(super) fn warning(st: &State, chapter: &Path) -> Option<String> {
    let drift = st.lab_drift()?;
    if !st.lab_file.is_file() {
        return Some(drift);
    }
    let copy = st
        .lab_source()
        .map(|c| format!(", {}", c.display()))
        .unwrap_or_default();
    Some(format!(
        "{} (or a file it names) changed since `lab up {}`: `lab book` replays the chapter {} as it is now, on the lab as it was brought up (its lab file and manifests as `lab up` copied them{copy}); `lab destroy {1}` then `lab up` brings it up from the files as they are now",
        st.lab_file.display(),
        st.name,
        chapter.display(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words; end to end (and seen failing there with `ops::book`
    /// giving `State::lab_drift`'s): `tests/it/probe21bv_state.rs`.
    #[test]
    fn the_warning_names_the_chapter_replayed_and_the_lab_it_runs_on() {
        let home = tempfile::tempdir().unwrap();
        let file = home.path().join("lab.yaml");
        std::fs::write(&file, "name: l\n").unwrap();
        let mut st: State = serde_json::from_value(serde_json::json!({
            "name": "l", "provider": "netns", "variant": "broken", "phase": "up",
            "lab_file": file, "lab_files": ["lab.yaml"], "lab_digest": "not the files' digest",
            "provider_state": null,
        }))
        .unwrap();
        let chapter = home.path().join("chapter.md");
        let w = warning(&st, &chapter).expect("changed");
        assert!(
            w.contains(&format!(
                "replays the chapter {} as it is now, on the lab as it was brought up",
                chapter.display()
            )),
            "{w}"
        );
        st.lab_digest = None;
        assert_eq!(warning(&st, &chapter), None);
    }
}
