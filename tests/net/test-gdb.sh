#!/usr/bin/env bash
# The gdb helpers (scripts/gdb/glass.py) against a real ping and a real
# HTTP connection from Linux, gdb in batch mode:
#   1. glassd under gdb stops in ipv4_input on Linux's ICMP echo request
#      (RFC 792); `print *pkb` must decode Ethernet (kernel MAC > glass MAC),
#      IPv4 10.0.0.1 > 10.0.0.2 proto 1 and the echo request; glass-arp,
#      glass-routes and glass-ifs show the cache, table and interface;
#      glass-layers then stops at each layer down the reply's way
#      (icmp_input, ipv4_output, arp_output, eth_output, netif_output).
#   2. glass-httpd under gdb stops in tcp_ack_input when curl's handshake
#      completes (RFC 9293 3.5): `print *tcb` and glass-tcbs show the
#      ESTABLISHED connection from 10.0.0.1 and the LISTEN block on :80.
# The programs must be built -O0 -g3 (--enable-debug).  When $GLASS_BUILD
# is an optimised or sanitizer build (scripts/check's build/), a debug
# glassd and glass-httpd are built in out/gdb-debug-build/ first (a few
# seconds at -O0).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v gdb >/dev/null || { echo "SKIP: gdb is not installed (apt-get install gdb)"; exit 77; }
net_setup gdb

# ---- a debug build ---------------------------------------------------------
. "$(dirname "${BASH_SOURCE[0]}")/debug-build.sh"
glass_debug_build
dbg=$DEBUG_BUILD

# gdb_start NAME PROGRAM [ARGS...]: gdb -batch running commands $OUT/NAME.gdb
# on PROGRAM inside the namespace; its output in $OUT/NAME.out.
GDB_PID=
gdb_start() {
    local name=$1
    shift
    ip netns exec "$NS" gdb -batch -nx -x "$OUT/$name.gdb" --args "$@" >"$OUT/$name.out" 2>&1 &
    GDB_PID=$!
    note "gdb pid $GDB_PID: gdb -batch -x $OUT/$name.gdb --args $*"
}
# gdb_wait_exit: at most 20 s for gdb to finish its commands.
gdb_wait_exit() {
    local rc
    wait_exit "$GDB_PID" 20
    [ "$rc" -ne 124 ] || fail "gdb still running 20 s after the breakpoint (killed)"
    GDB_PID=
}

kmac=$(ip -n "$NS" -o link show dev "$GLASS_TAP" | sed -nE 's/.*link\/ether ([0-9a-f:]+).*/\1/p')
note "kernel's tap0 MAC: $kmac"

# ---- 1. a ping, stopped in ipv4_input --------------------------------------
cat >"$OUT/ping.gdb" <<EOF
set pagination off
set confirm off
source $GLASS_ROOT/scripts/gdb/glass.py
# The echo request, not the ARP exchange before it: IPv4 protocol 1 (ICMP).
break ipv4_input if ((unsigned char *) pkb->data)[9] == 1
run
print *pkb
glass-arp
glass-routes
glass-ifs
delete
glass-layers
python
for _ in range(5):
    gdb.execute("continue", to_string=True)
    print("layer-stop: " + gdb.selected_frame().name())
end
kill
quit
EOF
gdb_start ping "$dbg/glassd"
glass_wait_attached "$NS" "$GDB_PID" || { cat "$OUT/ping.out"; fatal "glassd under gdb did not attach to tap0"; }
# The kernel pings until glassd stops at the breakpoint (it cannot answer
# then): at most 10 tries.
for i in $(seq 1 10); do
    grep -q 'ipv4_input (nif=' "$OUT/ping.out" && break
    in_ns ping -c 1 -W 1 -q "$GLASS_STACK_ADDR" >/dev/null 2>&1 || true
done
gdb_wait_exit
note "gdb said:"
sed 's/^/    | /' "$OUT/ping.out"
has_line "gdb stopped in ipv4_input" "$OUT/ping.out" 'Breakpoint 1, ipv4_input \(nif='
has_line "pkb printer: Ethernet $kmac > glass's MAC, IPv4" "$OUT/ping.out" "^  eth  $kmac > 02:00:0a:00:00:02 type 0x0800\$"
has_line "pkb printer: IPv4 10.0.0.1 > 10.0.0.2 proto 1 (RFC 791)" "$OUT/ping.out" '^  ipv4 10\.0\.0\.1 > 10\.0\.0\.2 proto 1 ttl 64 len 84 '
has_line "pkb printer: ICMP echo request (RFC 792)" "$OUT/ping.out" '^  icmp echo request \(type 8 code 0\) id [0-9]+ seq [0-9]+'
has_line "glass-arp: 10.0.0.1 is $kmac (RFC 826)" "$OUT/ping.out" "^10\.0\.0\.1 +$kmac +REACHABLE +tap0"
has_line "glass-routes: connected route" "$OUT/ping.out" '^10\.0\.0\.0/24 dev tap0 metric 0 \(connected\)$'
has_line "glass-routes: default route" "$OUT/ping.out" '^default via 10\.0\.0\.1 dev tap0 '
has_line "glass-ifs: tap0 10.0.0.2/24 up" "$OUT/ping.out" '^1: tap0 02:00:0a:00:00:02 mtu 1500 UP 10\.0\.0\.2/24 '
has_line "glass-ifs: the offload mode and counters" "$OUT/ping.out" ' offload (plain|vnet \(rx-csum,tx-csum,tso4\)) gso_rx [0-9]+ tso_tx [0-9]+$'
has_line "glass-layers set its breakpoints" "$OUT/ping.out" '^glass-layers: 1[0-9] breakpoints'
stops=$(sed -n 's/^layer-stop: //p' "$OUT/ping.out" | tr '\n' ' ')
expect_eq "glass-layers stops on the way up and down" "$stops" \
    "icmp_input icmp_output ipv4_output arp_output eth_output "

# ---- 2. an HTTP connection, stopped in tcp_ack_input ---------------------------
cat >"$OUT/http.gdb" <<EOF
set pagination off
set confirm off
source $GLASS_ROOT/scripts/gdb/glass.py
break tcp_ack_input
run --port 80
print *tcb
glass-tcbs
print *tcb->parent->sk
kill
quit
EOF
gdb_start http "$dbg/glass-httpd"
glass_wait_attached "$NS" "$GDB_PID" || { cat "$OUT/http.out"; fatal "glass-httpd under gdb did not attach to tap0"; }
in_ns curl -s -m 3 -o /dev/null "http://$GLASS_STACK_ADDR/" || true
gdb_wait_exit
note "gdb said:"
sed 's/^/    | /' "$OUT/http.out"
has_line "gdb stopped in tcp_ack_input" "$OUT/http.out" 'hit Breakpoint 1, tcp_ack_input \(tcb='
has_line "tcb printer: 10.0.0.2:80 > 10.0.0.1 ESTABLISHED (RFC 9293 3.3.2)" "$OUT/http.out" '^\$1 = tcb 10\.0\.0\.2:80 > 10\.0\.0\.1:[0-9]+ ESTABLISHED$'
has_line "tcb printer: relative sequence numbers after the handshake" "$OUT/http.out" '^  snd_una=0 snd_nxt=1 snd_wnd=[0-9]+ \(relative to iss='
# What the SYNs with the kernel agreed (Linux offers all three by default)
# and CUBIC's state: the same as glassctl tcb shows (issue 8).
has_line "tcb printer: ts sack cubic wscale (RFC 7323, RFC 2018, RFC 9438)" "$OUT/http.out" '^  ts sack cubic wscale:[0-9]+,[0-9]+ TS\.Recent=[0-9]+$'
has_line "tcb printer: CUBIC and HyStart++ state" "$OUT/http.out" '^  cubic W_max=[0-9.]+ K=[0-9.]+s (no epoch|epoch at [0-9]+us) hystart=(ss|css|off)$'
has_line "tcb printer: recovery and scoreboard" "$OUT/http.out" '^  recovery=no scoreboard=-$'
has_line "glass-tcbs: the listener" "$OUT/http.out" 'tcb 0\.0\.0\.0:80 > 0\.0\.0\.0:0 LISTEN$'
has_line "glass-tcbs: 2 control blocks" "$OUT/http.out" '^2 control blocks$'
has_line "sock printer: the listening socket" "$OUT/http.out" '^\$2 = sock fd [0-9]+ tcp 0\.0\.0\.0:80 > 0\.0\.0\.0:0 LISTEN$'
net_done
