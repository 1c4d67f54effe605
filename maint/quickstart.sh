#!/bin/sh
# Install the dependencies, build irx, and convert a bundled example:
#   maint/quickstart.sh
set -eu
cd "$(dirname "$0")/.."
maint/install-deps.sh
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure
make -j"$(nproc)"
src/tools/irx-export examples/mlp.pt2 | src/tools/irx-convert
