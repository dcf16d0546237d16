#!/usr/bin/env bash
# Benchmarks of the netns provider, beside Mininet as the peer.
#
# For 2, 20 and 100 workers (one nginx pod per worker, variant "fixed"), it
# measures `lab up`, two reachability sweeps (`lab verify` of `mesh` checks:
# every pod pings every other pod; every node pings every pod), and
# `lab destroy`; and
# Mininet's `mn --topo single,N --switch lxbr --controller none --test pingall`
# for the same host counts. Whole against whole: Mininet's run builds its
# network, pings every pair and tears it down, so it is compared with `lab up`
# + the pod mesh + `lab destroy` (the node sweep is shown apart). Reports
# medians of RUNS runs (default 5; 3 for the 100-host sizes and up) and
# writes them into README.md between the bench markers.
#
# Usage (root, Linux): bench/run.sh            # all sizes
#                      SIZES="2 20" bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
# shellcheck source=bench/lib.sh
. bench/lib.sh

[ "$(id -u)" = 0 ] || { echo "bench: needs root (network namespaces)" >&2; exit 2; }
command -v mn >/dev/null && command -v brctl >/dev/null || {
  echo "bench: installing mininet and bridge-utils (the peer)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mininet bridge-utils >/dev/null
}

# LAB_BIN: measure that binary instead (e.g. a release build of the same commit elsewhere).
if [ -n "${LAB_BIN:-}" ]; then LAB=$LAB_BIN; else cargo build --release -q; LAB=$root/target/release/lab; fi
SIZES=${SIZES:-"2 20 100"}
RUNS=${RUNS:-5}

work=$(mktemp -d /tmp/lab-bench.XXXXXX)
export LAB_STATE_DIR=$work/state
name=bench$$
save_sysctls
cleanup() { "$LAB" destroy "$name" --purge >/dev/null 2>&1 || true; restore_sysctls; rm -rf "$work"; }
trap cleanup EXIT

# The kernel tears namespaces down in the background after they are deleted
# (ours, and Mininet's hosts): let it finish before the next timed step, so
# each tool is measured on its own work.
settle() { sleep "${SETTLE:-3}"; }


rows=()
for n in $SIZES; do
  runs=$RUNS; [ "$n" -ge 100 ] && runs=$(( RUNS < 3 ? RUNS : 3 ))
  file=$(make_lab "$n" "$name" "$work")
  ups=(); sweeps=(); nsweeps=(); downs=(); mns=(); wholes=()
  for _ in $(seq "$runs"); do
    settle
    t0=$(now); "$LAB" up "$file" --nodes "$n" --variant fixed >"$work/up.out" 2>&1 || { echo "bench: up failed"; cat "$work/up.out"; exit 1; }; t1=$(now)
    "$LAB" verify "$name" --only "pod to pod" >"$work/verify.out" 2>&1 || { echo "bench: sweep failed"; cat "$work/verify.out"; exit 1; }
    t2=$(now)
    "$LAB" verify "$name" --only "node to pod" >"$work/verify.out" 2>&1 || { echo "bench: sweep failed"; cat "$work/verify.out"; exit 1; }
    t3=$(now); "$LAB" destroy "$name" --purge >/dev/null 2>&1; t4=$(now)
    ups+=("$(calc "$t1 - $t0")"); sweeps+=("$(calc "$t2 - $t1")"); nsweeps+=("$(calc "$t3 - $t2")"); downs+=("$(calc "$t4 - $t3")")
    wholes+=("$(calc "$t2 - $t0 + $t4 - $t3")")
    settle
    t0=$(now); mn --topo "single,$n" --switch lxbr --controller none --test pingall >"$work/mn.out" 2>&1 || { cat "$work/mn.out"; exit 1; }; t1=$(now)
    restore_sysctls
    mns+=("$(calc "$t1 - $t0")")
  done
  up=$(printf '%s\n' "${ups[@]}" | median); sweep=$(printf '%s\n' "${sweeps[@]}" | median)
  nsweep=$(printf '%s\n' "${nsweeps[@]}" | median)
  down=$(printf '%s\n' "${downs[@]}" | median); mnt=$(printf '%s\n' "${mns[@]}" | median)
  whole=$(printf '%s\n' "${wholes[@]}" | median)
  ratio=$(awk "BEGIN { printf \"%.1f\", $mnt / $whole }")
  row=$(printf '| %s | %s | %.2f s | %.2f s (%s pings) | %.2f s | **%.2f s** | %.2f s | **%sx** | %.2f s (%s pings) |' \
    "$n" "$runs" "$up" "$sweep" "$(( n * (n - 1) ))" "$down" "$whole" "$mnt" "$ratio" "$nsweep" "$(( (n + 1) * n ))")
  echo "$row"
  rows+=("$row")
done

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
{
  echo "Measured by \`bench/run.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores ($cpu), kernel $(uname -r), $thresholds_start for \`lab\` (Mininet raises them for its own runs; the script puts them back after each; $(thresholds) after the run), $(load); medians."
  echo "One nginx pod per worker, variant \`fixed\`. A sweep is \`lab verify --only\` of a \`mesh\` check, run inside the nodes' and pods' own"
  echo "namespaces: every pod pings every other pod (the full mesh: n·(n−1) pings, as Mininet's \`pingall\` of n hosts), and every node pings"
  echo "every pod. **Whole** is \`lab up\` + the pod mesh + \`lab destroy\`, against Mininet's whole \`--test pingall\` run (build, ping, tear down)."
  echo
  echo "| workers | runs | lab up | pod ↔ pod mesh | lab destroy | **lab whole** | mininet pingall | **mininet / lab** | node → pod sweep |"
  echo "|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} >"$work/table.md"
into_readme bench "$work/table.md"
echo "bench: results written to README.md"
