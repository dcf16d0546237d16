//! Dynamic completion: lab names, variant names and node names, asked of
//! `lab` itself when the shell completes (clap_complete's `CompleteEnv`:
//! the script `lab completions SHELL` prints calls `COMPLETE=SHELL lab --
//! WORDS...`). Variant and node names depend on the lab already typed, so
//! their completers read it from the words being completed.

use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};

/// Lab names: the labs `lab` can find here, and the labs that are up.
pub fn labs() -> ArgValueCandidates {
    ArgValueCandidates::new(|| {
        let mut names: Vec<(String, &str)> = crate::spec::discover()
            .into_iter()
            .map(|(n, _)| (n, "lab"))
            .collect();
        for n in crate::ops::labs_up() {
            match names.iter_mut().find(|(m, _)| *m == n) {
                Some(e) => e.1 = "lab, up",
                None => names.push((n, "up")),
            }
        }
        names
            .into_iter()
            .map(|(n, help)| CompletionCandidate::new(n).help(Some(help.into())))
            .collect::<Vec<_>>()
    })
}

/// Instance names: the instances up here, with the lab each is of.
pub fn instances() -> ArgValueCandidates {
    ArgValueCandidates::new(|| {
        crate::state::instance::all()
            .iter()
            .map(|st| {
                CompletionCandidate::new(&st.name).help(Some(
                    format!("{}, {}", crate::state::instance::lab_of(st), st.variant).into(),
                ))
            })
            .collect::<Vec<_>>()
    })
}

/// The variants of the lab named on the line being completed.
pub fn variants() -> ArgValueCandidates {
    ArgValueCandidates::new(|| {
        typed_lab()
            .map(|lab| {
                lab.variants
                    .iter()
                    .map(|v| CompletionCandidate::new(&v.name).help(Some(v.about.clone().into())))
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// The nodes of the lab named on the line being completed.
pub fn nodes() -> ArgValueCandidates {
    ArgValueCandidates::new(|| {
        typed_lab()
            .map(|lab| {
                lab.nodes
                    .iter()
                    .map(|n| {
                        CompletionCandidate::new(&n.name)
                            .help(Some(format!("{}, {}", n.role.as_str(), n.ip).into()))
                    })
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// Options whose next word is their value (not a lab).
const TAKES_VALUE: &[&str] = &[
    "--provider",
    "--vm",
    "--variant",
    "--nodes",
    "--box",
    "--junit",
    "--json",
    "--html",
    "--only",
    "--chapter",
    "--known",
    "--out",
    "--format",
    "--output",
    "-o",
    "--color",
    "--name",
];

/// The lab word of the line being completed (`lab ssh chapter4 <TAB>`):
/// the words after `--` in this process's arguments, the first word after
/// the subcommand that is neither an option nor an option's value.
fn lab_word(words: &[String]) -> Option<String> {
    let mut it = words.iter().skip(1).peekable();
    let mut positional = 0;
    while let Some(w) = it.next() {
        if TAKES_VALUE.contains(&w.as_str()) {
            it.next();
            continue;
        }
        if w.starts_with('-') {
            continue;
        }
        // The word being completed is the last one: not a lab yet.
        it.peek()?;
        positional += 1;
        // The first positional word is the command, the second the lab.
        if positional == 2 {
            return Some(w.clone());
        }
    }
    None
}

fn typed_lab() -> Option<crate::spec::Lab> {
    let args: Vec<String> = std::env::args().collect();
    let words: Vec<String> = args
        .iter()
        .skip_while(|a| *a != "--")
        .skip(1)
        .cloned()
        .collect();
    let name = lab_word(&words)?;
    if let Ok(lab) = crate::spec::load(&name, crate::spec::LoadOptions::default()) {
        return Some(lab);
    }
    // A lab that is up: the file its state names.
    let st = crate::state::State::load(&name).ok().flatten()?;
    crate::spec::load_file(&st.lab_source().ok()?, crate::spec::LoadOptions::default()).ok()
}

#[cfg(test)]
mod tests {
    use super::lab_word;

    fn w(s: &str) -> Vec<String> {
        s.split(' ').map(String::from).collect()
    }

    #[test]
    fn the_lab_word_skips_options_and_their_values() {
        assert_eq!(lab_word(&w("lab ssh chapter4 ")), Some("chapter4".into()));
        assert_eq!(
            lab_word(&w("lab up --provider netns chapter4 --variant ")),
            Some("chapter4".into())
        );
        assert_eq!(lab_word(&w("lab up chap")), None);
        assert_eq!(lab_word(&w("lab -q ssh")), None);
        assert_eq!(lab_word(&w("lab -q ssh lab1 n")), Some("lab1".into()));
    }
}
