#!/bin/sh
# Install what Nexus needs to build and test on Debian 12, idempotently.
# Prints what it installs; installs nothing when everything is present.
# Uses apt-get as root, or through sudo when not root.
set -eu

PKGS="build-essential cmake pkg-config git libyaml-dev libcmocka-dev clang-14 libclang-rt-14-dev
      libzstd-dev libsqlite3-dev zlib1g-dev libzip-dev libjsmn-dev zip unzip
      libpq-dev postgresql chromium"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "deps: all present ($PKGS)"
    exit 0
fi

echo "deps: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "deps: need root or sudo to install:$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || echo "deps: apt-get update failed; trying the cached package lists" >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
echo "deps: done"
