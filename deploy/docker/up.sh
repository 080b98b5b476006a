#!/usr/bin/env bash
# up.sh starts deploy/compose.yaml in two steps: NATS and simweb first, then,
# with simweb's DNS address and seed URLs read from its log into deploy/.env,
# everything else. Extra arguments go to the second `up` (e.g. --scale crawler-1=2).
# Uses `docker compose` when the plugin exists, else docker-compose.
set -euo pipefail
deploy="$(cd "$(dirname "$0")/.." && pwd)"
if docker compose version >/dev/null 2>&1; then dc=(docker compose); else dc=(docker-compose); fi
dc+=(-f "$deploy/compose.yaml")

# A stale .env would point the crawlers at an old DNS port; start clean.
rm -f "$deploy/.env"
"${dc[@]}" up -d natsd-1 natsd-2 natsd-3 simweb

echo "waiting for simweb's DNS address and seeds"
dns="" seeds=""
for _ in $(seq 1 60); do
	log="$("${dc[@]}" logs --no-color simweb 2>/dev/null || true)"
	dns="$(printf '%s\n' "$log" | sed -n 's/.*| dns \([0-9.:]*\).*/\1/p' | tail -1)"
	seeds="$(printf '%s\n' "$log" | sed -n 's/.*| seed \(http[^ ]*\).*/\1/p' | tr '\n' ' ')"
	[ -n "$dns" ] && [ -n "$seeds" ] && break
	sleep 1
done
if [ -z "$dns" ] || [ -z "$seeds" ]; then
	echo "simweb printed no dns/seed lines; its log:" >&2
	"${dc[@]}" logs --no-color simweb >&2
	exit 1
fi
printf 'SIMWEB_DNS=%s\nSIMWEB_SEEDS=%s\n' "$dns" "${seeds% }" > "$deploy/.env"
cat "$deploy/.env"

"${dc[@]}" --env-file "$deploy/.env" up -d "$@"
"${dc[@]}" --env-file "$deploy/.env" ps
