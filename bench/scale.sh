#!/usr/bin/env bash
# Scale of the netns provider: labs of 250, 500 and 1000 workers with one
# nginx pod each (a copy of chapter 4, variant "fixed", private network
# widened to a /16 and, past 255 nodes, the pod network to a /12 in the lab
# file and both flannel manifests).
#
# For each size it measures `lab up` (and each of its steps, from lab's
# progress lines), the memory the lab holds (MemAvailable before `up` and
# after it), the node → pod mesh (every node pings every pod) and the full
# pod mesh (every pod pings every other pod), `lab destroy`, and checks that
# nothing of the lab is left (namespaces, processes, mounts). It writes the
# table into README.md between the scale markers.
#
# Usage (root, Linux): bench/scale.sh                 # 250 500 1000
#                      SIZES="250" bench/scale.sh
#                      LAB_BIN=/path/to/lab bench/scale.sh
# Host settings are read, never changed: the lab must fit a stock kernel.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
# shellcheck source=bench/lib.sh
. bench/lib.sh
[ "$(id -u)" = 0 ] || { echo "scale: needs root (network namespaces)" >&2; exit 2; }

# LAB_BIN: measure that binary instead (e.g. a release build of the same commit elsewhere).
if [ -n "${LAB_BIN:-}" ]; then LAB=$LAB_BIN; else cargo build --release -q; LAB=$root/target/release/lab; fi
SIZES=${SIZES:-"250 500 1000"}

work=$(mktemp -d /tmp/lab-scale.XXXXXX)
export LAB_STATE_DIR=$work/state
name=scale$$
cleanup() { "$LAB" destroy "$name" --purge >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

avail_kib() { awk '/^MemAvailable:/ {print $2}' /proc/meminfo; }
settle() { sleep "${SETTLE:-5}"; }


# "ok  <step> (1.23s)" lines of `lab up`, as "step=1.23s; ...".
steps() { sed -n 's/^ *ok  \(.*\) (\([0-9.]*s\))$/\1 \2/p' "$1" | awk '{t=$NF; $NF=""; sub(/ $/,""); printf "%s%s %s", (NR>1?"; ":""), $0, t}'; }

rows=(); stepsrows=()
for n in $SIZES; do
  file=$(make_lab "$n" "$name" "$work")
  settle
  before=$(avail_kib)
  t0=$(now)
  "$LAB" up "$file" --nodes "$n" --variant fixed >"$work/up.out" 2>&1 || { echo "scale: up of $n failed"; tail -20 "$work/up.out"; exit 1; }
  t1=$(now)
  sleep 2
  after=$(avail_kib)
  "$LAB" verify "$name" --only "node to pod" --json "$work/n2p.json" >"$work/v1.out" 2>&1 || { echo "scale: node to pod failed at $n"; tail -5 "$work/v1.out"; exit 1; }
  t2=$(now)
  "$LAB" verify "$name" --only "pod to pod" --json "$work/p2p.json" >"$work/v2.out" 2>&1 || { echo "scale: pod to pod failed at $n"; tail -5 "$work/v2.out"; exit 1; }
  t3=$(now)
  "$LAB" destroy "$name" --purge >"$work/down.out" 2>&1
  t4=$(now)
  left=$(ip netns list | grep -c "^$name\." || true)
  mounts=$(grep -c "$work/state" /proc/self/mountinfo || true)
  procs=$(grep -l "$work/stat[e]" /proc/[0-9]*/cmdline 2>/dev/null | wc -l || true)
  mem=$(( (before - after) / 1024 ))
  per_node=$(calc "($before - $after) / ($n + 1)")
  row=$(printf '| %s | %s s | %s MiB (%s KiB per node) | %s s (%s pings) | %s s (%s pings) | %s s | none |' \
    "$n" "$(calc "$t1 - $t0")" "$mem" "$per_node" "$(calc "$t2 - $t1 - 2")" "$(( (n + 1) * n ))" \
    "$(calc "$t3 - $t2")" "$(( n * (n - 1) ))" "$(calc "$t4 - $t3")")
  echo "$row"
  echo "  up steps: $(steps "$work/up.out")"
  [ "$left$mounts$procs" = "000" ] || { echo "scale: $n left $left namespaces, $mounts mounts, $procs processes"; exit 1; }
  rows+=("$row")
  stepsrows+=("| $n | $(steps "$work/up.out") |")
done

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
{
  echo "Measured by \`bench/scale.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores ($cpu), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), host $thresholds_start ($(thresholds) after the run), $(load); one run each."
  echo "One nginx pod per worker, variant \`fixed\`. Memory is MemAvailable before \`up\` minus after it (nginx, namespaces, and the kernel's permanent neighbours, routes and FDB entries of the mesh)."
  echo
  echo "| workers | lab up | memory held | node → pod mesh | pod ↔ pod mesh | lab destroy | left after destroy |"
  echo "|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "| workers | \`lab up\` by step |"
  echo "|---|---|"
  printf '%s\n' "${stepsrows[@]}"
} >"$work/table.md"
into_readme scale "$work/table.md"
echo "scale: results written to README.md"
