#!/usr/bin/env bash
# The README's second command: set up what is missing, then run every suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
export NEXT_TELEMETRY_DISABLED=1 TURBO_TELEMETRY_DISABLED=1

echo "== typecheck" >&2
npx --no-install turbo run typecheck --output-logs=errors-only
echo "== lint" >&2
npx --no-install eslint . --max-warnings=0
echo "== tests" >&2
mkdir -p .tmp
set +e
rm -f .tmp/vitest.json .tmp/playwright.json
npx --no-install vitest run --reporter=default --reporter=json --outputFile.json=.tmp/vitest.json
rc=$?
echo "== e2e (Playwright, Debian's Chromium)" >&2
npx --no-install playwright test -c e2e
e2e_rc=$?
set -e
node scripts/test-summary.mjs .tmp/vitest.json .tmp/playwright.json
[ "$rc" -eq 0 ] && [ "$e2e_rc" -eq 0 ]
