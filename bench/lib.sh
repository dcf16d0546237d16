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
  cp labs/chapter4/*.yml labs/chapter4/*.yaml "$dir"/
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
