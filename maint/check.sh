#!/bin/sh
# Install the dependencies, build irx, run make lint (clang-format, cppcheck,
# the include layers) and the whole test suite
# (unit tests, CLI tests, bad inputs, the shared corpus when present) once,
# inside make distcheck (the distributed tree, built with warnings as
# errors; a separate make check first would run the same tests twice);
# then the same build and tests against libtorch 2.14 in a Debian sid chroot:
#   maint/check.sh
# As root it makes the chroots with torch 2.6 and 2.14 when they are missing
# (maint/mkchroot.sh; the tests load irx's files in those torches too).
# IRX_CHROOTS=0 skips the chroots and the libtorch 2.14 run.
set -eu
cd "$(dirname "$0")/.."
maint/install-deps.sh
maint/install-mermaid.sh
chroots=${IRX_CHROOTS:-1}
[ "$(id -u)" -eq 0 ] || chroots=0
if [ "$chroots" != 0 ]; then
	maint/mkchroot.sh trixie >/dev/null
	maint/mkchroot.sh sid >/dev/null
fi
# distcheck unpacks the tree elsewhere: name the corpus beside this one.
if [ -z "${IRX_CORPUS:-}" ] && [ -d ../shared/corpus ]; then
	IRX_CORPUS=$(cd ../shared/corpus && pwd)
	export IRX_CORPUS
fi
autoreconf -fi
./configure --enable-werror
make -j"$(nproc)"
make lint
make -j"$(nproc)" distcheck
[ "$chroots" = 0 ] || maint/check-sid.sh
