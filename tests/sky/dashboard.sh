#!/bin/sh
# dashboard.sh - the dashboard in headless Chromium: the page loads its
# script under the page's CSP, reads the API with the key from the URL
# fragment, fills pipeline counts, the image and job tables and the sky map;
# a screenshot is written ($SKY_SCREENSHOT, default in a temp dir).
. "$STRATA_SOURCE_DIR/tests/lib.sh"
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "SKIPPED: chromium not installed"; exit 77; }

dir=$(mktemp -d /tmp/strata-sky-dash-XXXXXX)
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
cat >"$dir/sky.toml" <<EOT
catalog = "$dir/sky.db"
[[server.keys]]
name = "viewer"
key = "viewer-key-0123456789"
scopes = ["read"]
EOT
run "$STRATA" sky seed --catalog "$dir/sky.db" --ms 30 --images 300 --sources 5 --photometry 50
expect_status 0
"$STRATA" sky serve --config "$dir/sky.toml" --port 0 >"$dir/serve.out" 2>"$dir/serve.err" &
pid=$!
port=$(listening_port "$dir/serve.out" "$dir/serve.err") ||
	{ fail "server did not start"; finish; exit 1; }
url="http://127.0.0.1:$port/dashboard"
chrome() {
	timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
		--user-data-dir="$dir/profile" --virtual-time-budget=5000 "$@" 2>>"$dir/chrome.err"
}

CURRENT="dashboard DOM"
chrome --dump-dom "$url#key=viewer-key-0123456789" >"$OUT" || true
expect_stdout_contains '300 images, 30 measurement sets'
expect_stdout_contains '<td>/data/images/img0000300.fits</td>'
expect_stdout_contains 'class="excellent">excellent</td>'
CURRENT="sky map points"
n=$(grep -o '<circle' "$OUT" | wc -l)
[ "$n" -eq 300 ] && pass || fail "$n points on the sky map, expected 300"
CURRENT="without the key"
chrome --dump-dom "$url" >"$OUT" || true
expect_stdout_contains ': HTTP 401'

shot=${SKY_SCREENSHOT:-$dir/dashboard.png}
CURRENT="screenshot"
chrome --window-size=1280,900 --screenshot="$shot" "$url#key=viewer-key-0123456789" >/dev/null || true
size=$(wc -c <"$shot" 2>/dev/null || echo 0)
[ "$size" -gt 10000 ] && pass || fail "screenshot $shot has $size bytes"
finish
