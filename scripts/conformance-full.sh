#!/usr/bin/env bash
# The full conformance run (too long for CI): for the 6.1 and 6.12 trees, every arch ×
# {allnoconfig, allyesconfig, allmodconfig, alldefconfig}, tinyconfig for x86 and arm64, EVERY
# defconfig file under arch/*/configs (defconfig, then savedefconfig), and olddefconfig of
# Debian's cloud-amd64 and amd64 configs on x86_64. Writes a JSON report per tree.
#
#   scripts/conformance-full.sh [OUTDIR]          default OUTDIR: ./conformance-report
#   VERSIONS="6.12" scripts/conformance-full.sh   only some trees (default: 6.1 6.12)
set -euo pipefail
cd "$(dirname "$0")/.."
outdir="${1:-conformance-report}"
versions="${VERSIONS:-6.1 6.12}"
# Not passed on: every variable ktailor and conf see is part of the $(shell,...) cache's key.
export -n VERSIONS 2>/dev/null || true
mkdir -p "$outdir"
cargo build --release -q
ktailor="$PWD/target/release/ktailor"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for flavour in cloud-amd64 amd64; do
    xz -dc "/usr/src/linux-config-6.1/config.amd64_none_$flavour.xz" > "$scratch/$flavour.config"
done
status=0
for version in $versions; do
    tree="$(scripts/kernel-tree.sh "$version")"
    echo "== Linux $version: every arch, every defconfig" >&2
    "$ktailor" conformance --tree "$tree" --arch all --defconfigs all --json > "$outdir/$version-all.json" || status=1
    "$ktailor" conformance --tree "$tree" --arch x86_64 --targets "" --defconfigs none \
        --config "$scratch/cloud-amd64.config" --config "$scratch/amd64.config" --json > "$outdir/$version-debian.json" || status=1
    for f in "$outdir/$version-all.json" "$outdir/$version-debian.json"; do
        python3 - "$f" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
alone = d['ktailor_alone']
print(f"{sys.argv[1]}: {d['identical']}/{d['cases']} identical, "
      f"conf {d['conf_ms_total'] / 1000:.0f} s, ktailor {d['ktailor_ms_total'] / 1000:.1f} s "
      f"(sums over cases); ktailor alone {alone['total_wall_ms'] / 1000:.1f} s wall "
      f"(loads {alone['load_wall_ms'] / 1000:.1f} s, cases {alone['cases_wall_ms'] / 1000:.1f} s, "
      f"{alone['threads']} threads)")
PY
    done
done
exit $status
