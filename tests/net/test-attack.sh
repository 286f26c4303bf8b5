#!/usr/bin/env bash
# The attack suite (issue 7): tests/net/attack.py sends crafted frames
# (scapy) at glass-echo from a fake neighbour on the kernel side of tap0 --
# truncated and oversized headers at every layer, bad lengths and
# checksums, IP options garbage, LAND, broadcast/multicast sources, ARP
# spoofing of our address (RFC 5227 2.4), TCP flag combinations to a
# listener and a closed port, RFC 5961 blind RST/SYN/ACK injection and the
# challenge-ACK limit, overlapping and contradictory retransmissions, a
# zero window for ever, every malformed TCP option length -- and checks
# what glass answered and which counter grew (glassctl stats), case by
# case.  Afterwards the kernel, as a normal client, still gets ping, a UDP
# echo and a TCP echo.  docs/robustness.md lists the cases.
set -euo pipefail
# shellcheck source=tests/net/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# scapy from Debian (python3-scapy) lives with the system python.
PY=/usr/bin/python3
"$PY" -c 'import scapy.all' 2>/dev/null || { echo "SKIP: python3-scapy is not installed"; exit 77; }
GLASSCTL=$GLASS_BUILD/glassctl
ECHO=$GLASS_BUILD/glass-echo
[ -x "$ECHO" ] && [ -x "$GLASSCTL" ] || fatal "no glass-echo/glassctl in $GLASS_BUILD"

net_setup attack
CTL=$OUT/echo.sock
ERR=$OUT/echo.err
ip netns exec "$NS" "$ECHO" --quiet --trace arp,tcp --ctl "$CTL" --pcap "$OUT/echo.pcap" >"$OUT/echo.out" 2>"$ERR" &
GLASSD_PID=$! # net_cleanup ends it however the test ends
wait_for "glass-echo answers ping" 20 in_ns ping -c 1 -W 1 -q "$GLASS_STACK_ADDR" >/dev/null
mac=$(in_ns ip neigh show "$GLASS_STACK_ADDR" dev "$GLASS_TAP" | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }')
[ -n "$mac" ] || fatal "the kernel learned no MAC for $GLASS_STACK_ADDR"

rc=0
in_ns timeout 120 "$PY" "$GLASS_ROOT/tests/net/attack.py" "$GLASS_TAP" "$mac" "$GLASSCTL" "$CTL" >"$OUT/attack.out" 2>&1 || rc=$?
cat "$OUT/attack.out"
expect_eq "attack.py: every case answered and counted as it must be" "$rc" 0
cases=$(sed -nE 's/^attack: .*\(([0-9]+) cases\)$/\1/p' "$OUT/attack.out")
expect_ge "attack cases run" "${cases:-0}" 90

# RFC 5227 2.4: the conflict is logged (one trace line each, naming the spoofer).
has_line "ARP conflict logged with the spoofer's MAC" "$ERR" 'arp   conflict: 10\.0\.0\.2 is claimed by 02:00:00:00:00:77'

# A normal client is still served.
in_ns ping -c 3 -i 0.2 -W 2 -q "$GLASS_STACK_ADDR" >"$OUT/ping.out" 2>&1 || true
read -r sent got < <(ping_summary "$OUT/ping.out") || fatal "no ping summary"
expect_eq "ping answered after the attacks" "$got/$sent" "3/3"
reply=$(in_ns timeout 10 python3 -c '
import socket
s = socket.create_connection(("10.0.0.2", 7), timeout=5)
s.sendall(b"still here\n")
print(s.recv(100).decode().strip())
s.close()' 2>&1) || true
expect_eq "TCP echo from the kernel after the attacks" "$reply" "still here"
reply=$(in_ns timeout 10 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(b"udp ok", ("10.0.0.2", 7))
print(s.recv(100).decode())' 2>&1) || true
expect_eq "UDP echo from the kernel after the attacks" "$reply" "udp ok"

prog_stop glass-echo "$GLASSD_PID" "$ERR"
GLASSD_PID=
net_done
