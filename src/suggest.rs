//! "Did you mean": the names nearest to one a user typed, and the text that
//! lists them with what exists, for errors about a lab (or node, variant)
//! that is not there.

/// Names of `known` close to `typed`, nearest first (edit distance at most a
/// third of the longer name, at least 2; a name containing the other counts).
pub fn nearest<'a>(typed: &str, known: &'a [String]) -> Vec<&'a str> {
    let mut scored: Vec<(usize, &str)> = known
        .iter()
        .filter(|k| k.as_str() != typed)
        .filter_map(|k| {
            let d = strsim::levenshtein(typed, k);
            let limit = (typed.len().max(k.len()) / 3).max(2);
            let contains = !typed.is_empty() && (k.contains(typed) || typed.contains(k.as_str()));
            (d <= limit || contains).then_some((d, k.as_str()))
        })
        .collect();
    scored.sort();
    scored.into_iter().map(|(_, k)| k).collect()
}

/// `; did you mean 'chapter4'? (labs found: chapter4, ...)`, or what says
/// there is none; empty when nothing is known and nothing is near.
pub fn hint(typed: &str, known: &[String], what: &str) -> String {
    let near = nearest(typed, known);
    let mut s = String::new();
    if let Some(first) = near.first() {
        s.push_str(&format!("; did you mean '{first}'?"));
    }
    if known.is_empty() {
        s.push_str(&format!(" ({what}: none)"));
    } else {
        s.push_str(&format!(" ({what}: {})", known.join(", ")));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_near_name_is_suggested_and_a_far_one_is_not() {
        let known = vec!["chapter4".to_string(), "other".to_string()];
        assert_eq!(nearest("chapter5", &known), vec!["chapter4"]);
        assert_eq!(nearest("chap", &known), vec!["chapter4"]);
        assert!(nearest("zzzzzzzzzz", &known).is_empty());
        assert_eq!(
            hint("chapter5", &known, "labs found"),
            "; did you mean 'chapter4'? (labs found: chapter4, other)"
        );
        assert_eq!(hint("x", &[], "labs up"), " (labs up: none)");
    }
}
