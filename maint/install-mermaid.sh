#!/bin/sh
# The npm mermaid package t3002-dump-pictures.sh renders mermaid pictures
# with (in headless Chromium), installed once into a cache directory
# outside the tree: IRX_MERMAID_DIR, default /var/tmp/irx-show-npm (the
# test's default IRX_MERMAID_JS lies there).  Without npm or the registry
# it says so and succeeds: the mermaid checks are then skipped, naming why.
set -u
dir=${IRX_MERMAID_DIR:-/var/tmp/irx-show-npm}
js=$dir/node_modules/mermaid/dist/mermaid.min.js
[ -f "$js" ] && exit 0
if ! command -v npm >/dev/null 2>&1; then
	echo "install-mermaid: no npm: mermaid pictures will not be rendered" >&2
	exit 0
fi
mkdir -p "$dir" && cd "$dir" &&
	npm install --no-audit --no-fund --silent mermaid@11 >/dev/null 2>&1 ||
	echo "install-mermaid: npm install mermaid failed: mermaid pictures will not be rendered" >&2
exit 0
