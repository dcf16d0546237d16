#!/usr/bin/env bash
# `lab book --chapter` of a chapter whose one ping block shows N lines of
# `x` under the ping (probe21an's `gen_many.py N 0`): each line is a line
# ping does not print. Prints each N's max RSS and wall time
# (`/usr/bin/time -f "%M KB %e s"`). A chapter keeps its first
# `caps::OUTPUT_LINES` lines of output, so what is left growing with N is
# the chapter's reading (src/book/parse*.rs), not its replay. N defaults to
# 500,000, 1,000,000 and 2,097,000 (about the 4 MiB cap of a chapter). A
# run whose RSS passes 1 GiB is stopped and says so. Build profile:
# PROFILE=release (default) or debug; LAB=path runs that binary instead;
# NAME and LAB_STATE_DIR name the lab and its state folder.
# Root; the lab (a copy of chapter4 under a name of its own) is brought up
# once, kept for the runs, and destroyed at the end; nothing of the host
# is changed.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
profile=${PROFILE:-release}
if [ -n "${LAB:-}" ]; then
  exe=$LAB
elif [ "$profile" = release ]; then
  cargo build --release -q; exe=$PWD/target/release/lab
else
  cargo build -q; exe=$PWD/target/debug/lab
fi
work=$(mktemp -d /tmp/lab-lines.XXXXXX)
name=${NAME:-bl$(( $$ % 10000 ))}
mkdir -p "$work/lab"
cp labs/chapter4/* "$work/lab/"
sed -i "s/^name: chapter4$/name: $name/" "$work/lab/lab.yaml"
export LAB_STATE_DIR=${LAB_STATE_DIR:-$work/state} CI=1 NO_COLOR=1
trap '"$exe" destroy "$name" --purge >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
limit_kb=$((1024 * 1024))
for n in ${NS:-500000 1000000 2097000}; do
  f=$work/lines$n.md
  {
    printf '# t\n\n```bash\nvagrant ssh node1\n\nping -c 1 10.244.1.2\n\n'
    printf 'PING 10.244.1.2 (10.244.1.2) 56(84) bytes of data.\n'
    printf '64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.054 ms\n'
    awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) print "x" }'
    printf '\nexit\n```\n'
  } >"$f"
  /usr/bin/time -o "$work/time" -f "%M KB %e s" \
    "$exe" book "$work/lab/lab.yaml" --chapter "$f" --keep --color never \
    >"$work/out.txt" 2>&1 &
  pid=$!
  stopped=
  while kill -0 "$pid" 2>/dev/null; do
    child=$(pgrep -P "$pid" | head -1 || true)
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/${child:-0}/status" 2>/dev/null || echo 0)
    if [ "${rss:-0}" -gt "$limit_kb" ]; then
      kill "$child"; stopped=" (stopped: RSS passed 1 GiB)"
    fi
    sleep 0.2
  done
  wait "$pid" || true
  echo "N=$n ($(stat -c %s "$f") bytes): $(tail -1 "$work/time")$stopped; $(tail -1 "$work/out.txt")"
done
echo "$profile build; $(load), $(nproc) cores"
