#!/usr/bin/env bash
# Runs every test of the workspace: unit tests, and the integration tests that load the real
# 6.1 and 6.12 trees (provisioned by scripts/kernel-tree.sh) and compare with their own conf, and
# build livepatch modules for Debian's cloud kernel (scripts/livepatch-target.sh); then the boot
# test of a minimized kernel (scripts/boot-test.sh) and the livepatch end-to-end test, which loads
# the modules into that kernel in QEMU (scripts/livepatch-e2e.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/kernel-tree.sh 6.1 >/dev/null
scripts/kernel-tree.sh 6.12 >/dev/null
scripts/livepatch-target.sh >/dev/null
status=0
cargo test --workspace --release --all-targets "$@" || status=$?

# The minimized kernel builds and boots in QEMU (NVMe root, 8250 console): about 8 minutes on
# 2 cores. KTAILOR_SKIP_BOOT=1 leaves it out of a local run; CI always runs it.
if [ "${CI:-}" = true ] || [ "${KTAILOR_SKIP_BOOT:-}" != 1 ]; then
    scripts/boot-test.sh || status=$?
fi
scripts/livepatch-e2e.sh || status=$?

# The tests run Kconfig's commands and the trees' own conf, as root on the project's machines.
# A conf run with KCONFIG_CONFIG=/dev/null (conf_write renames the file it replaces to NAME.old,
# then moves its output in) turns /dev/null into a regular file that every later command reads
# and writes. Say so loudly, whatever the tests said.
if [ ! -c /dev/null ] || [ "$(stat -c %t:%T /dev/null)" != "1:3" ]; then
    echo "test.sh: FAIL: /dev/null is no longer the null device:" >&2
    ls -la /dev/null* >&2 || true
    echo "test.sh: repair it as root: rm -f /dev/null && mknod -m 666 /dev/null c 1 3" >&2
    status=1
fi
exit "$status"
