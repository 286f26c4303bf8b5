#!/usr/bin/env bash
# 200 curl clients at once against one glass-httpd: every one gets its
# 64 KiB file whole (sha256), the server logs 200 requests, and it is
# still there afterwards.  glass-httpd serves them all from one glass_poll
# loop over non-blocking sockets; the listen backlog (256) holds the
# connections it has not accepted yet.
set -euo pipefail
# shellcheck source=tests/net/http.sh
. "$(dirname "${BASH_SOURCE[0]}")/http.sh"

http_setup http-concurrent
G=$GLASS_STACK_ADDR
W=$SCRATCH/www
N=200
mkdir -p "$W" "$SCRATCH/got"
head -c 65536 /dev/urandom >"$W/file.bin"
echo "index" >"$W/index.html"

httpd_start --root "$W"
httpd_wait_ready

start=$SECONDS
# One shell in the namespace starts every curl (one ip netns exec, not 200).
# shellcheck disable=SC2016 # $1.. expand in the inner shell
in_ns bash -c '
    for i in $(seq 1 "$1"); do
        curl -s --max-time 60 -o "$2/got/$i" -w "%{http_code}\n" "http://$3/file.bin?client=$i" &
    done
    wait' _ "$N" "$SCRATCH" "$G" >"$OUT/codes" 2>"$OUT/curl.err" || true
took=$((SECONDS - start))
note "$N concurrent GETs finished in ${took}s"

expect_eq "clients answered 200" "$(grep -c '^200$' "$OUT/codes" || true)" "$N"
want=$(sha "$W/file.bin")
good=0
for i in $(seq 1 "$N"); do
    [ -f "$SCRATCH/got/$i" ] && [ "$(sha "$SCRATCH/got/$i")" = "$want" ] && good=$((good + 1))
done
expect_eq "bodies with the right sha256" "$good" "$N"

code=$(in_ns curl -s --max-time 10 -o /dev/null -w '%{http_code}' "http://$G/" || true)
expect_eq "GET / after the crowd" "$code" 200

httpd_stop
expect_eq "access log lines for file.bin" "$(grep -c '"GET /file.bin?client=[0-9]* HTTP/1.1" 200 65536$' "$HTTPD_LOG" || true)" "$N"
expect_ge "tcp.passive_opens" "$(httpd_counter tcp.passive_opens)" "$N"

net_done
