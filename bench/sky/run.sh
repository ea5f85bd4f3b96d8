#!/bin/sh
# bench/sky/run.sh - load test of `strata sky serve` with wrk (Debian `wrk`).
#
#   bench/sky/run.sh [STRATA_BINARY]     (default build/strata)
#
# Seeds 100000 images, 10000 measurement sets, 10000 sources and 1000000
# photometry rows into SQLite (and PostgreSQL when $STRATA_TEST_PG_URL is
# set, in a scratch schema), starts the server on a free port, runs
# `wrk -t2 -c50 -d$DURATION` (default 10 s) against an image list of 100,
# an image detail, a light curve and the health route, and prints one line
# per run: backend, route, requests/s, p50, p99, errors (non-2xx + socket).
# Set SKY_BENCH_DB to reuse a seeded SQLite catalog, SKY_BENCH_PG_SCHEMA to
# reuse a seeded schema of $STRATA_TEST_PG_URL (kept), SKY_BENCH_POOL for the
# catalog pool size (default: the server's, 4 per CPU, 8..32),
# SKY_BENCH_CACHE_MB for the response cache (default: the server's, 64 MiB;
# 0 turns it off). Each route is warmed for 1 s (pool connections opened,
# statements prepared, the answer cached) first. wrk repeats one URL per
# route, so with the cache on every measured request after the first is a
# hit: the figures are those of a catalog that does not change meanwhile.
set -eu
strata=${1:-build/strata}
duration=${DURATION:-10s}
command -v wrk >/dev/null || { echo "bench/sky: wrk not installed (apt-get install wrk)" >&2; exit 77; }
dir=$(mktemp -d /tmp/strata-sky-bench-XXXXXX)
pid=""
schema="${SKY_BENCH_PG_SCHEMA:-sky_bench_$$}"
pool=${SKY_BENCH_POOL:-}
cache_mb=${SKY_BENCH_CACHE_MB:-}
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	if [ -n "${STRATA_TEST_PG_URL:-}" ] && [ -z "${SKY_BENCH_PG_SCHEMA:-}" ]; then
		psql -q "$STRATA_TEST_PG_URL" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

seed() { # catalog
	"$strata" sky seed --catalog "$1" --ms 10000 --images 100000 --sources 10000 --photometry 1000000
}

serve() { # catalog pool
	cat >"$dir/sky.toml" <<EOT
catalog = "$1"
[server]
read_open = true
threads = 64
${2:+pool_size = $2}
${cache_mb:+cache_mb = $cache_mb}
EOT
	"$strata" sky serve --config "$dir/sky.toml" --port 0 >"$dir/serve.out" 2>"$dir/serve.err" &
	pid=$!
	i=0
	while ! grep -q 'listening on [0-9]' "$dir/serve.out" 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 100 ] && { cat "$dir/serve.err" >&2; exit 1; }
		sleep 0.1
	done
	port=$(awk '/listening on/{print $3}' "$dir/serve.out")
}

# wrk_line BACKEND NAME PATH
wrk_line() {
	wrk -t2 -c50 -d1s "http://127.0.0.1:$port$3" >/dev/null 2>&1 || true
	wrk -t2 -c50 -d"$duration" --latency "http://127.0.0.1:$port$3" >"$dir/wrk.out" 2>&1 || true
	awk -v b="$1" -v n="$2" -v load="$(cut -d' ' -f1 /proc/loadavg)" '
		/Requests\/sec/ { rps = $2 }
		/^ +50%/ { p50 = $2 }
		/^ +99%/ { p99 = $2 }
		/Non-2xx/ { non2xx = $NF }
		/Socket errors/ { split($0, a, /[ ,]+/); for (i = 1; i <= length(a); i++) if (a[i] ~ /^[0-9]+$/) sock += a[i] }
		END { printf "sky %-8s %-12s %10.0f req/s  p50 %-9s p99 %-9s errors %d  load %s\n", b, n, rps, p50, p99, non2xx + sock, load }
	' "$dir/wrk.out"
}

run_all() { # backend
	wrk_line "$1" list100 "/api/v1/images?limit=100"
	wrk_line "$1" detail "/api/v1/images/54321"
	wrk_line "$1" lightcurve "/api/v1/sources/777/lightcurve"
	wrk_line "$1" health "/api/v1/health"
}

db=${SKY_BENCH_DB:-$dir/sky.db}
[ -f "$db" ] || seed "$db"
serve "$db" "$pool"
run_all sqlite
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""

if [ -n "${STRATA_TEST_PG_URL:-}" ]; then
	case "$STRATA_TEST_PG_URL" in *\?*) sep='&' ;; *) sep='?' ;; esac
	url="$STRATA_TEST_PG_URL${sep}options=-c%20search_path%3D$schema"
	if [ -z "${SKY_BENCH_PG_SCHEMA:-}" ]; then
		psql -q "$STRATA_TEST_PG_URL" -c "CREATE SCHEMA $schema" >/dev/null
		seed "$url"
	fi
	serve "$url" "$pool"
	run_all postgres
fi
