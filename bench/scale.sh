#!/usr/bin/env bash
# Scale of the netns provider: labs of 250, 500 and 1000 workers with one
# nginx pod each (a copy of chapter 4, variant "fixed", private network
# widened to a /16 and, past 255 nodes, the pod network to a /12 in the lab
# file and both flannel manifests).
#
# For each size it measures `lab up` (and each of its steps, from lab's
# progress lines, with the CPU each used from lab.log: lab's threads and
# the programs it waited for; on a shared machine the wall time is mostly
# waiting for a core), the memory the lab holds (MemAvailable before `up`
# and after it, and by its own account: the growth of the kernel's
# unreclaimable memory plus the PSS of the processes in the lab's
# namespaces, for where it goes), the node → pod mesh (every node pings every pod) and the full
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
meminfo_kib() { awk -v k="$1:" '$1 == k {print $2}' /proc/meminfo; }
# The kernel's own memory that reclaim cannot give back, in KiB.
kernel_kib() { echo $(( $(meminfo_kib SUnreclaim) + $(meminfo_kib Percpu) + $(meminfo_kib PageTables) + $(meminfo_kib KernelStack) + $(meminfo_kib Shmem) )); }
# PSS (KiB) of every process inside one of lab NAME's namespaces, and how many.
lab_pss() {
  local inodes p n=0 kib=0 ns
  inodes=" $(for ns in $(ip netns list 2>/dev/null | awk -v p="$1." 'index($1, p) == 1 {print $1}'); do stat -L -c %i "/run/netns/$ns"; done | tr '\n' ' ') "
  for p in /proc/[0-9]*; do
    ns=$(stat -L -c %i "$p/ns/net" 2>/dev/null) || continue
    case "$inodes" in *" $ns "*) ;; *) continue ;; esac
    kib=$(( kib + $(awk '/^Pss:/ {print $2}' "$p/smaps_rollup" 2>/dev/null || echo 0) )); n=$((n + 1))
  done
  echo "$kib $n"
}
# "step TITLE: W s wall, C s CPU" lines of lab.log, as "TITLE C s; ...".
cpu_steps() { sed -n 's/^.*step \(.*\): [0-9.]* s wall, \([0-9.]*\) s CPU$/\1 \2 s/p' "$1" | paste -sd';' | sed 's/;/; /g'; }
TIMEFORMAT='%U %S'
# cpu_of FILE: user + system seconds that bash's `time` wrote to FILE.
cpu_of() { awk '{printf "%.2f", $1 + $2}' "$1"; }
settle() { sleep "${SETTLE:-5}"; }


# "ok  <step> (1.23s)" lines of `lab up`, as "step=1.23s; ...".
steps() { sed -n 's/^ *ok  \(.*\) (\([0-9.]*s\))$/\1 \2/p' "$1" | awk '{t=$NF; $NF=""; sub(/ $/,""); printf "%s%s %s", (NR>1?"; ":""), $0, t}'; }

rows=(); stepsrows=()
for n in $SIZES; do
  file=$(make_lab "$n" "$name" "$work")
  settle
  before=$(avail_kib); kbefore=$(kernel_kib)
  t0=$(now)
  { time "$LAB" up "$file" --nodes "$n" --variant fixed >"$work/up.out" 2>&1; } 2>"$work/up.cpu" || { echo "scale: up of $n failed"; tail -20 "$work/up.out"; exit 1; }
  t1=$(now)
  sleep 2
  after=$(avail_kib); kafter=$(kernel_kib)
  read -r pss nprocs < <(lab_pss "$name")
  cp "$LAB_STATE_DIR/$name/lab.log" "$work/lab.log"
  "$LAB" verify "$name" --only "node to pod" --json "$work/n2p.json" >"$work/v1.out" 2>&1 || { echo "scale: node to pod failed at $n"; tail -5 "$work/v1.out"; exit 1; }
  t2=$(now)
  "$LAB" verify "$name" --only "pod to pod" --json "$work/p2p.json" >"$work/v2.out" 2>&1 || { echo "scale: pod to pod failed at $n"; tail -5 "$work/v2.out"; exit 1; }
  t3=$(now)
  { time "$LAB" destroy "$name" --purge >"$work/down.out" 2>&1; } 2>"$work/down.cpu"
  t4=$(now)
  left=$(ip netns list | grep -c "^$name\." || true)
  mounts=$(grep -c "$work/state" /proc/self/mountinfo || true)
  procs=$(grep -l "$work/stat[e]" /proc/[0-9]*/cmdline 2>/dev/null | wc -l || true)
  mem=$(( (before - after) / 1024 ))
  per_node=$(calc "($before - $after) / ($n + 1)")
  row=$(printf '| %s | %s s (%s s CPU) | %s MiB (%s KiB per node); kernel %s MiB + %s processes %s MiB | %s s (%s pings) | %s s (%s pings) | %s s (%s s CPU) | none |' \
    "$n" "$(calc "$t1 - $t0")" "$(cpu_of "$work/up.cpu")" "$mem" "$per_node" "$(( (kafter - kbefore) / 1024 ))" "$nprocs" "$(( pss / 1024 ))" \
    "$(calc "$t2 - $t1 - 2")" "$(( (n + 1) * n ))" \
    "$(calc "$t3 - $t2")" "$(( n * (n - 1) ))" "$(calc "$t4 - $t3")" "$(cpu_of "$work/down.cpu")")
  echo "$row"
  echo "  up steps: $(steps "$work/up.out")"
  echo "  up steps, CPU: $(cpu_steps "$work/lab.log")"
  [ "$left$mounts$procs" = "000" ] || { echo "scale: $n left $left namespaces, $mounts mounts, $procs processes"; exit 1; }
  rows+=("$row")
  stepsrows+=("| $n | $(steps "$work/up.out") | $(cpu_steps "$work/lab.log") |")
done

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
{
  echo "Measured by \`bench/scale.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores ($cpu), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), host $thresholds_start ($(thresholds) after the run), $(load); one run each."
  echo "One nginx pod per worker, variant \`fixed\`. Memory is MemAvailable before \`up\` minus after it; by its own account, the growth of the kernel's unreclaimable memory (slab: namespaces, devices and the mesh's permanent neighbours, routes and FDB entries; per-CPU; page tables; stacks; tmpfs) and the PSS of the processes in the lab's namespaces (nginx). CPU is user + system of \`lab\` and the programs it waited for (not the nginx it leaves running)."
  echo
  echo "| workers | lab up | memory held | node → pod mesh | pod ↔ pod mesh | lab destroy | left after destroy |"
  echo "|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "| workers | \`lab up\` by step (wall) | by step (CPU) |"
  echo "|---|---|---|"
  printf '%s\n' "${stepsrows[@]}"
} >"$work/table.md"
into_readme scale "$work/table.md"
echo "scale: results written to README.md"
