#!/usr/bin/env bash
# Issue 7: nmap -sS -sU -O against glassd completes and glassd keeps
# answering ping and TCP afterwards.  glassd itself listens on nothing, so
# glass-httpd runs instead (the same stack plus a listener on port 80).
# The UDP scan gets a short explicit port list: a closed UDP port answers
# with an ICMP port unreachable, which glass rate limits (RFC 1122 3.2.2:
# 50 at once, then one per 20 ms), so nmap slows its -sU probes down to
# match and a full 1000-port -sU scan would take minutes.  What nmap's OS
# detection guesses is printed, not asserted.
set -euo pipefail
# shellcheck source=tests/net/flood.sh
. "$(dirname "${BASH_SOURCE[0]}")/flood.sh"

command -v nmap >/dev/null || { echo "SKIP: nmap missing (apt-get install nmap)"; exit 77; }
http_setup nmap
G=$GLASS_STACK_ADDR
W=$SCRATCH/www
mkdir -p "$W"
echo "nmap" >"$W/index.html"
httpd_start --root "$W"
httpd_wait_ready

rc=0
in_ns timeout 80 nmap -n -Pn -sS -sU -O --max-retries 2 --host-timeout 70s \
    -p T:22,80,443,8080,U:53,67,123,161 "$G" >"$OUT/nmap.out" 2>&1 || rc=$?
cat "$OUT/nmap.out"
expect_eq "nmap exit status" "$rc" 0
has_line "nmap finds 80/tcp open" "$OUT/nmap.out" '^80/tcp +open'
has_line "nmap finds 22/tcp closed (RST)" "$OUT/nmap.out" '^22/tcp +closed'
has_line "nmap finds 53/udp closed (ICMP port unreachable)" "$OUT/nmap.out" '^53/udp +closed'
has_line "nmap completed the host" "$OUT/nmap.out" '1 IP address \(1 host up\) scanned'

if in_ns ping -c 1 -W 2 -q "$G" >/dev/null 2>&1; then pass "ping after nmap"
else fail "no ping answer after nmap"; fi
code=$(in_ns curl -s --max-time 10 -o /dev/null -w '%{http_code}' "http://$G/" || true)
expect_eq "GET / after nmap" "$code" 200
httpd_stop
net_done
