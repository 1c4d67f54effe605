#!/bin/bash
# Regenerate the operator fixtures (custom operators, pre-dispatch vmap
# calls, operators of torch 2.14 that libtorch 1.13 lacks; see
# tests/fixtures/gen_ops.py) with torch 2.14 and transformers in the sid
# chroot -> tests/fixtures/ops214/.
#
#   maint/gen-ops-fixtures.sh [t214] [-- gen_ops.py args, e.g. --only rms_norm]
#
# Needs root (chroot, mount --bind). The repository is mounted at the
# chroot's /irx-ops, so that it runs beside scripts that mount theirs at /irx.
# IRX_GEN_DRY_RUN=1 prints the command instead.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/maint/chroot-lib.sh"   # cleanup trap, gen_fixtures
irx_chroot_at=irx-ops
irx_gen_versions=(t214)
gen_fixtures gen_ops.py ops "$@"
