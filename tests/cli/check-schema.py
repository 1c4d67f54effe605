#!/usr/bin/env python3
"""check-schema.py DOCS SCHEMA FILE...: validate each JSON FILE against
DOCS/SCHEMA (a JSON Schema, draft 2020-12; the other DOCS/*.schema.json
resolve its references).  Prints FILE: JSON-PATH: message for each file
that does not conform (the first error) and exits 1 if any; exit 3 when
python3-jsonschema is missing."""
import glob
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    sys.exit(3)

docs, name, files = sys.argv[1], sys.argv[2], sys.argv[3:]
store = {}
for path in glob.glob(os.path.join(docs, "*.schema.json")):
    s = json.load(open(path))
    store[s["$id"]] = s
schema = json.load(open(os.path.join(docs, name)))
jsonschema.Draft202012Validator.check_schema(schema)
resolver = jsonschema.RefResolver(schema["$id"], schema, store=store)
validator = jsonschema.Draft202012Validator(schema, resolver=resolver)
bad = 0
for f in files:
    errs = list(validator.iter_errors(json.load(open(f))))
    # the deepest cause reads best ("'float128' is not one of ..."), not
    # the unevaluatedProperties that its failed branch leaves behind
    leaves = []
    todo = list(errs)
    while todo:
        e = todo.pop()
        todo.extend(e.context or [])
        if e.validator not in ("unevaluatedProperties", "oneOf", "anyOf", "$ref", "if", "then", "else"):
            leaves.append(e)
    err = max(leaves, key=lambda e: len(e.absolute_path)) if leaves else (errs[0] if errs else None)
    if err is not None:
        bad += 1
        path = "/" + "/".join(str(p) for p in err.absolute_path)
        print(f"{f}: {path}: {err.message[:300]}")
sys.exit(1 if bad else 0)
