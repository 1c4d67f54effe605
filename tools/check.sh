#!/bin/sh
# Install the dependencies, build irx, and run the whole test suite
# (unit tests, CLI tests, bad inputs, the shared corpus when present),
# then make distcheck:
#   tools/check.sh
set -eu
cd "$(dirname "$0")/.."
tools/install-deps.sh
autoreconf -fi
./configure --enable-werror
make -j"$(nproc)"
make -j"$(nproc)" check
make -j"$(nproc)" distcheck
