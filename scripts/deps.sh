#!/bin/sh
# deps.sh - install the Debian packages wmsbridge needs to build, test and demo.
# Idempotent and quiet when everything is present; never touches anything else.
set -eu
# strace traces the file system calls of tests/integration/durability.sh; gcovr reports
# `make coverage`; python3-jsonschema checks the JSON listings feeds against Amazon's schemas;
# python3-prometheus-client parses the metrics in tests/integration/metrics.sh; chromium renders
# the report page in tests/integration/report.sh.
PKGS="make gcc clang libclang-rt-14-dev pkg-config libcsv-dev libxml2-dev libxml2-utils
libcurl4-openssl-dev libssl-dev libssh2-1-dev zlib1g-dev libsqlite3-dev sqlite3 libjansson-dev
libcmocka-dev openssh-server openssh-client openssl python3 valgrind tzdata ca-certificates
iproute2 procps time groff-base strace gcovr python3-jsonschema python3-prometheus-client
chromium"
missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
echo "deps: installing:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
        echo "deps: run as root: apt-get install$missing" >&2; exit 1
    fi
else SUDO=""; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
