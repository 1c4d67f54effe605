#!/bin/sh
# t9003-streams-limits.sh: inputs that are not regular files, and the
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
BOMB="$BAD/deflate-bomb.pt2"
unset IRX_MAX_STDIN IRX_MAX_INFLATE

{ "$BIN/irx-export" -o "$TMP/p.json" "$M" &&
  "$BIN/irx-convert" -o "$TMP/want.ir.json" "$TMP/p.json" &&
  "$BIN/irx-dump" "$M" >"$TMP/d" && sed "s|$M|INPUT|g" "$TMP/d" >"$TMP/want.dump" &&
  "$BIN/irx-dump" "$ST" >"$TMP/d" && sed "s|$ST|INPUT|g" "$TMP/d" >"$TMP/want-st.dump"; } ||
	bail_out "cannot make the expected outputs from regular files"

# same_as WANT [PATH]: $TMP/out (with PATH replaced by INPUT) equals WANT.
same_as() {
	if [ -n "${2:-}" ]; then sed "s|$2|INPUT|g" "$TMP/out"; else cat "$TMP/out"; fi >"$TMP/got"
	cmp -s "$1" "$TMP/got" || fail "output differs: $(diff "$1" "$TMP/got" | head -5)"
}

# --- pipes and FIFOs work ----------------------------------------------------
test_expect "irx-export | irx-convert -" '
	expect_rc 0 sh -c "\"\$1\" \"\$2\" | \"\$3\" -" sh "$BIN/irx-export" "$M" "$BIN/irx-convert" &&
	same_as "$TMP/want.ir.json"'
mkfifo "$TMP/fifo"
# feed FILE: write FILE into the FIFO in the background (the reader opens it).
feed() { cat "$1" >"$TMP/fifo" 2>/dev/null & }
test_expect "irx-dump FIFO (.pt2)" '
	feed "$M" && expect_rc 0 "$BIN/irx-dump" "$TMP/fifo" && same_as "$TMP/want.dump" "$TMP/fifo"'
wait || :
test_expect "irx-dump FIFO (safetensors)" '
	feed "$ST" && expect_rc 0 "$BIN/irx-dump" "$TMP/fifo" && same_as "$TMP/want-st.dump" "$TMP/fifo"'
wait || :
if command -v bash >/dev/null 2>&1; then
	test_expect "irx-convert <(irx-export m.pt2)" '
		expect_rc 0 bash -c "\"\$1\" <(\"\$2\" \"\$3\")" bash "$BIN/irx-convert" "$BIN/irx-export" "$M" &&
		same_as "$TMP/want.ir.json"'
	test_expect "irx-dump <(cat m.pt2)" '
		expect_rc 0 bash -c "\"\$1\" <(cat \"\$2\")" bash "$BIN/irx-dump" "$M" &&
		same_as "$TMP/want.dump" "/dev/fd/[0-9]*"'
else
	test_skip "irx-convert <(irx-export m.pt2)" "no bash: process substitution not tried"
	test_skip "irx-dump <(cat m.pt2)" "no bash: process substitution not tried"
fi

# --- IRX_MAX_STDIN -------------------------------------------------------------
size=$(wc -c <"$TMP/p.json")
size=$((size + 0))
# pipe_convert: $TMP/p.json through a pipe into irx-convert -.
pipe_convert='cat "$1" | "$2" -'
test_expect "IRX_MAX_STDIN=size of the input: read" '
	expect_rc 0 env IRX_MAX_STDIN=$size sh -c "$pipe_convert" sh "$TMP/p.json" "$BIN/irx-convert" &&
	same_as "$TMP/want.ir.json"'
test_expect "IRX_MAX_STDIN=size-1: a pipe one byte too long is refused" '
	expect_rc 2 env IRX_MAX_STDIN=$((size - 1)) sh -c "$pipe_convert" sh "$TMP/p.json" "$BIN/irx-convert" &&
	expect_one_line_naming "irx-convert: -: " "limit of $((size - 1)) bytes" "IRX_MAX_STDIN"'
test_expect "IRX_MAX_STDIN=1K: a FIFO is refused" '
	feed "$ST" && expect_rc 2 env IRX_MAX_STDIN=1K "$BIN/irx-dump" "$TMP/fifo" &&
	expect_one_line_naming "$TMP/fifo" "limit of 1024 bytes"'
wait || :
# A regular file is mapped, not read: the stream limit does not apply.
test_expect "IRX_MAX_STDIN does not limit stdin redirected from a regular file" '
	expect_rc 0 env IRX_MAX_STDIN=10 "$BIN/irx-convert" - <"$TMP/p.json" && same_as "$TMP/want.ir.json"'
for bad in abc 0 -5 1X 99999999999999999999; do
	test_expect "IRX_MAX_STDIN=$bad is refused" '
		expect_rc 2 env IRX_MAX_STDIN=$bad sh -c "$pipe_convert" sh "$TMP/p.json" "$BIN/irx-convert" &&
		expect_one_line_naming "IRX_MAX_STDIN='\''$bad'\'' is not a size"'
done

# --- IRX_MAX_INFLATE -------------------------------------------------------------
# deflate-bomb.pt2: an honest deflate stream of 1 MB for 1 GiB + 1 MiB of
# valid program JSON.  Refused at the default limit (t9001), by a lower
# one here, and read in full once the limit is above its size.
test_expect "IRX_MAX_INFLATE=1024K refuses the bomb, naming the entry and the limit" '
	expect_rc 2 env IRX_MAX_INFLATE=1024K "$BIN/irx-export" "$BOMB" &&
	expect_one_line_naming "entry '\''serialized_exported_program.json'\'' inflates to 1074790400 bytes, more than the limit of 1048576 (IRX_MAX_INFLATE"'
test_expect "IRX_MAX_INFLATE at the entry's size: the same archive exports" '
	expect_rc 0 env IRX_MAX_INFLATE=1074790400 "$BIN/irx-export" -o "$TMP/bomb.json" "$BOMB" &&
	[ -s "$TMP/bomb.json" ] && rm -f "$TMP/bomb.json"'
test_expect "IRX_MAX_INFLATE one byte under the entry's size refuses it" '
	expect_rc 2 env IRX_MAX_INFLATE=1074790399 "$BIN/irx-export" "$BOMB" &&
	expect_one_line_naming "limit of 1074790399"'
test_done
