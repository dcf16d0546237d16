//! The RESTARTS a `kubectl get pods` table shows, as kubectl prints them.
//! The column is the day's and not compared with the lab's, but a value
//! kubectl prints in no version (`-1`, `1.5`, `01`) is no table a reader's
//! kubectl printed: a difference of its own, never passed over (probe21be,
//! lesser 3: RESTARTS `-1` matched, "RESTARTS, AGE not compared").

use super::bind::Table;

/// Whether `v` is a restart count as kubectl prints one: a count in
/// decimal digits (`0`, `7`), or since kubectl 1.22 a count above 0 with
/// the age of the last restart, `7 (2m ago)`, its age in kubectl's
/// durations (`45s`, `5m10s`, `3h`, `2d4h`, `4y20d`; `<invalid>` for a
/// time ahead of the clock).
pub fn as_printed(v: &str) -> bool {
    let count = |n: &str| {
        !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && (n == "0" || !n.starts_with('0'))
    };
    match v.split_once(' ') {
        None => count(v),
        Some((n, ago)) => {
            let age = ago.strip_prefix('(').and_then(|a| a.strip_suffix(" ago)"));
            count(n) && n != "0" && age.is_some_and(|a| a == "<invalid>" || is_duration(a))
        }
    }
}

/// kubectl's short duration (its `HumanDuration`): one or two parts, each
/// a count and its unit, the larger unit first (`45s`, `5m10s`, `2d4h`).
fn is_duration(a: &str) -> bool {
    const UNITS: &str = "ydhms";
    let mut parts = 0;
    let mut last_unit = None::<usize>;
    let mut digits = String::new();
    for c in a.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let Some(u) = UNITS.find(c) else { return false };
        if digits.is_empty() || last_unit.is_some_and(|l| u <= l) {
            return false;
        }
        last_unit = Some(u);
        parts += 1;
        digits.clear();
    }
    digits.is_empty() && (1..=2).contains(&parts)
}

/// The differences of a table's RESTARTS that no kubectl prints, one for
/// each row that shows one.
pub fn unprinted(t: &Table) -> Vec<String> {
    let Some(i) = t.col("RESTARTS") else {
        return Vec::new();
    };
    t.rows
        .iter()
        .filter_map(|r| {
            let v = r.get(i)?;
            (!as_printed(v)).then(|| {
                format!(
                    "kubectl get: the book's table shows RESTARTS `{v}` for {}, which no kubectl prints: a restart count is a whole number from 0 (`0`, `7`, kubectl 1.22's `7 (2m ago)`)",
                    r.first().map(String::as_str).unwrap_or("a row")
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// probe21be, lesser 3 (`d5`): RESTARTS `-1` matched.
    #[test]
    fn a_restart_count_no_kubectl_prints_is_a_difference() {
        for ok in [
            "0",
            "7",
            "12",
            "7 (2m ago)",
            "1 (45s ago)",
            "3 (5m10s ago)",
            "2 (2d4h ago)",
        ] {
            assert!(as_printed(ok), "{ok}");
        }
        for bad in [
            "-1",
            "1.5",
            "01",
            "x",
            "",
            "0 (2m ago)",
            "7 (2m)",
            "7 (m2 ago)",
            "7 (10s5m ago)",
        ] {
            assert!(!as_printed(bad), "{bad}");
        }
        let t = Table::parse(&[
            "NAME   READY   STATUS    RESTARTS   AGE".to_string(),
            "web    1/1     Running   -1         2m".to_string(),
            "db     1/1     Running   0          2m".to_string(),
        ])
        .unwrap();
        let d = unprinted(&t);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].contains("`-1` for web"), "{d:?}");
    }
}
