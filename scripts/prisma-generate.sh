#!/usr/bin/env bash
# Generates the Prisma client into packages/store/src/generated. The schema engine binary
# cannot be downloaded here and generate does not need it, hence /bin/false.
set -euo pipefail
cd "$(dirname "$0")/.."
PRISMA_SCHEMA_ENGINE_BINARY=/bin/false PRISMA_HIDE_UPDATE_MESSAGE=1 CHECKPOINT_DISABLE=1 \
  npx --no-install prisma generate --schema prisma/schema.prisma
