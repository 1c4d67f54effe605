#!/usr/bin/env python3
"""Check a mermaid flowchart written by irx-dump --format=mermaid.

    mermaid.py check FILE            parse the subset irx writes; print "nodes N edges E"
    mermaid.py render MERMAID_JS FILE
                                     render it with the mermaid package in headless
                                     Chromium; print "nodes N" (drawn node shapes)
                                     or "error: MESSAGE"; exit 1 on an error

check is strict: front matter with a quoted title, "flowchart TB", node
definitions ID<open>"LABEL"<close> with the shapes irx uses, "subgraph ID
["LABEL"]" ... "end" balanced, edges "ID --> ID" between defined nodes, ids
unique, "classDef ID STYLE" and "class ID CLASS" (--verdicts) for defined
nodes and classes, and no label holding a double quote or a raw character that mermaid
would read as markup (<, >, #, `, &, |, ;) other than irx's own <br> and
entity codes (#35;).
"""
import json
import os
import re
import subprocess
import sys
import tempfile

SHAPES = [('(["', '"])'), ('[("', '")]'), ('[["', '"]]'), ('["', '"]')]
ID = r"[A-Za-z][A-Za-z0-9_]*"
ENTITY = re.compile(r"#[0-9]+;")


def bad_label(s):
    s = s.replace("<br>", "")
    s = ENTITY.sub("", s)
    for ch in '"<>#`&|;':
        if ch in s:
            return ch
    return None


def check(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    if lines[:1] != ["---"] or not re.fullmatch(r'title: ".*"', lines[1]) or lines[2] != "---":
        raise SystemExit("bad front matter")
    if bad_label(lines[1][8:-1]):
        raise SystemExit("bad title")
    if lines[3] != "flowchart TB":
        raise SystemExit("no 'flowchart TB'")
    ids, nodes, edges, depth = set(), set(), [], 0
    classdefs, classes = set(), []  # irx-dump --verdicts
    for no, line in enumerate(lines[4:], 5):
        s = line.strip()
        if not s:
            continue
        m = re.fullmatch(r"subgraph (%s) \[\"(.*)\"\]" % ID, s)
        if m:
            if m.group(1) in ids or bad_label(m.group(2)):
                raise SystemExit(f"line {no}: bad subgraph: {s[:200]}")
            ids.add(m.group(1))
            depth += 1
            continue
        if s == "end":
            depth -= 1
            if depth < 0:
                raise SystemExit(f"line {no}: 'end' without subgraph")
            continue
        m = re.fullmatch(r"(%s) --> (%s)" % (ID, ID), s)
        if m:
            edges.append((no, m.group(1), m.group(2)))
            continue
        m = re.fullmatch(r"classDef (%s) ([a-z-]+:#[0-9a-f]{6}|[a-z-]+:[0-9]+px)"
                         r"(,([a-z-]+:#[0-9a-f]{6}|[a-z-]+:[0-9]+px))*" % ID, s)
        if m:
            if m.group(1) in classdefs:
                raise SystemExit(f"line {no}: classDef repeats: {s[:200]}")
            classdefs.add(m.group(1))
            continue
        m = re.fullmatch(r"class (%s) (%s)" % (ID, ID), s)
        if m:
            classes.append((no, m.group(1), m.group(2)))
            continue
        m = re.match(ID, s)
        if not m:
            raise SystemExit(f"line {no}: not irx's mermaid: {s[:200]}")
        rest = s[m.end():]
        for o, c in SHAPES:
            if rest.startswith(o) and rest.endswith(c):
                label = rest[len(o):-len(c)]
                break
        else:
            raise SystemExit(f"line {no}: unknown shape: {s[:200]}")
        ch = bad_label(label)
        if ch or m.group(0) in ids:
            raise SystemExit(f"line {no}: label holds {ch!r} or the id repeats: {s[:200]}")
        ids.add(m.group(0))
        nodes.add(m.group(0))
    if depth:
        raise SystemExit(f"{depth} subgraph(s) not closed")
    for no, a, b in edges:
        if a not in nodes or b not in nodes:
            raise SystemExit(f"line {no}: edge to an undefined node")
    for no, a, c in classes:
        if a not in nodes or c not in classdefs:
            raise SystemExit(f"line {no}: class of an undefined node or class")
    print(f"nodes {len(nodes)} edges {len(edges)}")


PAGE = """<!doctype html><html><head><meta charset="utf-8"><script src="%s"></script></head>
<body><pre id="out">pending</pre><script>
mermaid.initialize({startOnLoad: false, maxTextSize: 100000000, maxEdges: 1000000,
                    securityLevel: "strict"});
mermaid.render("g", %s).then(function (r) {
  var d = document.createElement("div"); d.innerHTML = r.svg;
  document.getElementById("out").textContent = "nodes " + d.querySelectorAll("g.node").length;
}, function (e) {
  document.getElementById("out").textContent = "error: " + (e && e.message ? e.message : e);
});
</script></body></html>"""


def render(mjs, path):
    text = open(path, encoding="utf-8").read()
    with tempfile.TemporaryDirectory() as d:
        page = os.path.join(d, "page.html")
        with open(page, "w", encoding="utf-8") as f:
            f.write(PAGE % ("file://" + os.path.abspath(mjs), json.dumps(text).replace("</", "<\\/")))
        chromium = os.environ.get("CHROMIUM", "chromium")
        r = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                            "--allow-file-access-from-files", "--user-data-dir=" + d,
                            "--virtual-time-budget=30000", "--dump-dom", "file://" + page],
                           capture_output=True, text=True, timeout=300)
    m = re.search(r'<pre id="out">([^<]*)</pre>', r.stdout)
    out = m.group(1) if m else "error: no page from chromium: " + r.stderr[-300:]
    print(out)
    return 0 if out.startswith("nodes ") else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "check":
        check(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "render":
        sys.exit(render(sys.argv[2], sys.argv[3]))
    else:
        raise SystemExit(__doc__)
