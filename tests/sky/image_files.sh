#!/bin/sh
# image_files.sh - thumbnail, cutout and FITS download of the real image
# ../shared/data/radio/aegean/1904-66_SIN.fits through the API; a table-only
# FITS file is 422; files outside the roots are refused.
. "$STRATA_SOURCE_DIR/tests/lib.sh"
require_testdata radio/aegean/1904-66_SIN.fits
command -v curl >/dev/null || { echo "SKIPPED: curl not installed"; exit 77; }
command -v sqlite3 >/dev/null || { echo "SKIPPED: sqlite3 not installed"; exit 77; }
data=$(cd "$(dirname "$(testdata radio/aegean/1904-66_SIN.fits)")" && pwd)

dir=$(mktemp -d /tmp/strata-sky-img-XXXXXX)
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
cat >"$dir/sky.toml" <<EOT
catalog = "$dir/sky.db"
[server]
read_open = true
[paths]
roots = ["$data"]
EOT
run "$STRATA" sky seed --catalog "$dir/sky.db" --ms 2 --images 3 --sources 1 --photometry 1
expect_status 0
sqlite3 "$dir/sky.db" "UPDATE images SET path = '$data/1904-66_SIN.fits' WHERE id = 1;
  UPDATE images SET path = '$data/1904_comp.fits' WHERE id = 2;
  UPDATE images SET path = '$STRATA_SOURCE_DIR/README.md' WHERE id = 3;"
"$STRATA" sky serve --config "$dir/sky.toml" --port 0 >"$dir/serve.out" 2>"$dir/serve.err" &
pid=$!
port=$(listening_port "$dir/serve.out" "$dir/serve.err") ||
	{ fail "server did not start"; finish; exit 1; }
base="http://127.0.0.1:$port"
get() { # PATH FILE -> "status type"
	curl -s -o "$2" -w '%{http_code} %{content_type}' "$base$1"
}
expect_eq() {
	CURRENT="$1"
	if [ "$2" = "$3" ]; then pass; else fail "got '$2', expected '$3'"; fi
}

expect_eq "thumbnail" "$(get '/api/v1/images/1/thumbnail?size=128' "$dir/t.png")" "200 image/png"
expect_eq "PNG signature" "$(head -c 4 "$dir/t.png" | tail -c 3)" "PNG"
expect_eq "zscale" "$(get '/api/v1/images/1/thumbnail?stretch=zscale' "$dir/z.png")" "200 image/png"
expect_eq "cutout" "$(get '/api/v1/images/1/cutout?ra=284.9&dec=-66.3&size=120' "$dir/c.fits")" "200 application/fits"
expect_eq "cutout is FITS" "$(head -c 30 "$dir/c.fits" | tr -s ' ')" "SIMPLE = T"
CURRENT="cutout size"
grep -q 'NAXIS1  =                   31' "$dir/c.fits" && pass || fail "not 31 pixels wide"
expect_eq "cutout off the image" "$(get '/api/v1/images/1/cutout?ra=10&dec=30' "$dir/x")" "400 application/json"
expect_eq "download" "$(get /api/v1/images/1/fits "$dir/d.fits")" "200 application/fits"
CURRENT="download is the file"
cmp -s "$dir/d.fits" "$data/1904-66_SIN.fits" && pass || fail "downloaded bytes differ"
expect_eq "a table is not an image" "$(get /api/v1/images/2/thumbnail "$dir/x")" "422 application/json"
expect_eq "outside the roots" "$(get /api/v1/images/3/thumbnail "$dir/x")" "403 application/json"
finish
