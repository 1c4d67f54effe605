#!/bin/sh
# t3003-streams-limits.sh: inputs that are not regular files, and the
# limits on what a reader takes into memory (IRX_MAX_STDIN, IRX_MAX_INFLATE;
# see irx(7) and docs/tensor-files.md).
#
# Pipes and FIFOs are normal inputs: `irx-convert <(irx-export m.pt2)` and
# `irx-dump <(cat x.pt2)` must give what the same bytes in a regular file
# give.  Past a limit the tool exits 2 with one line naming the input, the
# limit and the variable that raises it; the same input passes once the
# limit is raised, so the limit (and nothing else) is what refused it.
. "$IRX_SRCDIR/tests/cli/lib.sh"

M="$FIXTURES/t214/mlp.pt2"
ST="$FIXTURES/tensors/t214/state_dict.safetensors"
BOMB="$IRX_SRCDIR/tests/bad/files/deflate-bomb.pt2"
unset IRX_MAX_STDIN IRX_MAX_INFLATE

"$BIN/irx-export" -o "$TMP/p.json" "$M"
"$BIN/irx-convert" -o "$TMP/want.ir.json" "$TMP/p.json"
"$BIN/irx-dump" "$M" | sed "s|$M|INPUT|g" >"$TMP/want.dump"
"$BIN/irx-dump" "$ST" | sed "s|$ST|INPUT|g" >"$TMP/want-st.dump"

# same_as WANT LABEL [PATH]: $TMP/out (with PATH replaced by INPUT) equals WANT.
same_as() {
	if [ -n "${3:-}" ]; then sed "s|$3|INPUT|g" "$TMP/out"; else cat "$TMP/out"; fi >"$TMP/got"
	if cmp -s "$1" "$TMP/got"; then pass "$2"; else fail "$2: output differs: $(diff "$1" "$TMP/got" | head -5)"; fi
}

# --- pipes and FIFOs work ----------------------------------------------------
if expect_rc 0 sh -c '"$1" "$2" | "$3" -' sh "$BIN/irx-export" "$M" "$BIN/irx-convert"; then
	same_as "$TMP/want.ir.json" "irx-export | irx-convert -"
fi
mkfifo "$TMP/fifo"
cat "$M" >"$TMP/fifo" &
if expect_rc 0 "$BIN/irx-dump" "$TMP/fifo"; then
	same_as "$TMP/want.dump" "irx-dump FIFO (.pt2)" "$TMP/fifo"
fi
wait || :
cat "$ST" >"$TMP/fifo" &
if expect_rc 0 "$BIN/irx-dump" "$TMP/fifo"; then
	same_as "$TMP/want-st.dump" "irx-dump FIFO (safetensors)" "$TMP/fifo"
fi
wait || :
if command -v bash >/dev/null 2>&1; then
	# shellcheck disable=SC2016
	if expect_rc 0 bash -c '"$1" <("$2" "$3")' bash "$BIN/irx-convert" "$BIN/irx-export" "$M"; then
		same_as "$TMP/want.ir.json" "irx-convert <(irx-export m.pt2)"
	fi
	# shellcheck disable=SC2016
	if expect_rc 0 bash -c '"$1" <(cat "$2")' bash "$BIN/irx-dump" "$M"; then
		same_as "$TMP/want.dump" "irx-dump <(cat m.pt2)" "/dev/fd/[0-9]*"
	fi
else
	echo "note: no bash: process substitution not tried"
fi

# --- IRX_MAX_STDIN -------------------------------------------------------------
size=$(wc -c <"$TMP/p.json")
size=$((size + 0))
if expect_rc 0 env IRX_MAX_STDIN=$size sh -c 'cat "$1" | "$2" -' sh "$TMP/p.json" "$BIN/irx-convert"; then
	same_as "$TMP/want.ir.json" "IRX_MAX_STDIN=size of the input: read"
fi
if expect_rc 2 env IRX_MAX_STDIN=$((size - 1)) sh -c 'cat "$1" | "$2" -' sh "$TMP/p.json" "$BIN/irx-convert" &&
   expect_one_line_naming "irx-convert: -: " &&
   expect_one_line_naming "limit of $((size - 1)) bytes" &&
   expect_one_line_naming "IRX_MAX_STDIN"; then
	pass "IRX_MAX_STDIN=size-1: a pipe one byte too long is refused"
fi
cat "$ST" >"$TMP/fifo" 2>/dev/null &
if expect_rc 2 env IRX_MAX_STDIN=1K "$BIN/irx-dump" "$TMP/fifo" &&
   expect_one_line_naming "$TMP/fifo" && expect_one_line_naming "limit of 1024 bytes"; then
	pass "IRX_MAX_STDIN=1K: a FIFO is refused"
fi
wait || :
# A regular file is mapped, not read: the stream limit does not apply.
if expect_rc 0 env IRX_MAX_STDIN=10 "$BIN/irx-convert" - <"$TMP/p.json"; then
	same_as "$TMP/want.ir.json" "IRX_MAX_STDIN does not limit stdin redirected from a regular file"
fi
for bad in abc 0 -5 1X 99999999999999999999; do
	if expect_rc 2 env IRX_MAX_STDIN=$bad sh -c 'cat "$1" | "$2" -' sh "$TMP/p.json" "$BIN/irx-convert" &&
	   expect_one_line_naming "IRX_MAX_STDIN='$bad' is not a size"; then
		pass "IRX_MAX_STDIN=$bad is refused"
	fi
done

# --- IRX_MAX_INFLATE -------------------------------------------------------------
# deflate-bomb.pt2: an honest deflate stream of 1 MB for 1 GiB + 1 MiB of
# valid program JSON.  Refused at the default limit (t3001), by a lower
# one here, and read in full once the limit is above its size.
if expect_rc 2 env IRX_MAX_INFLATE=1024K "$BIN/irx-export" "$BOMB" &&
   expect_one_line_naming "entry 'serialized_exported_program.json' inflates to 1074790400 bytes, more than the limit of 1048576 (IRX_MAX_INFLATE"; then
	pass "IRX_MAX_INFLATE=1024K refuses the bomb, naming the entry and the limit"
fi
if expect_rc 0 env IRX_MAX_INFLATE=1074790400 "$BIN/irx-export" -o "$TMP/bomb.json" "$BOMB"; then
	pass "IRX_MAX_INFLATE at the entry's size: the same archive exports"
fi
if expect_rc 2 env IRX_MAX_INFLATE=1074790399 "$BIN/irx-export" "$BOMB" &&
   expect_one_line_naming "limit of 1074790399"; then
	pass "IRX_MAX_INFLATE one byte under the entry's size refuses it"
fi
finish
