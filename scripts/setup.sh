#!/usr/bin/env bash
# Brings a checkout to a runnable state, doing only what is missing or stale:
# Debian packages, npm packages, the Prisma client, the web build.
# Usage: setup.sh [start|test]
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-start}
export NEXT_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1 TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1

node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("postern: Node.js 20.19 or newer is needed, this is "+process.version); process.exit(1) }'

bash scripts/ensure-system-deps.sh "$mode"

stamp=node_modules/.postern-install-stamp
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  echo "postern: installing npm packages" >&2
  # npm install, not npm ci: the lock file as this registry writes it lacks turbo's binaries
  # for other platforms, which npm ci counts as out of sync; install still follows the lock.
  npm install --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi

gen=packages/store/src/generated/prisma/client.ts
if [ ! -f "$gen" ] || [ prisma/schema.prisma -nt "$gen" ]; then
  bash scripts/prisma-generate.sh >/dev/null
fi

# The web build is redone only when a source it depends on changed.
build_id=apps/web/.next/BUILD_ID
if [ ! -f "$build_id" ] || [ -n "$(find apps/web packages/api packages/auth -newer "$build_id" \( -name '*.ts' -o -name '*.tsx' -o -name '*.css' -o -name '*.json' \) -not -path '*/.next/*' -not -path '*/node_modules/*' -print -quit)" ]; then
  echo "postern: building the web app" >&2
  (cd apps/web && npx --no-install next build >/tmp/postern-next-build.log 2>&1) || { tail -40 /tmp/postern-next-build.log >&2; exit 1; }
fi
