#!/usr/bin/env bash
# `lab book --watch` on a copy of chapter4 (netns): after the first replay,
# one expected TTL (block 224) is changed and changed back, RUNS times each;
# prints what `--watch` says of each save ("replayed in X s after the save":
# from the file event to the last verdict printed) and the median (goal:
# under 1 s). Build profile: PROFILE=release (default) or debug. Root;
# nothing of the host is changed; the lab is torn down at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
runs=${RUNS:-5}
profile=${PROFILE:-release}
if [ "$profile" = release ]; then cargo build --release -q; else cargo build -q; fi
exe=$PWD/target/$profile/lab
work=$(mktemp -d)
cp -r labs/chapter4 "$work/lab"
sed -i "s/^name: chapter4/name: bw$$/" "$work/lab/lab.yaml"
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -INT "$pid"; wait "$pid" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
(cd "$work/lab" && LAB_STATE_DIR=$work/state CI=1 COLUMNS=80 exec "$exe" book . --watch) \
  >"$work/out.txt" 2>"$work/err.txt" &
pid=$!
# Each wait is on a line of the watch's own output (a deadline, not a pace).
wait_line() { # PATTERN COUNT
  for _ in $(seq 1200); do
    [ "$(grep -c -- "$1" "$work/out.txt" || true)" -ge "$2" ] && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$work/out.txt" "$work/err.txt"; exit 1; }
    sleep 0.1
  done
  echo "no line $1 (x$2)"; cat "$work/out.txt"; exit 1
}
wait_line '^watching' 1
n=0
for i in $(seq "$runs"); do
  for pair in "ttl=63/ttl=61" "ttl=61/ttl=63"; do
    sed -i "s/icmp_seq=1 ${pair%/*} time=0.403/icmp_seq=1 ${pair#*/} time=0.403/" "$work/lab/chapter.md"
    n=$((n + 1))
    wait_line 'after the save' "$n"
  done
  echo "round $i: $(grep 'after the save' "$work/out.txt" | tail -2 | sed 's/replayed in //; s/ after the save//' | paste -sd' ')"
done
times=$(grep 'after the save' "$work/out.txt" | sed 's/replayed in \([0-9.]*\) s.*/\1/')
echo "median of $n saves: $(echo "$times" | median) s ($profile build); load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
