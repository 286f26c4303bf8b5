#!/usr/bin/env bash
# glass-traceroute and glass-ping -t/-M against Linux routers (RFC 792,
# RFC 1191, RFC 1812 5.3.1).  The lab: glass (10.0.0.2) on tap0 -- the
# test namespace (10.0.0.1, forwarding on) -- a veth of MTU 1400 -- a
# second namespace "$NS-far" (10.0.9.2).  So 10.0.9.2 is two hops away and
# the second link is narrower than the first.
#   - traceroute to 10.0.0.1 ends at hop 1 (port unreachable);
#   - to 10.0.9.2: hop 1 10.0.0.1 (time exceeded), hop 2 10.0.9.2;
#   - to a net Linux has no route for: !N marks, exit 1;
#   - glass-ping -t 1 10.0.9.2: "Time to live exceeded" from 10.0.0.1;
#   - glass-ping -M do -s 1600: refused locally ("message too long, mtu=1500");
#   - glass-ping -M do -s 1450 10.0.9.2: "Frag needed and DF set (mtu = 1400)"
#     from the router, then refused locally with mtu=1400; -M dont gets through.
set -euo pipefail
# shellcheck source=tests/net/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GLASS_TRACEROUTE=$GLASS_BUILD/glass-traceroute
FAR_ADDR=10.0.9.2

net_setup traceroute
[ -x "$GLASS_TRACEROUTE" ] || fatal "no glass-traceroute in $GLASS_BUILD"
FAR_NS=$NS-far

far_net_up "$FAR_NS" "$FAR_ADDR" 1400 1400
# Linux rate-limits ICMP errors per peer (6 at once, then 1/s): this test
# asks for more than that within seconds.
in_ns sysctl -q -w net.ipv4.icmp_ratelimit=0
ip netns exec "$FAR_NS" sysctl -q -w net.ipv4.icmp_ratelimit=0
note "lab: $NS forwards to $FAR_NS ($FAR_ADDR) over a veth of MTU 1400"

run() { # OUTFILE PROGRAM ARGS...: sets rc
    local out=$1 prog=$2 start=$SECONDS
    shift 2
    rc=0
    in_ns timeout 60 "$prog" "$@" >"$out" 2>&1 </dev/null || rc=$?
    note "\$ $(basename "$prog") $*   (exit $rc after $((SECONDS - start))s)"
    sed 's/^/    /' "$out"
}

T='[0-9]+\.[0-9]{3} ms' # one round trip time

# RFC 1122 4.1.3.1: the destination answers port unreachable at hop 1.
run "$OUT/tr-gw.out" "$GLASS_TRACEROUTE" -n -w 2 "$GLASS_KERNEL_ADDR"
expect_eq "traceroute to $GLASS_KERNEL_ADDR: exit status" "$rc" 0
expect_eq "header line" "$(head -n 1 "$OUT/tr-gw.out")" \
    "traceroute to $GLASS_KERNEL_ADDR ($GLASS_KERNEL_ADDR), 30 hops max, 60 byte packets"
expect_eq "hop 1 is $GLASS_KERNEL_ADDR with 3 times" \
    "$(grep -cE "^ 1  $GLASS_KERNEL_ADDR  $T  $T  $T\$" "$OUT/tr-gw.out" || true)" 1
expect_eq "it ends there (2 lines)" "$(wc -l <"$OUT/tr-gw.out")" 2

# RFC 792 time exceeded from the router, then port unreachable.
run "$OUT/tr-far.out" "$GLASS_TRACEROUTE" -n -w 2 "$FAR_ADDR"
expect_eq "traceroute to $FAR_ADDR: exit status" "$rc" 0
expect_eq "hop 1 is the router $GLASS_KERNEL_ADDR" \
    "$(grep -cE "^ 1  $GLASS_KERNEL_ADDR  $T  $T  $T\$" "$OUT/tr-far.out" || true)" 1
expect_eq "hop 2 is $FAR_ADDR" "$(grep -cE "^ 2  $FAR_ADDR  $T  $T  $T\$" "$OUT/tr-far.out" || true)" 1
expect_eq "it ends there (3 lines)" "$(wc -l <"$OUT/tr-far.out")" 3

# Without -n: a reverse lookup; no DNS server here (port unreachable from
# the gateway), so traceroute(8)'s "ADDR (ADDR)".
run "$OUT/tr-names.out" "$GLASS_TRACEROUTE" -q 1 -w 2 "$FAR_ADDR"
expect_eq "traceroute without -n: exit status" "$rc" 0
expect_eq "hop 1 as 'ADDR (ADDR)'" \
    "$(grep -cE "^ 1  $GLASS_KERNEL_ADDR \($GLASS_KERNEL_ADDR\)  $T\$" "$OUT/tr-names.out" || true)" 1

# RFC 1812 5.2.7.1: no route at the router -> net unreachable, marked !N;
# all probes but one unreachable ends the trace, exit 1.  Linux limits
# these errors on its own (ip_error: one per second per peer, none to a
# new peer, and route.error_cost is not per namespace): the first probe
# meets silence ('*'), the 2 s wait earns the next two.
run "$OUT/tr-unreach.out" "$GLASS_TRACEROUTE" -n -w 2 -m 5 10.0.77.1
expect_eq "traceroute to an unroutable net: exit status" "$rc" 1
expect_eq "hop 1: 10.0.0.1 with !N marks" \
    "$(grep -cE "^ 1  (\* )?$GLASS_KERNEL_ADDR  ($T !N  )+$T !N\$" "$OUT/tr-unreach.out" || true)" 1
expect_eq "and no hop 2" "$(wc -l <"$OUT/tr-unreach.out")" 2

# glass-ping -t 1: the router's time exceeded.
run "$OUT/ping-ttl.out" "$GLASS_PING" -c 1 -W 2 -t 1 "$FAR_ADDR"
expect_eq "glass-ping -t 1: exit status" "$rc" 1
expect_eq "From the router: Time to live exceeded" \
    "$(grep -c "^From $GLASS_KERNEL_ADDR icmp_seq=1 Time to live exceeded" "$OUT/ping-ttl.out" || true)" 1
run "$OUT/ping-ttl2.out" "$GLASS_PING" -c 1 -W 2 -t 2 "$FAR_ADDR"
expect_eq "glass-ping -t 2 reaches $FAR_ADDR (exit status)" "$rc" 0

# -M do with a request over the link MTU: refused locally, as ping(8).
run "$OUT/ping-df-local.out" "$GLASS_PING" -c 1 -W 1 -M do -s 1600 "$GLASS_KERNEL_ADDR"
expect_eq "glass-ping -M do -s 1600: exit status" "$rc" 1
expect_eq "local error: message too long, mtu=1500" \
    "$(grep -c '^glass-ping: local error: message too long, mtu=1500$' "$OUT/ping-df-local.out" || true)" 1
run "$OUT/ping-dont.out" "$GLASS_PING" -c 1 -W 2 -M dont -s 1600 "$GLASS_KERNEL_ADDR"
expect_eq "glass-ping -M dont -s 1600 (fragmented): exit status" "$rc" 0

# RFC 1191: DF over the narrower link -> fragmentation needed with the
# next-hop MTU; the path MTU drops, the next request is refused locally.
run "$OUT/ping-df-path.out" "$GLASS_PING" -c 2 -i 0.5 -W 2 -M do -s 1450 "$FAR_ADDR"
expect_eq "glass-ping -M do -s 1450 $FAR_ADDR: exit status" "$rc" 1
expect_eq "From the router: Frag needed and DF set (mtu = 1400)" \
    "$(grep -c "^From $GLASS_KERNEL_ADDR icmp_seq=1 Frag needed and DF set (mtu = 1400)" "$OUT/ping-df-path.out" || true)" 1
expect_eq "then refused locally at the new path MTU" \
    "$(grep -c '^glass-ping: local error: message too long, mtu=1400$' "$OUT/ping-df-path.out" || true)" 1
run "$OUT/ping-df-dont.out" "$GLASS_PING" -c 1 -W 2 -M dont -s 1450 "$FAR_ADDR"
expect_eq "glass-ping -M dont -s 1450 $FAR_ADDR (the router fragments): exit status" "$rc" 0

# Bad command lines: one line, exit 2.
run "$OUT/usage-m.out" "$GLASS_TRACEROUTE" -m 0 "$FAR_ADDR"
expect_eq "glass-traceroute -m 0: exit status" "$rc" 2
expect_eq "one line of complaint" "$(wc -l <"$OUT/usage-m.out")" 1
run "$OUT/usage-M.out" "$GLASS_PING" -M maybe "$FAR_ADDR"
expect_eq "glass-ping -M maybe: exit status" "$rc" 2
run "$OUT/usage-t.out" "$GLASS_PING" -t 256 "$FAR_ADDR"
expect_eq "glass-ping -t 256: exit status" "$rc" 2
net_done
