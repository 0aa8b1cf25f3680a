#!/usr/bin/env bash
# Runs every test of the workspace: unit tests, and the integration tests that load the real
# 6.1 and 6.12 trees (provisioned by scripts/kernel-tree.sh) and compare with their own conf.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/kernel-tree.sh 6.1 >/dev/null
scripts/kernel-tree.sh 6.12 >/dev/null
cargo test --workspace --release --all-targets "$@"
