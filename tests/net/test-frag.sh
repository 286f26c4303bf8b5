#!/usr/bin/env bash
# Fragmentation and reassembly against the Linux kernel (RFC 791 3.2):
# `ping -s 4000` from Linux reaches glassd in three fragments, which glass
# reassembles, and its 4008-byte reply leaves in three fragments that Linux
# reassembles; `ping -M do -s 1600` is refused by Linux's own MTU check
# (nothing reaches glass); glass-ping -s 4000 to Linux works; and UDP
# datagrams of 8000 bytes echo through glass-echo intact.
set -euo pipefail
# shellcheck source=tests/net/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

net_setup frag
glassd_start
glassd_wait_ready

in_ns ping -c 3 -i 0.2 -s 4000 -W 2 "$GLASS_STACK_ADDR" >"$OUT/ping.out" 2>&1 || true
cat "$OUT/ping.out"
read -r sent got < <(ping_summary "$OUT/ping.out") || fatal "no ping summary"
expect_eq "RFC 791 3.2: 4000-byte echoes (fragmented both ways) answered" "$got/$sent" "3/3"
expect_eq "reply size reported by ping" "$(grep -c '^4008 bytes from 10.0.0.2' "$OUT/ping.out" || true)" 3

# DF on a datagram over the link MTU: Linux refuses it locally ("message
# too long"); glass must see no fragment of it.
rc=0
in_ns ping -c 1 -M do -s 1600 -W 1 "$GLASS_STACK_ADDR" >"$OUT/ping-df.out" 2>&1 || rc=$?
cat "$OUT/ping-df.out"
expect_eq "ping -M do -s 1600 fails" "$([ "$rc" -ne 0 ] && echo yes || echo no)" yes
glassd_stop
expect_eq "datagrams reassembled by glassd" "$(counter ipv4.reass_ok)" 3
expect_eq "fragments glassd sent (3 replies x 3)" "$(counter ipv4.frag_created)" 9
expect_eq "reassembly drops" "$(( $(counter ipv4.reass_drop_overlap) + $(counter ipv4.reass_drop_bad) + $(counter ipv4.reass_timeout) ))" 0

# glass fragments its own 4000-byte echo requests; Linux answers in
# fragments that glass reassembles.
rc=0
in_ns timeout 30 "$GLASS_PING" -c 3 -i 0.2 -s 4000 "$GLASS_KERNEL_ADDR" >"$OUT/glass-ping.out" 2>&1 || rc=$?
cat "$OUT/glass-ping.out"
expect_eq "glass-ping -s 4000 exit status" "$rc" 0
read -r sent got < <(ping_summary "$OUT/glass-ping.out") || fatal "no glass-ping summary"
expect_eq "glass-ping 4000-byte echoes answered" "$got/$sent" "3/3"

# UDP: 8000-byte datagrams (6 fragments each way) through glass-echo.
GLASSD_ERR=$OUT/glass-echo.err
ip netns exec "$NS" "$GLASS_BUILD/glass-echo" --quiet >"$OUT/glass-echo.out" 2>"$GLASSD_ERR" &
GLASSD_PID=$!
glassd_wait_ready
cat >"$OUT/udp.py" <<'EOF'
import hashlib, os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2.0)
s.connect((sys.argv[1], 7))
ok = 0
for i in range(5):
    msg = os.urandom(8000)
    s.send(msg)
    try:
        if s.recv(65535) == msg:
            ok += 1
    except socket.timeout:
        pass
print(ok)
EOF
got=$(in_ns timeout 30 /usr/bin/python3 "$OUT/udp.py" "$GLASS_STACK_ADDR" 2>&1 || true)
expect_eq "8000-byte UDP datagrams echoed intact" "$got" 5
glassd_stop
expect_eq "glass-echo reassembled" "$(counter ipv4.reass_ok)" 5
net_done
