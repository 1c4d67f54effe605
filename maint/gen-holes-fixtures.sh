#!/bin/bash
# Regenerate the fixtures of issue 11's holes (histc on integers,
# data-dependent sizes, in-place buffer updates, Dim; see
# tests/fixtures/gen_holes.py) with torch 2.14 and transformers in the sid
# chroot -> tests/fixtures/holes/.
#
#   maint/gen-holes-fixtures.sh [t214] [-- gen_holes.py args, e.g. --only histc]
#
# Needs root (chroot, mount --bind). The repository is mounted at the
# chroot's /irx-holes, so that it runs beside scripts that mount theirs at /irx.
# IRX_GEN_DRY_RUN=1 prints the command instead.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/maint/chroot-lib.sh"   # cleanup trap, gen_fixtures
irx_chroot_at=irx-holes
irx_gen_versions=(t214)
irx_gen_out_exact=1
gen_fixtures gen_holes.py holes "$@"
