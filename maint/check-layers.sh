#!/bin/sh
# Check that no file of libirx includes a private header of a layer above
# its own (base < formats < graph, tensor < show; graph and tensor never
# include each other), that the executor, the shim and the tools include
# no private header of libirx (only headers beside them), and that no
# installed header includes a private one.  Prints one TAP line per file checked; exit 1 on a breach.
#   maint/check-layers.sh [SRCDIR]
set -eu
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top"

allowed() { # layer -> the private headers its files may include
	case $1 in
	base) echo "base" ;;
	formats) echo "base formats" ;;
	graph) echo "base formats graph" ;;
	tensor) echo "base formats tensor" ;;
	show) echo "base formats graph tensor show" ;;
	exec) echo "exec" ;;
	*) echo "" ;;
	esac
}

n=0 bad=0
for f in src/lib/*/*.[ch] src/exec/*.[ch] src/torch/*.cpp src/torch/*.h src/tools/*.[ch] include/irx.h include/irx/*.h; do
	case $f in
	src/lib/*) layer=$(basename "$(dirname "$f")") ;;
	src/exec/*) layer=exec ;;
	*) layer=none ;;
	esac
	ok=$(allowed "$layer")
	breach=
	for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
		case $inc in
		irx/*|irx.h|config.h|aten-schemas.inc) continue ;;
		*/*) want=${inc%%/*} ;;
		*)
			# outside libirx, a header beside the file is its own
			# (src/torch/handles.h, src/tools/common.h)
			case $layer in none|exec) [ -f "$(dirname "$f")/$inc" ] && continue ;; esac
			breach="$breach $inc"; continue ;;
		esac
		case " $ok " in *" $want "*) ;; *) breach="$breach $inc" ;; esac
	done
	n=$((n + 1))
	if [ -n "$breach" ]; then
		echo "not ok $n - $f includes$breach (layer $layer may include: ${ok:-no private header})"
		bad=$((bad + 1))
	else
		echo "ok $n - $f"
	fi
done
echo "1..$n"
[ "$bad" -eq 0 ]
