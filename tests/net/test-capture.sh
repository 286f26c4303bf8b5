#!/usr/bin/env bash
# The captures open in tshark and hold the conversation: the ARP exchange
# and the ICMP echoes in both directions (Linux -> glassd, glass-ping ->
# Linux), one reply per request, and glass's gratuitous ARP (RFC 5227);
# with two interfaces, a file for each holding only its own frames.
set -euo pipefail
# shellcheck source=tests/net/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

net_setup capture
command -v tshark >/dev/null || fatal "tshark is not installed"
K=$GLASS_KERNEL_ADDR G=$GLASS_STACK_ADDR

# 1. Linux pings glassd: its first ping starts with the kernel's ARP request.
# (No readiness pings: the capture must hold exactly these three echoes.)
glassd_start --trace arp,icmp
glassd_wait_attached
in_ns ping -c 3 -i 0.2 -W 5 -q "$G" >/dev/null 2>&1 || fail "ping $G"
glassd_stop
cap=$OUT/glassd.pcap
note "tshark -r $cap:"
tshark -n -r "$cap" 2>/dev/null | sed 's/^/    /' || fail "tshark cannot read $cap"
expect_ge "ARP who-has $G from Linux" "$(tshark_count "$cap" "arp.opcode == 1 && arp.dst.proto_ipv4 == $G && arp.src.proto_ipv4 == $K")" 1
expect_ge "ARP $G is-at from glass" "$(tshark_count "$cap" "arp.opcode == 2 && arp.src.proto_ipv4 == $G && arp.dst.proto_ipv4 == $K")" 1
expect_ge "gratuitous ARP for $G" "$(tshark_count "$cap" "arp.isgratuitous == 1 && arp.src.proto_ipv4 == $G")" 1
req=$(tshark_count "$cap" "icmp.type == 8 && ip.src == $K && ip.dst == $G")
rep=$(tshark_count "$cap" "icmp.type == 0 && ip.src == $G && ip.dst == $K")
expect_eq "echo requests $K -> $G" "$req" 3
expect_eq "echo replies $G -> $K" "$rep" 3
expect_eq "replies tshark matched to a request" "$(tshark_count "$cap" "icmp.type == 0 && icmp.resp_to")" 3

# 2. glass pings Linux (tap0 is free again).
cap=$OUT/glass-ping.pcap
rc=0
in_ns timeout 30 "$GLASS_PING" --pcap "$cap" -c 3 -i 0.2 "$K" >"$OUT/glass-ping.out" 2>&1 || rc=$?
expect_eq "glass-ping exit status" "$rc" 0
note "tshark -r $cap:"
tshark -n -r "$cap" 2>/dev/null | sed 's/^/    /' || fail "tshark cannot read $cap"
expect_ge "ARP who-has $K from glass" "$(tshark_count "$cap" "arp.opcode == 1 && arp.dst.proto_ipv4 == $K && arp.src.proto_ipv4 == $G")" 1
expect_ge "ARP $K is-at from Linux" "$(tshark_count "$cap" "arp.opcode == 2 && arp.src.proto_ipv4 == $K")" 1
expect_eq "echo requests $G -> $K" "$(tshark_count "$cap" "icmp.type == 8 && ip.src == $G && ip.dst == $K")" 3
expect_eq "echo replies $K -> $G" "$(tshark_count "$cap" "icmp.type == 0 && ip.src == $K && ip.dst == $G && icmp.resp_to")" 3

# 3. Two interfaces, one file each: tap0 writes the --pcap file itself,
# tapB (made by glassd, nothing on the kernel side) glassd.tapB.pcap.
B=10.0.9.2
glassd_start --if "tap:$GLASS_TAP,$G/24" --if "tap:tapB,$B/24"
glassd_wait_attached
in_ns ping -c 2 -i 0.2 -W 5 -q "$G" >/dev/null 2>&1 || fail "ping $G with two interfaces"
glassd_stop
cap=$OUT/glassd.pcap capB=$OUT/glassd.tapB.pcap
grep -F "glassd: capture $GLASS_TAP -> $cap, tapB -> $capB" "$OUT/glassd.err" >/dev/null ||
    fail "glassd did not name both capture files: $(cat "$OUT/glassd.err")"
note "tshark -r $capB:"
tshark -n -r "$capB" 2>/dev/null | sed 's/^/    /' || fail "tshark cannot read $capB"
expect_eq "echo requests in $cap" "$(tshark_count "$cap" "icmp.type == 8 && ip.dst == $G")" 2
expect_eq "tapB's frames in $cap" "$(tshark_count "$cap" "arp.src.proto_ipv4 == $B || ip.addr == $B")" 0
expect_ge "gratuitous ARP for $B in $capB" "$(tshark_count "$capB" "arp.isgratuitous == 1 && arp.src.proto_ipv4 == $B")" 1
expect_eq "tap0's frames in $capB" "$(tshark_count "$capB" "icmp || arp.src.proto_ipv4 == $G || arp.src.proto_ipv4 == $K")" 0

# 4. --pcap - is one stream: it carries the first interface, and glassd
# says which it leaves out.
cap=$OUT/stdout.pcap GLASSD_ERR=$OUT/glassd-stdout.err
ip netns exec "$NS" "$GLASSD" --pcap - --if "tap:$GLASS_TAP,$G/24" --if "tap:tapB,$B/24" \
    >"$cap" 2>"$GLASSD_ERR" &
GLASSD_PID=$!
glassd_wait_attached
in_ns ping -c 1 -W 5 -q "$G" >/dev/null 2>&1 || fail "ping $G with --pcap -"
glassd_stop
grep -F "glassd: capture $GLASS_TAP -> stdout; not captured: tapB" "$GLASSD_ERR" >/dev/null ||
    fail "glassd did not say tapB is left out: $(cat "$GLASSD_ERR")"
expect_eq "echo requests on stdout" "$(tshark_count "$cap" "icmp.type == 8 && ip.dst == $G")" 1
expect_eq "tapB's frames on stdout" "$(tshark_count "$cap" "arp.src.proto_ipv4 == $B || ip.addr == $B")" 0
net_done
