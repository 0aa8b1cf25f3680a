#!/usr/bin/env bash
# Provide the real kernel a livepatch is built for: Debian's cloud-amd64 kernel of exactly the
# version of the installed linux-source-6.1 package, with its headers.
#
#   scripts/livepatch-target.sh            prints KEY=VALUE lines (see below) on stdout
#
# The three packages are pinned to one Debian version (the one linux-source-6.1 has):
#   linux-image-6.1.0-<abi>-cloud-amd64-unsigned   unpacked into $KTAILOR_CACHE/targets/<release>/
#                                                  (vmlinuz, System.map, config, modules; never
#                                                  installed, so no initramfs or bootloader hooks run)
#   linux-headers-6.1.0-<abi>-cloud-amd64          installed with apt (kbuild needs its absolute
#                                                  links into linux-headers-*-common and linux-kbuild)
#   linux-source-6.1                               installed with apt if missing
#
# Output (everything else goes to stderr):
#   RELEASE=6.1.0-56-cloud-amd64
#   DEBIAN_VERSION=6.1.192-2
#   VMLINUZ=…/boot/vmlinuz-<release>   SYSTEM_MAP=…   CONFIG=…   HEADERS=/usr/src/linux-headers-<release>
#   MODULES=…/lib/modules/<release>
#   KALLSYMS=…/kallsyms     the kernel's symbol table in System.map form. Debian ships a placeholder
#                           System.map (the real one is in the -dbg package, ~1 GB), so the script
#                           boots the kernel once in QEMU and saves /proc/kallsyms, read as root:
#                           exactly the order livepatch counts symbol positions in.
set -euo pipefail

cache="${KTAILOR_CACHE:-$HOME/.cache/ktailor}"
log() { echo "livepatch-target: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
export DEBIAN_FRONTEND=noninteractive

source_version() { dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || true; }

if [ -z "$(source_version)" ]; then
    log "installing linux-source-6.1"
    as_root apt-get update -qq >&2
    as_root apt-get install -y -qq --no-install-recommends linux-source-6.1 >&2
fi
version="$(source_version)"

# The cloud image whose Debian version is the source's version.
find_image() {
    apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-cloud-amd64-unsigned$' |
        while read -r pkg _; do
            if apt-cache madison "$pkg" | awk -F'|' '{gsub(/ /,"",$2); print $2}' |
                grep -qx -- "$version"; then
                echo "$pkg"
            fi
        done | sort -V | tail -n 1
}
image="$(find_image)"
if [ -z "$image" ]; then
    log "refreshing the package lists to find the cloud image of $version"
    as_root apt-get update -qq >&2
    image="$(find_image)"
fi
if [ -z "$image" ]; then
    log "no linux-image-6.1.0-*-cloud-amd64-unsigned has version $version in the package lists;"
    log "install a linux-source-6.1 whose version Debian still ships as a cloud image"
    exit 1
fi
release="${image#linux-image-}"
release="${release%-unsigned}"
headers_pkg="linux-headers-$release"
target="$cache/targets/$release"

if [ ! -f "$target/.ktailor-unpacked" ]; then
    log "unpacking $image=$version into $target"
    rm -rf "$target.partial"
    mkdir -p "$target.partial/deb"
    (cd "$target.partial/deb" && apt-get download -qq "$image=$version" >&2)
    dpkg-deb -x "$target.partial"/deb/*.deb "$target.partial"
    rm -rf "$target.partial/deb"
    touch "$target.partial/.ktailor-unpacked"
    rm -rf "$target"
    mv "$target.partial" "$target"
fi

installed_headers="$(dpkg-query -W -f='${Version}' "$headers_pkg" 2>/dev/null || true)"
if [ "$installed_headers" != "$version" ]; then
    log "installing $headers_pkg=$version"
    as_root apt-get install -y -qq --no-install-recommends "$headers_pkg=$version" >&2
fi

if [ ! -s "$target/kallsyms" ]; then
    for tool in qemu-system-x86_64 cpio gzip; do
        command -v "$tool" >/dev/null || { log "$tool is needed to read the kernel's kallsyms"; exit 1; }
    done
    [ -x /bin/busybox ] || { log "busybox-static is needed to read the kernel's kallsyms"; exit 1; }
    log "booting $release in QEMU once to read /proc/kallsyms"
    work="$(mktemp -d)"
    mkdir -p "$work/root/bin" "$work/root/proc"
    cp /bin/busybox "$work/root/bin/"
    for a in sh mount cat echo poweroff; do ln -s busybox "$work/root/bin/$a"; done
    cat >"$work/root/init" <<'EOF'
#!/bin/sh
mount -t proc proc /proc
echo 0 > /proc/sys/kernel/kptr_restrict
echo KTAILOR-KALLSYMS-BEGIN
cat /proc/kallsyms
echo KTAILOR-KALLSYMS-END
poweroff -f
EOF
    chmod +x "$work/root/init"
    (cd "$work/root" && find . | cpio -o -H newc 2>/dev/null | gzip -1 >"$work/initrd.gz")
    timeout 600 qemu-system-x86_64 -M q35 -cpu max -m 1024 -smp 1 -nographic -no-reboot \
        -kernel "$target/boot/vmlinuz-$release" -initrd "$work/initrd.gz" \
        -append "console=ttyS0 rdinit=/init panic=-1 quiet" >"$work/serial.log" 2>&1 || true
    tr -d '\r' <"$work/serial.log" |
        sed -n '/KTAILOR-KALLSYMS-BEGIN$/,/^KTAILOR-KALLSYMS-END$/p' | sed '1d;$d' >"$work/kallsyms"
    if ! grep -q ' T start_kernel$' "$work/kallsyms" || grep -q '^0000000000000000 T start_kernel$' "$work/kallsyms"; then
        log "could not read the kernel's symbols (serial log: $work/serial.log)"
        exit 1
    fi
    mv "$work/kallsyms" "$target/kallsyms"
    rm -rf "$work"
fi

echo "RELEASE=$release"
echo "DEBIAN_VERSION=$version"
echo "VMLINUZ=$target/boot/vmlinuz-$release"
echo "SYSTEM_MAP=$target/boot/System.map-$release"
echo "CONFIG=$target/boot/config-$release"
echo "HEADERS=/usr/src/linux-headers-$release"
echo "MODULES=$target/lib/modules/$release"
echo "KALLSYMS=$target/kallsyms"
