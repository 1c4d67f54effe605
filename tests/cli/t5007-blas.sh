#!/bin/sh
# The BLAS libtorch runs on: irx-exec --version names it, and irx-exec
# warns once when it is Netlib's reference BLAS. Debian's libtorch calls
# libblas.so.3, so LD_PRELOAD picks which one is loaded.
. "$IRX_SRCDIR/tests/cli/lib.sh"
. "$IRX_SRCDIR/tests/cli/exec-lib.sh"

multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
ref=/usr/lib/$multiarch/blas
openblas=/usr/lib/$multiarch/openblas-pthread
rt="$FIXTURES/rt214/mlp"

if [ -f "$ref/libblas.so.3" ] && ldd "$IRX_BUILDDIR/src/torch/.libs/libirx-torch.so" | grep -q libblas.so.3; then
	test_expect "the reference BLAS is named in --version" "
		expect_rc 0 env LD_PRELOAD=$ref/libblas.so.3 \"\$EXEC\" --version &&
		grep -q '^BLAS: reference BLAS (Netlib) ($ref/libblas.so.3[.0-9]*), 1 thread\$' \"\$TMP/out\""
	test_expect "a run on the reference BLAS warns once, naming the fix" "
		expect_rc 0 env -u IRX_BLAS_WARNING LD_PRELOAD=$ref/libblas.so.3 \"\$VERIFY\" -w \"$rt.state_dict.pt\" \
			-i \"$rt.inputs.pt\" --expected \"$rt.expected.pt\" \"$rt.pt2\" &&
		expect_one_line_naming 'warning: libtorch runs on the reference BLAS' libopenblas0-pthread"
	test_expect "IRX_BLAS_WARNING=0 silences it" "
		expect_rc 0 env LD_PRELOAD=$ref/libblas.so.3 IRX_BLAS_WARNING=0 \"\$EXEC\" -w \"$rt.state_dict.pt\" \
			-i \"$rt.inputs.pt\" \"$rt.pt2\" &&
		test ! -s \"\$TMP/err\""
else
	test_skip "the reference BLAS" "no $ref/libblas.so.3, or libtorch does not call libblas.so.3"
fi
if [ -f "$openblas/libblas.so.3" ]; then
	test_expect "OpenBLAS is named in --version, with its threads" "
		expect_rc 0 env LD_PRELOAD=$openblas/libblas.so.3 \"\$EXEC\" --version &&
		grep -q '^BLAS: OpenBLAS [0-9].* ($openblas/libblas.so.3), [0-9]* threads*\$' \"\$TMP/out\""
	test_expect "a run on OpenBLAS does not warn, and matches torch" "
		expect_rc 0 env -u IRX_BLAS_WARNING LD_PRELOAD=$openblas/libblas.so.3 \"\$VERIFY\" -w \"$rt.state_dict.pt\" \
			-i \"$rt.inputs.pt\" --expected \"$rt.expected.pt\" \"$rt.pt2\" &&
		test ! -s \"\$TMP/err\""
else
	test_skip "OpenBLAS" "no $openblas/libblas.so.3 (Debian: libopenblas0-pthread)"
fi
test_done
