#!/usr/bin/env bash
# Proof that a minimized kernel boots: minimize the 6.1 tree for ec2-nitro-x86_64 +
# minimal-server, check that the tree's own olddefconfig leaves the config unchanged, build a
# bzImage from it, and boot it in qemu-system-x86_64 (TCG, -cpu max) with the root disk on
# QEMU's emulated NVMe controller and the console on the 8250 serial port, as on Nitro. The
# root filesystem is an ext4 image holding busybox (busybox-static); its init prints a marker
# and powers off. The test passes when the marker appears on the serial console.
#
#   scripts/boot-test.sh [VERSION]      (default 6.1)
#
# Work and build outputs go to $KTAILOR_CACHE/boot-test (default ~/.cache/ktailor/boot-test),
# never into the repository. Prints a summary: config size, bzImage size, build time, boot time,
# and the size of Debian's own cloud-amd64 vmlinuz for the same release when it can be fetched.
set -euo pipefail

version="${1:-6.1}"
here="$(cd "$(dirname "$0")/.." && pwd)"
cache="${KTAILOR_CACHE:-$HOME/.cache/ktailor}"
work="$cache/boot-test/linux-$version"
marker="KTAILOR-BOOT-OK"

log() { echo "boot-test: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
[ -x /bin/busybox ] || need+=(busybox-static)
command -v mkfs.ext4 >/dev/null || need+=(e2fsprogs)
[ -f /usr/include/libelf.h ] || need+=(libelf-dev)
[ -f /usr/include/openssl/ssl.h ] || need+=(libssl-dev)
for t in make gcc flex bison bc; do command -v $t >/dev/null || need+=($t); done
if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    as_root apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi

tree="$("$here/scripts/kernel-tree.sh" "$version")"
mkdir -p "$work"
obj="$work/obj"
mkdir -p "$obj"

log "building ktailor"
(cd "$here" && cargo build --release -q)
ktailor="$here/target/release/ktailor"

log "minimizing for ec2-nitro-x86_64 + minimal-server"
"$ktailor" minimize --tree "$tree" --profile ec2-nitro-x86_64 --workload minimal-server \
    --output "$work/minimized.config" --report "$work/report.json" >&2
cp "$work/minimized.config" "$obj/.config"

log "checking that the tree's own olddefconfig leaves it unchanged"
make -s -C "$tree" O="$obj" ARCH=x86_64 olddefconfig >&2
if ! cmp -s "$work/minimized.config" "$obj/.config"; then
    diff -u "$work/minimized.config" "$obj/.config" | head -40 >&2
    log "FAIL: the minimized config is not a fixed point of olddefconfig"
    exit 1
fi
enabled=$(grep -cE '^CONFIG_[A-Za-z0-9_]+=(y|m)$' "$obj/.config" || true)

log "building bzImage ($enabled options enabled; make -j$(nproc))"
start=$(date +%s)
make -s -C "$tree" O="$obj" ARCH=x86_64 -j"$(nproc)" bzImage >"$work/build.log" 2>&1 || {
    tail -40 "$work/build.log" >&2
    log "FAIL: the kernel did not build"
    exit 1
}
build_s=$(( $(date +%s) - start ))
bz="$obj/arch/x86/boot/bzImage"
bz_size=$(stat -c %s "$bz")

log "making the root filesystem (ext4, busybox)"
root="$work/rootfs"
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp}
cp /bin/busybox "$root/bin/busybox"
for applet in sh mount echo cat poweroff uname; do ln -sf busybox "$root/bin/$applet"; done
ln -sf ../bin/busybox "$root/sbin/init"
# busybox init runs these without a shell (no BINFMT_SCRIPT needed).
cat >"$root/etc/inittab" <<EOF
::sysinit:/bin/mount -t proc proc /proc
::sysinit:/bin/mount -t sysfs sysfs /sys
::sysinit:/bin/echo $marker
::sysinit:/bin/cat /proc/version
::sysinit:/bin/poweroff -f
EOF
img="$work/root.ext4"
rm -f "$img"
mkfs.ext4 -q -F -d "$root" "$img" 32M

log "booting in qemu-system-x86_64 (NVMe root, 8250 console)"
start=$(date +%s)
set +e
timeout 600 qemu-system-x86_64 -M q35 -cpu max -m 512 -smp 1 -nographic -no-reboot \
    -kernel "$bz" \
    -append "console=ttyS0 root=/dev/nvme0n1 rootfstype=ext4 rw panic=-1" \
    -drive file="$img",if=none,id=root,format=raw \
    -device nvme,drive=root,serial=ktailor-root \
    >"$work/console.log" 2>&1
qemu_rc=$?
set -e
boot_s=$(( $(date +%s) - start ))
if ! grep -q "$marker" "$work/console.log"; then
    tail -60 "$work/console.log" >&2
    log "FAIL: no '$marker' on the serial console (qemu exit $qemu_rc)"
    exit 1
fi

# Debian's own image for the same release, for the size comparison.
deb_size=""
pkg=$(apt-cache search --names-only "^linux-image-$version\.[0-9]+-[0-9]+-cloud-amd64-unsigned$" 2>/dev/null \
    | awk '{print $1}' | sort -V | tail -1 || true)
if [ -n "$pkg" ]; then
    (cd "$work" && apt-get download -q "$pkg" >/dev/null 2>&1) || true
    deb=$(ls "$work"/"$pkg"_*.deb 2>/dev/null | head -1 || true)
    if [ -n "$deb" ]; then
        rm -rf "$work/debian-image"
        dpkg-deb -x "$deb" "$work/debian-image"
        vmlinuz=$(ls "$work"/debian-image/boot/vmlinuz-* | head -1)
        deb_size=$(stat -c %s "$vmlinuz")
    fi
fi

echo "boot test: PASS ($marker seen on ttyS0, root on NVMe)"
echo "  kernel:   $(grep -a -o -m1 'Linux version [^(]*' "$work/console.log" | tr -d '\r')"
echo "  config:   $enabled options enabled (ec2-nitro-x86_64 + minimal-server)"
echo "  bzImage:  $bz_size bytes, built in ${build_s}s on $(nproc) cores"
echo "  boot:     ${boot_s}s to the marker and power-off under TCG"
if [ -n "$deb_size" ]; then
    echo "  Debian $pkg vmlinuz: $deb_size bytes ($(( deb_size * 100 / bz_size ))% of ours)"
fi
