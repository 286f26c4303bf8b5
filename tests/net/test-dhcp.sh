#!/usr/bin/env bash
# The DHCP client (RFC 2131) against dnsmasq: glassd --if tap:tap0,dhcp
# gets an address from 10.0.0.50-60, answers ping there, and on SIGTERM
# gives the lease back (dnsmasq logs DHCPRELEASE).  dnsmasq starts after
# glassd holds tap0, so the first DISCOVER is lost and the 4 s (+-1 s)
# retransmission (RFC 2131 4.1) is what finds the server.
set -euo pipefail
# shellcheck source=tests/net/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v dnsmasq >/dev/null || { echo "SKIP: dnsmasq not installed"; exit 77; }
net_setup dhcp

DNSMASQ_PID=
stop_dnsmasq() {
    if [ -n "$DNSMASQ_PID" ] && kill -0 "$DNSMASQ_PID" 2>/dev/null; then
        kill -TERM "$DNSMASQ_PID" 2>/dev/null || true
        wait "$DNSMASQ_PID" 2>/dev/null || true
    fi
    DNSMASQ_PID=
}

glassd_start --if tap:tap0,dhcp --trace udp
glassd_wait_attached

# Not through in_ns (a function: $! would be a subshell); --port=0: no DNS.
ip netns exec "$NS" dnsmasq --no-daemon --conf-file=/dev/null --user=root --group=root \
    --interface="$GLASS_TAP" --bind-interfaces --port=0 \
    --dhcp-range=10.0.0.50,10.0.0.60,255.255.255.0,2m \
    --dhcp-option=3,"$GLASS_KERNEL_ADDR" --dhcp-option=6,"$GLASS_KERNEL_ADDR" \
    --dhcp-leasefile="$OUT/dnsmasq.leases" --pid-file="$OUT/dnsmasq.pid" \
    --log-dhcp --log-facility="$OUT/dnsmasq.log" >"$OUT/dnsmasq.out" 2>&1 &
DNSMASQ_PID=$!
note "dnsmasq pid $DNSMASQ_PID"

lease=
for _ in $(seq 1 150); do # at most 15 s: DISCOVERs at 0, ~4, ~12 s
    lease=$(sed -nE 's/^tap0: DHCP lease ([0-9.]+)\/([0-9]+) .*/\1 \2/p' "$GLASSD_ERR" | head -n 1)
    [ -n "$lease" ] && break
    kill -0 "$GLASSD_PID" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$lease" ]; then
    cat "$GLASSD_ERR" "$OUT/dnsmasq.log" "$OUT/dnsmasq.out" 2>/dev/null | tail -40
    stop_dnsmasq
    fatal "glassd printed no DHCP lease within 15 s"
fi
read -r addr prefix <<<"$lease"
note "glassd leased $addr/$prefix"
grep '^tap0: DHCP lease' "$GLASSD_ERR" | sed 's/^/    /'
case $addr in
10.0.0.5[0-9] | 10.0.0.60) pass "address $addr from the dnsmasq range" ;;
*) fail "address $addr is not in 10.0.0.50-60" ;;
esac
expect_eq "prefix from option 1" "$prefix" 24
expect_eq "router (option 3) in the lease line" \
    "$(grep -c "router $GLASS_KERNEL_ADDR, dns $GLASS_KERNEL_ADDR" "$GLASSD_ERR" || true)" 1
expect_eq "DHCPACK in the dnsmasq log" "$(grep -c "DHCPACK(tap0) $addr" "$OUT/dnsmasq.log" || true)" 1

if in_ns ping -c 2 -i 0.2 -W 2 -q "$addr" >"$OUT/ping.out" 2>&1; then
    pass "Linux pings glass at its leased address $addr"
else
    fail "no ping reply from $addr"
    cat "$OUT/ping.out"
fi

glassd_stop
expect_eq "dhcp.releases counted" "$(counter dhcp.releases)" 1
released=0
for _ in $(seq 1 20); do # dnsmasq logs it within 2 s
    if grep -q "DHCPRELEASE(tap0) $addr" "$OUT/dnsmasq.log"; then
        released=1
        break
    fi
    sleep 0.1
done
if [ "$released" = 1 ]; then pass "dnsmasq logged DHCPRELEASE of $addr"; else
    fail "no DHCPRELEASE of $addr in the dnsmasq log"
    tail -20 "$OUT/dnsmasq.log"
fi
stop_dnsmasq
net_done
