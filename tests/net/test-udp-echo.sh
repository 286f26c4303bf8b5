#!/usr/bin/env bash
# glass-echo against the Linux kernel (RFC 862 over RFC 768): a Python
# client in the namespace sends 10,000 datagrams of random sizes 1..1472
# bytes (seeded, so a run repeats) with at most 32 outstanding, and checks
# every echo byte for byte; then four clients at once send 1000 each.  At most 0.1% may be lost, and every loss must
# show in a counter: glass-echo's tally and the stack's udp.* counters at
# exit, the tap's drop counters and the kernel's UDP MIB (nstat).
set -euo pipefail
# shellcheck source=tests/net/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GLASS_ECHO=$GLASS_BUILD/glass-echo
COUNT=10000
WINDOW=32
SEED=${GLASS_UDP_ECHO_SEED:-862}

net_setup udp-echo
[ -x "$GLASS_ECHO" ] || fatal "no glass-echo in $GLASS_BUILD"

# glass-echo takes glassd's place: the lib's wait/stop/counter helpers
# work on GLASSD_PID and GLASSD_ERR, and net_cleanup kills it on any exit.
GLASSD_ERR=$OUT/glass-echo.err
ip netns exec "$NS" "$GLASS_ECHO" --quiet >"$OUT/glass-echo.out" 2>"$GLASSD_ERR" &
GLASSD_PID=$!
note "glass-echo pid $GLASSD_PID: $GLASS_ECHO --quiet"
glassd_wait_ready

# The client: sequence-free payloads (a 1-byte datagram has no room for
# one), so a reply is matched by its exact bytes against the outstanding
# datagrams; anything that matches none (and no timed-out one) is corrupt.
cat >"$OUT/client.py" <<'EOF'
import collections, json, random, select, socket, sys, time

host, port, count, window, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
TIMEOUT = 2.0        # seconds before a datagram counts as lost
GIVE_UP = 200        # so many lost: glass is not answering, stop early

rng = random.Random(seed)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
s.connect((host, port))
s.setblocking(False)

pending = collections.defaultdict(collections.deque)   # payload -> ids in flight
order = collections.deque()                            # (id, deadline, payload), send order
answered = set()
expired = collections.Counter()                        # payloads given up on
res = dict(sent=0, bytes=0, echoed=0, late=0, lost=0, corrupt=0, refused=0)
inflight = 0
start = time.monotonic()

def on_reply(d):
    global inflight
    if d in pending:
        i = pending[d].popleft()
        if not pending[d]:
            del pending[d]
        answered.add(i)
        inflight -= 1
        res["echoed"] += 1
    elif expired[d] > 0:
        expired[d] -= 1
        res["late"] += 1
        res["lost"] -= 1
    else:
        res["corrupt"] += 1

def drain():
    while True:
        try:
            d = s.recv(65536)
        except BlockingIOError:
            return
        except ConnectionRefusedError:
            res["refused"] += 1
            continue
        on_reply(d)

while (res["sent"] < count or inflight) and res["lost"] < GIVE_UP:
    while res["sent"] < count and inflight < window:
        p = rng.randbytes(rng.randint(1, 1472))
        try:
            s.send(p)
        except BlockingIOError:
            break
        i = res["sent"]
        res["sent"] += 1
        res["bytes"] += len(p)
        pending[p].append(i)
        order.append((i, time.monotonic() + TIMEOUT, p))
        inflight += 1
    now = time.monotonic()
    while order and (order[0][0] in answered or order[0][1] <= now):
        i, _, p = order.popleft()
        if i in answered:
            answered.discard(i)
            continue
        pending[p].remove(i)
        if not pending[p]:
            del pending[p]
        expired[p] += 1
        inflight -= 1
        res["lost"] += 1
    wait = max(0.0, order[0][1] - now) if order else 0.0
    if select.select([s], [], [], wait)[0]:
        drain()

# Stragglers: a late echo is not a loss.
end = time.monotonic() + 0.5
while time.monotonic() < end:
    if select.select([s], [], [], 0.1)[0]:
        drain()
res["seconds"] = round(time.monotonic() - start, 2)
print(json.dumps(res))
EOF

note "client: $COUNT datagrams of 1..1472 bytes, window $WINDOW, seed $SEED"
rc=0
in_ns timeout 900 /usr/bin/python3 "$OUT/client.py" "$GLASS_STACK_ADDR" 7 "$COUNT" "$WINDOW" "$SEED" \
    >"$OUT/client.json" 2>"$OUT/client.err" || rc=$?
[ "$rc" -eq 0 ] || { cat "$OUT/client.err"; fatal "the python client failed (exit $rc)"; }
note "client: $(cat "$OUT/client.json")"

# Many clients at once (RFC 862 over UDP: one socket serves them all, each
# echo goes to its own sender): 4 more, 1000 datagrams each, in parallel.
pids=()
for i in 1 2 3 4; do
    in_ns timeout 300 /usr/bin/python3 "$OUT/client.py" "$GLASS_STACK_ADDR" 7 1000 "$WINDOW" \
        "$((SEED + i))" >"$OUT/client$i.json" 2>"$OUT/client$i.err" &
    pids+=("$!")
done
for i in 1 2 3 4; do
    rc=0
    wait "${pids[$((i - 1))]}" || rc=$?
    [ "$rc" -eq 0 ] || { cat "$OUT/client$i.err"; fatal "parallel client $i failed (exit $rc)"; }
    note "client $i: $(cat "$OUT/client$i.json")"
done
# Totals over the five clients.
total() {
    /usr/bin/python3 -c 'import json,sys; print(sum(json.load(open(f))[sys.argv[1]] for f in sys.argv[2:]))' \
        "$1" "$OUT"/client*.json
}
sent=$(total sent) echoed=$(total echoed) late=$(total late) lost=$(total lost)
corrupt=$(total corrupt) refused=$(total refused)
MAX_LOST=$((sent / 1000)) # 0.1%
note "all clients: sent $sent echoed $echoed late $late lost $lost corrupt $corrupt refused $refused"

# Kernel side, before glass-echo goes: the namespace is new, so its
# counters are this test's alone.  -s: leave nstat's history file alone.
in_ns nstat -asz >"$OUT/nstat.txt"
kstat() { awk -v n="$1" '$1 == n { v = $2 } END { print v + 0 }' "$OUT/nstat.txt"; }
k_in=$(kstat UdpInDatagrams)
k_rcvbuf=$(kstat UdpRcvbufErrors)
k_inerr=$(kstat UdpInErrors)
k_noport=$(kstat UdpNoPorts)
tap_tx_drop=$(in_ns cat /sys/class/net/tap0/statistics/tx_dropped) # kernel -> glass
tap_rx_drop=$(in_ns cat /sys/class/net/tap0/statistics/rx_dropped) # glass -> kernel

glassd_stop
tally=$(grep -E '^glass-echo: [0-9]+ datagrams' "$GLASSD_ERR" || true)
[ -n "$tally" ] || fatal "glass-echo printed no tally at exit"
read -r g_rx g_echoed g_echo_err < <(sed -nE \
    's/^glass-echo: ([0-9]+) datagrams \([0-9]+ bytes\) received, ([0-9]+) echoed, ([0-9]+) echo errors.*/\1 \2 \3/p' \
    <<<"$tally")

note "$tally"
note "glass udp: rx $(counter udp.rx) delivered $(counter udp.delivered) tx $(counter udp.tx)" \
    "rcvbuf_errors $(counter udp.rcvbuf_errors) bad_checksum $(counter udp.drop_bad_checksum)" \
    "bad_length $(counter udp.drop_bad_length) no_port $(counter udp.no_port)" \
    "no_memory $(counter udp.drop_no_memory)"
note "kernel: UdpInDatagrams $k_in UdpRcvbufErrors $k_rcvbuf UdpInErrors $k_inerr UdpNoPorts $k_noport;" \
    "tap0 tx_dropped $tap_tx_drop rx_dropped $tap_rx_drop"

expect_eq "datagrams sent by the clients" "$sent" "$((COUNT + 4000))"
expect_eq "echoes that matched no datagram we sent (corrupt)" "$corrupt" 0
expect_eq "ECONNREFUSED seen by the client" "$refused" 0
if [ "$lost" -le "$MAX_LOST" ]; then
    pass "lost $lost of $sent (<= $MAX_LOST, 0.1%); $echoed echoed in time, $late late"
else
    fail "lost $lost of $sent datagrams (more than $MAX_LOST, 0.1%)"
fi

# Every loss accounted: on the way in (kernel -> glass-echo) ...
in_lost=$((sent - g_rx))
in_counted=$((tap_tx_drop + $(counter udp.rcvbuf_errors) + $(counter udp.drop_no_memory) + \
    $(counter udp.drop_bad_checksum) + $(counter udp.drop_bad_length) + \
    $(counter ipv4.drop_no_memory) + $(counter eth.drop_iface_down)))
if [ "$in_lost" -le "$in_counted" ]; then
    pass "lost on the way in: $in_lost, counted by the tap/glass drop counters: $in_counted"
else
    fail "lost on the way in: $in_lost, but the tap/glass drop counters show only $in_counted"
fi
# ... inside glass-echo (its tally: a failed sendto) ...
expect_eq "glass-echo: received - echoed = echo errors" "$((g_rx - g_echoed))" "$g_echo_err"
# ... and on the way back (glass -> the kernel's socket).
out_lost=$((g_echoed - k_in))
out_counted=$((tap_rx_drop + k_inerr + $(counter eth.tx_error) + $(counter arp.queue_overflow) + \
    $(counter arp.resolve_failed) + $(counter ipv4.drop_no_route)))
if [ "$out_lost" -le "$out_counted" ]; then
    pass "lost on the way back: $out_lost, counted by glass/tap/kernel: $out_counted"
else
    fail "lost on the way back: $out_lost, but glass/tap/kernel counters show only $out_counted"
fi
# What reached the kernel sockets reached the clients.
if [ "$k_in" -ge "$((echoed + late))" ]; then
    pass "kernel delivered $k_in datagrams; the client matched $((echoed + late))"
else
    fail "the client matched $((echoed + late)) echoes but the kernel delivered only $k_in"
fi
# glass's own counters agree with glass-echo's tally.
expect_ge "glass udp.delivered" "$(counter udp.delivered)" "$g_rx"
expect_ge "glass udp.tx" "$(counter udp.tx)" "$g_echoed"
net_done
