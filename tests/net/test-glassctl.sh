#!/usr/bin/env bash
# glassctl against running programs, the kernel as the peer:
#   A. no program running, a stale socket, several programs: one clear
#      line on stderr and exit 1 each;
#   B. glassd (thread-less: it serves the control socket from its own
#      glass_stack_poll loop): after the kernel pings it, `glassctl arp`
#      holds 10.0.0.1 with tap0's real MAC; if/route/ss/stats/trace, every
#      one also as --json parsed by python3 -m json.tool; route add/del at
#      run time; trace switched on and off at run time; the socket file is
#      gone after SIGTERM;
#   C. glass-httpd (stack thread): ss shows LISTEN on *:80, and during a
#      (rate-limited) curl transfer `glassctl tcb` shows the connection
#      ESTABLISHED with cwnd > 0, Timestamps, SACK and Window Scale agreed
#      with the kernel and CUBIC's state, `ss` its ss -ti INFO flags;
#   (B also checks `if`: the offload mode and features agree);
#   D. `glassd --pcap - | tshark -r -` shows the pings while glassd runs.
# Every program gets XDG_RUNTIME_DIR=$OUT/run, so the sockets of other
# glass programs on this machine never meet this test's.
set -euo pipefail
# shellcheck source=tests/net/http.sh
. "$(dirname "${BASH_SOURCE[0]}")/http.sh"

GLASSCTL=$GLASS_BUILD/glassctl
http_setup glassctl
[ -x "$GLASSCTL" ] || fatal "no glassctl in $GLASS_BUILD"
export XDG_RUNTIME_DIR=$OUT/run
mkdir -p -m 0700 "$XDG_RUNTIME_DIR"
G=$GLASS_STACK_ADDR

# ctl TAG ARGS...: run glassctl; stdout in $OUT/TAG.out, stderr $OUT/TAG.err,
# exit status in $rc.
ctl() {
    local tag=$1
    shift
    rc=0
    "$GLASSCTL" "$@" >"$OUT/$tag.out" 2>"$OUT/$tag.err" || rc=$?
    note "\$ glassctl $*   -> exit $rc"
}
# expect_line TAG REGEX: some line of $OUT/TAG.out matches.
expect_line() {
    if grep -Eq -- "$2" "$OUT/$1.out"; then pass "glassctl $1 shows /$2/"
    else fail "glassctl $1: no line matches /$2/:"; cat "$OUT/$1.out"; fi
}
expect_no_line() {
    if grep -Eq -- "$2" "$OUT/$1.out"; then fail "glassctl $1 still shows /$2/"; cat "$OUT/$1.out"
    else pass "glassctl $1 no longer shows /$2/"; fi
}
# expect_error TAG REGEX: exit 1, nothing on stdout, exactly one line on stderr matching.
expect_error() {
    expect_eq "glassctl $1 exit status" "$rc" 1
    expect_eq "glassctl $1 stderr lines" "$(wc -l <"$OUT/$1.err")" 1
    expect_eq "glassctl $1 stdout bytes" "$(wc -c <"$OUT/$1.out")" 0
    if grep -Eq -- "$2" "$OUT/$1.err"; then pass "glassctl $1 says: $(cat "$OUT/$1.err")"
    else fail "glassctl $1: stderr does not match /$2/: $(cat "$OUT/$1.err")"; fi
}
# expect_json TAG: the output parses as JSON.
expect_json() {
    if python3 -m json.tool "$OUT/$1.out" >/dev/null 2>"$OUT/$1.jsonerr"; then
        pass "glassctl $1 --json parses"
    else fail "glassctl $1 --json does not parse: $(cat "$OUT/$1.jsonerr")"; cat "$OUT/$1.out"; fi
}

# ---- A. nobody to talk to ---------------------------------------------------------
ctl none if
expect_error none "^glassctl: no glass program is running \(no control socket in $XDG_RUNTIME_DIR\)$"

# A stale socket: bound by a process that is gone.
sleep 0 &
dead=$!
wait "$dead"
stale=$XDG_RUNTIME_DIR/glassd.$dead.sock
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$stale"
ctl stale-auto arp
expect_error stale-auto "^glassctl: no glass program is running \($stale is a stale control socket: process $dead is gone; remove the file\)$"
ctl stale-ctl --ctl "$stale" arp
expect_error stale-ctl "^glassctl: $stale: no program answers \(a stale control socket: the program is gone\)$"
ctl nopid --pid "$dead" arp
expect_error nopid "stale control socket"
ctl usage --json
expect_eq "glassctl without a command: exit status" "$rc" 2

# ---- B. glassd ---------------------------------------------------------------------
glassd_start
glassd_wait_ready
sock=$XDG_RUNTIME_DIR/glassd.$GLASSD_PID.sock
[ -S "$sock" ] && pass "glassd serves $sock" || fail "no control socket $sock"

# After the kernel's pings glass knows 10.0.0.1 (from its ARP request).
kmac=$(in_ns cat "/sys/class/net/$GLASS_TAP/address")
ctl arp arp          # the stale socket is still there: the live one is found
expect_line arp "^10\.0\.0\.1 +$GLASS_TAP +$kmac +(REACHABLE|STALE|PROBE) "
ctl arp-json --json arp
expect_json arp-json
expect_eq "arp --json entry for 10.0.0.1" \
    "$(python3 -c 'import json,sys; print([e["mac"] for e in json.load(open(sys.argv[1]))["arp"] if e["address"] == "10.0.0.1"][0])' "$OUT/arp-json.out")" "$kmac"

ctl if --pid "$GLASSD_PID" if
expect_line if "^$GLASS_TAP +tap +UP +1500 +[0-9a-f:]{17} +10\.0\.0\.2/24 "
ctl if-json --json if
expect_json if-json
# The offload mode and its features agree (vnet: all three; plain: none).
ifmode=$(python3 -c '
import json, sys
i = [e for e in json.load(open(sys.argv[1]))["interfaces"] if e["name"] == sys.argv[2]][0]
ok = (i["offload"], i["features"]) in (("vnet", ["rx-csum", "tx-csum", "tso4"]), ("plain", []))
print(i["offload"] if ok and isinstance(i["gso_rx"], int) and isinstance(i["tso_tx"], int) else "bad")
' "$OUT/if-json.out" "$GLASS_TAP" 2>&1 || true)
case $ifmode in
vnet | plain) pass "if: offload $ifmode with its features and gso_rx/tso_tx counters" ;;
*) fail "if --json: offload mode, features and counters do not agree: $ifmode"; cat "$OUT/if-json.out" ;;
esac
expect_line if " (plain|vnet) +(-|rx-csum,tx-csum,tso4) +[0-9]+ +[0-9]+$"

ctl route route
expect_line route "^10\.0\.0\.0/24 +- +$GLASS_TAP +0 +connected$"
expect_line route "^0\.0\.0\.0/0 +10\.0\.0\.1 +$GLASS_TAP +0 +static$"
ctl route-add route add 10.9.0.0/16 via 10.0.0.1
expect_eq "route add output" "$(cat "$OUT/route-add.out")" "added 10.9.0.0/16"
ctl route-after-add route
expect_line route-after-add "^10\.9\.0\.0/16 +10\.0\.0\.1 +$GLASS_TAP +0 +static$"
ctl route-bad route add 10.9.0.0/16 via 172.16.0.1
expect_error route-bad "^glassctl: route add 10\.9\.0\.0/16: the gateway is not on a connected subnet$"
ctl route-del route del 10.9.0.0/16
ctl route-after-del --ctl "$sock" --json route
expect_json route-after-del
if grep -q 10.9.0.0 "$OUT/route-after-del.out"; then fail "route del: 10.9.0.0/16 still shown"
else pass "route del: 10.9.0.0/16 gone"; fi

ctl ss-glassd --json ss
expect_json ss-glassd
ctl stats stats
expect_line stats "^    rx_echo_request +[1-9][0-9]*$"
ctl stats-json --json stats
expect_json stats-json
ctl tcb-json --json tcb
expect_json tcb-json

# trace switched at run time: on, one ping traced, off.
ctl trace-on trace icmp
expect_eq "trace icmp output" "$(cat "$OUT/trace-on.out")" "trace: icmp"
in_ns ping -c 1 -W 2 -q "$G" >/dev/null || fail "ping with tracing on"
grep -Eq '^ +[0-9]+\.[0-9]{6} icmp ' "$GLASSD_ERR" && pass "an icmp trace line appeared" ||
    fail "no icmp trace line in $GLASSD_ERR after glassctl trace icmp"
ctl trace-off --json trace off
expect_eq "trace off --json" "$(cat "$OUT/trace-off.out")" '{"trace": []}'
ctl trace-bad trace bogus
expect_error trace-bad "^glassctl: trace: bad list 'bogus'"
ctl cmd-bad frob
expect_error cmd-bad "^glassctl: unknown command 'frob'"

# Two live programs: glassctl will not guess.
python3 -c '
import socket, sys, os, time
p = sys.argv[1] + "/other.%d.sock" % os.getpid()
s = socket.socket(socket.AF_UNIX); s.bind(p); s.listen(1)
time.sleep(4); os.unlink(p)' "$XDG_RUNTIME_DIR" &
other=$!
for _ in $(seq 1 50); do compgen -G "$XDG_RUNTIME_DIR/other.*.sock" >/dev/null && break; sleep 0.1; done
ctl two arp
expect_error two "^glassctl: 2 glass programs are running \(.*glassd $GLASSD_PID.*\): choose one with --pid PID or --ctl PATH$"
kill "$other" 2>/dev/null || true
wait "$other" 2>/dev/null || true

glassd_stop
[ -e "$sock" ] && fail "$sock still there after glassd exited" || pass "glassd removed $sock at exit"
rm -f "$stale" "$XDG_RUNTIME_DIR"/other.*.sock

# ---- C. glass-httpd: LISTEN, then ESTABLISHED during a transfer ------------------------
W=$SCRATCH/www
mkdir -p "$W"
# 2 MiB: more than glass's 1 MiB send buffer and the client's receive
# buffer together, so glass-httpd cannot have written it all (and closed:
# FIN-WAIT-1) before glassctl looks; with 1 MiB it could, as soon as the
# client's kernel had acknowledged the response header's few hundred bytes
# while glass-httpd was still filling the buffer.
random_file "$W/f.bin" 2
httpd_start --root "$W"
httpd_wait_ready
ctl ss-listen ss
expect_line ss-listen "^tcp +LISTEN +0 +[0-9]+ +\*:80 +\*:\* "
# A client that asks for 2 MiB with a 16 KiB receive buffer and reads
# nothing until $OUT/read.go appears (bounded: 20 s): glass's end stays
# ESTABLISHED with data queued while glassctl looks, whatever the timing
# (a rate-limited curl let the kernel's autotuned buffer take the whole
# file at once, and the connection was over before glassctl asked).
in_ns python3 -c '
import os, socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
s.settimeout(20)
s.connect((sys.argv[1], 80))
s.sendall(b"GET /f.bin HTTP/1.0\r\nHost: glass\r\n\r\n")
end = time.time() + 20
while not os.path.exists(sys.argv[2]) and time.time() < end:
    time.sleep(0.05)
buf = bytearray()
while True:
    d = s.recv(65536)
    if not d:
        break
    buf += d
open(sys.argv[3], "wb").write(bytes(buf).split(b"\r\n\r\n", 1)[1])
' "$G" "$OUT/read.go" "$SCRATCH/f.out" &
curl_pid=$!
est=
for _ in $(seq 1 30); do
    sleep 0.2
    ctl tcb-live --json tcb
    est=$(python3 -c '
import json, sys
for t in json.load(open(sys.argv[1]))["tcbs"]:
    if t["state"] == "ESTABLISHED" and t["peer"].startswith("10.0.0.1:"):
        print(t["cwnd"]); break' "$OUT/tcb-live.out" 2>/dev/null || true)
    [ -n "$est" ] && break
done
if [ -n "$est" ] && [ "$est" -gt 0 ]; then pass "tcb during the transfer: ESTABLISHED, cwnd $est"
else fail "no ESTABLISHED tcb with cwnd > 0 during the transfer"; cat "$OUT/tcb-live.out"; fi
# Linux's SYN offers Timestamps, SACK and Window Scale (its defaults):
# the connection has all three, and CUBIC (glass's default) with its state.
opts=$(python3 -c '
import json, sys
for t in json.load(open(sys.argv[1]))["tcbs"]:
    if t["state"] == "ESTABLISHED" and t["peer"].startswith("10.0.0.1:"):
        print(t["ts"], t["sack"], t["cc"], isinstance(t["snd_wscale"], int),
              isinstance(t["rcv_wscale"], int), isinstance(t["ts_recent"], int),
              t["hystart"] in ("ss", "css", "off"), isinstance(t["cubic_w_max"], float),
              t["recovery"] in ("no", "sack"), isinstance(t["scoreboard"], list)); break' \
    "$OUT/tcb-live.out" 2>&1 || true)
expect_eq "tcb with the kernel: ts sack cc wscale ts_recent hystart w_max recovery scoreboard" \
    "$opts" "on on cubic True True True True True True True"
ctl ss-est ss
expect_line ss-est "^tcp +ESTABLISHED +[0-9]+ +[0-9]+ +10\.0\.0\.2:80 +10\.0\.0\.1:[0-9]+ "
# The INFO column in the words of ss -ti (RFC 7323 shifts as snd,rcv).
expect_line ss-est "^tcp +ESTABLISHED .* 10\.0\.0\.2:80 +10\.0\.0\.1:[0-9]+ +[0-9-]+ +ts sack cubic wscale:[0-9]+,[0-9]+$"
ctl tcb-text tcb "$G:80"
expect_line tcb-text "^state +ESTABLISHED$"
touch "$OUT/read.go"
wait "$curl_pid" || fail "the HTTP transfer failed"
expect_eq "transferred file sha256" "$(sha "$SCRATCH/f.out")" "$(sha "$W/f.bin")"
httpd_stop

# ---- D. --pcap - into tshark, live ---------------------------------------------------------
fifo=$OUT/pcap.fifo
mkfifo "$fifo"
tshark -l -n -r - <"$fifo" >"$OUT/tshark.out" 2>"$OUT/tshark.err" &
tshark_pid=$!
ip netns exec "$NS" "$GLASSD" --pcap - >"$fifo" 2>"$OUT/glassd-pcap.err" &
GLASSD_PID=$!
GLASSD_ERR=$OUT/glassd-pcap.err
glassd_wait_ready
in_ns ping -c 3 -i 0.2 -W 2 -q "$G" >/dev/null || fail "ping glassd --pcap -"
seen=0
for _ in $(seq 1 50); do
    seen=$(grep -c 'ICMP.*Echo (ping) reply' "$OUT/tshark.out" || true)
    [ "$seen" -ge 3 ] && break
    sleep 0.1
done
if kill -0 "$GLASSD_PID" 2>/dev/null && [ "$seen" -ge 3 ]; then
    pass "tshark -r - showed $seen echo replies while glassd still ran"
else
    fail "tshark -r - showed $seen echo replies while glassd ran (want >= 3)"
    cat "$OUT/tshark.out" "$OUT/tshark.err"
fi
glassd_stop
wait "$tshark_pid" || fail "tshark exited non-zero: $(cat "$OUT/tshark.err")"

net_done
