#!/usr/bin/env bash
# Times, in one run, a full load of a tree's Kconfig by ktailor against the tree's own conf,
# then olddefconfig of Debian's cloud-amd64 config (ktailor config vs conf).
# conf cannot load without also configuring, so its side is `conf --olddefconfig` on an empty
# .config (load plus one evaluation), run directly with kbuild's environment (`ktailor env`)
# and through make; ktailor's side is `ktailor parse` (load only). ktailor runs three ways:
#   warm cache       the model cache holds the finished load (every run after the first);
#   --no-model-cache the Kconfig files are parsed, the $(shell,...) answers come from the cache
#                    (a run after a Kconfig file changed);
#   --no-cache       nothing cached: every $(shell,...) command runs (a first run).
#
#   scripts/bench-load.sh [VERSION] [ARCH]        defaults: 6.1 x86_64
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:-6.1}"
arch="${2:-x86_64}"
{ command -v hyperfine >/dev/null && [ -x /usr/bin/time ]; } || { apt-get update -qq && apt-get install -y -qq hyperfine time; }
tree="$(scripts/kernel-tree.sh "$version")"
obj="$tree.obj"
cargo build --release -q
ktailor="$PWD/target/release/ktailor"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
# conf run directly: kbuild's environment, in the O= directory, writing to a scratch file.
{
    echo '#!/usr/bin/env bash'
    echo 'set -e'
    printf 'cd %q\n' "$obj"
    printf 'exec env -u LC_ALL -u GREP_OPTIONS'
    while IFS= read -r kv; do printf ' %q' "$kv"; done < <("$ktailor" env --tree "$tree" --arch "$arch")
    printf ' KCONFIG_CONFIG=%q %q -s --olddefconfig Kconfig\n' "$scratch/conf.config" "$obj/scripts/kconfig/conf"
} > "$scratch/conf.sh"
chmod +x "$scratch/conf.sh"
"$ktailor" parse --tree "$tree" --arch "$arch" >/dev/null   # fill the shell cache
hyperfine --warmup 2 --runs 10 --export-markdown "$scratch/result.md" \
    -n "ktailor parse (warm cache)" "$ktailor parse --tree $tree --arch $arch" \
    -n "ktailor parse --no-model-cache" "$ktailor parse --tree $tree --arch $arch --no-model-cache" \
    -n "ktailor parse --no-cache" "$ktailor parse --tree $tree --arch $arch --no-cache" \
    -n "conf --olddefconfig (direct)" "$scratch/conf.sh" \
    -n "make olddefconfig" "make -s -C $tree O=$obj ARCH=$arch KCONFIG_CONFIG=$scratch/make.config olddefconfig"
cat "$scratch/result.md"

# olddefconfig of Debian's cloud-amd64 config.
xz -dc /usr/src/linux-config-6.1/config.amd64_none_cloud-amd64.xz > "$scratch/cloud.config"
sed -e "s#--olddefconfig#--olddefconfig#; s#KCONFIG_CONFIG=[^ ]*#KCONFIG_CONFIG=$scratch/old.config#g" "$scratch/conf.sh" > "$scratch/conf-old.sh"
chmod +x "$scratch/conf-old.sh"
hyperfine --warmup 2 --runs 10 --export-markdown "$scratch/old.md" \
    --prepare "cp $scratch/cloud.config $scratch/old.config" \
    -n "ktailor config olddefconfig (warm cache)" "$ktailor config olddefconfig --tree $tree --arch $arch --input $scratch/cloud.config --output $scratch/ours.config" \
    -n "ktailor config olddefconfig --no-model-cache" "$ktailor config olddefconfig --tree $tree --arch $arch --no-model-cache --input $scratch/cloud.config --output $scratch/ours.config" \
    -n "ktailor config olddefconfig --no-cache" "$ktailor config olddefconfig --tree $tree --arch $arch --no-cache --input $scratch/cloud.config --output $scratch/ours.config" \
    -n "conf --olddefconfig (direct)" "$scratch/conf-old.sh"
cat "$scratch/old.md"
cmp "$scratch/old.config" "$scratch/ours.config" && echo "olddefconfig outputs are identical"
for mode in "" --no-model-cache --no-cache; do
    /usr/bin/time -f "ktailor olddefconfig ${mode:-(warm cache)} peak RSS: %M KiB" "$ktailor" config olddefconfig --tree "$tree" --arch "$arch" $mode --input "$scratch/cloud.config" --output "$scratch/ours.config"
done
/usr/bin/time -f "conf olddefconfig peak RSS: %M KiB" "$scratch/conf-old.sh"
