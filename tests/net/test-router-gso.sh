#!/usr/bin/env bash
# Software GSO in a router (stack/offload_gso.c, RFC 1812):
#   hostA 10.0.1.2 -- tapA (plain) -- glass-router -- tapB (offloads) -- hostB
# hostB's kernel hands the router GSO frames of many MSS on tapB; tapA has
# no TSO, so the router cuts each one in software into wire segments.
# curl on hostA downloads 4 MB (2 MB in a sanitizer build) from hostB,
# digest checked; the router's counters show GSO frames received and cut,
# none dropped as malformed, and it exits cleanly on SIGTERM.
set -euo pipefail
# shellcheck source=tests/net/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUTER=$GLASS_BUILD/glass-router
LAB=$GLASS_ROOT/scripts/lab-router
glass_is_root || { echo "SKIP: needs root (network namespaces)"; exit 77; }
[ -c /dev/net/tun ] || { echo "SKIP: /dev/net/tun missing"; exit 77; }
[ -x "$ROUTER" ] || fatal "no glass-router in $GLASS_BUILD (build first)"
command -v curl >/dev/null || { echo "SKIP: curl missing (apt-get install curl)"; exit 77; }

LAB_PREFIX=${GLASS_NS_PREFIX:-glass-t-$$-}rgso-
A=${LAB_PREFIX}hostA
B=${LAB_PREFIX}hostB
if [ -n "${GLASS_NET_OUT:-}" ]; then
    OUT=$GLASS_NET_OUT/router-gso
    rm -rf "$OUT"
    mkdir -p "$OUT"
else
    OUT=$(mktemp -d /tmp/glass-net-router-gso.XXXXXX)
fi
GLASSD_ERR=$OUT/router.err # counter() reads the router's counters from here
SCRATCH=$(mktemp -d /tmp/glass-router-gso-www.XXXXXX)
HTTP_PID=

cleanup() {
    local rc=$?
    if [ -n "$HTTP_PID" ]; then
        kill -KILL "$HTTP_PID" 2>/dev/null || true
        wait "$HTTP_PID" 2>/dev/null || true
    fi
    GLASS_BUILD=$GLASS_BUILD "$LAB" down --prefix "$LAB_PREFIX" --out "$OUT" >/dev/null 2>&1 || true
    rm -rf "$SCRATCH"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

GLASS_BUILD=$GLASS_BUILD "$LAB" up --prefix "$LAB_PREFIX" --out "$OUT" --offload-a off \
    >"$OUT/lab.log" 2>&1 || { cat "$OUT/lab.log"; fatal "scripts/lab-router up failed"; }
note "lab: $(tr '\n' ';' <"$OUT/lab.log")"

if grep -q -- '--enable-sanitizers' "$GLASS_BUILD/config.status" 2>/dev/null; then MB=2; else MB=4; fi
head -c "$((MB * 1048576))" /dev/urandom >"$SCRATCH/big.bin"
# ip netns exec execs python: $! is the server itself.
ip netns exec "$B" python3 -m http.server 8080 --bind 10.0.2.2 --directory "$SCRATCH" \
    >"$OUT/http.log" 2>&1 &
HTTP_PID=$!
for i in $(seq 1 50); do
    ip netns exec "$A" curl -s -o /dev/null --max-time 2 http://10.0.2.2:8080/ && break
    kill -0 "$HTTP_PID" 2>/dev/null || { cat "$OUT/http.log"; fatal "http.server on hostB exited"; }
    sleep 0.1
done
ip netns exec "$A" curl -s --max-time 60 -o "$SCRATCH/got.bin" http://10.0.2.2:8080/big.bin ||
    fail "curl from hostA failed"
expect_eq "curl $MB MiB through the router, GSO cut in software: sha256" \
    "$(sha "$SCRATCH/got.bin")" "$(sha "$SCRATCH/big.bin")"
kill -TERM "$HTTP_PID" 2>/dev/null || true
wait "$HTTP_PID" 2>/dev/null || true
HTTP_PID=

pid=$(cat "$OUT/router.pid" 2>/dev/null || true)
[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
kill -0 "$pid" 2>/dev/null && fail "glass-router still running 10 s after SIGTERM"
grep -q 'SIGTERM, shutting down' "$OUT/router.err" || fail "glass-router did not report SIGTERM"
no_sanitizer_report "$OUT/router.err"
expect_ge "router link.gso_rx (GSO frames from hostB)" "$(counter link.gso_rx)" 1
expect_ge "router link.gso_sw_segmented (cut for plain tapA)" "$(counter link.gso_sw_segmented)" 1
expect_ge "router link.gso_sw_segments" "$(counter link.gso_sw_segments)" \
    "$(($(counter link.gso_sw_segmented) * 2))"
expect_eq "router link.gso_sw_bad" "$(counter link.gso_sw_bad)" 0
net_done
