#!/usr/bin/env bash
# Many instances of one lab side by side (`lab up chapter4 --name NAME`):
# N instances of chapter 4 (default 50) brought up one after another, then
# PAR of them (default 8, spread over the N) verified at once, then all
# destroyed. Each instance is the whole chapter: 3 nodes, 2 nginx pods, the
# book's addresses, 7 namespaces of its own.
#
# It measures the time to bring all N up (and each `up`), the memory the N
# instances hold (MemAvailable before the first `up` minus its lowest value
# while they are up, sampled every 0.2 s), the largest resident size of one
# `lab` process, the PAR verifies (wall of all, each one's verdicts), and
# the destroy of all; it checks that nothing is left (namespaces, mounts,
# processes) and writes the table into README.md between the instances
# markers.
#
# Before anything is made it checks the host's limits for N instances
# (namespaces, mounts, processes, memory) and refuses, saying which, if the
# host cannot hold them; each `lab up` checks again (src/provider/netns/
# limits.rs), counting what the instances before it hold.
#
# Usage (root, Linux): bench/instances.sh          # 50 instances, 8 verified
#                      N=10 PAR=4 bench/instances.sh
#                      LAB=target/debug/lab bench/instances.sh (no build)
# Host settings are read, never changed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
# shellcheck source=bench/lib.sh
. bench/lib.sh
[ "$(id -u)" = 0 ] || { echo "instances: needs root (network namespaces)" >&2; exit 2; }

N=${N:-50}
PAR=${PAR:-8}
if [ -z "${LAB:-}" ]; then
  cargo build --release -q
  LAB=$root/target/release/lab
  build=release
else
  build=$(basename "$(dirname "$LAB")")
fi

# Per instance of chapter 4: namespaces (3 nodes, 2 pods, .net, .nat),
# their bind mounts under /run/netns plus the pods' own /run and roots,
# processes (one nginx per pod).
NS_PER=7; MOUNTS_PER=12; PROCS_PER=2; KIB_PER=4096
avail_kib() { awk '/^MemAvailable:/ {print $2}' /proc/meminfo; }
# The kernel's own memory (slab, per-CPU, stacks, page tables), KiB: what
# namespaces, interfaces, routes and neighbours are made of.
kernel_kib() { awk '/^(Slab|Percpu|KernelStack|PageTables):/ {s += $2} END {print s}' /proc/meminfo; }
# The proportional set size of the instances' processes (their nginx), KiB.
pss_kib() {
  local p s=0 v
  while read -r p; do
    v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || true)
    s=$((s + ${v:-0}))
  done < <(grep -l "$LAB_STATE_DIR" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3)
  echo "$s"
}
max_ns=$(cat /proc/sys/user/max_net_namespaces)
ns_used=$(ip netns list | wc -l)
mount_max=$(cat /proc/sys/fs/mount-max)
mounts=$(wc -l </proc/self/mountinfo)
pid_max=$(cat /proc/sys/kernel/pid_max)
tasks=$(find /proc -maxdepth 1 -name '[0-9]*' | wc -l)
mem=$(avail_kib)
refuse=""
check() { # what needed available
  printf '  %-34s needs %8s, host has %8s\n' "$1" "$2" "$3"
  [ "$2" -le "$3" ] || refuse="$refuse $1;"
}
echo "host limits for $N instances:"
check "network namespaces" $((N * NS_PER)) $((max_ns - ns_used))
check "mounts (fs.mount-max)" $((N * MOUNTS_PER)) $((mount_max - mounts))
check "processes (kernel.pid_max)" $((N * PROCS_PER)) $((pid_max - tasks))
check "memory (KiB, MemAvailable)" $((N * KIB_PER)) "$mem"
check "private bridge ports per instance" 3 1023
[ -z "$refuse" ] || { echo "instances: this host cannot hold $N instances:$refuse" >&2; exit 2; }

work=$(mktemp -d /tmp/lab-instances.XXXXXX)
export LAB_STATE_DIR=$work/state
prefix=bi$$
names=()
for i in $(seq 1 "$N"); do names+=("$prefix-$i"); done
sampler=""
cleanup() {
  [ -z "$sampler" ] || kill "$sampler" 2>/dev/null || true
  for n in "${names[@]}"; do
    if [ -d "$LAB_STATE_DIR/$n" ]; then "$LAB" destroy "$n" --purge >/dev/null 2>&1 || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
sleep "${SETTLE:-3}"
before=$(avail_kib)
kernel_before=$(kernel_kib)
# The lowest MemAvailable while the instances are up.
( while :; do avail_kib; sleep 0.2; done ) >"$work/mem" &
sampler=$!

echo "bringing up $N instances of chapter4 ($build build)..."
: >"$work/up.times"; : >"$work/ups.out"
t0=$(now)
for n in "${names[@]}"; do
  /usr/bin/time -f "%e %M %U %S" -o "$work/t" "$LAB" up chapter4 --name "$n" >"$work/up.out" 2>&1 ||
    { echo "instances: up of $n failed"; tail -20 "$work/up.out"; exit 1; }
  cat "$work/t" >>"$work/up.times"
  cat "$work/up.out" >>"$work/ups.out"
done
t1=$(now)
up_all=$(calc "$t1 - $t0")
up_median=$(cut -d' ' -f1 "$work/up.times" | median)
up_max=$(cut -d' ' -f1 "$work/up.times" | sort -g | tail -1)
# Where the time of all the ups went: each step of `lab up`, summed over
# the N (from its "ok  <step> (1.23s)" lines).
by_step=$(sed -n 's/^ *ok  \(.*\) (\([0-9.]*\)s)$/\1\t\2/p' "$work/ups.out" |
  awk -F'\t' '{ if (!($1 in t)) o[++k] = $1; t[$1] += $2 } END { for (i = 1; i <= k; i++) printf "%s%s %.2f s", (i>1?"; ":""), o[i], t[o[i]] }')
steps_sum=$(sed -n 's/^ *ok  .* (\([0-9.]*\)s)$/\1/p' "$work/ups.out" | awk '{ s += $1 } END { printf "%.2f", s }')
# CPU the ups used (user + system of each `lab up` and of what it waited
# for): against the wall, how much of it was waiting for a core.
up_cpu=$(awk '{ c += $3 + $4 } END { printf "%.2f", c }' "$work/up.times")
echo "  all up in $up_all s (each: median $up_median s, slowest $up_max s), $up_cpu s of CPU"
echo "  by step, summed: $by_step"
[ "$(ip netns list | grep -c "^$prefix-")" = $((N * NS_PER)) ] ||
  { echo "instances: expected $((N * NS_PER)) namespaces"; exit 1; }

# PAR instances spread over the N, verified at once.
picked=()
for k in $(seq 0 $((PAR - 1))); do picked+=("${names[$(( k * N / PAR ))]}"); done
echo "verifying ${picked[*]} at once..."
t2=$(now)
pids=()
for n in "${picked[@]}"; do
  /usr/bin/time -f "%e %M %U %S" -o "$work/$n.t" "$LAB" verify "$n" --json "$work/$n.json" >"$work/$n.out" 2>&1 &
  pids+=($!)
done
failed=0
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || { echo "instances: verify of ${picked[$i]} failed"; tail -5 "$work/${picked[$i]}.out"; failed=1; }
done
t3=$(now)
[ "$failed" = 0 ] || exit 1
verify_all=$(calc "$t3 - $t2")
verdicts=$(for n in "${picked[@]}"; do
  python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; print(s["passed"], s["failed"], s["skipped"])' "$work/$n.json"
done | sort | uniq -c | awk '{printf "%s%s× %s passed, %s failed, %s skipped", (NR>1?"; ":""), $1, $2, $3, $4}')
echo "  $verify_all s: $verdicts"
case "$verdicts" in *" 0 failed"*) ;; *) echo "instances: a check failed"; exit 1 ;; esac

kill "$sampler"; sampler=""
lowest=$(sort -n "$work/mem" | head -1)
held=$(( (before - lowest) / 1024 ))
# What the instances hold by their own account, not disturbed by what
# other work on the machine frees or takes: the kernel's growth and their
# processes.
kernel=$(( ($(kernel_kib) - kernel_before) / 1024 ))
pss=$(( $(pss_kib) / 1024 ))
own=$(( kernel + pss ))
rss=$(cat "$work/up.times" "$work"/*.t | awk '$2 > m {m = $2} END {printf "%.0f", m / 1024}')
load_up=$(cut -d' ' -f1-3 /proc/loadavg)

echo "destroying all..."
t4=$(now)
for n in "${names[@]}"; do
  "$LAB" destroy "$n" --purge >"$work/down.out" 2>&1 || { echo "instances: destroy of $n failed"; tail -5 "$work/down.out"; exit 1; }
done
t5=$(now)
destroy_all=$(calc "$t5 - $t4")
left=$(ip netns list | grep -c "^$prefix-" || true)
mnts=$(grep -c "$prefix-" /proc/self/mountinfo || true)
procs=$(grep -l "$work/stat[e]" /proc/[0-9]*/cmdline 2>/dev/null | wc -l || true)
[ "$left$mnts$procs" = "000" ] || { echo "instances: left $left namespaces, $mnts mounts, $procs processes"; exit 1; }
echo "  $destroy_all s; nothing left"

goal_time=$(awk -v t="$up_all" 'BEGIN { print (t < 10 ? "met" : "not met") }')
goal_mem=$(awk -v m="$held" -v o="$own" 'BEGIN { print (m < 4096 && o < 4096 ? "met" : "not met") }')
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
table=$work/table.md
{
  echo "Measured by \`bench/instances.sh\` on $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores ($cpu), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), host $(thresholds), $build build, one run; load average $load_before before and $load_up with the instances up (1, 5, 15 min)."
  echo "Instances of chapter 4 (\`lab up chapter4 --name NAME\`, variant broken, 3 nodes and 2 nginx pods each, the book's addresses in every one), brought up one after another; then $PAR of them verified at once; then all destroyed one after another. Memory held is MemAvailable before the first \`up\` minus its lowest value while they were up (on a machine shared with other work, which frees and takes memory meanwhile); by their own account, the growth of the kernel's memory (slab, per-CPU, stacks, page tables) plus the PSS of their processes."
  echo
  echo "| instances | all up (goal < 10 s) | each up (median, slowest) | memory held (goal < 4 GiB): MemAvailable; own account | largest \`lab\` process | $PAR verified at once | all destroyed | left after |"
  echo "|---|---|---|---|---|---|---|---|"
  echo "| $N | **$up_all s** ($goal_time) | $up_median s, $up_max s | **$held MiB**; $own MiB = kernel $kernel + processes $pss ($goal_mem) | $rss MiB | $verify_all s ($verdicts) | $destroy_all s | nothing |"
  echo
  echo "Where the $up_all s went: the $N ups used $up_cpu s of CPU (user + system of \`lab up\` and of what it waited for; the nginx it starts are not counted), so the rest of the wall was waiting: for a core on this loaded machine, for the disk, for the kernel's own workers. By \`lab up\`'s own step timings, summed over the $N ($steps_sum s in steps, the rest is starting \`lab\` and reading the lab): $by_step."
} >"$table"
cat "$table"
if [ "${README:-1}" = 1 ] && grep -q '<!-- instances:start -->' README.md; then
  into_readme instances "$table"
  echo "README.md updated"
fi
