#!/usr/bin/env bash
# Full-size echoes both ways: 1472 data octets + 8 ICMP + 20 IPv4 = 1500,
# the Ethernet MTU, sent with DF so nothing is fragmented.
set -euo pipefail
# shellcheck source=tests/net/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

net_setup ping-size
glassd_start
glassd_wait_ready

in_ns ping -c 3 -s 1472 -M "do" -W 2 "$GLASS_STACK_ADDR" >"$OUT/ping.out" 2>&1 || true
cat "$OUT/ping.out"
read -r sent got < <(ping_summary "$OUT/ping.out") || fatal "no ping summary"
expect_eq "1472-byte echoes answered" "$got/$sent" "3/3"
expect_eq "reply size reported by ping" "$(grep -c '^1480 bytes from 10.0.0.2' "$OUT/ping.out" || true)" 3
glassd_stop

# glassd is gone and tap0 is free: now glass sends the big echoes.
rc=0
in_ns timeout 30 "$GLASS_PING" -c 3 -i 0.2 -s 1472 "$GLASS_KERNEL_ADDR" >"$OUT/glass-ping.out" 2>&1 || rc=$?
cat "$OUT/glass-ping.out"
expect_eq "glass-ping -s 1472 exit status" "$rc" 0
read -r sent got < <(ping_summary "$OUT/glass-ping.out") || fatal "no glass-ping summary"
expect_eq "glass-ping 1472-byte echoes answered" "$got/$sent" "3/3"
net_done
