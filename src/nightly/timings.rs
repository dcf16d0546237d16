//! The dashboard's step timings: each step's duration over the nights as
//! an inline SVG plot, with the last, median and largest value.

use super::dashboard::esc;
use crate::history::analysis::Analysis;
use std::collections::BTreeMap;
use std::fmt::Write;

/// An inline SVG plot of values per night (gaps where a night has none).
fn sparkline(values: &[Option<f64>]) -> String {
    let (w, hgt, pad) = (260.0, 34.0, 3.0);
    let known: Vec<f64> = values.iter().flatten().copied().collect();
    if known.is_empty() {
        return String::new();
    }
    let max = known.iter().cloned().fold(f64::MIN, f64::max);
    let min = known.iter().cloned().fold(f64::MAX, f64::min).min(0.0);
    let span = (max - min).max(1e-9);
    let step = if values.len() > 1 {
        (w - 2.0 * pad) / (values.len() - 1) as f64
    } else {
        0.0
    };
    let mut paths = Vec::new();
    let mut cur = String::new();
    let mut dots = String::new();
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => {
                let x = pad + step * i as f64;
                let y = hgt - pad - (v - min) / span * (hgt - 2.0 * pad);
                let _ = write!(
                    cur,
                    "{}{x:.1},{y:.1} ",
                    if cur.is_empty() { "M" } else { "L" }
                );
                let _ = write!(dots, "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"1.6\"/>");
            }
            None => {
                if !cur.is_empty() {
                    paths.push(std::mem::take(&mut cur));
                }
            }
        }
    }
    if !cur.is_empty() {
        paths.push(cur);
    }
    format!(
        "<svg width=\"{w}\" height=\"{hgt}\" viewBox=\"0 0 {w} {hgt}\" role=img>\
         <line x1=\"0\" y1=\"{b}\" x2=\"{w}\" y2=\"{b}\" stroke=\"#d0d7de\"/>\
         <path d=\"{}\" fill=\"none\" stroke=\"#0969da\" stroke-width=\"1.5\"/>\
         <g fill=\"#0969da\">{dots}</g></svg>",
        paths.join(" "),
        b = hgt - pad + 0.5
    )
}

fn secs(v: f64) -> String {
    if v < 1.0 {
        format!("{:.0} ms", v * 1000.0)
    } else {
        format!("{v:.2} s")
    }
}

pub(super) fn steps(h: &mut String, a: &Analysis, shown: &[usize]) {
    let mut any = false;
    for line in &a.lines {
        let runs = &a.runs[line];
        // (phase, step) in first-seen order, durations per shown night.
        let mut order: Vec<(String, String)> = Vec::new();
        let mut series: BTreeMap<(String, String), Vec<Option<f64>>> = BTreeMap::new();
        let mut total: Vec<Option<f64>> = Vec::new();
        for (col, &i) in shown.iter().enumerate() {
            total.push(
                runs[i]
                    .as_ref()
                    .filter(|r| r.data.status.completed())
                    .and_then(|r| r.data.duration_s),
            );
            let Some(r) = &runs[i] else { continue };
            for s in &r.data.steps {
                let key = (s.phase.clone(), s.name.clone());
                if !series.contains_key(&key) {
                    order.push(key.clone());
                }
                let v = series.entry(key).or_insert_with(|| vec![None; shown.len()]);
                v[col] = Some(v[col].unwrap_or(0.0) + s.duration_s);
            }
        }
        if order.is_empty() && total.iter().all(Option::is_none) {
            continue;
        }
        if !any {
            h.push_str("<h2>Step timings</h2>\n");
            any = true;
        }
        let _ = writeln!(
            h,
            "<h3>{}</h3><table class=steps><tr><th></th><th class=sub>last {} nights</th><th class=sub>last</th><th class=sub>median</th><th class=sub>max</th></tr>",
            esc(&line.to_string()),
            shown.len()
        );
        let mut row = |label: String, v: &[Option<f64>]| {
            let mut known: Vec<f64> = v.iter().flatten().copied().collect();
            if known.is_empty() {
                return;
            }
            let last = v.iter().rev().flatten().next().copied().unwrap_or(0.0);
            known.sort_by(|a, b| a.total_cmp(b));
            let median = known[known.len() / 2];
            let max = known[known.len() - 1];
            let _ = writeln!(
                h,
                "<tr><td>{label}</td><td>{}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td></tr>",
                sparkline(v),
                secs(last),
                secs(median),
                secs(max)
            );
        };
        row("<b>whole run</b>".into(), &total);
        for key in &order {
            row(
                format!("<span class=sub>{}</span> · {}", esc(&key.0), esc(&key.1)),
                &series[key],
            );
        }
        h.push_str("</table>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sparkline_leaves_gaps_for_missing_nights() {
        let s = sparkline(&[Some(1.0), None, Some(2.0), Some(3.0)]);
        assert_eq!(s.matches('M').count(), 2, "{s}");
        assert_eq!(s.matches("<circle").count(), 3);
    }
}
