#!/usr/bin/env bash
# Linux asks "who has 10.0.0.2?" with arping: glass answers each request
# (RFC 826), with the MAC the kernel then holds for it.
set -euo pipefail
# shellcheck source=tests/net/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

net_setup arping
glassd_start
glassd_wait_ready
mac=$(in_ns ip neigh show "$GLASS_STACK_ADDR" dev "$GLASS_TAP" | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }')
note "kernel's neighbour entry for $GLASS_STACK_ADDR: ${mac:-none}"
[ -n "$mac" ] || fail "the kernel learned no MAC for $GLASS_STACK_ADDR"

rc=0
in_ns timeout 30 arping -c 3 -I "$GLASS_TAP" "$GLASS_STACK_ADDR" >"$OUT/arping.out" 2>&1 || rc=$?
cat "$OUT/arping.out"
expect_eq "arping exit status" "$rc" 0
expect_eq "arping replies" "$(sed -nE 's/.* ([0-9]+) packets received.*/\1/p' "$OUT/arping.out")" 3
expect_eq "replies from glass's MAC" "$(grep -c "bytes from $mac (10.0.0.2)" "$OUT/arping.out" || true)" 3

glassd_stop
expect_ge "arp.rx_request" "$(counter arp.rx_request)" 3
expect_ge "arp.tx_reply" "$(counter arp.tx_reply)" 3
net_done
