#!/usr/bin/env bash
# Load test of `chronicle serve` on loopback: 50 connections, at least
# 10,000 requests over a mix of pages, then checks there were no errors and
# that the server's memory stayed bounded. Run by `make loadtest`.
#
#   scripts/loadtest.sh [SITE_ROOT]      # default: this repository's sample
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:-.}
if ! command -v wrk >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq wrk
fi
scripts/release.sh -q
bin=${CARGO_TARGET_DIR:-target}/pgo/release/chronicle
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
"$bin" serve --root "$root" --port 0 >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 100); do
  addr=$(sed -n 's|.*serving at http://\([^/ ]*\)/.*|\1|p' "$work/out" | head -1)
  [ -n "$addr" ] && break
  sleep 0.1
done
[ -n "${addr:-}" ] || { echo "serve did not start"; cat "$work/err"; exit 1; }
cat >"$work/mix.lua" <<'LUA'
local paths = {"/", "/reports/2023-w16.html", "/reports/2023-w50.html", "/metrics.html",
               "/projects.html", "/incidents.html", "/static/style.css", "/data/metrics.json", "/nope.html"}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
LUA
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
before=$(rss)
wrk -t2 -c50 -d10s -s "$work/mix.lua" "http://$addr" | tee "$work/wrk"
requests=$(awk '/requests in/ {print $1}' "$work/wrk")
# /nope.html is a 404 on purpose (one path in nine); anything else non-2xx,
# or any socket error, is a failure.
non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/wrk"); non2xx=${non2xx:-0}
sockerr=$(grep -c "Socket errors" "$work/wrk" || true)
peak=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
after=$(rss)
expected404=$((requests / 9 + 1))
echo "requests=$requests non2xx=$non2xx (expected 404s ≈ $expected404) socket_errors=$sockerr rss_before=${before}KB rss_after=${after}KB peak=${peak}KB"
fail=0
[ "$requests" -ge 10000 ] || { echo "FAIL: fewer than 10,000 requests"; fail=1; }
[ "$sockerr" -eq 0 ] || { echo "FAIL: socket errors"; fail=1; }
[ "$non2xx" -le "$((expected404 + 1))" ] || { echo "FAIL: unexpected error responses"; fail=1; }
[ "$peak" -lt 262144 ] || { echo "FAIL: peak memory above 256 MiB"; fail=1; }
kill -0 "$pid" || { echo "FAIL: server died"; fail=1; }
[ $fail -eq 0 ] && echo "loadtest: ok"
exit $fail
