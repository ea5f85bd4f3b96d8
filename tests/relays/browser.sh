#!/bin/sh
# The relay site in a real browser: headless Chromium opens the front page,
# a relay page, a family page and the health dashboard of a generated
# 200-relay site, renders each to a screenshot and to its DOM. Skipped when
# Chromium (Debian `chromium`) is not installed. STRATA_SCREENSHOTS=DIR
# keeps the screenshots there.
set -u
STRATA="${STRATA:?set STRATA to the strata binary}"
. "$(dirname "$0")/../lib.sh"
# ok MSG CMD...: pass when CMD succeeds, else fail with MSG.
ok() {
	msg=$1
	shift
	if "$@"; then pass; else fail "$msg"; fi
}
require_testdata onionoo/generate_onionoo.py
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
	echo "SKIPPED: chromium is not installed"
	exit 77
fi

tmp=$(mktemp -d /tmp/strata-relays-browser-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
NOW='2026-11-23 12:00:00'
d="$tmp/data"
python3 "$(testdata onionoo/generate_onionoo.py)" "$d" 200 5 --now "$NOW" >/dev/null ||
	{ echo "FAIL: generator"; exit 1; }
run "$STRATA" relays build --out "$tmp/site" --details "$d/details.json" --uptime "$d/uptime.json" \
	--bandwidth "$d/bandwidth.json" --aroi "$d/aroi.json" --now "$NOW"
expect_status 0
site="$tmp/site"
shots="${STRATA_SCREENSHOTS:-$tmp/shots}"
mkdir -p "$shots"
family=$(find "$site/family" -mindepth 1 -maxdepth 1 | head -1)
relay=$(find "$site/relay" -mindepth 1 -maxdepth 1 | head -1)

# page, screenshot name, a text the rendered DOM must contain
check_page() {
	"$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --hide-scrollbars --window-size=1280,900 \
		--user-data-dir="$tmp/profile" --screenshot="$shots/$2.png" "file://$1" >/dev/null 2>&1
	size=$(wc -c <"$shots/$2.png" 2>/dev/null || echo 0)
	ok "$2: screenshot missing or blank ($size bytes)" [ "$size" -gt 20000 ]
	"$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --user-data-dir="$tmp/profile" \
		--dump-dom "file://$1" >"$tmp/dom.html" 2>/dev/null
	ok "$2: rendered page lacks '$3'" grep -qF -- "$3" "$tmp/dom.html"
	ok "$2: no shared stylesheet" grep -q 'rel="stylesheet" href="[./]*style.css"' "$tmp/dom.html"
}
CURRENT="chromium"
check_page "$site/index.html" index "<h1>Operator leaderboards</h1>"
check_page "$relay/index.html" relay "Fingerprint"
check_page "$family/index.html" family "<h2>Relays</h2>"
check_page "$site/network-health.html" network-health "<h1>Network health</h1>"
finish
