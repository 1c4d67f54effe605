# Shared helpers for the scripts that run real PyTorch in the Debian chroots
# made by maint/mkchroot.sh (maint/gen-*.sh, maint/check-written.sh);
# gen_fixtures is the whole of a maint/gen-*-fixtures.sh that runs one
# generator in both chroots. Source it after setting $top to the repository root:
#
#   top=$(cd "$(dirname "$0")/.." && pwd)
#   . "$top/maint/chroot-lib.sh"
#
# Sourcing installs an EXIT/INT/TERM trap that undoes a bind mount left by an
# interrupted run_in_chroot.

# The environment every generator runs in, in a chroot or on the host: nothing
# inherited, one thread, no GPU, no network look-ups, fixed hash seed.
irx_clean_env=(
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  HOME=/tmp LC_ALL=C.UTF-8 TZ=UTC PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1
  OMP_NUM_THREADS=1 CUDA_VISIBLE_DEVICES= TOKENIZERS_PARALLELISM=false
  HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1
  TORCHINDUCTOR_CACHE_DIR=/tmp/inductor
)

mnt=
# Mount points made by chroot_mount_proc, unmounted by cleanup (newest first).
irx_chroot_mounts=()
# cleanup_bind: undo run_in_chroot's bind mount, if any.
cleanup_bind() {
  if [ -n "$mnt" ] && mountpoint -q "$mnt"; then
    umount "$mnt" || umount -l "$mnt"
  fi
  [ -z "$mnt" ] || rmdir "$mnt" 2>/dev/null || true
  mnt=
}
# cleanup: undo every mount made through these helpers.
cleanup() {
  local i m
  cleanup_bind
  for ((i = ${#irx_chroot_mounts[@]} - 1; i >= 0; i--)); do
    m=${irx_chroot_mounts[i]}
    if mountpoint -q "$m"; then
      umount "$m" || umount -l "$m"
    fi
  done
  irx_chroot_mounts=()
}
trap cleanup EXIT INT TERM

# run_clean CMD...: run CMD on the host in the clean environment.
# setarch -R: no address randomisation, so the id() of graphs that torch
# records in node metadata (from_node graph_id), and the storage keys of the
# legacy (non-zip) torch.save format (str(storage._cdata), an address),
# repeat from run to run.
run_clean() {
  setarch "$(uname -m)" -R /usr/bin/env -i "${irx_clean_env[@]}" "$@"
}

# chroot_exec DIR CMD...: run CMD inside chroot DIR in the clean environment,
# without address randomisation (see run_clean).
chroot_exec() {
  local root=$1; shift
  setarch "$(uname -m)" -R chroot "$root" /usr/bin/env -i "${irx_clean_env[@]}" "$@"
}

# run_in_chroot DIR CMD...: run CMD (in the repository root) inside chroot DIR
# with the repository bind-mounted at /irx, or at /$irx_chroot_at when set
# (a script that may run beside others that use /irx picks its own).
run_in_chroot() {
  local root=$1 at=${irx_chroot_at:-irx}; shift
  local rc=0
  mnt=$root/$at
  mkdir -p "$mnt"
  mount --bind "$top" "$mnt" || return
  chroot_exec "$root" /bin/sh -c 'cd "/$0" && exec "$@"' "$at" "$@" || rc=$?
  cleanup_bind
  return $rc
}

# chroot_mount_proc DIR: mount a proc file system on DIR/proc for the rest of
# the run (cleanup, i.e. the EXIT trap, unmounts it). Builds and tests need it
# for /dev/stdin, /dev/fd and /proc/self; torch reads /proc/cpuinfo and the
# boot id. Mounted even when another run has one there (mounts stack), so
# that each run unmounts only its own.
chroot_mount_proc() {
  local m=$1/proc
  mkdir -p "$m"
  mount -t proc proc "$m"
  irx_chroot_mounts+=("$m")
}

# chroot_for t26|t214: print the chroot directory for that torch, creating it
# with maint/mkchroot.sh when missing (IRX_CHROOT_TRIXIE / IRX_CHROOT_SID
# override the locations).
chroot_for() {
  case "$1" in
    t26)  "$top/maint/mkchroot.sh" trixie ${IRX_CHROOT_TRIXIE:+"$IRX_CHROOT_TRIXIE"} ;;
    t214) "$top/maint/mkchroot.sh" sid ${IRX_CHROOT_SID:+"$IRX_CHROOT_SID"} ;;
    *)    echo "chroot_for: unknown torch $1" >&2; return 2 ;;
  esac
}

# existing_chroot_for t26|t214: print the chroot directory if it is complete,
# else nothing (never creates one).
existing_chroot_for() {
  local dir
  case "$1" in
    t26)  dir=${IRX_CHROOT_TRIXIE:-/var/tmp/irx-trixie} ;;
    t214) dir=${IRX_CHROOT_SID:-/var/tmp/irx-sid} ;;
    *)    return 2 ;;
  esac
  [ -f "$dir/.irx-chroot-complete" ] && echo "$dir"
  return 0
}

# chroot_unshare SCRIPT ARG...: re-run SCRIPT in a mount namespace of its own
# (once, and only where unshare is), so that its mounts and those of other
# scripts using the same chroot meanwhile do not meet, and vanish if it is
# killed.  Call it before mounting anything.
chroot_unshare() {
  if [ -z "${IRX_CHROOT_UNSHARED:-}" ] && command -v unshare >/dev/null 2>&1; then
    IRX_CHROOT_UNSHARED=1 exec unshare --mount --propagation private "$@"
  fi
}

# chroot_bind_src_out ROOT AT DIR: the repository at ROOT/AT/src and DIR at
# ROOT/AT/out (AT a path of the script's own, e.g. /run/NAME.$$) for the rest
# of the run: cleanup (the EXIT trap) unmounts them and removes the folders.
# Exits 2 with a message when it cannot.
chroot_bind_src_out() {
  local root=$1 at=$2 dir=$3 m
  mkdir -p "$root$at/src" "$root$at/out" || exit 2
  for m in "$top:src" "$dir:out"; do
    mount --bind "${m%:*}" "$root$at/${m##*:}" ||
      { echo "$0: cannot bind-mount ${m%:*} into $root" >&2; exit 2; }
    irx_chroot_mounts+=("$root$at/${m##*:}")
  done
  # shellcheck disable=SC2064 # the folders of this call
  trap "cleanup; rmdir '$root$at/src' '$root$at/out' '$root$at' 2>/dev/null" EXIT
}

# gen_chroot_run DIR CMD...: gen_fixtures' run of CMD in chroot DIR, through
# $irx_gen_run (run_in_chroot), with $irx_gen_chroot_env added to the
# environment.
gen_chroot_run() {
  local -a irx_clean_env=("${irx_clean_env[@]}" ${irx_gen_chroot_env[@]+"${irx_gen_chroot_env[@]}"})
  "${irx_gen_run:-run_in_chroot}" "$@"
}

# gen_fixtures GENERATOR OUT [ARG...]: run tests/fixtures/GENERATOR with
# real PyTorch, the main part of a maint/gen-*.sh.  ARG... are the script's
# own arguments, [t26|t214 ...] [-- GENERATOR args] (every torch the script
# knows by default).  For torch tNN it runs, in the repository,
#   python3 tests/fixtures/GENERATOR --out tests/fixtures/OUTNN \
#     ${irx_gen_args_tNN[@]} GENERATOR-args
# in tNN's chroot through run_in_chroot, or through the function named by
# $irx_gen_run (it takes the same arguments); t113 runs on the host through
# run_clean.  A script may set, before the call:
#   irx_gen_versions=(...)   the torches it knows (default t26 t214; t113
#                            is the host's)
#   irx_gen_out_exact=1      OUT is the folder itself, not a prefix (a
#                            script for one torch)
#   irx_gen_out_opt=--dir    the generator's option for the folder
#   irx_gen_chroot=F         the function that prints tNN's chroot (default
#                            chroot_for, which makes it when missing); an
#                            empty answer is a failure of that torch
#   irx_gen_chroot_env=(...) VAR=VALUE added to the chroot runs' environment
# After a failure it goes on with the other torches, and returns the last
# failing status.  With IRX_GEN_DRY_RUN=1 it prints where each run would be
# (the chroot, or "host") and its command line instead (nothing is mounted
# or written).
gen_fixtures() {
  local gen=$1 out=$2 v root where status=0
  local -a known=(${irx_gen_versions[@]+"${irx_gen_versions[@]}"})
  local -a versions=() extra=() args=() outs=()
  shift 2
  [ ${#known[@]} -gt 0 ] || known=(t26 t214)
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    for v in "${known[@]}" ''; do
      [ "$v" != "$1" ] || break
    done
    if [ -z "$v" ]; then
      echo "usage: $0 [$(IFS='|'; echo "${known[*]}") ...] [-- $gen args]" >&2
      exit 64
    fi
    versions+=("$1")
    shift
  done
  [ $# -eq 0 ] || { shift; extra=("$@"); }
  [ ${#versions[@]} -gt 0 ] || versions=("${known[@]}")
  for v in "${versions[@]}"; do
    where=tests/fixtures/$out
    [ -n "${irx_gen_out_exact:-}" ] || where+=${v#t}
    args=(python3 "tests/fixtures/$gen" "${irx_gen_out_opt:---out}" "$where")
    case "$v" in
      t26) args+=(${irx_gen_args_t26[@]+"${irx_gen_args_t26[@]}"}) ;;
      t214) args+=(${irx_gen_args_t214[@]+"${irx_gen_args_t214[@]}"}) ;;
    esac
    args+=(${extra[@]+"${extra[@]}"})
    if [ "$v" = t113 ]; then
      root=host
    else
      root=$("${irx_gen_chroot:-chroot_for}" "$v") || root=
      if [ -z "$root" ]; then
        echo "$0: no chroot for $v (maint/mkchroot.sh makes them)" >&2
        status=1
        continue
      fi
    fi
    outs+=("$top/$where")
    if [ -n "${IRX_GEN_DRY_RUN:-}" ]; then
      printf '%s:' "$root"
      [ "$v" = t113 ] || [ -z "${irx_gen_chroot_env[*]+set}" ] || printf ' %q' "${irx_gen_chroot_env[@]}"
      printf ' %q' "${args[@]}"
      printf '\n'
      continue
    fi
    if [ "$v" = t113 ]; then
      echo "== $v on the host" >&2
      (cd "$top" && run_clean "${args[@]}") || status=$?
    else
      echo "== $v in $root" >&2
      gen_chroot_run "$root" "${args[@]}" || status=$?
    fi
  done
  [ -n "${IRX_GEN_DRY_RUN:-}" ] || [ ${#outs[@]} -eq 0 ] || du -sh "${outs[@]}" >&2 || true
  return $status
}
