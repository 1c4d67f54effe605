# Turn data/aten-schemas.txt (one schema per line, sorted, '#' comments)
# into C string literals for src/lib/graph/schema-table.c.
/^#/ || /^[ \t]*$/ { next }
{
	out = ""
	for (i = 1; i <= length($0); i++) {
		c = substr($0, i, 1)
		if (c == "\\")
			out = out "\\\\"
		else if (c == "\"")
			out = out "\\\""
		else
			out = out c
	}
	print "\t\"" out "\","
}
