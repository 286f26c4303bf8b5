#!/usr/bin/env bash
# SACK against Linux (RFC 2018, RFC 6675, issue 8): glass drops 2% of the
# frames on its own end of the cable (--if tap:...,loss=2%,seed=N, both
# directions, drivers/impair.c), then
#   curl fetches 1 MB from glass-httpd: glass is the sender, Linux SACKs
#     what arrives beyond a hole and glass recovers by RFC 6675
#     (tcp.sack_recoveries, tcp.sack_blocks_rcvd at exit), RACK marking
#     losses by send time (tcp.rack_lost, RFC 8985);
#   glass-get fetches 1 MB from python3 -m http.server: glass is the
#     receiver and SACKs out-of-order data;
# both checked by sha256, and the captures (--pcap) read by tshark: both
# SYNs carry SACK-permitted, and each side sent SACK blocks.  Small files:
# the point is the option on the wire, not the rate (scripts/bench).
set -euo pipefail
# shellcheck source=tests/net/http.sh
. "$(dirname "${BASH_SOURCE[0]}")/http.sh"

SEED=${GLASS_SACK_SEED:-7}
XFER_TIMEOUT=60

http_setup tcp-sack
command -v tshark >/dev/null || { echo "SKIP: tshark missing"; exit 77; }
G=$GLASS_STACK_ADDR
K=$GLASS_KERNEL_ADDR
W=$SCRATCH/www
mkdir -p "$W"
random_file "$W/one.bin" 1
want=$(sha "$W/one.bin")
# offload=off: wire-sized frames, so 2% loss makes holes of one segment
# (with offloads a lost frame is a 64 KiB GSO frame, and 1 MB is only a
# few dozen of them).
IFARGS=(--if "tap:$GLASS_TAP,$G/24,offload=off,loss=2%,seed=$SEED")
SACKED='tcp.options.sack_le'

# ---- glass sends: curl from glass-httpd ------------------------------------------
httpd_start "${IFARGS[@]}" --root "$W" --pcap "$OUT/httpd.pcap"
httpd_wait_ready
code=$(in_ns curl -s --max-time "$XFER_TIMEOUT" -o "$SCRATCH/curl.out" -w '%{http_code}' \
    "http://$G/one.bin" || true)
expect_eq "curl status" "$code" 200
expect_eq "curl sha256" "$(sha "$SCRATCH/curl.out" 2>/dev/null || echo none)" "$want"
httpd_stop
grep -E '^tcp\.(sack|dsack|retransmits|rto_expired|fast_retransmits|rack|tlp)' "$HTTPD_ERR" |
    sed 's/^/    /' || true
expect_ge "glass-httpd tcp.sack_negotiated" "$(httpd_counter tcp.sack_negotiated)" 1
expect_ge "glass-httpd tcp.sack_blocks_rcvd" "$(httpd_counter tcp.sack_blocks_rcvd)" 1
expect_ge "glass-httpd tcp.sack_recoveries" "$(httpd_counter tcp.sack_recoveries)" 1
# RFC 8985 RACK (tcp_rack.c, on by default) marks losses by send time
expect_ge "glass-httpd tcp.rack_lost" "$(httpd_counter tcp.rack_lost)" 1
expect_ge "capture: SYN-ACK from glass with SACK-permitted" \
    "$(tshark_count "$OUT/httpd.pcap" "ip.src==$G && tcp.flags.syn==1 && tcp.options.sack_perm")" 1
expect_ge "capture: Linux's ACKs with SACK blocks" \
    "$(tshark_count "$OUT/httpd.pcap" "ip.src==$K && $SACKED")" 1

# ---- glass receives: glass-get from Linux -----------------------------------------------
LINUX_PORT=8000
linux_server http.server python3 -m http.server --bind "$K" --directory "$W" 8000
run_get get "${IFARGS[@]}" --pcap "$OUT/get.pcap" -q -o "$SCRATCH/get.out" "http://$K:8000/one.bin"
expect_eq "glass-get exit status" "$rc" 0
expect_eq "glass-get sha256" "$(sha "$SCRATCH/get.out" 2>/dev/null || echo none)" "$want"
expect_ge "capture: SYN from glass with SACK-permitted" \
    "$(tshark_count "$OUT/get.pcap" "ip.src==$G && tcp.flags.syn==1 && tcp.options.sack_perm")" 1
expect_ge "capture: glass's ACKs with SACK blocks" \
    "$(tshark_count "$OUT/get.pcap" "ip.src==$G && $SACKED")" 1

net_done
