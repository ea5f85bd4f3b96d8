#!/bin/sh
# `strata relays build` end to end on a generated 200-relay network: pages
# exist, two builds are byte-identical, no internal link is broken, hostile
# strings are escaped, nothing is written outside --out, bad relays are
# skipped with their reasons (exit 3), and a truncated details.json fails
# clearly (exit 1) leaving the previous site in place.
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

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/strata-relays-build-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
data="$tmp/data"
NOW='2026-11-23 12:00:00'
python3 "$(testdata onionoo/generate_onionoo.py)" "$data" 200 11 --now "$NOW" >/dev/null ||
	{ echo "FAIL: generator"; exit 1; }

B() { "$STRATA" relays build --details "$data/details.json" --uptime "$data/uptime.json" \
	--bandwidth "$data/bandwidth.json" --aroi "$data/aroi.json" --now "$NOW" "$@"; }

# --- a full build -------------------------------------------------------------
mkdir "$tmp/sandbox"
run B --out "$tmp/sandbox/site" --jobs 2
expect_status 0
expect_stdout_contains "pages"
site="$tmp/sandbox/site"
for f in index.html top500.html network-health.html style.css search-index.json \
	misc/all.html misc/families-by-bandwidth.html misc/contacts-by-first-seen.html \
	misc/networks-by-exit-consensus-weight.html misc/countries-by-total-data.html \
	misc/platforms-by-unique-as-count.html flag/running/index.html flag/guard/index.html \
	platform/Linux/index.html country/DE/index.html; do
	if [ -f "$site/$f" ]; then pass; else fail "missing $f"; fi
done
nrelay=$(find "$site/relay" -mindepth 1 -maxdepth 1 -type d | wc -l)
ok "only $nrelay relay pages" [ "$nrelay" -gt 150 ]
ok "contacts" [ "$(find "$site/contact" -mindepth 1 -maxdepth 1 | wc -l)" -gt 10 ]
ok "families" [ "$(find "$site/family" -mindepth 1 -maxdepth 1 | wc -l)" -gt 0 ]
ok "AS" [ "$(find "$site/as" -mindepth 1 -maxdepth 1 -name 'AS*' | wc -l)" -gt 10 ]
ok "dates" [ "$(find "$site/first_seen" -mindepth 1 -maxdepth 1 | wc -l)" -gt 10 ]
ok "search-index.json is not valid JSON" python3 -c \
	'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["relays"]) > 150' \
	"$site/search-index.json"

# golden pages: the generator is deterministic (seed 11, --now), so these
# pages must match tests/relays/golden/ byte for byte. After an intended
# change of the pages, refresh them with STRATA_UPDATE_GOLDEN=1 and review
# the diff.
golden="$here/golden"
for pair in index.html:index.html network-health.html:network-health.html style.css:style.css \
	misc/families-by-bandwidth.html:families-by-bandwidth.html \
	relay/FD242B12B619CDDC08871B2325FEA1C4074B287B/index.html:relay.html \
	family/00694CA793A1DDDF721F68E9D579B0767F58758A/index.html:family.html; do
	page=${pair%%:*}
	want="$golden/${pair#*:}"
	if [ "${STRATA_UPDATE_GOLDEN:-0}" = 1 ]; then
		mkdir -p "$golden" && cp "$site/$page" "$want"
	fi
	if diff -u "$want" "$site/$page" >"$tmp/golden.diff" 2>&1; then
		pass
	else
		head -40 "$tmp/golden.diff"
		fail "$page differs from $want (STRATA_UPDATE_GOLDEN=1 refreshes it)"
	fi
done

# one page per distinct family, not one per member
ok "family pages" python3 - "$data/details.json" "$site" <<'PY'
import json, os, sys
d = json.load(open(sys.argv[1]))
fams = {tuple(sorted(set(r.get("effective_family", [])) | {r["fingerprint"]}))
        for r in d["relays"] if len(set(r.get("effective_family", [])) | {r["fingerprint"]}) > 1}
pages = len(os.listdir(os.path.join(sys.argv[2], "family")))
assert 0 < pages <= len(fams), (pages, len(fams))
PY

# --- --base-url: vanity links for operators with a valid AROI proof ---------------
run B --out "$tmp/vanity" --base-url 'https://aroi.example/"x'
expect_status 0
ok "no vanity link on the leaderboards" grep -rq 'href="https://aroi.example/&quot;x/op[0-9]*\.example[a-z.]*/"' "$tmp/vanity/index.html"
# each linked operator has its page at <domain>/ in the site, one level deep
vanity=$(grep -o 'href="https://aroi.example/&quot;x/[^"/]*/"' "$tmp/vanity/index.html" | head -1 |
	sed 's|.*&quot;x/\([^"/]*\)/"|\1|')
ok "no vanity page for '$vanity'" [ -n "$vanity" ] && [ -f "$tmp/vanity/$vanity/index.html" ]
ok "vanity page links" grep -q 'href="../style.css"' "$tmp/vanity/$vanity/index.html"
run python3 "$here/linkcheck.py" "$tmp/vanity"
expect_status 0
expect_stdout_contains " 0 broken"
rm -rf "$tmp/vanity"

# --- a killed build's temporary folder is removed by the next build ------------------
# only unlocked folders of the exact pattern: not a held one, a near miss, a link
mkdir -p "$tmp/stale/site.tmp-AbC123/relay" "$tmp/stale/site.tmp-AbC12" \
	"$tmp/stale/site.tmp-Hld123" "$tmp/elsewhere"
: >"$tmp/elsewhere/keep"
ln -s "$tmp/elsewhere" "$tmp/stale/site.tmp-Lnk123"
# a running build's folder: held locked by a process that is the sleep itself
(
	exec 9<"$tmp/stale/site.tmp-Hld123"
	flock 9 && exec sleep 600
) &
holder=$!
for _ in $(seq 50); do
	flock -n "$tmp/stale/site.tmp-Hld123" true || break
	sleep 0.1
done
run B --out "$tmp/stale/site"
expect_status 0
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
left=$(find "$tmp/stale" -mindepth 1 -maxdepth 1 -name 'site*' -exec basename {} \; | sort | tr '\n' ' ')
ok "left after the build: $left" [ "$left" = "site site.tmp-AbC12 site.tmp-Hld123 site.tmp-Lnk123 " ]
ok "the link's target was touched" [ -f "$tmp/elsewhere/keep" ]
rm -rf "$tmp/stale" "$tmp/elsewhere"

# --- golden semantics: an independent Python reference of the original's rules -----
run python3 "$here/reference.py" "$data/details.json" "$site" "$NOW" 7
expect_status 0
expect_stdout_contains " 0 mismatches"
run B --out "$tmp/keep-all" --filter-downtime 0
expect_status 0
run python3 "$here/reference.py" "$data/details.json" "$tmp/keep-all" "$NOW" 0
expect_status 0
expect_stdout_contains " 0 mismatches"
rm -rf "$tmp/keep-all"

# --- reproducible byte for byte -------------------------------------------------
run B --out "$tmp/sandbox/again" --jobs 1
expect_status 0
if diff -r "$site" "$tmp/sandbox/again" >/dev/null; then pass; else fail "two builds differ"; fi

# SOURCE_DATE_EPOCH stands in for --now: the same site
epoch=$(date -u -d "$NOW" +%s)
run env SOURCE_DATE_EPOCH="$epoch" "$STRATA" relays build --details "$data/details.json" \
	--uptime "$data/uptime.json" --bandwidth "$data/bandwidth.json" --aroi "$data/aroi.json" \
	--out "$tmp/epoch"
expect_status 0
if diff -r "$site" "$tmp/epoch" >/dev/null; then pass; else fail "SOURCE_DATE_EPOCH build differs"; fi
rm -rf "$tmp/epoch"

# --display-bandwidth-units bytes: B/s multiples, no bit/s anywhere
run B --out "$tmp/bytes" --display-bandwidth-units bytes
expect_status 0
ok "bytes: no MB/s or GB/s on the front page" grep -Eq '[0-9] (MB|GB)/s' "$tmp/bytes/index.html"
if grep -rq 'bit/s' "$tmp/bytes"; then fail "bit/s with bytes units"; else pass; fi
ok "bits by default" grep -Eq '[0-9] (Mbit|Gbit)/s' "$site/index.html"
rm -rf "$tmp/bytes"

# --- links, escaping, confinement ---------------------------------------------
run python3 "$here/linkcheck.py" "$site"
expect_status 0
expect_stdout_contains " 0 broken"
if grep -rqi "<script" "$site"; then fail "unescaped <script in the site"; else pass; fi
ok "hostile contact not shown escaped" grep -rq "&lt;script&gt;" "$site"
if grep -rq "&amp;lt;" "$site"; then fail "double-escaped text"; else pass; fi
outside=$(find "$tmp/sandbox" -mindepth 1 -maxdepth 1 | sort | tr '\n' ' ')
ok "stray files: $outside" [ "$outside" = "$tmp/sandbox/again $tmp/sandbox/site " ]

# --- hostile relays: skipped, counted, site still built ---------------------------
token=$(basename "$tmp")
python3 - "$data/details.json" "$tmp/hostile.json" "$token" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
good = d["relays"][0]
bad = []
for change in ({"fingerprint": "../../../etc/passwd"}, {"consensus_weight": None},
               {"fingerprint": "ZZ" + good["fingerprint"][2:]}, {"first_seen": "yesterday"},
               {"flags": "Exit"}):
    r = dict(good); r.update(change); bad.append(r)
missing = dict(good); del missing["nickname"]; missing["fingerprint"] = "A" * 40
bad.append(missing)
evil = dict(good); evil["fingerprint"] = "B" * 40
evil["contact"] = "<script>alert(1)</script> ../../x \u0001\u0007 url:../../evil ciissversion:2 proof:uri-rsa"
evil["nickname"] = "<b>x</b>"; evil["platform"] = "Tor 0.4 on ../../../strata-evil-" + sys.argv[3]
evil["country"] = "de"; evil["as"] = "AS1"
d["relays"] = d["relays"] + bad + [evil]
json.dump(d, open(sys.argv[2], "w"))
PY

run "$STRATA" relays build --out "$tmp/sandbox/site" --details "$tmp/hostile.json" --now "$NOW"
expect_status 3
expect_stderr_contains "skipped 6 of 207 relays"
expect_stderr_contains "(../../../etc/passwd): fingerprint: expected 40 hexadecimal digits"
expect_stderr_contains "consensus_weight: expected a non-negative integer, got null"
expect_stderr_contains "nickname: missing"
expect_stderr_contains "first_seen: expected a timestamp"
expect_stderr_contains "flags: expected"
ok "evil relay" [ -f "$site/relay/BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB/index.html" ]
if grep -rqi "<script\|<b>x" "$site"; then fail "unescaped hostile text"; else pass; fi
ok "a path escaped --out" [ -z "$(find "$tmp" /tmp -maxdepth 3 -name "strata-evil-$token" 2>/dev/null)" ]
outside=$(find "$tmp/sandbox" -mindepth 1 -maxdepth 1 | sort | tr '\n' ' ')
ok "stray files: $outside" [ "$outside" = "$tmp/sandbox/again $tmp/sandbox/site " ]

# --- a truncated details.json fails and leaves the previous site ----------------
before=$(find "$site" -type f | sort | xargs cat | cksum)
head -c 100000 "$data/details.json" >"$tmp/truncated.json"
run "$STRATA" relays build --out "$site" --details "$tmp/truncated.json" --now "$NOW"
expect_status 1
expect_stderr_contains "truncated.json"
expect_stderr_contains "invalid JSON"
expect_stderr_contains "previous site is unchanged"
after=$(find "$site" -type f | sort | xargs cat | cksum)
ok "the previous site changed" [ "$before" = "$after" ]
outside=$(find "$tmp/sandbox" -mindepth 1 -maxdepth 1 | sort | tr '\n' ' ')
ok "stray files: $outside" [ "$outside" = "$tmp/sandbox/again $tmp/sandbox/site " ]

# --- documents over HTTP: cached, then the cached copy when the server is gone -----
python3 -u -m http.server --bind 127.0.0.1 --directory "$data" 0 >"$tmp/http.log" 2>&1 &
server=$!
port=""
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	port=$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$tmp/http.log" | head -1)
	[ -n "$port" ] && break
	sleep 0.25
done
if [ -n "$port" ]; then
	url="http://127.0.0.1:$port"
	run "$STRATA" relays build --out "$tmp/http-site" --details "$url/details.json" \
		--uptime "$url/uptime.json" --cache-dir "$tmp/cache" --now "$NOW"
	expect_status 0
	run "$STRATA" relays fetch --details "$url/details.json" --cache-dir "$tmp/cache"
	expect_status 0
	expect_stdout_contains "(not modified)"
	kill "$server"
	wait "$server" 2>/dev/null
	# the fallback after every retry failed (--retry-delay: short pauses)
	run "$STRATA" relays build --out "$tmp/http-site2" --details "$url/details.json" \
		--uptime "$url/uptime.json" --cache-dir "$tmp/cache" --now "$NOW" --retry-delay 10
	expect_status 0
	expect_stderr_contains "using the cached copy"
	ok "fallback site differs" diff -r "$tmp/http-site" "$tmp/http-site2" >/dev/null
	rm -rf "$tmp/http-site" "$tmp/http-site2"
else
	kill "$server" 2>/dev/null
	fail "the local HTTP server did not start"
fi

# --- usage errors -----------------------------------------------------------------
run "$STRATA" relays build --details "$data/details.json"
expect_status 2
run "$STRATA" relays build --out "$tmp/x" --details "$data/details.json" --display-bandwidth-units foo
expect_status 2
run "$STRATA" relays build --out "$tmp/x" --details "$data/details.json" --retry-delay -1
expect_status 2
run "$STRATA" relays build --out "$tmp/x" --details "$tmp/missing.json"
expect_status 1
expect_stderr_contains "missing.json"

finish
