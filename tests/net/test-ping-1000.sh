#!/usr/bin/env bash
# Linux pings glass 1000 times, 2 ms apart: every echo answered (RFC 792),
# and glass's counters agree with what went over the wire.
set -euo pipefail
# shellcheck source=tests/net/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

net_setup ping-1000
glassd_start
glassd_wait_ready

in_ns ping -c 1000 -i 0.002 -W 2 -q "$GLASS_STACK_ADDR" >"$OUT/ping.out" 2>&1 || true
cat "$OUT/ping.out"
read -r sent got < <(ping_summary "$OUT/ping.out") || fatal "no ping summary"
expect_eq "echo requests sent by ping" "$sent" 1000
expect_eq "echo replies received by ping" "$got" 1000

glassd_stop
# ping's 1000 plus the few of glassd_wait_ready.
expect_ge "icmp.rx_echo_request" "$(counter icmp.rx_echo_request)" 1000
expect_eq "icmp.tx_echo_reply (one per request)" "$(counter icmp.tx_echo_reply)" "$(counter icmp.rx_echo_request)"
for c in ipv4.drop_bad_checksum ipv4.drop_bad_length ipv4.drop_short icmp.drop_bad_checksum eth.tx_error; do
    expect_eq "$c" "$(counter "$c")" 0
done
net_done
