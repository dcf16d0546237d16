#!/usr/bin/env bash
# `lab book chapter4` on netns, whole: bring-up, the chapter replayed block
# by block, teardown. Prints each run's wall time and the median (goal:
# under 0.7 s), and the load it ran under. The lab is a copy of
# labs/chapter4 under a name of its own (so a run never meets another
# chapter4 on the same machine). The first run fills the kubectl run cache
# (src/kubectl/cache.rs) if it was empty; `COLD=1` empties lab's cache
# folder for kubectl runs before each run (every kubectl line runs).
# Root; release build; nothing of the host is changed.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
runs=${RUNS:-5}
cargo build --release -q
work=$(mktemp -d /tmp/lab-book.XXXXXX)
name=c4k$(( $$ % 10000 ))
mkdir -p "$work/lab"
cp labs/chapter4/* "$work/lab/"
sed -i "s/^name: chapter4$/name: $name/" "$work/lab/lab.yaml"
export LAB_STATE_DIR=$work/state CI=1 NO_COLOR=1
trap 'target/release/lab destroy "$name" --purge >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
cache=${XDG_CACHE_HOME:-$HOME/.cache}/lab/kubectl-runs
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
times=()
for i in $(seq "$runs"); do
  [ -n "${COLD:-}" ] && rm -rf "$cache"
  t0=$(now)
  # Exit 1 is drift (a result of the replay); anything else is a failure.
  rc=0
  target/release/lab book "$work/lab/lab.yaml" >"$work/out.txt" 2>"$work/err.txt" || rc=$?
  if [ "$rc" -gt 1 ]; then
    echo "run $i failed (exit $rc):"; cat "$work/out.txt" "$work/err.txt"; exit 1
  fi
  t=$(calc "$(now) - $t0")
  times+=("$t")
  echo "run $i: $t s ($(tail -1 "$work/out.txt"))"
done
echo "median of $runs: $(printf '%s\n' "${times[@]}" | median) s${COLD:+ (kubectl run cache emptied before each run)}; load average $load_before before and $(cut -d' ' -f1-3 /proc/loadavg) after, $(nproc) cores"
