#!/usr/bin/env bash
# curl (Linux's TCP) against glass-httpd (glass's TCP): the index page and
# a 100 MB file (20 MB in a sanitizer build) with matching sha256; HEAD;
# a directory listing and the redirect to its '/'; 404; 405 with Allow;
# 414; malformed requests (400); two pipelined requests on one connection
# (keep-alive) and HTTP/1.0 closing; and every way of reaching outside the
# root (.., %2e%2e, encoded slashes, backslashes, a symlink out) refused
# while the server keeps serving.  Then the default root (no --root) is
# the www/ page of the source tree.
set -euo pipefail
# shellcheck source=tests/net/http.sh
. "$(dirname "${BASH_SOURCE[0]}")/http.sh"

http_setup http-curl
G=$GLASS_STACK_ADDR
W=$SCRATCH/www
mkdir -p "$W/sub/deeper"
cp "$GLASS_ROOT/www/index.html" "$W/index.html"
MB=$(big_mb 100 20)
random_file "$W/big.bin" "$MB"
echo "hello from a text file" >"$W/sub/a.txt"
echo "<b>" >"$W/sub/<odd & name>.txt"
ln -s /etc/passwd "$W/passwd-link"
note "files: index.html, big.bin ($MB MiB), sub/, a symlink to /etc/passwd"

httpd_start --root "$W"
httpd_wait_ready

# curl_get TAG URL [CURL ARGS...]: sets code; body in $SCRATCH/TAG.body,
# head in $OUT/TAG.head.
curl_get() {
    local tag=$1 url=$2
    shift 2
    code=$(in_ns curl -s --max-time 60 -D "$OUT/$tag.head" -o "$SCRATCH/$tag.body" \
        -w '%{http_code}' "$@" "$url" || true)
    note "\$ curl $* ${url:0:100}$([ ${#url} -le 100 ] || echo "...(${#url} bytes)")   -> $code"
}
header() { # TAG NAME: the value of a response header (CR removed)
    awk -v n="$2" 'BEGIN { IGNORECASE = 1 } tolower($1) == tolower(n) ":" { sub(/^[^:]*: */, ""); sub(/\r$/, ""); print }' "$OUT/$1.head" | tail -n 1
}

# ---- the index page ------------------------------------------------------------
curl_get index "http://$G/"
expect_eq "GET / status" "$code" 200
expect_eq "GET / body is index.html" "$(sha "$SCRATCH/index.body")" "$(sha "$W/index.html")"
expect_eq "GET / Content-Type" "$(header index Content-Type)" "text/html; charset=utf-8"
expect_eq "GET / Content-Length" "$(header index Content-Length)" "$(stat -c %s "$W/index.html")"

# ---- the big file --------------------------------------------------------------
start=$SECONDS
curl_get big "http://$G/big.bin"
expect_eq "GET /big.bin status" "$code" 200
expect_eq "GET /big.bin size" "$(stat -c %s "$SCRATCH/big.body")" "$((MB * 1048576))"
expect_eq "GET /big.bin sha256" "$(sha "$SCRATCH/big.body")" "$(sha "$W/big.bin")"
note "$MB MiB in $((SECONDS - start)) s"
rm -f "$SCRATCH/big.body"

# ---- HEAD (RFC 9110 9.3.2): the GET's head, no body ----------------------------
curl_get head "http://$G/big.bin" -I
expect_eq "HEAD /big.bin status" "$code" 200
expect_eq "HEAD Content-Length" "$(header head Content-Length)" "$((MB * 1048576))"

# ---- directories ---------------------------------------------------------------
curl_get dir "http://$G/sub/"
expect_eq "GET /sub/ (no index.html) status" "$code" 200
has_line "listing links a.txt" "$SCRATCH/dir.body" 'href="a\.txt"'
has_line "listing links deeper/" "$SCRATCH/dir.body" 'href="deeper/"'
has_line "listing escapes a name with <, & in it" "$SCRATCH/dir.body" \
    'href="%3Codd%20%26%20name%3E\.txt">&lt;odd &amp; name&gt;\.txt'
curl_get dirslash "http://$G/sub"
expect_eq "GET /sub status (a directory without /)" "$code" 301
expect_eq "GET /sub Location" "$(header dirslash Location)" "/sub/"
curl_get file "http://$G/sub/a.txt"
expect_eq "GET /sub/a.txt" "$code $(cat "$SCRATCH/file.body")" "200 hello from a text file"
expect_eq "GET /sub/a.txt Content-Type" "$(header file Content-Type)" "text/plain; charset=utf-8"

# ---- errors --------------------------------------------------------------------
curl_get nope "http://$G/nope.html"
expect_eq "GET /nope.html status" "$code" 404
has_line "404 has a body that says so" "$SCRATCH/nope.body" '404 Not Found'
curl_get post "http://$G/" -X POST -d x=1
expect_eq "POST / status" "$code" 405
expect_eq "405 Allow" "$(header post Allow)" "GET, HEAD"
curl_get delete "http://$G/index.html" -X DELETE
expect_eq "DELETE status" "$code" 405
curl_get brew "http://$G/" -X BREW
expect_eq "BREW (unknown method) status" "$code" 501
long=$(head -c 9000 /dev/zero | tr '\0' a)
curl_get long "http://$G/$long"
expect_eq "9000-byte target status" "$code" 414

# raw TAG BYTES: send BYTES on one connection, read the reply until the
# server closes (5 s at most); reply in $OUT/TAG.raw.
raw() {
    in_ns python3 - "$G" "$2" >"$OUT/$1.raw" 2>&1 <<'EOF' || true
import socket, sys, time
s = socket.create_connection((sys.argv[1], 80), timeout=5)
s.sendall(sys.argv[2].encode("latin-1").decode("unicode_escape").encode("latin-1"))
out = b""
end = time.time() + 5
try:
    while time.time() < end:
        b = s.recv(65536)
        if not b:
            out += b"<EOF>"
            break
        out += b
except socket.timeout:
    out += b"<TIMEOUT>"
sys.stdout.write(out.decode("latin-1"))
EOF
    note "raw $1: $(head -n 1 "$OUT/$1.raw" | tr -d '\r')"
}
status_lines() { grep -c '^HTTP/1.1 ' "$OUT/$1.raw" || true; }

raw garbage 'GARBAGE\r\n\r\n'
has_line "a request line without target and version gets 400" "$OUT/garbage.raw" '^HTTP/1.1 400 Bad Request'
has_line "... and the connection is closed" "$OUT/garbage.raw" '<EOF>'
raw nohost 'GET / HTTP/1.1\r\n\r\n'
has_line "HTTP/1.1 without Host gets 400 (RFC 9112 3.2)" "$OUT/nohost.raw" '^HTTP/1.1 400 '
raw fold 'GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n'
has_line "obs-fold gets 400 (RFC 9112 5.2)" "$OUT/fold.raw" '^HTTP/1.1 400 '
raw v2 'GET / HTTP/2.0\r\nHost: x\r\n\r\n'
has_line "HTTP/2.0 request line gets 505" "$OUT/v2.raw" '^HTTP/1.1 505 '
raw pipeline 'GET /sub/a.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /sub/a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
expect_eq "two pipelined requests on one connection: responses" "$(status_lines pipeline)" 2
expect_eq "... both bodies" "$(grep -c 'hello from a text file' "$OUT/pipeline.raw" || true)" 2
has_line "... closed after the one that said close" "$OUT/pipeline.raw" '<EOF>'
raw keep 'GET /sub/a.txt HTTP/1.1\r\nHost: x\r\n\r\n'
has_line "HTTP/1.1 without close keeps the connection open" "$OUT/keep.raw" '<TIMEOUT>'
raw head 'HEAD /sub/a.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /sub/a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
expect_eq "HEAD then GET on one connection: responses" "$(status_lines head)" 2
expect_eq "... one body only, the GET's (HEAD sends none)" "$(grep -c 'hello from a text file' "$OUT/head.raw" || true)" 1
raw http10 'GET /sub/a.txt HTTP/1.0\r\n\r\n'
has_line "HTTP/1.0 is answered" "$OUT/http10.raw" '^HTTP/1.1 200 OK'
has_line "HTTP/1.0 without keep-alive is closed" "$OUT/http10.raw" '<EOF>'

# ---- path traversal: refused, nothing of /etc/passwd comes back -----------------
for p in '/../etc/passwd' '/../../../../etc/passwd' '/%2e%2e/%2e%2e/etc/passwd' \
    '/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd' '/sub/..%2f..%2f..%2fetc/passwd' '/.%2e/etc/passwd' \
    '/..%5c..%5cetc%5cpasswd' '/sub/%00/../index.html' '/passwd-link'; do
    curl_get trav "http://$G$p" --path-as-is
    case $code in
    400 | 404) pass "GET $p refused with $code" ;;
    *) fail "GET $p: status $code, expected 400 or 404" ;;
    esac
    if grep -q 'root:' "$SCRATCH/trav.body" 2>/dev/null; then
        fail "GET $p returned /etc/passwd"
    fi
done
raw backslash 'GET /..\\..\\etc\\passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
has_line "a target with backslashes gets 400" "$OUT/backslash.raw" '^HTTP/1.1 400 '
curl_get inside "http://$G/sub/../sub/./a.txt" --path-as-is
expect_eq "dots that stay inside the root are fine" "$code" 200

# ---- still serving ------------------------------------------------------------
curl_get again "http://$G/"
expect_eq "GET / after all that" "$code" 200
expect_eq "GET / body still index.html" "$(sha "$SCRATCH/again.body")" "$(sha "$W/index.html")"

httpd_stop
has_line "access log: the big GET" "$HTTPD_LOG" \
    "^10\\.0\\.0\\.1 - - \\[[^]]+\\] \"GET /big\\.bin HTTP/1\\.1\" 200 $((MB * 1048576))\$"
has_line "access log: the 404" "$HTTPD_LOG" '"GET /nope\.html HTTP/1\.1" 404 [0-9]+$'
has_line "access log: HEAD with no body bytes" "$HTTPD_LOG" '"HEAD /big\.bin HTTP/1\.1" 200 -$'
has_line "access log: the garbage line" "$HTTPD_LOG" '"GARBAGE" 400 '
expect_ge "tcp connections accepted (counter tcp.passive_opens)" "$(httpd_counter tcp.passive_opens)" 20

# ---- the default root -----------------------------------------------------------
httpd_start
httpd_wait_ready
curl_get default "http://$G/"
expect_eq "default root: GET / status" "$code" 200
expect_eq "default root: the page in www/" "$(sha "$SCRATCH/default.body")" "$(sha "$GLASS_ROOT/www/index.html")"
httpd_stop

net_done
