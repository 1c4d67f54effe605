#!/bin/sh
# t9007-fuzz-regress.sh: the inputs the fuzzers once broke the library with
# (tests/fuzz/regress/TARGET/*, see docs/fuzzing.md) fed to the tool that
# reads them the way tests/fuzz/fuzz-TARGET.c does:
#   json, program   irx-convert --allow-dynamic, and irx-dump
#   archive         irx-export
#   zip             irx-export, and irx-dump (as a tensor file)
#   pickle,         irx-dump on a torch.save zip made here with the bytes as
#   torch-save      its data.pkl
#   safetensors     irx-dump on the bytes as a .safetensors file
#   exec            irx-exec --random-inputs, small bounds (with libtorch)
# Each run must end within a time limit with exit 0 or 2 (never a signal,
# never a sanitizer report), and exit 2 with one line on stderr naming the
# file.
. "$IRX_SRCDIR/tests/cli/lib.sh"

REGRESS="$IRX_SRCDIR/tests/fuzz/regress"
[ -d "$REGRESS" ] || test_skip_all "no $REGRESS"
LIMIT=
command -v timeout >/dev/null 2>&1 && LIMIT="timeout 120"
have_libtorch=no
"$BIN/irx-exec" --version 2>/dev/null | grep -q "libtorch: [0-9]" && have_libtorch=yes

# as_torch_save PICKLE OUT: a torch.save zip whose data.pkl is PICKLE.
as_torch_save() {
	"$PYTHON3" - "$1" "$2" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[2], "w") as z:
    z.writestr("archive/data.pkl", open(sys.argv[1], "rb").read())
    z.writestr("archive/byteorder", b"little")
    z.writestr("archive/version", b"3\n")
PY
}
printf '\010\000\000\000\000\000\000\000{}      ' >"$TMP/none.safetensors"

# survives FILE CMD...: CMD on FILE exits 0, or 2 with one line naming FILE.
survives() {
	sv_file=$1
	shift
	got=0
	run_limited $LIMIT "$@" || :
	case $got in
	0) ;;
	2) expect_one_line_naming "$sv_file" || return 1 ;;
	*) fail "exited $got (a signal, a time-out or a crash): $(head -c 400 "$TMP/err")"; return 1 ;;
	esac
	! grep -qE 'Sanitizer|runtime error:|^==[0-9]+==' "$TMP/err" ||
		fail "sanitizer/valgrind report: $(head -c 600 "$TMP/err")"
}

n=0
for dir in "$REGRESS"/*/; do
	target=$(basename "$dir")
	for f in "$dir"*; do
		[ -f "$f" ] || continue
		name="$target/$(basename "$f")"
		n=$((n + 1))
		case $target in
		json | program)
			test_expect "$name: irx-convert" 'survives "$f" "$BIN/irx-convert" --allow-dynamic "$f"'
			test_expect "$name: irx-dump" 'survives "$f" "$BIN/irx-dump" "$f"' ;;
		archive)
			test_expect "$name: irx-export" 'survives "$f" "$BIN/irx-export" "$f"' ;;
		zip)
			test_expect "$name: irx-export" 'survives "$f" "$BIN/irx-export" "$f"'
			test_expect "$name: irx-dump" 'survives "$f" "$BIN/irx-dump" "$f"'
			test_expect "$name: irx-dump --stats --format=json" 'survives "$f" "$BIN/irx-dump" --stats --format=json "$f"' ;;
		pickle | torch-save)
			pt="$TMP/$target-$(basename "$f").pt"
			test_expect "$name: irx-dump on a torch.save zip holding it" '
				as_torch_save "$f" "$pt" && survives "$pt" "$BIN/irx-dump" "$pt" &&
				survives "$pt" "$BIN/irx-dump" --stats --format=json "$pt"' ;;
		safetensors)
			st="$TMP/$(basename "$f").safetensors"
			test_expect "$name: irx-dump" '
				cp "$f" "$st" && survives "$st" "$BIN/irx-dump" "$st" &&
				survives "$st" "$BIN/irx-dump" --stats --format=json "$st"' ;;
		exec)
			if [ "$have_libtorch" = yes ]; then
				test_expect "$name: irx-exec --random-inputs" '
					survives "$f" "$BIN/irx-exec" "$f" -w "$TMP/none.safetensors" --random-inputs \
						--max-memory=64M --max-elements=65536 --max-iterations=64'
			else
				test_skip "$name: irx-exec --random-inputs" "irx-exec is built without libtorch"
			fi ;;
		*)
			test_expect "$name: a target this test knows" 'fail "no tool reads tests/fuzz/regress/$target"' ;;
		esac
	done
done
[ "$n" -gt 0 ] || test_skip_all "no regression inputs under $REGRESS"
test_done
