//! Tests of the look for a kernel log flood's cause, on a simulated host:
//! a log whose numbers grow by what unfrozen writers write, a freezer, a
//! lock, a clock that jumps to each look.

use super::super::{Flood, Rates};
use super::*;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

#[derive(Default)]
struct World {
    /// Records a second each node writes while not frozen.
    writers: HashMap<String, f64>,
    /// Records a second from elsewhere (another lab, the host).
    foreign: f64,
    /// When the foreign flood ends, if it does.
    foreign_until: Option<Duration>,
    frozen: HashSet<String>,
    /// Each node's time frozen, in all.
    frozen_for: HashMap<String, Duration>,
    no_freezer: bool,
    /// Another guard holds the lock.
    locked_elsewhere: bool,
}

struct Fake(Rc<RefCell<World>>);

impl Host for Fake {
    fn freeze(&mut self, ns: &str, frozen: bool) -> Result<bool, String> {
        let mut w = self.0.borrow_mut();
        if w.no_freezer {
            return Ok(false);
        }
        match frozen {
            true => w.frozen.insert(ns.to_string()),
            false => w.frozen.remove(ns),
        };
        Ok(true)
    }
    fn is_frozen(&mut self, ns: &str) -> bool {
        self.0.borrow().frozen.contains(ns)
    }
    fn lock(&mut self) -> bool {
        !self.0.borrow().locked_elsewhere
    }
    fn unlock(&mut self) {}
}

fn nodes(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| format!("l.{n}")).collect()
}

/// What a run did: the nodes stopped (with when and why), the lines said.
struct Run {
    stopped: Vec<(String, Duration, String)>,
    said: Vec<String>,
}

/// Run the guard's looks for `secs` simulated seconds on `world`.
fn run(world: &Rc<RefCell<World>>, mut nodes: Vec<String>, secs: u64) -> Run {
    let t0 = Instant::now();
    let mut search = Search::new(Fake(world.clone()));
    let (mut rates, mut flood) = (Rates::default(), Flood::default());
    let (mut t, mut seq) = (Duration::ZERO, 0.0f64);
    let mut next = Duration::ZERO;
    let mut out = Run {
        stopped: vec![],
        said: vec![],
    };
    while t < Duration::from_secs(secs) {
        let dt = next - t;
        {
            let mut w = world.borrow_mut();
            let writing: f64 = w
                .writers
                .iter()
                .filter(|(ns, _)| !w.frozen.contains(*ns))
                .map(|(_, r)| r)
                .sum();
            let foreign = match w.foreign_until {
                Some(end) if t >= end => 0.0,
                _ => w.foreign,
            };
            seq += (writing + foreign) * dt.as_secs_f64();
            for ns in w.frozen.clone() {
                *w.frozen_for.entry(ns).or_default() += dt;
            }
        }
        t = next;
        let point = Point {
            at: t0 + t,
            next: seq as u64,
        };
        rates.add(point);
        let flooded = flood.judge(&rates);
        let rate = rates.trailing(Duration::from_secs(1)).unwrap_or(0.0);
        let step = search.step(t0 + t, Some(point), flooded, rate, &nodes);
        for (ns, why) in step.stop {
            // Thawed and stopped: it writes no more.
            assert!(!world.borrow().frozen.contains(&ns), "{ns} stopped frozen");
            world.borrow_mut().writers.remove(&ns);
            nodes.retain(|n| *n != ns);
            out.stopped.push((ns, t, why));
        }
        out.said.extend(step.said);
        if step.ended {
            flood.reset();
        }
        next = step
            .next_look
            .map_or(t + LOOK, |i| i.saturating_duration_since(t0))
            .max(t + Duration::from_millis(1));
    }
    drop(search);
    assert!(world.borrow().frozen.is_empty(), "a node left frozen");
    out
}

fn world(writers: &[(&str, f64)], foreign: f64) -> Rc<RefCell<World>> {
    Rc::new(RefCell::new(World {
        writers: writers
            .iter()
            .map(|(n, r)| (format!("l.{n}"), *r))
            .collect(),
        foreign,
        ..World::default()
    }))
}

#[test]
fn the_node_that_writes_is_stopped_and_no_other() {
    let w = world(&[("node1", 165_000.0)], 100.0);
    let r = run(&w, nodes(&["master", "node1", "node2"]), 20);
    assert_eq!(r.stopped.len(), 1, "{:?} {:?}", r.stopped, r.said);
    let (ns, _, why) = &r.stopped[0];
    assert_eq!(ns, "l.node1");
    assert!(why.contains("past the bound of 150"), "{why}");
    assert!(why.starts_with("it wrote about 16"), "{why}");
    // Said once when the look began, nothing after.
    assert_eq!(r.said.len(), 1, "{:?}", r.said);
}

/// Two writers of one lab, each alone past the bound: both stopped.
#[test]
fn every_node_past_the_bound_is_stopped() {
    let w = world(&[("node1", 40_000.0), ("node7", 2_000.0)], 50.0);
    let all = nodes(&[
        "master", "node1", "node2", "node3", "node4", "node5", "node6", "node7",
    ]);
    let r = run(&w, all, 30);
    let mut stopped: Vec<&str> = r.stopped.iter().map(|s| s.0.as_str()).collect();
    stopped.sort();
    assert_eq!(stopped, ["l.node1", "l.node7"], "{:?}", r.said);
}

/// Another lab's flood (or the host's): none of this lab's nodes stopped,
/// each frozen a fraction of a second each hold-off, said once a look.
/// Seen failing with the whole lab's test taken out (its halves tested
/// whatever it showed): no "not one of this lab's nodes" line, a look
/// begun again and again.
#[test]
fn a_foreign_flood_stops_none_and_freezes_each_node_briefly() {
    let w = world(&[("node1", 20.0)], 165_000.0);
    let r = run(&w, nodes(&["master", "node1", "node2"]), 65);
    assert!(r.stopped.is_empty(), "{:?}", r.stopped);
    let looks = r
        .said
        .iter()
        .filter(|l| l.contains("not one of this lab's nodes"))
        .count();
    // At 2 s, about 32 s and about 62 s.
    assert_eq!(looks, 3, "{:?}", r.said);
    for (ns, t) in &w.borrow().frozen_for {
        assert!(
            *t <= (WINDOW + Duration::from_millis(50)) * 3,
            "{ns} frozen {t:?}"
        );
    }
}

/// A node writing less than the bound, in a log flooded by others: not
/// stopped.
#[test]
fn a_node_under_the_bound_is_not_stopped() {
    let w = world(&[("node1", 100.0)], 400.0);
    let r = run(&w, nodes(&["master", "node1"]), 40);
    assert!(r.stopped.is_empty(), "{:?}", r.stopped);
    // Many nodes each under the bound, together past it: none stopped,
    // said so.
    let w = world(
        &[("a", 100.0), ("b", 100.0), ("c", 100.0), ("d", 100.0)],
        0.0,
    );
    let r = run(&w, nodes(&["a", "b", "c", "d"]), 40);
    assert!(r.stopped.is_empty(), "{:?}", r.stopped);
    assert!(
        r.said
            .iter()
            .any(|l| l.contains("none found alone past the bound")),
        "{:?}",
        r.said
    );
}

#[test]
fn without_a_freezer_it_says_so_once_and_stops_none() {
    let w = world(&[("node1", 50_000.0)], 0.0);
    w.borrow_mut().no_freezer = true;
    let r = run(&w, nodes(&["node1", "node2"]), 30);
    assert!(r.stopped.is_empty());
    assert_eq!(r.said.len(), 2, "{:?}", r.said);
    assert!(r.said[1].contains("no cgroup freezer"), "{:?}", r.said);
}

/// While another guard looks (it holds the host's lock), this one freezes
/// nothing: two labs freezing at once would each see the other's fall.
/// Seen failing with the lock not asked: "looking for the writer" said
/// while the other guard held it.
#[test]
fn no_node_is_frozen_while_another_guard_looks() {
    let w = world(&[("node1", 50_000.0)], 0.0);
    w.borrow_mut().locked_elsewhere = true;
    let r = run(&w, nodes(&["node1", "node2"]), 10);
    assert!(r.stopped.is_empty() && r.said.is_empty(), "{:?}", r.said);
    assert!(w.borrow().frozen_for.is_empty());
    w.borrow_mut().locked_elsewhere = false;
    let r = run(&w, nodes(&["node1", "node2"]), 10);
    assert_eq!(r.stopped.len(), 1);
}

/// A look dropped in the middle (the guard leaves) thaws what it froze.
#[test]
fn a_look_dropped_while_frozen_thaws() {
    let w = world(&[], 0.0);
    let mut s = Search::new(Fake(w.clone()));
    let t0 = Instant::now();
    let p = |ms: u64, next: u64| {
        Some(Point {
            at: t0 + Duration::from_millis(ms),
            next,
        })
    };
    let n = nodes(&["node1"]);
    s.step(t0, p(0, 0), true, 1000.0, &n);
    let end = WINDOW.as_millis() as u64;
    s.step(t0 + WINDOW, p(end, 1000), false, 1000.0, &n);
    assert!(w.borrow().frozen.contains("l.node1"));
    drop(s);
    assert!(w.borrow().frozen.is_empty());
}

#[test]
fn a_cause_falls_from_both_sides_by_more_than_the_bound() {
    // The writer: 165,000 → 100 while frozen.
    assert!(is_cause(165_000.0, 100.0, 165_000.0));
    // A writer's bursts: a gap just after its freeze is still a fall.
    assert!(is_cause(365_000.0, 209.0, 3_000.0));
    // A flood that ended before the freeze: no fall.
    assert!(!is_cause(100.0, 100.0, 100.0));
    // Noise of a big flood (a tenth): not a fifth.
    assert!(!is_cause(165_000.0, 150_000.0, 166_000.0));
    // Less than the bound: not taken, whatever the share.
    assert!(!is_cause(240.0, 100.0, 250.0));
    assert!(is_cause(400.0, 100.0, 420.0));
}

/// A foreign flood that ends while this lab's nodes are frozen looks, once,
/// like theirs: none is stopped, whenever in the look it ends (a single
/// node must take the rate down twice). Seen failing with a node stopped
/// at its first fall: "ended at 1525 ms: [(\"l.a\", 2.115s, \"it wrote about
/// 41250 lines a second …\")]".
#[test]
fn a_flood_that_ends_during_a_freeze_stops_none() {
    for ms in (500..5000).step_by(25) {
        let w = world(&[], 165_000.0);
        w.borrow_mut().foreign_until = Some(Duration::from_millis(ms));
        let r = run(&w, nodes(&["a"]), 10);
        assert!(r.stopped.is_empty(), "ended at {ms} ms: {:?}", r.stopped);
    }
}
