#!/usr/bin/env bash
# glass-get (glass's TCP) against Linux servers in the namespace: a 100 MB
# file (20 MB in a sanitizer build) from python3 -m http.server with a
# matching sha256; then, from tests/net/http_server.py, a chunked body, a
# body delimited by the close, redirects (a path, an absolute URL, a
# relative one with dots), a redirect loop (exit 47), a body cut short
# (exit 18, no file left), a malformed chunked body (exit 8), a server that
# never answers (exit 28 after -w); a refused connection (exit 7 and the
# message); HTTP 404 (exit 22 and "glass-get: HTTP 404 ..."); bad usage
# (exit 2).
set -euo pipefail
# shellcheck source=tests/net/http.sh
. "$(dirname "${BASH_SOURCE[0]}")/http.sh"

http_setup http-get
K=$GLASS_KERNEL_ADDR
W=$SCRATCH/www
mkdir -p "$W"
MB=$(big_mb 100 20)
random_file "$W/big.bin" "$MB"
random_file "$SCRATCH/small.bin" 1
note "files: big.bin ($MB MiB) for http.server, small.bin (1 MiB) for http_server.py"

LINUX_PORT=8000
linux_server http.server python3 -m http.server --bind "$K" --directory "$W" 8000
LINUX_PORT=8002
linux_server http_server.py python3 "$GLASS_ROOT/tests/net/http_server.py" "$K" 8002 "$SCRATCH/small.bin"

# ---- the big file from python3 -m http.server --------------------------------------
run_get big -q -o "$SCRATCH/big.out" "http://$K:8000/big.bin"
expect_eq "glass-get big.bin: exit status" "$rc" 0
expect_eq "big.bin size" "$(stat -c %s "$SCRATCH/big.out" 2>/dev/null || echo none)" "$((MB * 1048576))"
expect_eq "big.bin sha256" "$(sha "$SCRATCH/big.out" 2>/dev/null || echo none)" "$(sha "$W/big.bin")"
note "$MB MiB in ${took} s"
rm -f "$SCRATCH/big.out"

# To stdout: a directory listing from http.server.
run_get listing -q "http://$K:8000/"
expect_eq "glass-get / to stdout: exit status" "$rc" 0
has_line "the listing names big.bin" "$OUT/listing.out" 'big\.bin'

# ---- body framings ---------------------------------------------------------------
want=$(sha "$SCRATCH/small.bin")
for path in chunked length close; do
    run_get "$path" -q -o "$SCRATCH/$path.out" "http://$K:8002/$path"
    expect_eq "/$path: exit status" "$rc" 0
    expect_eq "/$path: sha256" "$(sha "$SCRATCH/$path.out" 2>/dev/null || echo none)" "$want"
done

# ---- redirects ---------------------------------------------------------------------
run_get redirect -q -v -o "$SCRATCH/redirect.out" "http://$K:8002/redirect"
expect_eq "302 to a path: exit status" "$rc" 0
expect_eq "302 to a path: the chunked body" "$(sha "$SCRATCH/redirect.out" 2>/dev/null || echo none)" "$want"
run_get redirect-abs -q -v -o "$SCRATCH/redirect-abs.out" "http://$K:8002/redirect-abs"
expect_eq "301 absolute, then 307 relative: exit status" "$rc" 0
expect_eq "... the body" "$(sha "$SCRATCH/redirect-abs.out" 2>/dev/null || echo none)" "$want"
has_line "... went through /redirect-rel/x" "$OUT/redirect-abs.err" '^\* redirected to http://10\.0\.0\.1:8002/redirect-rel/x$'
has_line "... and resolved ../chunked?from=rel" "$OUT/redirect-abs.err" '^\* redirected to http://10\.0\.0\.1:8002/chunked\?from=rel$'
run_get loop -q "http://$K:8002/loop"
expect_eq "a redirect loop: exit status" "$rc" 47
has_line "... says so" "$OUT/loop.err" 'more than 5 redirects'

# ---- failures ----------------------------------------------------------------------
run_get short -q -o "$SCRATCH/short.out" "http://$K:8002/short"
expect_eq "a body cut short: exit status" "$rc" 18
has_line "... says how much came" "$OUT/short.err" 'ended after [0-9]+ of the promised body bytes'
if [ -e "$SCRATCH/short.out" ]; then fail "the partial file was left behind"; else pass "no partial file left"; fi
run_get badchunk -q "http://$K:8002/bad-chunked"
expect_eq "a malformed chunked body: exit status" "$rc" 8
run_get notfound -q "http://$K:8000/nope"
expect_eq "HTTP 404: exit status" "$rc" 22
has_line "HTTP 404: the message" "$OUT/notfound.err" '^glass-get: HTTP 404 '
expect_eq "HTTP 404: nothing on stdout" "$(stat -c %s "$OUT/notfound.out")" 0
run_get refused -q "http://$K:8001/"
expect_eq "connection refused: exit status" "$rc" 7
has_line "connection refused: the message" "$OUT/refused.err" \
    '^glass-get: connect to 10\.0\.0\.1 port 8001: Connection refused$'
expect_eq "connection refused: one line" "$(wc -l <"$OUT/refused.err")" 1
run_get slow -q -w 2 "http://$K:8002/slow"
expect_eq "a server that never answers, -w 2: exit status" "$rc" 28
if [ "$took" -le 10 ]; then pass "gave up in ${took}s (<= 10)"; else fail "took ${took}s to give up"; fi
has_line "timeout: the message" "$OUT/slow.err" '^glass-get: timed out after 2 s'

# ---- usage ------------------------------------------------------------------------
run_get nourl
expect_eq "no URL: exit status" "$rc" 2
run_get https "https://$K/"
expect_eq "an https URL: exit status" "$rc" 2
has_line "an https URL: the message" "$OUT/https.err" 'https is not supported'
run_get badport "http://$K:99999/"
expect_eq "port 99999: exit status" "$rc" 2
run_get badw -w soon "http://$K/"
expect_eq "-w soon: exit status" "$rc" 2

net_done
