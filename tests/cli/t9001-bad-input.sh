#!/bin/sh
# t9001-bad-input.sh: the tools on malformed inputs (tests/bad/, see its
# README.md; the files are made by tests/bad/make-bad.py).
#
# Every exit-2 case must: exit 2, print exactly one line on stderr that
# names the file and contains each MENTION (the place: zip entry, JSON
# path, value name), not crash or trip a sanitizer, stay within
# `ulimit -v` 4 GB, and, run again with -o OUT, leave neither OUT nor
# OUT.tmp* behind; a victim file in the test's folder must be unchanged
# (checksum and metadata) after all cases.  Exit-1 cases (dump --check finding problems) must list
# each MENTION on stdout.
#
# IRX_TEST_WRAPPER, when set, is put in front of every tool command (e.g.
# "$IRX_BUILDDIR/libtool --mode=execute valgrind -q --error-exitcode=99");
# the address-space limit is then left off.
. "$IRX_SRCDIR/tests/cli/lib.sh"

[ -d "$BAD" ] || test_skip_all "no $BAD"

# FILE | TOOL | ARGS | RC | MENTIONS (comma-separated, may be empty)
#   FILE: a name in tests/bad/files; @missing: a path that does not exist;
#         @dir: a directory; fixture:P: tests/fixtures/P.
#   TOOL: export (irx-convert on the archive too, when it must fail), convert,
#         dump, or export+convert (irx-export must succeed,
#         then irx-convert must fail on the JSON it wrote; the file named in
#         the error is that JSON).
CASES='
empty.pt2|export||2|
random.pt2|export||2|
text.pt2|export||2|
torch-legacy-pickle.pt2|export||2|
torch-save-checkpoint.pt2|export||2|
trunc-local-header.pt2|export||2|
trunc-data.pt2|export||2|
trunc-cd.pt2|export||2|
trunc-before-eocd.pt2|export||2|
pt2-trunc-data.pt2|export||2|
pt2-trunc-cd.pt2|export||2|
pt2-trunc-before-eocd.pt2|export||2|
eocd-cd-offset-past-end.pt2|export||2|
eocd-count-lies.pt2|export||2|
pt2-zip64-locator-past-end.pt2|export||2|
pt2-zip64-count-huge.pt2|export||2|
cd-name-overrun.pt2|export||2|
cd-local-offset-past-end.pt2|export||2|serialized_exported_program.json
cd-size-past-end.pt2|export||2|serialized_exported_program.json
cd-stored-size-mismatch.pt2|export||2|serialized_exported_program.json
cd-bad-crc.pt2|export||2|serialized_exported_program.json
pt2-bad-crc.pt2|export||2|mlp/models/model.json
local-sig-bad.pt2|export||2|serialized_exported_program.json
pt2-local-extra-overrun.pt2|export||2|mlp/models/model.json
deflate-corrupt.pt2|export||2|serialized_exported_program.json
deflate-size-lie.pt2|export||2|serialized_exported_program.json
method-bzip2.pt2|export||2|serialized_exported_program.json
legacy-no-program.pt2|export||2|serialized_exported_program.json
pt2-no-model.pt2|export||2|models/
pt2-archive-version-9.pt2|export||2|archive_version
pt2-missing-weight.pt2|export||2|mlp_real/data/weights/weight_7
pt2-weight-short.pt2|export||2|mlp_real/data/weights/weight_1
pt2-weights-config-invalid.pt2|export||2|mlp_real/data/weights/model_weights_config.json
json-invalid.pt2|export||2|serialized_exported_program.json
pt2-json-invalid.pt2|export||2|mlp/models/model.json
json-nul-byte.pt2|export||2|serialized_exported_program.json
json-deep-nesting.pt2|export||2|serialized_exported_program.json
json-not-object.pt2|export||2|serialized_exported_program.json
json-number-overflow.pt2|export||2|serialized_exported_program.json
json-gm-not-object.pt2|export||2|serialized_exported_program.json,/graph_module
json-nodes-not-array.pt2|export||2|mlp/models/model.json,/graph_module/graph/nodes
json-target-not-string.pt2|export||2|serialized_exported_program.json,/graph_module/graph/nodes/1/target
json-dtype-garbage.pt2|export||2|mlp/models/model.json,/graph_module/graph/tensor_values/x/dtype
json-sizes-not-array.pt2|export||2|serialized_exported_program.json,/graph_module/graph/tensor_values/x/sizes
json-input-spec-2keys.pt2|export||2|mlp/models/model.json,/graph_module/signature/input_specs/0
json-schema-major-99.pt2|export||2|serialized_exported_program.json,/schema_version
json-dtype-77.pt2|export||2|mlp/models/model.json,/graph_module/graph/tensor_values/linear/dtype,77
json-size-negative.pt2|export||2|serialized_exported_program.json,/graph_module/graph/tensor_values/x/sizes/0,-5
json-size-overflow.pt2|export||2|mlp/models/model.json,/graph_module/graph/tensor_values/x/sizes
deflate-bomb.pt2|export||2|serialized_exported_program.json,limit of 1073741824,IRX_MAX_INFLATE
zip-dup-entry.pt2|export||2|mlp/models/model.json,twice
zip-dup-entry-legacy.pt2|export||2|serialized_exported_program.json,twice
zip-encrypted.pt2|export||2|serialized_exported_program.json,encrypted
zip-strong-encrypted.pt2|export||2|mlp/models/model.json,encrypted
pt2-prefix-dotdot.pt2|export||2|../data/weights/weight_0,not a plain relative path
pt2-prefix-dot.pt2|export||2|./data/weights/weight_0,not a plain relative path
pt2-prefix-empty.pt2|export||2|'/data/weights/weight_0',not a plain relative path
pt2-prefix-absolute.pt2|export||2|/tmp/mlp/data/weights/weight_0,not a plain relative path
zip-name-dotdot.pt2|export||2|mlp/extra/../../evil.json,not a plain relative path
zip-name-backslash.pt2|export||2|evil.json,holds a backslash
zip-name-nul.pt2|export||2|mlp/models/model.json?.txt,0x00
zip-name-control.pt2|export||2|entry name,0x1b
json-dup-key.pt2|export||2|serialized_exported_program.json,/graph_module/graph/tensor_values/x,duplicate key
pt2-json-dup-key.pt2|export||2|mlp/models/model.json,/graph_module/graph/nodes/1/target,duplicate key
pt2-json-node-bracket.pt2|export||2|mlp/models/model.json,invalid JSON
pt2-json-node-bad-number.pt2|export||2|mlp/models/model.json,invalid JSON
pt2-json-node-unterminated.pt2|export||2|mlp/models/model.json,invalid JSON,unterminated string
pt2-json-value-no-colon.pt2|export||2|mlp/models/model.json,invalid JSON,byte 2620: invalid JSON: expected
pt2-json-values-array.pt2|export||2|mlp/models/model.json,/graph_module/graph/tensor_values,expected an object
json-nul-escape.pt2|export||2|serialized_exported_program.json,\u0000
json-node-name-control.pt2|export||2|mlp/models/model.json,/graph_module/graph/nodes/1/name,0x07
json-weight-name-control.pt2|export||2|mlp/models/model.json,/graph_module/signature/input_specs/0/parameter/parameter_name,0x7f
json-tensor-name-control.pt2|export||2|serialized_exported_program.json,/graph_module/graph/inputs/0/as_tensor/name,0x1b
zip-dup-entry.pt2|dump||2|mlp/models/model.json,twice
@missing|export||2|
@dir|export||2|
fixture:t214/mlp.pt2|export|--model nosuch|2|nosuch
dangling.pt2|export+convert||2|/graph/nodes/1,ghost
duplicate-output.pt2|export+convert||2|/graph/nodes/1,linear
convert-empty.json|convert||2|
convert-invalid.json|convert||2|
convert-array.json|convert||2|
convert-not-program.json|convert||2|irx-program
convert-ir-input.json|convert||2|irx-program
convert-format-version-99.json|convert||2|/format_version
convert-dup-key.json|convert||2|/format,duplicate key
text.pt2|convert||2|
@missing|convert||2|
@dir|convert||2|
random.pt2|dump||2|
trunc-cd.pt2|dump||2|
pt2-bad-crc.pt2|dump||2|mlp/models/model.json
json-target-not-string.pt2|dump||2|serialized_exported_program.json,/graph_module/graph/nodes/1/target
convert-invalid.json|dump||2|
@missing|dump||2|
@dir|dump||2|
dump-not-ir.json|dump|--check|2|irx-ir
convert-invalid.json|dump|--check|2|
ir-valid.ir.json|dump|--check|0|
ir-dangling.ir.json|dump|--check|1|/nodes/1/inputs/0,ghost
dynamic-undeclared-symbol.pt2|export+convert||2|/graph/values/view/shape/0,'u5'
dynamic-undeclared-symbol.pt2|export+convert|--allow-dynamic|2|/graph/values/view/shape/0,'u5'
ir-dtype-float128.ir.json|dump|--check|1|/graph_inputs/0,/nodes/1/outputs/0,/weights/3,float128
ir-hop-valid.ir.json|dump|--check|0|
ir-subgraph-dtype-float128.ir.json|dump|--check|1|/nodes/3/subgraphs/false_graph_0/nodes/0/outputs/0,float128
ir-subgraph-missing.ir.json|dump|--check|1|/nodes/3/attrs/false_fn,false_graph_0
ir-dup-key.ir.json|dump|--check|2|/nodes/1/name,duplicate key
'

mkdir "$TMP/dir.pt2" "$TMP/o"
# A victim: a file beside the inputs and outputs that no case may touch
# (a reader must write nothing but its output, and that only on success).
VICTIM="$TMP/victim.pt2"
cp "$FIXTURES/t214/mlp.pt2" "$VICTIM"
victim=$(file_state "$VICTIM")

printf '%s\n' "$CASES" >"$TMP/cases"
while IFS='|' read -r file tool args want mentions; do
	[ -n "$file" ] || continue
	case $file in
	@missing) path="$TMP/no/such/input.pt2" ;;
	@dir) path="$TMP/dir.pt2" ;;
	fixture:*) path="$FIXTURES/${file#fixture:}" ;;
	*) path="$BAD/$file" ;;
	esac
	label="$tool${args:+ $args} $file"
	# shellcheck disable=SC2086
	case $tool in
	export+convert)
		stage="$TMP/stage-${file%.*}.json"
		test_expect "$label" '
			run_limited "$BIN/irx-export" -o "$stage" "$path" &&
			{ [ "$got" -eq 0 ] || fail "irx-export exited $got, expected 0: $(head -c 400 "$TMP/err")"; } &&
			run_limited "$BIN/irx-convert" $args "$stage" && check_run "$want" "$stage" "$mentions"'
		test_expect "$label -o: the same, and no output left" '
			[ -f "$stage" ] && run_limited "$BIN/irx-convert" $args -o "$TMP/o/out.json" "$stage" &&
			check_run "$want" "$stage" "$mentions" && no_output "$TMP/o"'
		;;
	export|convert|dump)
		test_expect "$label" 'run_limited "$BIN/irx-$tool" $args "$path" && check_run "$want" "$path" "$mentions"'
		[ "$want" -eq 2 ] && test_expect "$label -o: the same, and no output left" '
			run_limited "$BIN/irx-$tool" $args -o "$TMP/o/out.json" "$path" &&
			check_run "$want" "$path" "$mentions" && no_output "$TMP/o"'
		# irx-convert reads an archive (a file starting "PK") itself, one
		# node at a time: the same refusal, and nothing written.
		[ "$tool" = export ] && [ "$want" -eq 2 ] && [ "$(head -c 2 "$path" 2>/dev/null)" = PK ] &&
			test_expect "convert${args:+ $args} $file (one process), -o: the same, and no output left" '
			run_limited "$BIN/irx-convert" $args -o "$TMP/o/out.json" "$path" &&
			check_run "$want" "$path" "$mentions" && no_output "$TMP/o"'
		;;
	*)
		test_expect "table line $file|$tool|$args|$want|$mentions" false
		;;
	esac
done <"$TMP/cases"
test_expect "the victim beside the inputs is unchanged after every case" '[ "$(file_state "$VICTIM")" = "$victim" ]'
test_done
