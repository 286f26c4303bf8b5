#!/usr/bin/env bash
# glass-router between two Linux hosts (scripts/lab-router):
#   hostA 10.0.1.2 -- tapA -- glass-router -- tapB (mtu 1400) -- hostB 10.0.2.2
# - hostA pings hostB through the router (replies with TTL 63: one hop,
#   RFC 1812 5.3.1) and pings the router's far address;
# - traceroute from hostA shows 10.0.1.1 as the first hop, hostB second;
# - ping -t 1 gets time exceeded from 10.0.1.1 (RFC 1812 5.3.1);
# - a destination with no route gets net unreachable (RFC 1812 5.2.7.1);
# - ping -M do larger than tapB's MTU gets fragmentation needed with
#   mtu = 1400 (RFC 1191 4); without DF the router fragments and the
#   reply comes back (RFC 791 3.2);
# - curl on hostA downloads 20 MB (5 MB in a sanitizer build) from
#   python3 http.server on hostB, digest checked; the router's taps have
#   offloads on (its default), so hostB's GSO frames are forwarded whole;
# - the router exits 0 on SIGTERM with no sanitizer report, and its
#   counters agree.
set -euo pipefail
# shellcheck source=tests/net/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUTER=$GLASS_BUILD/glass-router
LAB=$GLASS_ROOT/scripts/lab-router
glass_is_root || { echo "SKIP: needs root (network namespaces)"; exit 77; }
[ -c /dev/net/tun ] || { echo "SKIP: /dev/net/tun missing"; exit 77; }
[ -x "$ROUTER" ] || fatal "no glass-router in $GLASS_BUILD (build first)"
command -v curl >/dev/null || { echo "SKIP: curl missing (apt-get install curl)"; exit 77; }

LAB_PREFIX=${GLASS_NS_PREFIX:-glass-t-$$-}router-
A=${LAB_PREFIX}hostA
B=${LAB_PREFIX}hostB
if [ -n "${GLASS_NET_OUT:-}" ]; then
    OUT=$GLASS_NET_OUT/router
    rm -rf "$OUT"
    mkdir -p "$OUT"
else
    OUT=$(mktemp -d /tmp/glass-net-router.XXXXXX)
fi
GLASSD_ERR=$OUT/router.err # counter() reads the router's counters from here
SCRATCH=$(mktemp -d /tmp/glass-router-www.XXXXXX)
HTTP_PID=

router_pid() { cat "$OUT/router.pid" 2>/dev/null || true; }

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

GLASS_BUILD=$GLASS_BUILD "$LAB" up --prefix "$LAB_PREFIX" --out "$OUT" --mtu-b 1400 -- \
    --pcap "$OUT/router.pcap" --trace ipv4,icmp >"$OUT/lab.log" 2>&1 ||
    { cat "$OUT/lab.log"; fatal "scripts/lab-router up failed"; }
note "lab: $(tr '\n' ';' <"$OUT/lab.log")"

# ---- ping through the router ------------------------------------------------
ip netns exec "$A" ping -c 3 -i 0.2 -W 2 10.0.2.2 >"$OUT/ping.txt" 2>&1 || true
expect_eq "hostA ping hostB: transmitted/received" "$(ping_summary "$OUT/ping.txt")" "3 3"
expect_eq "replies came one hop away (TTL 64 - 1)" \
    "$(sed -nE 's/.*ttl=([0-9]+).*/\1/p' "$OUT/ping.txt" | sort -u)" 63
ip netns exec "$A" ping -c 2 -i 0.2 -W 2 10.0.2.1 >"$OUT/ping-far.txt" 2>&1 || true
expect_eq "hostA ping the router's tapB address 10.0.2.1" "$(ping_summary "$OUT/ping-far.txt")" "2 2"

# ---- traceroute: 10.0.1.1 first ------------------------------------------------
if command -v traceroute >/dev/null; then
    ip netns exec "$A" timeout 20 traceroute -n -q 1 -w 2 -m 5 10.0.2.2 >"$OUT/traceroute.txt" 2>&1 || true
    sed 's/^/    /' "$OUT/traceroute.txt"
    expect_eq "traceroute hop 1" "$(awk '$1 == 1 { print $2 }' "$OUT/traceroute.txt")" 10.0.1.1
    expect_eq "traceroute hop 2" "$(awk '$1 == 2 { print $2 }' "$OUT/traceroute.txt")" 10.0.2.2
else
    fail "traceroute is not installed (apt-get install traceroute; scripts/lib.sh lists it)"
fi

# ---- RFC 1812 5.3.1: TTL 1 dies at the router ----------------------------------
ip netns exec "$A" ping -c 2 -i 0.2 -W 1 -t 1 10.0.2.2 >"$OUT/ping-ttl1.txt" 2>&1 || true
expect_eq "ping -t 1: time exceeded from 10.0.1.1" \
    "$(grep -c 'From 10.0.1.1 .*Time to live exceeded' "$OUT/ping-ttl1.txt")" 2

# ---- RFC 1812 5.2.7.1: no route, net unreachable -------------------------------
ip netns exec "$A" ping -c 1 -W 1 192.0.2.9 >"$OUT/ping-noroute.txt" 2>&1 || true
expect_eq "ping 192.0.2.9 (no route at the router): net unreachable from 10.0.1.1" \
    "$(grep -c 'From 10.0.1.1 .*Destination Net Unreachable' "$OUT/ping-noroute.txt")" 1

# ---- RFC 1191: DF and too big for tapB; without DF, fragmented ------------------
# First without DF (before hostA learns the path MTU and fragments itself).
ip netns exec "$A" ping -c 2 -i 0.2 -W 2 -M dont -s 1450 10.0.2.2 >"$OUT/ping-frag.txt" 2>&1 || true
expect_eq "ping -M dont -s 1450 across mtu 1400 (router fragments)" \
    "$(ping_summary "$OUT/ping-frag.txt")" "2 2"
ip netns exec "$A" ping -c 1 -W 1 -M do -s 1450 10.0.2.2 >"$OUT/ping-df.txt" 2>&1 || true
expect_eq "ping -M do -s 1450 across mtu 1400: fragmentation needed, mtu = 1400" \
    "$(grep -c 'From 10.0.1.1 .*Frag needed and DF set (mtu = 1400)' "$OUT/ping-df.txt")" 1

# ---- curl hostA <- python3 http.server on hostB -------------------------------
if grep -q -- '--enable-sanitizers' "$GLASS_BUILD/config.status" 2>/dev/null; then MB=5; else MB=20; fi
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
start=$SECONDS
ip netns exec "$A" curl -s --max-time 60 -o "$SCRATCH/got.bin" http://10.0.2.2:8080/big.bin ||
    fail "curl from hostA failed"
expect_eq "curl $MB MiB through the router: sha256" \
    "$(sha "$SCRATCH/got.bin")" "$(sha "$SCRATCH/big.bin")"
note "$MB MiB in $((SECONDS - start)) s"
kill -TERM "$HTTP_PID" 2>/dev/null || true
wait "$HTTP_PID" 2>/dev/null || true
HTTP_PID=

# ---- the router stops cleanly, its counters agree --------------------------------
pid=$(router_pid)
kill -TERM "$pid" 2>/dev/null || true
for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
kill -0 "$pid" 2>/dev/null && fail "glass-router still running 10 s after SIGTERM"
# Not our child (lab-router started it): read the status it printed.
grep -q 'SIGTERM, shutting down' "$OUT/router.err" || fail "glass-router did not report SIGTERM"
no_sanitizer_report "$OUT/router.err"
# Offloads are on (the default): the download crosses as GSO frames of
# many MSS, each forwarded whole (one datagram each in ipv4.forwarded).
expect_ge "router ipv4.forwarded" "$(counter ipv4.forwarded)" 100
expect_ge "router link.gso_rx (GSO frames forwarded whole)" "$(counter link.gso_rx)" 1
expect_ge "router ipv4.fwd_ttl_exceeded" "$(counter ipv4.fwd_ttl_exceeded)" 2
expect_ge "router ipv4.fwd_no_route" "$(counter ipv4.fwd_no_route)" 1
expect_ge "router ipv4.fwd_frag_needed" "$(counter ipv4.fwd_frag_needed)" 1
expect_ge "router ipv4.fwd_fragmented" "$(counter ipv4.fwd_fragmented)" 2

# ---- a capture file per interface: each datagram once per link it crossed -------
grep -qF "capture tapA -> $OUT/router.pcap, tapB -> $OUT/router.tapB.pcap" "$OUT/router.err" ||
    fail "glass-router did not name its two capture files"
# hostA's echo requests to hostB: TTL 64 (and the -t 1 ones) as they came
# in on tapA, 63 as they left on tapB, and never the other way round.
echo_ttls() {
    tshark -n -r "$1" -Y 'icmp.type == 8 && ip.src == 10.0.1.2 && ip.dst == 10.0.2.2' \
        -T fields -E occurrence=f -e ip.ttl 2>/dev/null | sort -un | tr '\n' ' '
}
expect_eq "echo request TTLs on tapA (router.pcap)" "$(echo_ttls "$OUT/router.pcap")" "1 64 "
expect_eq "echo request TTLs on tapB (router.tapB.pcap)" "$(echo_ttls "$OUT/router.tapB.pcap")" "63 "
net_done
