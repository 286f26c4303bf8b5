#!/usr/bin/env bash
# A closed UDP port (RFC 1122 4.1.3.1: "If a datagram arrives addressed to
# a UDP port for which there is no pending LISTEN call, UDP SHOULD send an
# ICMP Port Unreachable message"): glass-echo serves port 7, nothing is on
# port 9.  A Linux UDP socket connect()ed to 10.0.0.2:9 sends, and its next
# recv raises ECONNREFUSED; the capture shows ICMP type 3 code 3 quoting
# that very datagram (RFC 792: the IP header + the first 8 data bytes).
# The open port, by contrast, echoes, and glass-echo logs one line for it.
set -euo pipefail
# shellcheck source=tests/net/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GLASS_ECHO=$GLASS_BUILD/glass-echo
net_setup udp-refused
[ -x "$GLASS_ECHO" ] || fatal "no glass-echo in $GLASS_BUILD"

GLASSD_ERR=$OUT/glass-echo.err
ip netns exec "$NS" "$GLASS_ECHO" --pcap "$OUT/glass-echo.pcap" >"$OUT/glass-echo.out" 2>"$GLASSD_ERR" &
GLASSD_PID=$!
note "glass-echo pid $GLASSD_PID: $GLASS_ECHO --pcap $OUT/glass-echo.pcap"
glassd_wait_ready

cat >"$OUT/probe.py" <<'EOF'
import errno, socket, sys

host = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)

# The open port: an echo, byte for byte.
s.connect((host, 7))
s.send(b"glass echo probe\n")
print("echo", s.recv(2048) == b"glass echo probe\n")

# The closed port: the ICMP port unreachable comes back as ECONNREFUSED.
s.connect((host, 9))
print("sport", s.getsockname()[1])
s.send(b"anybody on port 9?")
try:
    d = s.recv(2048)
    print("refused no-data", len(d))
except ConnectionRefusedError:
    print("refused ECONNREFUSED")
except socket.timeout:
    print("refused timeout")
# Linux reports the error once: the next call works again (and times out).
s.settimeout(0.5)
try:
    s.recv(2048)
    print("after data")
except socket.timeout:
    print("after timeout")
except OSError as e:
    print("after", errno.errorcode.get(e.errno, e.errno))
EOF

rc=0
in_ns timeout 30 /usr/bin/python3 "$OUT/probe.py" "$GLASS_STACK_ADDR" >"$OUT/probe.out" 2>&1 || rc=$?
sed 's/^/    /' "$OUT/probe.out"
expect_eq "probe exit status" "$rc" 0
expect_eq "port 7 echoes the datagram" "$(awk '$1 == "echo" { print $2 }' "$OUT/probe.out")" True
expect_eq "recv on the socket connected to port 9" \
    "$(awk '$1 == "refused" { print $2 }' "$OUT/probe.out")" ECONNREFUSED
expect_eq "the error is reported once (next recv times out)" \
    "$(awk '$1 == "after" { print $2 }' "$OUT/probe.out")" timeout
sport=$(awk '$1 == "sport" { print $2 }' "$OUT/probe.out")

glassd_stop
expect_eq "glass-echo log lines (one datagram)" "$(grep -c '^udp 10\.0\.0\.1:[0-9]* 17 bytes$' "$OUT/glass-echo.out" || true)" 1
expect_eq "glass udp.no_port" "$(counter udp.no_port)" 1
expect_ge "glass icmp.tx_dest_unreach" "$(counter icmp.tx_dest_unreach)" 1

# The ICMP message itself: from glass to Linux, type 3 code 3, and the
# quoted datagram is ours (addresses, both ports, the UDP length).
pcap=$OUT/glass-echo.pcap
filter="icmp.type == 3 && icmp.code == 3 && ip.src == $GLASS_STACK_ADDR"
expect_eq "ICMP port unreachable frames in the capture" "$(tshark_count "$pcap" "$filter")" 1
quote=$(tshark -n -r "$pcap" -Y "$filter" -T fields -E separator=' ' \
    -e ip.src -e ip.dst -e udp.srcport -e udp.dstport -e udp.length 2>/dev/null | head -n 1)
note "quoted: $quote"
# tshark lists the outer and the quoted IP header: "outer,quoted".
expect_eq "quoted datagram (ip.src ip.dst udp ports, length)" "$quote" \
    "$GLASS_STACK_ADDR,$GLASS_KERNEL_ADDR $GLASS_KERNEL_ADDR,$GLASS_STACK_ADDR $sport 9 26"
net_done
