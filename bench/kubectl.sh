#!/usr/bin/env bash
# The book's kubectl lines judged offline by the real kubectl binaries
# (src/kubectl/): discovery, one line judged by the pinned minor's kubectl,
# and the version matrix of chapter 4's kubectl lines through every kubectl
# found, without the cache, with it, and again with it. No root; nothing of
# the host is changed (kubectl's HOME is lab's cache folder; its server is
# 127.0.0.1:1, which refuses at once). RUNS: runs of the one line (10).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q --example kubectl_matrix
target/release/examples/kubectl_matrix labs/chapter4 "${RUNS:-10}"
echo "load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
