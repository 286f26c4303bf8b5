#!/usr/bin/env bash
# Issue 7, RFC 4987: a SYN flood at glass-httpd.  200,000 SYNs (40,000
# under ASan) from 64 fake neighbours with random ports and sequence
# numbers, as fast as an AF_PACKET socket sends them (tests/net/flood.c).
# The listener's SYN queue (backlog 256) fills at once; from then on glass
# answers with SYN cookies and keeps no state per SYN.  Checked: a curl
# started during the flood gets its page; memory (glassctl stats) stays
# under 4 MiB above the idle baseline at its peak; afterwards the server
# answers as before; the counters show cookies sent.
set -euo pipefail
# shellcheck source=tests/net/flood.sh
. "$(dirname "${BASH_SOURCE[0]}")/flood.sh"

http_setup syn-flood
flood_build
G=$GLASS_STACK_ADDR
W=$SCRATCH/www
CTL=$OUT/httpd.sock
N=$(scaled 200000)
BOUND=$((4 * 1048576))
mkdir -p "$W"
echo "hello from glass" >"$W/index.html"

httpd_start --root "$W" --ctl "$CTL"
httpd_wait_ready
mac=$(glass_mac)
[ -n "$mac" ] || fatal "the kernel learned no MAC for $G"
base=$(mem_stat "$CTL" in_use)
note "memory in use before the flood: $base bytes"

in_ns "$FLOOD" "$GLASS_TAP" "$mac" syn "$N" 80 >"$OUT/flood.out" 2>&1 &
fpid=$!
sleep 0.3
# A legitimate client in the middle of it (its SYN may be lost in the tap
# queue: curl's own SYN retransmission covers that within the limit).
code=$(in_ns curl -s --max-time 20 -o "$OUT/during.html" -w '%{http_code}' "http://$G/" || true)
expect_eq "GET / during the flood" "$code" 200
kill -0 "$fpid" 2>/dev/null && pass "the flood was still running when the GET completed" ||
    note "the flood had ended before the GET completed"
wait_exit "$fpid" 60
expect_eq "flood exit status" "$rc" 0
cat "$OUT/flood.out"

code=$(in_ns curl -s --max-time 10 -o "$OUT/after.html" -w '%{http_code}' "http://$G/" || true)
expect_eq "GET / after the flood" "$code" 200
expect_eq "page after the flood" "$(cat "$OUT/after.html" 2>/dev/null)" "hello from glass"
peak=$(mem_stat "$CTL" peak)
used=$(mem_stat "$CTL" in_use)
note "memory: baseline $base, in use after $used, peak $peak bytes (bound: baseline + $BOUND)"
if [ "$peak" -le $((base + BOUND)) ]; then pass "peak memory $peak <= $((base + BOUND))"
else fail "peak memory $peak above baseline $base + $BOUND"; fi

httpd_stop
rx=$(httpd_counter tcp.rx)
sent=$(httpd_counter tcp.syncookies_sent)
note "tcp.rx $rx, tcp.syncookies_sent $sent, tcp.syncookies_recv_ok $(httpd_counter tcp.syncookies_recv_ok), tcp.passive_opens $(httpd_counter tcp.passive_opens)"
# Not every SYN reaches glass: the tap's queue drops what glass does not
# read in time (how many depends on the machine's load, so no figure of
# it is asserted).  What did reach it went one of two ways: a child on the
# SYN queue (at most its bound, 256, plus the few real clients), or a cookie.
opens=$(httpd_counter tcp.passive_opens)
expect_ge "SYNs that reached glass (tcp.rx)" "$rx" 1000
if [ "$opens" -le $((256 + 20)) ]; then pass "tcp.passive_opens $opens: at most the SYN queue (256) and the real clients"
else fail "tcp.passive_opens $opens: more half-open connections than the SYN queue holds"; fi
expect_ge "tcp.syncookies_sent (every other SYN got a cookie)" "$sent" $((rx - opens - 100))
net_done
