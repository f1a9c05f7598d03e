#!/usr/bin/env bash
# The README's first command: set up what is missing, then run Postern on its embedded default.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh start
exec node packages/cli/bin/postern.js start "$@"
