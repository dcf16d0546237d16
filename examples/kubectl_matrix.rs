//! Benchmark of `lab::kubectl` (run by `bench/kubectl.sh`): the chapter's
//! kubectl lines (every line of `CHAPTER` that starts with `kubectl `, or
//! `$ kubectl `), judged offline by every kubectl found.
//!
//! Prints: the kubectls found and the time of discovery (first, then
//! again in the same process); one line judged by the pinned minor's
//! kubectl (each of `RUNS` runs, and the median); the whole matrix without
//! the cache (every line, every kubectl), with the cache (a line the
//! chapter repeats runs once), and a second time with the cache (nothing
//! runs); then the matrix and its summary.
//!
//! Usage: `kubectl_matrix LAB_DIR [RUNS]` (LAB_DIR holds chapter.md,
//! lab.yaml and the manifests).

use lab::kubectl::{self, RunCache, Verdict};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = PathBuf::from(args.get(1).expect("usage: kubectl_matrix LAB_DIR [RUNS]"));
    let runs: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(10);
    let chapter = std::fs::read_to_string(dir.join("chapter.md")).expect("chapter.md");
    let lines: Vec<(usize, Vec<String>)> = chapter
        .lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let l = l.trim();
            let l = l.strip_prefix("$ ").unwrap_or(l);
            l.strip_prefix("kubectl ")
                .map(|rest| (i + 1, rest.split_whitespace().map(str::to_string).collect()))
        })
        .collect();
    let offline = tempfile::tempdir().unwrap();
    let manifests: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "yml" || x == "yaml")
                && p.file_name().is_some_and(|n| n != "lab.yaml")
        })
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    kubectl::offline_dir(offline.path(), "admin.conf", &manifests).unwrap();
    let cwd: &Path = offline.path();

    let t = Instant::now();
    let all = kubectl::discover();
    let first = t.elapsed();
    let t = Instant::now();
    let again = kubectl::discover();
    let second = t.elapsed();
    assert_eq!(all, again);
    println!(
        "discover: {} kubectl ({}): {} (first in this process), {} (again)",
        all.len(),
        all.iter()
            .map(|k| k.version.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        ms(first),
        ms(second)
    );
    let pinned = kubectl::for_minor(&all, "1.32").expect("a kubectl");
    let line: Vec<String> = "--kubeconfig ./admin.conf get nodes"
        .split(' ')
        .map(str::to_string)
        .collect();
    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let out = kubectl::run(
            &pinned.kubectl,
            &line,
            cwd,
            Duration::from_secs(20),
            kubectl::Reach::Offline,
        )
        .await
        .unwrap();
        let j = kubectl::judge(&out);
        times.push(t.elapsed());
        assert!(j.accepted(), "{j:?}");
    }
    println!(
        "one line judged (kubectl {} get nodes, offline): median {} of {runs} (min {}, max {})",
        pinned.kubectl.version,
        ms(median(times.clone())),
        ms(*times.iter().min().unwrap()),
        ms(*times.iter().max().unwrap())
    );
    let measure = |name: &'static str, cache: &'static RunCache| {
        let all = all.clone();
        let lines = lines.clone();
        async move {
            let t = Instant::now();
            let m = kubectl::matrix_with(&all, &lines, cwd, cache).await;
            println!(
                "matrix {name}: {} ({} lines x {} kubectl, {} kubectl runs)",
                ms(t.elapsed()),
                lines.len(),
                all.len(),
                cache.runs.swap(0, Ordering::Relaxed)
            );
            m
        }
    };
    let off: &'static RunCache = Box::leak(Box::new(RunCache::off()));
    let on: &'static RunCache = Box::leak(Box::new(RunCache::default()));
    let m_off = measure("without the cache", off).await;
    let m_on = measure("with the cache, first", on).await;
    let m_again = measure("with the cache, again", on).await;
    assert_eq!(m_off, m_on);
    assert_eq!(m_on, m_again);
    println!();
    let head: Vec<String> = all.iter().map(|k| k.version.minor_str()).collect();
    println!("line  {}  kubectl ...", head.join(" "));
    for l in &m_on.lines {
        let cells: Vec<String> = l
            .cells
            .iter()
            .map(|c| {
                match c.verdict {
                    Verdict::Accepted => "  ok",
                    Verdict::Deprecated => " dep",
                    Verdict::Refused => " REF",
                    Verdict::NotRun => "  --",
                }
                .to_string()
            })
            .collect();
        println!("{:>4} {}  {}", l.line, cells.join(" "), l.args.join(" "));
    }
    println!();
    println!("{}", m_on.summary());
}
