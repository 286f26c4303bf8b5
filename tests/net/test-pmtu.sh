#!/usr/bin/env bash
# TCP path MTU discovery (RFC 1191) end to end, the Linux kernel as router
# and as client.  The lab (as test-traceroute.sh): glass-httpd (10.0.0.2)
# on tap0 (MTU 1500) -- the test namespace (10.0.0.1, forwarding) -- a
# veth whose router end has MTU 1400 -- "$NS-far" (10.0.9.2).  The far end
# of the veth keeps MTU 1500, so curl there offers MSS 1460 and only the
# router knows the path is narrower (a tunnel in the middle, in effect).
#   - curl in $NS-far fetches 2 MB from glass-httpd: sha256 matches;
#   - glass sent every TCP segment with DF (its own capture) and not one
#     IPv4 fragment reached the far veth; no frame there exceeds 1400 bytes
#     of IPv4 and no TCP segment carries more than 1360 bytes;
#   - the router's fragmentation needed (mtu = 1400) lowered the path MTU
#     and the MSS (ipv4.pmtu_lowered, tcp.mss_lowered), and the lost
#     segments went again at once (tcp.pmtu_retransmits) -- RFC 1191 6.3.
set -euo pipefail
# shellcheck source=tests/net/http.sh
. "$(dirname "${BASH_SOURCE[0]}")/http.sh"

FAR_ADDR=10.0.9.2

http_setup pmtu
command -v dumpcap >/dev/null || { echo "SKIP: dumpcap missing (apt-get install tshark)"; exit 77; }
FAR_NS=$NS-far
# (net_cleanup ends the capture in $FAR_NS and deletes it, however the
# test ends.)

far_net_up "$FAR_NS" "$FAR_ADDR" 1400 1500
note "lab: $NS forwards to $FAR_NS ($FAR_ADDR) over a veth of MTU 1400 (1500 at the far end)"

W=$SCRATCH/www
mkdir -p "$W"
random_file "$W/big.bin" 2
# offload=off: this test counts wire-sized segments in both captures; with
# TSO glass hands the kernel 64 KiB super-segments, which the kernel also
# forwards whole over the veth (GSO), so neither capture would show them
# cut (docs/tcp.md "Offloads"; tests/net/test-offload.sh covers TSO).
httpd_start --if "tap:$GLASS_TAP,$GLASS_STACK_ADDR/24,offload=off" --root "$W" --pcap "$OUT/httpd.pcap"
httpd_wait_ready

# The far veth, as curl's host sees it.
ip netns exec "$FAR_NS" dumpcap -q -i farv1 -f "tcp or icmp" -w "$OUT/far.pcapng" \
    >"$OUT/dumpcap.log" 2>&1 &
CAP_PID=$!
for _ in $(seq 1 50); do
    grep -q "Capturing on" "$OUT/dumpcap.log" 2>/dev/null && break
    kill -0 "$CAP_PID" 2>/dev/null || { cat "$OUT/dumpcap.log"; fatal "dumpcap exited"; }
    sleep 0.1
done

start=$SECONDS
code=$(ip netns exec "$FAR_NS" curl -s --max-time 60 -o "$SCRATCH/big.body" -w '%{http_code}' \
    "http://$GLASS_STACK_ADDR/big.bin" || true)
note "\$ curl http://$GLASS_STACK_ADDR/big.bin (from $FAR_ADDR)  -> $code after $((SECONDS - start)) s"
expect_eq "GET /big.bin through the narrow link: status" "$code" 200
expect_eq "GET /big.bin sha256" "$(sha "$SCRATCH/big.body")" "$(sha "$W/big.bin")"

sleep 0.5
kill -INT "$CAP_PID" 2>/dev/null || true
wait_exit "$CAP_PID" 5
httpd_stop

# RFC 1191 3: DF on every segment glass sent (its own capture, tap0).
from_glass="ip.src == $GLASS_STACK_ADDR && tcp && !icmp"
expect_ge "glass sent TCP segments" "$(tshark_count "$OUT/httpd.pcap" "$from_glass")" 1000
expect_eq "...each with DF" "$(tshark_count "$OUT/httpd.pcap" "$from_glass && ip.flags.df == 0")" 0
expect_ge "the router said: fragmentation needed, mtu = 1400" \
    "$(tshark_count "$OUT/httpd.pcap" "icmp.type == 3 && icmp.code == 4 && icmp.mtu == 1400")" 1

# On the far veth: the data arrived in segments that fit, never fragmented.
far_data="ip.src == $GLASS_STACK_ADDR && tcp.len > 0"
expect_ge "data segments seen on the far veth" "$(tshark_count "$OUT/far.pcapng" "$far_data")" 1000
expect_eq "no IPv4 fragment on the far veth" \
    "$(tshark_count "$OUT/far.pcapng" "ip.flags.mf == 1 || ip.frag_offset > 0")" 0
expect_eq "no frame carries over 1400 bytes of IPv4" \
    "$(tshark_count "$OUT/far.pcapng" "ip.len > 1400")" 0
expect_eq "no TCP segment carries over 1360 bytes" \
    "$(tshark_count "$OUT/far.pcapng" "$far_data && tcp.len > 1360")" 0
# Full-sized: 1400 - 40, less the 12 bytes of RFC 7323 timestamps the
# kernel and glass negotiate (TSopt on every segment).
expect_ge "full-sized segments are 1348 bytes (1360 less TSopt)" \
    "$(tshark_count "$OUT/far.pcapng" "$far_data && tcp.len == 1348")" 1000

# RFC 1191 6.3: what glass-httpd counted.
note "counters: ipv4.pmtu_lowered=$(httpd_counter ipv4.pmtu_lowered)" \
    "tcp.mss_lowered=$(httpd_counter tcp.mss_lowered)" \
    "tcp.pmtu_retransmits=$(httpd_counter tcp.pmtu_retransmits)" \
    "tcp.retransmits=$(httpd_counter tcp.retransmits)" \
    "tcp.rto_expired=$(httpd_counter tcp.rto_expired)"
expect_eq "the path MTU went down once (ipv4.pmtu_lowered)" "$(httpd_counter ipv4.pmtu_lowered)" 1
expect_ge "the MSS followed (tcp.mss_lowered)" "$(httpd_counter tcp.mss_lowered)" 1
expect_ge "the lost segments went again at once (tcp.pmtu_retransmits)" \
    "$(httpd_counter tcp.pmtu_retransmits)" 1
net_done
