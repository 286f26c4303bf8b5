#!/usr/bin/env bash
# glass-echo over TCP against the Linux kernel (RFC 862, "TCP Based Echo
# Service"): a Python client in the namespace pushes 20 MB of seeded bytes
# through one connection, writing and reading at once (a thread sends,
# then shutdown(SHUT_WR); the main thread reads to EOF), and checks the
# echo by sha256 and length; then 8 clients at once push 2 MB each, every
# echo checked the same way.  glass-echo's own lines and tally must agree:
# one "connected" and one "closed, N bytes echoed" line per client, and
# the byte total at exit.
set -euo pipefail
# shellcheck source=tests/net/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GLASS_ECHO=$GLASS_BUILD/glass-echo
BIG=$((20 * 1024 * 1024))
SMALL=$((2 * 1024 * 1024))
PARALLEL=8
SEED=${GLASS_TCP_ECHO_SEED:-862}

net_setup tcp-echo
[ -x "$GLASS_ECHO" ] || fatal "no glass-echo in $GLASS_BUILD"

# glass-echo takes glassd's place: the lib's wait/stop/counter helpers
# work on GLASSD_PID and GLASSD_ERR, and net_cleanup kills it on any exit.
GLASSD_ERR=$OUT/glass-echo.err
ip netns exec "$NS" "$GLASS_ECHO" >"$OUT/glass-echo.out" 2>"$GLASSD_ERR" &
GLASSD_PID=$!
note "glass-echo pid $GLASSD_PID: $GLASS_ECHO"
glassd_wait_ready

# The client prints one JSON line: bytes sent and received, the sha256 of
# each, and the time it took.  Writing and reading run at once, so neither
# side's buffers have to hold the whole stream.
cat >"$OUT/client.py" <<'EOF'
import hashlib, json, random, socket, sys, threading, time

host, port, size, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
CHUNK = 64 * 1024
s = socket.create_connection((host, port), timeout=120)
s.settimeout(120)
res = dict(sent=0, received=0)
# What the kernel negotiated with glass (struct tcp_info: tcpi_options is
# byte 5 -- TCPI_OPT_TIMESTAMPS 1, TCPI_OPT_WSCALE 4 -- and byte 6 holds
# tcpi_snd_wscale in its low four bits: the shift of glass's windows).
ti = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)
res.update(tcpi_ts=int(bool(ti[5] & 1)), tcpi_ws=int(bool(ti[5] & 4)), tcpi_snd_wscale=ti[6] & 0xf)
sent_hash, recv_hash = hashlib.sha256(), hashlib.sha256()
err = []

def sender():
    try:
        rng = random.Random(seed)
        left = size
        while left:
            b = rng.randbytes(min(CHUNK, left))
            s.sendall(b)
            sent_hash.update(b)
            res["sent"] += len(b)
            left -= len(b)
        s.shutdown(socket.SHUT_WR)   # our FIN: glass-echo then closes too
    except Exception as e:
        err.append("send: %r" % e)

start = time.monotonic()
t = threading.Thread(target=sender)
t.start()
try:
    while True:
        b = s.recv(1 << 16)
        if not b:
            break
        recv_hash.update(b)
        res["received"] += len(b)
except Exception as e:
    err.append("recv: %r" % e)
t.join()
s.close()
res.update(sha_sent=sent_hash.hexdigest(), sha_received=recv_hash.hexdigest(),
           seconds=round(time.monotonic() - start, 2), errors=err)
print(json.dumps(res))
EOF

field() { # FILE KEY
    /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

check_client() { # TAG FILE SIZE
    local tag=$1 f=$2 size=$3
    expect_eq "$tag: bytes sent" "$(field "$f" sent)" "$size"
    expect_eq "$tag: bytes echoed back" "$(field "$f" received)" "$size"
    expect_eq "$tag: sha256 of the echo = sha256 of what was sent" \
        "$(field "$f" sha_received)" "$(field "$f" sha_sent)"
    expect_eq "$tag: no socket errors" "$(field "$f" errors)" "[]"
}

# ---- one client, 20 MB ----------------------------------------------------------
rc=0
in_ns timeout 300 /usr/bin/python3 "$OUT/client.py" "$GLASS_STACK_ADDR" 7 "$BIG" "$SEED" \
    >"$OUT/client.json" 2>"$OUT/client.err" || rc=$?
[ "$rc" -eq 0 ] || { cat "$OUT/client.err"; fatal "the python client failed (exit $rc)"; }
note "client: $(cat "$OUT/client.json")"
check_client "20 MB" "$OUT/client.json" "$BIG"
# RFC 7323 with the kernel: both SYNs carried WS and TS, and glass's
# shift is the one its 1 MiB receive buffer needs (65535 << 5 >= 1 MiB).
expect_eq "RFC 7323: the kernel negotiated timestamps" "$(field "$OUT/client.json" tcpi_ts)" 1
expect_eq "RFC 7323: the kernel negotiated window scaling" "$(field "$OUT/client.json" tcpi_ws)" 1
expect_eq "RFC 7323: glass's window shift as the kernel sees it" \
    "$(field "$OUT/client.json" tcpi_snd_wscale)" 5

# ---- several clients at once ------------------------------------------------------
pids=()
for i in $(seq 1 $PARALLEL); do
    in_ns timeout 300 /usr/bin/python3 "$OUT/client.py" "$GLASS_STACK_ADDR" 7 "$SMALL" \
        "$((SEED + i))" >"$OUT/client$i.json" 2>"$OUT/client$i.err" &
    pids+=("$!")
done
for i in $(seq 1 $PARALLEL); do
    rc=0
    wait "${pids[$((i - 1))]}" || rc=$?
    [ "$rc" -eq 0 ] || { cat "$OUT/client$i.err"; fail "parallel client $i failed (exit $rc)"; continue; }
    note "client $i: $(cat "$OUT/client$i.json")"
    check_client "parallel client $i" "$OUT/client$i.json" "$SMALL"
done

# ---- glass-echo's view ----------------------------------------------------------------
# A closed connection's line comes once glass-echo has read the client's
# FIN; the clients saw glass-echo's FIN, so that has happened.
glassd_stop
conns=$((PARALLEL + 1))
expect_eq "glass-echo: 'connected' lines" "$(grep -c '^tcp 10\.0\.0\.1:[0-9]* connected$' "$OUT/glass-echo.out")" "$conns"
expect_eq "glass-echo: 'closed' lines" \
    "$(grep -c '^tcp 10\.0\.0\.1:[0-9]* closed, [0-9]* bytes echoed$' "$OUT/glass-echo.out")" "$conns"
expect_eq "glass-echo: the 20 MB connection echoed 20 MB" \
    "$(grep -c "^tcp 10\.0\.0\.1:[0-9]* closed, $BIG bytes echoed$" "$OUT/glass-echo.out")" 1
expect_eq "glass-echo: each parallel connection echoed 2 MB" \
    "$(grep -c "^tcp 10\.0\.0\.1:[0-9]* closed, $SMALL bytes echoed$" "$OUT/glass-echo.out")" "$PARALLEL"
expect_eq "glass-echo: tally at exit" \
    "$(grep -E '^glass-echo: [0-9]+ tcp connections' "$GLASSD_ERR")" \
    "glass-echo: $conns tcp connections, $((BIG + PARALLEL * SMALL)) bytes echoed, 0 refused"
expect_eq "glass tcp.established" "$(counter tcp.established)" "$conns"
expect_eq "glass tcp.conn_reset + conn_aborted + conn_timeout" \
    "$(($(counter tcp.conn_reset) + $(counter tcp.conn_aborted) + $(counter tcp.conn_timeout)))" 0
net_done
