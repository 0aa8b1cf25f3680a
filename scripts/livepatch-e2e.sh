#!/usr/bin/env bash
# End-to-end livepatch test against the real kernel: build livepatch modules with
# `ktailor livepatch build` for Debian's cloud-amd64 kernel (the version of linux-source-6.1),
# boot that kernel in QEMU (TCG, -cpu max) with a busybox initramfs, and check for each patch,
# as kernel livepatch selftests do:
#   - the test command fails before insmod,
#   - insmod succeeds, /sys/kernel/livepatch/<name>/enabled = 1 and transition = 0,
#   - the test command passes,
#   - after `echo 0 > enabled` (and the transition) it fails again.
# Two patches must be refused (exit 2) with a clear message and no module written.
# Every module built must pass `ktailor livepatch check`.
#
#   scripts/livepatch-e2e.sh          (KTAILOR_CACHE: where trees, targets and build dirs live)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
log() { echo "livepatch-e2e: $*" >&2; }

need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v cpio >/dev/null || need+=(cpio)
command -v patch >/dev/null || need+=(patch)
[ -x /bin/busybox ] || need+=(busybox-static)
if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

tree="$(scripts/kernel-tree.sh 6.1)"
eval "$(scripts/livepatch-target.sh)"
log "target: $RELEASE (Debian $DEBIAN_VERSION)"
cargo build --release --quiet
ktailor="$repo/target/release/ktailor"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
failures=0
fail() { log "FAIL: $*"; failures=$((failures + 1)); }

build() { # name patch -> sets $output (ktailor's output, also logged) and $status
    set +e
    output="$("$ktailor" livepatch build --tree "$tree" --config "$CONFIG" --patch "$2" \
        --kernel-headers "$HEADERS" --system-map "$KALLSYMS" --name "$1" --output "$out/$1.ko" 2>&1)"
    status=$?
    set -e
    echo "$output" | sed "s/^/  [$1] /" >&2
}

boot_case() { # name test-command
    local name="$1" test="$2" root="$out/root-$1"
    mkdir -p "$root/bin" "$root/proc" "$root/sys"
    cp /bin/busybox "$root/bin/"
    for a in sh mount cat echo poweroff sleep grep insmod head awk; do ln -s busybox "$root/bin/$a"; done
    cp "$out/$name.ko" "$root/patch.ko"
    printf '#!/bin/sh\n%s\n' "$test" >"$root/case-test"
    cat >"$root/init" <<EOF
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
lp=/sys/kernel/livepatch/$name
t() { if sh /case-test >/dev/null 2>&1; then echo pass; else echo fail; fi; }
settle() { i=0; while [ -e \$lp/transition ] && [ "\$(cat \$lp/transition)" != 0 ] && [ \$i -lt 100 ]; do sleep 0.2; i=\$((i+1)); done; }
echo "KTAILOR-E2E before=\$(t)"
if insmod /patch.ko; then echo "KTAILOR-E2E insmod=ok"; else echo "KTAILOR-E2E insmod=failed"; fi
settle
echo "KTAILOR-E2E enabled=\$(cat \$lp/enabled 2>/dev/null) transition=\$(cat \$lp/transition 2>/dev/null)"
echo "KTAILOR-E2E after=\$(t)"
echo 0 > \$lp/enabled
settle
i=0; while [ -d \$lp ] && [ \$i -lt 100 ]; do sleep 0.2; i=\$((i+1)); done
echo "KTAILOR-E2E disabled=\$(t)"
poweroff -f
EOF
    chmod +x "$root/init"
    (cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1 >"$out/$name.initrd.gz")
    timeout 300 qemu-system-x86_64 -M q35 -cpu max -m 1024 -smp 2 -nographic -no-reboot \
        -kernel "$VMLINUZ" -initrd "$out/$name.initrd.gz" \
        -append "console=ttyS0 rdinit=/init panic=-1 loglevel=4" >"$out/$name.serial" 2>&1 || true
    tr -d '\r' <"$out/$name.serial" | grep -o 'KTAILOR-E2E .*' | sed 's/^KTAILOR-E2E //'
}

expect_patch() { # name patch test-command
    local name="$1" patch="$2" test="$3"
    log "case $name: building from $(basename "$patch")"
    build "$name" "$patch"
    if [ $status -ne 0 ]; then fail "$name: build exited $status"; return; fi
    if ! "$ktailor" livepatch check "$out/$name.ko" >&2; then fail "$name: livepatch check rejected the module"; fi
    local got want
    got="$(boot_case "$name" "$test" | tr '\n' ' ')"
    want="before=fail insmod=ok enabled=1 transition=0 after=pass disabled=fail "
    log "case $name: $got"
    if [ "$got" != "$want" ]; then
        fail "$name: expected '$want'"
        tail -n 40 "$out/$name.serial" | sed "s/^/  [$name serial] /" >&2
    fi
}

expect_refusal() { # name patch message-fragment
    local name="$1" patch="$2" fragment="$3"
    log "case $name: building from $(basename "$patch") (must be refused)"
    build "$name" "$patch"
    [ $status -eq 2 ] || fail "$name: exit $status, expected 2 (refused)"
    grep -qF -- "$fragment" <<<"$output" || fail "$name: the message does not say '$fragment'"
    [ ! -e "$out/$name.ko" ] || fail "$name: a module was written although the change was refused"
}

patches="$repo/tests/livepatch-patches"
expect_patch cmdline_marker "$patches/cmdline-marker.patch" \
    'grep -q ktailor-livepatched /proc/cmdline'
expect_patch stat_static_call "$patches/stat-static-call.patch" \
    'grep -q "^ktailor_iowait_cpu0 [0-9]" /proc/stat'
expect_patch version_new_function "$patches/version-new-function.patch" \
    'grep -q ktailor-new-function /proc/version'
# nr_threads and total_forks are not exported: the new code reaches them through livepatch
# relocations. The value printed through them must equal the one the original code prints.
expect_patch loadavg_globals "$patches/loadavg-globals.patch" \
    'set -- $(head -n 1 /proc/loadavg); threads=${4#*/}; grep -q "^ktailor threads=$threads forks=[1-9]" /proc/loadavg'
expect_refusal refuse_data_change "$patches/refuse-data-change.patch" \
    "kcore_need_update in .data.kcore_need_update: changed data"
expect_refusal refuse_init_change "$patches/refuse-init-change.patch" \
    "changed __init code"

if [ $failures -ne 0 ]; then
    log "$failures failure(s)"
    exit 1
fi
log "all livepatch cases passed"
