#!/bin/sh
# Install what irx needs to build and test on Debian 12 / Ubuntu 22.04 or
# newer.  Runs apt-get only for packages that are missing.
set -eu
pkgs="build-essential autoconf automake libtool pkg-config libjansson-dev
libminizip-dev zlib1g-dev libcmocka-dev python3 libtorch-dev python3-torch
python3-jsonschema clang-format cppcheck graphviz chromium libopenblas0-pthread"
# npm (for the mermaid package, maint/install-mermaid.sh), unless a node
# installation of another origin already brings it.
command -v npm >/dev/null 2>&1 || pkgs="$pkgs npm"
# libtorch-dev: the C++ shim behind irx-exec and irx-verify (Debian's 1.13).
# python3-torch: torch 1.13 loads the files irx writes in the tests.
# libopenblas0-pthread: Debian's libtorch calls libblas.so.3, which is the
# reference BLAS (tens of times slower at matrix products) unless an
# optimized one is installed; OpenBLAS takes over libblas.so.3 on install.
# python3-jsonschema: t2004 validates the IRs and reports against docs/*.schema.json.
# clang-format, cppcheck: make lint (the .clang-format is written for 14).
# graphviz, chromium: t3002 renders the pictures (dot; mermaid in headless
# Chromium).
# Chroots with torch 2.6 and 2.14 (maint/mkchroot.sh) also need mmdebstrap.
[ "${IRX_CHROOTS:-1}" = 0 ] || pkgs="$pkgs mmdebstrap"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
