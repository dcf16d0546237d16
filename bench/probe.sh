#!/usr/bin/env bash
# What probes cost: a lab of N workers (default 10, one nginx pod each,
# variant `fixed`) with one `ping` check per node and pod ((N+1)·N checks,
# each one probe command `ping -c 1` in the node's network: the session's
# `output_net`) is brought up once; then `lab verify --only "probe "` runs
# RUNS times (default 7). Prints the median and the spread of its wall
# time. Compare two builds with LAB_BIN (e.g. a copy of an earlier build).
#
# Usage (root, Linux): bench/probe.sh
#                      N=50 RUNS=5 LAB_BIN=/tmp/lab-old bench/probe.sh
# Host settings are read, never changed. Nothing is written to README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
# shellcheck source=bench/lib.sh
. bench/lib.sh
[ "$(id -u)" = 0 ] || { echo "probe: needs root (network namespaces)" >&2; exit 2; }
if [ -n "${LAB_BIN:-}" ]; then LAB=$LAB_BIN; else cargo build --release -q; LAB=$root/target/release/lab; fi
N=${N:-10}
RUNS=${RUNS:-7}

work=$(mktemp -d /tmp/lab-probe.XXXXXX)
export LAB_STATE_DIR=$work/state CI=1 NO_COLOR=1
name=pb$(( $$ % 100000 ))
cleanup() { "$LAB" destroy "$name" --purge >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

file=$(make_lab "$N" "$name" "$work")
for from in master $(seq -f 'node%g' "$N"); do
  for to in $(seq -f 'node%g' "$N"); do
    printf '  - name: probe %s to %s\n    from: %s\n    ping: { pod: nginx, on: %s }\n    expect: { reachable: true }\n' \
      "$from" "$to" "$from" "$to" >>"$file"
  done
done
"$LAB" up "$file" --nodes "$N" --variant fixed >"$work/up.out" 2>&1 || { echo "probe: up failed"; cat "$work/up.out"; exit 1; }
walls=()
for i in $(seq "$RUNS"); do
  t0=$(now)
  "$LAB" verify "$name" --only "probe " >"$work/verify.out" 2>&1 || { echo "probe: sweep failed"; cat "$work/verify.out"; exit 1; }
  t1=$(now)
  walls+=("$(calc "$t1 - $t0")")
  echo "run $i: ${walls[-1]} s"
done
med=$(printf '%s\n' "${walls[@]}" | median)
lo=$(printf '%s\n' "${walls[@]}" | sort -g | head -1)
hi=$(printf '%s\n' "${walls[@]}" | sort -g | tail -1)
echo "$LAB: $N workers, $(( (N + 1) * N )) ping checks (one probe command each): median $med s (min $lo, max $hi) over $RUNS runs; $(load)"
