#!/usr/bin/env bash
# The chapter as a reader or a book author runs it, on netns: `lab test
# chapter4` (up, the checks of both variants, the evidence, the chapter
# replayed, destroy) and `lab book chapter4` (up, the chapter replayed,
# destroy). For each, RUNS runs (default 5) of the release build: the median
# wall time and the median CPU time (user + system of lab and every process
# it waited for), and the steps of the last `lab test` run from its run
# record (where the time goes). Records the host's neighbour thresholds and
# the load average before and after, and writes the table into README.md
# between the chapter markers.
#
# The lab is a copy of labs/chapter4 under a name of its own (so a run never
# meets another chapter4 on the same machine); nothing else differs.
#
# Usage (root, Linux): bench/chapter.sh
#                      RUNS=3 bench/chapter.sh
#                      NO_README=1 bench/chapter.sh   # print only
#                      LAB_BIN=/tmp/lab-old bench/chapter.sh
# Host settings are read, never changed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
# shellcheck source=bench/lib.sh
. bench/lib.sh
[ "$(id -u)" = 0 ] || { echo "chapter: needs root (network namespaces)" >&2; exit 2; }

# LAB_BIN: measure that binary instead (e.g. a copy of an earlier build).
if [ -n "${LAB_BIN:-}" ]; then LAB=$LAB_BIN; else cargo build --release -q; LAB=$root/target/release/lab; fi
RUNS=${RUNS:-5}

work=$(mktemp -d /tmp/lab-chapter.XXXXXX)
export LAB_STATE_DIR=$work/state CI=1 NO_COLOR=1
name=c4b$(( $$ % 10000 ))
mkdir -p "$work/lab"
cp labs/chapter4/* "$work/lab/"
sed -i "s/^name: chapter4$/name: $name/" "$work/lab/lab.yaml"
cleanup() { "$LAB" destroy "$name" --purge >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# measure WHAT: RUNS runs of `lab WHAT <lab>`; sets walls and cpus.
measure() {
  local what=$1 i
  walls=(); cpus=()
  for i in $(seq "$RUNS"); do
    local extra=()
    [ "$what" = test ] && extra=(--json "$work/record.json")
    /usr/bin/time -f '%e %U %S' -o "$work/time" "$LAB" "$what" "$work/lab/lab.yaml" "${extra[@]}" \
      >"$work/out.txt" 2>&1 || { echo "chapter: lab $what failed (run $i):"; tail -40 "$work/out.txt"; exit 1; }
    read -r wall user sys <"$work/time"
    walls+=("$wall"); cpus+=("$(calc "$user + $sys")")
    echo "lab $what run $i: wall $wall s, cpu $(calc "$user + $sys") s"
  done
}

measure test
test_wall=$(printf '%s\n' "${walls[@]}" | median); test_cpu=$(printf '%s\n' "${cpus[@]}" | median)
test_walls="${walls[*]}"
# Where the last `lab test` spent its time: its phases, from its run record.
phases=$(python3 - "$work/record.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
# Phases in the order they first ran, each with its variant (`book` once,
# over its stretches). A `book` step spans the chapter's stretch, the
# variant switches it made itself included: those are shown inside it,
# not added to it.
order, total, within = [], {}, 0.0
for s in r["steps"]:
    if s["phase"] == "book" and s["name"] != "book":
        within += s["duration_s"]
        continue
    key = s["phase"] if s["phase"] in ("up", "book", "destroy") else f'{s["phase"]} {s["variant"]}'
    if key not in total:
        order.append(key)
        total[key] = 0.0
    total[key] += s["duration_s"]
def shown(k):
    t = f"{k} {total[k]:.2f} s"
    if k == "book" and within:
        t += f" (of which the chapter's own variant switches {within:.2f} s)"
    return t
blocks = sorted(((b["duration_s"], b["line"]) for b in (r.get("book") or {}).get("blocks", [])), reverse=True)[:4]
print("; ".join(shown(k) for k in order) + f'; whole {r["duration_s"]:.2f} s'
      + ("; the chapter's slowest blocks: " + ", ".join(f"line {l} {d:.2f} s" for d, l in blocks) if blocks else ""))
PY
)
measure book
book_wall=$(printf '%s\n' "${walls[@]}" | median); book_cpu=$(printf '%s\n' "${cpus[@]}" | median)
book_walls="${walls[*]}"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
{
  echo "Measured by \`bench/chapter.sh\` on $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores ($cpu), kernel $(uname -r), $(thresholds), load average $load_before before and $load_after after (1, 5, 15 min); release build, provider netns, medians of $RUNS runs. CPU is user + system time of \`lab\` and every process it waited for."
  echo
  echo "| command | wall (median) | CPU (median) | every run's wall |"
  echo "|---|---|---|---|"
  # shellcheck disable=SC2016
  printf '| `lab test chapter4` | **%.2f s** | %.2f s | %s |\n' "$test_wall" "$test_cpu" "$test_walls"
  # shellcheck disable=SC2016
  printf '| `lab book chapter4` | **%.2f s** | %.2f s | %s |\n' "$book_wall" "$book_cpu" "$book_walls"
  echo
  echo "The last \`lab test\` run by phase (its run record): $phases."
} >"$work/table.md"
cat "$work/table.md"
if [ -z "${NO_README:-}" ]; then
  into_readme chapter "$work/table.md"
  echo "chapter: results written to README.md"
fi
