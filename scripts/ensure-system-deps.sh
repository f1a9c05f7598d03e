#!/usr/bin/env bash
# Installs the Debian packages Postern's quickstart and tests use, when they are missing.
# Usage: ensure-system-deps.sh [start|test]   (start needs only PostgreSQL for the demo)
set -euo pipefail
want=(postgresql postgresql-contrib openssl)
if [ "${1:-test}" = test ]; then
  want+=(mariadb-server mariadb-client chromium pgbouncer)
fi
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "postern: installing Debian packages: ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# policy-rc.d keeps Debian from starting system-wide database services: Postern and its
# tests start their own instances on free loopback ports.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "postern: installed ${missing[*]}" >&2
