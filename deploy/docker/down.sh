#!/usr/bin/env bash
# down.sh stops deploy/compose.yaml and deletes its volumes and deploy/.env.
set -euo pipefail
deploy="$(cd "$(dirname "$0")/.." && pwd)"
if docker compose version >/dev/null 2>&1; then dc=(docker compose); else dc=(docker-compose); fi
"${dc[@]}" -f "$deploy/compose.yaml" down -v --remove-orphans "$@"
rm -f "$deploy/.env"
