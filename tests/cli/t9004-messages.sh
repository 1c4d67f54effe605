#!/bin/sh
# t9004-messages.sh: file and tensor names that hold newlines, terminal
# escapes and bytes that are not UTF-8 are printed escaped (irx_escape:
# "\n", "\x1b", "\xff", "\\"), an error stays one line on stderr, and a
# valid archive under such a name exports, converts and dumps.
. "$IRX_SRCDIR/tests/cli/lib.sh"

SRC="$FIXTURES/t214/mlp.pt2"
[ -f "$SRC" ] || test_skip_all "no $SRC"
NL='
'
ESC=$(printf '\033')
FF=$(printf '\377')

# no_raw_controls FILE: no byte below 0x20 but the line ends, no DEL, no 0xff.
no_raw_controls() {
	if LC_ALL=C tr -d '\n' <"$1" | LC_ALL=C grep -q "$(printf '[\001-\037\177\377]')"; then
		fail "raw control bytes in $(basename "$1"): $(od -c "$1" | head -5)"
		return 1
	fi
	return 0
}
# json_str TEXT: TEXT as it appears inside a JSON string (backslashes doubled).
json_str() { printf '%s' "$1" | sed 's/\\/\\\\/g'; }

# NAME|ESCAPED: a file name and how messages print it.  ($want is
# expect_rc's: the escaped name is $esc.)
for spec in "a${NL}b|a\\nb" "e${ESC}[2Jx|e\\x1b[2Jx" "f${FF}g|f\\xffg" 'back\slash|back\\slash'; do
	name=${spec%%|*}
	esc=${spec#*|}
	f="$TMP/$name.pt2"
	cp "$SRC" "$f"
	# A valid archive under the name: export, convert, dump succeed.
	test_expect "valid archive named '$esc': export, convert, dump" '
		rm -f "$TMP/p.json" "$TMP/ir.json" &&
		expect_rc 0 "$BIN/irx-export" -o "$TMP/p.json" "$f" &&
		expect_rc 0 "$BIN/irx-convert" -o "$TMP/ir.json" "$TMP/p.json" &&
		expect_rc 0 "$BIN/irx-dump" "$f"'
	# Provenance in JSON: the name escaped, the model name from it.
	test_expect "source.file and model_name of '$esc' escaped" '
		grep -qF "\"file\": \"$(json_str "$TMP/$esc.pt2")\"" "$TMP/p.json" &&
		grep -qF "\"model_name\": \"$(json_str "$esc")\"" "$TMP/ir.json" ||
		fail "$(grep -E "\"(file|model_name)\"" "$TMP/p.json" "$TMP/ir.json")"'
	test_expect "irx-dump names '$esc' escaped" '
		expect_rc 0 "$BIN/irx-dump" "$f" && grep -qF "archive: $TMP/$esc.pt2 (pt2)" "$TMP/out" &&
		no_raw_controls "$TMP/out"'
	# A corrupt copy: one line on stderr, the name escaped, no raw controls.
	head -c 3000 "$SRC" >"$f"
	for tool in irx-export irx-dump; do
		test_expect "$tool: corrupt '$esc': one escaped line" '
			expect_rc 2 "$BIN/$tool" "$f" && expect_one_line_naming "$TMP/$esc.pt2" &&
			no_raw_controls "$TMP/err"'
	done
	rm -f "$f"
done

# A tool's own message (tool_fail) escapes too: --check of an archive.
cp "$SRC" "$TMP/c${ESC}]0;x${NL}.pt2"
test_expect "tool_fail escapes the file name" '
	expect_rc 2 "$BIN/irx-dump" --check "$TMP/c${ESC}]0;x${NL}.pt2" &&
	expect_one_line_naming "$TMP/c\\x1b]0;x\\n.pt2" && no_raw_controls "$TMP/err"'

# A safetensors file whose tensor names hold a newline and an escape
# sequence, written by hand: the readers refuse control characters in
# names, and the one line that says so shows the name escaped.
"$PYTHON3" -c 'pass' 2>/dev/null || test_skip_all "no $PYTHON3 to write the safetensors files"
mkst() { # OUT HEADER
	"${PYTHON3}" -c 'import struct,sys; h=sys.argv[1].encode(); sys.stdout.buffer.write(struct.pack("<Q", len(h)) + h + bytes(16))' "$2" >"$1"
}
st="$TMP/controls.safetensors"
mkst "$st" '{"a\nb":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"c\u001b[2Jd":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}'
test_expect "a tensor name with a newline is refused, named escaped" '
	expect_rc 2 "$BIN/irx-dump" "$st" && expect_one_line_naming "$st" "a\\nb" && no_raw_controls "$TMP/err"'

# Names the readers take (a C1 control, U+009B, CSI, and a backslash) are
# listed escaped.
st="$TMP/names.safetensors"
mkst "$st" '{"e\u009bf":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"g\\h":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}'
test_expect "tensor names listed escaped, a table of 4 lines" '
	expect_rc 0 "$BIN/irx-dump" "$st" &&
	grep -qF -- "e\\xc2\\x9bf " "$TMP/out" && grep -qF -- "g\\\\h " "$TMP/out" &&
	no_raw_controls "$TMP/out" && ! grep -q "$(printf "\302\233")" "$TMP/out" &&
	[ "$(wc -l <"$TMP/out")" -eq 4 ] || fail "$(cat "$TMP/out")"'
# JSON output carries the names as JSON strings, C1 escaped too.
test_expect "JSON output escapes names" '
	expect_rc 0 "$BIN/irx-dump" --format=json "$st" && grep -qF "\"e\\u009bf\"" "$TMP/out" &&
	grep -qF "\"g\\\\h\"" "$TMP/out" && no_raw_controls "$TMP/out"'
test_done
