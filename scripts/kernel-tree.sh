#!/usr/bin/env bash
# Provide a Linux source tree from Debian's linux-source-VERSION package, unpacked into a cache
# outside the repository, with the tree's own scripts/kconfig/conf built out of tree.
#
#   scripts/kernel-tree.sh VERSION        e.g. 6.1 or 6.12
#
# Prints the tree's path on stdout (everything else goes to stderr). Idempotent: a second run
# finds the unpacked tree and the built conf and only prints the path.
#
# Layout (KTAILOR_CACHE defaults to ~/.cache/ktailor):
#   $KTAILOR_CACHE/trees/linux-source-VERSION/          the source tree (never modified after unpack)
#   $KTAILOR_CACHE/trees/linux-source-VERSION.obj/      O= build dir; scripts/kconfig/conf lives here
set -euo pipefail

version="${1:?usage: scripts/kernel-tree.sh VERSION (e.g. 6.1, 6.12)}"
cache="${KTAILOR_CACHE:-$HOME/.cache/ktailor}"
trees="$cache/trees"
tree="$trees/linux-source-$version"
obj="$tree.obj"
tarball="/usr/src/linux-source-$version.tar.xz"

log() { echo "kernel-tree: $*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

if [ ! -f "$tree/.ktailor-unpacked" ]; then
    if [ ! -f "$tarball" ]; then
        log "installing linux-source-$version (and the tools that build conf)"
        as_root apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq \
            "linux-source-$version" make gcc flex bison bc xz-utils >&2
    fi
    log "unpacking $tarball into $trees"
    mkdir -p "$trees"
    rm -rf "$tree" "$tree.partial"
    mkdir -p "$tree.partial"
    tar -xJf "$tarball" -C "$tree.partial" --strip-components=1
    touch "$tree.partial/.ktailor-unpacked"
    mv "$tree.partial" "$tree"
fi

if [ ! -x "$obj/scripts/kconfig/conf" ]; then
    for tool in make gcc flex bison; do
        if ! command -v "$tool" >/dev/null; then
            log "installing the tools that build conf"
            as_root apt-get update -qq >&2
            DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq make gcc flex bison bc >&2
            break
        fi
    done
    log "building $obj/scripts/kconfig/conf (make O=$obj allnoconfig)"
    mkdir -p "$obj"
    make -s -C "$tree" O="$obj" allnoconfig >&2
fi

echo "$tree"
