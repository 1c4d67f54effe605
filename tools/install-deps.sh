#!/bin/sh
# Install what irx needs to build and test on Debian 12 / Ubuntu 22.04 or
# newer.  Runs apt-get only for packages that are missing.
set -eu
pkgs="build-essential autoconf automake libtool pkg-config libjansson-dev
libminizip-dev zlib1g-dev libcmocka-dev python3"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
