#!/usr/bin/env bash
# glass-nc over TCP against the Linux kernel, both ways:
#   A. glass-nc -l -p 5000 with a Linux client (python3 socket): the client
#      pushes 4 MB while glass-nc sends its stdin (3 MB) back on the same
#      connection; both directions checked by sha256, both halves closed
#      by FIN (glass-nc at EOF on stdin, then the client's shutdown).
#   B. glass-nc HOST PORT to a Linux listener, the half-close (RFC 9293
#      3.6, "CLOSE ... the user may continue to RECEIVE"): glass-nc sends
#      3 MB, EOF on stdin sends our FIN; only after reading it does the
#      server answer: the sha256 it computed, then 1 MB more.  glass-nc
#      must print all of it and exit 0 when the server closes.
#   C. glass-nc -l -k: two clients in turn, each one's bytes on stdout in
#      order; the listener then ends by SIGTERM (exit 143).
#   D. a closed Linux port: "connect to 10.0.0.1 port 5999 (tcp) failed:
#      Connection refused", exit 1 (the kernel's RST, RFC 9293 3.10.7.3).
# Each glass-nc is a whole stack on tap0, so they run one after another.
set -euo pipefail
# shellcheck source=tests/net/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GLASS_NC=$GLASS_BUILD/glass-nc
net_setup nc-tcp
[ -x "$GLASS_NC" ] || fatal "no glass-nc in $GLASS_BUILD"

# shellcheck disable=SC2317 # called through wait_for
tcp_listening() { in_ns ss -Hltn "sport = :$1" | grep -q .; }

expect_same() { # DESCRIPTION GOT WANT
    if cmp -s "$2" "$3"; then
        pass "$1 ($(stat -c %s "$3") bytes, sha256 $(sha "$3" | cut -c1-16)...)"
    else
        fail "$1: $2 ($(stat -c %s "$2") bytes) differs from $3 ($(stat -c %s "$3") bytes)"
        cmp "$2" "$3" 2>&1 | head -3 || true
    fi
}

# Seeded bytes, so a run repeats.
make_data() { # FILE SEED BYTES
    /usr/bin/python3 -c 'import random, sys
r = random.Random(int(sys.argv[2]))
open(sys.argv[1], "wb").write(r.randbytes(int(sys.argv[3])))' "$@"
}

# The Linux side: one script, two roles.
#   client HOST PORT SEND RECV: connect; a thread sends SEND, then
#     shutdown(SHUT_WR); meanwhile everything that comes goes to RECV
#     until the peer's FIN.
#   client-last HOST PORT SEND RECV: the same, but our FIN waits for the
#     peer's: nc (OpenBSD's and glass's) ends its session at the peer's
#     FIN, so an earlier FIN could cut glass-nc's stdin short.
#   server ADDR PORT RECV ANSWER: accept one connection; read to EOF into
#     RECV; only then send "sha256 HEX\n" of what came, then ANSWER; close.
cat >"$OUT/peer.py" <<'EOF'
import hashlib, socket, sys, threading

def recv_all(s, path):
    with open(path, "wb") as f:
        while True:
            b = s.recv(1 << 16)
            if not b:
                return
            f.write(b)

role = sys.argv[1]
if role in ("client", "client-last"):
    host, port, send, recv = sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
    s = socket.create_connection((host, port), timeout=60)
    s.settimeout(60)
    got_fin = threading.Event()
    def sender():
        with open(send, "rb") as f:
            s.sendall(f.read())
        if role == "client-last":
            got_fin.wait(60)
        s.shutdown(socket.SHUT_WR)
    t = threading.Thread(target=sender)
    t.start()
    recv_all(s, recv)
    got_fin.set()
    t.join()
    s.close()
else:
    addr, port, recv, answer = sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(1)
    ls.settimeout(60)
    s, _ = ls.accept()
    s.settimeout(60)
    recv_all(s, recv)
    h = hashlib.sha256(open(recv, "rb").read()).hexdigest()
    s.sendall(("sha256 %s\n" % h).encode() + open(answer, "rb").read())
    s.close()
EOF

# ---- A: glass-nc -l, a Linux client, both directions at once ---------------
make_data "$OUT/a-to-glass.bin" 1 $((4 * 1024 * 1024))
make_data "$OUT/a-from-glass.bin" 2 $((3 * 1024 * 1024))
GLASSD_ERR=$OUT/a-glass-nc.err
ip netns exec "$NS" "$GLASS_NC" -l -v -p 5000 \
    <"$OUT/a-from-glass.bin" >"$OUT/a-glass-nc.out" 2>"$GLASSD_ERR" &
GLASSD_PID=$!
note "A: glass-nc pid $GLASSD_PID: glass-nc -l -v -p 5000 < 3 MB"
wait_for "A: glass-nc says 'Listening on'" 10 grep -q '^Listening on 0.0.0.0 5000$' "$GLASSD_ERR" ||
    fatal "glass-nc -l did not listen"
glassd_wait_ready
rc=0
in_ns timeout 120 /usr/bin/python3 "$OUT/peer.py" client-last "$GLASS_STACK_ADDR" 5000 \
    "$OUT/a-to-glass.bin" "$OUT/a-client.out" 2>"$OUT/a-client.err" || rc=$?
expect_eq "A: Linux client exit status" "$rc" 0
[ "$rc" -eq 0 ] || cat "$OUT/a-client.err"
wait_exit "$GLASSD_PID" 30
GLASSD_PID=
expect_eq "A: glass-nc -l exit status (one connection, then done)" "$rc" 0
if grep -q '^Connection received on 10\.0\.0\.1 ' "$GLASSD_ERR"; then
    pass "A: glass-nc -v says who connected"
else
    fail "A: no 'Connection received on 10.0.0.1 PORT' line"
fi
expect_same "A: Linux client -> glass-nc -l" "$OUT/a-glass-nc.out" "$OUT/a-to-glass.bin"
expect_same "A: glass-nc -l stdin -> Linux client" "$OUT/a-client.out" "$OUT/a-from-glass.bin"
expect_eq "A: one connection (glass tcp.established)" "$(counter tcp.established)" 1
expect_eq "A: no RST either way (tcp.rst_sent + tcp.rst_rcvd)" \
    "$(($(counter tcp.rst_sent) + $(counter tcp.rst_rcvd)))" 0
no_sanitizer_report "$GLASSD_ERR"

# ---- B: glass-nc to a Linux listener; half-close ----------------------------
make_data "$OUT/b-from-glass.bin" 3 $((3 * 1024 * 1024))
make_data "$OUT/b-answer.bin" 4 $((1024 * 1024))
in_ns timeout 120 /usr/bin/python3 "$OUT/peer.py" server "$GLASS_KERNEL_ADDR" 5001 \
    "$OUT/b-server.got" "$OUT/b-answer.bin" 2>"$OUT/b-server.err" &
server_pid=$!
wait_for "B: the Linux server listens on 5001" 10 tcp_listening 5001 || fatal "server did not listen"
GLASSD_ERR=$OUT/b-glass-nc.err
rc=0
in_ns timeout 120 "$GLASS_NC" -v "$GLASS_KERNEL_ADDR" 5001 \
    <"$OUT/b-from-glass.bin" >"$OUT/b-glass-nc.out" 2>"$GLASSD_ERR" || rc=$?
expect_eq "B: glass-nc exit status" "$rc" 0
wait_exit "$server_pid" 30
expect_eq "B: Linux server exit status" "$rc" 0
[ "$rc" -eq 0 ] || cat "$OUT/b-server.err"
if grep -q "^Connection to $GLASS_KERNEL_ADDR 5001 port \[tcp/\*\] succeeded!$" "$GLASSD_ERR"; then
    pass "B: glass-nc -v says it is connected"
else
    fail "B: no 'Connection to ... succeeded!' line"
fi
expect_same "B: glass-nc stdin -> Linux server (read to our FIN)" \
    "$OUT/b-server.got" "$OUT/b-from-glass.bin"
{ printf 'sha256 %s\n' "$(sha "$OUT/b-from-glass.bin")"; cat "$OUT/b-answer.bin"; } >"$OUT/b-want.out"
expect_same "B: the answer sent after our FIN reached glass-nc's stdout" \
    "$OUT/b-glass-nc.out" "$OUT/b-want.out"
no_sanitizer_report "$GLASSD_ERR"

# ---- C: -k, two clients in turn ------------------------------------------------
make_data "$OUT/c1.bin" 5 $((512 * 1024))
make_data "$OUT/c2.bin" 6 $((512 * 1024 + 17))
mkfifo "$OUT/c.fifo"
exec 7<>"$OUT/c.fifo" # stdin that stays open and silent
GLASSD_ERR=$OUT/c-glass-nc.err
ip netns exec "$NS" "$GLASS_NC" -l -k -v -p 5002 \
    <"$OUT/c.fifo" >"$OUT/c-glass-nc.out" 2>"$GLASSD_ERR" 7>&- &
GLASSD_PID=$!
note "C: glass-nc pid $GLASSD_PID: glass-nc -l -k -v -p 5002"
wait_for "C: glass-nc says 'Listening on'" 10 grep -q '^Listening on 0.0.0.0 5002$' "$GLASSD_ERR" ||
    fatal "glass-nc -l -k did not listen"
glassd_wait_ready
for i in 1 2; do
    rc=0
    in_ns timeout 60 /usr/bin/python3 "$OUT/peer.py" client "$GLASS_STACK_ADDR" 5002 \
        "$OUT/c$i.bin" "$OUT/c$i-client.out" 2>"$OUT/c$i-client.err" || rc=$?
    expect_eq "C: client $i exit status (glass-nc closed after its FIN)" "$rc" 0
    expect_eq "C: client $i got nothing back (stdin silent)" "$(stat -c %s "$OUT/c$i-client.out")" 0
done
if kill -0 "$GLASSD_PID" 2>/dev/null; then
    pass "C: glass-nc -k still listening after two clients"
else
    fail "C: glass-nc -k exited after the clients"
fi
kill -TERM "$GLASSD_PID" 2>/dev/null || true
wait_exit "$GLASSD_PID" 10
GLASSD_PID=
exec 7>&-
expect_eq "C: glass-nc -k exit status after SIGTERM" "$rc" 143
cat "$OUT/c1.bin" "$OUT/c2.bin" >"$OUT/c-want.bin"
expect_same "C: both clients' bytes, in turn" "$OUT/c-glass-nc.out" "$OUT/c-want.bin"
expect_eq "C: two 'Connection received' lines" \
    "$(grep -c '^Connection received on 10\.0\.0\.1 ' "$GLASSD_ERR")" 2
no_sanitizer_report "$GLASSD_ERR"

# ---- D: a closed port: the kernel's RST -----------------------------------------
rc=0
in_ns timeout 20 "$GLASS_NC" "$GLASS_KERNEL_ADDR" 5999 </dev/null >"$OUT/d.out" 2>"$OUT/d.err" || rc=$?
sed 's/^/    /' "$OUT/d.err"
expect_eq "D: exit status after a refused connection" "$rc" 1
expect_eq "D: the message" "$(grep -v -E 'Sanitizer|runtime error' "$OUT/d.err" | head -n 1)" \
    "glass-nc: connect to $GLASS_KERNEL_ADDR port 5999 (tcp) failed: Connection refused"
expect_eq "D: nothing on stdout" "$(stat -c %s "$OUT/d.out")" 0
no_sanitizer_report "$OUT/d.err"
net_done
