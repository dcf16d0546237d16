#!/usr/bin/env bash
# `lab book chapter4` on netns, whole: bring-up, the chapter replayed block
# by block, teardown. Prints each run's wall time and the median (goal:
# under 5 s). Root; release build; nothing of the host is changed.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
runs=${RUNS:-5}
cargo build --release -q
state=$(mktemp -d)
trap 'LAB_STATE_DIR=$state target/release/lab destroy chapter4 >/dev/null 2>&1 || true; rm -rf "$state"' EXIT
times=()
for i in $(seq "$runs"); do
  t0=$(now)
  # Exit 1 is drift (a result of the replay); anything else is a failure.
  rc=0
  LAB_STATE_DIR=$state target/release/lab book chapter4 >"$state/out.txt" 2>"$state/err.txt" || rc=$?
  if [ "$rc" -gt 1 ]; then
    echo "run $i failed (exit $rc):"; cat "$state/out.txt" "$state/err.txt"; exit 1
  fi
  t=$(calc "$(now) - $t0")
  times+=("$t")
  echo "run $i: $t s ($(tail -1 "$state/out.txt"))"
done
echo "median of $runs: $(printf '%s\n' "${times[@]}" | median) s; load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
