//! A pod's age never goes back: a `get pods` row that shows a pod the
//! chapter showed before, with an `AGE` smaller than that earlier row's,
//! contradicts it (probe21bp, lesser 3: `G5`, the old flannel pod shown
//! `Terminating` with AGE `35s` right after the replacing apply, where the
//! book had shown it at `1h`, passed).
//!
//! Only for a name that is one pod's for its life: a Deployment's or a
//! DaemonSet's (and a Job's, a ReplicaSet's) pods end in a random five
//! characters Kubernetes picks (`-4dm42`, `-zzkf7`), so a pod made again
//! has a new name. A StatefulSet's pod (`web-0`), a static pod
//! (`kube-apiserver-master`) or a bare pod keeps its name when made again,
//! younger: their ages are not compared.
//!
//! The time the book says passed between two listings is not needed: an
//! age only grows, so "not smaller" is all that is held. kubectl rounds
//! an age down to its last unit (`1h` is one to two hours, `3m20s` to the
//! second), so a later age contradicts an earlier one only when even its
//! top (`35s` up to 36 s) is below the earlier one's bottom (`1h`: 3600 s).

use super::bind::Binding;

/// The characters of the random suffix Kubernetes gives a generated name
/// (`k8s.io/apimachinery/pkg/util/rand`: no vowels, no `0`, `1`, `3`).
const SUFFIX_CHARS: &str = "bcdfghjklmnpqrstvwxz2456789";

/// Whether `pod` ends in a generated name's random five characters
/// (`nginx-deployment-75675f5897-4dm42`, `kube-flannel-ds-zzkf7`).
pub(super) fn generated(pod: &str) -> bool {
    pod.rsplit_once('-').is_some_and(|(owner, suffix)| {
        !owner.is_empty() && suffix.len() == 5 && suffix.chars().all(|c| SUFFIX_CHARS.contains(c))
    })
}

/// An age as kubectl prints it (`45s`, `12m`, `1h`, `3m20s`, `5h10m`,
/// `2d3h`, `1y`): the least it stands for and the most (below, in seconds:
/// kubectl cuts what is past its last unit). `None` for anything else
/// (`<unknown>`, `<invalid>`).
pub(super) fn age_bounds(age: &str) -> Option<(u64, u64)> {
    let mut total = 0u64;
    let mut last_unit = 0u64;
    let mut digits = String::new();
    for c in age.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            'y' => 365 * 86_400,
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        // Units come largest first, each once.
        if digits.is_empty() || (last_unit != 0 && unit >= last_unit) {
            return None;
        }
        total = total.checked_add(digits.parse::<u64>().ok()?.checked_mul(unit)?)?;
        last_unit = unit;
        digits.clear();
    }
    (digits.is_empty() && last_unit != 0).then_some((total, total + last_unit))
}

/// Each row whose age is below an earlier row's of the same pod (a
/// generated name's) is a disagreement at its table's line.
pub fn check(b: &mut Binding) {
    // Per pod: the greatest least age shown so far, its text and line.
    let mut oldest: Vec<(String, u64, String, usize)> = Vec::new();
    let mut said: Vec<(usize, String)> = Vec::new();
    for s in &b.shown {
        let Some(age) = s.age.as_deref() else {
            continue;
        };
        let Some((least, most)) = age_bounds(age) else {
            continue;
        };
        if !generated(&s.pod) {
            continue;
        }
        match oldest.iter_mut().find(|(p, ..)| *p == s.pod) {
            None => oldest.push((s.pod.clone(), least, age.to_string(), s.line)),
            Some((_, before, text, line)) => {
                if most <= *before && *line < s.line {
                    said.push((
                        s.line,
                        format!(
                            "the book shows pod {} with AGE {age} here and {text} in the listing at line {line}: a pod's age never goes back, and a pod of this name is one pod for its life (a Deployment's or DaemonSet's pod made again gets a new name)",
                            s.pod
                        ),
                    ));
                } else if least > *before {
                    *before = least;
                    *text = age.to_string();
                    *line = s.line;
                }
            }
        }
    }
    for (line, sentence) in said {
        super::coherence::conflict(b, line, sentence);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::bind::Shown;

    #[test]
    fn kubectl_ages_are_read_with_their_rounding() {
        assert_eq!(age_bounds("35s"), Some((35, 36)));
        assert_eq!(age_bounds("1h"), Some((3600, 7200)));
        assert_eq!(age_bounds("3m20s"), Some((200, 201)));
        assert_eq!(
            age_bounds("2d3h"),
            Some((2 * 86_400 + 3 * 3600, 2 * 86_400 + 4 * 3600))
        );
        for odd in [
            "<unknown>",
            "<invalid>",
            "",
            "35",
            "s",
            "5s3m",
            "1h1h",
            "1.5h",
        ] {
            assert_eq!(age_bounds(odd), None, "{odd}");
        }
    }

    #[test]
    fn only_generated_names_are_one_pod_for_life() {
        assert!(generated("nginx-deployment-75675f5897-4dm42"));
        assert!(generated("kube-flannel-ds-zzkf7"));
        for kept in [
            "web-0",
            "kube-apiserver-master",
            "etcd-node1",
            "busybox",
            "-4dm42",
            "my-pod-abcde",
        ] {
            assert!(!generated(kept), "{kept}");
        }
    }

    fn row(pod: &str, age: &str, line: usize) -> Shown {
        Shown {
            pod: pod.into(),
            node: None,
            ip: None,
            age: Some(age.into()),
            line,
        }
    }

    /// `G5`: zzkf7 at `45s`, then `1h`, then `35s` after the apply: the
    /// last goes back. Seen failing before this module: no conflict.
    #[test]
    fn an_age_that_goes_back_is_a_disagreement() {
        let mut b = Binding {
            shown: vec![
                row("kube-flannel-ds-zzkf7", "45s", 38),
                row("kube-flannel-ds-zzkf7", "1h", 120),
                row("kube-flannel-ds-4mwc7", "35s", 197),
                row("kube-flannel-ds-zzkf7", "35s", 197),
                // Rounding: `90m` then `1h` (one to two hours) may be true.
                row("nginx-deployment-75675f5897-4dm42", "90m", 120),
                row("nginx-deployment-75675f5897-4dm42", "1h", 150),
                // A StatefulSet's pod made again is younger under its name.
                row("web-0", "1h", 120),
                row("web-0", "5s", 150),
            ],
            ..Binding::default()
        };
        check(&mut b);
        assert_eq!(b.conflicts.len(), 1, "{:#?}", b.conflicts);
        let (line, s) = &b.conflicts[0];
        assert_eq!(*line, 197);
        assert!(
            s.contains("kube-flannel-ds-zzkf7 with AGE 35s here and 1h in the listing at line 120"),
            "{s}"
        );
    }
}
