# shellcheck shell=bash
# Shared by the benchmarks (sourced): time arithmetic, and the lab they measure.

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.2f\", $1 }"; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# make_lab N NAME WORKDIR: a copy of chapter 4 named NAME with one nginx pod
# per worker for N workers and two sweep checks (every pod pings every other
# pod; every node pings every pod); prints its lab.yaml.
make_lab() {
  local n=$1 name=$2 dir=$3/lab-$1
  mkdir -p "$dir"
  cp labs/chapter4/*.yml labs/chapter4/*.yaml labs/chapter4/*.md "$dir"/
  sed -i "s/^name: chapter4$/name: $name/" "$dir/lab.yaml"
  # More than 53 workers from .201 need more room than the chapter's /24.
  sed -i "s|private: 10.100.198.0/24|private: 10.100.0.0/16|" "$dir/lab.yaml"
  # Past 255 nodes the chapter's pod /16 has no /24 left for each node.
  if [ "$n" -ge 255 ]; then
    sed -i "s|10.244.0.0/16|10.128.0.0/12|" "$dir/lab.yaml" "$dir/flannel.yml" "$dir/flannel_fix.yml"
  fi
  sed -i '/^checks:/,$d' "$dir/lab.yaml"
  cat >>"$dir/lab.yaml" <<'YAML'
checks:
  - name: pod to pod
    mesh: { pods: nginx }
    expect: reachable
  - name: node to pod
    mesh: { pods: nginx, from: nodes }
    expect: reachable
YAML
  sed -i "s/replicas: 2/replicas: $n/" "$dir/nginx-deployment.yaml"
  echo "$dir/lab.yaml"
}

# Mininet raises host settings when it starts (its fixLimits: the ARP
# table's gc thresholds, socket buffers, backlog, PTYs) and leaves them
# raised. A benchmark must not tune the host it measures `lab` on (nor the
# machine the tests run on next): these are saved before Mininet runs and
# put back after each run of it.
MN_SYSCTLS="net.ipv4.neigh.default.gc_thresh1 net.ipv4.neigh.default.gc_thresh2 net.ipv4.neigh.default.gc_thresh3 net.core.wmem_max net.core.rmem_max net.ipv4.tcp_rmem net.ipv4.tcp_wmem net.core.netdev_max_backlog net.ipv4.route.max_size kernel.pty.max fs.file-max"
saved_sysctls=()
save_sysctls() {
  saved_sysctls=()
  local k
  for k in $MN_SYSCTLS; do saved_sysctls+=("$k=$(sysctl -n "$k" | tr '\t' ' ')"); done
}
restore_sysctls() {
  local kv
  for kv in "${saved_sysctls[@]}"; do sysctl -q -w "$kv" >/dev/null; done
}

# The machine's load while a benchmark ran: the 1-minute load average at
# its start and at its end (the machine is shared; numbers under load are
# slower than the code is).
load_start=$(cut -d' ' -f1 /proc/loadavg)
load() { echo "load average $load_start at the start, $(cut -d' ' -f1 /proc/loadavg) at the end"; }

# The host's neighbour-table thresholds, as the tables say them.
thresholds() {
  echo "gc_thresh1/2/3 $(sysctl -n net.ipv4.neigh.default.gc_thresh1)/$(sysctl -n net.ipv4.neigh.default.gc_thresh2)/$(sysctl -n net.ipv4.neigh.default.gc_thresh3)"
}
thresholds_start=$(thresholds)

# into_readme MARKER TABLE: put the file TABLE into README.md between
# <!-- MARKER:start --> and <!-- MARKER:end -->.
into_readme() {
  local tmp
  tmp=$(mktemp)
  awk -v table="$2" -v start="<!-- $1:start -->" -v end="<!-- $1:end -->" '
    $0 == start { print; while ((getline l < table) > 0) print l; skip=1; next }
    $0 == end { skip=0 }
    !skip { print }
  ' README.md >"$tmp" && cp "$tmp" README.md
  rm -f "$tmp"
}
